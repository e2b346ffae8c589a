package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/auth"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/sandbox"
	"github.com/imednet/imednet-go/internal/cli/study"
)

func TestStudyStructure(t *testing.T) {
	srv := newSandbox(t)
	// JSON when piped: every interval's forms carry their variables, as the API lists them.
	r := sbx(t, srv, "study", "structure")
	mustOK(t, r)
	var s study.Structure
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var intervals []imednet.Interval
	for iv, err := range c.Intervals.All(ctx, "DEMO", nil) {
		if err != nil {
			t.Fatal(err)
		}
		intervals = append(intervals, iv)
	}
	if s.StudyKey != "DEMO" || len(s.Intervals) != len(intervals) {
		t.Fatalf("%d intervals, the API has %d", len(s.Intervals), len(intervals))
	}
	vars := map[string]int{}
	for v, err := range c.Variables.All(ctx, "DEMO", nil) {
		if err != nil {
			t.Fatal(err)
		}
		vars[v.FormKey]++
	}
	seen := 0
	for _, iv := range s.Intervals {
		for i := 1; i < len(s.Intervals); i++ {
			if s.Intervals[i].IntervalSequence < s.Intervals[i-1].IntervalSequence {
				t.Fatalf("intervals out of sequence")
			}
		}
		for _, f := range iv.Forms {
			seen++
			if len(f.Variables) != vars[f.FormKey] {
				t.Errorf("interval %s form %s: %d variables, the API has %d", iv.IntervalName, f.FormKey, len(f.Variables), vars[f.FormKey])
			}
		}
	}
	if seen == 0 || len(s.OtherForms) == 0 {
		t.Errorf("%d scheduled forms, %d others", seen, len(s.OtherForms))
	}

	tree := run(t, env{srv: srv, tty: true}, "--sandbox", "study", "structure")
	mustOK(t, tree)
	if !strings.HasPrefix(tree.out, "DEMO\n├── "+s.Intervals[0].IntervalName+"\n│   ├── ") || !strings.Contains(tree.out, "(forms in no interval)") {
		t.Errorf("tree:\n%s", tree.out)
	}
	golden(t, "study_structure.tree", tree.out)

	cs := sbx(t, srv, "study", "structure", "-o", "csv")
	mustOK(t, cs)
	rows, err := csv.NewReader(strings.NewReader(cs.out)).ReadAll()
	if err != nil || rows[0][0] != "intervalName" || len(rows) < 20 {
		t.Errorf("csv: %v, %d rows", err, len(rows))
	}
}

func TestAuthCheck(t *testing.T) {
	srv := newSandbox(t, threeStudies...)
	r := run(t, env{srv: srv, tty: true}, "--sandbox", "auth", "check")
	mustOK(t, r)
	if !strings.Contains(r.out, "They can see 3 studies: CARD-3, DEMO, ONC-2") {
		t.Errorf("auth check:\n%s", r.out)
	}
	golden(t, "auth_check.table", r.out)
	j := sbx(t, srv, "auth", "check", "-o", "json")
	mustOK(t, j)
	var res auth.Result
	if err := json.Unmarshal([]byte(j.out), &res); err != nil || len(res.Studies) != 3 {
		t.Errorf("json: %v %s", err, j.out)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	r := run(t, env{}, "version")
	mustOK(t, r)
	if !strings.HasPrefix(r.out, "imednet ") || !strings.Contains(r.out, "SDK "+imednet.Version) {
		t.Errorf("version: %q", r.out)
	}
	old := Version
	Version = "v9.8.7"
	defer func() { Version = old }()
	if r := run(t, env{}, "version"); !strings.HasPrefix(r.out, "imednet v9.8.7") {
		t.Errorf("version with -ldflags: %q", r.out)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := run(t, env{}, "completion", shell)
		mustOK(t, r, shell)
		if len(r.out) < 200 || !strings.Contains(r.out, "imednet") {
			t.Errorf("completion %s: %d bytes", shell, len(r.out))
		}
	}
}

func TestHelp(t *testing.T) {
	r := run(t, env{}, "--help")
	mustOK(t, r)
	for _, want := range []string{"Exit status:", "0    success", "2    usage", "3    authentication", "130  interrupted", "143 when stopped by SIGTERM", "IMEDNET_API_KEY", "--sandbox", "jsonl"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("imednet --help lacks %q", want)
		}
	}
	// Every command that does something has an example, and every example but those of
	// sandbox serve runs on the sandbox.
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if !c.Runnable() || c.HasSubCommands() || c.Name() == "help" || c.Parent() == nil ||
			c.Parent().Name() == "completion" || c.Name() == "version" {
			return
		}
		// Every command shows a --sandbox example, except sandbox serve itself, the jobs
		// commands (a --sandbox lives for one command, so its jobs are gone by the next) and
		// the config commands (the sandbox reads no configuration).
		if c.Example == "" {
			t.Errorf("%s has no example", c.CommandPath())
		} else if !strings.Contains(c.Example, "imednet --sandbox ") && c.Name() != "serve" && c.Parent().Name() != "jobs" &&
			c.Parent().Name() != "config" {
			t.Errorf("%s: no example runs on the sandbox:\n%s", c.CommandPath(), c.Example)
		}
	}
	walk(NewRootCmd(f))
}

