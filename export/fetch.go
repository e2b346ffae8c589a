package export

import (
	"context"
	"iter"

	"github.com/imednet/imednet-go"
)

// fetcher makes every request of a run, through the client's services as any caller of the
// SDK would: each page request goes through the run's gate (at most so many in flight, paced
// when asked), and each listing fetches up to window pages ahead of the one being processed.
type fetcher struct {
	client *imednet.Client
	gate   *imednet.Gate
	window int
}

// base are the options every listing of the run shares: size items a page, fetched ahead
// and gated as the run's are.
func (f *fetcher) base(size int) imednet.ListOptions {
	return imednet.ListOptions{PageSize: size, Prefetch: f.window, Gate: f.gate.Enter}
}

// options are the options of one listing of the run: sorted by one attribute ascending (a
// total order when the attribute is the items' id, so that paging neither skips nor repeats
// an item) and selected by filter (zero for all).
func (f *fetcher) options(size int, sortBy string, filter imednet.Filter) imednet.ListOptions {
	o := f.base(size)
	o.Sort, o.Filter = []imednet.Sort{imednet.Asc(sortBy)}, filter
	return o
}

// eachPage calls fn with each page of a listing, in order, on the calling goroutine, and
// stops at the first error, of a request or of fn.
func eachPage[T any](pages iter.Seq2[*imednet.Page[T], error], fn func(*imednet.Page[T]) error) error {
	for page, err := range pages {
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// pagesFunc is a service's Pages method, such as client.Sites.Pages.
type pagesFunc[T any] func(ctx context.Context, study string, opts *imednet.ListOptions) iter.Seq2[*imednet.Page[T], error]

// service picks one listing's Pages method from the run's client.
type service[T any] func(c *imednet.Client) pagesFunc[T]

// The services of the reference listings. Studies are not study-scoped (the study argument is
// ignored), and users are listed inactive ones included.
var (
	studiesService service[imednet.Study] = func(c *imednet.Client) pagesFunc[imednet.Study] {
		return func(ctx context.Context, _ string, o *imednet.ListOptions) iter.Seq2[*imednet.Page[imednet.Study], error] {
			return c.Studies.Pages(ctx, o)
		}
	}
	sitesService     service[imednet.Site]           = func(c *imednet.Client) pagesFunc[imednet.Site] { return c.Sites.Pages }
	subjectsService  service[imednet.Subject]        = func(c *imednet.Client) pagesFunc[imednet.Subject] { return c.Subjects.Pages }
	intervalsService service[imednet.Interval]       = func(c *imednet.Client) pagesFunc[imednet.Interval] { return c.Intervals.Pages }
	visitsService    service[imednet.Visit]          = func(c *imednet.Client) pagesFunc[imednet.Visit] { return c.Visits.Pages }
	queriesService   service[imednet.Query]          = func(c *imednet.Client) pagesFunc[imednet.Query] { return c.Queries.Pages }
	revisionsService service[imednet.RecordRevision] = func(c *imednet.Client) pagesFunc[imednet.RecordRevision] {
		return c.RecordRevisions.Pages
	}
	codingsService service[imednet.Coding] = func(c *imednet.Client) pagesFunc[imednet.Coding] { return c.Codings.Pages }
	usersService   service[imednet.User]   = func(c *imednet.Client) pagesFunc[imednet.User] {
		return func(ctx context.Context, study string, o *imednet.ListOptions) iter.Seq2[*imednet.Page[imednet.User], error] {
			return c.Users.Pages(ctx, study, &imednet.UserListOptions{ListOptions: *o, IncludeInactive: true})
		}
	}
)
