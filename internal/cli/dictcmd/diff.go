package dictcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// DiffOptions are the options of "dictionary diff".
type DiffOptions struct {
	Factory *cmdutil.Factory
	A, B    string
}

func newDiffCmd(f *cmdutil.Factory) *cobra.Command {
	o := &DiffOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "List the differences between two dictionaries (folders, ZIPs or api:STUDY)",
		Long: `List what changed from dictionary A to dictionary B: forms, variables and choices added,
removed and changed (a form's name or type; a variable's type, label or status; a choice's
text). Each of A and B is a folder or ZIP of the vendor's dictionary files, api:STUDY for
what the API says of a study (its forms and variables, without choice lists), or, with
--sandbox, "sandbox" for the sandbox's own files. Choices are compared when both sides have
them.

Use it to compare a study's build in UAT with production, or two exports over time. The
command exits with status 1 when the dictionaries differ and 0 when they agree; a bad file
exits 2 naming file, line and column.`,
		Example: `  imednet --sandbox dictionary diff api:DEMO sandbox -o table
  imednet dictionary diff prod/ uat.zip -o json
  imednet dictionary diff api:MYSTUDY-UAT api:MYSTUDY`,
		Args: cmdutil.ExactArgs(2, "two dictionaries, A and B"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.A, o.B = args[0], args[1]
			return DiffRun(cmd.Context(), o)
		},
	}
	return cmd
}

var changeColumns = []output.Column[dictionary.Change]{
	{Name: "op", Value: func(c *dictionary.Change) string { return string(c.Op) }, Table: true},
	{Name: "item", Value: func(c *dictionary.Change) string { return c.Item }, Table: true},
	{Name: "form", Value: func(c *dictionary.Change) string { return c.Form }},
	{Name: "variable", Value: func(c *dictionary.Change) string { return c.Variable }},
	{Name: "choice", Value: func(c *dictionary.Change) string { return c.Choice }},
	{Name: "path", Value: func(c *dictionary.Change) string { return c.Path() }, Table: true},
	{Name: "field", Value: func(c *dictionary.Change) string { return c.Field }, Table: true},
	{Name: "old", Value: func(c *dictionary.Change) string { return c.Old }, Table: true},
	{Name: "new", Value: func(c *dictionary.Change) string { return c.New }, Table: true},
}

// DiffRun runs "dictionary diff".
func DiffRun(ctx context.Context, o *DiffOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	a, err := openSpec(ctx, f, o.A)
	if err != nil {
		return err
	}
	b, err := openSpec(ctx, f, o.B)
	if err != nil {
		return err
	}
	changes := dictionary.Diff(a, b)
	l := output.NewList(f.IO.Out, format, changeColumns, "difference", "differences").FitTo(f.IO.Width)
	for i := range changes {
		if err := l.Add(&changes[i]); err != nil {
			return err
		}
	}
	if err := l.Close(); err != nil {
		return err
	}
	if len(changes) > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	fmt.Fprintf(f.IO.ErrOut, "%s and %s agree\n", o.A, o.B)
	return nil
}

// openSpec opens one side of a diff: api:STUDY, "sandbox" (with --sandbox), or files.
func openSpec(ctx context.Context, f *cmdutil.Factory, spec string) (*dictionary.Dictionary, error) {
	if study, ok := strings.CutPrefix(spec, "api:"); ok {
		c, study, err := f.StudyClient(study)
		if err != nil {
			return nil, err
		}
		d, err := dictionary.Load(ctx, c, study)
		if err != nil {
			return nil, fmt.Errorf("loading the data dictionary of %s: %w", study, err)
		}
		return d, nil
	}
	d, err := LoadFiles(f, spec)
	if err != nil {
		return nil, cmdutil.Usage(fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "--dictionary: ")))
	}
	return d, nil
}
