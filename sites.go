package imednet

import (
	"context"
	"iter"
)

// Site is a study site (a hospital or clinic that enrols subjects).
type Site struct {
	StudyKey             string    `json:"studyKey"`
	SiteID               int       `json:"siteId"`
	SiteName             string    `json:"siteName"`
	SiteEnrollmentStatus string    `json:"siteEnrollmentStatus"` // e.g. "Enrollment Open"; vocabularies vary by environment
	DateCreated          Timestamp `json:"dateCreated"`
	DateModified         Timestamp `json:"dateModified"`
	Extra                Extra     `json:"-"` // members this version does not know
}

var sitesEndpoint = endpoint{pattern: "/studies/{studyKey}/sites", idField: "siteId"}

// List returns one page of a study's sites (GET /studies/{studyKey}/sites). An empty study
// uses the one attached to ctx with WithStudy. The default sort is siteId ascending.
func (s *SitesService) List(ctx context.Context, study string, opts *ListOptions) (*Page[Site], error) {
	return listPage[Site](ctx, s.client, sitesEndpoint, study, opts, nil)
}

// All iterates over every site of a study.
func (s *SitesService) All(ctx context.Context, study string, opts *ListOptions) iter.Seq2[Site, error] {
	return listAll[Site](ctx, s.client, sitesEndpoint, study, opts, nil)
}

// Pages iterates over the pages of a study's sites that opts selects, in order, as
// [Pager.Pages] does: for callers that work a page at a time (see ListOptions.Gate and
// ListOptions.KeepRaw).
func (s *SitesService) Pages(ctx context.Context, study string, opts *ListOptions) iter.Seq2[*Page[Site], error] {
	return listPages[Site](ctx, s.client, sitesEndpoint, study, opts, nil)
}

// Get returns the site with the given id, or an error matching ErrNotFound.
func (s *SitesService) Get(ctx context.Context, study string, siteID int) (*Site, error) {
	return getOne(ctx, s.client, sitesEndpoint, study, itoa(siteID), func(x *Site) string { return itoa(x.SiteID) })
}
