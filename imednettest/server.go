package imednettest

import (
	"crypto/subtle"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	imednet "github.com/imednet/imednet-go"
)

// Server is a fake iMednet EDC REST API: it serves every operation under /api/v1/edc from
// generated studies. Build one with [NewServer] (listening on loopback), [MustNewServer] (for
// tests) or [New] (no listener; use [Server.Handler] or [Server.Client]).
//
// A Server is safe for concurrent use.
type Server struct {
	cfg      config
	studies  []*Study
	byKey    map[string]*Study
	clock    *clock
	jobDelay time.Duration
	ts       *httptest.Server

	statsMu sync.Mutex
	stats   Stats

	faultRuntime
}

// New builds a server without a listener. Serve it with [Server.Handler], or talk to it
// in-process with [Server.Client].
func New(opts ...Option) (*Server, error) {
	cfg := config{seed: 1, jobDelay: DefaultJobDelay}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.apiKey == "" {
		cfg.apiKey, cfg.securityKey = DemoAPIKey, DemoSecurityKey
	}
	if len(cfg.studies) == 0 {
		sc, err := StudyConfig{Key: DemoStudyKey}.withDefaults()
		if err != nil {
			return nil, err
		}
		cfg.studies = []StudyConfig{sc}
	}
	s := &Server{
		cfg:      cfg,
		byKey:    map[string]*Study{},
		clock:    &clock{user: cfg.clock, start: DefaultStart},
		jobDelay: cfg.jobDelay,
	}
	s.stats.Requests = map[string]int{}
	s.stats.Faults = map[FaultKind]int{}
	fs, err := newFaultState(cfg.mergedFaults(), cfg.seed)
	if err != nil {
		return nil, err
	}
	s.faults.Store(fs)
	seed := mix(uint64(cfg.seed))
	for i, sc := range cfg.studies {
		st := newStudy(s, i, sc, seed)
		s.studies = append(s.studies, st)
		s.byKey[sc.Key] = st
	}
	return s, nil
}

// NewServer builds a server and starts it on a loopback port (an httptest.Server). Close it
// when done.
func NewServer(opts ...Option) (*Server, error) {
	s, err := New(opts...)
	if err != nil {
		return nil, err
	}
	s.ts = httptest.NewServer(s)
	return s, nil
}

