package imednettest

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/imednet/imednet-go/internal/filterexpr"
)

// Fault injection: latency, a rate limit, and faults drawn at random (deterministically from a
// seed) for each request.

// FaultKind names a kind of fault, as counted in [Stats.Faults].
type FaultKind string

// The kinds of faults.
const (
	// FaultLatency: the request was delayed ([Faults.Latency]).
	FaultLatency FaultKind = "latency"
	// FaultRateLimit: the request was over the rate limit ([Faults.RateLimit]) and answered 429.
	FaultRateLimit FaultKind = "rate-limit"
	// FaultTooManyRequests: the request was answered 429 at random ([Faults.TooManyRequestsRate]).
	FaultTooManyRequests FaultKind = "too-many-requests"
	// FaultServerError: the request was answered 500, 502 or 503 ([Faults.ServerErrorRate]).
	FaultServerError FaultKind = "server-error"
	// FaultReset: the connection was reset before the request was handled ([Faults.ResetRate]).
	FaultReset FaultKind = "reset"
	// FaultResetAfterAccept: a submission was accepted, then the connection was reset instead
	// of the 202 answer ([Faults.ResetAfterAcceptRate]).
	FaultResetAfterAccept FaultKind = "reset-after-accept"
	// FaultTruncated: the connection ended in the middle of the body ([Faults.TruncateRate]).
	FaultTruncated FaultKind = "truncated"
	// FaultMalformed: a success status with a body that is not valid JSON
	// ([Faults.MalformedRate]).
	FaultMalformed FaultKind = "malformed"
	// FaultFilterRefused: a filter naming one of [Faults.RefuseFilters] was answered 400.
	FaultFilterRefused FaultKind = "filter-refused"
	// FaultSlowBody: the body was written in pieces with pauses ([Faults.SlowBodyRate]).
	FaultSlowBody FaultKind = "slow-body"
)

