package cmdutil

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/imednet/imednet-go/internal/cli/output"
)

// SelectHelp is what the help of a command with --json and --jq says about them.
const SelectHelp = `--json FIELDS prints only those fields (the API's camelCase names, separated by commas) as
JSON, or, with -o table or -o csv, as the columns. --json alone (last, or followed by another
flag) or --json '' lists the fields. --jq EXPR runs a jq program on each item (after --json,
when both are given) and prints each result on a line: a string as its text, anything else as
compact JSON. Unknown fields and malformed programs are refused before any request.`

// SelectFlags are the values of --json and --jq (see AddSelectFlags).
type SelectFlags struct {
	JSON string // --json: comma-separated field names
	JQ   string // --jq: a jq program
	cmd  *cobra.Command
}

// AddSelectFlags registers --json and --jq on cmd.
func AddSelectFlags(cmd *cobra.Command, s *SelectFlags) {
	s.cmd = cmd
	fl := cmd.Flags()
	fl.StringVar(&s.JSON, "json", "", "print only these fields, e.g. 'siteId,siteName' (alone: list the fields)")
	fl.StringVar(&s.JQ, "jq", "", "run a jq program on each item, e.g. '.siteName' (see github.com/itchyny/gojq)")
}

// CompleteFields makes the shell complete --json with fields, a comma-separated list: the
// fields not given yet, after those given. Call it after AddSelectFlags.
func (s *SelectFlags) CompleteFields(fields func() []string) {
	_ = s.cmd.RegisterFlagCompletionFunc("json", func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		given, prefix := []string(nil), ""
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			given, prefix = strings.Split(toComplete[:i], ","), toComplete[:i+1]
		}
		var out []string
		for _, name := range fields() {
			if !slices.Contains(given, name) {
				out = append(out, prefix+name)
			}
		}
		return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
	})
}

// NormalizeSelectArgs rewrites a --json that has no value, because it is the last argument
// or is followed by another flag (--json --limit 2), as --json= (an empty value), which lists
// the fields: pflag would otherwise take the next argument as its value. Arguments after
// "--" and the arguments of a shell completion (cobra's __complete) are left alone.
func NormalizeSelectArgs(args []string) []string {
	if len(args) > 0 && strings.HasPrefix(args[0], "__complete") {
		return args // the shell completes what is typed, as typed
	}
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if out == nil {
				return args
			}
			return append(out, args[i:]...)
		}
		if a == "--json" && (i+1 == len(args) || strings.HasPrefix(args[i+1], "-") && args[i+1] != "-") {
			if out == nil {
				out = append(make([]string, 0, len(args)), args[:i]...)
			}
			out = append(out, "--json=")
			continue
		}
		if out != nil {
			out = append(out, a)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// ErrFieldsListed is returned by Selection when --json had no value and the fields were
// printed instead: the command has done what was asked and ends with status 0.
var ErrFieldsListed = errors.New("fields listed")

// Selection checks the flags against the fields an item has (available, in their order) and
// returns the selection for output.SelectList and output.SelectOne, and the format to print
// it in: --json without --output prints JSON on a terminal too; --jq prints its results
// whatever the format, and refuses -o table and -o csv. An unknown field or a malformed jq
// program is a usage error naming it. --json with no value prints the fields on the
// factory's output and returns ErrFieldsListed.
func (s *SelectFlags) Selection(f *Factory, what string, available []string) (*output.Selection, output.Format, error) {
	format, err := f.Format()
	if err != nil {
		return nil, "", err
	}
	jsonSet := s.cmd != nil && s.cmd.Flags().Changed("json")
	if jsonSet && strings.TrimSpace(s.JSON) == "" {
		var b strings.Builder
		fmt.Fprintf(&b, "The fields of %s (pass some to --json, separated by commas):\n", what)
		for _, name := range available {
			b.WriteString("  " + name + "\n")
		}
		if _, err := fmt.Fprint(f.IO.Out, b.String()); err != nil {
			return nil, "", err
		}
		return nil, "", ErrFieldsListed
	}
	sel := &output.Selection{}
	if jsonSet {
		fields, err := ParseFields(s.JSON, available)
		if err != nil {
			return nil, "", err
		}
		sel.Fields = fields
	}
	if strings.TrimSpace(s.JQ) != "" || s.cmd != nil && s.cmd.Flags().Changed("jq") {
		code, err := CompileJQ(s.JQ)
		if err != nil {
			return nil, "", err
		}
		sel.Query = code
		if f.Flags.Output != "" && (format == output.Table || format == output.CSV) {
			return nil, "", UsageErrorf("--jq prints JSON and text: it cannot be used with -o %s", format)
		}
		format = output.JSONL
	}
	if sel.Fields != nil && f.Flags.Output == "" && format == output.Table {
		format = output.JSON
	}
	return sel, format, nil
}

// ParseFields reads a --json value: field names separated by commas, each one of
// available; an unknown name is a usage error that suggests the names close to it.
func ParseFields(value string, available []string) ([]string, error) {
	var fields []string
	for raw := range strings.SplitSeq(value, ",") {
		name := strings.TrimSpace(raw)
		if name == "" {
			return nil, UsageErrorf("--json %q: an empty field name (separate the names with single commas)", value)
		}
		if !slices.Contains(available, name) {
			hint := DidYouMean(Suggest(name, available))
			if hint == "" {
				hint = " (see the fields with --json alone)"
			}
			return nil, UsageErrorf("--json: unknown field %q%s", name, hint)
		}
		if !slices.Contains(fields, name) {
			fields = append(fields, name)
		}
	}
	return fields, nil
}

// CompileJQ parses and compiles a --jq program; a syntax error or an unknown function is a
// usage error that quotes the program and says where.
func CompileJQ(expr string) (*gojq.Code, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, UsageErrorf("--jq: the program is empty (use '.' for the whole item)")
	}
	q, err := gojq.Parse(expr)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			return nil, UsageErrorf("--jq %q: %v, at character %d", expr, err, max(pe.Offset, 1))
		}
		return nil, UsageErrorf("--jq %q: %v", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, UsageErrorf("--jq %q: %v", expr, err)
	}
	return code, nil
}
