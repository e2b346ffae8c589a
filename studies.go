package imednet

import (
	"context"
	"iter"
)

// Study is a clinical study the key may see.
type Study struct {
	SponsorKey       string    `json:"sponsorKey"` // a key, kept as text ("100")
	StudyKey         string    `json:"studyKey"`
	StudyID          int       `json:"studyId"`
	StudyName        string    `json:"studyName"`
	StudyDescription string    `json:"studyDescription"`
	StudyType        string    `json:"studyType"` // e.g. "STUDY"
	DateCreated      Timestamp `json:"dateCreated"`
	DateModified     Timestamp `json:"dateModified"`
	Extra            Extra     `json:"-"` // members this version does not know
}

var studiesEndpoint = endpoint{pattern: "/studies", idField: "studyKey"}

// List returns one page of studies (GET /studies). The default sort is studyKey ascending.
func (s *StudiesService) List(ctx context.Context, opts *ListOptions) (*Page[Study], error) {
	return listPage[Study](ctx, s.client, studiesEndpoint, "", opts, nil)
}

// All iterates over every study the key may see.
func (s *StudiesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Study, error] {
	return listAll[Study](ctx, s.client, studiesEndpoint, "", opts, nil)
}

// Pages iterates over the pages of the studies the key may see, in order, as [Pager.Pages]
// does.
func (s *StudiesService) Pages(ctx context.Context, opts *ListOptions) iter.Seq2[*Page[Study], error] {
	return listPages[Study](ctx, s.client, studiesEndpoint, "", opts, nil)
}

// Get returns the study with the given key, or an error matching ErrNotFound.
func (s *StudiesService) Get(ctx context.Context, studyKey string) (*Study, error) {
	return getOne(ctx, s.client, studiesEndpoint, "", studyKey, func(st *Study) string { return st.StudyKey })
}
