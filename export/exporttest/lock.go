package exporttest

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
)

// testLock: while a sink has its target open, a second Open of the target is refused at once
// with an *export.LockedError naming this process as the holder, and touches nothing: the
// first sink's export lands whole. Once the first sink is closed, the target opens again.
func testLock(t *testing.T, h Harness, ref *reference) {
	tg := target(t, "lock", false)
	first := open(t, h, tg)
	if lt, ok := first.(export.LockTaker); !ok {
		t.Errorf("%T does not implement export.LockTaker", first)
	} else if h := lt.TookOver(); h != nil {
		t.Errorf("a new target's lock was taken over from %v", h)
	}
	begun := time.Now()
	second, err := h.Open(t, tg)
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second sink opened the target while the first held it")
	}
	if waited := time.Since(begun); waited > 5*time.Second {
		t.Errorf("the second Open took %v to be refused; want at once", waited)
	}
	var le *export.LockedError
	if !errors.As(err, &le) {
		first.Close()
		t.Fatalf("the second Open: %v (%T), want an *export.LockedError", err, err)
	}
	host, _ := os.Hostname()
	if le.Holder.PID != os.Getpid() || le.Holder.Host != host || le.Holder.Started.IsZero() ||
		le.Holder.Started.After(time.Now().Add(time.Second)) || le.Target == "" {
		t.Errorf("LockedError %+v: want the target and this process (pid %d on %s) with its start", le, os.Getpid(), host)
	}
	if msg := err.Error(); !strings.Contains(msg, le.Target) || !strings.Contains(msg, "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("the message %q names neither the target nor the holder", msg)
	}

	// The refused Open left the first sink's target alone: an export through it lands whole.
	_, runErr := export.Run(context.Background(), ref.c, tg.Study, first, ref.opts)
	if err := first.Close(); err != nil {
		t.Fatalf("closing the first sink: %v", err)
	}
	if runErr != nil {
		t.Fatalf("the export through the first sink: %v", runErr)
	}
	SameTables(t, h.Dump(t, tg), ref.dump)

	// Released by Close: the target opens again, and the lock is not reported taken over.
	again := open(t, h, tg)
	defer again.Close()
	if lt, ok := again.(export.LockTaker); ok && lt.TookOver() != nil {
		t.Errorf("the lock released by Close was taken over from %v", lt.TookOver())
	}
}
