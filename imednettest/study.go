package imednettest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The Go API of a study: inspect its data and change it while the server runs, for tests of
// incremental synchronisation. Changes made here behave as changes made through the API: a new
// dateModified from the server's clock, a new record revision, attributed to the API user.

// Key returns the study key.
func (st *Study) Key() string { return st.cfg.Key }

// Config returns the study's configuration, with the defaults filled in.
func (st *Study) Config() StudyConfig { return st.cfg }

// Counts are the numbers of items of each kind in a study.
type Counts struct {
	Sites, Forms, Variables, Intervals, Users  int
	Subjects, Visits, Records, RecordRevisions int
	Queries, Codings                           int
	DeletedRecords                             int
}

// Counts returns the current numbers of items.
func (st *Study) Counts() Counts {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	c := Counts{
		Sites: len(st.sites), Forms: len(st.forms), Variables: len(st.vars), Intervals: len(st.intervals),
		Users: len(st.users), Subjects: len(st.subjects), Visits: len(st.visits), Records: len(st.records),
		RecordRevisions: len(st.revisions), Queries: len(st.queries), Codings: len(st.codings),
	}
	for i := range st.records {
		if st.records[i].deleted() {
			c.DeletedRecords++
		}
	}
	return c
}

// RecordInfo describes one record as the API would print it.
type RecordInfo struct {
	RecordID, FormID, SiteID, SubjectID, IntervalID, VisitID int
	RecordOID, FormKey, SubjectKey, Status                   string
	Deleted                                                  bool
	DateCreated, DateModified                                time.Time
	Revisions                                                int               // number of revisions of the record
	Data                                                     map[string]string // the variables' values ("" for blank)
}

// Record returns the record with the given id.
func (st *Study) Record(id int) (RecordInfo, bool) {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	ri := st.recordIndex(int64(id))
	if ri < 0 {
		return RecordInfo{}, false
	}
	r := &st.records[ri]
	f := &st.forms[r.form]
	c := &fieldCtx{st: st}
	info := RecordInfo{
		RecordID:     id,
		FormID:       int(f.id),
		SiteID:       int(st.sites[st.recordSite(r)].id),
		SubjectID:    int(st.ownerID(r.owner).n),
		IntervalID:   int(st.recIntervalID(r).n),
		RecordOID:    st.recordOID(ri),
		FormKey:      f.key(),
		SubjectKey:   st.ownerKey(r.owner).s,
		Status:       statusText(r.complete()),
		Deleted:      r.deleted(),
		DateCreated:  time.Unix(r.created, 0).UTC(),
		DateModified: time.Unix(r.modified, 0).UTC(),
		Revisions:    int(r.nrev),
		Data:         make(map[string]string, f.varN),
	}
	if r.visit >= 0 {
		info.VisitID = int(st.visitID(r.visit))
	}
	for j := range f.varN {
		s, _ := st.recordDataText(c, ri, st.vars[f.varStart+j].spec.name)
		info.Data[st.vars[f.varStart+j].spec.name] = s
	}
	return info, true
}

// RecordJSON returns the record with the given id as the server sends it in a records
// listing, byte for byte: for tests that check that a client kept exactly what it received.
func (st *Study) RecordJSON(id int) (json.RawMessage, bool) {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	ri := st.recordIndex(int64(id))
	if ri < 0 {
		return nil, false
	}
	return appendItem(nil, &fieldCtx{st: st}, recordsEP.fields, int(ri), 0), true
}

// RecordIDs returns the ids of the records of a form (all records when formKey is ""), in
// ascending order, deleted ones included.
func (st *Study) RecordIDs(formKey string) []int {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	var out []int
	if formKey == "" {
		out = make([]int, len(st.records))
		for i := range out {
			out[i] = int(st.recordID(int32(i)))
		}
		return out
	}
	fi, ok := st.formByKey[formKey]
	if !ok {
		return nil
	}
	for _, ri := range st.formRecs[fi] {
		out = append(out, int(st.recordID(ri)))
	}
	return out
}

// stringItem turns a data map into an item's data, in name order.
func stringData(data map[string]string) []datum {
	out := make([]datum, 0, len(data))
	for _, k := range sortedKeys(data) {
		out = append(out, datum{name: k, kind: jsString, text: data[k]})
	}
	return out
}

// change plans and applies one item at a new time.
func (st *Study) change(it item) (int, error) {
	st.settle()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advanceJobs()
	ops, err := st.plan([]item{it})
	if err != nil {
		return 0, fmt.Errorf("imednettest: study %s: %w", st.cfg.Key, err)
	}
	ri := st.apply(ops[0], st.srv.clock.tick().Unix())
	return int(st.recordID(ri)), nil
}

