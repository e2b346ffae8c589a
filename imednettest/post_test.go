package imednettest

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
)

func TestPostValidation(t *testing.T) {
	s := newSmall(t)
	for _, tc := range []struct{ body, attr string }{
		{"", "body"},
		{"not json", "body"},
		{`{"formKey":"REG","data":{}}`, "body"},
		{`[]`, "body"},
		{`[1]`, "[0]"},
		{`[{"formKey":"REG","data":{}}, "x"]`, "[1]"},
		{`[{}]`, "[0].formKey"},
		{`[{"data":{}}]`, "[0].formKey"},
		{`[{"formKey":"REG","recordData":{"AGE":"1"}}]`, "[0].recordData"},
		{`[{"formKey":"REG","data":{},"recordData":{}}]`, "[0].recordData"},
		{`[{"formKey":"REG"}]`, "[0].data"},
		{`[{"formKey":"REG","data":[]}]`, "[0].data"},
		{`[{"formKey":"REG","data":"x"}]`, "[0].data"},
		{`[{"formKey":"REG","data":null}]`, "[0].data"},
		{`[{"formKey":5,"data":{}}]`, "[0].formKey"},
		{`[{"formId":"x","data":{}}]`, "[0].formId"},
		{`[{"formId":1.5,"data":{}}]`, "[0].formId"},
		{`[{"formKey":"REG","siteId":true,"data":{}}]`, "[0].siteId"},
		{`[{"formKey":"REG","subjectKey":12,"data":{}}]`, "[0].subjectKey"},
		{`[{"formKey":"REG","data":{}}] trailing`, "body"},
	} {
		code, body, _ := call(t, s, "POST", "/studies/DEMO/records", nil, tc.body, nil)
		e := checkError(t, code, body, http.StatusBadRequest, "BAD_REQUEST", "1000")
		if f, _ := e["field"].(obj); f == nil || f["attribute"] != tc.attr {
			t.Errorf("body %s: field %v, want attribute %s", tc.body, e["field"], tc.attr)
		}
	}
	st := s.Stats()
	if st.JobsCreated != 0 || st.Submissions != 0 || st.RejectedSubmissions != 20 {
		t.Fatalf("stats after refused submissions: %+v", st)
	}
	if len(s.Study("DEMO").Jobs()) != 0 {
		t.Fatal("a refused submission created a job")
	}
	// A formId given as a string holding an integer is read, as lenient Jackson does.
	if code, body, _ := call(t, s, "POST", "/studies/DEMO/records", nil, `[{"formId":"1001","siteName":"Chicago Hope Hospital","data":{}}]`, nil); code != http.StatusAccepted {
		t.Fatalf("formId as string: %d %s", code, body)
	}
}

// post submits a body and returns the job's batch id.
func post(t *testing.T, s *Server, body string, hdr map[string]string) (jobID, batchID string) {
	t.Helper()
	code, b, _ := call(t, s, "POST", "/studies/DEMO/records", nil, body, hdr)
	if code != http.StatusAccepted {
		t.Fatalf("POST: %d %s", code, b)
	}
	if got := objectKeysOf(t, b); !slices.Equal(got, []string{"jobId", "batchId", "state"}) {
		t.Fatalf("202 body keys %v", got)
	}
	o := decode(t, b)
	if o["state"] != "created" || o["jobId"] == o["batchId"] || o["jobId"] == "" {
		t.Fatalf("202 body %s", b)
	}
	return o["jobId"].(string), o["batchId"].(string)
}

func objectKeysOf(t *testing.T, b []byte) []string { return objectKeys(t, b) }

func getJob(t *testing.T, s *Server, batchID string) obj {
	t.Helper()
	code, b, _ := call(t, s, "GET", "/studies/DEMO/jobs/"+url.PathEscape(batchID), nil, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET job: %d %s", code, b)
	}
	o := decode(t, b)
	want := []string{"jobId", "batchId", "state", "dateCreated", "dateStarted", "dateFinished"}
	switch o["state"] {
	case "created":
		want = want[:4] // the dates not reached yet are absent
	case "running":
		want = want[:5]
	}
	if got := objectKeys(t, b); !slices.Equal(got, want) {
		t.Fatalf("job keys %v", got)
	}
	if o["batchId"] != batchID {
		t.Fatalf("job %v answered for %s", o["batchId"], batchID)
	}
	return o
}

