// Package cmdutil is what every imednet command shares: the Factory that gives a command its
// API client, IO streams and output format, the global flags that configure them, the exit
// codes and the formatting of errors.
package cmdutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/config"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// EnvStudy is the environment variable that gives --study its default.
const EnvStudy = "IMEDNET_STUDY"

// IOStreams are a command's input and outputs, and whether the outputs are terminals.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // results
	ErrOut io.Writer // errors, warnings, progress
	OutTTY bool      // Out is a terminal: the default output is a table
	ErrTTY bool      // ErrOut is a terminal: progress is shown
	// Width is the width of the terminal Out is, in characters, which tables fit; 0 when
	// unknown or Out is not a terminal (tables are then as wide as their values).
	Width int
}

// System returns the process's standard streams.
func System() *IOStreams {
	io := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
	}
	if io.OutTTY {
		io.Width = terminalWidth(os.Getenv("COLUMNS"), func() int { return ttyWidth(os.Stdout) })
	}
	return io
}

// terminalWidth is the width tables fit on a terminal: $COLUMNS when it holds a positive
// number (a user's override), else what the terminal says (ask), else 0.
func terminalWidth(columns string, ask func() int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	return max(ask(), 0)
}

// TestStreams returns streams over buffers, for tests: stdin, stdout and stderr.
func TestStreams() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// GlobalFlags are the values of the flags every command takes.
type GlobalFlags struct {
	BaseURL     string        // --base-url; default IMEDNET_BASE_URL, then the SDK's default
	Timeout     time.Duration // --timeout, per attempt; default IMEDNET_TIMEOUT, then the SDK's default
	Sandbox     bool          // --sandbox: run against an in-process fake server
	Debug       bool          // --debug: log each request on stderr
	Output      string        // --output; "" for the default
	APIKey      string        // --api-key; default IMEDNET_API_KEY
	SecurityKey string        // --security-key; default IMEDNET_SECURITY_KEY
	Profile     string        // --profile; default IMEDNET_PROFILE, then the config file's default
	BOM         bool          // --bom: CSV output starts with a UTF-8 byte order mark (for Excel)
}

// Factory gives commands what they depend on. Commands receive it when they are built and
// call its methods only when they run, so that building the command tree costs nothing and
// tests can substitute any part.
type Factory struct {
	IO      *IOStreams
	Flags   GlobalFlags
	Getenv  func(string) string // the environment; os.Getenv by default
	Version string              // the command's version, for the User-Agent
	// Name is the command's name as invoked (the program's file name), which the help and
	// the shell completion scripts use; "imednet" when empty.
	Name string

	// NewSandbox builds the server behind --sandbox. The default is an imednettest server
	// without a listener holding SandboxStudies studies, the demo study DEMO first (see
	// imednettest.WithPortfolio). Tests replace it to inspect the server.
	NewSandbox func() (*imednettest.Server, error)

	// ClientOptions are added to the client's options after the flags' (a command's request
	// budget, for example); set them before the first call of Client.
	ClientOptions []imednet.Option

	// Now is the clock of the commands that measure ages (the query worklist); time.Now when
	// nil. Tests fix it.
	Now func() time.Time

	mu      sync.Mutex
	client  *imednet.Client
	sandbox *imednettest.Server

	profileOnce sync.Once
	profile     *config.Profile // the profile in use, nil for none
	profileName string
	profileErr  error
}

// SandboxStudies is how many studies the server behind --sandbox has: DEMO (the default
// study of the commands) and CARDIO and ONCO, of other sizes and forms.
const SandboxStudies = 3

// New returns a Factory over the process's streams and environment.
func New(version string) *Factory {
	return &Factory{IO: System(), Getenv: os.Getenv, Version: version}
}

// AddGlobalFlags registers the global flags on fs (the root command's persistent flags).
func (f *Factory) AddGlobalFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.Flags.BaseURL, "base-url", "", "the API's base URL (default $"+imednet.EnvBaseURL+", then "+imednet.DefaultBaseURL+")")
	fs.DurationVar(&f.Flags.Timeout, "timeout", 0, "timeout of each request attempt, e.g. 30s (default $"+imednet.EnvTimeout+", then 30s)")
	fs.BoolVar(&f.Flags.Sandbox, "sandbox", false, "run against an in-process sandbox with the demo study DEMO and two more, CARDIO and ONCO (no credentials needed)")
	fs.BoolVar(&f.Flags.Debug, "debug", false, "log each request (method, path, status, duration) on stderr; keys are never logged")
	fs.StringVarP(&f.Flags.Output, "output", "o", "", "output format: table, json, jsonl or csv (default table on a terminal, jsonl otherwise)")
	fs.StringVar(&f.Flags.APIKey, "api-key", "", "the API key (prefer $"+imednet.EnvAPIKey+": a flag shows in the process list and the shell history)")
	fs.StringVar(&f.Flags.SecurityKey, "security-key", "", "the security key (prefer $"+imednet.EnvSecurityKey+", for the same reason)")
	fs.BoolVar(&f.Flags.BOM, "bom", false, "start CSV output with a UTF-8 byte order mark, so that Excel reads accents right (with -o csv)")
	fs.StringVar(&f.Flags.Profile, "profile", "", "the configuration profile to use (default $"+config.EnvProfile+", then the file's default; see 'imednet config')")
}

