package soak_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
)

// allocated returns the bytes f allocated (all goroutines together).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func hostileClient(t *testing.T, url string, limit int64) *imednet.Client {
	t.Helper()
	c, err := imednet.New(imednet.WithAPIKey("soak-api-key", "soak-security-key"), imednet.WithBaseURL(url),
		imednet.WithMaxResponseBytes(limit), imednet.WithMaxRetries(2), imednet.WithBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEndlessBody: a server that never stops sending a body. The client reads no more than
// its limit, fails with ErrResponseTooLarge without retrying, and hangs up, so that the server
// stops too.
func TestEndlessBody(t *testing.T) {
	const limit = 1 << 20
	var written, calls atomic.Int64
	handlerDone := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { handlerDone <- struct{}{} }()
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(`{"data":["`)
		w.Write(chunk)
		fill := make([]byte, 32<<10)
		for i := range fill {
			fill[i] = 'x'
		}
		for r.Context().Err() == nil {
			n, err := w.Write(fill)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := hostileClient(t, srv.URL, limit)

	var err error
	alloc := allocated(func() { _, err = c.Studies.List(t.Context(), nil) })
	var re *imednet.RequestError
	if !errors.Is(err, imednet.ErrResponseTooLarge) || !errors.As(err, &re) {
		t.Fatalf("endless body: %v, want a RequestError matching ErrResponseTooLarge", err)
	}
	if calls.Load() != 1 || re.Attempts != 1 {
		t.Errorf("an oversized body was retried: %d requests, %d attempts", calls.Load(), re.Attempts)
	}
	if alloc > 16*limit {
		t.Errorf("reading a body limited to %d bytes allocated %d bytes", limit, alloc)
	}
	select {
	case <-handlerDone:
	case <-time.After(10 * time.Second):
		t.Fatalf("the server is still sending after 10s (%d bytes): the client did not hang up", written.Load())
	}
	// What the server wrote beyond the limit sits in socket buffers, not in the client.
	if w := written.Load(); w > 64*limit {
		t.Errorf("the server wrote %d bytes before the client hung up", w)
	}
}

// TestDeclaredLengthIsNotTrusted: an answer that declares a body as large as the limit but
// sends a few bytes must not make the client allocate the declared size up front: a few
// such answers at once would exhaust the memory that the limit is there to protect.
func TestDeclaredLengthIsNotTrusted(t *testing.T) {
	const limit = 64 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(limit))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"data":[`))
		// The handler returns short of the declared length: the server closes the
		// connection and the client sees an unexpected end of the body.
	}))
	defer srv.Close()
	c := hostileClient(t, srv.URL, limit)
	var err error
	alloc := allocated(func() { _, err = c.Studies.List(t.Context(), nil) })
	var re *imednet.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("short body: %v, want a RequestError", err)
	}
	if alloc > limit/4 {
		t.Errorf("%d attempts at a body declared as %d bytes, which sent 9, allocated %d bytes", re.Attempts, limit, alloc)
	}
}
