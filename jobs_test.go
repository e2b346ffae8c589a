package imednet

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// advancingClock is a fake clock whose time moves forward by exactly what is slept.
type advancingClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newAdvancingClock() *advancingClock {
	return &advancingClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *advancingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *advancingClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *advancingClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// jobStates answers the n-th GET with a job in states[n] (the last one repeated); an entry
// "404" answers 404 and "{}" an empty body.
func jobStates(batchID string, states ...string) func(*http.Request) (int, string) {
	var mu sync.Mutex
	n := 0
	return func(r *http.Request) (int, string) {
		mu.Lock()
		s := states[min(n, len(states)-1)]
		n++
		mu.Unlock()
		switch s {
		case "404":
			return http.StatusNotFound, `{"metadata":{"status":"NOT_FOUND","error":{"code":"9000","description":"no such job"}}}`
		case "{}":
			return http.StatusOK, `{}`
		}
		b, _ := json.Marshal(map[string]any{"jobId": "job-" + batchID, "batchId": batchID, "state": s})
		return http.StatusOK, string(b)
	}
}

func TestJobDecodeFromSpecExamples(t *testing.T) {
	c, api := newFakeAPI(t, serve(fixture(t, "ExampleJobStatus")))
	job, err := c.Jobs.Get(t.Context(), "PHARMADEMO", "9e9e8584-0c71-40f2-86ee-7d414766f7f2")
	if err != nil {
		t.Fatal(err)
	}
	r := api.only(t)
	if r.Method != "GET" || r.Path != "/api/v1/edc/studies/PHARMADEMO/jobs/9e9e8584-0c71-40f2-86ee-7d414766f7f2" {
		t.Errorf("%s %s", r.Method, r.Path)
	}
	want := Job{JobID: "930720e7-4f3b-4452-be2b-f4233e5f433b", BatchID: "9e9e8584-0c71-40f2-86ee-7d414766f7f2",
		State: "completed", Status: JobSucceeded, DateCreated: ts("2020-12-01 21:47:36"),
		DateStarted: ts("2020-12-01 21:47:42"), DateFinished: ts("2020-12-01 21:47:45")}
	if !reflect.DeepEqual(*job, want) {
		t.Errorf("job\n got %+v\nwant %+v", *job, want)
	}
	if !job.Terminal() || !job.Succeeded() || job.Failed() {
		t.Errorf("completed job: terminal %v succeeded %v failed %v", job.Terminal(), job.Succeeded(), job.Failed())
	}

	var posted Job
	if err := json.Unmarshal([]byte(fixture(t, "ExamplePostRecordResponse")), &posted); err != nil {
		t.Fatal(err)
	}
	if posted.JobID != "9663fe34-eec7-460a-a820-097f1eb2875e" || posted.BatchID != "c3q191e4-f894-72cd-a753-b37283eh0866" ||
		posted.State != "created" || posted.Status != JobInProgress || posted.Terminal() || len(posted.Extra) != 0 {
		t.Errorf("202 job %+v", posted)
	}
}

func TestJobDecodeQuirks(t *testing.T) {
	var j Job
	err := j.UnmarshalJSON([]byte(`{"jobId":"j-1","batchId":"b-1","state":" COMPLETED ","progress":"75",
		"resultUrl":"https://edc.example.com/r/1","results":[{"status":"PASS"},{"status":"FAIL"}],
		"dateCreated":"2020-12-01T21:47:36Z","dateStarted":"","dateFinished":null,"newField":{"a":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if j.State != " COMPLETED " || j.Status != JobSucceeded || j.Progress != 75 || j.ResultURL != "https://edc.example.com/r/1" {
		t.Errorf("job %+v", j)
	}
	if string(j.Results) != `[{"status":"PASS"},{"status":"FAIL"}]` {
		t.Errorf("results %s", j.Results)
	}
	if !j.DateCreated.Time.Equal(time.Date(2020, 12, 1, 21, 47, 36, 0, time.UTC)) || !j.DateStarted.IsZero() || !j.DateFinished.IsZero() {
		t.Errorf("dates %v %v %v", j.DateCreated, j.DateStarted, j.DateFinished)
	}
	if len(j.Extra) != 1 || string(j.Extra["newField"]) != `{"a":1}` {
		t.Errorf("extra %v", j.Extra)
	}

	// A progress that is not a number is kept aside, not an error; results may be text or absent.
	if err := j.UnmarshalJSON([]byte(`{"batchId":"b","state":"Running","progress":"invalid","results":"3 of 4 saved"}`)); err != nil {
		t.Fatal(err)
	}
	if j.Progress != 0 || string(j.Extra["progress"]) != `"invalid"` || j.Status != JobInProgress || string(j.Results) != `"3 of 4 saved"` {
		t.Errorf("job %+v", j)
	}
	if err := j.UnmarshalJSON([]byte(`{"state":"weird-new-state","results":null,"progress":12.0}`)); err != nil {
		t.Fatal(err)
	}
	if j.Status != JobUnknown || j.Terminal() || j.Results != nil || j.Progress != 12 || j.BatchID != "" {
		t.Errorf("job %+v", j)
	}
	if err := j.UnmarshalJSON([]byte(`["not","an","object"]`)); err == nil {
		t.Error("an array decoded as a job")
	}
	// A Job built by hand is judged by its State.
	if !(Job{State: "FAILED"}).Failed() || !(Job{State: "FAILED"}).Terminal() || (Job{State: "queued"}).Terminal() {
		t.Error("hand-built jobs")
	}
}

func TestParseJobState(t *testing.T) {
	cases := map[JobStatus][]string{
		JobInProgress: {"created", "pending", "running", "processing", "queued", "started", "open", "submitted", "in_progress",
			"CREATED", "Running", " PROCESSING ", "PENDING\n", "OPEN", "In_Progress"},
		JobSucceeded: {"completed", "complete", "success", "succeeded", "done", "finished", "COMPLETED", "SUCCESS", " Complete ", "Done"},
		JobFailed:    {"failed", "failure", "error", "cancelled", "canceled", "aborted", "rejected", "FAILED", "CANCELLED", " Canceled", "ERROR"},
		JobUnknown:   {"", "   ", "paused", "completed_with_errors", "in progress", "fail", "succeed", "null"},
	}
	for want, states := range cases {
		for _, s := range states {
			if got := ParseJobState(s); got != want {
				t.Errorf("ParseJobState(%q) = %q, want %q", s, got, want)
			}
		}
	}
	for s, terminal := range map[JobStatus]bool{JobInProgress: false, JobUnknown: false, JobSucceeded: true, JobFailed: true} {
		if s.Terminal() != terminal {
			t.Errorf("%s.Terminal() = %v", s, !terminal)
		}
	}
}

func TestJobsGetPathAndNotFound(t *testing.T) {
	c, api := newFakeAPI(t, serve(`{"jobId":"j","batchId":"a/b c?","state":"running"}`))
	if _, err := c.Jobs.Get(t.Context(), "S/1", "a/b c?"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.Get(WithStudy(t.Context(), "CTX"), "", "b-2"); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[0].Path != "/api/v1/edc/studies/S%2F1/jobs/a%2Fb%20c%3F" || reqs[1].Path != "/api/v1/edc/studies/CTX/jobs/b-2" {
		t.Fatalf("requests %+v", reqs)
	}
	for _, batch := range []string{"", "  "} {
		if _, err := c.Jobs.Get(t.Context(), "S", batch); err == nil || !strings.Contains(err.Error(), "batch id") {
			t.Errorf("batch %q: %v", batch, err)
		}
	}
	if _, err := c.Jobs.Get(t.Context(), "", "b"); !errors.Is(err, ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
	if n := len(api.requests()); n != 2 {
		t.Errorf("%d requests, invalid calls reached the server", n)
	}

	for _, body := range []string{`{}`, ` { } `, `null`} {
		c, _ := newFakeAPI(t, serve(body))
		job, err := c.Jobs.Get(t.Context(), "S", "gone")
		if !errors.Is(err, ErrNotFound) || job != nil || !strings.Contains(err.Error(), "job gone not found") {
			t.Errorf("body %s: job %v err %v", body, job, err)
		}
	}
	c, _ = newFakeAPI(t, jobStates("x", "404"))
	if _, err := c.Jobs.Get(t.Context(), "S", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: %v", err)
	}
}

func TestWaitPollsWithGrowingIntervalUntilSuccess(t *testing.T) {
	clk := &fakeClock{}
	states := []string{"created", "created", "running", "RUNNING", "processing", "running", "running", "running", "running", "COMPLETED"}
	c, api := newFakeAPI(t, jobStates("b-1", states...), WithClock(clk))
	var seen []string
	job, err := c.Jobs.Wait(t.Context(), "S", "b-1", &WaitOptions{OnProgress: func(j *Job) { seen = append(seen, j.State) }})
	if err != nil {
		t.Fatal(err)
	}
	if job.State != "COMPLETED" || job.BatchID != "b-1" || !job.Succeeded() {
		t.Errorf("job %+v", job)
	}
	if n := len(api.requests()); n != len(states) {
		t.Errorf("%d polls, want %d", n, len(states))
	}
	if !reflect.DeepEqual(seen, states) {
		t.Errorf("OnProgress saw %v, want %v", seen, states)
	}
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	want := []time.Duration{time.Second, ms(1500), ms(2250), ms(3375), ms(5062.5), ms(7593.75), ms(11390.625),
		15 * time.Second, 15 * time.Second, 15 * time.Second}
	if got := clk.Sleeps(); !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}

	// Custom interval and cap; a cap below the interval is raised to it.
	clk = &fakeClock{}
	c, _ = newFakeAPI(t, jobStates("b", "created", "created", "created", "created", "done"), WithClock(clk))
	if _, err := c.Jobs.Wait(t.Context(), "S", "b", &WaitOptions{Interval: 2 * time.Second, MaxInterval: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := clk.Sleeps(), []time.Duration{2 * time.Second, 3 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}; !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	clk = &fakeClock{}
	c, _ = newFakeAPI(t, jobStates("b", "created", "created", "success"), WithClock(clk))
	if _, err := c.Jobs.Wait(t.Context(), "S", "b", &WaitOptions{Interval: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got, want := clk.Sleeps(), []time.Duration{20 * time.Second, 20 * time.Second, 20 * time.Second}; !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

func TestWaitFailedJob(t *testing.T) {
	c, api := newFakeAPI(t, jobStates("b-9", "created", "running", "Cancelled"))
	job, err := c.Jobs.Wait(t.Context(), "S", "b-9", nil)
	var fe *JobFailedError
	if !errors.As(err, &fe) || fe.Job == nil || fe.Job.State != "Cancelled" || fe.Job.BatchID != "b-9" {
		t.Fatalf("err %v", err)
	}
	if job != fe.Job || !strings.Contains(err.Error(), "b-9") || !strings.Contains(err.Error(), `"Cancelled"`) {
		t.Errorf("job %+v err %q", job, err)
	}
	if n := len(api.requests()); n != 3 {
		t.Errorf("%d polls", n)
	}
}

func TestWaitOwnTimeout(t *testing.T) {
	clk := newAdvancingClock()
	c, api := newFakeAPI(t, jobStates("b-t", "created", "running", "processing"), WithClock(clk))
	start := clk.Now()
	job, err := c.Jobs.Wait(t.Context(), "S", "b-t", &WaitOptions{Timeout: 4 * time.Second})
	var te *JobTimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if te.Job == nil || te.Job.State != "processing" || job != te.Job || te.BatchID != "b-t" {
		t.Errorf("last job %+v returned %+v", te.Job, job)
	}
	if te.Waited != 4*time.Second || clk.Now().Sub(start) != 4*time.Second {
		t.Errorf("waited %s, clock moved %s", te.Waited, clk.Now().Sub(start))
	}
	// Polls at 1 s, 2.5 s and, the last wait cut to what is left, at 4 s.
	if got, want := clk.Sleeps(), []time.Duration{time.Second, 1500 * time.Millisecond, 1500 * time.Millisecond}; !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if n := len(api.requests()); n != 3 {
		t.Errorf("%d polls, want 3", n)
	}
	if !strings.Contains(err.Error(), "b-t") || !strings.Contains(err.Error(), "processing") {
		t.Errorf("message %q", err)
	}

	// A job that finishes at the last poll is a success, not a timeout.
	clk = newAdvancingClock()
	c, _ = newFakeAPI(t, jobStates("b", "running", "running", "completed"), WithClock(clk))
	if job, err := c.Jobs.Wait(t.Context(), "S", "b", &WaitOptions{Timeout: 4 * time.Second}); err != nil || job.State != "completed" {
		t.Errorf("job %+v err %v", job, err)
	}
}

func TestWaitContextDeadline(t *testing.T) {
	// A deadline already past: no poll, a timeout with no job.
	c, api := newFakeAPI(t, jobStates("b", "running"))
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := c.Jobs.Wait(ctx, "S", "b", nil)
	var te *JobTimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || te.Job != nil {
		t.Fatalf("err %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d polls", n)
	}

	// A deadline that runs out during a poll: the last state seen is kept.
	var mu sync.Mutex
	polls := 0
	c, _ = newFakeAPI(t, func(r *http.Request) (int, string) {
		mu.Lock()
		polls++
		n := polls
		mu.Unlock()
		if n > 1 {
			<-r.Context().Done()
		}
		return 200, `{"batchId":"b","state":"running"}`
	})
	ctx, cancel = context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Jobs.Wait(ctx, "S", "b", nil)
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) || te.Job == nil || te.Job.State != "running" {
		t.Fatalf("err %v (%+v)", err, te)
	}
}

func TestWaitCancelled(t *testing.T) {
	c, api := newFakeAPI(t, jobStates("b", "running"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	_, err := c.Jobs.Wait(ctx, "S", "b", &WaitOptions{OnProgress: func(*Job) {
		calls++
		if calls == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	var te *JobTimeoutError
	if errors.As(err, &te) {
		t.Errorf("cancellation reported as a timeout: %v", err)
	}
	if n := len(api.requests()); n != 2 || calls != 2 {
		t.Errorf("%d polls, %d progress calls", n, calls)
	}
}

func TestWaitNotFoundGrace(t *testing.T) {
	c, api := newFakeAPI(t, jobStates("b", "404", "{}", "404", "created", "completed"))
	var seen []string
	job, err := c.Jobs.Wait(t.Context(), "S", "b", &WaitOptions{OnProgress: func(j *Job) { seen = append(seen, j.State) }})
	if err != nil || job.State != "completed" {
		t.Fatalf("job %+v err %v", job, err)
	}
	if n := len(api.requests()); n != 5 || !reflect.DeepEqual(seen, []string{"created", "completed"}) {
		t.Errorf("%d polls, progress %v", n, seen)
	}

	// Still not found after the grace polls: the error is returned.
	c, api = newFakeAPI(t, jobStates("b", "404"))
	_, err = c.Jobs.Wait(t.Context(), "S", "b", nil)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err %v", err)
	}
	if n := len(api.requests()); n != 4 {
		t.Errorf("%d polls, want 4", n)
	}

	// Other errors end the wait at once.
	c, api = newFakeAPI(t, func(*http.Request) (int, string) { return http.StatusForbidden, `{}` })
	if _, err := c.Jobs.Wait(t.Context(), "S", "b", nil); !errors.Is(err, ErrForbidden) || len(api.requests()) != 1 {
		t.Errorf("err %v after %d polls", err, len(api.requests()))
	}
}

func TestWaitRejectsBadInputBeforePolling(t *testing.T) {
	c, api := newFakeAPI(t, jobStates("b", "completed"))
	for _, opts := range []*WaitOptions{{Interval: -1}, {MaxInterval: -time.Second}, {Timeout: -time.Second}} {
		if _, err := c.Jobs.Wait(t.Context(), "S", "b", opts); err == nil {
			t.Errorf("options %+v accepted", opts)
		}
	}
	if _, err := c.Jobs.Wait(t.Context(), "S", " ", nil); err == nil {
		t.Error("blank batch id accepted")
	}
	if _, err := c.Jobs.Wait(t.Context(), "", "b", nil); !errors.Is(err, ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}
