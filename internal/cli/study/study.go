// Package study is "imednet study": the structure of a study (its intervals, their forms and
// the forms' variables).
package study

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// NewCmd returns "imednet study" with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "study <command>",
		Short: "Show the structure of a study",
		Args:  cmdutil.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewStructureCmd(f, nil))
	return cmd
}

// Structure is a study's schedule and forms: what "study structure" prints.
type Structure struct {
	StudyKey  string     `json:"studyKey"`
	Intervals []Interval `json:"intervals"`
	// OtherForms are the forms that no interval schedules (logs, site forms, unscheduled).
	OtherForms []Form `json:"otherForms"`
}

// Interval is an interval (visit definition) with its forms.
type Interval struct {
	IntervalID       int    `json:"intervalId"`
	IntervalName     string `json:"intervalName"`
	IntervalSequence int    `json:"intervalSequence"`
	Disabled         bool   `json:"disabled"`
	Forms            []Form `json:"forms"`
}

// Form is a form with its variables.
type Form struct {
	FormID    int        `json:"formId"`
	FormKey   string     `json:"formKey"`
	FormName  string     `json:"formName"`
	FormType  string     `json:"formType"`
	Disabled  bool       `json:"disabled"`
	Variables []Variable `json:"variables"`
}

// Variable is a form's variable.
type Variable struct {
	VariableID   int    `json:"variableId"`
	VariableName string `json:"variableName"`
	VariableType string `json:"variableType"`
	Label        string `json:"label"`
	Disabled     bool   `json:"disabled"`
}

// StructureOptions are the options of "study structure".
type StructureOptions struct {
	Factory *cmdutil.Factory
	Study   string
}

// NewStructureCmd returns "study structure". runF, when not nil, runs instead of
// StructureRun.
func NewStructureCmd(f *cmdutil.Factory, runF func(context.Context, *StructureOptions) error) *cobra.Command {
	o := &StructureOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "structure",
		Short: "Show a study's intervals, their forms, and each form's variables",
		Long: "Show the schedule of a study: each interval (visit definition) in sequence, the forms it\n" +
			"schedules, and each form's variables with their type and label; then the forms no interval\n" +
			"schedules. A tree on a terminal, JSON when piped; -o csv gives one row per variable.",
		Example: "  imednet --sandbox study structure\n" +
			"  imednet --sandbox study structure -o json | jq '.intervals[].intervalName'\n" +
			"  imednet study structure --study MYSTUDY -o csv > dictionary.csv",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return StructureRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	return cmd
}

