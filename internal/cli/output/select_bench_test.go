package output

import (
	"io"
	"strconv"
	"testing"

	"github.com/itchyny/gojq"
)

type benchItem struct {
	ID      int               `json:"id"`
	Key     string            `json:"key"`
	Status  string            `json:"status"`
	Deleted bool              `json:"deleted"`
	Data    map[string]string `json:"data"`
}

// BenchmarkSelectList: the cost per item of --json and --jq against the plain JSON Lines.
func BenchmarkSelectList(b *testing.B) {
	data := map[string]string{}
	for i := range 12 {
		data["VAR"+strconv.Itoa(i)] = "value " + strconv.Itoa(i)
	}
	item := benchItem{ID: 42, Key: "01-001", Status: "Record Complete", Data: data}
	cases := []struct {
		name string
		sel  func(b *testing.B) *Selection
	}{
		{"plain", func(*testing.B) *Selection { return nil }},
		{"json-fields", func(*testing.B) *Selection { return &Selection{Fields: []string{"id", "key", "status"}} }},
		{"jq", func(b *testing.B) *Selection { return &Selection{Query: mustQueryB(b, ".key")} }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			l := SelectList(io.Discard, JSONL, []Column[benchItem]{}, "i", "is", c.sel(b), 0, nil)
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Add(&item); err != nil {
					b.Fatal(err)
				}
			}
			l.Close()
		})
	}
}

func mustQueryB(b *testing.B, src string) *gojq.Code {
	b.Helper()
	q, err := gojq.Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		b.Fatal(err)
	}
	return code
}
