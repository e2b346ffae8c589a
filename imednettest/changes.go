package imednettest

import (
	"fmt"
	"math"
)

// Changes to the study's reference items, for tests of incremental synchronisation: each
// takes a new time from the server's clock, as the change would on the real service.

// lockForChange settles the study and takes its write lock, returning the change's time and
// the function that releases the lock.
func (st *Study) lockForChange() (int64, func()) {
	st.settle()
	st.mu.Lock()
	st.advanceJobs()
	st.version++
	return st.srv.clock.tick().Unix(), st.mu.Unlock
}

// CommentQuery adds a comment to the query with the given annotation id, closing it when
// closeIt is true, as a monitor answering it would. The query's dateModified moves; its
// dateCreated does not.
func (st *Study) CommentQuery(annotationID int, closeIt bool) error {
	t, unlock := st.lockForChange()
	defer unlock()
	qi := st.queryIndex(int64(annotationID))
	if qi < 0 {
		return fmt.Errorf("imednettest: study %s: unknown query %d", st.cfg.Key, annotationID)
	}
	q := &st.queries[qi]
	if q.ncom == math.MaxUint8 {
		return fmt.Errorf("imednettest: study %s: query %d has the most comments a query may have", st.cfg.Key, annotationID)
	}
	q.ncom++
	q.closed = closeIt
	q.modified = t
	return nil
}

// QueryIDs returns the annotation ids of the study's queries, ascending.
func (st *Study) QueryIDs() []int {
	st.settle()
	st.mu.RLock()
	defer st.mu.RUnlock()
	out := make([]int, len(st.queries))
	for i := range out {
		out[i] = int(st.queryID(i))
	}
	return out
}

// CodeRecord codes the record with the given id (an Adverse Events or Concomitant
// Medications record) as the API user: again, with a new revision and dateCoded, when it has
// a coding, or for the first time. It returns the coding's id.
func (st *Study) CodeRecord(recordID int) (int, error) {
	t, unlock := st.lockForChange()
	defer unlock()
	ri := st.recordIndex(int64(recordID))
	if ri < 0 {
		return 0, fmt.Errorf("imednettest: study %s: unknown record %d", st.cfg.Key, recordID)
	}
	if st.forms[st.records[ri].form].codedVar < 0 {
		return 0, fmt.Errorf("imednettest: study %s: record %d is of form %s, which has no coded variable",
			st.cfg.Key, recordID, st.forms[st.records[ri].form].key())
	}
	for i := range st.codings {
		if cd := &st.codings[i]; cd.rec == ri {
			cd.revision++
			cd.coded, cd.user = t, -1
			return int(st.codingID(i)), nil
		}
	}
	st.codings = append(st.codings, coding{coded: t, rec: ri, revision: 1, user: -1})
	return int(st.codingID(len(st.codings) - 1)), nil
}

// RenameSite renames the site with the given id; its dateModified moves.
func (st *Study) RenameSite(siteID int, name string) error {
	t, unlock := st.lockForChange()
	defer unlock()
	si := st.siteIndex(int64(siteID))
	if si < 0 {
		return fmt.Errorf("imednettest: study %s: unknown site %d", st.cfg.Key, siteID)
	}
	st.sites[si].name, st.sites[si].modified = name, t
	return nil
}

// SetIntervalWindow redefines the visit window of the interval with the given id: the days
// before and after the due date a visit may take place. The interval's dateModified moves,
// and with it the startDate and endDate of every visit of the interval, whose own
// dateModified does not (the service computes the windows).
func (st *Study) SetIntervalWindow(intervalID, before, after int) error {
	t, unlock := st.lockForChange()
	defer unlock()
	ii := st.intervalIndex(int64(intervalID))
	if ii < 0 {
		return fmt.Errorf("imednettest: study %s: unknown interval %d", st.cfg.Key, intervalID)
	}
	if before < 0 || after < 0 {
		return fmt.Errorf("imednettest: study %s: a window of %d days before and %d after", st.cfg.Key, before, after)
	}
	iv := &st.intervals[ii]
	iv.negSlack, iv.posSlack, iv.modified = before, after, t
	return nil
}

// RelabelVariable gives the variable name of form formKey a new label, as an amendment of
// the form's design (a CRF amendment) would: the variable's revision and dateModified move,
// and the variables listing and the dictionary files show the new label.
func (st *Study) RelabelVariable(formKey, name, label string) error {
	t, unlock := st.lockForChange()
	defer unlock()
	fi, ok := st.formByKey[formKey]
	if !ok {
		return fmt.Errorf("imednettest: study %s: unknown form %s", st.cfg.Key, formKey)
	}
	f := &st.forms[fi]
	j, ok := f.varByName[name]
	if !ok {
		return fmt.Errorf("imednettest: study %s: form %s has no variable %s", st.cfg.Key, formKey, name)
	}
	v := &st.vars[f.varStart+j]
	spec := *v.spec // the catalogue's spec is shared by every study: amend a copy
	spec.label = label
	v.spec = &spec
	v.revision++
	v.modified = t
	return nil
}
