package report

import (
	"fmt"
	"strings"
	"testing"
)

// The x axis labels the first and the last week, and no label covers another or runs off
// the chart, whatever the number of weeks.
func TestXLabels(t *testing.T) {
	const left, width = 44.0, 520.0
	for _, n := range []int{1, 2, 3, 5, 6, 7, 8, 13, 26, 52, 100, 333} {
		x := make([]string, n)
		for i := range x {
			x[i] = fmt.Sprintf("2025-%02d-%02d", 1+i/28%12, 1+i%28)
		}
		xAt := func(i int) float64 {
			if n < 2 {
				return left + (width-left-10)/2
			}
			return left + float64(i)*(width-left-10)/float64(n-1)
		}
		labels := xLabels(x, xAt, 216, width)
		if len(labels) == 0 || labels[0].Text != x[0] || labels[len(labels)-1].Text != x[n-1] {
			t.Errorf("%d weeks: labels %v, want the first and the last week among them", n, labels)
			continue
		}
		if n >= 6 && len(labels) < 3 {
			t.Errorf("%d weeks: only %d labels", n, len(labels))
		}
		prevEnd := -1.0
		for _, l := range labels {
			w := float64(len(l.Text)) * 2 * tickHalfRune
			start, end := l.X-w/2, l.X+w/2
			if l.Anchor == "end" {
				start, end = l.X-w, l.X
			}
			if start < 0 || end > width || start < prevEnd+tickGap {
				t.Errorf("%d weeks: label %q spans %.0f..%.0f after one ending at %.0f (chart 0..%.0f)", n, l.Text, start, end, prevEnd, width)
			}
			prevEnd = end
		}
	}
}

// A long series name is cut in the legend, with the whole name kept for its tooltip; a
// short one is kept whole.
func TestLegendNames(t *testing.T) {
	long := strings.Repeat("Very Long Site Name ", 5)
	svg := string(lines("t", []string{"a", "b"}, []string{long, "Short"}, [][]float64{{1, 2}, {2, 3}}))
	if !strings.Contains(svg, `title="`+long+`"`) || !strings.Contains(svg, cutLabel(long, legendName)+"</li>") {
		t.Errorf("the long name is not cut with a tooltip:\n%s", svg)
	}
	if !strings.Contains(svg, "Short</li>") || strings.Contains(svg, `title="Short"`) {
		t.Errorf("the short name is not kept as it is:\n%s", svg)
	}
}

// Long labels that share their start stay apart once cut, and no cut label is longer than
// asked.
func TestCutLabel(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"101", "102", "103", "1040"} {
		name := "Universitätsklinikum Hamburg-Eppendorf, Department of Cardiology " + id
		got := cutLabel(name, 26)
		if n := len([]rune(got)); n > 26 || !strings.Contains(got, "…") {
			t.Errorf("cutLabel(%q, 26) = %q (%d characters)", name, got, n)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q and %q are both cut to %q", other, name, got)
		}
		seen[got] = name
	}
	if got := cutLabel("Short name", 26); got != "Short name" {
		t.Errorf("a short label was changed to %q", got)
	}
}
