package resource

import (
	"errors"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// Commands returns the list/get commands of every resource but records, whose command the
// records package builds (it adds "records create"), queries, whose command the queries
// package builds (its list is also the query worklist), and subjects, whose command the
// subjects package builds (it adds "subjects show").
func Commands(f *cmdutil.Factory) []*cobra.Command {
	return []*cobra.Command{
		NewCmd(f, Studies),
		NewCmd(f, Sites),
		NewCmd(f, Forms),
		NewCmd(f, Intervals),
		NewCmd(f, Visits),
		NewCmd(f, Variables),
		NewCmd(f, Revisions),
		NewCmd(f, Users),
		NewCmd(f, Codings),
	}
}

func isNotFound(err error) bool { return errors.Is(err, imednet.ErrNotFound) }
