package dictcmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// NewCmd returns "imednet dictionary" with show, check and diff.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dictionary <command>",
		Short: "Show, check and diff a study's data dictionary (forms, variables, choice lists)",
		Long: `The API lists a study's forms and variables but not their choice lists. iMednet exports
the full data dictionary as four CSV files (FORMS.csv, QUESTIONS.csv, CHOICES.csv,
BUSINESS_LOGIC.csv), in a folder or a ZIP; give them with --dictionary PATH. With --sandbox
the sandbox's own files are used unless --dictionary names others ('imednet sandbox
dictionary' writes them).

A malformed file ends the command with status 2, naming the file, line and column.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newShowCmd(f), newCheckCmd(f), newDiffCmd(f))
	return cmd
}

// ShowOptions are the options of "dictionary show".
type ShowOptions struct {
	Factory    *cmdutil.Factory
	Study      string
	Dictionary string
	Form       string
	NoAPI      bool
}

func newShowCmd(f *cmdutil.Factory) *cobra.Command {
	o := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the study's dictionary: every variable with its type, label and choices",
		Long: `Show the study's data dictionary, one row per variable: its form, name, type (the API's, and
the files' when they differ), label, choices ("1=Mild; 2=Moderate") and where it is listed
(api, files or api+files). The API's forms and variables are merged with the files of
--dictionary; --no-api shows the files alone, without credentials. -o json gives each
variable with its choices as a list.`,
		Example: `  imednet --sandbox dictionary show --form AE
  imednet --sandbox dictionary show -o json
  imednet dictionary show --no-api --dictionary export.zip -o csv`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return ShowRun(cmd.Context(), o) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	fl.StringVar(&o.Dictionary, "dictionary", "", FlagUsage)
	fl.StringVar(&o.Form, "form", "", "show this form's variables only (a form key)")
	fl.BoolVar(&o.NoAPI, "no-api", false, "show the files of --dictionary alone, without calling the API")
	return cmd
}

// VariableRow is a variable as "dictionary show" prints it.
type VariableRow struct {
	Form      string              `json:"form"`
	FormName  string              `json:"formName"`
	Variable  string              `json:"variable"`
	Type      string              `json:"type"`
	Kind      string              `json:"kind"`
	Label     string              `json:"label"`
	FileType  string              `json:"fileType,omitempty"`
	FileLabel string              `json:"fileLabel,omitempty"`
	Status    string              `json:"status"`
	Choices   []dictionary.Choice `json:"choices"`
	Source    string              `json:"source"`
}

var variableColumns = []output.Column[VariableRow]{
	{Name: "form", Value: func(r *VariableRow) string { return r.Form }, Table: true},
	{Name: "formName", Value: func(r *VariableRow) string { return r.FormName }},
	{Name: "variable", Value: func(r *VariableRow) string { return r.Variable }, Table: true},
	{Name: "type", Value: func(r *VariableRow) string {
		if r.FileType != "" && !strings.EqualFold(r.FileType, r.Type) {
			return r.Type + " (" + r.FileType + ")"
		}
		return r.Type
	}, Table: true},
	{Name: "kind", Value: func(r *VariableRow) string { return r.Kind }},
	{Name: "label", Value: func(r *VariableRow) string { return r.Label }, Table: true},
	{Name: "fileLabel", Value: func(r *VariableRow) string { return r.FileLabel }},
	{Name: "status", Value: func(r *VariableRow) string { return r.Status }},
	{Name: "choices", Value: func(r *VariableRow) string { return choicesText(r.Choices) }, Table: true},
	{Name: "source", Value: func(r *VariableRow) string { return r.Source }, Table: true},
}

// choicesText prints choices as "1=Mild; 2=Moderate".
func choicesText(cs []dictionary.Choice) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Value + "=" + c.Text
	}
	return strings.Join(parts, "; ")
}

func status(v *dictionary.Variable) string {
	switch {
	case v.Deleted:
		return "deleted"
	case v.Disabled:
		return "disabled"
	}
	return "active"
}

// ShowRun runs "dictionary show".
func ShowRun(ctx context.Context, o *ShowOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	var d *dictionary.Dictionary
	if o.NoAPI {
		path := strings.TrimSpace(o.Dictionary)
		if path == "" && f.Flags.Sandbox {
			path = SandboxSpec
		}
		if path == "" {
			return cmdutil.UsageErrorf("--no-api: give the files with --dictionary PATH")
		}
		if d, err = LoadFiles(f, path); err != nil {
			return err
		}
	} else {
		c, study, err := f.StudyClient(o.Study)
		if err != nil {
			return err
		}
		l, err := Load(ctx, f, c, study, o.Dictionary)
		if err != nil {
			return err
		}
		l.Note(f.IO.ErrOut)
		d = l.Dict
	}
	forms := d.Forms()
	if o.Form != "" {
		fm, ok := d.Form(o.Form)
		if !ok {
			return cmdutil.UsageErrorf("--form %s: no such form (forms: %s)", o.Form, formKeys(forms))
		}
		forms = []*dictionary.Form{fm}
	}
	l := output.NewList(f.IO.Out, format, variableColumns, "variable", "variables").FitTo(f.IO.Width)
	for _, fm := range forms {
		for _, v := range fm.Variables {
			row := VariableRow{Form: fm.Key, FormName: fm.Name, Variable: v.Name, Type: v.Type, Kind: v.Kind.String(),
				Label: v.Label, FileType: v.FileType, FileLabel: v.FileLabel, Status: status(v),
				Choices: v.Choices, Source: v.Sources.String()}
			if row.Choices == nil {
				row.Choices = []dictionary.Choice{}
			}
			if err := l.Add(&row); err != nil {
				return err
			}
		}
	}
	return l.Close()
}

func formKeys(forms []*dictionary.Form) string {
	keys := make([]string, len(forms))
	for i, fm := range forms {
		keys[i] = fm.Key
	}
	return strings.Join(keys, ", ")
}

// CheckOptions are the options of "dictionary check".
type CheckOptions struct {
	Factory    *cmdutil.Factory
	Study      string
	Dictionary string
	NoRecords  bool
}

func newCheckCmd(f *cmdutil.Factory) *cobra.Command {
	o := &CheckOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "check --dictionary PATH",
		Short: "Check the dictionary files against the API and the study's records",
		Long: `Check the dictionary files against what the API says and against the records, and list
