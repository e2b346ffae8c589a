package imednettest

import (
	"strconv"
	"strings"
)

// Ids. Each kind of item of a study is numbered from its own first id: item i has id
// first+i. Studies after the first shift their ids by a base, so that ids are unique across
// the server, as the real service's are: study number k shifts the ids of its definitions
// (sites, intervals, forms, variables) by k*smallBaseStep, and those of its data (subjects,
// visits, records, revisions, queries, codings) by k*bigBaseStep. Below, each kind's id
// (index to id) and index (id to index) functions stand side by side; they are each
// other's inverse over the study's items.

// The step between the id bases of consecutive studies.
const (
	smallBaseStep = 100_000       // definitions
	bigBaseStep   = 1_000_000_000 // data
)

// The id of item 0 of each kind, before the study's base is added.
const (
	firstSiteID     = 101
	firstIntervalID = 201
	firstFormID     = 1001
	firstVariableID = 10001

	firstSubjectID  = 5001
	firstVisitID    = 1
	firstRecordID   = 1
	firstRevisionID = 1
	firstQueryID    = 1
	firstCodingID   = 1
)

// Ids outside a study's item tables.
const (
	firstStudyID   = 100   // the first study's id; the others follow in order
	firstKeywordID = 15362 // the id of keywords[0]; the others follow in order
)

// idAt returns the id of item i of a kind whose item 0 has id first.
func idAt(first int64, i int) int64 { return first + int64(i) }

// indexOf is the inverse of idAt over n items: it returns the index of the item with the
// given id, or -1 when none of the n has it.
func indexOf(first, id int64, n int) int {
	i := id - first
	if i < 0 || i >= int64(n) {
		return -1
	}
	return int(i)
}

func (st *Study) siteID(i int) int64 { return idAt(st.smallBase+firstSiteID, i) }
func (st *Study) siteIndex(id int64) int {
	return indexOf(st.smallBase+firstSiteID, id, len(st.sites))
}

func (st *Study) intervalID(i int) int64 { return idAt(st.smallBase+firstIntervalID, i) }
func (st *Study) intervalIndex(id int64) int {
	return indexOf(st.smallBase+firstIntervalID, id, len(st.intervals))
}

func (st *Study) formID(i int) int64 { return idAt(st.smallBase+firstFormID, i) }
func (st *Study) formIndex(id int64) int {
	return indexOf(st.smallBase+firstFormID, id, len(st.forms))
}

func (st *Study) variableID(i int) int64 { return idAt(st.smallBase+firstVariableID, i) }
func (st *Study) variableIndex(id int64) int {
	return indexOf(st.smallBase+firstVariableID, id, len(st.vars))
}

func (st *Study) subjectID(i int32) int64 { return idAt(st.bigBase+firstSubjectID, int(i)) }
func (st *Study) subjectIndex(id int64) int32 {
	return int32(indexOf(st.bigBase+firstSubjectID, id, len(st.subjects)))
}

func (st *Study) visitID(i int32) int64 { return idAt(st.bigBase+firstVisitID, int(i)) }
func (st *Study) visitIndex(id int64) int32 {
	return int32(indexOf(st.bigBase+firstVisitID, id, len(st.visits)))
}

func (st *Study) recordID(i int32) int64 { return idAt(st.bigBase+firstRecordID, int(i)) }
func (st *Study) recordIndex(id int64) int32 {
	return int32(indexOf(st.bigBase+firstRecordID, id, len(st.records)))
}

func (st *Study) revisionID(i int) int64 { return idAt(st.bigBase+firstRevisionID, i) }
func (st *Study) revisionIndex(id int64) int {
	return indexOf(st.bigBase+firstRevisionID, id, len(st.revisions))
}

func (st *Study) queryID(i int) int64 { return idAt(st.bigBase+firstQueryID, i) }
func (st *Study) queryIndex(id int64) int {
	return indexOf(st.bigBase+firstQueryID, id, len(st.queries))
}

func (st *Study) codingID(i int) int64 { return idAt(st.bigBase+firstCodingID, i) }
func (st *Study) codingIndex(id int64) int {
	return indexOf(st.bigBase+firstCodingID, id, len(st.codings))
}

// OIDs: a record's is "REC-" and its id, a subject's "OID-" and its id.
const (
	recordOIDPrefix  = "REC-"
	subjectOIDPrefix = "OID-"
)

func (st *Study) recordOID(i int32) string { return recordOIDPrefix + itoa(int(st.recordID(i))) }

// recordOIDIndex is the inverse of recordOID: it returns the index of the record with the
// given OID, or -1.
func (st *Study) recordOIDIndex(oid string) int32 {
	id, ok := strings.CutPrefix(oid, recordOIDPrefix)
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil {
		return -1
	}
	if ri := st.recordIndex(n); ri >= 0 && st.recordOID(ri) == oid {
		return ri
	}
	return -1
}

// recordOIDValue is record i's OID as a field value (printed without building the string).
func (st *Study) recordOIDValue(i int32) value { return value{s: recordOIDPrefix, n: st.recordID(i)} }

// subjectOID is the OID of subject i; subjects are found by OID through Study.subjByOID.
func (st *Study) subjectOID(i int32) string { return subjectOIDPrefix + itoa(int(st.subjectID(i))) }
