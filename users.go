package imednet

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// User is a user with access to a study.
type User struct {
	UserID            string `json:"userId"` // a UUID
	Login             string `json:"login"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	Email             string `json:"email"`
	UserActiveInStudy bool   `json:"userActiveInStudy"` // the user is active in this study
	Roles             []Role `json:"roles"`             // the user's roles in the study
	Extra             Extra  `json:"-"`                 // members this version does not know
}

// Role is a role a user holds in a study.
type Role struct {
	// DateCreated and DateModified are when the role assignment was made and last changed.
	// The contract sends them as [year, month, day, hour, minute, second, nanosecond] arrays;
	// strings in any timestamp layout are read too.
	DateCreated  Timestamp `json:"dateCreated"`
	DateModified Timestamp `json:"dateModified"`
	RoleID       string    `json:"roleId"`      // a UUID
	CommunityID  int       `json:"communityId"` // the community (or level) the role belongs to
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Level        int       `json:"level"` // the role's level in the hierarchy
	Type         string    `json:"type"`  // the role's category
	Inactive     bool      `json:"inactive"`
	Extra        Extra     `json:"-"` // members this version does not know
}

// UserListOptions are the parameters of the users list. A nil *UserListOptions means the
// defaults, active users only.
type UserListOptions struct {
	// ListOptions' Filter must be zero: the users endpoint takes no filter, and a filter is
	// an error before anything is sent.
	ListOptions
	// IncludeInactive lists users who are no longer active in the study too. It is always
	// sent, as includeInactive=true or false.
	IncludeInactive bool
}

// errUsersFilter is returned for a users list with a filter.
var errUsersFilter = errors.New("imednet: the users endpoint takes no filter; select users client-side")

// split returns the common options and the extra query parameters for opts.
func (o *UserListOptions) split() (*ListOptions, url.Values, error) {
	if o == nil {
		return nil, url.Values{"includeInactive": {"false"}}, nil
	}
	if !o.Filter.IsZero() {
		return nil, nil, errUsersFilter
	}
	return &o.ListOptions, url.Values{"includeInactive": {strconv.FormatBool(o.IncludeInactive)}}, nil
}

var usersEndpoint = endpoint{pattern: "/studies/{studyKey}/users", idField: "userId"}

// List returns one page of a study's users (GET /studies/{studyKey}/users). An empty study
// uses the one attached to ctx with WithStudy. The default sort is login ascending.
func (s *UsersService) List(ctx context.Context, study string, opts *UserListOptions) (*Page[User], error) {
	lo, extra, err := opts.split()
	if err != nil {
		return nil, err
	}
	return listPage[User](ctx, s.client, usersEndpoint, study, lo, extra)
}

// All iterates over every user of a study that opts selects.
func (s *UsersService) All(ctx context.Context, study string, opts *UserListOptions) iter.Seq2[User, error] {
	lo, extra, err := opts.split()
	if err != nil {
		return errorSeq[User](err)
	}
	return listAll[User](ctx, s.client, usersEndpoint, study, lo, extra)
}

// Pages iterates over the pages of a study's users that opts selects, in order, as
// [Pager.Pages] does.
func (s *UsersService) Pages(ctx context.Context, study string, opts *UserListOptions) iter.Seq2[*Page[User], error] {
	lo, extra, err := opts.split()
	if err != nil {
		return errorSeq[*Page[User]](err)
	}
	return listPages[User](ctx, s.client, usersEndpoint, study, lo, extra)
}

// Get returns the user with the given id (a UUID, compared without regard to case), active or
// not, or an error matching ErrNotFound. The users endpoint takes no filter, so Get pages
// through all the study's users.
func (s *UsersService) Get(ctx context.Context, study string, userID string) (*User, error) {
	path, err := usersEndpoint.path(ctx, study)
	if err != nil {
		return nil, err
	}
	want := strings.TrimSpace(userID)
	if want == "" {
		return nil, errors.New("imednet: users: the user id is empty")
	}
	opts := &UserListOptions{ListOptions: ListOptions{PageSize: MaxPageSize}, IncludeInactive: true}
	for u, err := range s.All(ctx, study, opts) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(strings.TrimSpace(u.UserID), want) {
			return &u, nil
		}
	}
	return nil, &notFoundError{what: "user " + userID, path: s.client.base.Path + APIPrefix + path}
}
