package imednet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// acceptRecords answers every POST with 202 and a job whose batch id counts the chunks
// (b-1, b-2, ...); GETs of a job answer completed.
func acceptRecords() func(*http.Request) (int, string) {
	var mu sync.Mutex
	n := 0
	return func(r *http.Request) (int, string) {
		if r.Method != http.MethodPost {
			return 200, `{"batchId":"x","state":"completed"}`
		}
		mu.Lock()
		n++
		id := n
		mu.Unlock()
		return http.StatusAccepted, fmt.Sprintf(`{"jobId":"j-%d","batchId":"b-%d","state":"created"}`, id, id)
	}
}

// sameJSON reports whether two JSON documents hold the same value.
func sameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func TestCreateBodyMatchesSpecExamples(t *testing.T) {
	data := map[string]any{"textField": "Text value"}
	cases := []struct {
		fixture  string
		req      RecordRequest
		scenario Scenario
	}{
		{"ExampleRegisterSubjectRequest", RegisterSubject("REG", "Minneapolis", data), ScenarioRegister},
		{"ExampleUpdateScheduledRecordRequest", UpdateScheduledRecord("REG", "651-042", "Registration", data), ScenarioScheduledRecord},
		{"ExampleCreateNewRecordRequest", NewRecord("REG", "123-876", data), ScenarioNewRecord},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			c, api := newFakeAPI(t, func(*http.Request) (int, string) {
				return http.StatusAccepted, fixture(t, "ExamplePostRecordResponse")
			})
			if got := tc.req.Scenario(); got != tc.scenario {
				t.Errorf("scenario %s, want %s", got, tc.scenario)
			}
			jobs, err := c.Records.Create(t.Context(), "PHARMADEMO", []RecordRequest{tc.req}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := api.only(t)
			if r.Method != "POST" || r.Path != "/api/v1/edc/studies/PHARMADEMO/records" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s %q", r.Method, r.Path, r.Header.Get("Content-Type"))
			}
			if !sameJSON(t, r.Body, fixture(t, tc.fixture)) {
				t.Errorf("body %s\nwant %s", r.Body, fixture(t, tc.fixture))
			}
			if strings.Contains(r.Body, "recordData") || r.Header.Get("X-Email-Notify") != "" {
				t.Errorf("body %s header %v", r.Body, r.Header)
			}
			if len(jobs) != 1 || jobs[0].BatchID != "c3q191e4-f894-72cd-a753-b37283eh0866" || jobs[0].JobID != "9663fe34-eec7-460a-a820-097f1eb2875e" ||
				jobs[0].State != "created" || jobs[0].Status != JobInProgress {
				t.Errorf("jobs %+v", jobs)
			}
		})
	}

	// UpdateRecord, and identifiers given by id: zero values are left out, data always sent.
	got, _ := json.Marshal([]RecordRequest{UpdateRecord("AE", 42, map[string]any{"n": 1.5, "c": true}),
		{FormID: 7, SubjectID: 3, IntervalID: 9, Data: map[string]any{}}})
	if !sameJSON(t, string(got), `[{"formKey":"AE","recordId":42,"data":{"n":1.5,"c":true}},{"formId":7,"subjectId":3,"intervalId":9,"data":{}}]`) {
		t.Errorf("encoded %s", got)
	}
}