// ConfigPath returns the configuration file's path (see config.Path).
func (f *Factory) ConfigPath() (string, error) { return config.Path(f.Env) }

// Profile returns the configuration profile in use and its name: --profile, else
// $IMEDNET_PROFILE, else the file's default; nil and "" when none applies (with --sandbox,
// which reads no configuration, always). It reads the file once and warns on stderr when
// others may read it. A profile named but missing, or a file that does not parse, is a usage
// error.
func (f *Factory) Profile() (*config.Profile, string, error) {
	if f.Flags.Sandbox {
		return nil, "", nil
	}
	f.profileOnce.Do(func() {
		path, err := f.ConfigPath()
		if err != nil {
			if f.Flags.Profile != "" || f.Env(config.EnvProfile) != "" {
				f.profileErr = Usage(err)
			}
			return
		}
		file, warning, err := config.Load(path)
		if warning != "" {
			fmt.Fprintln(f.IO.ErrOut, "imednet: warning: "+warning)
		}
		if err != nil {
			f.profileErr = Usage(err)
			return
		}
		p, name, err := file.Select(f.Flags.Profile, f.Env(config.EnvProfile))
		if err != nil {
			f.profileErr = Usage(fmt.Errorf("%w (in %s)", err, path))
			return
		}
		f.profile, f.profileName = p, name
	})
	return f.profile, f.profileName, f.profileErr
}

// ProfileTarget returns the default export target of the profile in use, "" for none.
func (f *Factory) ProfileTarget() (string, error) {
	p, _, err := f.Profile()
	if err != nil || p == nil {
		return "", err
	}
	return strings.TrimSpace(p.Target), nil
}

// Env returns the environment variable key, through Getenv.
func (f *Factory) Env(key string) string {
	if f.Getenv == nil {
		return os.Getenv(key)
	}
	return f.Getenv(key)
}

// Clock returns the time now, from Now when it is set.
func (f *Factory) Clock() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Format returns the output format: --output, or table when stdout is a terminal and JSON
// Lines otherwise.
func (f *Factory) Format() (output.Format, error) {
	if f.Flags.Output == "" {
		if f.IO.OutTTY {
			return output.Table, nil
		}
		return output.JSONL, nil
	}
	format, err := output.ParseFormat(f.Flags.Output)
	if err != nil {
		return "", Usage(fmt.Errorf("--output: %w", err))
	}
	return format, nil
}

// Study returns the study key a command works on: the --study value, else $IMEDNET_STUDY,
// else with --sandbox the demo study. Without any, it is a usage error.
func (f *Factory) Study(flag string) (string, error) {
	if s := strings.TrimSpace(flag); s != "" {
		return s, nil
	}
	if f.Flags.Sandbox {
		return imednettest.DemoStudyKey, nil
	}
	if s := strings.TrimSpace(f.Env(EnvStudy)); s != "" {
		return s, nil
	}
	p, name, err := f.Profile()
	if err != nil {
		return "", err
	}
	if p != nil && strings.TrimSpace(p.Study) != "" {
		return strings.TrimSpace(p.Study), nil
	}
	if p != nil {
		return "", UsageErrorf("no study key: pass --study KEY, set %s, or set the study of profile %q (see 'imednet studies list')", EnvStudy, name)
	}
	return "", UsageErrorf("no study key: pass --study KEY or set %s (see 'imednet studies list')", EnvStudy)
}

// StudyClient returns the client and the study key (see Study) of a study-scoped command.
// The client comes first, so that missing credentials are reported before a missing study.
func (f *Factory) StudyClient(studyFlag string) (*imednet.Client, string, error) {
	c, err := f.Client()
	if err != nil {
		return nil, "", err
	}
	study, err := f.Study(studyFlag)
	if err != nil {
		return nil, "", err
	}
	return c, study, nil
}