every finding:

  api-vs-files   a form or variable listed by one and not the other, or with another type
                 or label
  no-choices     an active radio or dropdown variable that the files give no choices
  unknown-code   a value in the records that is not a choice of its variable, with the
                 number of records holding it and the first record's id

The records are read once, every form's (--no-records skips them). The command exits with
status 1 when there is a finding, 0 when there is none.`,
		Example: `  imednet --sandbox dictionary check -o table
  imednet dictionary check --study MYSTUDY --dictionary export.zip -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return CheckRun(cmd.Context(), o) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	fl.StringVar(&o.Dictionary, "dictionary", "", FlagUsage)
	fl.BoolVar(&o.NoRecords, "no-records", false, "do not read the records (check the files against the API only)")
	return cmd
}

// Finding is one result of "dictionary check".
type Finding struct {
	Check       string `json:"check"` // api-vs-files, no-choices, unknown-code
	Form        string `json:"form"`
	Variable    string `json:"variable,omitempty"`
	Value       string `json:"value,omitempty"`       // unknown-code: the value
	Records     int    `json:"records,omitempty"`     // unknown-code: how many records hold it
	FirstRecord int    `json:"firstRecord,omitempty"` // unknown-code: the first record's id
	Message     string `json:"message"`
}

var findingColumns = []output.Column[Finding]{
	{Name: "check", Value: func(r *Finding) string { return r.Check }, Table: true},
	{Name: "form", Value: func(r *Finding) string { return r.Form }, Table: true},
	{Name: "variable", Value: func(r *Finding) string { return r.Variable }, Table: true},
	{Name: "value", Value: func(r *Finding) string { return r.Value }, Table: true},
	{Name: "records", Value: func(r *Finding) string { return itoaOrEmpty(r.Records) }, Table: true},
	{Name: "firstRecord", Value: func(r *Finding) string { return itoaOrEmpty(r.FirstRecord) }},
	{Name: "message", Value: func(r *Finding) string { return r.Message }, Table: true},
}

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// CheckRun runs "dictionary check".
func CheckRun(ctx context.Context, o *CheckOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	if strings.TrimSpace(o.Dictionary) == "" && !f.Flags.Sandbox {
		return cmdutil.UsageErrorf("dictionary check: give the files with --dictionary PATH")
	}
	c, study, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	l, err := Load(ctx, f, c, study, o.Dictionary)
	if err != nil {
		return err
	}
	var findings []Finding
	for _, d := range l.Diffs {
		findings = append(findings, Finding{Check: "api-vs-files", Form: d.Form, Variable: d.Variable,
			Message: d.Describe("the API", "the files")})
	}
	for _, fm := range l.Dict.Forms() {
		for _, v := range fm.Variables {
			if (v.Kind == dictionary.KindRadio || v.Kind == dictionary.KindDropdown) && v.Active() &&
				v.Sources&dictionary.SourceFiles != 0 && len(v.Choices) == 0 {
				findings = append(findings, Finding{Check: "no-choices", Form: fm.Key, Variable: v.Name,
					Message: fmt.Sprintf("%s variable %s has no choices in %s", v.Kind, v.Name, dictionary.ChoicesFile)})
			}
		}
	}
	if !o.NoRecords {
		codes, stats, err := scanRecords(ctx, c, study, l.Dict)
		if err != nil {
			return err
		}
		findings = append(findings, codes...)
		fmt.Fprintf(f.IO.ErrOut, "%s read, %s checked against their choices\n",
			cmdutil.Plural(stats.records, "record", "records"), cmdutil.Plural(stats.values, "coded value", "coded values"))
	}
	out := output.NewList(f.IO.Out, format, findingColumns, "finding", "findings").FitTo(f.IO.Width)
	for i := range findings {
		if err := out.Add(&findings[i]); err != nil {
			return err
		}
	}
	if err := out.Close(); err != nil {
		return err
	}
	if len(findings) > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailure}
	}
	return nil
}

