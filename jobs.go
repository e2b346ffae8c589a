package imednet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/imednet/imednet-go/internal/wire"
)

// JobStatus is a job's state reduced to what a client acts on; see [ParseJobState].
type JobStatus string

// The normalised job states.
const (
	JobInProgress JobStatus = "in_progress" // created, queued or running
	JobSucceeded  JobStatus = "succeeded"   // finished without error
	JobFailed     JobStatus = "failed"      // finished with an error, or cancelled
	JobUnknown    JobStatus = "unknown"     // a state this version does not know; not terminal
)

// Terminal reports whether s is a final state (succeeded or failed).
func (s JobStatus) Terminal() bool { return s == JobSucceeded || s == JobFailed }

// ParseJobState normalises a job state as the API sends it. The documented states are
// created, running, completed and failed, but other spellings and cases occur (COMPLETED,
// SUCCESS, PROCESSING, PENDING, CANCELLED, OPEN, COMPLETE, ...). The comparison ignores case
// and surrounding space; a state it does not know is [JobUnknown], which is not terminal, so
// a waiting client keeps polling rather than guessing.
func ParseJobState(raw string) JobStatus {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "created", "pending", "running", "processing", "queued", "started", "open", "submitted",
		"in_progress":
		return JobInProgress
	case "completed", "complete", "success", "succeeded", "done", "finished":
		return JobSucceeded
	case "failed", "failure", "error", "cancelled", "canceled", "aborted", "rejected":
		return JobFailed
	}
	return JobUnknown
}

// Job is the state of the asynchronous job that a record submission creates
// (GET /studies/{studyKey}/jobs/{batchId}, and the 202 answer to POST /studies/{studyKey}/records).
type Job struct {
	JobID   string `json:"jobId"`
	BatchID string `json:"batchId"` // the id to poll with; see [JobsService.Get]
	// State is the state as the API sent it: created, running, completed, failed, or another
	// spelling. Status is its normalised form.
	State        string          `json:"state"`
	Status       JobStatus       `json:"-"`
	DateCreated  Timestamp       `json:"dateCreated"`
	DateStarted  Timestamp       `json:"dateStarted"`  // zero until the job starts
	DateFinished Timestamp       `json:"dateFinished"` // zero until the job ends
	Progress     int             `json:"progress,omitempty"`
	ResultURL    string          `json:"resultUrl,omitempty"`
	Results      json.RawMessage `json:"results,omitempty"` // undocumented; any JSON, kept as sent
	Extra        Extra           `json:"-"`                 // members this version does not know
}

// setStatus derives the normalised Status of a decoded job from its State.
func (j *Job) setStatus() { j.Status = ParseJobState(j.State) }

// status is j.Status, or the state's normalised form when Status was not set (a Job built
// by hand).
func (j Job) status() JobStatus {
	if j.Status != "" {
		return j.Status
	}
	return ParseJobState(j.State)
}

// Terminal reports whether the job has finished, successfully or not.
func (j Job) Terminal() bool { return j.status().Terminal() }

// Succeeded reports whether the job finished without error.
func (j Job) Succeeded() bool { return j.status() == JobSucceeded }

// Failed reports whether the job finished with an error or was cancelled.
func (j Job) Failed() bool { return j.status() == JobFailed }

const jobPattern = "/studies/{studyKey}/jobs/{batchId}"

// jobPath resolves the study and builds the escaped path of a job.
func jobPath(ctx context.Context, study, batchID string) (string, error) {
	if strings.TrimSpace(batchID) == "" {
		return "", errors.New("imednet: jobs: empty batch id")
	}
	key, err := ResolveStudy(ctx, study)
	if err != nil {
		return "", err
	}
	return "/studies/" + PathEscape(key) + "/jobs/" + PathEscape(batchID), nil
}

// jobBody decodes a job and notes whether the body had no members at all ({} or null), which
// is how the API says that a job does not exist.
type jobBody struct {
	job   Job
	empty bool
}

func (b *jobBody) UnmarshalJSON(data []byte) error {
	members := 0
	if err := wire.DecodeObject(data, nil, func(*wire.Field) { members++ }); err != nil {
		return err
	}
	b.empty = members == 0
	return b.job.UnmarshalJSON(data)
}

