package imednet_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imednet/imednet-go"
)

// A gate lets no more than its bound in at once, and its slots come back when done is called.
func TestGateBoundsInFlight(t *testing.T) {
	g := imednet.NewGate(3, imednet.Rate{})
	if g.Cap() != 3 {
		t.Fatalf("Cap = %d, want 3", g.Cap())
	}
	var inside, most atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			done, err := g.Enter(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			inside.Add(-1)
			done()
		})
	}
	wg.Wait()
	if m := most.Load(); m > 3 || m < 1 {
		t.Errorf("%d inside at once through a gate of 3", m)
	}
	if imednet.NewGate(0, imednet.Rate{}).Cap() != 1 {
		t.Error("a gate of 0 does not let one in at a time")
	}
}

// A pacing gate spaces entries at its rate; a cancelled context gets in nowhere and holds no
// slot.
func TestGatePaces(t *testing.T) {
	g := imednet.NewGate(8, imednet.Rate{N: 200, Per: time.Second}) // about 5 ms apart
	start := time.Now()
	for range 11 {
		done, err := g.Enter(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("11 entries at 200/s took %v, want at least 50ms", d)
	}

	slow := imednet.NewGate(1, imednet.Rate{N: 1, Per: time.Hour})
	done, err := slow.Enter(context.Background()) // the first goes at once
	if err != nil {
		t.Fatal(err)
	}
	done()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := slow.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the second entry within the hour: %v, want the context's deadline", err)
	}
	// A cancelled context takes no slot: the next entry of a gate of 1 still gets in.
	full := imednet.NewGate(1, imednet.Rate{})
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := full.Enter(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Enter with a cancelled context: %v", err)
	}
	d2, err := full.Enter(context.Background())
	if err != nil {
		t.Fatalf("a refused entry kept the slot: %v", err)
	}
	d2()
}
