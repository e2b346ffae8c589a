package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/imednet/imednet-go/export"
)

// A sink whose session ended without releasing the lock (its process was killed): the
// session's end freed the lock, the holder stays recorded, and the next Open takes it over,
// naming that holder.
func TestLockLeftBehindIsTakenOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	study := uniqueStudy("STALE")
	s := newSink(t, study)
	gone := s.holder
	if err := s.lockConn.Close(ctx); err != nil { // the session ends; the holder row stays
		t.Fatal(err)
	}
	s.lockConn = nil
	s2, err := Open(ctx, connString(t), study)
	if err != nil {
		t.Fatalf("opening a schema whose holder is gone: %v", err)
	}
	got := s2.TookOver()
	if got == nil || *got != gone {
		t.Errorf("TookOver() = %v, want %v", got, gone)
	}
	// The new holder is recorded: a third sink is refused, naming it.
	_, err = Open(ctx, connString(t), study)
	var le *export.LockedError
	if !errors.As(err, &le) || le.Holder != s2.holder {
		t.Errorf("a third Open: %v, want a LockedError naming %v", err, s2.holder)
	}
	s2.Close()
	s3, err := Open(ctx, connString(t), study)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if s3.TookOver() != nil {
		t.Errorf("a lock released by Close was taken over from %v", s3.TookOver())
	}
	s3.Close()
}
