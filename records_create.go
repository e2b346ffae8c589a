package imednet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// RecordRequest is one record to create or update with [RecordsService.Create], an item of
// the body of POST /studies/{studyKey}/records. Which identifiers are set decides what the
// server does (see [RecordRequest.Scenario]); the builders [RegisterSubject], [NewRecord],
// [UpdateScheduledRecord] and [UpdateRecord] set the right ones.
//
// Each group of identifiers holds alternatives: set one of them. Zero values are left out of
// the JSON.
type RecordRequest struct {
	FormKey      string `json:"formKey,omitempty"`      // the form (eCRF), by key ...
	FormID       int    `json:"formId,omitempty"`       // ... or by id
	SiteName     string `json:"siteName,omitempty"`     // the site, to register a subject ...
	SiteID       int    `json:"siteId,omitempty"`       // ... or by id
	SubjectKey   string `json:"subjectKey,omitempty"`   // the subject, by key (protocol id) ...
	SubjectID    int    `json:"subjectId,omitempty"`    // ... by id ...
	SubjectOID   string `json:"subjectOid,omitempty"`   // ... or by the client's OID
	IntervalName string `json:"intervalName,omitempty"` // the interval (visit) of a scheduled record ...
	IntervalID   int    `json:"intervalId,omitempty"`   // ... or by id
	RecordID     int    `json:"recordId,omitempty"`     // the record to update ...
	RecordOID    string `json:"recordOid,omitempty"`    // ... or by OID
	// Data maps variable names to values: strings for text, date ("2024-01-01"), radio,
	// dropdown and memo fields, numbers for number fields, booleans for checkboxes. It is sent
	// as "data" (never "recordData", which the server rejects) and is required.
	Data map[string]any `json:"data"`
}

// RegisterSubject returns the request that registers a new subject at a site by filling in the
// registration form formKey. It carries no subject key: the system assigns one (a subject key
// would make the server treat the request as an update).
func RegisterSubject(formKey, siteName string, data map[string]any) RecordRequest {
	return RecordRequest{FormKey: formKey, SiteName: siteName, Data: data}
}

// NewRecord returns the request that creates a new (unscheduled) record of form formKey for an
// existing subject.
func NewRecord(formKey, subjectKey string, data map[string]any) RecordRequest {
	return RecordRequest{FormKey: formKey, SubjectKey: subjectKey, Data: data}
}

// UpdateScheduledRecord returns the request that fills in or updates the record of form
// formKey that the subject's interval (visit) intervalName schedules.
func UpdateScheduledRecord(formKey, subjectKey, intervalName string, data map[string]any) RecordRequest {
	return RecordRequest{FormKey: formKey, SubjectKey: subjectKey, IntervalName: intervalName, Data: data}
}

// UpdateRecord returns the request that updates the existing record recordID of form formKey.
func UpdateRecord(formKey string, recordID int, data map[string]any) RecordRequest {
	return RecordRequest{FormKey: formKey, RecordID: recordID, Data: data}
}

// Scenario is what a [RecordRequest] asks the server to do, inferred from its identifiers.
type Scenario int

// The scenarios of POST /studies/{studyKey}/records.
const (
	ScenarioUnknown         Scenario = iota // no site, subject or record: the request has no target
	ScenarioRegister                        // a site without a subject: register a new subject
	ScenarioNewRecord                       // a subject without an interval: a new unscheduled record
	ScenarioScheduledRecord                 // a subject and an interval: the interval's scheduled record
	ScenarioUpdateRecord                    // a record id or OID: update that record
)

// String returns the scenario's name, such as "register subject", or "unknown".
func (s Scenario) String() string {
	switch s {
	case ScenarioRegister:
		return "register subject"
	case ScenarioNewRecord:
		return "new record"
	case ScenarioScheduledRecord:
		return "scheduled record"
	case ScenarioUpdateRecord:
		return "update record"
	}
	return "unknown"
}

func (r RecordRequest) hasSite() bool { return r.SiteName != "" || r.SiteID != 0 }
func (r RecordRequest) hasSubject() bool {
	return r.SubjectKey != "" || r.SubjectID != 0 || r.SubjectOID != ""
}
func (r RecordRequest) hasInterval() bool { return r.IntervalName != "" || r.IntervalID != 0 }
func (r RecordRequest) hasRecord() bool   { return r.RecordID != 0 || r.RecordOID != "" }

