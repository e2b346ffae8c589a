package dictionary

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	imednet "github.com/imednet/imednet-go"
)

// Load fetches the dictionary of a study: every form (GET /studies/{studyKey}/forms, sorted
// by formId) and every variable (GET /studies/{studyKey}/variables, sorted by variableId, a
// total order so that paging neither skips nor repeats one), MaxPageSize (500) per page, the
// two lists fetched concurrently. An empty study uses the one attached to ctx with
// [imednet.WithStudy]. It then builds the dictionary as [New] does, and fails, naming them,
// if some variables belong to no form. [Fetch] lists the same, for callers that keep the
// models too or tune the listings.
func Load(ctx context.Context, c *imednet.Client, study string) (*Dictionary, error) {
	if c == nil {
		return nil, errors.New("dictionary: Load: nil *imednet.Client")
	}
	key, err := imednet.ResolveStudy(ctx, study)
	if err != nil {
		return nil, fmt.Errorf("dictionary: Load: %w", err)
	}
	forms, vars, err := Fetch(ctx, c, key, nil)
	if err != nil {
		return nil, err
	}
	return New(key, forms, vars)
}

// Fetch lists a study's forms and variables as [Load] does, concurrently, and returns them
// as the API sent them, sorted by id. opts, when not nil, tunes both listings: its PageSize
// (0 for MaxPageSize), Prefetch, Gate and KeepRaw apply. Its Sort and Filter must be zero,
// and its Page is ignored: Fetch lists everything, sorted by id.
func Fetch(ctx context.Context, c *imednet.Client, study string, opts *imednet.ListOptions) ([]imednet.Form, []imednet.Variable, error) {
	if c == nil {
		return nil, nil, errors.New("dictionary: Fetch: nil *imednet.Client")
	}
	key, err := imednet.ResolveStudy(ctx, study)
	if err != nil {
		return nil, nil, fmt.Errorf("dictionary: Fetch: %w", err)
	}
	var base imednet.ListOptions
	if opts != nil {
		if len(opts.Sort) > 0 || !opts.Filter.IsZero() {
			return nil, nil, errors.New("dictionary: Fetch: ListOptions.Sort and Filter must be zero: the forms and variables are listed whole, sorted by id")
		}
		base = *opts
		base.Page = 0
	}
	if base.PageSize == 0 {
		base.PageSize = imednet.MaxPageSize
	}
	sorted := func(attr string) *imednet.ListOptions {
		o := base
		o.Sort = []imednet.Sort{imednet.Asc(attr)}
		return &o
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg         sync.WaitGroup
		forms      []imednet.Form
		vars       []imednet.Variable
		ferr, verr error
	)
	wg.Go(func() {
		forms, ferr = collect(c.Forms.All(ctx, key, sorted("formId")))
		if ferr != nil {
			cancel()
		}
	})
	wg.Go(func() {
		vars, verr = collect(c.Variables.All(ctx, key, sorted("variableId")))
		if verr != nil {
			cancel()
		}
	})
	wg.Wait()

	// When one list failed, the other was cancelled: report the failure, not the cancellation.
	switch {
	case ferr != nil && (verr == nil || !errors.Is(ferr, context.Canceled) || errors.Is(verr, context.Canceled)):
		return nil, nil, fmt.Errorf("dictionary: loading the forms of study %s: %w", key, ferr)
	case verr != nil:
		return nil, nil, fmt.Errorf("dictionary: loading the variables of study %s: %w", key, verr)
	}
	return forms, vars, nil
}

// collect gathers every item of seq, stopping at the first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for x, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}