// Get returns the state of the job with the given batch id (the BatchID of the job that a
// record submission returned): GET /studies/{studyKey}/jobs/{batchId}. An empty study uses
// the one attached to ctx with [WithStudy]. An unknown batch id gives an error matching
// [ErrNotFound], whether the API answers 404 or an empty object.
func (s *JobsService) Get(ctx context.Context, study, batchID string) (*Job, error) {
	path, err := jobPath(ctx, study, batchID)
	if err != nil {
		return nil, err
	}
	return s.get(ctx, path, batchID)
}

func (s *JobsService) get(ctx context.Context, path, batchID string) (*Job, error) {
	var body jobBody
	if _, err := s.client.Do(ctx, &Request{Method: http.MethodGet, Path: path, Pattern: jobPattern}, &body); err != nil {
		return nil, err
	}
	if body.empty {
		return nil, &notFoundError{what: "job " + batchID, path: s.client.base.Path + APIPrefix + path}
	}
	return &body.job, nil
}

// Defaults for [WaitOptions].
const (
	DefaultWaitInterval    = time.Second
	DefaultWaitMaxInterval = 15 * time.Second
)

// waitGracePolls is how many polls may find no job (404 or {}) before Wait gives up: a job
// may not be visible at once after its submission.
const waitGracePolls = 3

// WaitOptions control [JobsService.Wait]. A nil *WaitOptions means the defaults.
type WaitOptions struct {
	// Interval is the delay before the first poll; each later delay is 1.5 times the one
	// before, up to MaxInterval. 0 means DefaultWaitInterval (1 s).
	Interval time.Duration
	// MaxInterval caps the delay between polls. 0 means DefaultWaitMaxInterval (15 s); a cap
	// below Interval is raised to Interval.
	MaxInterval time.Duration
	// Timeout bounds the whole wait; 0 means no limit other than the context's deadline,
	// which always applies.
	Timeout time.Duration
	// OnProgress, when set, is called with the job after every poll that read it.
	OnProgress func(*Job)
}

// waitConfig is WaitOptions with the defaults filled in.
type waitConfig struct {
	interval, maxInterval, timeout time.Duration
	onProgress                     func(*Job)
}

func (o *WaitOptions) config() (waitConfig, error) {
	cfg := waitConfig{interval: DefaultWaitInterval, maxInterval: DefaultWaitMaxInterval}
	if o == nil {
		return cfg, nil
	}
	switch {
	case o.Interval < 0:
		return cfg, fmt.Errorf("imednet: WaitOptions: negative Interval %s", o.Interval)
	case o.MaxInterval < 0:
		return cfg, fmt.Errorf("imednet: WaitOptions: negative MaxInterval %s", o.MaxInterval)
	case o.Timeout < 0:
		return cfg, fmt.Errorf("imednet: WaitOptions: negative Timeout %s", o.Timeout)
	}
	if o.Interval > 0 {
		cfg.interval = o.Interval
	}
	if o.MaxInterval > 0 {
		cfg.maxInterval = o.MaxInterval
	}
	cfg.maxInterval = max(cfg.maxInterval, cfg.interval)
	cfg.timeout, cfg.onProgress = o.Timeout, o.OnProgress
	return cfg, nil
}

// JobFailedError reports a job that finished in a failed state (failed, cancelled, ...).
type JobFailedError struct {
	Job *Job // the job as last read
}

// Error names the batch and the state the job ended in.
func (e *JobFailedError) Error() string {
	if e.Job == nil {
		return "imednet: job failed"
	}
	id := e.Job.BatchID
	if id == "" {
		id = e.Job.JobID
	}
	return fmt.Sprintf("imednet: job %s failed: state %q", id, e.Job.State)
}

// JobTimeoutError reports that a job was still running when the wait's Timeout or the
// context's deadline ran out. errors.Is(err, context.DeadlineExceeded) holds.
type JobTimeoutError struct {
	BatchID string
	Job     *Job          // the job as last read; nil when no poll read it
	Waited  time.Duration // how long the wait lasted, by the client's clock
}

// Error names the batch and the last state seen before the wait ended.
func (e *JobTimeoutError) Error() string {
	state := "not yet visible"
	if e.Job != nil {
		state = fmt.Sprintf("still in state %q", e.Job.State)
	}
	return fmt.Sprintf("imednet: job %s: %s after waiting %s: %v", e.BatchID, state, e.Waited, context.DeadlineExceeded)
}

