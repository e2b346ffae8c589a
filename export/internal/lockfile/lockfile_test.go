package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
)

func TestSecondAcquireIsRefusedUntilRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db.lock")
	first, err := Acquire(path, "sqlite:x.db")
	if err != nil {
		t.Fatal(err)
	}
	if first.TookOver() != nil {
		t.Errorf("a new lock took over %v", first.TookOver())
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("lock file: %v, %v; want mode 0600", info, err)
	}
	_, err = Acquire(path, "sqlite:x.db")
	var le *export.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Acquire: %v, want a LockedError", err)
	}
	host, _ := os.Hostname()
	if le.Target != "sqlite:x.db" || le.Holder.PID != os.Getpid() || le.Holder.Host != host ||
		time.Since(le.Holder.Started) > time.Minute || time.Since(le.Holder.Started) < -time.Second {
		t.Errorf("LockedError %+v: want this process (pid %d on %s), started just now", le, os.Getpid(), host)
	}
	for _, want := range []string{"sqlite:x.db", "pid " + strconv.Itoa(os.Getpid()), "on host " + host, "since "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the lock file is still there after Release: %v", err)
	}
	second, err := Acquire(path, "sqlite:x.db")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if second.TookOver() != nil {
		t.Errorf("took over %v from a released lock", second.TookOver())
	}
	second.Release()
	if err := second.Release(); err != nil {
		t.Errorf("a second Release: %v", err)
	}
}

// A lock file whose holder is still written in it but which no process holds (its process
// was killed: the kernel released the lock) is taken over, naming the previous holder.
func TestStaleLockIsTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".imednet.lock")
	stale := export.LockHolder{PID: 999999, Host: "elsewhere", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if stalePossible(stale) {
		if err := os.WriteFile(path, encode(stale), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Acquire(path, "csv:out")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		if got := l.TookOver(); got == nil || *got != stale {
			t.Errorf("TookOver() = %v, want %v", got, stale)
		}
		b, _ := os.ReadFile(path)
		if h, ok := decode(b); !ok || h.PID != os.Getpid() {
			t.Errorf("the lock file holds %q, want this process", b)
		}
	}
}

// Many goroutines taking and releasing one lock: never two holders at once.
func TestOneHolderAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.lock")
	var holders, maxHolders, taken atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				l, err := Acquire(path, "t")
				var le *export.LockedError
				if errors.As(err, &le) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				n := holders.Add(1)
				if n > maxHolders.Load() {
					maxHolders.Store(n)
				}
				taken.Add(1)
				time.Sleep(100 * time.Microsecond)
				holders.Add(-1)
				if err := l.Release(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if maxHolders.Load() != 1 || taken.Load() == 0 {
		t.Errorf("%d holders at once at most, %d acquisitions; want 1 and some", maxHolders.Load(), taken.Load())
	}
}

// BenchmarkAcquireRelease measures what the lock adds to opening and closing a target.
func BenchmarkAcquireRelease(b *testing.B) {
	path := filepath.Join(b.TempDir(), "b.lock")
	for b.Loop() {
		l, err := Acquire(path, "b")
		if err != nil {
			b.Fatal(err)
		}
		if err := l.Release(); err != nil {
			b.Fatal(err)
		}
	}
}
