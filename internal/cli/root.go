package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/auth"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/configcmd"
	"github.com/imednet/imednet-go/internal/cli/dictcmd"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
	"github.com/imednet/imednet-go/internal/cli/jobs"
	"github.com/imednet/imednet-go/internal/cli/queries"
	"github.com/imednet/imednet-go/internal/cli/records"
	reportcmd "github.com/imednet/imednet-go/internal/cli/report"
	"github.com/imednet/imednet-go/internal/cli/resource"
	"github.com/imednet/imednet-go/internal/cli/sandbox"
	"github.com/imednet/imednet-go/internal/cli/study"
	"github.com/imednet/imednet-go/internal/cli/subjects"
)

// Version is the command's version. Release builds set it with
//
//	go build -ldflags "-X github.com/imednet/imednet-go/internal/cli.Version=v1.2.3" ./cmd/imednet
//
// When it is empty, the module version recorded in the binary is used (as set by go install
// module@version), else "devel".
var Version string

// version returns Version, or the module's version from the build information.
func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

// Main runs the command with the process's arguments, streams and environment, and returns
// the exit code. The first SIGINT or SIGTERM cancels the command's context with the signal
// as its cause (cmdutil.NotifyContext), so that the command stops cleanly and Run ends it
// with 128 plus the signal's number; a second one ends the process at once.
func Main() int {
	ctx, stop := cmdutil.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cmdutil.New(version())
	f.Name = strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	return Run(ctx, f, os.Args[1:])
}

// Run runs the command with args on the factory's streams, prints an error on its stderr,
// and returns the exit code (see cmdutil.ExitCode). Tests call it with a factory over
// buffers.
//
// A command that fails after a signal cancelled ctx (its cause a *cmdutil.SignalError, see
// cmdutil.Interrupted) was interrupted: Run says so and returns the signal's code,
// cmdutil.ExitInterrupted for SIGINT and cmdutil.ExitTerminated for SIGTERM. A command that
// ends without an error despite the signal (sandbox serve, which serves until one arrives)
// exits 0.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(cmdutil.NormalizeSelectArgs(args))
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if sb, _ := f.Sandbox(); sb != nil {
		sb.Close()
	}
	if err == nil || errors.Is(err, cmdutil.ErrFieldsListed) {
		return cmdutil.ExitOK
	}
	var silent *cmdutil.SilentError
	isSilent := errors.As(err, &silent)
	if sig := cmdutil.Interrupted(ctx); sig != nil {
		msg := sig.Error()
		if !isSilent && !errors.Is(err, context.Canceled) {
			// An error other than the cancellation itself may say what was left undone.
			fmt.Fprintln(f.IO.ErrOut, "imednet: "+cmdutil.ErrorMessage(err))
		} else if note := cmdutil.Note(err); note != "" {
			msg += "; " + note
		}
		fmt.Fprintln(f.IO.ErrOut, "imednet: "+msg)
		return sig.Code()
	}
	code := cmdutil.ExitCode(err)
	if isCobraUsage(err) {
		code = cmdutil.ExitUsage
	}
	if !isSilent {
		fmt.Fprintln(f.IO.ErrOut, "imednet: "+cmdutil.ErrorMessage(err))
	}
	return code
}

// isCobraUsage recognises the errors cobra itself returns for an unknown command.
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ") || strings.HasPrefix(err.Error(), "unknown shorthand flag") ||
		strings.HasPrefix(err.Error(), "unknown flag")
}

var rootLong = fmt.Sprintf(rootLongFormat, strings.TrimRight(exitCodesText(), "\n"))

const rootLongFormat = `Work with the iMednet EDC REST API: list any resource of a study, submit records,
follow their jobs, see a study's structure, and export a whole study into a database or a
directory of files (see "imednet export --help"), then keep it up to date with sync.

Credentials come from the environment:

  export IMEDNET_API_KEY=...        # the API key
  export IMEDNET_SECURITY_KEY=...   # the security key
  export IMEDNET_STUDY=MYSTUDY      # optional: the default --study

Without credentials, add --sandbox to any command: it then runs against an in-process fake
API with generated studies: DEMO (the default --study), CARDIO and ONCO.

Output (--output): "table" on a terminal (aligned columns fitted to its width, or to
$COLUMNS, long values cut, a count line), "jsonl" when piped (one JSON object per line,
streamed); "json" gives one array, "csv" a header and rows (cells that could start a
spreadsheet formula are prefixed with '). JSON uses the API's field names; timestamps are
RFC 3339 in UTC.

Exit status:
%s`

const rootExample = `  imednet --sandbox export --to sqlite:demo.db
  imednet --sandbox studies list
  imednet --sandbox records list --filter 'formKey==AE' --limit 5
  imednet --sandbox study structure
  imednet sites list --study MYSTUDY -o csv > sites.csv`

// NewRootCmd returns the imednet command with all its subcommands.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "imednet <command>",
		Short:         "The iMednet EDC API from the command line",
		Long:          rootLong,
		Example:       rootExample,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cmdutil.NoArgs,
		RunE:          func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		// Before any command: --bom wraps the output.
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error { return f.ApplyBOM() },
	}
	if name := strings.TrimSpace(f.Name); name != "" && name != "imednet" && !strings.ContainsAny(name, " \t") {
		// Installed under another name: the completion scripts complete that name.
		root.Use = name + " <command>"
	}
	root.SetVersionTemplate("imednet {{.Version}}\n")
	root.SetFlagErrorFunc(cmdutil.FlagError)
	f.AddGlobalFlags(root.PersistentFlags())

	root.AddGroup(
		&cobra.Group{ID: "data", Title: "Resources:"},
		&cobra.Group{ID: "work", Title: "Submissions and structure:"},
	)
	for _, cmd := range resource.Commands(f) {
		cmd.GroupID = "data"
		root.AddCommand(cmd)
	}
	for _, cmd := range []*cobra.Command{records.NewCmd(f), queries.NewCmd(f), subjects.NewCmd(f)} {
		cmd.GroupID = "data"
		root.AddCommand(cmd)
	}
	for _, cmd := range []*cobra.Command{jobs.NewCmd(f), study.NewCmd(f), dictcmd.NewCmd(f)} {
		cmd.GroupID = "work"
		root.AddCommand(cmd)
	}
	root.AddCommand(auth.NewCmd(f), sandbox.NewCmd(f), configcmd.NewCmd(f), newVersionCmd(f))
	root.AddCommand(newTopicCmds()...)
	root.SetHelpCommand(newHelpCmd())

	// The extraction commands (see doc.go). EXPORT-AND-SYNC-REGISTRATION
	root.AddGroup(&cobra.Group{ID: "extract", Title: "Extraction:"})
	for _, cmd := range []*cobra.Command{exportcmd.NewCmd(f, nil), exportcmd.NewSyncCmd(f, nil)} {
		cmd.GroupID = "extract"
		root.AddCommand(cmd)
	}
	root.AddCommand(reportcmd.NewCmd(f, nil))

	registerCompletions(root, f)
	return root
}

func newVersionCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the version",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := version()
			line := "imednet " + v
			if info, ok := debug.ReadBuildInfo(); ok {
				line += " (" + info.GoVersion
				if info.Main.Version != "" && info.Main.Version != v {
					line += ", module " + info.Main.Version
				}
				line += ")"
			}
			line += ", SDK " + imednet.Version
			_, err := fmt.Fprintln(f.IO.Out, line)
			return err
		},
	}
}
