package cmdutil

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/filterexpr"
)

// ExactArgs is cobra.ExactArgs whose error is a usage error naming what is expected.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return UsageErrorf("%s: expected %s, got %d %s", cmd.CommandPath(), what, len(args), plural(len(args), "argument"))
		}
		return nil
	}
}

// MinimumArgs is cobra.MinimumNArgs whose error is a usage error naming what is expected.
func MinimumArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return UsageErrorf("%s: expected %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// NoArgs refuses positional arguments with a usage error. For a command with subcommands
// (imednet, imednet records) the argument is a mistyped command: the error says so and
// suggests the commands or help topics whose names are close.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasAvailableSubCommands() {
		suggestions := SuggestCommands(cmd, args[0])
		var topics []string
		for _, sub := range cmd.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				topics = append(topics, sub.Name())
			}
		}
		for _, t := range Suggest(args[0], topics) {
			suggestions = append(suggestions, "help "+t)
		}
		for i, s := range suggestions {
			suggestions[i] = cmd.CommandPath() + " " + s
		}
		return UsageErrorf("unknown command %q for %q%s (see '%s --help')", args[0], cmd.CommandPath(),
			DidYouMean(suggestions), cmd.CommandPath())
	}
	return UsageErrorf("%s: unexpected argument %q", cmd.CommandPath(), args[0])
}

// SuggestCommands returns cobra's suggestions of cmd's subcommands for typed, at most two
// edits away unless cmd sets another SuggestionsMinimumDistance.
func SuggestCommands(cmd *cobra.Command, typed string) []string {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only on its own path
	}
	return cmd.SuggestionsFor(typed)
}

// DidYouMean returns "; did you mean 'a'?" or "; did you mean 'a' or 'b'?", or "" for no
// suggestion.
func DidYouMean(suggestions []string) string {
	if len(suggestions) == 0 {
		return ""
	}
	quoted := make([]string, len(suggestions))
	for i, s := range suggestions {
		quoted[i] = "'" + s + "'"
	}
	if len(quoted) == 1 {
		return "; did you mean " + quoted[0] + "?"
	}
	return "; did you mean " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1] + "?"
}

// Suggest returns the candidates close to typed: at most two edits away (as cobra suggests
// commands), or starting with it, ignoring case.
func Suggest(typed string, candidates []string) []string {
	typed = strings.ToLower(typed)
	var out []string
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if typed != "" && strings.HasPrefix(lc, typed) || editDistance(typed, lc) <= 2 {
			out = append(out, c)
		}
	}
	return out
}

// Closest returns the candidates nearest to typed, ignoring case: those the fewest edits away,
// when that is at most two. Unlike Suggest it keeps only the best, which matters for short
// names (every two-letter key is two edits from any other).
func Closest(typed string, candidates []string) []string {
	best := 3
	var out []string
	for _, c := range candidates {
		d := editDistance(strings.ToLower(typed), strings.ToLower(c))
		switch {
		case d < best:
			best, out = d, []string{c}
		case d == best:
			out = append(out, c)
		}
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// FlagError turns the errors of flag parsing into usage errors that say what the flag
// expects in plain words (not the text of strconv or time), suggest the flag meant for an
// unknown one, and point at the command's help. It is the root command's FlagErrorFunc.
func FlagError(cmd *cobra.Command, err error) error {
	see := fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	var invalid *pflag.InvalidValueError
	if errors.As(err, &invalid) {
		fl := invalid.GetFlag()
		return UsageErrorf("--%s %q: %s%s", fl.Name, invalid.GetValue(), expectedValue(fl, invalid.Unwrap()), see)
	}
	var notExist *pflag.NotExistError
	if errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() == "" {
		var names []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		suggestions := Suggest(notExist.GetSpecifiedName(), names)
		for i, s := range suggestions {
			suggestions[i] = "--" + s
		}
		return UsageErrorf("unknown flag --%s%s%s", notExist.GetSpecifiedName(), DidYouMean(suggestions), see)
	}
	return UsageErrorf("%v%s", err, see)
}

// expectedValue says what a flag of fl's type takes, for a value it refused with cause.
func expectedValue(fl *pflag.Flag, cause error) string {
	var numErr *strconv.NumError
	outOfRange := errors.As(cause, &numErr) && errors.Is(numErr.Err, strconv.ErrRange)
	switch fl.Value.Type() {
	case "int", "int8", "int16", "int32", "int64":
		if outOfRange {
			return "the number is too large"
		}
		return "expected a whole number, such as 10"
	case "uint", "uint8", "uint16", "uint32", "uint64":
		if outOfRange {
			return "the number is too large"
		}
		return "expected a whole number, 0 or more"
	case "float32", "float64":
		return "expected a number, such as 0.5"
	case "bool":
		return "expected true or false (or the flag alone, for true)"
	case "duration":
		return "expected a duration with its unit, such as 30s, 2m or 1h30m"
	}
	if cause == nil {
		return "invalid value"
	}
	return cause.Error()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// ParseSort reads --sort values, each "field" or "field,asc" or "field,desc" (direction in
// any case), into the SDK's sort keys, most significant first.
func ParseSort(values []string) ([]imednet.Sort, error) {
	var out []imednet.Sort
	for _, v := range values {
		field, dir, hasDir := strings.Cut(strings.TrimSpace(v), ",")
		field = strings.TrimSpace(field)
		if field == "" {
			return nil, UsageErrorf("--sort %q: expected field[,asc|desc]", v)
		}
		s := imednet.Sort{Property: field}
		if hasDir {
			switch strings.ToLower(strings.TrimSpace(dir)) {
			case "asc":
			case "desc":
				s.Descending = true
			default:
				return nil, UsageErrorf("--sort %q: direction %q is neither asc nor desc", v, dir)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// CheckFilter parses the value of a filter flag (named flag, such as "--filter") with the
// API's filter grammar, the one the SDK prints with and the sandbox parses with, so that a
// malformed filter is a usage error before any request is sent, rather than an answer 400
// after it (and after a CSV header is printed). recordData selects the grammar of
// --record-data-filter, which may not mix ";" (and) with "," (or). A blank value is no
// filter and passes.
func CheckFilter(flag, value string, recordData bool) error {
	if strings.TrimSpace(value) == "" {
		return nil
	}
	parse := filterexpr.Parse
	if recordData {
		parse = filterexpr.ParseRecordData
	}
	_, err := parse(value)
	if err == nil {
		return nil
	}
	var se *filterexpr.SyntaxError
	if !errors.As(err, &se) {
		return UsageErrorf("%s %q: %v (see 'imednet help filter')", flag, value, err)
	}
	msg := strings.TrimPrefix(se.Msg, "recordDataFilter: ")
	switch {
	case se.Offset < len(value):
		msg += fmt.Sprintf(", at character %d", se.Offset+1)
	case !strings.Contains(msg, "end of input"):
		msg += ", at the end"
	}
	return UsageErrorf("%s %q: %s (see 'imednet help filter')", flag, value, msg)
}

// CheckPageSize checks a --page-size value: 0 (the default) or 1 to imednet.MaxPageSize.
func CheckPageSize(n int) error {
	if n < 0 || n > imednet.MaxPageSize {
		return UsageErrorf("--page-size %d: expected 1 to %d", n, imednet.MaxPageSize)
	}
	return nil
}

// CheckLimit checks a --limit value: 0 (no limit) or more.
func CheckLimit(n int) error {
	if n < 0 {
		return UsageErrorf("--limit %d: expected 0 (no limit) or more", n)
	}
	return nil
}

// Plural returns "1 site" or "3 sites".
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
