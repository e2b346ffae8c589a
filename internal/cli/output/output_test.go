package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

type item struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

var cols = []Column[item]{
	{Name: "id", Table: true, Value: func(i *item) string { return fmt.Sprint(i.ID) }},
	{Name: "name", Table: true, Value: func(i *item) string { return i.Name }},
}

func write(t *testing.T, format Format, items []item) string {
	t.Helper()
	var b bytes.Buffer
	l := NewList(&b, format, cols, "item", "items")
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

func TestEscapeCSV(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2":         "'=1+2",
		"=HYPERLINK()": "'=HYPERLINK()",
		"+1":           "+1", // a number
		"-3.5":         "-3.5",
		"-2e3":         "-2e3",
		"-2+3":         "'-2+3",
		"+cmd":         "'+cmd",
		"-":            "'-",
		"@SUM(A1)":     "'@SUM(A1)",
		"\tx":          "'\tx",
		"\rx":          "'\rx",
		"normal":       "normal",
		"a=b":          "a=b",
		"":             "",
		"12":           "12",
	} {
		if got := EscapeCSV(in); got != want {
			t.Errorf("EscapeCSV(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVListEscapesAndQuotes(t *testing.T) {
	out := write(t, CSV, []item{{1, "=cmd|' /C calc'!A0"}, {2, "a, \"quoted\"\nline"}, {3, "-12"}})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id", "name"}, {"1", "'=cmd|' /C calc'!A0"}, {"2", "a, \"quoted\"\nline"}, {"3", "-12"}}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if got := write(t, CSV, nil); got != "id,name\n" {
		t.Errorf("no items: %q", got)
	}
}

func TestJSONAndJSONL(t *testing.T) {
	items := []item{{1, "a<b>"}, {2, "é"}, {3, ""}}
	var got []item
	out := write(t, JSON, items)
	if err := json.Unmarshal([]byte(out), &got); err != nil || fmt.Sprint(got) != fmt.Sprint(items) {
		t.Fatalf("json %q: %v", out, err)
	}
	if strings.Contains(out, `\u003c`) {
		t.Errorf("HTML escaped: %s", out)
	}
	if got := write(t, JSON, nil); got != "[]\n" {
		t.Errorf("empty json: %q", got)
	}
	out = write(t, JSONL, items)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("jsonl: %q", out)
	}
	for i, l := range lines {
		var it item
		if err := json.Unmarshal([]byte(l), &it); err != nil || it != items[i] {
			t.Errorf("line %d %q: %v", i, l, err)
		}
	}
	if got := write(t, JSONL, nil); got != "" {
		t.Errorf("empty jsonl: %q", got)
	}
}

func TestTable(t *testing.T) {
	long := strings.Repeat("x", 100)
	out := write(t, Table, []item{{1, "short"}, {22, long}, {3, "two\nlines\x1b[31m"}})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 || lines[4] != "3 items" {
		t.Fatalf("table:\n%s", out)
	}
	// Aligned: the second column starts at the same place on every line.
	at := strings.Index(lines[0], "name")
	for _, l := range lines[1:4] {
		if l[at-2:at] != "  " || l[at] == ' ' {
			t.Errorf("misaligned %q (column at %d)", l, at)
		}
	}
	if !strings.Contains(lines[2], strings.Repeat("x", MaxCellWidth-1)+"…") || strings.Contains(lines[2], strings.Repeat("x", MaxCellWidth)) {
		t.Errorf("long value not cut: %q", lines[2])
	}
	if strings.ContainsAny(lines[3], "\x1b") || !strings.Contains(lines[3], "two lines") {
		t.Errorf("control characters: %q", lines[3])
	}
	if got := write(t, Table, []item{{1, "a"}}); !strings.HasSuffix(got, "\n1 item\n") {
		t.Errorf("one item: %q", got)
	}
	if got := write(t, Table, nil); got != "id  name\n0 items\n" {
		t.Errorf("no items: %q", got)
	}
}

func TestTableBeyondFirstBlockStaysSeparated(t *testing.T) {
	var items []item
	for i := range tableBlock + 10 {
		items = append(items, item{i, "n"})
	}
	items[tableBlock+5].ID = 123456789 // wider than anything measured in the first block
	out := write(t, Table, items)
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "123456789") && !strings.HasPrefix(l, "123456789  n") {
			t.Errorf("a wide value after the first block is not separated: %q", l)
		}
	}
	if !strings.HasSuffix(out, fmt.Sprintf("\n%d items\n", tableBlock+10)) {
		t.Errorf("count line missing")
	}
}