// Faults makes a [Server] behave like a real service over a real network: slow, rate-limited
// and sometimes failing. Give it with [WithFaults] (or [WithLatency] and [WithRateLimit] for
// those parts alone), and change it on a running server with [Server.SetFaults]. The zero
// Faults injects nothing.
//
// # Scope
//
// Everything in a Faults applies to the requests in its scope: those whose method is in
// Methods (any method when empty) and not in ExceptMethods, and whose path template is in
// Paths (any path when empty) and not in ExceptPaths, and whose study is in Studies (any
// study, and requests under no study such as GET /studies, when empty) and not in
// ExceptStudies. Path templates are those of
// [Stats.Requests] without the method, such as "/studies/{studyKey}/records" or
// "/studies/{studyKey}/jobs/{batchId}". Requests outside the scope are served normally and do
// not count towards the rate limit. For example, ExceptMethods: []string{"POST"} keeps record
// submissions safe, Methods: []string{"POST"} aims at them alone, and Studies:
// []string{"ONCO"} makes one study of a server with several fail while the others answer.
//
// # Order
//
// A request in scope is first delayed (Latency), then checked against the rate limit, then
// given at most one of the random faults. The faults that come before the handler (429, 5xx,
// reset) leave the server's data untouched: a POST /records that gets one is neither accepted
// nor applied. The faults that alter the answer (reset after accept, truncated, malformed,
// slow body) let the handler act first, and apply only to success answers (2xx): for a POST
// /records they come after the submission was accepted, so its job runs and is applied
// although the client saw a failure — the case a client must handle by never resending a
// submission whose outcome it does not know. [JobInfo.Acknowledged] is false for such jobs.
//
// # Determinism
//
// The draws (which fault, how much latency, where a body is cut) are a hash of the seed
// (Seed, or the server's [WithSeed]), the request's method, path and query, and how many
// requests with the same method, path and query came before it. So the same requests give the
// same faults, run after run, even when they are sent concurrently, and a retry of a request
// gets a fresh draw. The rate limit counts requests in windows of time, so which request it
// refuses depends on timing (measured on the [WithClock] clock when one is given).
//
// # Through the network and in-process
//
// Over the listener ([NewServer], or [Server.Handler] mounted in an http.Server), a reset
// closes the TCP connection with an RST (or aborts the handler with http.ErrAbortHandler when
// the connection cannot be hijacked, as under HTTP/2), and a truncated body is a prefix of
// the declared Content-Length followed by the end of the connection. Go's http.Transport
// transparently resends an idempotent request once when a kept-alive connection is closed
// before any byte of the answer arrives, so a reset of a GET may never reach the client. Over
// [Server.Client] of a server built with [New], a reset is an error wrapping
// syscall.ECONNRESET, and a truncated body ends with io.ErrUnexpectedEOF; a slow body is
// delivered at once after the pauses.
type Faults struct {
	// Seed of the random draws; 0 uses the server's seed.
	Seed int64

	// Methods and Paths restrict the faults to the requests that match (empty: all);
	// ExceptMethods and ExceptPaths exclude requests. See Scope above.
	Methods, ExceptMethods []string
	Paths, ExceptPaths     []string
	// Studies and ExceptStudies restrict the faults by the study key in the request's path
	// (see Scope above); the keys need not be the server's.
	Studies, ExceptStudies []string

	// Latency delays every request in scope, by Latency when LatencyMax is not above it, or
	// else by a duration drawn uniformly from [Latency, LatencyMax].
	Latency, LatencyMax time.Duration

	// RateLimit, when positive, lets through at most RateLimit requests per RateWindow
	// (default one minute); the windows start at the first request after the Faults were set.
	// Further requests in a window are answered 429 with a Retry-After header (the seconds
	// until the window ends, rounded up) and the API's error body.
	RateLimit  int
	RateWindow time.Duration

	// The rates of the random faults: fractions 0 to 1 of the requests in scope (after the
	// rate limit). Their sum may not exceed 1: a request gets at most one of them.

	// TooManyRequestsRate answers 429 with the API's error body and a Retry-After of
	// RetryAfter.
	TooManyRequestsRate float64
	// ServerErrorRate answers 500 with the API's error body (code "9000"), 502 with an HTML
	// page as a proxy sends it, or 503 with either the API's error body or plain text, in
	// equal shares.
	ServerErrorRate float64
	// ResetRate resets the connection before the request is handled.
	ResetRate float64
	// ResetAfterAcceptRate applies to POST /studies/{studyKey}/records only: the submission
	// is accepted (its job is created, then runs and is applied as usual) and the connection
	// is reset instead of sending the 202 answer. Other requests that draw it are served
	// normally, and submissions that are refused (4xx) are answered normally.
	ResetAfterAcceptRate float64
	// TruncateRate sends the status, the headers (with the full Content-Length) and part of
	// the body, then ends the connection.
	TruncateRate float64
	// MalformedRate sends the success status with a body that is not valid JSON: the
	// answer's JSON cut short (with a matching Content-Length), or an HTML page.
	MalformedRate float64
	// SlowBodyRate sends the body in SlowPieces pieces (default 4) with a pause of SlowPause
	// (default 20 ms) after each but the last; the answer itself is correct.
	SlowBodyRate float64

	// RefuseFilters answers 400 (the API's code 1000, naming the filter parameter) to the
	// GET requests in scope whose filter names one of these attributes (a dotted attribute
	// by its first part too), as a service that does not filter by them does: for example
	// Paths {"/studies/{studyKey}/codings"} with RefuseFilters {"dateCoded"}.
	RefuseFilters []string

	// RetryAfter is the Retry-After of the random 429 answers (default 1 s), in whole
	// seconds rounded up.
	RetryAfter time.Duration
	// SlowPieces and SlowPause shape the slow bodies (see SlowBodyRate).
	SlowPieces int
	SlowPause  time.Duration
}

// Defaults of [Faults]: the rate-limit window, the Retry-After of the random 429s, and how
// many pieces a slow body is written in, with what pause after each.
const (
	DefaultRateWindow = time.Minute
	DefaultRetryAfter = time.Second
	DefaultSlowPieces = 4
	DefaultSlowPause  = 20 * time.Millisecond
)

// FaultsAtRate returns Faults that fail the given fraction (0 to 1) of the requests, in equal
// shares of 429, 5xx, resets, truncated bodies and malformed bodies: a one-number setting,
// as for a sandbox. Set the other fields of the result to refine it, for example
// ExceptMethods to spare POST.
func FaultsAtRate(rate float64) Faults {
	r := rate / 5
	return Faults{TooManyRequestsRate: r, ServerErrorRate: r, ResetRate: r, TruncateRate: r, MalformedRate: r}
}