func TestSandboxServe(t *testing.T) {
	io, _, out, _ := cmdutil.TestStreams()
	// The server reads the keys as the clients do (imednet.ReadEnv): without surrounding space.
	vars := map[string]string{imednet.EnvAPIKey: " script-api-key ", imednet.EnvSecurityKey: "script-sec-key\n"}
	f := &cmdutil.Factory{IO: io, Getenv: func(k string) string { return vars[k] }}
	ready := make(chan string, 1)
	o := &sandbox.ServeOptions{Factory: f, Addr: "127.0.0.1:0", Seed: 7, Studies: 2, Subjects: 3, Records: 5, Latency: "1ms-2ms",
		FaultRate: 0, Ready: func(url string) { ready <- url }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sandbox.ServeRun(ctx, o) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	// The CLI, pointed at it with the keys of the environment, lists its 3 subjects.
	r := run(t, env{vars: map[string]string{imednet.EnvBaseURL: url, imednet.EnvAPIKey: "script-api-key",
		imednet.EnvSecurityKey: "script-sec-key", cmdutil.EnvStudy: "DEMO"}}, "subjects", "list")
	mustOK(t, r)
	if n := strings.Count(r.out, "\n"); n != 3 {
		t.Errorf("%d subjects, want 3", n)
	}
	// The demo keys are refused when the environment gives others.
	req, _ := http.NewRequest("GET", url+"/api/v1/edc/studies", nil)
	req.Header.Set(imednet.HeaderAPIKey, imednettest.DemoAPIKey)
	req.Header.Set(imednet.HeaderSecurityKey, imednettest.DemoSecurityKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("demo keys: %d, want 401", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	text := out.String()
	if !strings.Contains(text, "serving studies DEMO, CARDIO at "+url) {
		t.Errorf("the banner does not name the two studies:\n%s", text)
	}
	if !strings.Contains(text, "export IMEDNET_BASE_URL="+url) || strings.Contains(text, "script-api-key") {
		t.Errorf("banner:\n%s", text)
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "export IMEDNET_API_KEY") {
			t.Errorf("the banner prints a key line although the keys come from the environment: %q", sc.Text())
		}
	}
}

// A sandbox listening on every interface prints a URL that the CLI on this machine
// accepts (a loopback one), not the wildcard address, which it refuses as plain http.
func TestSandboxServeOnEveryInterface(t *testing.T) {
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }}
	ready := make(chan string, 1)
	o := &sandbox.ServeOptions{Factory: f, Addr: "0.0.0.0:0", Seed: 1, Subjects: 2, Records: 2,
		Ready: func(url string) { ready <- url }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sandbox.ServeRun(ctx, o) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	defer func() {
		cancel()
		<-done
	}()
	// The banner's lines, as a user would paste them.
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export "), "="); ok {
			vars[k] = v
		}
	}
	base := vars[imednet.EnvBaseURL]
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("banner's %s=%q, want a loopback URL:\n%s", imednet.EnvBaseURL, base, out.String())
	}
	if !strings.Contains(errOut.String(), "warning: the sandbox listens on") {
		t.Errorf("no warning that it listens beyond this machine:\n%s", errOut.String())
	}
	r := run(t, env{vars: vars}, "sites", "list")
	mustOK(t, r, "sites list with the banner's environment")
	if !strings.Contains(r.out, "siteId") {
		t.Errorf("sites list: %q", r.out)
	}
}