// Scenario infers what r asks for from the identifiers it carries, in this order: a record
// id or OID updates that record; a subject with an interval is a scheduled record; a subject
// alone is a new record; a site without a subject registers a subject. It does not check that
// r is consistent; see [RecordRequest.Check].
func (r RecordRequest) Scenario() Scenario {
	switch {
	case r.hasRecord():
		return ScenarioUpdateRecord
	case r.hasSubject() && r.hasInterval():
		return ScenarioScheduledRecord
	case r.hasSubject():
		return ScenarioNewRecord
	case r.hasSite():
		return ScenarioRegister
	}
	return ScenarioUnknown
}

// Check reports the structural problems of r that the server would reject or misread: it
// needs a form (formKey or formId), a data object, and the identifiers of exactly one
// scenario (a registration must not carry a subject, an update by record id no other target,
// an interval needs a subject). It returns nil or a [*RecordRequestError] listing every
// problem, each naming the field. It does not check the data against the form's variables;
// that is what a [Validator] is for.
func (r RecordRequest) Check() error {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	for _, f := range []struct {
		name, v string
	}{{"formKey", r.FormKey}, {"siteName", r.SiteName}, {"subjectKey", r.SubjectKey}, {"subjectOid", r.SubjectOID},
		{"intervalName", r.IntervalName}, {"recordOid", r.RecordOID}} {
		if f.v != "" && strings.TrimSpace(f.v) == "" {
			add("%s is blank", f.name)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"formId", r.FormID}, {"siteId", r.SiteID}, {"subjectId", r.SubjectID}, {"intervalId", r.IntervalID}, {"recordId", r.RecordID}} {
		if f.v < 0 {
			add("%s is negative (%d)", f.name, f.v)
		}
	}
	one := func(names string, set ...bool) {
		n := 0
		for _, b := range set {
			if b {
				n++
			}
		}
		if n > 1 {
			add("%s are alternatives: set only one", names)
		}
	}
	if r.FormKey == "" && r.FormID == 0 {
		add("formKey (or formId) is required")
	}
	one("formKey and formId", r.FormKey != "", r.FormID != 0)
	one("siteName and siteId", r.SiteName != "", r.SiteID != 0)
	one("subjectKey, subjectId and subjectOid", r.SubjectKey != "", r.SubjectID != 0, r.SubjectOID != "")
	one("intervalName and intervalId", r.IntervalName != "", r.IntervalID != 0)
	one("recordId and recordOid", r.RecordID != 0, r.RecordOID != "")

	switch {
	case r.hasRecord():
		if r.hasSite() || r.hasSubject() || r.hasInterval() {
			add("%s identifies the record to update: do not combine it with %s", r.recordField(), r.otherTargets())
		}
	case r.hasSubject() && r.hasSite():
		add("%s cannot be combined with %s: a registration (site) must not carry a subject, which would make the server treat it as an update, and a subject's record needs no site",
			r.siteField(), r.subjectField())
	case r.hasInterval() && !r.hasSubject():
		add("%s needs a subject (subjectKey, subjectId or subjectOid)", r.intervalField())
	case !r.hasSubject() && !r.hasSite():
		add("no target: set siteName or siteId to register a subject, subjectKey, subjectId or subjectOid for a subject's record, or recordId or recordOid to update a record")
	}

	if r.Data == nil {
		add("data is required (an object of variable name to value)")
	} else {
		for k := range r.Data {
			if strings.TrimSpace(k) == "" {
				add("data has a blank variable name")
				break
			}
		}
		if _, err := json.Marshal(r.Data); err != nil {
			add("data cannot be encoded as JSON: %v", err)
		}
	}
	if len(p) == 0 {
		return nil
	}
	return &RecordRequestError{Index: -1, Problems: p}
}

func (r RecordRequest) siteField() string {
	if r.SiteName != "" {
		return "siteName"
	}
	return "siteId"
}

func (r RecordRequest) subjectField() string {
	switch {
	case r.SubjectKey != "":
		return "subjectKey"
	case r.SubjectID != 0:
		return "subjectId"
	}
	return "subjectOid"
}

func (r RecordRequest) intervalField() string {
	if r.IntervalName != "" {
		return "intervalName"
	}
	return "intervalId"
}

func (r RecordRequest) recordField() string {
	if r.RecordID != 0 {
		return "recordId"
	}
	return "recordOid"
}

