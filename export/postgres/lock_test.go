package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

// A sink whose lock session ended behind its back (the server ended it: a restart, a cut
// connection, an administrator) writes nothing more, since another sink may hold the schema
// by then, and its Close leaves that sink's lock alone.
func TestWriteAfterLockLostIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	study := uniqueStudy("LOST")
	s := newSink(t, study)
	tbl := wideTable("form_LOST", 3)
	prepare(t, s, tbl)
	write(t, s, tbl.Name, []export.Row{wideRow(tbl, 1, 0)})

	admin, err := pgx.Connect(ctx, connString(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend($1)", int64(s.lockPID)); err != nil {
		t.Fatal(err)
	}
	// The session ends a moment after it is told to: the next Open then gets the schema.
	var s2 *Sink
	for deadline := time.Now().Add(10 * time.Second); ; {
		if s2, err = Open(ctx, connString(t), study); err == nil {
			break
		}
		var le *export.LockedError
		if !errors.As(err, &le) || time.Now().After(deadline) {
			t.Fatalf("opening the schema after its holder's session ended: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer s2.Close()

	if err := s.Write(ctx, tbl.Name, []export.Row{wideRow(tbl, 2, 0)}); !errors.Is(err, ErrLockLost) {
		t.Errorf("Write after the lock was lost: %v, want ErrLockLost", err)
	}
	if err := s.SaveForm(ctx, export.FormState{FormKey: "LOST", Status: export.Succeeded}); !errors.Is(err, ErrLockLost) {
		t.Errorf("SaveForm after the lock was lost: %v, want ErrLockLost", err)
	}
	if err := s.Prepare(ctx, []export.Table{wideTable("form_OTHER", 2)}); !errors.Is(err, ErrLockLost) {
		t.Errorf("Prepare after the lock was lost: %v, want ErrLockLost", err)
	}
	if rows := dump(t, s2, tbl.Name); len(rows) != 1 {
		t.Errorf("%d rows in %s, want the 1 written while the lock was held", len(rows), tbl.Name)
	}
	// The new holder goes on writing, and the old sink, letting go of its lock as Close does,
	// does not free the new holder's.
	s.unlock()
	prepare(t, s2, tbl)
	write(t, s2, tbl.Name, []export.Row{wideRow(tbl, 3, 0)})
	var le *export.LockedError
	if _, err := Open(ctx, connString(t), study); !errors.As(err, &le) || le.Holder != s2.holder {
		t.Errorf("an Open after the old sink's Close: %v, want a LockedError naming the new holder", err)
	}
}
