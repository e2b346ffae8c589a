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
// if some variables belong to no form.
func Load(ctx context.Context, c *imednet.Client, study string) (*Dictionary, error) {
	if c == nil {
		return nil, errors.New("dictionary: Load: nil *imednet.Client")
	}
	key, err := imednet.ResolveStudy(ctx, study)
	if err != nil {
		return nil, fmt.Errorf("dictionary: Load: %w", err)
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
		forms, ferr = collect(c.Forms.All(ctx, key, &imednet.ListOptions{
			PageSize: imednet.MaxPageSize, Sort: []imednet.Sort{imednet.Asc("formId")}}))
		if ferr != nil {
			cancel()
		}
	})
	wg.Go(func() {
		vars, verr = collect(c.Variables.All(ctx, key, &imednet.ListOptions{
			PageSize: imednet.MaxPageSize, Sort: []imednet.Sort{imednet.Asc("variableId")}}))
		if verr != nil {
			cancel()
		}
	})
	wg.Wait()

	// When one list failed, the other was cancelled: report the failure, not the cancellation.
	switch {
	case ferr != nil && (verr == nil || !errors.Is(ferr, context.Canceled) || errors.Is(verr, context.Canceled)):
		return nil, fmt.Errorf("dictionary: loading the forms of study %s: %w", key, ferr)
	case verr != nil:
		return nil, fmt.Errorf("dictionary: loading the variables of study %s: %w", key, verr)
	}
	return New(key, forms, vars)
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
