// Package jobs is "imednet jobs": the status of record-submission jobs, and waiting for them.
// Its Columns and WaitAll are shared with "imednet records create".
package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// Columns describe a job for the table and CSV.
var Columns = []output.Column[imednet.Job]{
	{Name: "batchId", Table: true, Value: func(j *imednet.Job) string { return j.BatchID }},
	{Name: "jobId", Table: true, Value: func(j *imednet.Job) string { return j.JobID }},
	{Name: "state", Table: true, Value: func(j *imednet.Job) string { return j.State }},
	{Name: "dateCreated", Table: true, Value: func(j *imednet.Job) string { return j.DateCreated.String() }},
	{Name: "dateStarted", Value: func(j *imednet.Job) string { return j.DateStarted.String() }},
	{Name: "dateFinished", Table: true, Value: func(j *imednet.Job) string { return j.DateFinished.String() }},
}

// NewCmd returns "imednet jobs" with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs <command>",
		Short: "Show or wait for the jobs of record submissions",
		Long: "A record submission (imednet records create) is processed by the API as jobs, one per chunk\n" +
			"of requests, each known by its batch id. These commands read and wait for them.",
		Aliases: []string{"job"},
		Args:    cmdutil.NoArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewStatusCmd(f, nil), NewWaitCmd(f, nil))
	return cmd
}

// StatusOptions are the options of "jobs status".
type StatusOptions struct {
	Factory  *cmdutil.Factory
	Study    string
	BatchIDs []string
	Select   cmdutil.SelectFlags // --json and --jq
}

// NewStatusCmd returns "jobs status". runF, when not nil, runs instead of StatusRun.
func NewStatusCmd(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	o := &StatusOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "status <batchId>...",
		Short: "Show the state of jobs",
		Long: "Show the state of each job (created, running, completed or failed), by batch id, without waiting.\n\n" +
			cmdutil.SelectHelp,
		Example: "  ids=$(imednet records create --study MYSTUDY --file new.json --no-wait -o csv | tail -n +2 | cut -d, -f1)\n" +
			"  imednet jobs status --study MYSTUDY $ids\n" +
			"  # --sandbox lives for one command, so its jobs are gone by the next: to try this\n" +
			"  # without credentials, start a sandbox that stays up with 'imednet sandbox serve'.",
		Args: cmdutil.MinimumArgs(1, "at least one batch id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.BatchIDs = args
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return StatusRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	cmdutil.AddSelectFlags(cmd, &o.Select)
	o.Select.CompleteFields(output.FieldNames[imednet.Job])
	return cmd
}

// StatusRun runs "jobs status".
func StatusRun(ctx context.Context, o *StatusOptions) error {
	f := o.Factory
	sel, format, err := o.Select.Selection(f, "jobs", output.FieldNames[imednet.Job]())
	if err != nil {
		return err
	}
	c, study, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	l := output.SelectList(f.IO.Out, format, Columns, "job", "jobs", sel, f.IO.Width, nil)
	var errs []error
	for _, id := range o.BatchIDs {
		job, err := c.Jobs.Get(ctx, study, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("batch %s: %w", id, err))
			continue
		}
		if err := l.Add(job); err != nil {
			return err
		}
	}
	if err := l.Close(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// WaitParams say how to wait for jobs.
type WaitParams struct {
	Interval time.Duration // delay before the first poll; later delays grow by half each time
	Timeout  time.Duration // bound on the whole wait; 0 for none
}

// AddWaitFlags registers --poll-interval and --wait-timeout.
func AddWaitFlags(cmd *cobra.Command, p *WaitParams) {
	cmd.Flags().DurationVar(&p.Interval, "poll-interval", imednet.DefaultWaitInterval, "delay before the first poll of a job; later delays grow by half, up to 15s")
	cmd.Flags().DurationVar(&p.Timeout, "wait-timeout", 0, "give up waiting after this long, e.g. 10m (default: no limit)")
}

// Check validates the wait flags.
func (p WaitParams) Check() error {
	if p.Interval <= 0 {
		return cmdutil.UsageErrorf("--poll-interval %s: expected a positive duration", p.Interval)
	}
	if p.Timeout < 0 {
		return cmdutil.UsageErrorf("--wait-timeout %s: expected a positive duration", p.Timeout)
	}
	return nil
}

// WaitAll waits for every job in turn, showing progress on stderr when it is a terminal, and
// returns the jobs in their final state (or as last read) in the same order. The error joins
// one error per job that did not complete, each naming its batch id.
func WaitAll(ctx context.Context, f *cmdutil.Factory, c *imednet.Client, study string, jobs []*imednet.Job, p WaitParams) ([]*imednet.Job, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	prog := &progress{io: f.IO, total: len(jobs)}
	defer prog.done()
	out := make([]*imednet.Job, len(jobs))
	var errs []error
	for i, job := range jobs {
		out[i] = job
		if job.Terminal() {
			if job.Failed() {
				errs = append(errs, &imednet.JobFailedError{Job: job})
			}
			continue
		}
		prog.show(i, job)
		final, err := c.Jobs.Wait(ctx, study, job.BatchID, &imednet.WaitOptions{
			Interval:   p.Interval,
			OnProgress: func(j *imednet.Job) { prog.show(i, j) },
		})
		if final != nil {
			out[i] = final
		}
		if err != nil {
			var jt *imednet.JobTimeoutError
			if errors.As(err, &jt) || errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("batch %s: still %s after --wait-timeout %s", job.BatchID, out[i].State, p.Timeout)
			} else if !errors.As(err, new(*imednet.JobFailedError)) {
				err = fmt.Errorf("batch %s: %w", job.BatchID, err)
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				for _, rest := range jobs[i+1:] {
					errs = append(errs, fmt.Errorf("batch %s: not waited for", rest.BatchID))
				}
				for k := i + 1; k < len(jobs); k++ {
					out[k] = jobs[k]
				}
				break
			}
		}
	}
	return out, errors.Join(errs...)
}

// progress shows which job is being waited for, on one line of stderr that it rewrites;
// nothing when stderr is not a terminal.
type progress struct {
	io    *cmdutil.IOStreams
	total int
	shown bool
}

func (p *progress) show(i int, j *imednet.Job) {
	if !p.io.ErrTTY {
		return
	}
	fmt.Fprintf(p.io.ErrOut, "\r\033[Kwaiting for job %d of %d (batch %s): %s", i+1, p.total, j.BatchID, j.State)
	p.shown = true
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.io.ErrOut, "\r\033[K")
	}
}

