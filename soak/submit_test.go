package soak_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
)

// submitFaults hits record submissions with every fault a network and a busy service
// produce: refusals before the handler (429, 5xx, reset), which leave nothing applied, and
// damage after the submission was accepted (reset, cut or malformed answer), which leave
// the client unsure. Job polls and listings meet the same faults.
var submitFaults = imednettest.Faults{
	TooManyRequestsRate: 0.1, RetryAfter: time.Millisecond,
	ServerErrorRate: 0.1, ResetRate: 0.08, ResetAfterAcceptRate: 0.1, TruncateRate: 0.04, MalformedRate: 0.04,
	LatencyMax: 200 * time.Microsecond,
}

// fate is what the caller knows of one record request.
type fate int

const (
	pending fate = iota // not yet in a submission the server answered
	done                // in a chunk the server accepted with a job
	unknown             // in a chunk whose answer never came: maybe applied, never resent
)

// submission is one record request of the soak and what became of it.
type submission struct {
	req   imednet.RecordRequest
	tag   string // the unique value that finds it among the records
	fate  fate
	batch string // the job of its chunk, when done
}

// postCounter counts the POST /records attempts leaving the client, and those answered 429.
type postCounter struct{ attempts, tooMany atomic.Int64 }

func (p *postCounter) middleware(next http.RoundTripper) http.RoundTripper {
	return rtFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if r.Method == http.MethodPost {
			p.attempts.Add(1)
			if err == nil && resp.StatusCode == http.StatusTooManyRequests {
				p.tooMany.Add(1)
			}
		}
		return resp, err
	})
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSubmissionsUnderFaults(t *testing.T) {
	n := *submissions
	if n <= 0 {
		n = 400
	}
	cfg := imednettest.StudyConfig{Key: study, Sites: 4, Subjects: 12, RecordsPerSubject: 6, Users: 2}
	opts := []imednettest.Option{imednettest.WithSeed(*seed), imednettest.WithStudy(cfg),
		imednettest.WithJobDelay(2 * time.Millisecond), imednettest.WithFaults(submitFaults)}
	transports(t, opts, func(t *testing.T, srv *imednettest.Server) {
		var posts postCounter
		// Half the submitters retry a 429 three times (the SDK retries a submission after a
		// 429 only), the other half never, so that some chunks are refused for good and
		// resubmitted by the caller; job polls and listings retry as long as they need.
		subs := []*imednet.Client{
			persistentClient(t, srv, imednet.WithMaxRetries(3), imednet.WithMiddleware(posts.middleware)),
			persistentClient(t, srv, imednet.WithMaxRetries(0), imednet.WithMiddleware(posts.middleware)),
		}
		c := persistentClient(t, srv)
		subjectsBefore := srv.Study(study).Counts().Subjects
		sites := openSites(t, srv, c)
		subjects := subjectKeys(t, srv)

		var all []*submission
		var tally chunkTally
		deadline := time.Now().Add(*duration)
		for round := 1; ; round++ {
			// Half new records, half registrations, each with a value found nowhere else.
			batch := make([]*submission, n)
			for i := range batch {
				k := len(all) + i
				s := &submission{tag: fmt.Sprintf("soak-%06d", k)}
				if k%2 == 0 {
					s.req = imednet.NewRecord("AE", subjects[k%len(subjects)], map[string]any{"AETERM": s.tag})
				} else {
					s.req = imednet.RegisterSubject("REG", sites[k%len(sites)], map[string]any{"INITIALS": s.tag, "AGE": 40})
				}
				batch[i] = s
			}
			all = append(all, batch...)
			if err := srv.SetFaults(submitFaults); err != nil {
				t.Fatal(err)
			}
			submitAll(t, subs, batch, &tally)
			waitJobs(t, srv, c, batch)
			checkSubmissions(t, srv, c, all, &posts, tally, subjectsBefore)
			if t.Failed() || !time.Now().Before(deadline) {
				t.Logf("%d rounds, %d requests: chunks %+v; stats %+v", round, len(all), tally, srv.Stats())
				return
			}
		}
	})
}

// chunkTally counts the chunks of the submissions by outcome.
type chunkTally struct {
	Accepted int // answered with a job
	Unknown  int // no clear answer: maybe applied, never resent
	Refused  int // refused for good (429 after the retries): resent
	NotSent  int // after a failed chunk of the same call: resent
}

