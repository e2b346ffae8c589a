package imednet

import (
	"context"
	"iter"

	"github.com/imednet/imednet-go/internal/wire"
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

// UnmarshalJSON decodes a study tolerantly (see package wire).
func (s *Study) UnmarshalJSON(data []byte) error {
	*s = Study{}
	return wire.DecodeObject(data, &s.Extra, func(f *wire.Field) {
		switch f.Key {
		case "sponsorKey":
			f.String(&s.SponsorKey)
		case "studyKey":
			f.String(&s.StudyKey)
		case "studyId":
			f.Int(&s.StudyID)
		case "studyName":
			f.String(&s.StudyName)
		case "studyDescription":
			f.String(&s.StudyDescription)
		case "studyType":
			f.String(&s.StudyType)
		case "dateCreated":
			f.Time(&s.DateCreated)
		case "dateModified":
			f.Time(&s.DateModified)
		default:
			f.Keep()
		}
	})
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

// Get returns the study with the given key, or an error matching ErrNotFound.
func (s *StudiesService) Get(ctx context.Context, studyKey string) (*Study, error) {
	return getOne(ctx, s.client, studiesEndpoint, "", studyKey, func(st *Study) string { return st.StudyKey })
}
