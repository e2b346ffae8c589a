package imednet

import (
	"context"
	"iter"

	"github.com/imednet/imednet-go/internal/wire"
)

// Coding is a verbatim value coded against a medical dictionary (such as MedDRA or WHODrug).
type Coding struct {
	StudyKey   string `json:"studyKey"`
	SiteName   string `json:"siteName"`
	SiteID     int    `json:"siteId"`
	SubjectID  int    `json:"subjectId"`
	SubjectKey string `json:"subjectKey"`
	FormID     int    `json:"formId"`
	FormName   string `json:"formName"`
	FormKey    string `json:"formKey"`
	Revision   int    `json:"revision"` // revision number of the coding entry
	RecordID   int    `json:"recordId"`
	Variable   string `json:"variable"` // the variable coded, e.g. "AETERM"
	Value      string `json:"value"`    // the verbatim value entered, e.g. "Angina"
	// CodingID identifies the coding. The contract declares an integer, but string ids such
	// as "C1" have been reported from live systems, so it is kept as text: the digits of an
	// integer ("7"), or the string as sent.
	CodingID          string    `json:"codingId"`
	Code              string    `json:"code"`              // the dictionary term assigned
	CodedBy           string    `json:"codedBy"`           // name of the user who coded it
	Reason            string    `json:"reason"`            // reason for the coding or its change
	DictionaryName    string    `json:"dictionaryName"`    // e.g. "MedDRA"
	DictionaryVersion string    `json:"dictionaryVersion"` // e.g. "24.0", kept as text
	DateCoded         Timestamp `json:"dateCoded"`
	Extra             Extra     `json:"-"` // members this version does not know
}

// decodeCodingID decodes codingId, a number or a string: an integral number is written in
// plain digits (7.0 and 7e0 are "7"), anything else as text.
func (c *Coding) decodeCodingID(f *wire.Field) {
	if n, ok := f.Value.Int(); ok && f.Value.Kind() == wire.Number {
		c.CodingID = itoa(n)
		return
	}
	f.String(&c.CodingID)
}

var codingsEndpoint = endpoint{pattern: "/studies/{studyKey}/codings", idField: "codingId"}

// List returns one page of a study's codings (GET /studies/{studyKey}/codings). An empty study
// uses the one attached to ctx with WithStudy. The default sort is formId ascending (per the
// vendor's text; its example response is sorted by recordId).
func (s *CodingsService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Coding], error) {
	return listPage[Coding](ctx, s.client, codingsEndpoint, study, opts, nil)
}

// All iterates over every coding of a study.
func (s *CodingsService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Coding, error] {
	return listAll[Coding](ctx, s.client, codingsEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's codings that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *CodingsService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Coding], error] {
	return listPages[Coding](ctx, s.client, codingsEndpoint, study, opts, nil)
}

// Get returns the coding with the given id ("7", or a text id such as "C1"), or an error
// matching ErrNotFound.
func (s *CodingsService) Get(ctx context.Context, study string, codingID string) (*Coding, error) {
	return getOne(ctx, s.client, codingsEndpoint, study, codingID, func(x *Coding) string { return x.CodingID })
}
