package imednet

import (
	"context"
	"iter"
)

// RecordRevision is one entry of the audit trail: a saved version of a record.
type RecordRevision struct {
	StudyKey         string    `json:"studyKey"`
	RecordRevisionID int       `json:"recordRevisionId"`
	RecordID         int       `json:"recordId"`
	RecordOID        string    `json:"recordOid"`      // client-assigned record OID
	RecordRevision   int       `json:"recordRevision"` // revision number of the record (its status)
	DataRevision     int       `json:"dataRevision"`   // revision number of the record's data
	RecordStatus     string    `json:"recordStatus"`   // the record's status label at this revision
	SubjectID        int       `json:"subjectId"`
	SubjectOID       string    `json:"subjectOid"`
	SubjectKey       string    `json:"subjectKey"`
	SiteID           int       `json:"siteId"`
	FormKey          string    `json:"formKey"`
	IntervalID       int       `json:"intervalId"`
	Role             string    `json:"role"` // role name of the user who saved the revision
	User             string    `json:"user"` // login of the user who saved the revision
	ReasonForChange  string    `json:"reasonForChange"`
	Deleted          bool      `json:"deleted"` // the record was deleted in this revision
	DateCreated      Timestamp `json:"dateCreated"`
	Extra            Extra     `json:"-"` // members this version does not know
}

var recordRevisionsEndpoint = endpoint{pattern: "/studies/{studyKey}/recordRevisions", idField: "recordRevisionId"}

// List returns one page of a study's record revisions (GET /studies/{studyKey}/recordRevisions).
// An empty study uses the one attached to ctx with WithStudy. The default sort is
// recordRevisionId ascending.
func (s *RecordRevisionsService) List(ctx context.Context, study string, opts *ListOptions) (*Page[RecordRevision], error) {
	return listPage[RecordRevision](ctx, s.client, recordRevisionsEndpoint, study, opts, nil)
}

// All iterates over every record revision of a study.
func (s *RecordRevisionsService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[RecordRevision, error] {
	return listAll[RecordRevision](ctx, s.client, recordRevisionsEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's record revisions that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *RecordRevisionsService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[RecordRevision], error] {
	return listPages[RecordRevision](ctx, s.client, recordRevisionsEndpoint, study, opts, nil)
}

// Get returns the record revision with the given id, or an error matching ErrNotFound.
func (s *RecordRevisionsService) Get(ctx context.Context, study string, recordRevisionID int) (*RecordRevision, error) {
	return getOne(ctx, s.client, recordRevisionsEndpoint, study, itoa(recordRevisionID), func(x *RecordRevision) string { return itoa(x.RecordRevisionID) })
}
