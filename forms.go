package imednet

import (
	"context"
	"errors"
	"iter"
	"strings"
)

// Form is a study's form definition (an eCRF).
type Form struct {
	StudyKey string `json:"studyKey"`
	FormID   int    `json:"formId"`   // the API's internal numeric id
	FormKey  string `json:"formKey"`  // the user-defined key, e.g. "FORM_1"; records refer to forms by it
	FormName string `json:"formName"` // the display name
	FormType string `json:"formType"` // "Subject" or "Site" (spelled "SUBJECT" in some filters)
	Revision int    `json:"revision"` // how many times the form's metadata was revised

	// Form settings, as flags.
	EmbeddedLog         bool `json:"embeddedLog"`         // the form has an embedded log
	EnforceOwnership    bool `json:"enforceOwnership"`    // records of the form have owners
	UserAgreement       bool `json:"userAgreement"`       // saving requires a user agreement
	SubjectRecordReport bool `json:"subjectRecordReport"` // the form is a subject record report
	UnscheduledVisit    bool `json:"unscheduledVisit"`    // the form is offered in unscheduled visits
	// OtherForms reports whether the form is in the Other Forms category. Some responses send
	// a list ([]) instead of a boolean; such a value is kept in Extra and OtherForms is false.
	OtherForms bool `json:"otherForms"`
	EproForm   bool `json:"eproForm"`  // the form is an ePRO (patient-reported outcome) form
	AllowCopy  bool `json:"allowCopy"` // data may be copied from the form
	Disabled   bool `json:"disabled"`  // the form is soft-deleted

	DateCreated  Timestamp `json:"dateCreated"`
	DateModified Timestamp `json:"dateModified"`
	Extra        Extra     `json:"-"` // members this version does not know
}

var (
	formsEndpoint      = endpoint{pattern: "/studies/{studyKey}/forms", idField: "formId"}
	formsByKeyEndpoint = endpoint{pattern: "/studies/{studyKey}/forms", idField: "formKey"}
)

// List returns one page of a study's forms (GET /studies/{studyKey}/forms). An empty study
// uses the one attached to ctx with WithStudy. The default sort is formId ascending.
func (s *FormsService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Form], error) {
	return listPage[Form](ctx, s.client, formsEndpoint, study, opts, nil)
}

// All iterates over every form of a study (GET /studies/{studyKey}/forms), in the order of
// opts.Sort, formId ascending by default.
func (s *FormsService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Form, error] {
	return listAll[Form](ctx, s.client, formsEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's forms that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *FormsService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Form], error] {
	return listPages[Form](ctx, s.client, formsEndpoint, study, opts, nil)
}

// Get returns the form with the given formId, or an error matching ErrNotFound.
func (s *FormsService) Get(ctx context.Context, study string, formID int) (*Form, error) {
	return getOne(ctx, s.client, formsEndpoint, study, itoa(formID), func(x *Form) string { return itoa(x.FormID) })
}

// GetByKey returns the form with the given form key (such as "FORM_1"), or an error matching
// ErrNotFound. It lists with the filter formKey==key and matches the key exactly. A blank key
// is an error and sends nothing.
func (s *FormsService) GetByKey(ctx context.Context, study, formKey string) (*Form, error) {
	if strings.TrimSpace(formKey) == "" {
		return nil, errors.New("imednet: forms: empty form key")
	}
	return getOne(ctx, s.client, formsByKeyEndpoint, study, formKey, func(x *Form) string { return x.FormKey })
}