// submitAll submits the batch from 4 goroutines, each with one of the clients, sending
// slices of 10 requests in chunks of 3, and resubmits what the SDK reports as not applied (refused, or not sent),
// never what may have been applied. It adds the chunks' outcomes to tally.
func submitAll(t *testing.T, clients []*imednet.Client, batch []*submission, tally *chunkTally) {
	t.Helper()
	const workers, slice, chunk = 4, 10, 3
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		c := clients[w%len(clients)]
		wg.Go(func() {
			for first := w * slice; first < len(batch); first += workers * slice {
				todo := batch[first:min(first+slice, len(batch))]
				for tries := 0; len(todo) > 0; tries++ {
					if tries == 50 {
						errs <- fmt.Errorf("requests %s..: still not accepted after 50 submissions", todo[0].tag)
						return
					}
					reqs := make([]imednet.RecordRequest, len(todo))
					for i, s := range todo {
						reqs[i] = s.req
					}
					jobs, err := c.Records.Create(t.Context(), study, reqs, &imednet.CreateOptions{ChunkSize: chunk})
					var se *imednet.SubmitError
					if err != nil && !errors.As(err, &se) {
						errs <- fmt.Errorf("requests %s..: %w", todo[0].tag, err)
						return
					}
					acceptedUpTo := len(todo)
					if se != nil {
						acceptedUpTo = se.First
						if len(se.Accepted) != len(jobs) || se.First != len(jobs)*chunk || se.Last != min(se.First+chunk, len(todo))-1 {
							errs <- fmt.Errorf("inconsistent SubmitError for %d requests: %d jobs, %+v", len(todo), len(jobs), se)
							return
						}
					}
					mu.Lock()
					for i := range acceptedUpTo {
						todo[i].fate, todo[i].batch = done, jobs[i/chunk].BatchID
					}
					tally.Accepted += len(jobs)
					var retry []*submission
					if se != nil {
						tally.NotSent += se.Chunks - se.Chunk
						if se.MaybeApplied {
							tally.Unknown++
							for _, s := range todo[se.First : se.Last+1] {
								s.fate = unknown
							}
						} else {
							tally.Refused++
							retry = append(retry, todo[se.First:se.Last+1]...)
						}
						retry = append(retry, todo[se.Last+1:]...)
					}
					mu.Unlock()
					todo = retry
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// waitJobs follows every accepted job to its end through the faults, then, without faults,
// lets the jobs the client never heard of finish too.
func waitJobs(t *testing.T, srv *imednettest.Server, c *imednet.Client, batch []*submission) {
	t.Helper()
	ctx := t.Context()
	waited := map[string]bool{}
	for _, s := range batch {
		if s.fate != done || waited[s.batch] {
			continue
		}
		waited[s.batch] = true
		job, err := c.Jobs.Wait(ctx, study, s.batch, &imednet.WaitOptions{Interval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Timeout: time.Minute})
		if err != nil || !job.Succeeded() {
			t.Fatalf("job %s: %v (state %v)", s.batch, err, job)
		}
	}
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; {
		running := 0
		for _, j := range srv.Study(study).Jobs() {
			if j.State != "completed" && j.State != "failed" {
				running++
			}
		}
		if running == 0 {
			return
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("%d jobs still running after a minute", running)
		}
		time.Sleep(time.Millisecond)
		if _, err := c.Studies.List(ctx, nil); err != nil { // jobs advance when the server is used
			t.Fatal(err)
		}
	}
}

// checkSubmissions compares what the caller knows with the server's counters and data.
func checkSubmissions(t *testing.T, srv *imednettest.Server, c *imednet.Client, all []*submission, posts *postCounter,
	tally chunkTally, subjectsBefore int) {
	t.Helper()
	st := srv.Stats()
	// Each accepted submission was applied once: one job each, all completed, every item
	// applied.
	if st.JobsCreated != st.Submissions || st.JobsCompleted != st.Submissions || st.JobsFailed != 0 ||
		st.ItemsApplied != st.ItemsAccepted || st.RejectedSubmissions != 0 {
		t.Errorf("%d submissions accepted, %d jobs created, %d completed, %d failed; %d items accepted, %d applied; %d refused",
			st.Submissions, st.JobsCreated, st.JobsCompleted, st.JobsFailed, st.ItemsAccepted, st.ItemsApplied, st.RejectedSubmissions)
	}
	// The client resent a chunk only after a 429: every POST that did not get a 429 is a
	// chunk whose outcome the caller took as final (accepted or unknown).
	attempts, tooMany := int(posts.attempts.Load()), int(posts.tooMany.Load())
	if st.SubmissionsReceived != attempts {
		t.Errorf("the server received %d submissions, the client sent %d", st.SubmissionsReceived, attempts)
	}
	if attempts-tooMany != tally.Accepted+tally.Unknown {
		t.Errorf("%d POSTs, %d answered 429: %d others, but %d chunks accepted and %d of unknown outcome",
			attempts, tooMany, attempts-tooMany, tally.Accepted, tally.Unknown)
	}
	// The jobs the client heard of are the chunks it counted as accepted; the others are
	// those of unknown outcome that the server did accept.
	acked, unackedItems := 0, 0
	for _, j := range srv.Study(study).Jobs() {
		if j.Acknowledged {
			acked++
		} else {
			unackedItems += j.Items
		}
	}
	if acked != tally.Accepted {
		t.Errorf("the server acknowledged %d jobs, the client counted %d accepted chunks", acked, tally.Accepted)
	}

	// The server's data: every request found by its tag.
	found := map[string]int{}
	for r, err := range c.Records.All(t.Context(), study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"AETERM", "INITIALS"} {
			if v, ok := r.RecordData.Text(name); ok && len(v) > 5 && v[:5] == "soak-" {
				found[v]++
			}
		}
	}
	var nDone, nUnknown, unknownApplied, total int
	for _, s := range all {
		k := found[s.tag]
		total += k
		switch s.fate {
		case done:
			nDone++
			if k != 1 {
				t.Errorf("%s (%s): accepted, found %d times", s.tag, s.req.Scenario(), k)
			}
		case unknown:
			nUnknown++
			unknownApplied += k
			if k > 1 {
				t.Errorf("%s (%s): outcome unknown, found %d times", s.tag, s.req.Scenario(), k)
			}
		default:
			t.Errorf("%s: never submitted to the end", s.tag)
		}
	}
	if total != st.ItemsApplied || total != nDone+unknownApplied {
		t.Errorf("%d requests found among the records; the server applied %d items; %d accepted and %d of unknown outcome applied",
			total, st.ItemsApplied, nDone, unknownApplied)
	}
	if unknownApplied != unackedItems {
		t.Errorf("%d requests of unknown outcome were applied, the unacknowledged jobs hold %d", unknownApplied, unackedItems)
	}
	regs := 0
	for _, s := range all {
		if s.req.Scenario() == imednet.ScenarioRegister {
			regs += found[s.tag]
		}
	}
	if got := srv.Study(study).Counts().Subjects; got != subjectsBefore+regs {
		t.Errorf("%d subjects, want %d before and %d registered", got, subjectsBefore, regs)
	}
	// The soak proves nothing unless every path was taken.
	for _, k := range []imednettest.FaultKind{imednettest.FaultTooManyRequests, imednettest.FaultServerError,
		imednettest.FaultReset, imednettest.FaultResetAfterAccept} {
		if st.Faults[k] == 0 {
			t.Errorf("no %s fault was injected: %v", k, st.Faults)
		}
	}
	if nUnknown == 0 || unknownApplied == 0 || unknownApplied == nUnknown || tooMany == 0 || tally.Refused == 0 || tally.NotSent == 0 {
		t.Errorf("paths not taken: %d requests of unknown outcome, %d of them applied, %d answers 429, chunks %+v",
			nUnknown, unknownApplied, tooMany, tally)
	}
}

// openSites lists the sites open for enrollment, without faults.
func openSites(t *testing.T, srv *imednettest.Server, c *imednet.Client) []string {
	t.Helper()
	saved := srv.Faults()
	if err := srv.SetFaults(imednettest.Faults{}); err != nil {
		t.Fatal(err)
	}
	defer srv.SetFaults(saved)
	var open []string
	for s, err := range c.Sites.All(t.Context(), study, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if s.SiteEnrollmentStatus == "Enrollment Open" {
			open = append(open, s.SiteName)
		}
	}
	if len(open) == 0 {
		t.Fatal("no site is open for enrollment")
	}
	return open
}

// subjectKeys returns the keys of the subjects whose registration is not deleted.
func subjectKeys(t *testing.T, srv *imednettest.Server) []string {
	t.Helper()
	st := srv.Study(study)
	var keys []string
	for _, id := range st.RecordIDs("REG") {
		if r, ok := st.Record(id); ok && !r.Deleted && r.SubjectKey != "" {
			keys = append(keys, r.SubjectKey)
		}
	}
	if len(keys) == 0 {
		t.Fatal("no subjects")
	}
	return keys
}
