package imednet

import (
	"context"
	"iter"
)

// Interval is a visit definition of a study's schedule (a "visit" in the study design, such
// as "Day 15"); [Visit] is its instance for one subject.
//
// Real responses are known to send "", 0 or false in the numeric and text fields of the
// window calculation. "" decodes as 0 or ""; a false in a numeric field is kept in Extra and
// the field is 0; a number or boolean in a text field is kept as written ("0", "false").
type Interval struct {
	StudyKey            string `json:"studyKey"`
	IntervalID          int    `json:"intervalId"` // the API's internal numeric id
	IntervalName        string `json:"intervalName"`
	IntervalDescription string `json:"intervalDescription"`
	IntervalSequence    int    `json:"intervalSequence"` // position in the schedule
	// IntervalGroupID and IntervalGroupName identify the group of the interval, when intervals
	// are grouped.
	IntervalGroupID   int    `json:"intervalGroupId"`
	IntervalGroupName string `json:"intervalGroupName"`

	// The visit window. Timeline is its kind: "None", "Due Date", "Start - End Date" or
	// "Actual Date" (the vendor's vocabulary; other values occur).
	Timeline string `json:"timeline"`
	// DefinedUsingInterval names the baseline interval the window is calculated from.
	DefinedUsingInterval string `json:"definedUsingInterval"`
	// WindowCalculationForm and WindowCalculationDate name the baseline form and the field
	// (variable name) whose date the window is calculated from.
	WindowCalculationForm string `json:"windowCalculationForm"`
	WindowCalculationDate string `json:"windowCalculationDate"`
	// ActualDateForm and ActualDate name the form and the field (variable name) that capture
	// the date the interval actually took place.
	ActualDateForm string `json:"actualDateForm"`
	ActualDate     string `json:"actualDate"`
	// DueDateWillBeIn is the number of days from the calculation date to the due date;
	// NegativeSlack and PositiveSlack are the days allowed before and after it.
	DueDateWillBeIn int `json:"dueDateWillBeIn"`
	NegativeSlack   int `json:"negativeSlack"`
	PositiveSlack   int `json:"positiveSlack"`
	EproGracePeriod int `json:"eproGracePeriod"` // days allowed for ePRO completion after the due date

	Forms        []IntervalForm `json:"forms"`    // the forms scheduled in the interval; nil when absent or null
	Disabled     bool           `json:"disabled"` // the interval is soft-deleted
	DateCreated  Timestamp      `json:"dateCreated"`
	DateModified Timestamp      `json:"dateModified"`
	Extra        Extra          `json:"-"` // members this version does not know
}

// IntervalForm is a form scheduled in an [Interval].
type IntervalForm struct {
	FormID   int    `json:"formId"`
	FormKey  string `json:"formKey"`
	FormName string `json:"formName"`
	Extra    Extra  `json:"-"` // members this version does not know
}

var intervalsEndpoint = endpoint{pattern: "/studies/{studyKey}/intervals", idField: "intervalId"}

// List returns one page of a study's intervals (GET /studies/{studyKey}/intervals). An empty
// study uses the one attached to ctx with WithStudy. The default sort is intervalId ascending.
func (s *IntervalsService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Interval], error) {
	return listPage[Interval](ctx, s.client, intervalsEndpoint, study, opts, nil)
}

// All iterates over every interval of a study (GET /studies/{studyKey}/intervals), in the
// order of opts.Sort, intervalId ascending by default.
func (s *IntervalsService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Interval, error] {
	return listAll[Interval](ctx, s.client, intervalsEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's intervals that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *IntervalsService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Interval], error] {
	return listPages[Interval](ctx, s.client, intervalsEndpoint, study, opts, nil)
}

// Get returns the interval with the given intervalId, or an error matching ErrNotFound.
func (s *IntervalsService) Get(ctx context.Context, study string, intervalID int) (*Interval, error) {
	return getOne(ctx, s.client, intervalsEndpoint, study, itoa(intervalID), func(x *Interval) string { return itoa(x.IntervalID) })
}