func TestScenarioInference(t *testing.T) {
	d := map[string]any{"x": "1"}
	cases := []struct {
		req  RecordRequest
		want Scenario
		name string
	}{
		{RegisterSubject("REG", "Site A", d), ScenarioRegister, "register subject"},
		{RecordRequest{FormKey: "REG", SiteID: 4, Data: d}, ScenarioRegister, "register subject"},
		{NewRecord("AE", "01-001", d), ScenarioNewRecord, "new record"},
		{RecordRequest{FormID: 1, SubjectOID: "OID-1", Data: d}, ScenarioNewRecord, "new record"},
		{RecordRequest{FormID: 1, SubjectID: 326, Data: d}, ScenarioNewRecord, "new record"},
		{UpdateScheduledRecord("VS", "01-001", "Week 1", d), ScenarioScheduledRecord, "scheduled record"},
		{RecordRequest{FormKey: "VS", SubjectID: 2, IntervalID: 5, Data: d}, ScenarioScheduledRecord, "scheduled record"},
		{UpdateRecord("AE", 42, d), ScenarioUpdateRecord, "update record"},
		{RecordRequest{FormKey: "AE", RecordOID: "R-1", SubjectKey: "01-001", Data: d}, ScenarioUpdateRecord, "update record"},
		{RecordRequest{FormKey: "AE", Data: d}, ScenarioUnknown, "unknown"},
		{RecordRequest{FormKey: "AE", IntervalName: "Week 1", Data: d}, ScenarioUnknown, "unknown"},
	}
	for _, tc := range cases {
		if got := tc.req.Scenario(); got != tc.want || got.String() != tc.name {
			t.Errorf("%+v: scenario %d %q, want %q", tc.req, got, got, tc.name)
		}
	}
	if r := RegisterSubject("REG", "Site A", d); r.SubjectKey != "" || r.SubjectID != 0 || r.SubjectOID != "" {
		t.Errorf("registration carries a subject: %+v", r)
	}
}

