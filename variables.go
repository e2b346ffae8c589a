package imednet

import (
	"context"
	"iter"
)

// Variable is a field of a form: one question of an eCRF.
type Variable struct {
	StudyKey   string `json:"studyKey"`
	VariableID int    `json:"variableId"` // the API's internal numeric id
	// VariableType is the field type, e.g. "RADIO", "TEXT", "DATE"; an open vocabulary whose
	// spelling varies between sources ("memo", "text").
	VariableType string `json:"variableType"`
	// VariableName and Label are described inconsistently by the documentation: it calls
	// VariableName the question text and Label the user-defined identifier (field name), while
	// its example has "Pain Level" and "Select patient pain level between 1 and 10".
	VariableName string    `json:"variableName"`
	Sequence     int       `json:"sequence"` // position of the field on its form
	Revision     int       `json:"revision"` // how many times the variable's metadata was revised
	Disabled     bool      `json:"disabled"` // the variable is disabled (soft-deleted)
	DateCreated  Timestamp `json:"dateCreated"`
	DateModified Timestamp `json:"dateModified"`
	FormID       int       `json:"formId"`      // the form the variable belongs to
	VariableOID  string    `json:"variableOid"` // client-assigned object identifier
	Deleted      bool      `json:"deleted"`     // the variable is marked as deleted
	FormKey      string    `json:"formKey"`     // the key of the form the variable belongs to
	FormName     string    `json:"formName"`    // the name of the form the variable belongs to
	Label        string    `json:"label"`       // see VariableName
	Blinded      bool      `json:"blinded"`     // the variable is blinded (hidden from some roles)
	Extra        Extra     `json:"-"`           // members this version does not know
}

var variablesEndpoint = endpoint{pattern: "/studies/{studyKey}/variables", idField: "variableId"}

// List returns one page of a study's variables (GET /studies/{studyKey}/variables). An empty
// study uses the one attached to ctx with WithStudy. The default sort is formId ascending
// (the vendor's documentation; pass Sort to get a definite order within a form, e.g. by
// variableId).
func (s *VariablesService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Variable], error) {
	return listPage[Variable](ctx, s.client, variablesEndpoint, study, opts, nil)
}

// All iterates over every variable of a study (GET /studies/{studyKey}/variables), in the
// order of opts.Sort, formId ascending by default.
func (s *VariablesService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Variable, error] {
	return listAll[Variable](ctx, s.client, variablesEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's variables that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *VariablesService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Variable], error] {
	return listPages[Variable](ctx, s.client, variablesEndpoint, study, opts, nil)
}

// Get returns the variable with the given variableId, or an error matching ErrNotFound.
func (s *VariablesService) Get(ctx context.Context, study string, variableID int) (*Variable, error) {
	return getOne(ctx, s.client, variablesEndpoint, study, itoa(variableID), func(x *Variable) string { return itoa(x.VariableID) })
}
