// Package cli is the imednet command line. cmd/imednet/main.go only calls [Main]; tests call
// [Run] with a [cmdutil.Factory] over buffers, in-process.
//
// # Layout
//
//	internal/cli/root.go       the root command, global flags, exit codes, Main and Run
//	internal/cli/topics.go     the help topics (imednet help filter, environment, exit-codes,
//	                           formats) and the help command
//	internal/cli/cmdutil/      what every command shares: Factory (client, IO streams, output
//	                           format, study key), exit codes and errors, argument checks
//	internal/cli/output/       the output formats: table, json, jsonl, csv (List, One, Column)
//	internal/cli/resource/     the one "<noun> list" / "<noun> get" implementation, and the Spec
//	                           of every resource (specs.go): studies, sites, subjects, ...; the
//	                           columns are generated from the model structs (columns_gen.go,
//	                           see internal/gen/models)
//	internal/cli/records/      records: resource's list and get, plus "records create"
//	internal/cli/jobs/         jobs status, jobs wait (WaitAll is shared with records create)
//	internal/cli/study/        study structure
//	internal/cli/auth/         auth check
//	internal/cli/sandbox/      sandbox serve
//	internal/cli/exportcmd/    export and sync
//
// # Adding a command
//
// One folder per noun, one file per verb when a noun has several. Each command has three
// parts, after the gh command line. First, an options struct holding the Factory and the
// flag values:
//
//	type ExportOptions struct {
//		Factory *cmdutil.Factory
//		Study   string
//		// ... one field per flag
//	}
//
// Second, a constructor that builds the cobra command and takes a run function that tests
// substitute to check flag parsing (nil in production):
//
//	func NewCmd(f *cmdutil.Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command
//
// It sets Use, Short, Long and an Example that runs on the sandbox ("imednet --sandbox
// export ..."; a test checks that every command has one), Args (cmdutil.NoArgs, ExactArgs,
// MinimumArgs, whose errors are usage errors), and the flags. A command that works on a
// study takes --study/-s with the help text the others use; f.Study(o.Study) resolves it
// (the flag, then DEMO under --sandbox, then $IMEDNET_STUDY).
//
// Third, a run function that does the work, which tests call directly or through Run:
//
//	func ExportRun(ctx context.Context, o *ExportOptions) error
//
// It gets everything from the Factory, never from globals: f.Format() for the output
// format, f.Client() for the SDK client (built from the environment, read by imednet.ReadEnv
// as the SDK reads it, then from the global flags, which win; or wired to the in-process
// sandbox), f.IO for the streams (Out for results, ErrOut for progress and warnings; ErrTTY
// says whether progress may be shown). A study-scoped command gets the
// client and the study key at once from f.StudyClient(o.Study), which reports missing
// credentials before a missing study. ctx is cancelled on SIGINT and SIGTERM (see Errors and
// exit codes).
//
// Register the command in NewRootCmd (root.go). The export and sync commands have their
// place marked EXPORT-AND-SYNC-REGISTRATION there.
//
// # Adding an export target
//
// The targets of export and sync (--to) are one table, targets in exportcmd/targets.go: the
// scheme, its aliases, how the help writes it, a line of help and the sink package's
// OpenTarget (each sink package has one, of the shape export.Target describes). The help
// texts, the error that lists the known targets and the reading of --to derive from it, so a
// new sink is one entry there and a check in TestEveryTargetOpensItsSink.
//
// # Output
//
// Results go to f.IO.Out through package output: describe the items as []output.Column[T]
// (the API's camelCase field names, values printed as text) and stream them through
// output.NewList (Add each item, then Close) or output.One for a single item. JSON and JSON
// Lines encode the items themselves with encoding/json, so give them camelCase json tags.
// The default format is table on a terminal and jsonl when piped; a command whose result is
// one document (study structure) may pick json instead when --output is not given.
// Progress goes to f.IO.ErrOut, only when f.IO.ErrTTY is true.
//
// # Errors and exit codes
//
// Return errors; Run prints them on one line (cmdutil.ErrorMessage, with a hint for API
// errors) and picks the exit code (cmdutil.ExitCode): 0 success, 1 failure, 2 usage or
// invalid input (cmdutil.UsageErrorf), 3 authentication or permission (API 401 and 403,
// recognised by themselves). A command that has already printed its problems (as records
// create does, one line per problem) returns &cmdutil.SilentError{Code: ...}. Never put a key
// in a message; the SDK's errors never carry one.
//
// Main cancels the command's context on the first SIGINT or SIGTERM with a
// *cmdutil.SignalError as its cause (cmdutil.NotifyContext); a second one ends the process
// at once. A command stops promptly when ctx is done and returns its error (the wrapped
// context.Canceled); Run, seeing the signal behind it (cmdutil.Interrupted), prints
// "interrupted (SIGINT)" and exits with 128 plus the signal's number: 130
// (cmdutil.ExitInterrupted) or 143 (cmdutil.ExitTerminated). A command whose rerun picks up
// where it stopped says how with cmdutil.WithNote (export and sync do). Tests act as a
// signal by cancelling their context with context.WithCancelCause and a
// &cmdutil.SignalError{Signal: os.Interrupt}.
//
// # Tests
//
// Build a Factory over cmdutil.TestStreams with NewSandbox returning an imednettest server
// that the test keeps, run the command with Run(ctx, f, args), and assert on the buffers,
// the exit code and srv.Stats(). Golden files live in testdata/ and are rewritten with
// UPDATE_GOLDEN=1 go test ./internal/cli/.
package cli
