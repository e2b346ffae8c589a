// Package resource is the one implementation of the "<noun> list" and "<noun> get" commands
// that every resource of the API shares. A resource is described once, as a [Spec] (its
// names, its columns, and the SDK calls that list it and get one item), and [NewCmd] builds
// its commands from that description. The specs of the API's resources are in specs.go.
package resource

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// ListParams holds the list parameters the flags give, ready for the SDK.
type ListParams struct {
	imednet.ListOptions
	RecordDataFilter imednet.Filter // --record-data-filter; only for records
	IncludeInactive  bool           // --include-inactive; only for users
}

// Spec describes one resource of the API for the list and get commands.
type Spec[T any] struct {
	Name    string   // the command and the plural, e.g. "sites"
	One     string   // one item, e.g. "site"
	Aliases []string // other names of the command, e.g. "site"
	// What says what the items are, completing "List ..." and "Show one of ...", e.g.
	// "the sites of a study".
	What string
	// Scoped resources belong to a study and take --study; studies do not.
	Scoped bool
	// IDName is the field that get takes, e.g. "siteId"; IDHelp says more about it.
	IDName, IDHelp string
	// NoFilter hides --filter (the users endpoint takes none).
	NoFilter bool
	// RecordDataFilter adds --record-data-filter; IncludeInactive adds --include-inactive.
	RecordDataFilter, IncludeInactive bool
	// Columns describe the fields for the table and CSV; JSON encodes the item itself.
	Columns []output.Column[T]
	// AppendJSON, when set, writes an item of the list in JSON as encoding/json would, only
	// faster (see output.List.AppendJSONWith); the records list, the longest, has one.
	AppendJSON func(b []byte, item *T) []byte
	// List iterates over the items the query selects.
	List func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[T, error]
	// Get returns the item with the given id; a malformed id is a usage error.
	Get func(ctx context.Context, c *imednet.Client, study, id string) (*T, error)
	// FilterExample, SortExample and ExampleID are used in the help's examples, which run on
	// the sandbox's demo study.
	FilterExample, SortExample, ExampleID string
}

// NewCmd returns the command of a resource, with its list and get subcommands.
func NewCmd[T any](f *cmdutil.Factory, spec *Spec[T]) *cobra.Command {
	cmd, _ := NewCmdWithList(f, spec, nil)
	return cmd
}

