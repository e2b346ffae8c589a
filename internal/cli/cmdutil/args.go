package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

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

// NoArgs refuses positional arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UsageErrorf("%s: unexpected argument %q", cmd.CommandPath(), args[0])
	}
	return nil
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