// Unwrap returns context.DeadlineExceeded.
func (e *JobTimeoutError) Unwrap() error { return context.DeadlineExceeded }

// Wait polls the job with the given batch id until it finishes, and returns it.
//
// It sleeps opts.Interval before the first poll and 1.5 times longer before each next one, up
// to opts.MaxInterval, through the client's [Clock]. A job that succeeds is returned with a nil
// error; one that fails gives a [*JobFailedError] carrying it. When opts.Timeout or the
// context's deadline runs out first, the error is a [*JobTimeoutError] with the last state
// seen; when the context is cancelled, it matches context.Canceled.
//
// A job may not be visible at once after its submission, so "not found" (404 or an empty
// body) during the first 3 polls counts as "not started yet"; after that it is returned. Other
// errors of a poll (after the client's own retries) end the wait.
func (s *JobsService) Wait(ctx context.Context, study, batchID string, opts *WaitOptions) (*Job, error) {
	cfg, err := opts.config()
	if err != nil {
		return nil, err
	}
	path, err := jobPath(ctx, study, batchID)
	if err != nil {
		return nil, err
	}
	ctx, start, deadline, cancel := s.client.startWait(ctx, cfg.timeout)
	defer cancel()
	return s.wait(ctx, path, batchID, cfg, start, deadline, true)
}

// startWait starts a wait of at most timeout (none when 0). It returns the start and the
// deadline (zero without a timeout), both by the client's clock, and ctx bounded by the
// timeout plus a second of real time, so that a poll in flight cannot outlast the wait by
// much; cancel releases it.
func (c *Client) startWait(ctx context.Context, timeout time.Duration) (_ context.Context, start, deadline time.Time, cancel context.CancelFunc) {
	start = c.clock.Now()
	if timeout <= 0 {
		return ctx, start, time.Time{}, func() {}
	}
	ctx, cancel = context.WithTimeout(ctx, timeout+time.Second)
	return ctx, start, start.Add(timeout), cancel
}

// wait polls the job at path. start is when the wait began and deadline (zero for none) when
// it must end, both by the client's clock; sleepFirst says whether to sleep before the first
// poll.
func (s *JobsService) wait(ctx context.Context, path, batchID string, cfg waitConfig, start, deadline time.Time, sleepFirst bool) (*Job, error) {
	clk := s.client.clock
	var last *Job
	timeout := func() error {
		return &JobTimeoutError{BatchID: batchID, Job: last, Waited: clk.Now().Sub(start)}
	}
	// stopped shapes the error for a wait ended by ctx, or returns nil when ctx is not done.
	stopped := func(err error) error {
		switch ctx.Err() {
		case nil:
			return nil
		case context.DeadlineExceeded:
			return timeout()
		}
		if err == nil || !errors.Is(err, context.Canceled) {
			err = ctx.Err()
		}
		return fmt.Errorf("imednet: waiting for job %s: %w", batchID, err)
	}
	delay := cfg.interval
	for poll := 1; ; poll++ {
		if poll > 1 || sleepFirst {
			d := delay
			if !deadline.IsZero() {
				left := deadline.Sub(clk.Now())
				if left <= 0 {
					return last, timeout()
				}
				d = min(d, left)
			}
			if err := clk.Sleep(ctx, d); err != nil {
				if serr := stopped(err); serr != nil {
					return last, serr
				}
				return last, err
			}
			delay = min(time.Duration(float64(delay)*1.5), cfg.maxInterval)
		}
		if err := stopped(nil); err != nil {
			return last, err
		}
		job, err := s.get(ctx, path, batchID)
		if err != nil {
			if serr := stopped(err); serr != nil {
				return last, serr
			}
			if errors.Is(err, ErrNotFound) && poll <= waitGracePolls {
				continue
			}
			return last, err
		}
		last = job
		if cfg.onProgress != nil {
			cfg.onProgress(job)
		}
		switch {
		case job.Succeeded():
			return job, nil
		case job.Failed():
			return job, &JobFailedError{Job: job}
		}
		if !deadline.IsZero() && !clk.Now().Before(deadline) {
			return last, timeout()
		}
	}
}