// WithFaults sets the faults the server injects (see [Faults]); [WithLatency] and
// [WithRateLimit] override the fields they set, whatever the order of the options. An invalid
// Faults makes [New] and [NewServer] fail.
func WithFaults(f Faults) Option {
	return func(c *config) error {
		c.faults = f
		return nil
	}
}

// WithLatency delays every request by a duration drawn uniformly from [min, max]; give the
// same value twice for a fixed latency. It sets [Faults.Latency] and [Faults.LatencyMax], so
// the scope of [WithFaults] applies.
func WithLatency(min, max time.Duration) Option {
	return func(c *config) error {
		if min < 0 || max < min {
			return fmt.Errorf("imednettest: WithLatency: need 0 <= min <= max, got min %s, max %s", min, max)
		}
		c.latency = &[2]time.Duration{min, max}
		return nil
	}
}

// WithRateLimit answers 429 with Retry-After past n requests per window. It sets
// [Faults.RateLimit] and [Faults.RateWindow], so the scope of [WithFaults] applies.
func WithRateLimit(n int, window time.Duration) Option {
	return func(c *config) error {
		if n < 1 || window <= 0 {
			return fmt.Errorf("imednettest: WithRateLimit: need n >= 1 and a positive window, got %d per %s", n, window)
		}
		c.rateLimit, c.rateWindow = n, window
		return nil
	}
}

// mergedFaults returns the Faults of the options.
func (c *config) mergedFaults() Faults {
	f := c.faults
	if c.latency != nil {
		f.Latency, f.LatencyMax = c.latency[0], c.latency[1]
	}
	if c.rateLimit > 0 {
		f.RateLimit, f.RateWindow = c.rateLimit, c.rateWindow
	}
	return f
}

// SetFaults replaces the faults of a running server (the zero Faults turns them off), for
// example to read the data back without faults once a test is done. The rate-limit window
// starts again; the per-request draws go on from where they were. An invalid f leaves the
// faults as they were and returns an error.
func (s *Server) SetFaults(f Faults) error {
	fs, err := newFaultState(f, s.cfg.seed)
	if err != nil {
		return err
	}
	s.faultMu.Lock()
	s.window = rateWindow{}
	s.faultMu.Unlock()
	s.faults.Store(fs)
	return nil
}

// Faults returns the faults in force.
func (s *Server) Faults() Faults {
	fs := s.faults.Load()
	if fs == nil {
		return Faults{}
	}
	return fs.orig
}

// faultState is a checked Faults, ready for use.
type faultState struct {
	orig                   Faults
	f                      Faults // with defaults
	seed                   uint64
	methods, exceptMethods []string
	paths, exceptPaths     []string
	cum                    [nRandomKinds]float64 // cumulative rates
	draws                  bool                  // random faults or a latency range
	retryAfter             string                // of the random 429s
}

// The random kinds, in the order of their slices of [0, 1).
const (
	kTooMany = iota
	kServer
	kReset
	kResetAfterAccept
	kTruncate
	kMalformed
	kSlow
	nRandomKinds
)

// pathTemplates are the path templates the server serves.
func pathTemplates() []string {
	out := []string{jobsPattern}
	for _, ep := range allEndpoints {
		out = append(out, ep.pattern)
	}
	slices.Sort(out)
	return out
}

const jobsPattern = "/studies/{studyKey}/jobs/{batchId}"

