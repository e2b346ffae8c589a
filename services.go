package imednet

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// service is what every resource service holds: the client it calls through.
type service struct{ client *Client }

// The resource services, reached from a [Client]: c.Sites.List(ctx, "STUDY", nil).
type (
	// StudiesService lists the studies the key may see.
	StudiesService service
	// SitesService lists a study's sites.
	SitesService service
	// SubjectsService lists a study's subjects.
	SubjectsService service
	// FormsService lists a study's forms (eCRFs).
	FormsService service
	// IntervalsService lists a study's intervals (visit definitions).
	IntervalsService service
	// VisitsService lists a study's subject visits.
	VisitsService service
	// VariablesService lists a study's variables (form fields).
	VariablesService service
	// RecordsService lists a study's records and submits new ones.
	RecordsService service
	// RecordRevisionsService lists a study's record revisions (the audit trail).
	RecordRevisionsService service
	// QueriesService lists a study's queries (data clarification requests).
	QueriesService service
	// UsersService lists a study's users.
	UsersService service
	// CodingsService lists a study's codings (medical dictionary terms).
	CodingsService service
	// JobsService reads and waits for the jobs that record submissions create.
	JobsService service
)

func (c *Client) initServices() {
	s := &service{client: c}
	c.Studies = (*StudiesService)(s)
	c.Sites = (*SitesService)(s)
	c.Subjects = (*SubjectsService)(s)
	c.Forms = (*FormsService)(s)
	c.Intervals = (*IntervalsService)(s)
	c.Visits = (*VisitsService)(s)
	c.Variables = (*VariablesService)(s)
	c.Records = (*RecordsService)(s)
	c.RecordRevisions = (*RecordRevisionsService)(s)
	c.Queries = (*QueriesService)(s)
	c.Users = (*UsersService)(s)
	c.Codings = (*CodingsService)(s)
	c.Jobs = (*JobsService)(s)
}

// endpoint describes one list endpoint of the API.
type endpoint struct {
	pattern string // path template under the API prefix, e.g. "/studies/{studyKey}/sites"
	idField string // the attribute that identifies one item, for Get
}

func (e endpoint) scoped() bool { return strings.Contains(e.pattern, "{studyKey}") }

// path fills the template with the study key, resolved from the argument or the context.
func (e endpoint) path(ctx context.Context, study string) (string, error) {
	if !e.scoped() {
		return e.pattern, nil
	}
	key, err := ResolveStudy(ctx, study)
	if err != nil {
		return "", err
	}
	return strings.Replace(e.pattern, "{studyKey}", PathEscape(key), 1), nil
}

// listPager builds the Pager for one call of a list endpoint.
func listPager[T any](ctx context.Context, c *Client, e endpoint, study string, opts *ListOptions, extra url.Values) (*Pager[T], error) {
	path, err := e.path(ctx, study)
	if err != nil {
		return nil, err
	}
	return NewPager[T](c, path, extra, opts)
}

// listPage fetches the page opts.Page of a list endpoint.
func listPage[T any](ctx context.Context, c *Client, e endpoint, study string, opts *ListOptions, extra url.Values) (*Page[T], error) {
	p, err := listPager[T](ctx, c, e, study, opts, extra)
	if err != nil {
		return nil, err
	}
	page := 0
	if opts != nil {
		page = opts.Page
	}
	return p.Page(ctx, page)
}

// listAll iterates over every item of a list endpoint.
func listAll[T any](ctx context.Context, c *Client, e endpoint, study string, opts *ListOptions, extra url.Values) iter.Seq2[T, error] {
	p, err := listPager[T](ctx, c, e, study, opts, extra)
	if err != nil {
		return errorSeq[T](err)
	}
	return p.All(ctx)
}

// listPages iterates over the pages of a list endpoint.
func listPages[T any](ctx context.Context, c *Client, e endpoint, study string, opts *ListOptions, extra url.Values) iter.Seq2[*Page[T], error] {
	p, err := listPager[T](ctx, c, e, study, opts, extra)
	if err != nil {
		return errorSeq[*Page[T]](err)
	}
	return p.Pages(ctx)
}

// getOne finds the single item whose idField equals id. The API has no single-item paths, so
// it lists with the filter idField==id and returns ErrNotFound when nothing matches.
func getOne[T any](ctx context.Context, c *Client, e endpoint, study string, id string, idOf func(*T) string) (*T, error) {
	opts := &ListOptions{PageSize: 25, Filter: Eq(e.idField, id)}
	path, err := e.path(ctx, study)
	if err != nil {
		return nil, err
	}
	for item, err := range listAll[T](ctx, c, e, study, opts, nil) {
		if err != nil {
			return nil, err
		}
		if idOf(&item) == id {
			return &item, nil
		}
	}
	return nil, &notFoundError{what: strings.TrimSuffix(e.idField, "Id") + " " + id, path: c.base.Path + APIPrefix + path}
}

// notFoundError reports that a Get found nothing; errors.Is(err, ErrNotFound) holds.
type notFoundError struct{ what, path string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("imednet: %s: %s not found", e.path, e.what)
}

func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// errorSeq is an iterator that yields err once.
func errorSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
