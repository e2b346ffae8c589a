package imednet

import (
	"context"
	"iter"

	"github.com/imednet/imednet-go/internal/wire"
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

// UnmarshalJSON decodes a query tolerantly (see package wire).
func (q *Query) UnmarshalJSON(data []byte) error {
	*q = Query{}
	return wire.DecodeObject(data, &q.Extra, q.member)
}

// decodeAt decodes the query at data[i] in place (see the pager's decodeItemAt) and returns
// the offset just past it.
func (q *Query) decodeAt(data []byte, i int) (int, error) {
	*q = Query{}
	return wire.DecodeObjectAt(data, i, &q.Extra, q.member)
}

// member decodes one member of a query into q.
func (q *Query) member(f *wire.Field) {
	switch f.Key {
	case "studyKey":
		f.String(&q.StudyKey)
	case "subjectId":
		f.Int(&q.SubjectID)
	case "subjectOid":
		f.String(&q.SubjectOID)
	case "annotationType":
		f.String(&q.AnnotationType)
	case "annotationId":
		f.Int(&q.AnnotationID)
	case "type":
		f.String(&q.Type)
	case "description":
		f.String(&q.Description)
	case "recordId":
		f.Int(&q.RecordID)
	case "variable":
		f.String(&q.Variable)
	case "subjectKey":
		f.String(&q.SubjectKey)
	case "dateCreated":
		f.Time(&q.DateCreated)
	case "dateModified":
		f.Time(&q.DateModified)
	case "queryComments":
		wire.List(f, &q.QueryComments)
	default:
		f.Keep()
	}
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

// UnmarshalJSON decodes a query comment tolerantly (see package wire).
func (c *QueryComment) UnmarshalJSON(data []byte) error {
	*c = QueryComment{}
	return wire.DecodeObject(data, &c.Extra, func(f *wire.Field) {
		switch f.Key {
		case "sequence":
			f.Int(&c.Sequence)
		case "annotationStatus":
			f.String(&c.AnnotationStatus)
		case "user":
			f.String(&c.User)
		case "comment":
			f.String(&c.Comment)
		case "closed":
			f.Bool(&c.Closed)
		case "date":
			f.Time(&c.Date)
		default:
			f.Keep()
		}
	})
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

// Get returns the query with the given annotation id, or an error matching ErrNotFound.
func (s *QueriesService) Get(ctx context.Context, study string, annotationID int) (*Query, error) {
	return getOne(ctx, s.client, queriesEndpoint, study, itoa(annotationID), func(x *Query) string { return itoa(x.AnnotationID) })
}
