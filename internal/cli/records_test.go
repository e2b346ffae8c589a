package cli

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
)

// writeFile writes content to a file named name in a temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// posts counts the record submissions the server received.
func posts(srv *imednettest.Server) int {
	return srv.Stats().Requests["POST /studies/{studyKey}/records"]
}

// aeRecords returns the AE records of a subject whose AETERM is term.
func aeRecords(t *testing.T, srv *imednettest.Server, subject, term string) []imednet.Record {
	t.Helper()
	r := sbx(t, srv, "records", "list", "--filter", "formKey==AE;subjectKey=="+subject, "--record-data-filter", "AETERM=="+term)
	mustOK(t, r)
	return decodeLines[imednet.Record](t, r.out)
}

func TestCreateFromJSON(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "new.json", `[
  {"formKey": "AE", "subjectKey": "01-001", "data": {"AETERM": "Zzyzx fever", "AESEV": "2"}},
  {"formKey": "REG", "siteName": "Chicago Hope Hospital", "data": {"INITIALS": "XYZ", "AGE": 41, "CONSENT": true}}
]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--poll-interval", "5ms", "-o", "json")
	mustOK(t, r)
	var jobs []imednet.Job
	if err := json.Unmarshal([]byte(r.out), &jobs); err != nil {
		t.Fatalf("%v: %s", err, r.out)
	}
	if len(jobs) != 1 || jobs[0].State != "completed" || jobs[0].BatchID == "" {
		t.Fatalf("jobs: %+v", jobs)
	}
	st := srv.Stats()
	if st.Submissions != 1 || st.ItemsApplied != 2 || st.SubjectsCreated != 1 {
		t.Errorf("stats: %d submissions, %d items applied, %d subjects created; want 1, 2, 1", st.Submissions, st.ItemsApplied, st.SubjectsCreated)
	}
	if got := aeRecords(t, srv, "01-001", "Zzyzx fever"); len(got) != 1 {
		t.Errorf("the new AE record: %d found", len(got))
	}
	// Piped stderr carries no progress.
	if r.errOut != "" {
		t.Errorf("stderr: %q", r.errOut)
	}
}

func TestCreateFromCSVInChunks(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "new.csv", "formKey,siteName,subjectKey,intervalName,recordId,AETERM,AESEV,AGE,CONSENT\n"+
		"AE,,01-001,,,Qwerty rash,1,,\n"+
		"AE,,01-002,,,Qwerty rash,3,,\n"+
		"REG,Chicago Hope Hospital,,,,,,52,TRUE\n")
	r := sbx(t, srv, "records", "create", "--file", file, "--chunk-size", "2", "--poll-interval", "5ms", "-o", "csv")
	mustOK(t, r)
	rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("want a header and 2 jobs: %v\n%s", err, r.out)
	}
	for _, row := range rows[1:] {
		if row[2] != "completed" {
			t.Errorf("job %s: %s", row[0], row[2])
		}
	}
	if st := srv.Stats(); st.Submissions != 2 || st.ItemsApplied != 3 {
		t.Errorf("%d submissions, %d items applied; want 2, 3", st.Submissions, st.ItemsApplied)
	}
	for _, subject := range []string{"01-001", "01-002"} {
		if got := aeRecords(t, srv, subject, "Qwerty rash"); len(got) != 1 {
			t.Errorf("%s: %d records", subject, len(got))
		}
	}
	// The number and checkbox cells were sent typed: the registration's AGE is 52.
	reg := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--filter", "formKey==REG", "--record-data-filter", "AGE==52", "--sort", "recordId,desc", "--limit", "1").out)
	if len(reg) != 1 {
		t.Fatalf("the registration: %d", len(reg))
	}
	if v, _ := reg[0].RecordData.Text("CONSENT"); v != "true" {
		t.Errorf("CONSENT %q", v)
	}
}

func TestCreateFromStdin(t *testing.T) {
	srv := newSandbox(t)
	r := run(t, env{srv: srv, in: `[{"formKey":"AE","subjectKey":"01-003","data":{"AETERM":"Stdin cough"}}]`},
		"--sandbox", "records", "create", "--file", "-", "--poll-interval", "5ms")
	mustOK(t, r)
	if got := aeRecords(t, srv, "01-003", "Stdin cough"); len(got) != 1 {
		t.Errorf("%d records", len(got))
	}
}

func TestCreateInvalidSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		name, file, content string
		want                []string // each must appear on its own line of stderr
	}{
		{"malformed JSON", "bad.json", "[{\"formKey\": \"AE\",\n \"data\": {", []string{`bad.json: line 2: malformed JSON`}},
		{"not an array", "bad.json", `{"formKey": "AE"}`, []string{`bad.json: line 1: expected a JSON array`}},
		{"unknown variable", "bad.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"x"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERMX":"x"}}]`,
			[]string{`bad.json: item 2 (line 2): form AE: field AETERMX: `}},
		{"wrong type", "bad.json", `[{"formKey":"REG","siteName":"Chicago Hope Hospital","data":{"AGE":"old"}}]`,
			[]string{`bad.json: item 1 (line 1): form REG: field AGE: "old" is not a number`}},
		{"missing identifier", "bad.json", `[{"formKey":"AE","data":{"AETERM":"x"}}]`,
			[]string{`bad.json: item 1 (line 1): form AE: no target`}},
		{"misspelt field", "bad.json", `[{"formKey":"AE","subjectkey":"01-001","data":{}}]`,
			[]string{`bad.json: item 1 (line 1): unknown field "subjectkey": did you mean "subjectKey"?`}},
		{"unknown form", "bad.json", `[{"formKey":"NOPE","subjectKey":"01-001","data":{}}]`,
			[]string{`bad.json: item 1 (line 1): form NOPE: formKey "NOPE" is not a form of study DEMO`}},
		{"csv without formKey", "bad.csv", "subjectKey,AETERM\n01-001,x\n", []string{`bad.csv: line 1: no formKey column`}},
		{"csv bad cells", "bad.csv", "formKey,subjectKey,recordId,AETERM,AGE\nAE,01-001,,ok,\nAE,01-001,x,,\nREG,,,,abc\n",
			[]string{`bad.csv: line 3: field recordId: "x" is not a positive integer`,
				`bad.csv: line 4: form REG: no target`, `bad.csv: line 4: form REG: field AGE: "abc" is not a number`}},
		{"csv ragged", "bad.csv", "formKey,subjectKey,AETERM\nAE,01-001\n", []string{`bad.csv: line 2: wrong number of cells`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSandbox(t)
			file := writeFile(t, tc.file, tc.content)
			r := sbx(t, srv, "records", "create", "--file", file)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", r.code, r.errOut)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(`(?m)^(.*/)?` + regexp.QuoteMeta(w)).MatchString(r.errOut) {
					t.Errorf("stderr lacks a line starting %q:\n%s", w, r.errOut)
				}
			}
			if !strings.Contains(r.errOut, "nothing was sent") {
				t.Errorf("stderr does not say nothing was sent:\n%s", r.errOut)
			}
			if n := posts(srv); n != 0 {
				t.Errorf("%d submissions sent", n)
			}
			if r.out != "" {
				t.Errorf("stdout: %q", r.out)
			}
		})
	}
}

