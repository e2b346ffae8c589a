package imednet

import (
	"context"
	"iter"
)

// Query is a data clarification request raised on a subject, a record or a question.
type Query struct {
	StudyKey       string         `json:"studyKey"`
	SubjectID      int            `json:"subjectId"`
	SubjectOID     string         `json:"subjectOid"`
	AnnotationType string         `json:"annotationType"` // what the query is on: "subject", "record" or "question"
	AnnotationID   int            `json:"annotationId"`   // the query's id
	Type           string         `json:"type"`           // system identifier of the location (subject, record, question); often null, read as ""
	Description    string         `json:"description"`    // e.g. "Monitor Query"
	RecordID       int            `json:"recordId"`       // 0 when the query is not on a record
	Variable       string         `json:"variable"`       // the variable queried, when on a question
	SubjectKey     string         `json:"subjectKey"`
	DateCreated    Timestamp      `json:"dateCreated"`
	DateModified   Timestamp      `json:"dateModified"`
	QueryComments  []QueryComment `json:"queryComments"` // the query's history, oldest first as sent
	Extra          Extra          `json:"-"`             // members this version does not know
}

// QueryComment is one step of a query's history: a comment or a status change.
type QueryComment struct {
	Sequence         int       `json:"sequence"`         // position in the query's history
	AnnotationStatus string    `json:"annotationStatus"` // the query's status after this step, e.g. "Monitor Query Open"
	User             string    `json:"user"`             // login of the user who made the step
	Comment          string    `json:"comment"`
	Closed           bool      `json:"closed"` // the query was closed at this step
	Date             Timestamp `json:"date"`
	Extra            Extra     `json:"-"` // members this version does not know
}

var queriesEndpoint = endpoint{pattern: "/studies/{studyKey}/queries", idField: "annotationId"}

// List returns one page of a study's queries (GET /studies/{studyKey}/queries). An empty study
// uses the one attached to ctx with WithStudy. The default sort is annotationId ascending.
// Filters may reach into the comments: Eq("queryComments.closed", false).
func (s *QueriesService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Query], error) {
	return listPage[Query](ctx, s.client, queriesEndpoint, study, opts, nil)
}

// All iterates over every query of a study.
func (s *QueriesService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Query, error] {
	return listAll[Query](ctx, s.client, queriesEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's queries that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *QueriesService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Query], error] {
	return listPages[Query](ctx, s.client, queriesEndpoint, study, opts, nil)
}

// Get returns the query with the given annotation id, or an error matching ErrNotFound.
func (s *QueriesService) Get(ctx context.Context, study string, annotationID int) (*Query, error) {
	return getOne(ctx, s.client, queriesEndpoint, study, itoa(annotationID), func(x *Query) string { return itoa(x.AnnotationID) })
}