func TestJobLifecycle(t *testing.T) {
	clk := &manualClock{t: time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)}
	s := newSmall(t, WithClock(clk.now), WithJobDelay(10*time.Second))
	before := s.Study("DEMO").Counts()
	jobID, batch := post(t, s, `[{"formKey":"REG","siteName":"Chicago Hope Hospital","data":{"AGE":41,"SEX":"2","CONSENT":true,"REGDT":"2025-07-01","INITIALS":"ABC","COHORT":"1"}}]`,
		map[string]string{"x-email-notify": "dm@example.com"})
	j := getJob(t, s, batch)
	if j["state"] != "created" || j["jobId"] != jobID || j["dateCreated"] != "2025-07-01 12:00:00" || j["dateStarted"] != nil || j["dateFinished"] != nil {
		t.Fatalf("new job %v", j)
	}
	clk.add(4 * time.Second)
	if j = getJob(t, s, batch); j["state"] != "created" {
		t.Fatalf("at 4s: %v", j)
	}
	clk.add(2 * time.Second)
	if j = getJob(t, s, batch); j["state"] != "running" || j["dateStarted"] != "2025-07-01 12:00:06" || j["dateFinished"] != nil {
		t.Fatalf("at 6s: %v", j)
	}
	if s.Study("DEMO").Counts().Records != before.Records {
		t.Fatal("a running job changed data")
	}
	clk.add(4 * time.Second)
	if j = getJob(t, s, batch); j["state"] != "completed" || j["dateFinished"] != "2025-07-01 12:00:10" {
		t.Fatalf("at 10s: %v", j)
	}
	info, ok := s.Study("DEMO").Job(batch)
	if !ok || info.Email != "dm@example.com" || info.Items != 1 || len(info.RecordIDs) != 1 || len(info.SubjectKeys) != 1 || info.JobID != jobID {
		t.Fatalf("job info %+v", info)
	}
	// The new subject and its registration record are listed, stamped with the job's time.
	subj := fetchAll(t, s, "/studies/DEMO/subjects", url.Values{"filter": {"subjectKey==" + info.SubjectKeys[0]}})
	if len(subj) != 1 || subj[0]["siteName"] != "Chicago Hope Hospital" || subj[0]["subjectStatus"] != "Screened" {
		t.Fatalf("new subject %v", subj)
	}
	if !strings.HasPrefix(info.SubjectKeys[0], "01-") {
		t.Fatalf("subject key %q", info.SubjectKeys[0])
	}
	recs := fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {"recordId==" + strconv.Itoa(info.RecordIDs[0])}})
	if len(recs) != 1 {
		t.Fatal("new record not listed")
	}
	r := recs[0]
	rd := r["recordData"].(obj)
	if r["formKey"] != "REG" || r["subjectKey"] != info.SubjectKeys[0] || r["dateModified"] != "2025-07-01 12:00:10" ||
		rd["AGE"] != "41" || rd["CONSENT"] != "true" || rd["SEX"] != "2" || r["recordStatus"] != "Record Complete" ||
		num(r["intervalId"]) != 201 || num(r["visitId"]) == 0 {
		t.Fatalf("new record %v", r)
	}
	revs := fetchAll(t, s, "/studies/DEMO/recordRevisions", url.Values{"filter": {"recordId==" + strconv.Itoa(info.RecordIDs[0])}})
	if len(revs) != 1 || num(revs[0]["recordRevision"]) != 1 || revs[0]["dateCreated"] != "2025-07-01 12:00:10" || revs[0]["user"] != apiUser {
		t.Fatalf("revisions %v", revs)
	}
	visits := fetchAll(t, s, "/studies/DEMO/visits", url.Values{"filter": {"visitId==" + r["visitId"].(interface{ String() string }).String()}})
	if len(visits) != 1 || visits[0]["subjectKey"] != info.SubjectKeys[0] || visits[0]["intervalName"] != "Screening" {
		t.Fatalf("visit %v", visits)
	}
	st := s.Stats()
	if st.Submissions != 1 || st.JobsCreated != 1 || st.JobsCompleted != 1 || st.JobsFailed != 0 || st.RecordsCreated != 1 || st.SubjectsCreated != 1 {
		t.Fatalf("stats %+v", st)
	}
	if st.Requests["POST /studies/{studyKey}/records"] != 1 || st.Requests["GET /studies/{studyKey}/jobs/{batchId}"] != 4 {
		t.Fatalf("request counts %v", st.Requests)
	}
	// Reading the job again does not apply it again.
	getJob(t, s, batch)
	if st := s.Stats(); st.JobsCompleted != 1 || st.RecordsCreated != 1 {
		t.Fatalf("job applied twice: %+v", st)
	}
}