// otherTargets names the site, subject and interval fields that are set.
func (r RecordRequest) otherTargets() string {
	var names []string
	if r.hasSite() {
		names = append(names, r.siteField())
	}
	if r.hasSubject() {
		names = append(names, r.subjectField())
	}
	if r.hasInterval() {
		names = append(names, r.intervalField())
	}
	return strings.Join(names, " or ")
}

// RecordRequestError lists what is wrong with one [RecordRequest].
type RecordRequestError struct {
	Index    int      // the request's position in the slice given to Create; -1 from Check
	Problems []string // one message per problem, each naming the field
}

// Error names the request and what is wrong with it.
func (e *RecordRequestError) Error() string {
	if e.Index < 0 {
		return "imednet: record request: " + strings.Join(e.Problems, "; ")
	}
	return fmt.Sprintf("imednet: record request %d: %s", e.Index, strings.Join(e.Problems, "; "))
}

// Is reports whether target is [ErrValidation], which every RecordRequestError matches.
func (e *RecordRequestError) Is(target error) bool { return target == ErrValidation }

// Validator checks record requests before [RecordsService.Create] sends any, for example
// against the study's forms and variables. It gets every request at once and must not
// modify them; a non-nil error stops the submission.
type Validator interface {
	Validate(reqs []RecordRequest) error
}

// CreateValidationError reports record requests that [RecordsService.Create] refused before
// sending anything: those that failed [RecordRequest.Check], and the [Validator]'s verdict.
// errors.As finds each [*RecordRequestError] and the validator's error through it.
type CreateValidationError struct {
	Total     int                   // how many requests were given
	Invalid   []*RecordRequestError // the requests that failed Check, in order
	Validator error                 // what the Validator returned, if it failed
}

// maxListed bounds how many invalid requests CreateValidationError.Error names.
const maxListed = 10

// Error summarises the problems found, on one line.
func (e *CreateValidationError) Error() string {
	var b strings.Builder
	b.WriteString("imednet: records not submitted, nothing was sent: ")
	if len(e.Invalid) > 0 {
		fmt.Fprintf(&b, "%d of %d requests are invalid: ", len(e.Invalid), e.Total)
		for i, r := range e.Invalid[:min(len(e.Invalid), maxListed)] {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "request %d: %s", r.Index, strings.Join(r.Problems, ", "))
		}
		if n := len(e.Invalid) - maxListed; n > 0 {
			fmt.Fprintf(&b, "; and %d more", n)
		}
	}
	if e.Validator != nil {
		if len(e.Invalid) > 0 {
			b.WriteString("; ")
		}
		b.WriteString("validator: " + e.Validator.Error())
	}
	return b.String()
}

// Is reports whether target is [ErrValidation], which every CreateValidationError matches,
// whatever the validator returned.
func (e *CreateValidationError) Is(target error) bool { return target == ErrValidation }

// Unwrap returns the per-request errors and the validator's error.
func (e *CreateValidationError) Unwrap() []error {
	errs := make([]error, 0, len(e.Invalid)+1)
	for _, r := range e.Invalid {
		errs = append(errs, r)
	}
	if e.Validator != nil {
		errs = append(errs, e.Validator)
	}
	return errs
}

// Chunk sizes of [CreateOptions].
const (
	DefaultChunkSize = 500
	MaxChunkSize     = 5000
)

// CreateOptions control [RecordsService.Create]. A nil *CreateOptions means the defaults.
type CreateOptions struct {
	// EmailNotify is an address the server emails when each job finishes (the x-email-notify
	// header); empty for none.
	EmailNotify string
	// ChunkSize is how many requests each POST carries, 1 to MaxChunkSize; 0 means
	// DefaultChunkSize (500).
	ChunkSize int
	// Validator, when set, checks all requests before anything is sent, once each of them has
	// passed [RecordRequest.Check] (see package dictionary).
	Validator Validator
}

type createConfig struct {
	header    http.Header
	chunk     int
	validator Validator
}

func (o *CreateOptions) config() (createConfig, error) {
	cfg := createConfig{chunk: DefaultChunkSize}
	if o == nil {
		return cfg, nil
	}
	switch {
	case o.ChunkSize < 0 || o.ChunkSize > MaxChunkSize:
		return cfg, fmt.Errorf("imednet: CreateOptions: ChunkSize %d is outside 1..%d", o.ChunkSize, MaxChunkSize)
	case o.ChunkSize > 0:
		cfg.chunk = o.ChunkSize
	}
	if strings.ContainsAny(o.EmailNotify, "\r\n") {
		return cfg, errors.New("imednet: CreateOptions: EmailNotify contains a line break")
	}
	if strings.ContainsFunc(o.EmailNotify, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
		return cfg, errors.New("imednet: CreateOptions: EmailNotify contains a control character")
	}
	if email := strings.TrimSpace(o.EmailNotify); email != "" {
		if !strings.Contains(email, "@") {
			return cfg, fmt.Errorf("imednet: CreateOptions: EmailNotify %q is not an email address", email)
		}
		cfg.header = http.Header{"X-Email-Notify": {email}}
	}
	cfg.validator = o.Validator
	return cfg, nil
}

