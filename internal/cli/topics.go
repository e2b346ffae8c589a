package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/config"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// The help topics: "imednet help TOPIC" (or "imednet TOPIC --help") prints one. Each is a
// command that does not run, which cobra lists under "Additional help topics".
var topics = []struct{ name, short, long string }{
	{"filter", "The filter grammar of --filter and --record-data-filter", filterTopic},
	{"environment", "The environment variables imednet reads", environmentTopic},
	{"exit-codes", "What each exit status means", "imednet ends with one of these exit statuses:\n\n" + exitCodesText()},
	{"formats", "The output formats of --output (table, json, jsonl, csv)", formatsTopic()},
}

// topicNames lists the help topics, for messages.
func topicNames() []string {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.name
	}
	return names
}

// newTopicCmds returns the commands of the help topics.
func newTopicCmds() []*cobra.Command {
	cmds := make([]*cobra.Command, len(topics))
	for i, t := range topics {
		cmds[i] = &cobra.Command{Use: t.name, Short: t.short, Long: t.long}
	}
	return cmds
}

// exitCodesText lists the exit statuses, from the constants the commands exit with.
func exitCodesText() string {
	line := func(code int, text string) string {
		return fmt.Sprintf("  %-4d %s\n", code, strings.ReplaceAll(text, "\n", "\n       "))
	}
	return line(cmdutil.ExitOK, "success") +
		line(cmdutil.ExitFailure, "failure: the API or the network failed, or a job or an exported form failed") +
		line(cmdutil.ExitUsage, "usage error or invalid input: flags, arguments, files, filters, missing credentials") +
		line(cmdutil.ExitAuth, "authentication or permission: the API refused the keys (401) or the study (403)") +
		line(cmdutil.ExitInterrupted, fmt.Sprintf("interrupted by Ctrl-C (SIGINT); %d when stopped by SIGTERM (128 + the signal's\n"+
			"number). The command stops cleanly (an interrupted export resumes when run again);\n"+
			"a second Ctrl-C ends it at once.", cmdutil.ExitTerminated))
}

const filterTopic = `A filter selects the items a list returns. Every "list" command that takes --filter
passes it to the API, which applies it to the items' fields; "records list" also takes
--record-data-filter, the same grammar applied to a record's data by variable name. The
command checks a filter's form before it sends anything (a malformed filter exits 2); the
API checks that the fields exist.

A filter is a comparison, or several joined:

  FIELD OPERATOR VALUE

FIELD     a field as the API names it (the columns of "-o csv"; variable names for
          --record-data-filter): a letter or _, then letters, digits, _ or .; case matters
OPERATOR  ==   equal (a single = means the same)
          !=   not equal
          <  <=  >  >=
               ordered: numbers as numbers, timestamps as instants, true/false as
               booleans, anything else as text
          =~   contains: a case-insensitive pattern (a regular expression)
VALUE     bare: everything up to the next ";" or "," (or " and ", " or "), trimmed; it may
          hold spaces, as in siteName==Chicago Hope Hospital
          or quoted: "...", where \" and \\ are the only escapes. Quote a value that holds
          ";", "," or the words and/or.

Joining comparisons:

  ;   and " and "   both must hold
  ,   and " or "    either may hold

";" binds tighter than ",": a==1;b==2,c==3 means (a==1 and b==2) or c==3. There are no
parentheses. --record-data-filter takes ";" or ",", not both in one filter (the API's rule).
Values compare case-sensitively, except with =~.

In a shell, put the whole filter in single quotes, so that ";", "<", ">" and double quotes
reach imednet as they are.

Examples:
  imednet --sandbox records list --filter 'formKey==AE;deleted==false' --limit 5
  imednet --sandbox subjects list --filter 'subjectStatus==Enrolled,subjectStatus==Screened'
  imednet --sandbox sites list --filter 'siteName=="Chicago Hope Hospital"'
  imednet --sandbox records list --filter 'recordId<=10;dateCreated<2100-01-01' -o csv
  imednet --sandbox records list --filter 'formKey==AE' --record-data-filter 'AETERM=~head'`