// newFaultState checks f; it returns nil for a Faults that injects nothing.
func newFaultState(f Faults, serverSeed int64) (*faultState, error) {
	fs := &faultState{orig: f}
	bad := func(format string, args ...any) (*faultState, error) {
		return nil, fmt.Errorf("imednettest: Faults."+format, args...)
	}
	rates := [nRandomKinds]struct {
		name string
		v    float64
	}{
		{"TooManyRequestsRate", f.TooManyRequestsRate}, {"ServerErrorRate", f.ServerErrorRate},
		{"ResetRate", f.ResetRate}, {"ResetAfterAcceptRate", f.ResetAfterAcceptRate},
		{"TruncateRate", f.TruncateRate}, {"MalformedRate", f.MalformedRate},
		{"SlowBodyRate", f.SlowBodyRate},
	}
	sum := 0.0
	for k, r := range rates {
		if math.IsNaN(r.v) || r.v < 0 || r.v > 1 {
			return bad("%s = %v is outside 0..1", r.name, r.v)
		}
		sum += r.v
		fs.cum[k] = sum
	}
	if sum > 1+1e-9 {
		return bad("the rates add up to %v, above 1 (a request gets at most one fault)", sum)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Latency", f.Latency}, {"LatencyMax", f.LatencyMax}, {"RateWindow", f.RateWindow},
		{"RetryAfter", f.RetryAfter}, {"SlowPause", f.SlowPause}} {
		if d.v < 0 {
			return bad("%s = %s is negative", d.name, d.v)
		}
	}
	if f.RateLimit < 0 {
		return bad("RateLimit = %d is negative", f.RateLimit)
	}
	if f.SlowPieces < 0 || f.SlowPieces > 1000 {
		return bad("SlowPieces = %d is outside 0..1000", f.SlowPieces)
	}
	var err error
	methods := func(name string, in []string) []string {
		var out []string
		for _, m := range in {
			u := strings.ToUpper(strings.TrimSpace(m))
			if u == "" || strings.ContainsFunc(u, func(r rune) bool { return r < 'A' || r > 'Z' }) {
				if err == nil {
					err = fmt.Errorf("imednettest: Faults.%s: %q is not an HTTP method", name, m)
				}
				continue
			}
			out = append(out, u)
		}
		return out
	}
	known := pathTemplates()
	paths := func(name string, in []string) []string {
		var out []string
		for _, p := range in {
			if !slices.Contains(known, p) {
				if err == nil {
					err = fmt.Errorf("imednettest: Faults.%s: %q is not a path template of the API; use one of %s",
						name, p, strings.Join(known, ", "))
				}
				continue
			}
			out = append(out, p)
		}
		return out
	}
	fs.methods, fs.exceptMethods = methods("Methods", f.Methods), methods("ExceptMethods", f.ExceptMethods)
	fs.paths, fs.exceptPaths = paths("Paths", f.Paths), paths("ExceptPaths", f.ExceptPaths)
	if err != nil {
		return nil, err
	}
	for _, list := range [][]string{f.Studies, f.ExceptStudies} {
		if slices.Contains(list, "") {
			return nil, errors.New("imednettest: Faults.Studies or ExceptStudies: an empty study key")
		}
	}
	for _, a := range f.RefuseFilters {
		if strings.TrimSpace(a) == "" {
			return nil, errors.New("imednettest: Faults.RefuseFilters: an empty attribute")
		}
	}
	if sum == 0 && f.Latency == 0 && f.LatencyMax == 0 && f.RateLimit == 0 && len(f.RefuseFilters) == 0 {
		return nil, nil
	}
	if f.RateWindow == 0 {
		f.RateWindow = DefaultRateWindow
	}
	if f.RetryAfter == 0 {
		f.RetryAfter = DefaultRetryAfter
	}
	if f.SlowPieces == 0 {
		f.SlowPieces = DefaultSlowPieces
	}
	if f.SlowPause == 0 {
		f.SlowPause = DefaultSlowPause
	}
	fs.f = f
	seed := f.Seed
	if seed == 0 {
		seed = serverSeed
	}
	fs.seed = mix(uint64(seed) ^ 0x6661756c7473) // "faults"
	fs.draws = sum > 0 || f.LatencyMax > f.Latency
	fs.retryAfter = retryAfterSeconds(f.RetryAfter)
	return fs, nil
}

// retryAfterSeconds formats d as a Retry-After value: whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

// inScope reports whether a request with this method, path template and study ("" for a
// request under no study) is subject to fs.
func (fs *faultState) inScope(method, pattern, study string) bool {
	if len(fs.methods) > 0 && !slices.Contains(fs.methods, method) || slices.Contains(fs.exceptMethods, method) {
		return false
	}
	if len(fs.paths) > 0 && !slices.Contains(fs.paths, pattern) || slices.Contains(fs.exceptPaths, pattern) {
		return false
	}
	if len(fs.f.Studies) > 0 && !slices.Contains(fs.f.Studies, study) || study != "" && slices.Contains(fs.f.ExceptStudies, study) {
		return false
	}
	return true
}