// SubmitError reports that chunk Chunk of a [RecordsService.Create] call failed. The chunks
// before it were accepted (their jobs are in Accepted, and are also returned by Create); the
// chunks after it were not sent. Whether the failed chunk was applied depends on the failure:
// MaybeApplied is false when the server refused it (a 4xx answer) or it was never sent, and
// true when no clear answer came (a 5xx, a network error, a malformed answer), in which case
// resubmitting its requests could apply them twice. It unwraps to the cause.
type SubmitError struct {
	Chunk        int // the failed chunk, 1 for the first
	Chunks       int // how many chunks the call had
	First, Last  int // the failed chunk's requests: indices into the slice given to Create, inclusive
	Total        int // how many requests were given
	Accepted     []*Job
	MaybeApplied bool
	Err          error
}

// Error names the chunk that failed and its cause, what was accepted before it, whether it
// may have been applied, and what was never sent.
func (e *SubmitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "imednet: submitting records: chunk %d of %d (requests %d..%d) failed: %v", e.Chunk, e.Chunks, e.First, e.Last, e.Err)
	if e.First > 0 {
		fmt.Fprintf(&b, "; requests 0..%d were accepted (%d jobs)", e.First-1, len(e.Accepted))
	}
	if e.MaybeApplied {
		fmt.Fprintf(&b, "; requests %d..%d may have been applied: check before resubmitting them", e.First, e.Last)
	} else {
		fmt.Fprintf(&b, "; requests %d..%d were not applied", e.First, e.Last)
	}
	if e.Last+1 < e.Total {
		fmt.Fprintf(&b, "; requests %d..%d were not sent", e.Last+1, e.Total-1)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *SubmitError) Unwrap() error { return e.Err }

// refused reports whether err says that the server did not act on the request: an error
// status 4xx other than 408.
func refused(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 &&
		apiErr.StatusCode != http.StatusRequestTimeout
}

// only429 retries a submission only when the server refused it with 429 Too Many Requests:
// after any other failure the records may already be created, and sending them again would
// create them twice.
var only429 = RetryPolicyFunc(func(s RetryState) bool { return s.StatusCode == http.StatusTooManyRequests })

const recordsPattern = "/studies/{studyKey}/records"