var environmentTopic = `imednet reads these environment variables. A flag given on the command line wins
over its variable. With --sandbox a command reads none of the IMEDNET_ ones; "sandbox serve"
accepts the keys of ` + imednet.EnvAPIKey + ` and ` + imednet.EnvSecurityKey + ` when both are set.

  ` + imednet.EnvAPIKey + `       the API key (or --api-key, which shows in the process list)
  ` + imednet.EnvSecurityKey + `  the security key (or --security-key)
  ` + imednet.EnvBaseURL + `      the API's base URL (or --base-url), by default
                        ` + imednet.DefaultBaseURL + `; https, or plain http to a
                        loopback address only (such as "imednet sandbox serve")
  ` + imednet.EnvTimeout + `       the timeout of each request attempt (or --timeout; default 30s):
                        seconds (30, 2.5) or a duration (45s, 1m30s), at most 24h
  ` + cmdutil.EnvStudy + `         the default study key of --study
  ` + config.EnvProfile + `       the configuration profile to use (or --profile; see 'imednet config')
  ` + config.EnvConfigHome + `       the directory of the configuration file, imednet/config.toml in it
  HOME                  when XDG_CONFIG_HOME is not set: the file is ~/.config/imednet/config.toml
  APPDATA               on Windows without HOME: the file is in %APPDATA%\imednet

A profile's values come after the variables: a flag wins over its variable, which wins over
the profile. A profile's keys_env names the variables its keys are read from.

Read by the libraries imednet is built on:

  COLUMNS               the width tables fit on a terminal, over what the terminal says
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY
                        the proxy for the API's requests (upper or lower case)
  SSL_CERT_FILE, SSL_CERT_DIR
                        certificate authorities to trust instead of the system's (Linux
                        and other Unix systems)
  PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGPASSFILE, ...
                        for --to postgres://...: what the URL leaves out, as libpq defines them

Keys are never printed, logged or stored by imednet; prefer the variables (or a secrets
manager that sets them) to the key flags.

Examples:
  export ` + imednet.EnvAPIKey + `=... ` + imednet.EnvSecurityKey + `=... ` + cmdutil.EnvStudy + `=MYSTUDY
  imednet --sandbox studies list`

func formatsTopic() string {
	names := make([]string, len(output.Formats))
	for i, f := range output.Formats {
		names[i] = string(f)
	}
	return `--output (-o) chooses how results are printed: ` + strings.Join(names, ", ") + `. Without it, a
terminal gets a table and a pipe or file gets JSON Lines; "study structure", whose result is
one document, prints JSON when piped.

  table   aligned columns fitted to the terminal's width (or $COLUMNS), long values cut
          with "…", and a count line; for people, not for parsing. "get" shows every field,
          one a line.
  json    one JSON array of the items, an item a line ("get": one object)
  jsonl   JSON Lines: one JSON object per line, streamed as pages arrive; the format for
          jq and for large lists
  csv     a header line of field names, then one row per item (RFC 4180). A cell that a
          spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage
          return) is prefixed with '. Lists and objects are compact JSON in their cell.

JSON and JSON Lines use the API's field names (camelCase), the names --filter and --sort
take. Timestamps are RFC 3339 in UTC in every format.
Errors and progress go to stderr, never into the output.

The targets of "export" and "sync" (--to: SQLite, PostgreSQL, Parquet, CSV, JSON Lines) are
described in "imednet export --help".

Examples:
  imednet --sandbox sites list -o table
  imednet --sandbox sites list -o csv > sites.csv
  imednet --sandbox records list --limit 3 -o jsonl
  imednet --sandbox studies get DEMO -o json`
}

// newHelpCmd returns "imednet help": the help of a command or of a topic. Unlike cobra's,
// it refuses a name it does not know (exit 2, with suggestions) instead of printing the
// root's help.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command | topic]",
		Short: "Help about any command, or a topic: " + strings.Join(topicNames(), ", "),
		Long: "Show the help of a command (imednet help records list) or of a topic:\n\n" + topicList() +
			"\nimednet COMMAND --help shows the same.",
		Example: "  imednet help filter\n  imednet help records list",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if (sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand()) && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			cmd, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				parent := root
				if err == nil {
					parent = cmd
				}
				typed := strings.Join(args, " ")
				var suggestions []string
				if len(rest) > 0 {
					for _, s := range cmdutil.SuggestCommands(parent, rest[0]) {
						suggestions = append(suggestions, "imednet help "+strings.TrimPrefix(parent.CommandPath()+" "+s, root.Name()+" "))
					}
					if parent == root {
						for _, t := range cmdutil.Suggest(rest[0], topicNames()) {
							suggestions = append(suggestions, "imednet help "+t)
						}
					}
				}
				return cmdutil.UsageErrorf("no help for %q: neither a command nor a topic (%s)%s",
					typed, strings.Join(topicNames(), ", "), cmdutil.DidYouMean(suggestions))
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// topicList lists the topics, one a line, for the help command's help.
func topicList() string {
	var b strings.Builder
	for _, t := range topics {
		fmt.Fprintf(&b, "  %-12s %s\n", t.name, t.short)
	}
	return b.String()
}