// faultRuntime is the mutable part of fault injection, in the Server.
type faultRuntime struct {
	faults  atomic.Pointer[faultState]
	faultMu sync.Mutex
	seen    map[uint64]uint32 // requests seen, by hash of method, path and query
	window  rateWindow
}

type rateWindow struct {
	start time.Time
	count int
}

// maxSeen bounds the number of distinct requests whose occurrences are counted; past it the
// counts start again (so determinism holds for the first million distinct requests).
const maxSeen = 1 << 20

// decision is what happens to one request.
type decision struct {
	latency time.Duration
	kind    int    // one of the random kinds, or -1
	h       uint64 // further draws (which 5xx, where to cut)
}

// requestHash identifies a request by method, path and query (parameters sorted by name).
func requestHash(r *http.Request) uint64 {
	h := fnv.New64a()
	h.Write([]byte(r.Method))
	h.Write([]byte{0})
	h.Write([]byte(r.URL.EscapedPath()))
	h.Write([]byte{0})
	if r.URL.RawQuery != "" {
		h.Write([]byte(r.URL.Query().Encode()))
	}
	return h.Sum64()
}

// decide draws the faults of a request in scope.
func (s *Server) decide(fs *faultState, r *http.Request) decision {
	d := decision{kind: -1, latency: fs.f.Latency}
	if fs.draws {
		id := requestHash(r)
		s.faultMu.Lock()
		if s.seen == nil {
			s.seen = map[uint64]uint32{}
		}
		if len(s.seen) >= maxSeen {
			clear(s.seen) // bound the memory of a long-running server
		}
		n := s.seen[id] + 1
		s.seen[id] = n
		s.faultMu.Unlock()
		u := h3(fs.seed, saltFault, id, uint64(n))
		if fs.f.LatencyMax > fs.f.Latency {
			span := fs.f.LatencyMax - fs.f.Latency
			d.latency += time.Duration(unit(mix(u^1)) * float64(span+1))
		}
		x := unit(mix(u ^ 2))
		for k := range nRandomKinds {
			if x < fs.cum[k] {
				d.kind = k
				break
			}
		}
		d.h = mix(u ^ 3)
	}
	return d
}

// admit applies the rate limit at the current time.
func (s *Server) admit(fs *faultState) (ok bool, retryAfter string) {
	if fs.f.RateLimit == 0 {
		return true, ""
	}
	now := s.clock.jobNow()
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	w := &s.window
	if w.start.IsZero() || now.Sub(w.start) >= fs.f.RateWindow || now.Before(w.start) {
		w.start, w.count = now, 0
	}
	if w.count < fs.f.RateLimit {
		w.count++
		return true, ""
	}
	return false, retryAfterSeconds(w.start.Add(fs.f.RateWindow).Sub(now))
}

func (s *Server) countFault(k FaultKind) {
	s.count(func(st *Stats) { st.Faults[k]++ })
}

