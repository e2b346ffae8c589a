package imednet

import (
	"context"
	"errors"
	"iter"
	"strings"
)

// Subject is a study participant enrolled at a site.
type Subject struct {
	StudyKey   string `json:"studyKey"`
	SubjectID  int    `json:"subjectId"`  // the API's internal numeric id
	SubjectOID string `json:"subjectOid"` // client-assigned object identifier; often ""
	// SubjectKey is the protocol-assigned display id, such as "01-001". It is text: leading
	// zeros matter. Users know subjects by it; see [SubjectsService.GetByKey].
	SubjectKey    string `json:"subjectKey"`
	SubjectStatus string `json:"subjectStatus"` // free text, e.g. "Enrolled", "Screened"; vocabularies vary by environment
	SiteID        int    `json:"siteId"`        // the site the subject belongs to
	SiteName      string `json:"siteName"`
	Deleted       bool   `json:"deleted"` // the subject is marked as deleted
	// EnrollmentStartDate is when the subject's enrollment began; zero when the API sends "".
	EnrollmentStartDate Timestamp `json:"enrollmentStartDate"`
	DateCreated         Timestamp `json:"dateCreated"`
	DateModified        Timestamp `json:"dateModified"`
	Keywords            []Keyword `json:"keywords"` // labels attached to the subject; nil when absent or null
	Extra               Extra     `json:"-"`        // members this version does not know
}

var (
	subjectsEndpoint      = endpoint{pattern: "/studies/{studyKey}/subjects", idField: "subjectId"}
	subjectsByKeyEndpoint = endpoint{pattern: "/studies/{studyKey}/subjects", idField: "subjectKey"}
)

// List returns one page of a study's subjects (GET /studies/{studyKey}/subjects). An empty
// study uses the one attached to ctx with WithStudy. The default sort is subjectId ascending.
func (s *SubjectsService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Subject], error) {
	return listPage[Subject](ctx, s.client, subjectsEndpoint, study, opts, nil)
}

// All iterates over every subject of a study (GET /studies/{studyKey}/subjects), in the
// order of opts.Sort, subjectId ascending by default.
func (s *SubjectsService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Subject, error] {
	return listAll[Subject](ctx, s.client, subjectsEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's subjects that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *SubjectsService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Subject], error] {
	return listPages[Subject](ctx, s.client, subjectsEndpoint, study, opts, nil)
}

// Get returns the subject with the given subjectId, or an error matching ErrNotFound.
func (s *SubjectsService) Get(ctx context.Context, study string, subjectID int) (*Subject, error) {
	return getOne(ctx, s.client, subjectsEndpoint, study, itoa(subjectID), func(x *Subject) string { return itoa(x.SubjectID) })
}

// GetByKey returns the subject with the given subject key (such as "01-001"), or an error
// matching ErrNotFound. It lists with the filter subjectKey==key and matches the key exactly.
// A blank key is an error and sends nothing.
func (s *SubjectsService) GetByKey(ctx context.Context, study, subjectKey string) (*Subject, error) {
	if strings.TrimSpace(subjectKey) == "" {
		return nil, errors.New("imednet: subjects: empty subject key")
	}
	return getOne(ctx, s.client, subjectsByKeyEndpoint, study, subjectKey, func(x *Subject) string { return x.SubjectKey })
}