// NewCmdWithList returns the command of a resource and its list subcommand, which runs
// runList instead of ListRun when runList is not nil: a resource whose list does more (the
// query worklist, the records of one form as a table) adds its flags to the list command and
// calls ListRun for the rest.
func NewCmdWithList[T any](f *cmdutil.Factory, spec *Spec[T], runList func(context.Context, *ListOptions[T]) error) (*cobra.Command, *cobra.Command) {
	cmd := &cobra.Command{
		Use:     spec.Name + " <command>",
		Short:   "List or show " + spec.What,
		Aliases: spec.Aliases,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	list := NewListCmd(f, spec, runList)
	cmd.AddCommand(list, NewGetCmd(f, spec, nil))
	return cmd, list
}

// Prefetch is how many pages a list without --limit fetches ahead of the output.
const Prefetch = 4

// ListOptions are the options of "<noun> list".
type ListOptions[T any] struct {
	Factory *cmdutil.Factory
	Spec    *Spec[T]

	Study            string
	Filter           string
	RecordDataFilter string
	Sort             []string
	PageSize         int
	Limit            int
	IncludeInactive  bool
	Select           cmdutil.SelectFlags // --json and --jq
	// Columns, when set, replace the spec's columns in the table and the CSV (the variables
	// of one form, for records list --form).
	Columns []output.Column[T]
}

// NewListCmd returns "<noun> list". runF, when not nil, runs instead of ListRun (a test
// seam for flag parsing).
func NewListCmd[T any](f *cmdutil.Factory, spec *Spec[T], runF func(context.Context, *ListOptions[T]) error) *cobra.Command {
	o := &ListOptions[T]{Factory: f, Spec: spec}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List " + spec.What,
		Long:    listLong(spec),
		Example: listExample(spec),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return ListRun(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	if spec.Scoped {
		fl.StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	}
	if !spec.NoFilter {
		fl.StringVarP(&o.Filter, "filter", "f", "", "select items, in the API's filter grammar, e.g. '"+spec.FilterExample+"'")
	}
	if spec.RecordDataFilter {
		fl.StringVar(&o.RecordDataFilter, "record-data-filter", "", "select records by their data (variable names), e.g. 'AESER==true'")
	}
	if spec.IncludeInactive {
		fl.BoolVar(&o.IncludeInactive, "include-inactive", false, "list users who are no longer active in the study too")
	}
	fl.StringArrayVar(&o.Sort, "sort", nil, "sort by a field: field[,asc|desc]; repeat for more keys, most significant first")
	fl.IntVar(&o.PageSize, "page-size", 0, fmt.Sprintf("items per request, 1 to %d (default %d)", imednet.MaxPageSize, imednet.DefaultPageSize))
	fl.IntVar(&o.Limit, "limit", 0, "stop after this many items (default: all of them)")
	cmdutil.AddSelectFlags(cmd, &o.Select)
	o.Select.CompleteFields(spec.Fields)
	return cmd
}

func listLong[T any](spec *Spec[T]) string {
	var b strings.Builder
	fmt.Fprintf(&b, "List %s, every page of them (--limit stops early).\n\n", spec.What)
	b.WriteString("The output streams as pages arrive: a table on a terminal, JSON Lines when piped\n" +
		"(see --output). Field names are the API's; --filter and --sort take the same names.\n")
	if !spec.NoFilter {
		b.WriteString("\nThe filter grammar: attribute, operator, value; operators == != < <= > >= =~ (contains);\n" +
			"';' is AND, ',' is OR, e.g. \"" + spec.FilterExample + "\".\n" +
			"Quote values with spaces: name==\"Site A\". The whole grammar: 'imednet help filter'.\n")
	}
	if spec.RecordDataFilter {
		b.WriteString("--record-data-filter uses the same grammar on the record's data, by variable name\n" +
			"(case-sensitive), and may not mix ';' with ','.\n")
	}
	if spec.NoFilter {
		b.WriteString("\nThe API takes no filter for " + spec.Name + ".\n")
	}
	b.WriteString("\n" + cmdutil.SelectHelp + "\n")
	return b.String()
}

func listExample[T any](spec *Spec[T]) string {
	study := ""
	if spec.Scoped {
		study = " --study DEMO"
	}
	lines := []string{
		fmt.Sprintf("imednet --sandbox %s list", spec.Name),
		fmt.Sprintf("imednet --sandbox %s list%s --sort %s --limit 5", spec.Name, study, spec.SortExample),
	}
	if !spec.NoFilter {
		lines = append(lines, fmt.Sprintf("imednet --sandbox %s list --filter '%s' -o csv > %s.csv", spec.Name, spec.FilterExample, spec.Name))
	}
	if spec.RecordDataFilter {
		lines = append(lines, "imednet --sandbox records list --filter 'formKey==AE' --record-data-filter 'AESER==true' -o json")
	}
	if spec.IncludeInactive {
		lines = append(lines, "imednet --sandbox users list --include-inactive -o jsonl")
	}
	return "  " + strings.Join(lines, "\n  ")
}

// ListRun runs "<noun> list": it streams every item the flags select to the output.
func ListRun[T any](ctx context.Context, o *ListOptions[T]) error {
	defer cmdutil.StreamingGC()()
	f, spec := o.Factory, o.Spec
	sel, format, err := o.Select.Selection(f, spec.Name, spec.Fields())
	if err != nil {
		return err
	}
	q, err := o.query()
	if err != nil {
		return err
	}
	c, study, err := spec.client(f, o.Study)
	if err != nil {
		return err
	}
	cols := spec.Columns
	if o.Columns != nil {
		cols = o.Columns
	}
	l := output.SelectList(f.IO.Out, format, cols, spec.One, spec.Name, sel, f.IO.Width, spec.AppendJSON)
	var iterErr error
	for item, err := range spec.List(ctx, c, study, q) {
		if err != nil {
			if l.Count() == 0 && refusedBeforeSending(err) {
				err = cmdutil.Usage(err)
			}
			iterErr = err
			break
		}
		if err := l.Add(&item); err != nil {
			iterErr = err
			break
		}
		if o.Limit > 0 && l.Count() >= o.Limit {
			break
		}
	}
	if err := l.Close(); err != nil && iterErr == nil {
		iterErr = err
	}
	return iterErr
}

// refusedBeforeSending reports whether the SDK refused the list's parameters before sending
// anything (such as a recordDataFilter that mixes AND and OR): an error that came neither
// from the API nor from the network nor from the context.
func refusedBeforeSending(err error) bool {
	var apiErr *imednet.APIError
	var reqErr *imednet.RequestError
	var pagErr *imednet.PaginationError
	return !errors.As(err, &apiErr) && !errors.As(err, &reqErr) && !errors.As(err, &pagErr) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, imednet.ErrNotFound) && !errors.Is(err, imednet.ErrNoStudy)
}

// Params checks the flags (--filter, --sort, --page-size, --limit) and returns the SDK's
// parameters, for a command that lists the resource its own way (the query worklist).
func (o *ListOptions[T]) Params() (*ListParams, error) { return o.query() }

// query checks the flags and builds the SDK's parameters.
func (o *ListOptions[T]) query() (*ListParams, error) {
	if err := cmdutil.CheckPageSize(o.PageSize); err != nil {
		return nil, err
	}
	if err := cmdutil.CheckLimit(o.Limit); err != nil {
		return nil, err
	}
	sorts, err := cmdutil.ParseSort(o.Sort)
	if err != nil {
		return nil, err
	}
	q := &ListParams{IncludeInactive: o.IncludeInactive}
	q.Sort = sorts
	q.PageSize = o.PageSize
	if q.PageSize == 0 && o.Limit > 0 {
		// Ask for no more than the limit needs.
		q.PageSize = min(o.Limit, imednet.DefaultPageSize)
	}
	if o.Limit == 0 {
		// Fetch a few pages ahead while the output is written: a long listing is then bound
		// by the API rather than by the round trips, and memory stays bounded by the pages held.
		q.Prefetch = Prefetch
	}
	// The filters are parsed here, so that a malformed one is refused before any request.
	if err := cmdutil.CheckFilter("--filter", o.Filter, false); err != nil {
		return nil, err
	}
	if err := cmdutil.CheckFilter("--record-data-filter", o.RecordDataFilter, true); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(o.Filter); s != "" {
		q.Filter = imednet.RawFilter(s)
		if err := q.Filter.Err(); err != nil {
			return nil, cmdutil.UsageErrorf("--filter: %v", strings.TrimPrefix(err.Error(), "imednet: "))
		}
	}
	if s := strings.TrimSpace(o.RecordDataFilter); s != "" {
		q.RecordDataFilter = imednet.RawFilter(s)
		if err := q.RecordDataFilter.Err(); err != nil {
			return nil, cmdutil.UsageErrorf("--record-data-filter: %v", strings.TrimPrefix(err.Error(), "imednet: "))
		}
	}
	return q, nil
}

// GetOptions are the options of "<noun> get".
type GetOptions[T any] struct {
	Factory *cmdutil.Factory
	Spec    *Spec[T]
	Study   string
	ID      string
	Select  cmdutil.SelectFlags // --json and --jq
}

// NewGetCmd returns "<noun> get <id>". runF, when not nil, runs instead of GetRun.
func NewGetCmd[T any](f *cmdutil.Factory, spec *Spec[T], runF func(context.Context, *GetOptions[T]) error) *cobra.Command {
	o := &GetOptions[T]{Factory: f, Spec: spec}
	study := ""
	if spec.Scoped {
		study = " --study DEMO"
	}
	cmd := &cobra.Command{
		Use:   "get <" + spec.IDName + ">",
		Short: "Show one of " + spec.What,
		Long: fmt.Sprintf("Show one %s by its %s%s.\n\n"+
			"On a terminal every field is shown, one a line; -o json prints the object as the API\n"+
			"names its fields.\n\n%s\n",
			spec.One, spec.IDName, spec.IDHelp, cmdutil.SelectHelp),
		Example: fmt.Sprintf("  imednet --sandbox %s get%s %s\n  imednet --sandbox %s get%s %s -o json",
			spec.Name, study, spec.ExampleID, spec.Name, study, spec.ExampleID),
		Args: cmdutil.ExactArgs(1, "one "+spec.IDName),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return GetRun(cmd.Context(), o)
		},
	}
	if spec.Scoped {
		cmd.Flags().StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	}
	cmdutil.AddSelectFlags(cmd, &o.Select)
	o.Select.CompleteFields(spec.Fields)
	return cmd
}