// TestJobsFail checks that a job with any invalid item fails and changes nothing.
func TestJobsFail(t *testing.T) {
	s := newSmall(t, WithJobDelay(0))
	st := s.Study("DEMO")
	// A VS record of subject 01-001 in Baseline, and a deleted record, for the cases below.
	vs := fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {"formKey==VS;intervalId==202;deleted==false"}})[0]
	subj := vs["subjectKey"].(string)
	vsID := vs["recordId"].(interface{ String() string }).String()
	del := fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {"deleted==true"}})[0]
	delID := del["recordId"].(interface{ String() string }).String()
	closed := fetchAll(t, s, "/studies/DEMO/sites", url.Values{"filter": {`siteEnrollmentStatus=="Enrollment Closed"`}})
	good := `{"formKey":"VS","subjectKey":"` + subj + `","intervalName":"Baseline","data":{"PULSE":70}}`
	cases := map[string]string{
		"unknown variable":       `{"formKey":"VS","recordId":` + vsID + `,"data":{"NOPE":"1"}}`,
		"variable of other form": `{"formKey":"VS","recordId":` + vsID + `,"data":{"AETERM":"x"}}`,
		"number":                 `{"formKey":"VS","recordId":` + vsID + `,"data":{"PULSE":"fast"}}`,
		"number as bool":         `{"formKey":"VS","recordId":` + vsID + `,"data":{"PULSE":true}}`,
		"date":                   `{"formKey":"VS","recordId":` + vsID + `,"data":{"VSDT":"2024-02-30"}}`,
		"date layout":            `{"formKey":"VS","recordId":` + vsID + `,"data":{"VSDT":"01/02/2024"}}`,
		"checkbox":               `{"formKey":"VS","recordId":` + vsID + `,"data":{"VSPERF":"yes"}}`,
		"checkbox number":        `{"formKey":"VS","recordId":` + vsID + `,"data":{"VSPERF":1}}`,
		"object value":           `{"formKey":"VS","recordId":` + vsID + `,"data":{"PULSE":{"v":1}}}`,
		"unknown form":           `{"formKey":"NOPE","subjectKey":"` + subj + `","data":{}}`,
		"unknown formId":         `{"formId":99,"subjectKey":"` + subj + `","data":{}}`,
		"disabled form":          `{"formKey":"RETIRED","subjectKey":"` + subj + `","data":{}}`,
		"form mismatch":          `{"formKey":"VS","formId":1001,"subjectKey":"` + subj + `","data":{}}`,
		"unknown site":           `{"formKey":"REG","siteName":"Atlantis","data":{}}`,
		"unknown subject":        `{"formKey":"AE","subjectKey":"99-999","data":{}}`,
		"unknown interval":       `{"formKey":"VS","subjectKey":"` + subj + `","intervalName":"Day 999","data":{}}`,
		"form not in interval":   `{"formKey":"EOS","subjectKey":"` + subj + `","intervalName":"Baseline","data":{}}`,
		"unknown record":         `{"formKey":"VS","recordId":99999999,"data":{}}`,
		"unknown record OID":     `{"formKey":"VS","recordOid":"X-1","data":{}}`,
		"record of other form":   `{"formKey":"AE","recordId":` + vsID + `,"data":{}}`,
		"deleted record":         `{"formKey":"` + del["formKey"].(string) + `","recordId":` + delID + `,"data":{}}`,
		"no target":              `{"formKey":"VS","data":{"PULSE":70}}`,
		"register with non-REG":  `{"formKey":"VS","siteName":"Chicago Hope Hospital","data":{}}`,
		"subject on site form":   `{"formKey":"SITE","subjectKey":"` + subj + `","data":{}}`,
		"subject ids disagree":   `{"formKey":"AE","subjectKey":"` + subj + `","subjectId":1,"data":{}}`,
	}
	if len(closed) > 0 {
		cases["closed site"] = `{"formKey":"REG","siteName":"` + closed[0]["siteName"].(string) + `","data":{}}`
	}
	before := st.Counts()
	vsBefore, _ := st.Record(mustAtoi(t, vsID))
	for name, bad := range cases {
		// A valid item first: nothing of the job may be applied.
		_, batch := post(t, s, "["+good+","+bad+"]", nil)
		if j := getJob(t, s, batch); j["state"] != "failed" || j["dateFinished"] == nil {
			t.Errorf("%s: job %v", name, j)
		}
		info, _ := st.Job(batch)
		if info.Error == "" || !strings.Contains(info.Error, "record 1") {
			t.Errorf("%s: error %q", name, info.Error)
		}
	}
	if after := st.Counts(); after != before {
		t.Fatalf("failed jobs changed the study: %+v -> %+v", before, after)
	}
	if vsAfter, _ := st.Record(mustAtoi(t, vsID)); vsAfter.Revisions != vsBefore.Revisions || !vsAfter.DateModified.Equal(vsBefore.DateModified) {
		t.Fatal("failed jobs changed a record")
	}
	stats := s.Stats()
	if stats.JobsFailed != len(cases) || stats.JobsCompleted != 0 || stats.RecordsUpdated != 0 || stats.RecordsCreated != 0 {
		t.Fatalf("stats %+v", stats)
	}
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestScenarios applies each kind of submission and checks it in GET /records and
// /recordRevisions.
func TestScenarios(t *testing.T) {
	s := newSmall(t, WithJobDelay(0))
	st := s.Study("DEMO")
	apply := func(body string) JobInfo {
		t.Helper()
		_, batch := post(t, s, body, nil)
		if j := getJob(t, s, batch); j["state"] != "completed" {
			info, _ := st.Job(batch)
			t.Fatalf("job %v: %s", j["state"], info.Error)
		}
		info, _ := st.Job(batch)
		return info
	}
	record := func(id int) obj {
		t.Helper()
		r := fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {"recordId==" + strconv.Itoa(id)}})
		if len(r) != 1 {
			t.Fatalf("record %d not listed", id)
		}
		return r[0]
	}
	revisions := func(id int) []obj {
		return fetchAll(t, s, "/studies/DEMO/recordRevisions", url.Values{"filter": {"recordId==" + strconv.Itoa(id)}, "sort": {"recordRevision"}})
	}
	now := func() string { return get(t, s, "/studies", nil)["metadata"].(obj)["timestamp"].(string) }

	// 1. A scheduled record that exists is updated in place; other variables keep their values.
	vs := fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {"formKey==VS;intervalId==202;deleted==false"}})[0]
	vsID := int(num(vs["recordId"]))
	oldRevs := len(revisions(vsID))
	info := apply(`[{"formKey":"VS","subjectKey":"` + vs["subjectKey"].(string) + `","intervalName":"Baseline","data":{"PULSE":66,"TEMP":"37.2","VSPERF":false,"VSDT":null}}]`)
	if len(info.RecordIDs) != 1 || info.RecordIDs[0] != vsID {
		t.Fatalf("scheduled update touched %v, want %d", info.RecordIDs, vsID)
	}
	r := record(vsID)
	rd, old := r["recordData"].(obj), vs["recordData"].(obj)
	if rd["PULSE"] != "66" || rd["TEMP"] != "37.2" || rd["VSPERF"] != "false" || rd["VSDT"] != "" || rd["SYSBP"] != old["SYSBP"] {
		t.Fatalf("updated data %v (was %v)", rd, old)
	}
	if r["dateModified"] != now() || r["dateModified"] == vs["dateModified"] || r["dateCreated"] != vs["dateCreated"] ||
		r["recordStatus"] != "Record Incomplete" || rd["dateModified"] != r["dateModified"] {
		t.Fatalf("updated record %v", r)
	}
	revs := revisions(vsID)
	if len(revs) != oldRevs+1 || num(revs[len(revs)-1]["recordRevision"]) != int64(oldRevs+1) || revs[len(revs)-1]["dateCreated"] != r["dateModified"] {
		t.Fatalf("revisions after update: %v", revs)
	}

	// 2. A scheduled record the subject does not have yet is created, with its visit: a new
	// subject has only its registration record.
	reg := apply(`[{"formKey":"REG","siteName":"Boston General Hospital","data":{"AGE":"30"}}]`)
	newSub := reg.SubjectKeys[0]
	visitsBefore := len(fetchAll(t, s, "/studies/DEMO/visits", nil))
	info = apply(`[{"formKey":"VS","subjectKey":"` + newSub + `","intervalName":"Baseline","data":{"VSDT":"2025-06-01","PULSE":"80"}}]`)
	r = record(info.RecordIDs[0])
	if r["formKey"] != "VS" || r["subjectKey"] != newSub || r["dateCreated"] != r["dateModified"] || num(r["visitId"]) == 0 || num(r["intervalId"]) != 202 {
		t.Fatalf("scheduled create %v", r)
	}
	v := fetchAll(t, s, "/studies/DEMO/visits", nil)
	if len(v) != visitsBefore+1 || v[len(v)-1]["intervalName"] != "Baseline" || v[len(v)-1]["subjectKey"] != newSub || v[len(v)-1]["dueDate"] == nil {
		t.Fatalf("visits %d, want %d; last %v", len(v), visitsBefore+1, v[len(v)-1])
	}
	sub := "01-001"

	// 3. A new unscheduled record for an existing subject, by subjectId.
	sid := fetchAll(t, s, "/studies/DEMO/subjects", url.Values{"filter": {"subjectKey==" + sub}})[0]["subjectId"]
	info = apply(`[{"formKey":"AE","subjectId":` + printed0(sid) + `,"data":{"AETERM":"Headache","AESTDT":"2025-06-02","AESER":"TRUE"}}]`)
	r = record(info.RecordIDs[0])
	if r["formKey"] != "AE" || num(r["intervalId"]) != 0 || num(r["visitId"]) != 0 || r["recordData"].(obj)["AESER"] != "true" || r["recordData"].(obj)["AEOUT"] != "" {
		t.Fatalf("new record %v", r)
	}
	if revs := revisions(info.RecordIDs[0]); len(revs) != 1 {
		t.Fatalf("new record revisions %d", len(revs))
	}

	// 4. Update by recordId and by recordOid, two items in one job.
	id := info.RecordIDs[0]
	info = apply(`[{"formKey":"AE","recordId":` + strconv.Itoa(id) + `,"data":{"AEOUT":"2"}},{"formKey":"AE","recordOid":"REC-` + strconv.Itoa(id) + `","data":{"AESEV":3}}]`)
	if !slices.Equal(info.RecordIDs, []int{id, id}) {
		t.Fatalf("updates touched %v", info.RecordIDs)
	}
	rd = record(id)["recordData"].(obj)
	if rd["AEOUT"] != "2" || rd["AESEV"] != "3" || rd["AETERM"] != "Headache" {
		t.Fatalf("after two updates %v", rd)
	}
	if revs := revisions(id); len(revs) != 3 {
		t.Fatalf("revisions %d, want 3", len(revs))
	}

	// 5. A site record, by siteId.
	info = apply(`[{"formKey":"SITE","siteId":101,"data":{"SITEPI":"Dr. New"}}]`)
	if r = record(info.RecordIDs[0]); r["recordType"] != "SITE" || num(r["siteId"]) != 101 || r["subjectKey"] != "" {
		t.Fatalf("site record %v", r)
	}

	// 6. Registration by siteId gives the next key of the site.
	info = apply(`[{"formId":1001,"siteId":101,"data":{}},{"formKey":"REG","siteName":"Chicago Hope Hospital","data":{"AGE":"30"}}]`)
	if len(info.SubjectKeys) != 2 || info.SubjectKeys[0] == info.SubjectKeys[1] {
		t.Fatalf("registrations %v", info.SubjectKeys)
	}

	// Stats: every accepted submission was applied exactly once.
	stats := s.Stats()
	if stats.Submissions != 7 || stats.JobsCreated != 7 || stats.JobsCompleted != 7 || stats.JobsFailed != 0 {
		t.Fatalf("stats %+v", stats)
	}
	if stats.RecordsCreated != 6 || stats.RecordsUpdated != 3 || stats.SubjectsCreated != 3 {
		t.Fatalf("change counts %+v", stats)
	}
}