func TestCreateDryRun(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Dry"}}]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--dry-run")
	mustOK(t, r)
	if !strings.Contains(r.errOut, "1 record request valid") || posts(srv) != 0 || srv.Stats().Submissions != 0 {
		t.Errorf("dry run: %q, %d posts", r.errOut, posts(srv))
	}
}

func TestCreateNoWaitThenJobs(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"A"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"B"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"C"}}]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--no-wait", "--chunk-size", "2", "--email-notify", "dm@example.com", "-o", "csv")
	mustOK(t, r)
	rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "batchId" {
		t.Fatalf("%v\n%s", err, r.out)
	}
	ids := []string{rows[1][0], rows[2][0]}
	for _, id := range ids {
		info, ok := srv.Study("DEMO").Job(id)
		if !ok || info.Email != "dm@example.com" {
			t.Errorf("job %s: %v, email %q", id, ok, info.Email)
		}
	}

	status := sbx(t, srv, append([]string{"jobs", "status", "-o", "json"}, ids...)...)
	mustOK(t, status)
	var js []imednet.Job
	if err := json.Unmarshal([]byte(status.out), &js); err != nil || len(js) != 2 || js[0].BatchID != ids[0] {
		t.Fatalf("jobs status: %v %s", err, status.out)
	}

	wait := run(t, env{srv: srv, tty: true}, append([]string{"--sandbox", "jobs", "wait", "--poll-interval", "5ms"}, ids...)...)
	mustOK(t, wait)
	if strings.Count(wait.out, "completed") != 2 || !strings.HasSuffix(wait.out, "2 jobs\n") {
		t.Errorf("jobs wait:\n%s", wait.out)
	}
	if !strings.Contains(wait.errOut, "waiting for job") {
		t.Errorf("no progress on a terminal's stderr: %q", wait.errOut)
	}
	if st := srv.Stats(); st.ItemsApplied != 3 || st.Submissions != 2 {
		t.Errorf("%d items applied in %d submissions", st.ItemsApplied, st.Submissions)
	}

	unknown := sbx(t, srv, "jobs", "status", "no-such-batch")
	if unknown.code != 1 || !strings.Contains(unknown.errOut, "no-such-batch") {
		t.Errorf("unknown batch: exit %d, %q", unknown.code, unknown.errOut)
	}
}

