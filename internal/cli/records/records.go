// Package records is "imednet records": the generic list and get of package resource, plus
// "records create", which validates a file of record requests against the study's data
// dictionary and submits them.
package records

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/dictcmd"
	"github.com/imednet/imednet-go/internal/cli/jobs"
	"github.com/imednet/imednet-go/internal/cli/resource"
)

// NewCmd returns "imednet records" with list, get and create.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	var ff FormFlags
	cmd, list := resource.NewCmdWithList(f, resource.Records, func(ctx context.Context, o *resource.ListOptions[imednet.Record]) error {
		if ff.Form != "" || ff.Columns != "" {
			return listForm(ctx, o, &ff)
		}
		return resource.ListRun(ctx, o)
	})
	addFormFlags(list, &ff)
	cmd.Short = "List, show or create the records (filled-in forms) of a study"
	cmd.AddCommand(NewCreateCmd(f, nil))
	return cmd
}

// CreateOptions are the options of "records create".
type CreateOptions struct {
	Factory     *cmdutil.Factory
	Study       string
	File        string // a path, or "-" for stdin
	DryRun      bool
	NoWait      bool
	EmailNotify string
	ChunkSize   int
	Dictionary  string // the vendor's dictionary files, whose choice lists check coded values
	Wait        jobs.WaitParams
}

const createLong = `Create or update records from a file, after checking every request against the
study's data dictionary (its forms and variables, fetched first).

The file is a JSON array of record requests, or CSV:

  JSON  [{"formKey": "AE", "subjectKey": "01-001", "data": {"AETERM": "Headache", "AESEV": "2"}}]
        Fields: formKey (or formId), siteName, subjectKey (or subjectId, subjectOid),
        intervalName (or intervalId), recordId (or recordOid), and data, by variable name.
  CSV   formKey,siteName,subjectKey,intervalName,recordId,AETERM,AESEV
        AE,,01-001,,,Headache,2
        Columns after the identifiers are variables (names are case-sensitive); an empty cell
        leaves the variable out. Number and checkbox cells are typed from the dictionary.

Which identifiers a request carries says what it does: siteName alone registers a new
subject (with the registration form); subjectKey adds a record for that subject, in the
interval intervalName when given; recordId updates that record.

With --dictionary PATH (the vendor's dictionary files, a folder or a ZIP; with --sandbox the
sandbox's own by default), a radio or dropdown value must also be one of its variable's
choices (the message lists them), and a checkbox's values too.

Every problem is printed with its line and field, and the command exits with status 2
having sent nothing. Otherwise the requests are sent in chunks (--chunk-size), each chunk
processed by the API as a job; the command waits for the jobs (progress on stderr on a
terminal), prints each job's outcome, and exits with status 1 if any failed. --no-wait
prints the jobs' batch ids at once (see 'imednet jobs wait').`

const createExample = `  # Register a subject and add an adverse event on the sandbox
  cat > new.json <<'JSON'
  [{"formKey": "REG", "siteName": "Chicago Hope Hospital", "data": {"INITIALS": "ABC"}},
   {"formKey": "AE", "subjectKey": "01-001", "data": {"AETERM": "Headache"}}]
  JSON
  imednet --sandbox records create --file new.json --dry-run
  imednet --sandbox records create --file new.json

  # Codes checked against the choice lists of the vendor's dictionary files
  imednet records create --study MYSTUDY --file visits.json --dictionary dictionary.zip --dry-run

  # From CSV, without waiting
  imednet records create --study MYSTUDY --file visits.csv --no-wait -o csv`

