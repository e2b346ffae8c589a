package imednettest

import (
	"github.com/imednet/imednet-go/internal/wire"

	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// POST /studies/{studyKey}/records and GET /studies/{studyKey}/jobs/{batchId}.

// maxBody bounds a POST body.
const maxBody = 64 << 20

// jsKind is the JSON type of a submitted value.
type jsKind uint8

const (
	jsNull jsKind = iota
	jsString
	jsNumber
	jsBool
	jsOther // object or array
)

// datum is one submitted value.
type datum struct {
	name string
	kind jsKind
	text string // the string, the number as written, "true"/"false"; raw JSON for jsOther
}

type optStr struct {
	v  string
	ok bool
}

type optInt struct {
	v  int64
	ok bool
}

// item is one element of a POST /records body (or of a Study.AddRecord call).
type item struct {
	formKey                optStr
	formID                 optInt
	siteName               optStr
	siteID                 optInt
	subjectKey, subjectOID optStr
	subjectID              optInt
	intervalName           optStr
	intervalID             optInt
	recordID               optInt
	recordOID              optStr
	data                   []datum
}

// parseItems checks a POST /records body: a non-empty JSON array of objects, each with
// formKey or formId and a data object. Identifier fields must have their documented JSON
// types; other members are ignored.
func parseItems(body []byte) ([]item, *apiError) {
	body = bytes.TrimSpace(body)
	excerpt := func(b []byte) string {
		if len(b) > 200 {
			return string(b[:200]) + "..."
		}
		return string(b)
	}
	if len(body) == 0 {
		return nil, badField("body", "", "the body must be a JSON array of records")
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, badField("body", excerpt(body), "the body must be a JSON array of records: "+err.Error())
	}
	if len(raws) == 0 {
		return nil, badField("body", "[]", "the array of records is empty")
	}
	items := make([]item, len(raws))
	for i, raw := range raws {
		at := "[" + strconv.Itoa(i) + "]"
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return nil, badField(at, excerpt(raw), "each record must be a JSON object")
		}
		it := &items[i]
		strField := func(name string, dst *optStr) *apiError {
			v, ok := obj[name]
			if !ok || string(v) == "null" {
				return nil
			}
			if err := json.Unmarshal(v, &dst.v); err != nil {
				return badField(at+"."+name, excerpt(v), name+" must be a string")
			}
			dst.ok = true
			return nil
		}
		intField := func(name string, dst *optInt) *apiError {
			v, ok := obj[name]
			if !ok || string(v) == "null" {
				return nil
			}
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				// Accept a string holding an integer, as lenient Jackson would.
				var s string
				if json.Unmarshal(v, &s) == nil {
					n, err = strconv.ParseInt(s, 10, 64)
				}
			}
			if err != nil {
				return badField(at+"."+name, excerpt(v), name+" must be an integer")
			}
			dst.v, dst.ok = n, true
			return nil
		}
		for _, e := range []*apiError{
			strField("formKey", &it.formKey), intField("formId", &it.formID),
			strField("siteName", &it.siteName), intField("siteId", &it.siteID),
			strField("subjectKey", &it.subjectKey), intField("subjectId", &it.subjectID),
			strField("subjectOid", &it.subjectOID),
			strField("intervalName", &it.intervalName), intField("intervalId", &it.intervalID),
			intField("recordId", &it.recordID), strField("recordOid", &it.recordOID),
		} {
			if e != nil {
				return nil, e
			}
		}
		if !it.formKey.ok && !it.formID.ok {
			return nil, badField(at+".formKey", "", "formKey or formId is required")
		}
		if v, ok := obj["recordData"]; ok {
			return nil, badField(at+".recordData", excerpt(v), `unknown field "recordData": the record's values go in "data"`)
		}
		rawData, ok := obj["data"]
		if !ok {
			return nil, badField(at+".data", "", "data is required")
		}
		data, err := parseData(rawData)
		if err != nil {
			return nil, badField(at+".data", excerpt(rawData), "data must be an object of variable names and values")
		}
		it.data = data
	}
	return items, nil
}

// parseData reads the data object, keeping the members' order.
func parseData(raw json.RawMessage) ([]datum, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var out []datum
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		d := datum{name: name}
		switch t := bytes.TrimSpace(v); {
		case string(t) == "null":
			d.kind = jsNull
		case string(t) == "true" || string(t) == "false":
			d.kind, d.text = jsBool, string(t)
		case t[0] == '"':
			d.kind = jsString
			if err := json.Unmarshal(t, &d.text); err != nil {
				return nil, err
			}
		case t[0] == '{' || t[0] == '[':
			d.kind, d.text = jsOther, string(t)
		default:
			d.kind, d.text = jsNumber, string(t)
		}
		out = append(out, d)
	}
	return out, nil
}

// job is a submission's asynchronous job.
type job struct {
	jobID, batchID string
	email          string
	items          []item
	posted         time.Time // on the job clock
	created        int64
	started        int64 // 0 until started
	finished       int64 // 0 until finished
	state          string
	err            string
	unacknowledged bool  // a fault kept the 202 answer from the client
	records        []int // ids of the records created or updated
	subjects       []string
}