// Sandbox returns the server behind --sandbox, building it on first use; nil without
// --sandbox.
func (f *Factory) Sandbox() (*imednettest.Server, error) {
	if !f.Flags.Sandbox {
		return nil, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sandboxLocked()
}

func (f *Factory) sandboxLocked() (*imednettest.Server, error) {
	if f.sandbox != nil {
		return f.sandbox, nil
	}
	newSandbox := f.NewSandbox
	if newSandbox == nil {
		newSandbox = func() (*imednettest.Server, error) {
			return imednettest.New(imednettest.WithPortfolio(SandboxStudies, imednettest.StudyConfig{}))
		}
	}
	srv, err := newSandbox()
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	f.sandbox = srv
	return srv, nil
}

// Client returns the API client, built on first use from the environment and the global
// flags, which win over it, or wired to the sandbox with --sandbox (which reads no
// environment). Missing keys and invalid variables are usage errors naming the variable.
func (f *Factory) Client() (*imednet.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.client != nil {
		return f.client, nil
	}
	if f.Flags.Timeout < 0 {
		return nil, UsageErrorf("--timeout: %s is negative", f.Flags.Timeout)
	}
	var c *imednet.Client
	var err error
	if f.Flags.Sandbox {
		srv, serr := f.sandboxLocked()
		if serr != nil {
			return nil, serr
		}
		c, err = srv.Client(f.flagOptions()...)
	} else {
		c, err = f.remoteClient()
	}
	if err != nil {
		return nil, err
	}
	f.client = c
	return c, nil
}

// flagOptions are the client's options that the global flags give besides the keys and the
// base URL: the User-Agent, the --debug logger and --timeout.
func (f *Factory) flagOptions() []imednet.Option {
	opts := []imednet.Option{imednet.WithUserAgent("imednet-cli/" + f.Version)}
	if f.Flags.Debug {
		h := slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug})
		opts = append(opts, imednet.WithLogger(slog.New(h)))
	}
	if f.Flags.Timeout > 0 {
		opts = append(opts, imednet.WithTimeout(f.Flags.Timeout))
	}
	return append(opts, f.ClientOptions...)
}

// remoteClient builds the client of the API: the environment's options (imednet.ReadEnv),
// then the flags' options after them, so that a flag wins over its variable. A key flag
// replaces its own key only: --api-key with $IMEDNET_SECURITY_KEY is a pair.
func (f *Factory) remoteClient() (*imednet.Client, error) {
	env, err := imednet.ReadEnv(f.Env)
	if err != nil {
		return nil, Usage(err)
	}
	prof, profName, err := f.Profile()
	if err != nil {
		return nil, err
	}
	apiKey, secKey := flagOr(f.Flags.APIKey, env.APIKey), flagOr(f.Flags.SecurityKey, env.SecurityKey)
	if (apiKey == "" || secKey == "") && prof != nil && prof.HasKeys() {
		// The profile's keys come last: a flag or a variable wins, key by key.
		pa, ps, err := prof.Keys(context.Background(), f.Env, f.IO.ErrOut)
		if err != nil {
			return nil, UsageErrorf("profile %q: %v", profName, err)
		}
		apiKey, secKey = flagOr(apiKey, pa), flagOr(secKey, ps)
	}
	hint := "(or use --sandbox to try the command)"
	if prof == nil {
		hint = "(or a profile that names where the keys come from: see 'imednet config --help'; or use --sandbox to try the command)"
	}
	switch {
	case apiKey == "":
		return nil, UsageErrorf("%s is not set: export it with your API key %s", imednet.EnvAPIKey, hint)
	case secKey == "":
		return nil, UsageErrorf("%s is not set: export it with your security key %s", imednet.EnvSecurityKey, hint)
	}
	opts := append(env.Options(), imednet.WithAPIKey(apiKey, secKey))
	base := flagOr(f.Flags.BaseURL, env.BaseURL)
	if base == "" && prof != nil {
		base = strings.TrimSpace(prof.BaseURL)
	}
	if base != env.BaseURL {
		opts = append(opts, imednet.WithBaseURL(base))
	}
	c, err := imednet.New(append(opts, f.flagOptions()...)...)
	if errors.Is(err, imednet.ErrPlainHTTP) {
		shown := base
		if u, perr := url.Parse(base); perr == nil {
			shown = u.Redacted()
		}
		return nil, UsageErrorf("refusing plain http base URL %q: the API keys would cross the network unencrypted; use https (plain http is accepted for loopback addresses only)", shown)
	}
	if err != nil {
		return nil, Usage(err)
	}
	return c, nil
}

// flagOr returns a flag's value, or fallback when the flag is not given (or blank).
func flagOr(flag, fallback string) string {
	if strings.TrimSpace(flag) == "" {
		return fallback
	}
	return flag
}