// GetRun runs "<noun> get": it prints the item with the given id.
func GetRun[T any](ctx context.Context, o *GetOptions[T]) error {
	f, spec := o.Factory, o.Spec
	sel, format, err := o.Select.Selection(f, spec.Name, spec.Fields())
	if err != nil {
		return err
	}
	c, study, err := spec.client(f, o.Study)
	if err != nil {
		return err
	}
	id := strings.TrimSpace(o.ID)
	if id == "" {
		return cmdutil.UsageErrorf("%s get: the %s is blank", spec.Name, spec.IDName)
	}
	item, err := spec.Get(ctx, c, study, id)
	if err != nil {
		return err
	}
	return output.SelectOne(f.IO.Out, format, spec.Columns, item, sel)
}

// Fields returns the names --json takes for the resource: the JSON names of its model's
// fields.
func (spec *Spec[T]) Fields() []string { return output.FieldNames[T]() }

// IntID reads an integer id argument; anything else is a usage error naming the field.
func IntID(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, cmdutil.UsageErrorf("%s %q is not a number", name, s)
	}
	return n, nil
}

// client returns the SDK client and, for a study-scoped resource, the study key.
func (spec *Spec[T]) client(f *cmdutil.Factory, studyFlag string) (*imednet.Client, string, error) {
	if spec.Scoped {
		return f.StudyClient(studyFlag)
	}
	c, err := f.Client()
	return c, "", err
}
