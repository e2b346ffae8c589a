package imednet

import (
	"context"
	"iter"
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

// Pages iterates over the pages of a study's visits that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *VisitsService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Visit], error] {
	return listPages[Visit](ctx, s.client, visitsEndpoint, study, opts, nil)
}

// Get returns the visit with the given visitId, or an error matching ErrNotFound.
func (s *VisitsService) Get(ctx context.Context, study string, visitID int) (*Visit, error) {
	return getOne(ctx, s.client, visitsEndpoint, study, itoa(visitID), func(x *Visit) string { return itoa(x.VisitID) })
}
