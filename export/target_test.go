package export

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"sqlite:out/DEMO.db":            {Scheme: "sqlite", Location: "out/DEMO.db"},
		"SQLite3:x.db":                  {Scheme: "sqlite3", Location: "x.db"},
		"  csv:dir with space ":         {Scheme: "csv", Location: "dir with space"},
		"postgres://u@host:5432/db?x=1": {Scheme: "postgres", Location: "//u@host:5432/db?x=1"},
		"PostgreSQL://host/db":          {Scheme: "postgresql", Location: "//host/db"},
		"parquet:/data/demo":            {Scheme: "parquet", Location: "/data/demo"},
		"nosuch:x":                      {Scheme: "nosuch", Location: "x"}, // schemes are the caller's business
		// No scheme: the whole string is the location.
		"DEMO.db":        {Location: "DEMO.db"},
		"out/file.txt":   {Location: "out/file.txt"},
		"./a:b.db":       {Location: "./a:b.db"},
		"dir.v2:x":       {Location: "dir.v2:x"},
		`C\dir:x`:        {Location: `C\dir:x`},
		":no-scheme.csv": {Location: ":no-scheme.csv"},
	} {
		want.Study = "S"
		got, err := ParseTarget(in, "S")
		if err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  ", "csv:", "sqlite:  ", "postgres://", "postgres:// "} {
		if _, err := ParseTarget(in, "S"); err == nil {
			t.Errorf("ParseTarget(%q): no error", in)
		}
	}
}

// String gives back what was parsed, with a URL's password hidden.
func TestTargetString(t *testing.T) {
	for in, want := range map[string]string{
		"sqlite:out/DEMO.db": "sqlite:out/DEMO.db",
		"SQLITE3:x.db":       "sqlite3:x.db",
		"DEMO.db":            "DEMO.db",
		"postgresql://etl@db.example.org/trials?x=1":   "postgresql://etl@db.example.org/trials?x=1",
		"postgres://etl:s3cret@db.example.org/trials":  "postgres://etl:xxxxx@db.example.org/trials",
		"postgres://etl:s3cret@db.example.org:bad/x%z": "postgres://...",
	} {
		target, err := ParseTarget(in, "S")
		if err != nil {
			t.Fatal(err)
		}
		if got := target.String(); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("ParseTarget(%q).String() = %q, want %q", in, got, want)
		}
	}
}
