// Package sandbox is "imednet sandbox": a fake iMednet server (package imednettest) served
// over HTTP, for trying the command and testing integrations without credentials.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// NewCmd returns "imednet sandbox" with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox <command>",
		Short: "Serve a fake iMednet API with generated demo studies",
		Long: "The sandbox is a fake iMednet API that behaves like the real one (paging, filters, sorting,\n" +
			"errors, record submissions and their jobs) over generated studies: DEMO, the commands'\n" +
			"default study, and CARDIO and ONCO, of other sizes and forms.\n\n" +
			"Every command takes --sandbox to run against one in-process; 'sandbox serve' serves one\n" +
			"over HTTP for other programs.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewServeCmd(f, nil), NewDictionaryCmd(f))
	return cmd
}

// ServeOptions are the options of "sandbox serve".
type ServeOptions struct {
	Factory *cmdutil.Factory
	Addr    string
	Seed    int64
	// Studies is how many studies to serve: DEMO first, then others of other sizes and
	// forms (imednettest.WithPortfolio); 0 means DEMO alone.
	Studies   int
	Subjects  int
	Records   int
	Latency   string
	FaultRate float64
	// Ready, when set, is called with the base URL once the server listens (a test seam).
	Ready func(url string)
}

// NewServeCmd returns "sandbox serve". runF, when not nil, runs instead of ServeRun.
func NewServeCmd(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	o := &ServeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the sandbox over HTTP until interrupted",
		Long: "Serve a fake iMednet API on --addr with --studies studies, print its URL and keys, and serve\n" +
			"until interrupted (Ctrl+C, SIGTERM). With --fault-rate, that share of the requests fails\n" +
			"(half with 5xx, a quarter with 429 and Retry-After, a quarter with a connection reset)\n" +
			"before the server acts on it, so a client's retries can be tested.\n\n" +
			"The keys it accepts are $" + imednet.EnvAPIKey + " and $" + imednet.EnvSecurityKey + " when both are set (so that\n" +
			"a script can set them, start it, and point other commands at it with --base-url), and\n" +
			"the demo keys it prints otherwise. The data is generated from --seed: the same seed and\n" +
			"sizes give the same studies.\n\n" +
			"The studies are DEMO (--subjects subjects with --records records each), then CARDIO, ONCO,\n" +
			"NEURO, DERM, RESP, STUDY07, ...: each scales DEMO's sizes by its own fractions (CARDIO twice\n" +
			"the subjects with two thirds of the records each, ONCO half the subjects with half again\n" +
			"the records, ...) and has its own number of forms and sites. DEMO's data does not depend\n" +
			"on how many studies follow it.",
		Example: "  imednet sandbox serve --addr 127.0.0.1:8765\n" +
			"  IMEDNET_API_KEY=demo-api-key IMEDNET_SECURITY_KEY=demo-security-key \\\n" +
			"    imednet --base-url http://127.0.0.1:8765 studies list\n\n" +
			"  # A bigger study, slow and unreliable, to test a client's retries\n" +
			"  imednet sandbox serve --subjects 1000 --records 50 --latency 20ms-200ms --fault-rate 0.05\n\n" +
			"  # A portfolio of ten studies, for exports of many studies at once\n" +
			"  imednet sandbox serve --studies 10",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Studies < 1 {
				return cmdutil.UsageErrorf("--studies %d: expected 1 to %d", o.Studies, imednettest.MaxPortfolio)
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return ServeRun(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:0", "the address to listen on (port 0: any free port; 0.0.0.0:PORT for every interface)")
	fl.Int64Var(&o.Seed, "seed", 1, "the seed of the generated data")
	fl.IntVar(&o.Studies, "studies", cmdutil.SandboxStudies, fmt.Sprintf("how many studies to serve, 1 to %d: DEMO first, then studies of other sizes and forms", imednettest.MaxPortfolio))
	fl.IntVar(&o.Subjects, "subjects", 24, "how many subjects DEMO has (the other studies scale it)")
	fl.IntVar(&o.Records, "records", 30, "how many records each subject of DEMO has (the other studies scale it)")
	fl.StringVar(&o.Latency, "latency", "", "delay each request: a duration (50ms) or a range drawn from uniformly (20ms-200ms)")
	fl.Float64Var(&o.FaultRate, "fault-rate", 0, "the share of requests that fail, 0 to 1: half 5xx, a quarter 429, a quarter connection resets")
	return cmd
}

// Options turns the flags into the server's options.
func (o *ServeOptions) Options() ([]imednettest.Option, error) {
	studies := max(o.Studies, 1)
	if o.Studies < 0 || o.Studies > imednettest.MaxPortfolio {
		return nil, cmdutil.UsageErrorf("--studies %d: expected 1 to %d", o.Studies, imednettest.MaxPortfolio)
	}
	if o.Subjects < 1 {
		return nil, cmdutil.UsageErrorf("--subjects %d: expected 1 or more", o.Subjects)
	}
	if o.Records < 1 {
		return nil, cmdutil.UsageErrorf("--records %d: expected 1 or more", o.Records)
	}
	if o.FaultRate < 0 || o.FaultRate > 1 {
		return nil, cmdutil.UsageErrorf("--fault-rate %g: expected a share from 0 to 1", o.FaultRate)
	}
	faults := imednettest.Faults{}
	if s := strings.TrimSpace(o.Latency); s != "" {
		lo, hi, err := parseLatency(s)
		if err != nil {
			return nil, cmdutil.UsageErrorf("--latency %q: %v", o.Latency, err)
		}
		faults.Latency, faults.LatencyMax = lo, hi
	}
	if o.FaultRate > 0 {
		faults.ServerErrorRate = o.FaultRate / 2
		faults.TooManyRequestsRate = o.FaultRate / 4
		faults.ResetRate = o.FaultRate / 4
	}
	opts := []imednettest.Option{
		imednettest.WithSeed(o.Seed),
		imednettest.WithPortfolio(studies, imednettest.StudyConfig{Key: imednettest.DemoStudyKey, Subjects: o.Subjects, RecordsPerSubject: o.Records}),
		imednettest.WithFaults(faults),
	}
	// The keys are read as the clients that will call the server read them.
	env, err := imednet.ReadEnv(o.Factory.Env)
	if err != nil {
		return nil, cmdutil.Usage(err)
	}
	switch {
	case env.APIKey != "" && env.SecurityKey != "":
		opts = append(opts, imednettest.WithKeys(env.APIKey, env.SecurityKey))
	case env.APIKey != "" || env.SecurityKey != "":
		return nil, cmdutil.UsageErrorf("set both %s and %s for the sandbox to accept them, or neither for the demo keys",
			imednet.EnvAPIKey, imednet.EnvSecurityKey)
	}
	return opts, nil
}

// parseLatency reads "50ms" or "20ms-200ms".
func parseLatency(s string) (time.Duration, time.Duration, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil || min < 0 {
		return 0, 0, errors.New("expected a duration such as 50ms, or a range such as 20ms-200ms")
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil || max < min {
			return 0, 0, errors.New("expected a range such as 20ms-200ms, its end not below its start")
		}
	}
	return min, max, nil
}

// clientURL is the URL that clients on this machine reach a listener on addr with: the
// loopback address when it listens on every interface (0.0.0.0 or [::]), since imednet and
// the SDK refuse plain http to any other address, and the address itself otherwise. local
// says whether the URL is a loopback one.
func clientURL(addr net.Addr) (url string, local bool) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String(), false
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return "http://" + addr.String(), false
	case ip.IsUnspecified():
		// A listener on [::] takes IPv4 connections too, and one on 0.0.0.0 only them.
		return "http://" + net.JoinHostPort("127.0.0.1", port), true
	default:
		return "http://" + net.JoinHostPort(host, port), ip.IsLoopback()
	}
}