// NewCreateCmd returns "records create". runF, when not nil, runs instead of CreateRun.
func NewCreateCmd(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	o := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "create --file FILE",
		Short:   "Create or update records from a JSON or CSV file, validated first",
		Long:    createLong,
		Example: createExample,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return CreateRun(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	fl.StringVarP(&o.File, "file", "F", "", "the record requests: a .json or .csv file, or - for stdin (required)")
	fl.BoolVar(&o.DryRun, "dry-run", false, "validate only: send nothing")
	fl.BoolVar(&o.NoWait, "no-wait", false, "print the jobs' batch ids without waiting for them")
	fl.StringVar(&o.EmailNotify, "email-notify", "", "an address the API emails when each job finishes")
	fl.IntVar(&o.ChunkSize, "chunk-size", imednet.DefaultChunkSize, fmt.Sprintf("requests per submission (job), 1 to %d", imednet.MaxChunkSize))
	fl.StringVar(&o.Dictionary, "dictionary", "", dictcmd.FlagUsage)
	jobs.AddWaitFlags(cmd, &o.Wait)
	return cmd
}

// CreateRun runs "records create".
func CreateRun(ctx context.Context, o *CreateOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	if strings.TrimSpace(o.File) == "" {
		return cmdutil.UsageErrorf("records create: --file is required (a .json or .csv file, or - for stdin)")
	}
	if o.ChunkSize < 1 || o.ChunkSize > imednet.MaxChunkSize {
		return cmdutil.UsageErrorf("--chunk-size %d: expected 1 to %d", o.ChunkSize, imednet.MaxChunkSize)
	}
	if o.NoWait && o.DryRun {
		return cmdutil.UsageErrorf("--no-wait and --dry-run cannot be used together")
	}
	if !o.NoWait {
		if err := o.Wait.Check(); err != nil {
			return err
		}
	}
	c, study, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	name, data, err := o.read()
	if err != nil {
		return err
	}
	in, err := readInput(ctx, name, data)
	if err != nil {
		return err
	}
	if len(in.reqs) == 0 {
		if len(in.issues) > 0 {
			return report(f, name, in.issues)
		}
		return cmdutil.UsageErrorf("%s: no record requests", name)
	}
	loaded, err := dictcmd.Load(ctx, f, c, study, o.Dictionary)
	if err != nil {
		return err
	}
	loaded.Note(f.IO.ErrOut)
	dict := loaded.Dict
	in.convert(dict)
	// Every problem is reported: those of reading the file, then those of the requests read.
	issues := in.issues
	if err := dict.Validate(in.reqs); err != nil {
		var verr *dictionary.ValidationError
		if !errors.As(err, &verr) {
			return cmdutil.Usage(err)
		}
		for _, p := range verr.Problems {
			issues = append(issues, issue{line: in.line[p.Index], msg: in.where[p.Index] + ": " + problemText(p)})
		}
	}
	if len(issues) > 0 {
		return report(f, name, issues)
	}
	if o.DryRun {
		fmt.Fprintf(f.IO.ErrOut, "%s: %s valid for study %s; nothing sent (--dry-run)\n",
			name, cmdutil.Plural(len(in.reqs), "record request", "record requests"), study)
		return nil
	}
	created, err := c.Records.Create(ctx, study, in.reqs, &imednet.CreateOptions{EmailNotify: o.EmailNotify, ChunkSize: o.ChunkSize})
	if err != nil {
		var se *imednet.SubmitError
		if errors.As(err, &se) {
			return submitError(in, se)
		}
		return err
	}
	if o.NoWait {
		return jobs.PrintJobs(f, format, created)
	}
	final, werr := jobs.WaitAll(ctx, f, c, study, created, o.Wait)
	if final == nil {
		return werr
	}
	if err := jobs.PrintJobs(f, format, final); err != nil {
		return err
	}
	return jobs.Outcome(final, werr)
}

// read returns the file's name for messages and its content.
func (o *CreateOptions) read() (string, []byte, error) {
	if o.File == "-" {
		data, err := io.ReadAll(o.Factory.IO.In)
		if err != nil {
			return "", nil, fmt.Errorf("reading stdin: %w", err)
		}
		return "stdin", data, nil
	}
	data, err := os.ReadFile(o.File)
	if err != nil {
		return "", nil, cmdutil.UsageErrorf("--file: %v", err)
	}
	return o.File, data, nil
}

// report prints the problems of the input on stderr, one a line, and ends with status 2.
func report(f *cmdutil.Factory, name string, issues []issue) error {
	slices.SortStableFunc(issues, func(a, b issue) int { return a.line - b.line })
	for _, is := range issues {
		fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", name, is.msg)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s: %s; nothing was sent\n", name, cmdutil.Plural(len(issues), "problem", "problems"))
	return &cmdutil.SilentError{Code: cmdutil.ExitUsage}
}

// problemText formats a validation problem without its request index (the caller puts the
// line in front): "form AE: field AESEV: ...".
func problemText(p dictionary.Problem) string {
	var b strings.Builder
	if p.Form != "" {
		b.WriteString("form " + p.Form + ": ")
	}
	if p.Field != "" && !strings.HasPrefix(p.Msg, p.Field+" ") {
		b.WriteString("field " + p.Field + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// submitError describes a failed submission in the file's terms: which requests were in the
// failed chunk, whether they may have been applied, which were not sent, and the batch ids
// of the chunks accepted before it.
func submitError(in *input, se *imednet.SubmitError) error {
	var b strings.Builder
	fmt.Fprintf(&b, "submission %d of %d (%s to %s) failed: %s", se.Chunk, se.Chunks,
		in.where[se.First], in.where[se.Last], cmdutil.ErrorMessage(se.Err))
	if se.MaybeApplied {
		b.WriteString("; its requests may have been applied: check before sending them again")
	} else {
		b.WriteString("; its requests were not applied")
	}
	if se.Last+1 < se.Total {
		fmt.Fprintf(&b, "; %s and after were not sent", in.where[se.Last+1])
	}
	if len(se.Accepted) > 0 {
		fmt.Fprintf(&b, "; accepted before it: batch %s", batchIDs(se.Accepted))
	}
	code := cmdutil.ExitCode(se.Err)
	if code == cmdutil.ExitUsage {
		code = cmdutil.ExitFailure // the requests were valid for the dictionary: the API refused them
	}
	return &cmdutil.ExitError{Code: code, Err: errors.New(b.String())}
}

func batchIDs(js []*imednet.Job) string {
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.BatchID
	}
	return strings.Join(ids, ", ")
}