func TestSandboxServeFlags(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}, Getenv: func(string) string { return "" }}
	for _, o := range []sandbox.ServeOptions{
		{Subjects: 0, Records: 1},
		{Subjects: 1, Records: 0},
		{Subjects: 1, Records: 1, FaultRate: 1.5},
		{Subjects: 1, Records: 1, Latency: "fast"},
		{Subjects: 1, Records: 1, Latency: "200ms-20ms"},
		{Studies: -1, Subjects: 1, Records: 1},
		{Studies: imednettest.MaxPortfolio + 1, Subjects: 1, Records: 1},
	} {
		o.Factory = f
		if _, err := o.Options(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%+v: %v", o, err)
		}
	}
	good := sandbox.ServeOptions{Factory: f, Subjects: 2, Records: 3, Latency: "5ms", FaultRate: 0.2}
	opts, err := good.Options()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := imednettest.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	fl := srv.Faults()
	if fl.Latency != 5*time.Millisecond || fl.ServerErrorRate+fl.TooManyRequestsRate+fl.ResetRate < 0.19 {
		t.Errorf("faults: %+v", fl)
	}
	if n := srv.Study("DEMO").Counts().Subjects; n != 2 {
		t.Errorf("%d subjects", n)
	}
	if keys := srv.StudyKeys(); len(keys) != 1 {
		t.Errorf("Studies 0 serves %v, want DEMO alone", keys)
	}
	// --studies 3 (the flag's default) serves DEMO, with the flags' sizes and the same data
	// as DEMO alone, and two studies of other sizes and forms.
	good.Studies = 3
	opts, err = good.Options()
	if err != nil {
		t.Fatal(err)
	}
	three, err := imednettest.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	if keys := three.StudyKeys(); strings.Join(keys, ",") != "DEMO,CARDIO,ONCO" {
		t.Fatalf("--studies 3 serves %v", keys)
	}
	if a, b := three.Study("DEMO").Counts(), srv.Study("DEMO").Counts(); a != b {
		t.Errorf("DEMO among three %+v, alone %+v", a, b)
	}
	if a, b := three.Study("DEMO").Counts(), three.Study("ONCO").Counts(); a.Forms == b.Forms || a.Records == b.Records {
		t.Errorf("DEMO %+v and ONCO %+v have the same forms or records", a, b)
	}
	r := run(t, env{}, "sandbox", "serve", "--studies", "0")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "--studies 0") {
		t.Errorf("--studies 0: exit %d, %q", r.code, r.errOut)
	}
}

// shellWords splits a command line as a shell would, for the quoting the examples use.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// wroteOut reports whether the command line has --out FILE and FILE is a non-empty file: the
// result of a command that writes a file rather than standard output.
func wroteOut(args []string) bool {
	for i, a := range args {
		if a == "--out" && i+1 < len(args) {
			st, err := os.Stat(args[i+1])
			return err == nil && st.Mode().IsRegular() && st.Size() > 0
		}
	}
	return false
}

