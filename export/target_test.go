package export

import (
	"context"
	"strings"
	"sync"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"sqlite:out/DEMO.db":            {Scheme: "sqlite", Location: "out/DEMO.db"},
		"SQLite3:x.db":                  {Scheme: "sqlite", Location: "x.db"},
		"DEMO.db":                       {Scheme: "sqlite", Location: "DEMO.db"},
		"postgres://u@host:5432/db?x=1": {Scheme: "postgres", Location: "postgres://u@host:5432/db?x=1"},
		"postgresql://host/db":          {Scheme: "postgres", Location: "postgresql://host/db"},
		"parquet:/data/demo":            {Scheme: "parquet", Location: "/data/demo"},
		"csv:dir with space":            {Scheme: "csv", Location: "dir with space"},
		"jsonl:./x":                     {Scheme: "jsonl", Location: "./x"},
	} {
		want.Study = "S"
		got, err := ParseTarget(in, "S")
		if err != nil || got != want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "out/file.txt", "csv:", "sqlite:  ", "postgres://"} {
		if _, err := ParseTarget(in, "S"); err == nil {
			t.Errorf("ParseTarget(%q): no error", in)
		}
	}
}

// registerTestScheme registers the scheme testscheme once per test binary, however many
// times the test runs (-count).
var registerTestScheme = sync.OnceFunc(func() {
	RegisterTarget("testscheme", func(ctx context.Context, t Target) (Sink, error) { return nil, nil })
})

func TestOpenTargetUnknownScheme(t *testing.T) {
	registerTestScheme()
	_, err := OpenTarget(context.Background(), "nosuch:x", "S")
	if err == nil || !strings.Contains(err.Error(), "testscheme") {
		t.Errorf("error %v; want one listing the known schemes", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration did not panic")
		}
	}()
	RegisterTarget("testscheme", func(ctx context.Context, t Target) (Sink, error) { return nil, nil })
}