func TestRecordRequestCheck(t *testing.T) {
	d := map[string]any{"x": "1"}
	for _, ok := range []RecordRequest{
		RegisterSubject("REG", "Site A", d), NewRecord("AE", "01-001", d), UpdateScheduledRecord("VS", "01-001", "Week 1", d),
		UpdateRecord("AE", 42, d), {FormID: 3, SiteID: 1, Data: map[string]any{}}, {FormKey: "AE", RecordOID: "R-1", Data: d},
	} {
		if err := ok.Check(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	bad := []struct {
		req  RecordRequest
		want []string // substrings of the message
	}{
		{RecordRequest{SiteName: "S", Data: d}, []string{"formKey (or formId) is required"}},
		{RecordRequest{FormKey: "F", FormID: 2, SiteName: "S", Data: d}, []string{"formKey and formId are alternatives"}},
		{RecordRequest{FormKey: "F", SiteName: "S"}, []string{"data is required"}},
		{RecordRequest{FormKey: "F", SiteName: "S", SubjectKey: "01-001", Data: d}, []string{"siteName cannot be combined with subjectKey", "registration"}},
		{RecordRequest{FormKey: "F", SiteID: 1, SubjectOID: "O", Data: d}, []string{"siteId cannot be combined with subjectOid"}},
		{RecordRequest{FormKey: "F", SiteName: "S", IntervalName: "W1", Data: d}, []string{"intervalName needs a subject"}},
		{RecordRequest{FormKey: "F", RecordID: 4, SubjectKey: "01", IntervalID: 2, Data: d}, []string{"recordId identifies the record to update", "subjectKey or intervalId"}},
		{RecordRequest{FormKey: "F", Data: d}, []string{"no target"}},
		{RecordRequest{FormKey: "  ", SiteName: "S", Data: d}, []string{"formKey is blank"}},
		{RecordRequest{FormKey: "F", SubjectKey: "A", SubjectID: 2, Data: d}, []string{"subjectKey, subjectId and subjectOid are alternatives"}},
		{RecordRequest{FormKey: "F", RecordID: -1, Data: d}, []string{"recordId is negative"}},
		{RecordRequest{FormKey: "F", SiteName: "S", Data: map[string]any{" ": 1}}, []string{"data has a blank variable name"}},
		{RecordRequest{FormKey: "F", SiteName: "S", Data: map[string]any{"n": math.Inf(1)}}, []string{"data cannot be encoded as JSON"}},
		// Every problem is reported, not only the first.
		{RecordRequest{SubjectKey: "A", IntervalName: "I", SiteName: "S"}, []string{"formKey (or formId) is required", "siteName cannot be combined", "data is required"}},
	}
	for _, tc := range bad {
		err := tc.req.Check()
		var re *RecordRequestError
		if !errors.As(err, &re) {
			t.Errorf("%+v: got %v", tc.req, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: %q lacks %q", tc.req, err, w)
			}
		}
	}
}

func TestCreateEmailNotify(t *testing.T) {
	c, api := newFakeAPI(t, acceptRecords())
	reqs := []RecordRequest{NewRecord("AE", "01-001", map[string]any{"x": "1"})}
	if _, err := c.Records.Create(t.Context(), "S", reqs, &CreateOptions{EmailNotify: " dm@example.com "}); err != nil {
		t.Fatal(err)
	}
	if got := api.only(t).Header.Values("X-Email-Notify"); len(got) != 1 || got[0] != "dm@example.com" {
		t.Errorf("x-email-notify %q", got)
	}
	c, api = newFakeAPI(t, acceptRecords())
	for _, bad := range []string{"dm@example.com\r\nX-Evil: 1", "dm@example.com\n", "a\rb@c", "true", "dm.example.com", "dm@exa\x00mple.com"} {
		if _, err := c.Records.Create(t.Context(), "S", reqs, &CreateOptions{EmailNotify: bad}); err == nil || !strings.Contains(err.Error(), "EmailNotify") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent with a bad header", n)
	}
}

// numbered returns n valid requests whose data carries their index.
func numbered(n int) []RecordRequest {
	reqs := make([]RecordRequest, n)
	for i := range reqs {
		reqs[i] = NewRecord("AE", fmt.Sprintf("S-%04d", i), map[string]any{"i": i})
	}
	return reqs
}

// indices decodes a submitted chunk and returns the "i" of each item.
func indices(t *testing.T, body string) []int {
	t.Helper()
	var items []struct {
		SubjectKey string
		Data       struct{ I int }
	}
	if err := json.Unmarshal([]byte(body), &items); err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(items))
	for k, it := range items {
		out[k] = it.Data.I
	}
	return out
}

func TestCreateChunksInOrder(t *testing.T) {
	c, api := newFakeAPI(t, acceptRecords())
	jobs, err := c.Records.Create(WithStudy(t.Context(), "CTX"), "", numbered(1201), &CreateOptions{ChunkSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 3 || len(jobs) != 3 {
		t.Fatalf("%d POSTs, %d jobs", len(reqs), len(jobs))
	}
	next := 0
	for k, r := range reqs {
		if r.Path != "/api/v1/edc/studies/CTX/records" {
			t.Errorf("path %s", r.Path)
		}
		got := indices(t, r.Body)
		if want := []int{500, 500, 201}[k]; len(got) != want {
			t.Errorf("chunk %d has %d items, want %d", k+1, len(got), want)
		}
		for _, i := range got {
			if i != next {
				t.Fatalf("chunk %d: item %d where %d was expected", k+1, i, next)
			}
			next++
		}
		if jobs[k].BatchID != fmt.Sprintf("b-%d", k+1) {
			t.Errorf("job %d: %+v", k, jobs[k])
		}
	}

	// The default chunk size is 500.
	c, api = newFakeAPI(t, acceptRecords())
	if jobs, err := c.Records.Create(t.Context(), "S", numbered(501), nil); err != nil || len(jobs) != 2 {
		t.Fatalf("jobs %v err %v", jobs, err)
	}
	if reqs := api.requests(); len(indices(t, reqs[0].Body)) != 500 || len(indices(t, reqs[1].Body)) != 1 {
		t.Error("default chunks")
	}

	// Chunk sizes out of range, no requests, no study.
	c, api = newFakeAPI(t, acceptRecords())
	for _, size := range []int{-1, 5001} {
		if _, err := c.Records.Create(t.Context(), "S", numbered(2), &CreateOptions{ChunkSize: size}); err == nil {
			t.Errorf("chunk size %d accepted", size)
		}
	}
	if jobs, err := c.Records.Create(t.Context(), "S", nil, nil); err != nil || jobs != nil {
		t.Errorf("no requests: %v %v", jobs, err)
	}
	if _, err := c.Records.Create(t.Context(), "", numbered(1), nil); !errors.Is(err, ErrNoStudy) {
		t.Errorf("no study: %v", err)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
	if _, err := c.Records.Create(t.Context(), "S", numbered(5000), &CreateOptions{ChunkSize: 5000}); err != nil || len(api.requests()) != 1 {
		t.Errorf("chunk of 5000: %v", err)
	}
}

// recordingValidator records its calls and returns err.
type recordingValidator struct {
	calls [][]RecordRequest
	err   error
}

func (v *recordingValidator) Validate(reqs []RecordRequest) error {
	v.calls = append(v.calls, reqs)
	return v.err
}

func TestCreateValidationStopsEverything(t *testing.T) {
	c, api := newFakeAPI(t, acceptRecords())
	reqs := numbered(1200)
	reqs[3].SiteName = "Site A" // a subject's record with a site
	reqs[1100].Data = nil       // no data, in a later chunk
	reqs[1100].FormKey = ""     // and no form
	errUnknownVar := errors.New("variable zz is not on form AE")
	v := &recordingValidator{err: errUnknownVar}
	jobs, err := c.Records.Create(t.Context(), "S", reqs, &CreateOptions{Validator: v, ChunkSize: 500})
	var ve *CreateValidationError
	if !errors.As(err, &ve) || jobs != nil {
		t.Fatalf("jobs %v err %v", jobs, err)
	}
	if len(ve.Invalid) != 2 || ve.Invalid[0].Index != 3 || ve.Invalid[1].Index != 1100 || len(ve.Invalid[1].Problems) != 2 || ve.Total != 1200 {
		t.Errorf("invalid %+v", ve.Invalid)
	}
	for _, w := range []string{"nothing was sent", "2 of 1200", "request 3: siteName", "request 1100: formKey", "data is required"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q lacks %q", err, w)
		}
	}
	var re *RecordRequestError
	if !errors.As(err, &re) || re.Index != 3 {
		t.Errorf("errors.As RecordRequestError: %+v", re)
	}
	// Malformed requests are not handed to the validator (it would report them again).
	if len(v.calls) != 0 {
		t.Errorf("validator called %d times on malformed requests", len(v.calls))
	}

	// Well-formed requests go to the validator, once, all together.
	reqs = numbered(1200)
	_, err = c.Records.Create(t.Context(), "S", reqs, &CreateOptions{Validator: v, ChunkSize: 500})
	if !errors.As(err, &ve) || !errors.Is(err, errUnknownVar) || ve.Validator != errUnknownVar || !strings.Contains(err.Error(), "variable zz") {
		t.Errorf("validator error lost: %v", err)
	}
	if len(v.calls) != 1 || len(v.calls[0]) != 1200 {
		t.Errorf("validator called %d times", len(v.calls))
	}
	if n := len(api.requests()); n != 0 {
		t.Fatalf("%d requests reached the server", n)
	}

	// The validator alone can stop the submission; when it passes, everything is sent.
	v = &recordingValidator{err: errUnknownVar}
	if _, err := c.Records.Create(t.Context(), "S", numbered(3), &CreateOptions{Validator: v}); !errors.Is(err, errUnknownVar) || len(api.requests()) != 0 {
		t.Errorf("validator verdict ignored: %v", err)
	}
	v = &recordingValidator{}
	if _, err := c.Records.Create(t.Context(), "S", numbered(3), &CreateOptions{Validator: v}); err != nil || len(v.calls) != 1 || len(v.calls[0]) != 3 || len(api.requests()) != 1 {
		t.Errorf("err %v calls %d requests %d", err, len(v.calls), len(api.requests()))
	}
}

// retryAll is a client policy that would retry anything, to show that submissions override it.
var retryAll = WithRetryPolicy(RetryPolicyFunc(func(RetryState) bool { return true }))

func TestCreateNeverRetriesAfterServerError(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		mu.Lock()
		posts++
		n := posts
		mu.Unlock()
		if n == 2 {
			return http.StatusInternalServerError, `{"metadata":{"status":"ERROR","error":{"message":"boom"}}}`
		}
		return http.StatusAccepted, fmt.Sprintf(`{"jobId":"j-%d","batchId":"b-%d","state":"created"}`, n, n)
	}, retryAll, WithMaxRetries(5))
	jobs, err := c.Records.Create(t.Context(), "S", numbered(1201), &CreateOptions{ChunkSize: 500})
	if n := len(api.requests()); n != 2 {
		t.Fatalf("%d POSTs, want 2 (no retry of chunk 2, chunk 3 not sent)", n)
	}
	var se *SubmitError
	if !errors.As(err, &se) || !errors.Is(err, ErrServer) {
		t.Fatalf("err %v", err)
	}
	if se.Chunk != 2 || se.Chunks != 3 || se.First != 500 || se.Last != 999 || se.Total != 1201 || !se.MaybeApplied {
		t.Errorf("submit error %+v", se)
	}
	if len(se.Accepted) != 1 || se.Accepted[0].BatchID != "b-1" || len(jobs) != 1 || jobs[0].BatchID != "b-1" {
		t.Errorf("accepted %v jobs %v", se.Accepted, jobs)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Attempts != 1 {
		t.Errorf("attempts: %+v", apiErr)
	}
	for _, w := range []string{"chunk 2 of 3", "requests 500..999", "may have been applied", "requests 0..499 were accepted", "requests 1000..1200 were not sent"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q lacks %q", err, w)
		}
	}
	if got := indices(t, api.requests()[1].Body); len(got) != 500 || got[0] != 500 {
		t.Errorf("second POST carried %d items from %d", len(got), got[0])
	}

	// A dropped connection is not retried either.
	c, api = newFakeAPI(t, func(*http.Request) (int, string) { panic(http.ErrAbortHandler) }, retryAll, WithMaxRetries(5))
	jobs, err = c.Records.Create(t.Context(), "S", numbered(10), nil)
	if !errors.As(err, &se) || !se.MaybeApplied || se.Chunk != 1 || len(jobs) != 0 || len(api.requests()) != 1 {
		t.Errorf("jobs %v err %v requests %d", jobs, err, len(api.requests()))
	}
	var reqErr *RequestError
	if !errors.As(err, &reqErr) || reqErr.Attempts != 1 {
		t.Errorf("request error %+v", reqErr)
	}

	// A refusal (4xx) says the requests were not applied.
	c, _ = newFakeAPI(t, func(*http.Request) (int, string) {
		return http.StatusBadRequest, `{"metadata":{"status":"BAD_REQUEST","error":{"code":"1000","description":"bad form"}}}`
	}, retryAll)
	_, err = c.Records.Create(t.Context(), "S", numbered(3), nil)
	if !errors.As(err, &se) || se.MaybeApplied || !errors.Is(err, ErrBadRequest) || !strings.Contains(err.Error(), "requests 0..2 were not applied") ||
		strings.Contains(err.Error(), "not sent") {
		t.Errorf("err %v", err)
	}

	// A cancelled context sends nothing.
	c, api = newFakeAPI(t, acceptRecords())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Records.Create(ctx, "S", numbered(3), nil); !errors.Is(err, context.Canceled) || len(api.requests()) != 0 {
		t.Errorf("err %v", err)
	} else if errors.As(err, &se) && se.MaybeApplied {
		t.Errorf("unsent chunk reported as maybe applied: %v", err)
	}
}

func TestCreateRetriesOn429(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	c, api := newFakeAPI(t, func(*http.Request) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		posts++
		if posts == 1 {
			return http.StatusTooManyRequests, `{}`
		}
		return http.StatusAccepted, `{"jobId":"j","batchId":"b","state":"created"}`
	}, WithRetryPolicy(RetryPolicyFunc(func(RetryState) bool { return false })))
	jobs, err := c.Records.Create(t.Context(), "S", numbered(3), nil)
	if err != nil || len(jobs) != 1 || jobs[0].BatchID != "b" {
		t.Fatalf("jobs %v err %v", jobs, err)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[0].Body != reqs[1].Body {
		t.Errorf("%d requests", len(reqs))
	}
}

func TestCreateAcceptsFinishedJobWithoutBatchID(t *testing.T) {
	c, _ := newFakeAPI(t, func(*http.Request) (int, string) { return http.StatusAccepted, `{"jobId":"j-1","state":"COMPLETED"}` })
	jobs, err := c.Records.Create(t.Context(), "S", numbered(2), nil)
	if err != nil || len(jobs) != 1 || jobs[0].BatchID != "" || !jobs[0].Succeeded() {
		t.Fatalf("jobs %v err %v", jobs, err)
	}
	// Without a batch id a running job cannot be followed: that is a submission error.
	c, _ = newFakeAPI(t, func(*http.Request) (int, string) { return http.StatusAccepted, `{"jobId":"j-1","state":"created"}` })
	_, err = c.Records.Create(t.Context(), "S", numbered(2), nil)
	var se *SubmitError
	if !errors.As(err, &se) || !se.MaybeApplied || !strings.Contains(err.Error(), "no batchId") {
		t.Errorf("err %v", err)
	}
}

func TestCreateAndWait(t *testing.T) {
	clk := &fakeClock{}
	var mu sync.Mutex
	posts := 0
	polls := map[string]int{}
	c, api := newFakeAPI(t, func(r *http.Request) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost {
			posts++
			if posts == 3 {
				return http.StatusAccepted, `{"jobId":"j-3","state":"success"}` // done at once, no batch id
			}
			return http.StatusAccepted, fmt.Sprintf(`{"jobId":"j-%d","batchId":"b-%d","state":"created"}`, posts, posts)
		}
		batch := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		polls[batch]++
		state := "running"
		if polls[batch] >= 2 {
			state = map[string]string{"b-1": "completed", "b-2": "failed"}[batch]
		}
		return 200, fmt.Sprintf(`{"jobId":"j","batchId":%q,"state":%q}`, batch, state)
	}, WithClock(clk))
	var progress []string
	jobs, err := c.Records.CreateAndWait(t.Context(), "S", numbered(5), &CreateOptions{ChunkSize: 2},
		&WaitOptions{OnProgress: func(j *Job) { progress = append(progress, j.BatchID+":"+j.State) }})
	var fe *JobFailedError
	if !errors.As(err, &fe) || fe.Job.BatchID != "b-2" || !strings.Contains(err.Error(), "b-2") || strings.Contains(err.Error(), "b-1") {
		t.Fatalf("err %v", err)
	}
	if len(jobs) != 3 || jobs[0].State != "completed" || jobs[1].State != "failed" || jobs[2].State != "success" {
		t.Fatalf("jobs %+v", jobs)
	}
	if want := []string{"b-1:running", "b-1:completed", "b-2:running", "b-2:failed"}; !reflect.DeepEqual(progress, want) {
		t.Errorf("progress %v", progress)
	}
	if n := len(api.requests()); n != 3+4 {
		t.Errorf("%d requests, want 3 POSTs and 4 polls", n)
	}

	// Bad wait options are refused before anything is submitted.
	c, api = newFakeAPI(t, acceptRecords())
	if _, err := c.Records.CreateAndWait(t.Context(), "S", numbered(1), nil, &WaitOptions{Timeout: -1}); err == nil || len(api.requests()) != 0 {
		t.Errorf("err %v, %d requests", err, len(api.requests()))
	}
}

