package output

import (
	"bytes"
	"strings"
	"testing"
)

func TestWidth(t *testing.T) {
	for s, want := range map[string]int{"abc": 3, "日本語": 6, "é": 1, "e\u0301": 1, "한국": 4, "": 0, "…": 1} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
	long := strings.Repeat("漢", 30) // 60 columns
	if c := Cell(long); Width(c) > MaxCellWidth || !strings.HasSuffix(c, "…") {
		t.Errorf("Cell cut %d columns: %q", Width(c), c)
	}
	if c := cut("ab漢字", 4); c != "ab…" || Width(c) > 4 {
		t.Errorf("cut = %q", c)
	}
}

// A table with wide characters lines up on a terminal: every row's second column starts at
// the same column.
func TestTableAlignsByDisplayWidth(t *testing.T) {
	var b bytes.Buffer
	l := NewList(&b, Table, cols, "item", "items")
	for _, it := range []item{{1, "東京都"}, {22, "Zürich"}, {333, "서울"}} {
		if err := l.Add(&it); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	swapped := NewList(&b, Table, []Column[item]{cols[1], cols[0]}, "item", "items")
	for _, it := range []item{{1, "東京都"}, {22, "Zürich"}, {333, "서울"}} {
		if err := swapped.Add(&it); err != nil {
			t.Fatal(err)
		}
	}
	if err := swapped.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// The second table: name first; the id column must start at one display column.
	second := lines[5:9]
	start := -1
	for _, line := range second {
		i := strings.LastIndex(line, "  ")
		col := Width(line[:i+2])
		if start == -1 {
			start = col
		} else if col != start {
			t.Errorf("misaligned: %q starts its second column at %d, not %d\n%s", line, col, start, strings.Join(second, "\n"))
		}
	}
}