// UpdateRecord sets variables of the record with the given id, as a POST /records with that
// recordId would. Values are text, checked against the variables' types as the server checks
// submissions ("12.5" for a number, "2024-01-31" for a date, "true" for a checkbox, "" for
// blank); variables not named keep their values.
func (st *Study) UpdateRecord(id int, data map[string]string) error {
	st.mu.RLock()
	ri := st.recordIndex(int64(id))
	var formKey string
	if ri >= 0 {
		formKey = st.forms[st.records[ri].form].key()
	}
	st.mu.RUnlock()
	if ri < 0 {
		return fmt.Errorf("imednettest: study %s: unknown record %d", st.cfg.Key, id)
	}
	_, err := st.change(item{
		formKey:  optStr{formKey, true},
		recordID: optInt{int64(id), true},
		data:     stringData(data),
	})
	return err
}

// NewRecord describes a record for [Study.AddRecord]. As in a POST /records item: a
// SiteName without a SubjectKey registers a new subject (with the registration form) or adds
// a site record (with a site form); a SubjectKey adds a record for that subject, in
// IntervalName's visit when given (updating the record the interval already has).
type NewRecord struct {
	FormKey      string
	SiteName     string
	SubjectKey   string
	IntervalName string
	Data         map[string]string
}

// AddRecord creates (or, for a scheduled record that exists, updates) a record and returns
// its id.
func (st *Study) AddRecord(r NewRecord) (int, error) {
	it := item{formKey: optStr{r.FormKey, true}, data: stringData(r.Data)}
	if r.SiteName != "" {
		it.siteName = optStr{r.SiteName, true}
	}
	if r.SubjectKey != "" {
		it.subjectKey = optStr{r.SubjectKey, true}
	}
	if r.IntervalName != "" {
		it.intervalName = optStr{r.IntervalName, true}
	}
	return st.change(it)
}

// DeleteRecord marks the record with the given id deleted: it gets a new dateModified and a
// revision with deleted true.
func (st *Study) DeleteRecord(id int) error {
	st.settle()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advanceJobs()
	ri := st.recordIndex(int64(id))
	if ri < 0 {
		return fmt.Errorf("imednettest: study %s: unknown record %d", st.cfg.Key, id)
	}
	r := &st.records[ri]
	if r.deleted() {
		return fmt.Errorf("imednettest: study %s: record %d is already deleted", st.cfg.Key, id)
	}
	t := st.srv.clock.tick().Unix()
	st.version++
	r.flags |= recDeleted
	r.modified = t
	r.nrev++
	st.addRevision(ri, t, reasonDeleted, revDeleted)
	st.srv.count(func(x *Stats) { x.RecordsDeleted++ })
	return nil
}

// JobInfo describes a job created by POST /records.
type JobInfo struct {
	JobID, BatchID string
	State          string // created, running, completed or failed
	Email          string // the x-email-notify header of the submission
	Items          int    // records in the submission
	Error          string // why a failed job failed
	RecordIDs      []int  // records created or updated by a completed job, in item order
	SubjectKeys    []string
	DateCreated    time.Time
	DateStarted    time.Time // zero until started
	DateFinished   time.Time // zero until finished
	// Acknowledged is false when an injected fault ([Faults.ResetAfterAcceptRate],
	// TruncateRate, MalformedRate) kept the 202 answer from the client: the job exists and
	// runs, but the client does not know its batch id.
	Acknowledged bool
}

func (j *job) info() JobInfo {
	t := func(u int64) time.Time {
		if u == 0 {
			return time.Time{}
		}
		return time.Unix(u, 0).UTC()
	}
	return JobInfo{
		JobID: j.jobID, BatchID: j.batchID, State: j.state, Email: j.email, Items: len(j.items),
		Error: j.err, RecordIDs: slices.Clone(j.records), SubjectKeys: slices.Clone(j.subjects),
		DateCreated: t(j.created), DateStarted: t(j.started), DateFinished: t(j.finished),
		Acknowledged: !j.unacknowledged,
	}
}

// Job returns the job with the given batch id, brought up to date with the clock.
func (st *Study) Job(batchID string) (JobInfo, bool) {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	j, ok := st.jobs[batchID]
	if !ok {
		return JobInfo{}, false
	}
	return j.info(), true
}

// Jobs returns every job of the study, oldest first.
func (st *Study) Jobs() []JobInfo {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]JobInfo, len(st.jobList))
	for i, j := range st.jobList {
		out[i] = j.info()
	}
	return out
}