func TestCreateAndWaitTimeoutNamesEveryPendingBatch(t *testing.T) {
	clk := newAdvancingClock()
	var mu sync.Mutex
	n := 0
	c, _ := newFakeAPI(t, func(r *http.Request) (int, string) {
		if r.Method == http.MethodPost {
			mu.Lock()
			n++
			id := n
			mu.Unlock()
			return http.StatusAccepted, fmt.Sprintf(`{"batchId":"b-%d","state":"created"}`, id)
		}
		batch := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		return 200, fmt.Sprintf(`{"batchId":%q,"state":"running"}`, batch)
	}, WithClock(clk))
	jobs, err := c.Records.CreateAndWait(t.Context(), "S", numbered(4), &CreateOptions{ChunkSize: 2}, &WaitOptions{Timeout: 10 * time.Second})
	if !errors.Is(err, context.DeadlineExceeded) || len(jobs) != 2 {
		t.Fatalf("jobs %v err %v", jobs, err)
	}
	for _, b := range []string{"b-1", "b-2"} {
		if !strings.Contains(err.Error(), b) {
			t.Errorf("%q does not name %s", err, b)
		}
	}
	var te *JobTimeoutError
	if !errors.As(err, &te) || te.Waited != 10*time.Second {
		t.Errorf("timeout %+v", te)
	}
}