func TestExamplesRun(t *testing.T) {
	t.Chdir(t.TempDir()) // examples may write files, such as an export's demo.db
	// The studies --sandbox serves: DEMO, CARDIO and ONCO.
	srv := newSandbox(t, imednettest.WithPortfolio(cmdutil.SandboxStudies, imednettest.StudyConfig{}))
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}}
	ran := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		examples := c.Example
		if c.IsAdditionalHelpTopicCommand() {
			examples = c.Long // a help topic's examples end its text
		}
		for _, line := range strings.Split(examples, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "imednet --sandbox ") || strings.ContainsAny(line, "$\\") || strings.Contains(line, "...") ||
				strings.Contains(line, "--file") {
				continue
			}
			if i := strings.IndexAny(line, "|>"); i > 0 {
				line = strings.TrimSpace(line[:i])
			}
			args := shellWords(line)[1:]
			r := run(t, env{srv: srv}, args...)
			if r.code != 0 || r.out == "" && !wroteOut(args) {
				t.Errorf("example %q of %s: exit %d, %d bytes out, stderr %q", line, c.CommandPath(), r.code, len(r.out), r.errOut)
			}
			ran++
		}
	}
	walk(NewRootCmd(f))
	if ran < 40 {
		t.Errorf("only %d examples ran", ran)
	}
	// The examples that export write where the user stands, whatever $TMPDIR is.
	for _, name := range []string{"demo.db", "ae.db"} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("no example wrote %s in the working directory: %v", name, err)
		}
	}
}

// Examples and the README name file targets relative to the working directory: a path under
// a variable such as $TMPDIR becomes /demo.db where the variable is unset (as it usually is
// on Linux), and a fixed absolute path is not the reader's.
func TestExampleTargetsAreRelative(t *testing.T) {
	texts := map[string]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		texts[c.CommandPath()+" --help"] = c.Long + "\n" + c.Example
	}
	walk(NewRootCmd(&cmdutil.Factory{IO: &cmdutil.IOStreams{}}))
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	texts["README.md"] = string(readme)
	bad := regexp.MustCompile(`(sqlite|duckdb|csv|parquet|jsonl|file):["']?(\$|~|/)`)
	checked := 0
	for where, text := range texts {
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "TMPDIR") || bad.MatchString(line) {
				t.Errorf("%s: %q writes outside the working directory", where, strings.TrimSpace(line))
			}
			if strings.Contains(line, "--to sqlite:") {
				checked++
			}
		}
	}
	if checked < 3 {
		t.Errorf("only %d lines with --to sqlite: seen; is the walk reading the help?", checked)
	}
}

// Every command's long help reads in a terminal of 100 columns: no line of prose runs past
// it. (Example command lines may: a shell command is not wrapped.)
func TestHelpFitsATerminal(t *testing.T) {
	const width = 100
	lines := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		for _, line := range strings.Split(c.Long, "\n") {
			lines++
			if n := utf8.RuneCountInString(line); n > width && !strings.HasPrefix(strings.TrimSpace(line), "imednet ") {
				t.Errorf("%s --help: a line of %d characters (at most %d): %q", c.CommandPath(), n, width, line)
			}
		}
	}
	walk(NewRootCmd(&cmdutil.Factory{IO: &cmdutil.IOStreams{}}))
	if lines < 500 {
		t.Errorf("only %d lines of help seen; is the walk reading it?", lines)
	}
}

func TestCSVFormulaEscaping(t *testing.T) {
	srv := newSandbox(t, imednettest.WithStudy(imednettest.StudyConfig{Key: "F1", Name: "=HYPERLINK(\"http://x\")", Description: "@SUM(A1)"}))
	r := sbx(t, srv, "studies", "list", "-o", "csv")
	mustOK(t, r)
	rows, err := csv.NewReader(strings.NewReader(r.out)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v\n%s", err, r.out)
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	if got["studyName"] != `'=HYPERLINK("http://x")` || got["studyDescription"] != "'@SUM(A1)" || got["studyKey"] != "F1" {
		t.Errorf("cells not escaped: %q", rows[1])
	}
	// JSON keeps the values as they are.
	j := sbx(t, srv, "studies", "get", "F1", "-o", "json")
	var st imednet.Study
	if err := json.Unmarshal([]byte(j.out), &st); err != nil || st.StudyName != `=HYPERLINK("http://x")` {
		t.Errorf("json: %v %q", err, st.StudyName)
	}
}
