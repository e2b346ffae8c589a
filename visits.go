package imednet

import (
	"context"
	"iter"

	"github.com/imednet/imednet-go/internal/wire"
)

// Visit is one subject's instance of an [Interval]: the window in which the visit is due and
// the date it took place.
type Visit struct {
	StudyKey     string `json:"studyKey"`
	VisitID      int    `json:"visitId"`    // the API's internal numeric id
	IntervalID   int    `json:"intervalId"` // the interval (visit definition) this is an instance of
	IntervalName string `json:"intervalName"`
	SubjectID    int    `json:"subjectId"`
	SubjectKey   string `json:"subjectKey"` // the protocol-assigned subject id, e.g. "111-005"

	// The visit dates are calendar dates (YYYY-MM-DD; DateOnly is set), encoded back as
	// 2006-01-02. StartDate and EndDate bound the visit window, DueDate is when the visit is
	// due (often null or "": the zero Timestamp), and VisitDate is when it took place.
	StartDate Timestamp `json:"startDate"`
	EndDate   Timestamp `json:"endDate"`
	DueDate   Timestamp `json:"dueDate"`
	VisitDate Timestamp `json:"visitDate"`
	// VisitDateForm and VisitDateQuestion name the form and the field (variable name) that
	// capture the visit date; often "".
	VisitDateForm     string `json:"visitDateForm"`
	VisitDateQuestion string `json:"visitDateQuestion"`

	Deleted      bool      `json:"deleted"` // the visit is marked as deleted
	DateCreated  Timestamp `json:"dateCreated"`
	DateModified Timestamp `json:"dateModified"`
	Extra        Extra     `json:"-"` // members this version does not know
}

// UnmarshalJSON decodes a visit tolerantly (see package wire).
func (v *Visit) UnmarshalJSON(data []byte) error {
	*v = Visit{}
	return wire.DecodeObject(data, &v.Extra, v.member)
}

// decodeAt decodes the visit at data[i] in place (see the pager's decodeItemAt) and returns
// the offset just past it.
func (v *Visit) decodeAt(data []byte, i int) (int, error) {
	*v = Visit{}
	return wire.DecodeObjectAt(data, i, &v.Extra, v.member)
}

// member decodes one member of a visit into v.
func (v *Visit) member(f *wire.Field) {
	switch f.Key {
	case "studyKey":
		f.String(&v.StudyKey)
	case "visitId":
		f.Int(&v.VisitID)
	case "intervalId":
		f.Int(&v.IntervalID)
	case "intervalName":
		f.String(&v.IntervalName)
	case "subjectId":
		f.Int(&v.SubjectID)
	case "subjectKey":
		f.String(&v.SubjectKey)
	case "startDate":
		f.Time(&v.StartDate)
	case "endDate":
		f.Time(&v.EndDate)
	case "dueDate":
		f.Time(&v.DueDate)
	case "visitDate":
		f.Time(&v.VisitDate)
	case "visitDateForm":
		f.String(&v.VisitDateForm)
	case "visitDateQuestion":
		f.String(&v.VisitDateQuestion)
	case "deleted":
		f.Bool(&v.Deleted)
	case "dateCreated":
		f.Time(&v.DateCreated)
	case "dateModified":
		f.Time(&v.DateModified)
	default:
		f.Keep()
	}
}

var visitsEndpoint = endpoint{pattern: "/studies/{studyKey}/visits", idField: "visitId"}

// List returns one page of a study's subject visits (GET /studies/{studyKey}/visits). An
// empty study uses the one attached to ctx with WithStudy. The default sort is visitId
// ascending.
func (s *VisitsService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Visit], error) {
	return listPage[Visit](ctx, s.client, visitsEndpoint, study, opts, nil)
}

// All iterates over every subject visit of a study (GET /studies/{studyKey}/visits), in the
// order of opts.Sort, visitId ascending by default.
func (s *VisitsService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Visit, error] {
	return listAll[Visit](ctx, s.client, visitsEndpoint, study, opts, nil)
}

// Get returns the visit with the given visitId, or an error matching ErrNotFound.
func (s *VisitsService) Get(ctx context.Context, study string, visitID int) (*Visit, error) {
	return getOne(ctx, s.client, visitsEndpoint, study, itoa(visitID), func(x *Visit) string { return itoa(x.VisitID) })
}
