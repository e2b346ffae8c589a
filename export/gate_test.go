package export_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/imednettest"
)

// Runs of several studies at once that share a Gate keep together to its number of requests
// in flight; runs with gates of their own each have their Concurrency.
func TestSharedGate(t *testing.T) {
	srv, err := imednettest.New(imednettest.WithPortfolio(3, imednettest.StudyConfig{Sites: 2, Subjects: 6, RecordsPerSubject: 10}),
		imednettest.WithLatency(2*time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	peak := func(shared *imednet.Gate) int64 {
		var inFlight, most atomic.Int64
		client, err := srv.Client(imednet.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
			return roundTrip(func(r *http.Request) (*http.Response, error) {
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				defer inFlight.Add(-1)
				return next.RoundTrip(r)
			})
		}))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, key := range srv.StudyKeys() {
			wg.Go(func() {
				sum, err := export.Run(context.Background(), client, key, &exporttest.Recorder{},
					export.Options{Concurrency: 4, Gate: shared})
				if err != nil || sum.Records != int64(srv.Study(key).Counts().Records) {
					t.Errorf("%s: %v", key, err)
				}
			})
		}
		wg.Wait()
		return most.Load()
	}
	if got := peak(imednet.NewGate(2, imednet.Rate{})); got > 2 {
		t.Errorf("three runs sharing a gate of 2 had %d requests in flight at once", got)
	}
	if got := peak(nil); got <= 2 {
		t.Errorf("three runs of concurrency 4 with gates of their own had at most %d requests in flight", got)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