func printed0(v any) string { s, _ := printedValue(v); return s }

// TestCreateThroughSDK submits with the SDK's Records.Create and waits with Jobs.Wait, on a
// listening server with the default job delay and clock.
func TestCreateThroughSDK(t *testing.T) {
	s := MustNewServer(t, WithStudy(small))
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	reqs := []imednet.RecordRequest{
		imednet.RegisterSubject("REG", "Chicago Hope Hospital", map[string]any{"AGE": 50, "CONSENT": true, "REGDT": "2025-06-01"}),
		imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Nausea", "AESER": false}),
		imednet.UpdateScheduledRecord("VS", "01-001", "Baseline", map[string]any{"PULSE": 72, "TEMP": 36.6}),
	}
	jobs, err := c.Records.Create(ctx, "DEMO", reqs, &imednet.CreateOptions{ChunkSize: 2, EmailNotify: "me@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d jobs", len(jobs))
	}
	for _, j := range jobs {
		done, err := c.Jobs.Wait(ctx, "DEMO", j.BatchID, &imednet.WaitOptions{Interval: 20 * time.Millisecond, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if !done.Succeeded() || done.DateFinished.Time.IsZero() || done.DateStarted.Time.IsZero() {
			t.Fatalf("job %+v", done)
		}
		info, _ := s.Study("DEMO").Job(j.BatchID)
		if info.Email != "me@example.com" {
			t.Fatalf("email %q", info.Email)
		}
	}
	// A failing job is reported as such.
	bad, err := c.Records.Create(ctx, "DEMO", []imednet.RecordRequest{imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "x", "BOGUS": 1})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Jobs.Wait(ctx, "DEMO", bad[0].BatchID, &imednet.WaitOptions{Interval: 20 * time.Millisecond, Timeout: 10 * time.Second})
	var jf *imednet.JobFailedError
	if !errors.As(err, &jf) {
		t.Fatalf("failed job: %v", err)
	}
	st := s.Stats()
	if st.Submissions != 3 || st.JobsCompleted != 2 || st.JobsFailed != 1 || st.RecordsCreated != 2 || st.RecordsUpdated != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The changes are visible to the SDK.
	recs, err := c.Records.List(ctx, "DEMO", &imednet.RecordListOptions{ListOptions: imednet.ListOptions{
		Filter: imednet.Eq("formKey", "AE").And(imednet.Gt("dateModified", DefaultStart))}})
	if err != nil || len(recs.Items) != 1 {
		t.Fatalf("new AE records: %v %d", err, len(recs.Items))
	}
	if v, _ := recs.Items[0].RecordData.Text("AETERM"); v != "Nausea" {
		t.Fatalf("AETERM %q", v)
	}
}
