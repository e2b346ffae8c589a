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

func TestTargetForStudy(t *testing.T) {
	for _, tc := range []struct {
		to, study, want string
		perStudy        bool
	}{
		{"sqlite:out/{study}.db", "DEMO", "out/DEMO.db", true},
		{"csv:lake/{study}/{study}", "ONCO", "lake/ONCO/ONCO", true},
		{"sqlite:out.db", "DEMO", "out.db", false},
		{"postgres://h/db?schema=edc_{study}", "A B", "//h/db?schema=edc_A%20B", true},
	} {
		tg, err := ParseTarget(tc.to, "")
		if err != nil {
			t.Fatal(err)
		}
		if tg.PerStudy() != tc.perStudy {
			t.Errorf("%s: PerStudy %v", tc.to, tg.PerStudy())
		}
		got, err := tg.ForStudy(tc.study)
		if err != nil || got.Location != tc.want || got.Study != tc.study {
			t.Errorf("%s for %s: %+v, %v; want location %q", tc.to, tc.study, got, err, tc.want)
		}
	}
	tg, _ := ParseTarget("sqlite:out/{study}.db", "")
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`, "a\x00"} {
		if _, err := tg.ForStudy(bad); err == nil || !strings.Contains(err.Error(), "cannot name a file") {
			t.Errorf("study %q: %v", bad, err)
		}
	}
	// A key that is no path element is fine where the location has no placeholder.
	if got, err := (Target{Scheme: "sqlite", Location: "x.db"}).ForStudy("a/b"); err != nil || got.Location != "x.db" {
		t.Errorf("no placeholder: %+v, %v", got, err)
	}
}