// StructureRun runs "study structure".
func StructureRun(ctx context.Context, o *StructureOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	if f.Flags.Output == "" && !f.IO.OutTTY {
		format = output.JSON // one document: JSON rather than JSON Lines
	}
	c, key, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	dict, err := dictionary.Load(ctx, c, key)
	if err != nil {
		return err
	}
	var intervals []imednet.Interval
	for iv, err := range c.Intervals.All(ctx, key, &imednet.ListOptions{PageSize: imednet.MaxPageSize, Sort: []imednet.Sort{imednet.Asc("intervalSequence"), imednet.Asc("intervalId")}}) {
		if err != nil {
			return err
		}
		intervals = append(intervals, iv)
	}
	s := Build(dict, intervals)
	switch format {
	case output.Table:
		return printTree(f.IO.Out, s)
	case output.CSV:
		return printCSV(f.IO.Out, s)
	default:
		enc := json.NewEncoder(f.IO.Out)
		enc.SetEscapeHTML(false)
		if format == output.JSON {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(s)
	}
}

// Build assembles the structure from the dictionary and the intervals, in the intervals'
// order. An interval's form that the dictionary does not know is listed without variables.
func Build(dict *dictionary.Dictionary, intervals []imednet.Interval) *Structure {
	s := &Structure{StudyKey: dict.Study(), Intervals: []Interval{}, OtherForms: []Form{}}
	scheduled := map[int]bool{}
	for _, iv := range intervals {
		n := Interval{IntervalID: iv.IntervalID, IntervalName: iv.IntervalName, IntervalSequence: iv.IntervalSequence,
			Disabled: iv.Disabled, Forms: []Form{}}
		for _, ref := range iv.Forms {
			form, ok := dict.FormByID(ref.FormID)
			if !ok && ref.FormKey != "" {
				form, ok = dict.Form(ref.FormKey)
			}
			if !ok {
				n.Forms = append(n.Forms, Form{FormID: ref.FormID, FormKey: ref.FormKey, FormName: ref.FormName, Variables: []Variable{}})
				continue
			}
			scheduled[form.ID] = true
			n.Forms = append(n.Forms, formNode(form))
		}
		s.Intervals = append(s.Intervals, n)
	}
	for _, form := range dict.Forms() {
		if !scheduled[form.ID] {
			s.OtherForms = append(s.OtherForms, formNode(form))
		}
	}
	return s
}

func formNode(f *dictionary.Form) Form {
	n := Form{FormID: f.ID, FormKey: f.Key, FormName: f.Name, FormType: f.Type, Disabled: f.Disabled, Variables: []Variable{}}
	for _, v := range f.Variables {
		if v.Deleted {
			continue
		}
		n.Variables = append(n.Variables, Variable{VariableID: v.ID, VariableName: v.Name, VariableType: v.Type, Label: v.Label, Disabled: v.Disabled})
	}
	return n
}

// printTree draws the structure as a tree.
func printTree(w io.Writer, s *Structure) error {
	var b strings.Builder
	b.WriteString(clean(s.StudyKey) + "\n")
	formTree := func(f Form) cmdutil.TreeNode {
		n := cmdutil.TreeNode{Text: fmt.Sprintf("%s  %s%s", clean(f.FormKey), clean(f.FormName), flag(f.Disabled))}
		for _, v := range f.Variables {
			n.Kids = append(n.Kids, cmdutil.TreeNode{Text: fmt.Sprintf("%s  %s  %q%s", clean(v.VariableName), clean(v.VariableType), v.Label, flag(v.Disabled))})
		}
		return n
	}
	var top []cmdutil.TreeNode
	for _, iv := range s.Intervals {
		n := cmdutil.TreeNode{Text: fmt.Sprintf("%s%s", clean(iv.IntervalName), flag(iv.Disabled))}
		for _, f := range iv.Forms {
			n.Kids = append(n.Kids, formTree(f))
		}
		top = append(top, n)
	}
	if len(s.OtherForms) > 0 {
		n := cmdutil.TreeNode{Text: "(forms in no interval)"}
		for _, f := range s.OtherForms {
			n.Kids = append(n.Kids, formTree(f))
		}
		top = append(top, n)
	}
	cmdutil.DrawTree(&b, top, "")
	fmt.Fprintf(&b, "%s, %s\n", cmdutil.Plural(len(s.Intervals), "interval", "intervals"), countForms(s))
	_, err := io.WriteString(w, b.String())
	return err
}

func countForms(s *Structure) string {
	seen := map[int]bool{}
	for _, iv := range s.Intervals {
		for _, f := range iv.Forms {
			seen[f.FormID] = true
		}
	}
	for _, f := range s.OtherForms {
		seen[f.FormID] = true
	}
	return cmdutil.Plural(len(seen), "form", "forms")
}

func flag(disabled bool) string {
	if disabled {
		return " (disabled)"
	}
	return ""
}

// clean keeps control characters out of the terminal.
func clean(s string) string { return output.Sanitize(s) }

// row is one line of the CSV form of the structure.
type row struct {
	interval, formKey, formName string
	v                           Variable
}

var csvColumns = []output.Column[row]{
	{Name: "intervalName", Value: func(r *row) string { return r.interval }},
	{Name: "formKey", Value: func(r *row) string { return r.formKey }},
	{Name: "formName", Value: func(r *row) string { return r.formName }},
	{Name: "variableName", Value: func(r *row) string { return r.v.VariableName }},
	{Name: "variableType", Value: func(r *row) string { return r.v.VariableType }},
	{Name: "label", Value: func(r *row) string { return r.v.Label }},
	{Name: "disabled", Value: func(r *row) string { return fmt.Sprint(r.v.Disabled) }},
}

// printCSV writes one row per variable of each scheduled form, and of the other forms with
// an empty intervalName.
func printCSV(w io.Writer, s *Structure) error {
	l := output.NewList(w, output.CSV, csvColumns, "variable", "variables")
	add := func(interval string, f Form) error {
		for _, v := range f.Variables {
			if err := l.Add(&row{interval: interval, formKey: f.FormKey, formName: f.FormName, v: v}); err != nil {
				return err
			}
		}
		return nil
	}
	for _, iv := range s.Intervals {
		for _, f := range iv.Forms {
			if err := add(iv.IntervalName, f); err != nil {
				return err
			}
		}
	}
	for _, f := range s.OtherForms {
		if err := add("", f); err != nil {
			return err
		}
	}
	return l.Close()
}