func portOf(addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return port
}

// ServeRun runs "sandbox serve": it serves until ctx is done.
func ServeRun(ctx context.Context, o *ServeOptions) error {
	f := o.Factory
	opts, err := o.Options()
	if err != nil {
		return err
	}
	srv, err := imednettest.New(opts...)
	if err != nil {
		return cmdutil.Usage(fmt.Errorf("sandbox: %w", err))
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return cmdutil.UsageErrorf("--addr %s: %v", o.Addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()

	url, local := clientURL(ln.Addr())
	w := f.IO.Out
	if keys := srv.StudyKeys(); len(keys) == 1 {
		fmt.Fprintf(w, "iMednet sandbox serving study %s at %s\n\n", keys[0], url)
	} else {
		fmt.Fprintf(w, "iMednet sandbox serving studies %s at %s\n\n", strings.Join(keys, ", "), url)
	}
	fmt.Fprintf(w, "  export %s=%s\n", imednet.EnvBaseURL, url)
	if apiKey, secKey := srv.Keys(); apiKey == imednettest.DemoAPIKey && secKey == imednettest.DemoSecurityKey {
		fmt.Fprintf(w, "  export %s=%s\n", imednet.EnvAPIKey, apiKey)
		fmt.Fprintf(w, "  export %s=%s\n", imednet.EnvSecurityKey, secKey)
	} else { // the environment's keys, which are not printed
		fmt.Fprintf(w, "  (accepting the keys in $%s and $%s)\n", imednet.EnvAPIKey, imednet.EnvSecurityKey)
	}
	fmt.Fprintf(w, "  export %s=%s\n\nPress Ctrl+C to stop.\n", cmdutil.EnvStudy, imednettest.DemoStudyKey)
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(f.IO.ErrOut, "warning: the sandbox listens on %s, beyond this machine; its keys are not secret\n", ln.Addr())
		if !local {
			fmt.Fprintf(f.IO.ErrOut, "note: imednet and the SDK send keys over plain http to loopback addresses only; "+
				"listen on 0.0.0.0 to be reached at %s too, or give the SDK imednet.WithInsecureHTTP\n", "http://127.0.0.1:"+portOf(ln.Addr()))
		}
	}
	if o.Ready != nil {
		o.Ready(url)
	}

	select {
	case err := <-done:
		return fmt.Errorf("sandbox: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("sandbox: stopping: %w", err)
	}
	fmt.Fprintln(f.IO.ErrOut, "sandbox stopped")
	return nil
}
