package queries

import (
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
)

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"14d": 14 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour,
		"1.5d": 36 * time.Hour, "90m": 90 * time.Minute, "0d": 0,
	} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "14", "-1d", "-2h", "fortnight", "1y"} {
		if _, err := ParseAge(bad); err == nil {
			t.Errorf("ParseAge(%q) accepted", bad)
		}
	}
}

func TestStateFromTheLastComment(t *testing.T) {
	q := &imednet.Query{}
	if State(q) != Open || LastComment(q) != nil {
		t.Error("a query without comments is open")
	}
	// Comments out of order: the highest sequence decides.
	q.QueryComments = []imednet.QueryComment{{Sequence: 2, Closed: true}, {Sequence: 1, Closed: false}}
	if State(q) != Closed {
		t.Error("closed by its last comment")
	}
	q.QueryComments = append(q.QueryComments, imednet.QueryComment{Sequence: 3, Closed: false, AnnotationStatus: "Reopened"})
	if State(q) != Open || LastComment(q).AnnotationStatus != "Reopened" {
		t.Error("reopened by a later comment")
	}
}