// TB is the part of testing.TB that [MustNewServer] uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// MustNewServer starts a server for a test: it fails the test if an option is invalid, and
// closes the server when the test ends.
//
//	srv := imednettest.MustNewServer(t)
//	client, err := srv.Client()
func MustNewServer(t TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatalf("imednettest: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// Handler returns the server's HTTP handler (the Server itself), for mounting it elsewhere.
// It serves the API under /api/v1/edc.
func (s *Server) Handler() http.Handler { return s }

// URL returns the base URL of a started server (http://127.0.0.1:port), or "" for a server
// built with [New].
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Close stops a started server. It is safe to call more than once, and on a server built
// with New.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Keys returns the API key and security key the server accepts.
func (s *Server) Keys() (apiKey, securityKey string) { return s.cfg.apiKey, s.cfg.securityKey }

// Client returns an SDK client wired to the server with its keys; opts are applied after
// those, so they may override them. For a server built with [New] the client calls the
// handler in-process, without a network.
func (s *Server) Client(opts ...imednet.Option) (*imednet.Client, error) {
	base := []imednet.Option{imednet.WithAPIKey(s.cfg.apiKey, s.cfg.securityKey)}
	if s.ts != nil {
		base = append(base, imednet.WithBaseURL(s.ts.URL))
	} else {
		base = append(base, imednet.WithBaseURL("http://127.0.0.1"),
			imednet.WithHTTPClient(&http.Client{Transport: inProcess{s}}))
	}
	return imednet.New(append(base, opts...)...)
}

// inProcess is a RoundTripper that calls the server's handler directly. A handler aborted
// with http.ErrAbortHandler (an injected reset or truncation) gives what a network would: a
// connection error before the answer, or a body that ends with io.ErrUnexpectedEOF.
type inProcess struct{ s *Server }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := &recorder{ResponseRecorder: httptest.NewRecorder()}
	if !serveRecovering(t.s, rec, r) {
		resp := rec.Result()
		resp.Request = r
		return resp, nil
	}
	if err := r.Context().Err(); err != nil {
		return nil, err // the handler gave up because the client did
	}
	if !rec.wrote {
		return nil, errConnReset
	}
	resp := rec.Result()
	resp.Request = r
	resp.Body = io.NopCloser(io.MultiReader(rec.Body, truncatedReader{}))
	return resp, nil
}

// serveRecovering serves r and reports whether the handler aborted with
// http.ErrAbortHandler; other panics go on.
func serveRecovering(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// recorder is an httptest.ResponseRecorder that tells whether anything was written.
type recorder struct {
	*httptest.ResponseRecorder
	wrote bool
}

func (w *recorder) WriteHeader(code int) {
	w.wrote = true
	w.ResponseRecorder.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseRecorder.Write(p)
}

// Study returns the study with the given key, or nil.
func (s *Server) Study(key string) *Study { return s.byKey[key] }

// StudyKeys returns the keys of the server's studies, in the order they were configured.
func (s *Server) StudyKeys() []string {
	keys := make([]string, len(s.studies))
	for i, st := range s.studies {
		keys[i] = st.cfg.Key
	}
	return keys
}

// Stats counts what the server has done since it started.
type Stats struct {
	// Requests counts requests by method and path pattern, such as
	// "GET /studies/{studyKey}/records"; requests for unknown paths count as "GET (unknown)".
	// Requests refused (401, 400, ...) are counted too.
	Requests map[string]int
	// SubmissionsReceived counts every POST /studies/{studyKey}/records request, faulted or
	// not; Submissions those accepted (each creates one job), RejectedSubmissions those
	// refused with an error status by the handler. Submissions that got a fault before the
	// handler ([Faults]) are in neither.
	SubmissionsReceived, Submissions, RejectedSubmissions int
	// ItemsAccepted counts the records in accepted submissions; ItemsApplied those applied by
	// completed jobs. Once every job has finished without failures, ItemsApplied equals
	// ItemsAccepted when each accepted submission was applied exactly once.
	ItemsAccepted, ItemsApplied int
	// JobsCreated counts jobs; JobsCompleted those applied, JobsFailed those that failed
	// (nothing of them applied). A job is applied at most once.
	JobsCreated, JobsCompleted, JobsFailed int
	// Changes, by jobs and by the Study methods.
	RecordsCreated, RecordsUpdated, RecordsDeleted, SubjectsCreated int
	// Faults counts the faults injected, by kind (see [Faults]).
	Faults map[FaultKind]int
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := s.stats
	out.Requests = make(map[string]int, len(s.stats.Requests))
	for k, v := range s.stats.Requests {
		out.Requests[k] = v
	}
	out.Faults = make(map[FaultKind]int, len(s.stats.Faults))
	for k, v := range s.stats.Faults {
		out.Faults[k] = v
	}
	return out
}

func (s *Server) count(f func(*Stats)) {
	s.statsMu.Lock()
	f(&s.stats)
	s.statsMu.Unlock()
}

// clock stamps responses and changes.
type clock struct {
	user  func() time.Time
	mu    sync.Mutex
	start time.Time
	ticks int64
}

// now returns the current time without advancing the default clock.
func (c *clock) now() time.Time {
	if c.user != nil {
		return c.user().UTC()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start.Add(time.Duration(c.ticks) * time.Second)
}

// tick returns the time of a change, advancing the default clock by one second.
func (c *clock) tick() time.Time {
	if c.user != nil {
		return c.user().UTC()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ticks++
	return c.start.Add(time.Duration(c.ticks) * time.Second)
}

// jobNow is the time job delays are measured on: the user's clock, or real time.
func (c *clock) jobNow() time.Time {
	if c.user != nil {
		return c.user()
	}
	return time.Now()
}

// route is what a request path names.
type route struct {
	pattern string    // e.g. "/studies/{studyKey}/records"; "" when unknown
	ep      *endpoint // for list endpoints
	study   string
	batchID string
	jobs    bool
}

// takesSubmissions reports whether a POST to the route submits records.
func (rt route) takesSubmissions() bool { return rt.ep != nil && rt.ep.submissions }

// submits reports whether a request with this method on the route submits records.
func (rt route) submits(method string) bool {
	return method == http.MethodPost && rt.takesSubmissions()
}

// parseRoute reads the path under the API prefix. Segments are unescaped one by one, so a
// study key may contain an escaped "/".
func parseRoute(r *http.Request) route {
	p := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(p, imednet.APIPrefix+"/")
	if !ok {
		return route{}
	}
	segs := strings.Split(rest, "/")
	for i, sg := range segs {
		u, err := url.PathUnescape(sg)
		if err != nil {
			return route{}
		}
		segs[i] = u
	}
	switch {
	case len(segs) == 1 && segs[0] == "studies":
		return route{pattern: studiesEP.pattern, ep: studiesEP}
	case len(segs) == 3 && segs[0] == "studies" && segs[1] != "":
		if ep, ok := endpoints[segs[2]]; ok {
			return route{pattern: ep.pattern, ep: ep, study: segs[1]}
		}
	case len(segs) == 4 && segs[0] == "studies" && segs[1] != "" && segs[2] == "jobs" && segs[3] != "":
		return route{pattern: jobsPattern, study: segs[1], batchID: segs[3], jobs: true}
	}
	return route{}
}

// ServeHTTP serves the API: faults (see [Faults]), then authentication, routing, method,
// study and parameters.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := parseRoute(r)
	name := rt.pattern
	if name == "" {
		name = "(unknown)"
	}
	post := rt.submits(r.Method)
	s.count(func(st *Stats) {
		st.Requests[r.Method+" "+name]++
		if post {
			st.SubmissionsReceived++
		}
	})
	if fs := s.faults.Load(); fs != nil && fs.inScope(r.Method, rt.pattern, rt.study) {
		s.serveWithFaults(fs, w, r, rt)
		return
	}
	s.serve(w, r, rt)
}

// serve serves a request without faults.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	if !strings.HasPrefix(r.URL.Path, imednet.APIPrefix+"/") {
		s.writeError(w, r, errNotFound)
		return
	}
	if !s.authorized(r) {
		if rt.submits(r.Method) {
			s.count(func(st *Stats) { st.RejectedSubmissions++ })
		}
		s.writeError(w, r, errUnauthorized)
		return
	}
	if rt.pattern == "" {
		s.writeError(w, r, errNotFound)
		return
	}
	allow := http.MethodGet
	if rt.takesSubmissions() {
		allow = "GET, POST"
	}
	if r.Method != http.MethodGet && !rt.submits(r.Method) {
		s.writeError(w, r, errMethod(allow))
		return
	}
	var st *Study
	if rt.study != "" { // every route but /studies is under a study
		if st = s.byKey[rt.study]; st == nil {
			if r.Method == http.MethodPost {
				s.count(func(st *Stats) { st.RejectedSubmissions++ })
			}
			s.writeError(w, r, errForbidden(rt.study))
			return
		}
	}
	switch {
	case rt.jobs:
		s.serveJob(w, r, st, rt.batchID)
	case r.Method == http.MethodPost:
		s.servePost(w, r, st)
	default:
		s.serveList(w, r, rt.ep, st)
	}
}

// authorized checks both key headers in constant time.
func (s *Server) authorized(r *http.Request) bool {
	a := r.Header.Get("x-api-key")
	k := r.Header.Get("x-imn-security-key")
	okA := subtle.ConstantTimeCompare([]byte(a), []byte(s.cfg.apiKey)) == 1
	okK := subtle.ConstantTimeCompare([]byte(k), []byte(s.cfg.securityKey)) == 1
	return okA && okK
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
