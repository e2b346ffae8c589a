package records

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/internal/cli/resource"
	"github.com/imednet/imednet-go/internal/filterexpr"
)

// FormFlags are the flags of "records list" that show one form's records as a table.
type FormFlags struct {
	Form    string // --form: a form key
	Columns string // --columns: the columns to show, separated by commas
}

const formLong = `
--form KEY lists the records of that form only, and in the table and CSV shows the form's
variables as columns (in the form's order) rather than recordData as one JSON cell: the
table after recordId, subjectKey, intervalId and recordStatus, the CSV after every field of
the record. --columns chooses the columns and their order, among the record's fields and,
with --form, the form's variables (by variable name, case-sensitive), e.g.
--columns subjectKey,AETERM,AESEV. JSON output is unchanged (use --json and --jq there).
`

const formExample = `
  imednet --sandbox records list --form AE
  imednet --sandbox records list --form VS --columns subjectKey,SYSBP,DIABP,PULSE -o csv`

// addFormFlags adds --form and --columns to the records list command.
func addFormFlags(list *cobra.Command, ff *FormFlags) {
	list.Long += formLong
	list.Example += formExample
	list.Flags().StringVar(&ff.Form, "form", "", "only the records of this form (a form key), with its variables as the table's and the CSV's columns")
	list.Flags().StringVar(&ff.Columns, "columns", "", "the table's and the CSV's columns, separated by commas: record fields and, with --form, variable names")
}

// tableColumns are the record fields the table shows before a form's variables.
var tableColumns = []string{"recordId", "subjectKey", "intervalId", "recordStatus"}

// listForm runs "records list" with --form or --columns: it narrows the filter to the form
// and, for the table and the CSV, builds the columns from the form's variables.
func listForm(ctx context.Context, o *resource.ListOptions[imednet.Record], ff *FormFlags) error {
	f := o.Factory
	sel, format, err := o.Select.Selection(f, "records", resource.Records.Fields())
	if err != nil {
		return err
	}
	form := strings.TrimSpace(ff.Form)
	columns := strings.TrimSpace(ff.Columns)
	tabular := (format == output.Table || format == output.CSV) && !sel.Active()
	switch {
	case columns != "" && sel.Active():
		return cmdutil.UsageErrorf("--columns and --json/--jq both choose what to print: use one")
	case columns != "" && !tabular:
		return cmdutil.UsageErrorf("--columns chooses the columns of -o table and -o csv; for -o %s use --json", format)
	}
	if form != "" {
		if err := cmdutil.CheckFilter("--filter", o.Filter, false); err != nil {
			return err
		}
		var user filterexpr.Expr
		if strings.TrimSpace(o.Filter) != "" {
			user, _ = filterexpr.Parse(o.Filter)
		}
		o.Filter = filterexpr.Conjoin(filterexpr.And(filterexpr.Term{Attr: "formKey", Op: filterexpr.Eq, Value: form}), user).String()
	}
	var vars []imednet.Variable
	if form != "" {
		// The form is checked in every format, so that a mistyped key is an error rather
		// than an empty listing.
		if _, err := o.Params(); err != nil { // the flags' errors before any request
			return err
		}
		c, study, err := f.StudyClient(o.Study)
		if err != nil {
			return err
		}
		if vars, err = formVariables(ctx, c, study, form); err != nil {
			return err
		}
	}
	if !tabular {
		return resource.ListRun(ctx, o)
	}
	cols, err := formColumns(resource.Records.Columns, vars, columns, format)
	if err != nil {
		return err
	}
	o.Columns = cols
	return resource.ListRun(ctx, o)
}

// formVariables returns the variables of a form, in the form's order; a form without any is
// a usage error that names the forms the study has that are close.
func formVariables(ctx context.Context, c *imednet.Client, study, form string) ([]imednet.Variable, error) {
	var vars []imednet.Variable
	opts := &imednet.ListOptions{Filter: imednet.Eq("formKey", form), PageSize: imednet.MaxPageSize}
	for v, err := range c.Variables.All(ctx, study, opts) {
		if err != nil {
			return nil, fmt.Errorf("listing the variables of form %s: %w", form, err)
		}
		if !v.Deleted {
			vars = append(vars, v)
		}
	}
	if len(vars) > 0 {
		slices.SortStableFunc(vars, func(a, b imednet.Variable) int {
			return cmp.Or(cmp.Compare(a.Sequence, b.Sequence), cmp.Compare(a.VariableID, b.VariableID))
		})
		return vars, nil
	}
	var keys []string
	for fm, err := range c.Forms.All(ctx, study, &imednet.ListOptions{PageSize: imednet.MaxPageSize}) {
		if err != nil {
			return nil, fmt.Errorf("listing the forms: %w", err)
		}
		keys = append(keys, fm.FormKey)
	}
	if slices.Contains(keys, form) {
		return nil, nil // a form without variables: the records' fields alone
	}
	hint := cmdutil.DidYouMean(cmdutil.Closest(form, keys))
	if hint == "" {
		hint = " (see 'imednet forms list')"
	}
	return nil, cmdutil.UsageErrorf("--form %q: study %s has no form of that key%s", form, study, hint)
}

// formColumns returns the columns of a form's records: the record's fields (those of
// tableColumns in the table, all but recordData and keywords in the CSV) then one per
// variable, or those that chosen names, in its order.
func formColumns(recordCols []output.Column[imednet.Record], vars []imednet.Variable, chosen string, format output.Format) ([]output.Column[imednet.Record], error) {
	byName := map[string]output.Column[imednet.Record]{}
	var names []string
	for _, c := range recordCols {
		c.Table = true
		byName[c.Name] = c
		names = append(names, c.Name)
	}
	var varNames []string
	for _, v := range vars {
		if _, taken := byName[v.VariableName]; taken {
			continue // a record field of that name wins; the variable stays in recordData
		}
		byName[v.VariableName] = variableColumn(v.VariableName)
		varNames = append(varNames, v.VariableName)
	}
	var pick []string
	switch {
	case chosen != "":
		for raw := range strings.SplitSeq(chosen, ",") {
			name := strings.TrimSpace(raw)
			if _, ok := byName[name]; !ok {
				hint := cmdutil.DidYouMean(cmdutil.Suggest(name, append(names, varNames...)))
				if hint == "" && len(vars) == 0 {
					hint = " (variables are columns with --form)"
				}
				return nil, cmdutil.UsageErrorf("--columns: no field or variable %q%s", name, hint)
			}
			if !slices.Contains(pick, name) {
				pick = append(pick, name)
			}
		}
	case format == output.Table:
		pick = append(slices.Clone(tableColumns), varNames...)
	default:
		for _, n := range names {
			if n != "recordData" && n != "keywords" {
				pick = append(pick, n)
			}
		}
		pick = append(pick, varNames...)
	}
	cols := make([]output.Column[imednet.Record], len(pick))
	for i, n := range pick {
		cols[i] = byName[n]
	}
	return cols, nil
}

// variableColumn prints a variable's value in a record: its text (a string unquoted, a number
// or boolean as sent), an object or list as compact JSON, "" when absent or null.
func variableColumn(name string) output.Column[imednet.Record] {
	return output.Column[imednet.Record]{Name: name, Table: true, Value: func(r *imednet.Record) string {
		if s, ok := r.RecordData.Text(name); ok {
			return s
		}
		if raw, ok := r.RecordData.Raw(name); ok {
			return string(raw)
		}
		return ""
	}}
}
