package output

import (
	"bytes"
	"slices"
	"testing"

	"github.com/itchyny/gojq"
)

type tagged struct {
	ID     int            `json:"id"`
	Name   string         `json:"name,omitempty"`
	Hidden string         `json:"-"`
	Data   map[string]int `json:"data"`
	Plain  bool
	lower  int
}

func TestFieldNames(t *testing.T) {
	if got := FieldNames[tagged](); !slices.Equal(got, []string{"id", "name", "data", "Plain"}) {
		t.Errorf("FieldNames = %q", got)
	}
	_ = tagged{}.lower
}

func mustQuery(t *testing.T, src string) *gojq.Code {
	t.Helper()
	q, err := gojq.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gojq.Compile(q)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSelectListPerItem(t *testing.T) {
	items := []tagged{{ID: 1, Name: "a", Data: map[string]int{"x": 1}}, {ID: 2}}
	run := func(format Format, sel *Selection) string {
		var b bytes.Buffer
		l := SelectList(&b, format, []Column[tagged]{{Name: "id", Value: func(x *tagged) string { return "#" }}}, "t", "ts", sel, 0, nil)
		for i := range items {
			if err := l.Add(&items[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	// A field the item leaves out (omitempty) is null, in the order asked.
	if got := run(JSONL, &Selection{Fields: []string{"name", "id"}}); got != "{\"name\":\"a\",\"id\":1}\n{\"name\":null,\"id\":2}\n" {
		t.Errorf("jsonl: %q", got)
	}
	if got := run(JSON, &Selection{Fields: []string{"id"}}); got != "[\n{\"id\":1},\n{\"id\":2}\n]\n" {
		t.Errorf("json: %q", got)
	}
	// A field without a column is printed from the JSON; a column keeps its own text.
	if got := run(CSV, &Selection{Fields: []string{"data", "id"}}); got != "data,id\n\"{\"\"x\"\":1}\",#\n,#\n" {
		t.Errorf("csv: %q", got)
	}
	// The query runs on each item, with the fields selected first.
	if got := run(JSONL, &Selection{Fields: []string{"id"}, Query: mustQuery(t, "keys")}); got != "[\"id\"]\n[\"id\"]\n" {
		t.Errorf("query: %q", got)
	}
	if got := run(JSONL, &Selection{Query: mustQuery(t, ".name // empty")}); got != "a\n" {
		t.Errorf("query with no result for an item: %q", got)
	}
	if got := run(JSON, &Selection{Query: mustQuery(t, "if .id == 1 then .id else halt end")}); got != "1\n" {
		t.Errorf("halt: %q", got)
	}
	if got := run(JSON, nil); got != "[\n{\"id\":1,\"name\":\"a\",\"data\":{\"x\":1},\"Plain\":false},\n{\"id\":2,\"data\":null,\"Plain\":false}\n]\n" {
		t.Errorf("no selection: %q", got)
	}
}