// WaitOptions are the options of "jobs wait".
type WaitOptions struct {
	Factory  *cmdutil.Factory
	Study    string
	BatchIDs []string
	Wait     WaitParams
}

// NewWaitCmd returns "jobs wait". runF, when not nil, runs instead of WaitRun.
func NewWaitCmd(f *cmdutil.Factory, runF func(context.Context, *WaitOptions) error) *cobra.Command {
	o := &WaitOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "wait <batchId>...",
		Short: "Wait for jobs to finish",
		Long: "Wait until each job has completed or failed, then show them all. The exit status is 1 when\n" +
			"any job failed or is still running at --wait-timeout. Progress shows on stderr on a terminal.",
		Example: "  imednet jobs wait --study MYSTUDY 1b2c3d4e-...\n" +
			"  imednet jobs wait --study MYSTUDY --wait-timeout 10m BATCH1 BATCH2",
		Args: cmdutil.MinimumArgs(1, "at least one batch id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.BatchIDs = args
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return WaitRun(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.Study, "study", "s", "", "the study key (default $"+cmdutil.EnvStudy+"; DEMO with --sandbox)")
	AddWaitFlags(cmd, &o.Wait)
	return cmd
}

// WaitRun runs "jobs wait".
func WaitRun(ctx context.Context, o *WaitOptions) error {
	f := o.Factory
	format, err := f.Format()
	if err != nil {
		return err
	}
	if err := o.Wait.Check(); err != nil {
		return err
	}
	c, study, err := f.StudyClient(o.Study)
	if err != nil {
		return err
	}
	pending := make([]*imednet.Job, len(o.BatchIDs))
	for i, id := range o.BatchIDs {
		if strings.TrimSpace(id) == "" {
			return cmdutil.UsageErrorf("jobs wait: batch id %d is blank", i+1)
		}
		pending[i] = &imednet.Job{BatchID: id, State: "unknown"}
	}
	final, werr := WaitAll(ctx, f, c, study, pending, o.Wait)
	if final == nil {
		return werr
	}
	if err := PrintJobs(f, format, final); err != nil {
		return err
	}
	return Outcome(final, werr)
}

// PrintJobs writes jobs in format.
func PrintJobs(f *cmdutil.Factory, format output.Format, jobs []*imednet.Job) error {
	l := output.NewList(f.IO.Out, format, Columns, "job", "jobs").FitTo(f.IO.Width)
	for _, j := range jobs {
		if err := l.Add(j); err != nil {
			return err
		}
	}
	return l.Close()
}

// Outcome turns the result of WaitAll into the command's error: nil when every job
// completed, else an error that counts the jobs that failed and names their batch ids, with
// the exit status 1 (or 3 when the API refused the keys).
func Outcome(jobs []*imednet.Job, err error) error {
	if err == nil {
		return nil
	}
	var failed []string
	for _, j := range jobs {
		if j.Failed() {
			failed = append(failed, j.BatchID)
		}
	}
	if code := cmdutil.ExitCode(err); code == cmdutil.ExitAuth {
		return err
	}
	if len(failed) == len(jobs) || len(failed) > 0 && errorsOnlyFailures(err) {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure,
			Err: fmt.Errorf("%d of %d jobs failed: batch %s", len(failed), len(jobs), strings.Join(failed, ", "))}
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: err}
}

// errorsOnlyFailures reports whether err joins only *imednet.JobFailedError values.
func errorsOnlyFailures(err error) bool {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return errors.As(err, new(*imednet.JobFailedError))
	}
	for _, e := range j.Unwrap() {
		if !errors.As(e, new(*imednet.JobFailedError)) {
			return false
		}
	}
	return true
}