type scanStats struct{ records, values int }

// scanRecords reads every record of the study once and reports each value of a coded
// variable that is not one of its choices, with how many records hold it.
func scanRecords(ctx context.Context, c *imednet.Client, study string, d *dictionary.Dictionary) ([]Finding, scanStats, error) {
	type key struct{ form, variable, value string }
	found := map[key]*Finding{}
	var order []key
	var st scanStats
	opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: imednet.MaxPageSize,
		Sort: []imednet.Sort{imednet.Asc("recordId")}}}
	for rec, err := range c.Records.All(ctx, study, opts) {
		if err != nil {
			return nil, st, fmt.Errorf("reading the records of %s: %w", study, err)
		}
		st.records++
		if rec.Deleted {
			continue
		}
		fm, ok := d.Form(rec.FormKey)
		if !ok {
			continue
		}
		for _, v := range fm.Variables {
			if !v.Coded() {
				continue
			}
			text, ok := rec.RecordData.Text(v.Name)
			if !ok || strings.TrimSpace(text) == "" {
				continue
			}
			values := []string{text}
			if v.Kind == dictionary.KindCheckbox {
				if len(v.Choices) == 1 && (strings.EqualFold(text, "true") || strings.EqualFold(text, "false")) {
					continue
				}
				values = strings.Split(text, ",")
			}
			for _, val := range values {
				val = strings.TrimSpace(val)
				st.values++
				if _, ok := v.Choice(val); ok {
					continue
				}
				k := key{fm.Key, v.Name, val}
				if fd, ok := found[k]; ok {
					fd.Records++
					continue
				}
				found[k] = &Finding{Check: "unknown-code", Form: fm.Key, Variable: v.Name, Value: val, Records: 1,
					FirstRecord: rec.RecordID, Message: fmt.Sprintf("%q is not a choice of %s (choices: %s)", val, v.Name,
						strings.Join(v.ChoiceValues(), ", "))}
				order = append(order, k)
			}
		}
	}
	out := make([]Finding, len(order))
	for i, k := range order {
		out[i] = *found[k]
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return strings.Compare(a.Form+"\x00"+a.Variable, b.Form+"\x00"+b.Variable)
	})
	return out, st, nil
}