// Create submits record requests: POST /studies/{studyKey}/records, in chunks of
// opts.ChunkSize requests sent one after the other, in order. The server answers each chunk
// with a job that processes it asynchronously; Create returns the jobs, one per chunk, without
// waiting for them (see [JobsService.Wait] and [RecordsService.CreateAndWait]). An empty
// study uses the one attached to ctx with [WithStudy].
//
// Before sending anything, it checks every request ([RecordRequest.Check]) and gives them all
// to opts.Validator; any problem returns a [*CreateValidationError] listing all of them, with
// nothing sent.
//
// A chunk is retried only after a 429 answer, whatever the client's retry policy, so that no
// submission is applied twice. If a chunk fails, Create stops and returns the jobs of the
// chunks already accepted with a [*SubmitError] that tells which requests were not sent and
// whether the failed ones may have been applied.
func (s *RecordsService) Create(ctx context.Context, study string, reqs []RecordRequest, opts *CreateOptions) ([]*Job, error) {
	key, err := ResolveStudy(ctx, study)
	if err != nil {
		return nil, err
	}
	cfg, err := opts.config()
	if err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	if err := checkRecords(reqs, cfg.validator); err != nil {
		return nil, err
	}
	path := "/studies/" + PathEscape(key) + "/records"
	chunks := (len(reqs) + cfg.chunk - 1) / cfg.chunk
	jobs := make([]*Job, 0, chunks)
	for k := range chunks {
		first, last := k*cfg.chunk, min((k+1)*cfg.chunk, len(reqs))-1
		var err error
		var job *Job
		sent := false
		if err = ctx.Err(); err == nil {
			sent = true
			job, err = s.submit(ctx, path, cfg.header, reqs[first:last+1])
		}
		if err != nil {
			return jobs, &SubmitError{Chunk: k + 1, Chunks: chunks, First: first, Last: last, Total: len(reqs),
				Accepted: append([]*Job(nil), jobs...), MaybeApplied: sent && !refused(err), Err: err}
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

// checkRecords runs Check on every request and then the validator, and reports all problems.
func checkRecords(reqs []RecordRequest, v Validator) error {
	verr := &CreateValidationError{Total: len(reqs)}
	for i, r := range reqs {
		if err := r.Check(); err != nil {
			var re *RecordRequestError
			if errors.As(err, &re) {
				verr.Invalid = append(verr.Invalid, &RecordRequestError{Index: i, Problems: re.Problems})
			} else {
				verr.Invalid = append(verr.Invalid, &RecordRequestError{Index: i, Problems: []string{err.Error()}})
			}
		}
	}
	// A validator sees the requests only once they are well-formed: validators such as the
	// data dictionary run Check themselves, and would report the same problems twice.
	if v != nil && len(verr.Invalid) == 0 {
		verr.Validator = v.Validate(reqs)
	}
	if len(verr.Invalid) == 0 && verr.Validator == nil {
		return nil
	}
	return verr
}

// submit posts one chunk and reads the job of its 202 answer.
func (s *RecordsService) submit(ctx context.Context, path string, header http.Header, chunk []RecordRequest) (*Job, error) {
	var job Job
	_, err := s.client.Do(ctx, &Request{Method: http.MethodPost, Path: path, Pattern: recordsPattern,
		Header: header, Body: chunk, RetryPolicy: only429}, &job)
	if err != nil {
		return nil, err
	}
	// A job already finished may come without a batch id; any other job needs one to be
	// followed.
	if strings.TrimSpace(job.BatchID) == "" && !job.Terminal() {
		return nil, fmt.Errorf("imednet: POST %s%s: the answer has no batchId and the job is not finished (state %q), so it cannot be followed",
			APIPrefix, path, job.State)
	}
	return &job, nil
}

// CreateAndWait submits record requests as [RecordsService.Create] does, then waits for every
// job as [JobsService.Wait] does, and returns the jobs in their final state. wait.Timeout
// bounds the wait for all jobs together.
//
// A submission error is returned at once, with the jobs already accepted (see
// [*SubmitError]). Otherwise the error, if any, joins one error per job that did not succeed:
// a [*JobFailedError] for a failed job, a [*JobTimeoutError] for one still running at the
// timeout, or the error that ended its wait; each names the job's batch id.
func (s *RecordsService) CreateAndWait(ctx context.Context, study string, reqs []RecordRequest, opts *CreateOptions, wait *WaitOptions) ([]*Job, error) {
	wcfg, err := wait.config()
	if err != nil {
		return nil, err
	}
	key, err := ResolveStudy(ctx, study)
	if err != nil {
		return nil, err
	}
	jobs, err := s.Create(ctx, key, reqs, opts)
	if err != nil {
		return jobs, err
	}
	ctx, start, deadline, cancel := s.client.startWait(ctx, wcfg.timeout)
	defer cancel()
	out := append([]*Job(nil), jobs...)
	var errs []error
	polled := false
	for i, job := range jobs {
		if job.Terminal() {
			if job.Failed() {
				errs = append(errs, &JobFailedError{Job: job})
			}
			continue
		}
		if ctx.Err() == context.Canceled {
			var pending []string
			for _, j := range jobs[i:] {
				if !j.Terminal() {
					pending = append(pending, j.BatchID)
				}
			}
			errs = append(errs, fmt.Errorf("imednet: stopped waiting for jobs %s: %w", strings.Join(pending, ", "), ctx.Err()))
			break
		}
		path, err := jobPath(ctx, key, job.BatchID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		final, err := s.client.Jobs.wait(ctx, path, job.BatchID, wcfg, start, deadline, !polled)
		polled = true
		if final != nil {
			out[i] = final
		}
		if err != nil {
			var failed *JobFailedError
			var timedOut *JobTimeoutError
			if !errors.As(err, &failed) && !errors.As(err, &timedOut) && !errors.Is(err, context.Canceled) {
				err = fmt.Errorf("imednet: job %s: %w", job.BatchID, err)
			}
			if timedOut != nil && timedOut.Job == nil {
				timedOut.Job = job
			}
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}