// serveWithFaults serves a request in the scope of fs.
func (s *Server) serveWithFaults(fs *faultState, w http.ResponseWriter, r *http.Request, rt route) {
	d := s.decide(fs, r)
	if d.latency > 0 {
		s.countFault(FaultLatency)
		t := time.NewTimer(d.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			panic(http.ErrAbortHandler) // the client is gone
		}
	}
	if ok, retry := s.admit(fs); !ok {
		s.countFault(FaultRateLimit)
		w.Header().Set("Retry-After", retry)
		s.writeError(w, r, errTooMany(retry))
		return
	}
	if attr, ok := refusedFilter(fs.f.RefuseFilters, r); ok {
		s.countFault(FaultFilterRefused)
		raw := r.URL.Query().Get("filter")
		s.writeError(w, r, badField("filter", raw, "filtering by "+strconv.Quote(attr)+" is not supported"))
		return
	}
	post := rt.submits(r.Method)
	switch d.kind {
	case kTooMany:
		s.countFault(FaultTooManyRequests)
		w.Header().Set("Retry-After", fs.retryAfter)
		s.writeError(w, r, errTooMany(fs.retryAfter))
		return
	case kServer:
		s.countFault(FaultServerError)
		s.writeServerError(w, r, d.h)
		return
	case kReset:
		s.countFault(FaultReset)
		resetConn(w)
		return
	case kResetAfterAccept:
		if !post {
			s.serve(w, r, rt)
			return
		}
	case kTruncate, kMalformed, kSlow:
	default:
		s.serve(w, r, rt)
		return
	}

	// A fault that alters the answer: let the handler write into a buffer first.
	cw := &captureWriter{h: w.Header()}
	s.serve(cw, r, rt)
	if cw.status == 0 {
		return // the handler wrote nothing
	}
	if cw.status < 200 || cw.status > 299 || len(cw.body) < 2 {
		w.WriteHeader(cw.status)
		w.Write(cw.body)
		return
	}
	if cw.job != nil && d.kind != kSlow {
		cw.st.mu.Lock()
		cw.job.unacknowledged = true
		cw.st.mu.Unlock()
	}
	body := cw.body
	switch d.kind {
	case kResetAfterAccept:
		s.countFault(FaultResetAfterAccept)
		resetConn(w)
	case kTruncate:
		s.countFault(FaultTruncated)
		cut := 1 + pick(d.h, len(body)-1) // 1..len-1 bytes
		w.WriteHeader(cw.status)
		w.Write(body[:cut])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		// End the connection without an RST, so that the prefix is delivered.
		panic(http.ErrAbortHandler)
	case kMalformed:
		s.countFault(FaultMalformed)
		h := w.Header()
		if d.h&1 == 0 {
			body = body[:1+pick(d.h>>1, len(body)-1)]
		} else {
			body = []byte("<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>" +
				"<body><h1>Down for maintenance</h1><p>Please try again later.</p></body></html>\n")
			h.Set("Content-Type", "text/html; charset=utf-8")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(cw.status)
		w.Write(body)
	case kSlow:
		s.countFault(FaultSlowBody)
		w.WriteHeader(cw.status)
		pieces := min(fs.f.SlowPieces, len(body))
		for i := range pieces {
			w.Write(body[i*len(body)/pieces : (i+1)*len(body)/pieces])
			if i == pieces-1 {
				break
			}
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			t := time.NewTimer(fs.f.SlowPause)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				panic(http.ErrAbortHandler) // the client is gone
			}
		}
	}
}

// writeServerError answers 500, 502 or 503, chosen by h.
func (s *Server) writeServerError(w http.ResponseWriter, r *http.Request, h uint64) {
	switch h % 3 {
	case 0:
		s.writeError(w, r, errInternal)
	case 1:
		body := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
			"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
		writeText(w, http.StatusBadGateway, "text/html", body)
	default:
		if h>>8&1 == 0 {
			s.writeError(w, r, errUnavailable)
		} else {
			writeText(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8", "Service Temporarily Unavailable\n")
		}
	}
}

func writeText(w http.ResponseWriter, status int, contentType, body string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// resetConn ends the connection without an answer: with an RST when the connection can be
// hijacked, otherwise by aborting the handler.
func resetConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// captureWriter holds a handler's answer so that a fault can alter it.
type captureWriter struct {
	h      http.Header
	status int
	body   []byte
	// job and st are set by servePost when it accepts a submission.
	job *job
	st  *Study
}

func (c *captureWriter) Header() http.Header { return c.h }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body = append(c.body, p...)
	return len(p), nil
}

// errConnReset is the error of a connection reset on the in-process path.
var errConnReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// truncatedReader is the end of a truncated body on the in-process path.
type truncatedReader struct{}

func (truncatedReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// refusedFilter returns the first attribute of refuse that r's filter names, if any.
func refusedFilter(refuse []string, r *http.Request) (string, bool) {
	if len(refuse) == 0 || r.Method != http.MethodGet {
		return "", false
	}
	raw := r.URL.Query().Get("filter")
	if raw == "" {
		return "", false
	}
	e, err := filterexpr.Parse(raw)
	if err != nil {
		return "", false // the handler refuses it anyway
	}
	for _, conj := range e.Or {
		for _, t := range conj {
			head, _, _ := strings.Cut(t.Attr, ".")
			for _, a := range refuse {
				if t.Attr == a || head == a {
					return a, true
				}
			}
		}
	}
	return "", false
}
