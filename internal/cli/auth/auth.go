// Package auth is "imednet auth": checking the credentials.
package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/internal/cli/resource"
)

// NewCmd returns "imednet auth" with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Check the API credentials",
		Long: "The credentials are two keys from iMednet, read from the environment:\n\n" +
			"  export " + imednet.EnvAPIKey + "=...        # the API key\n" +
			"  export " + imednet.EnvSecurityKey + "=...   # the security key\n\n" +
			"The --api-key and --security-key flags exist for scripts, but the environment is safer:\n" +
			"flags show in the process list and the shell history.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCheckCmd(f, nil))
	return cmd
}

// CheckOptions are the options of "auth check".
type CheckOptions struct {
	Factory *cmdutil.Factory
}

// Result is what "auth check" reports.
type Result struct {
	BaseURL string          `json:"baseUrl"`
	Studies []imednet.Study `json:"studies"`
}

// NewCheckCmd returns "auth check". runF, when not nil, runs instead of CheckRun.
func NewCheckCmd(f *cmdutil.Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	o := &CheckOptions{Factory: f}
	return &cobra.Command{
		Use:   "check",
		Short: "Verify the credentials and show which studies they can see",
		Long: "Call the API with the credentials and list the studies they can see. The exit status is 3\n" +
			"when the API refuses the keys, 2 when a key is not set.",
		Example: "  imednet --sandbox auth check\n  imednet auth check -o json",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return CheckRun(cmd.Context(), o)
		},
	}
}

// CheckRun runs "auth check".
func CheckRun(ctx context.Context, o *CheckOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	c, err := f.Client()
	if err != nil {
		return err
	}
	res := Result{BaseURL: c.BaseURL(), Studies: []imednet.Study{}}
	for st, err := range c.Studies.All(ctx, &imednet.ListOptions{PageSize: imednet.MaxPageSize}) {
		if err != nil {
			return err
		}
		res.Studies = append(res.Studies, st)
	}
	switch format {
	case output.Table:
		keys := make([]string, len(res.Studies))
		for i, s := range res.Studies {
			keys[i] = output.Sanitize(s.StudyKey)
		}
		if f.Flags.Sandbox {
			fmt.Fprintln(f.IO.Out, "The credentials work with the sandbox.")
		} else {
			fmt.Fprintf(f.IO.Out, "The credentials work with %s.\n", res.BaseURL)
		}
		switch len(keys) {
		case 0:
			fmt.Fprintln(f.IO.Out, "They can see no study: ask the iMednet administrator to give the key rights to one.")
		default:
			fmt.Fprintf(f.IO.Out, "They can see %s: %s\n", cmdutil.Plural(len(keys), "study", "studies"), strings.Join(keys, ", "))
		}
		return nil
	case output.CSV:
		l := output.NewList(f.IO.Out, format, resource.Studies.Columns, "study", "studies")
		for i := range res.Studies {
			if err := l.Add(&res.Studies[i]); err != nil {
				return err
			}
		}
		return l.Close()
	default:
		enc := json.NewEncoder(f.IO.Out)
		enc.SetEscapeHTML(false)
		if format == output.JSON {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(res)
	}
}