func TestCreateJobFailureExitsOne(t *testing.T) {
	srv := newSandbox(t)
	// Valid for the dictionary, but the server refuses to register a subject at a site closed
	// for enrollment: the job fails.
	file := writeFile(t, "new.json", `[{"formKey":"REG","siteName":"Minneapolis","data":{"INITIALS":"ZZ"}}]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--poll-interval", "5ms")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.errOut)
	}
	jobs := decodeLines[imednet.Job](t, r.out)
	if len(jobs) != 1 || jobs[0].State != "failed" {
		t.Fatalf("jobs: %s", r.out)
	}
	if !strings.Contains(r.errOut, "1 of 1 jobs failed: batch "+jobs[0].BatchID) {
		t.Errorf("stderr: %q", r.errOut)
	}
	wait := sbx(t, srv, "jobs", "wait", "--poll-interval", "5ms", jobs[0].BatchID)
	if wait.code != 1 {
		t.Errorf("jobs wait on a failed job: exit %d", wait.code)
	}
}

func TestCreateRefusedByAPIExitsThree(t *testing.T) {
	srv := newSandbox(t)
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{}}]`)
	r := sbx(t, srv, "records", "create", "--study", "NOPE", "--file", file)
	if r.code != 3 || posts(srv) != 0 {
		t.Errorf("unknown study: exit %d, %d posts, %q", r.code, posts(srv), r.errOut)
	}
}

func TestCreateWaitTimeout(t *testing.T) {
	srv := newSandbox(t, imednettest.WithJobDelay(time.Hour))
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Slow"}}]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--poll-interval", "5ms", "--wait-timeout", "60ms")
	if r.code != 1 || !strings.Contains(r.errOut, "still") || !strings.Contains(r.errOut, "--wait-timeout") {
		t.Errorf("exit %d, %q", r.code, r.errOut)
	}
	jobs := decodeLines[imednet.Job](t, r.out)
	if len(jobs) != 1 || jobs[0].Terminal() {
		t.Errorf("jobs: %s", r.out)
	}
}

func TestCreateSubmissionFailure(t *testing.T) {
	// Every POST fails with a 5xx: the server has not acted on it, but the client cannot know.
	srv := newSandbox(t, imednettest.WithFaults(imednettest.Faults{Methods: []string{"POST"}, ServerErrorRate: 1}))
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Lost"}}]`)
	r := sbx(t, srv, "records", "create", "--file", file, "--poll-interval", "5ms")
	want := "imednet: submission 1 of 1 (item 1 (line 1) to item 1 (line 1)) failed: POST /api/v1/edc/studies/DEMO/records: 5"
	if r.code != 1 || !strings.HasPrefix(r.errOut, want) || !strings.Contains(r.errOut, "may have been applied") ||
		strings.Count(strings.TrimSpace(r.errOut), "\n") != 0 {
		t.Errorf("exit %d, %q", r.code, r.errOut)
	}
	// The submission was tried once: a POST is never retried after a 5xx, which may have
	// been sent after the server acted on it.
	if n := posts(srv); n != 1 {
		t.Errorf("%d submissions sent, want 1", n)
	}
}

func TestCreateSecondChunkFailure(t *testing.T) {
	srv := newSandbox(t)
	// In front of the sandbox, a proxy that answers the second POST with 502 itself.
	var n atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && n.Add(1) == 2 {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer front.Close()
	apiKey, secKey := srv.Keys()
	vars := map[string]string{imednet.EnvBaseURL: front.URL, imednet.EnvAPIKey: apiKey, imednet.EnvSecurityKey: secKey}
	file := writeFile(t, "new.json", `[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"One"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Two"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Three"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Four"}},
{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Five"}}]`)
	r := run(t, env{vars: vars}, "records", "create", "--study", "DEMO", "--file", file, "--chunk-size", "2")
	jobs := srv.Study("DEMO").Jobs()
	if len(jobs) != 1 {
		t.Fatalf("%d jobs on the server, want 1", len(jobs))
	}
	for _, want := range []string{
		"submission 2 of 3 (item 3 (line 3) to item 4 (line 4)) failed: POST /api/v1/edc/studies/DEMO/records: 502 Bad Gateway",
		"may have been applied", "item 5 (line 5) and after were not sent", "accepted before it: batch " + jobs[0].BatchID,
	} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q: %q", want, r.errOut)
		}
	}
	if r.code != 1 || n.Load() != 2 {
		t.Errorf("exit %d, %d POSTs", r.code, n.Load())
	}
}