func (s *Server) servePost(w http.ResponseWriter, r *http.Request, st *Study) {
	var body []byte
	var err error
	if r.Body != nil { // nil for a body-less request made in-process
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	if err != nil {
		s.count(func(x *Stats) { x.RejectedSubmissions++ })
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, r, &apiError{status: http.StatusRequestEntityTooLarge, code: "1000", desc: "The body is larger than 64 MiB."})
			return
		}
		s.writeError(w, r, badField("body", "", "the body could not be read"))
		return
	}
	items, aerr := parseItems(body)
	if aerr != nil {
		s.count(func(x *Stats) { x.RejectedSubmissions++ })
		s.writeError(w, r, aerr)
		return
	}
	st.mu.Lock()
	st.advanceJobs()
	seq := uint64(len(st.jobList) + 1)
	j := &job{
		jobID:   uuid(h3(st.seed, saltJob, seq, 1), h3(st.seed, saltJob, seq, 2)),
		batchID: uuid(h3(st.seed, saltJob, seq, 3), h3(st.seed, saltJob, seq, 4)),
		email:   r.Header.Get("x-email-notify"),
		items:   items,
		posted:  s.clock.jobNow(),
		created: s.clock.tick().Unix(),
		state:   "created",
	}
	st.jobs[j.batchID] = j
	st.jobList = append(st.jobList, j)
	st.pending = append(st.pending, j)
	st.mu.Unlock()
	s.count(func(x *Stats) { x.Submissions++; x.ItemsAccepted += len(items); x.JobsCreated++ })
	if cw, ok := w.(*captureWriter); ok {
		cw.job, cw.st = j, st // a fault may keep the answer from the client
	}

	b := append([]byte(nil), `{"jobId":`...)
	b = wire.AppendString(b, j.jobID)
	b = append(b, `,"batchId":`...)
	b = wire.AppendString(b, j.batchID)
	b = append(b, `,"state":"created"}`...)
	writeJSON(w, http.StatusAccepted, b)
}

func (s *Server) serveJob(w http.ResponseWriter, r *http.Request, st *Study, batchID string) {
	st.settle()
	st.mu.RLock()
	j := st.jobs[batchID]
	var b []byte
	if j != nil {
		b = appendJob(nil, j)
	}
	st.mu.RUnlock()
	if j == nil {
		s.writeError(w, r, errJobNotFound(batchID))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func appendJob(b []byte, j *job) []byte {
	b = append(b, `{"jobId":`...)
	b = wire.AppendString(b, j.jobID)
	b = append(b, `,"batchId":`...)
	b = wire.AppendString(b, j.batchID)
	b = append(b, `,"state":`...)
	b = wire.AppendString(b, j.state)
	for _, d := range [...]struct {
		name string
		t    int64
	}{{"dateCreated", j.created}, {"dateStarted", j.started}, {"dateFinished", j.finished}} {
		if d.t == 0 {
			continue // not reached yet: absent (the contract declares a string, not null)
		}
		b = append(b, ',', '"')
		b = append(b, d.name...)
		b = append(b, `":"`...)
		b = appendAPITime(b, d.t)
		b = append(b, '"')
	}
	return append(b, '}')
}

// settle brings the study's jobs up to date with the clock: a job is running from half its
// delay and is applied (or fails) once its delay has passed.
func (st *Study) settle() {
	st.mu.RLock()
	need := false
	if len(st.pending) > 0 {
		now := st.srv.clock.jobNow()
		for _, j := range st.pending {
			if st.jobDue(j, now) {
				need = true
				break
			}
		}
	}
	st.mu.RUnlock()
	if need {
		st.mu.Lock()
		st.advanceJobs()
		st.mu.Unlock()
	}
}

// jobDue reports whether job j changes state at now.
func (st *Study) jobDue(j *job, now time.Time) bool {
	el := now.Sub(j.posted)
	d := st.srv.jobDelay
	return el >= d || (j.state == "created" && el >= d/2)
}

// advanceJobs moves the pending jobs along; the caller holds the write lock.
func (st *Study) advanceJobs() {
	if len(st.pending) == 0 {
		return
	}
	now := st.srv.clock.jobNow()
	d := st.srv.jobDelay
	keep := st.pending[:0]
	for _, j := range st.pending {
		el := now.Sub(j.posted)
		switch {
		case el >= d:
			if j.started == 0 {
				j.started = st.srv.clock.now().Unix()
			}
			st.runJob(j)
			continue
		case el >= d/2 && j.state == "created":
			j.state = "running"
			j.started = st.srv.clock.now().Unix()
		}
		keep = append(keep, j)
	}
	clear(st.pending[len(keep):])
	st.pending = keep
}

// runJob applies a job, all or nothing; the caller holds the write lock.
func (st *Study) runJob(j *job) {
	ops, err := st.plan(j.items)
	t := st.srv.clock.tick().Unix()
	j.finished = t
	if err != nil {
		j.state, j.err = "failed", err.Error()
		st.srv.count(func(x *Stats) { x.JobsFailed++ })
		return
	}
	for _, o := range ops {
		ri := st.apply(o, t)
		j.records = append(j.records, int(st.recordID(ri)))
		if o.kind == opRegister {
			j.subjects = append(j.subjects, st.subjects[st.records[ri].owner].key)
		}
	}
	j.state = "completed"
	st.srv.count(func(x *Stats) { x.JobsCompleted++; x.ItemsApplied += len(j.items) })
}