func TestOne(t *testing.T) {
	var b bytes.Buffer
	if err := One(&b, Table, cols, &item{7, "seven"}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "id    7\nname  seven\n" {
		t.Errorf("table: %q", b.String())
	}
	b.Reset()
	One(&b, JSON, cols, &item{7, "seven"})
	var it item
	if err := json.Unmarshal(b.Bytes(), &it); err != nil || it.ID != 7 {
		t.Errorf("json: %q", b.String())
	}
}

func TestCell(t *testing.T) {
	s := Cell(strings.Repeat("é", 50))
	if utf8.RuneCountInString(s) != MaxCellWidth || !strings.HasSuffix(s, "…") {
		t.Errorf("%q", s)
	}
	if Cell("fine") != "fine" {
		t.Error("short value changed")
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "JSON", " jsonl ", "csv"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("yaml accepted")
	}
}

// wideItem has four columns, two of them long.
type wideItem struct{ id, name, site, note string }

var wideCols = []Column[wideItem]{
	{Name: "id", Table: true, Value: func(i *wideItem) string { return i.id }},
	{Name: "name", Table: true, Value: func(i *wideItem) string { return i.name }},
	{Name: "site", Table: true, Value: func(i *wideItem) string { return i.site }},
	{Name: "note", Table: true, Value: func(i *wideItem) string { return i.note }},
}

func writeFitted(t *testing.T, width int, items []wideItem) []string {
	t.Helper()
	var b bytes.Buffer
	l := NewList(&b, Table, wideCols, "item", "items").FitTo(width)
	for i := range items {
		if err := l.Add(&items[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// TestFitTo: a table fitted to a width narrows its widest columns and cuts their values with
// "…", keeps the short columns whole, and leaves a table that fits as it is.
func TestFitTo(t *testing.T) {
	items := []wideItem{
		{"1", "Chicago Hope Hospital, Department of Cardiology", "01", "first visit postponed twice"},
		{"22", "Mercy", "02", "ok"},
	}
	for _, width := range []int{80, 50, 40} {
		lines := writeFitted(t, width, items)
		body := lines[:len(lines)-1] // the last line counts the items
		for _, l := range body {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: line of %d characters: %q", width, n, l)
			}
		}
		if !strings.HasPrefix(body[1], "1   ") || !strings.Contains(body[2], "Mercy") || !strings.Contains(body[1], "01") {
			t.Errorf("width %d: short values were cut or moved:\n%s", width, strings.Join(body, "\n"))
		}
		if width < 80 && !strings.Contains(body[1], "…") {
			t.Errorf("width %d: the long name was not cut:\n%s", width, strings.Join(body, "\n"))
		}
	}
	// Wide enough: the same as without fitting.
	wide := writeFitted(t, 200, items)
	if plain := writeFitted(t, 0, items); strings.Join(wide, "\n") != strings.Join(plain, "\n") {
		t.Errorf("fitted to 200:\n%s\nnot fitted:\n%s", strings.Join(wide, "\n"), strings.Join(plain, "\n"))
	}
	// Too narrow for every column at its minimum: columns stop at minColumn, values still cut.
	narrow := writeFitted(t, 10, items)
	if !strings.Contains(narrow[1], "Chica…") {
		t.Errorf("fitted to 10: %q", narrow[1])
	}
	// Rows after the first block keep the fitted widths.
	many := make([]wideItem, tableBlock+1)
	for i := range many {
		many[i] = wideItem{"1", "n", "s", "x"}
	}
	many[tableBlock].note = strings.Repeat("z", 100)
	lines := writeFitted(t, 30, many)
	if last := lines[len(lines)-2]; utf8.RuneCountInString(last) > 30 || !strings.HasSuffix(last, "…") {
		t.Errorf("a long value after the first block: %q", last)
	}
}
