package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// Each help topic prints its own text (not the root's help), through "help TOPIC" and
// "TOPIC --help" alike, and matches its golden file.
func TestHelpTopics(t *testing.T) {
	root := run(t, env{}, "--help")
	mustOK(t, root)
	for _, name := range []string{"filter", "environment", "exit-codes", "formats"} {
		r := run(t, env{}, "help", name)
		mustOK(t, r, "help", name)
		if r.out == root.out || strings.Contains(r.out, "Available Commands:") {
			t.Errorf("help %s prints the root's help", name)
		}
		golden(t, "help_"+name+".txt", r.out)
		if r2 := run(t, env{}, name, "--help"); r2.code != 0 || r2.out != r.out {
			t.Errorf("%s --help: exit %d, and not the text of help %s", name, r2.code, name)
		}
		if !strings.Contains(root.out, "imednet "+name) {
			t.Errorf("imednet --help does not list the topic %s", name)
		}
	}
}

func TestHelpFilterHasTheGrammar(t *testing.T) {
	r := run(t, env{}, "help", "filter")
	for _, want := range []string{"==", "!=", "<=", ">=", " < ", " > ", "=~", `";"`, `","`, " and ", " or ",
		`\"`, "--record-data-filter", "binds tighter", "single quotes"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("help filter lacks %q", want)
		}
	}
}

func TestHelpExitCodesFromTheConstants(t *testing.T) {
	r := run(t, env{}, "help", "exit-codes")
	for _, code := range []int{cmdutil.ExitOK, cmdutil.ExitFailure, cmdutil.ExitUsage, cmdutil.ExitAuth, cmdutil.ExitInterrupted} {
		if !strings.Contains(r.out, fmt.Sprintf("\n  %-4d ", code)) {
			t.Errorf("help exit-codes lacks a line for %d:\n%s", code, r.out)
		}
	}
	if !strings.Contains(r.out, fmt.Sprint(cmdutil.ExitTerminated)) {
		t.Errorf("help exit-codes lacks %d", cmdutil.ExitTerminated)
	}
}

func TestHelpFormatsNamesEveryFormat(t *testing.T) {
	r := run(t, env{}, "help", "formats")
	for _, f := range output.Formats {
		if !strings.Contains(r.out, "\n  "+string(f)+" ") {
			t.Errorf("help formats does not describe %s", f)
		}
	}
}

// Every environment variable a command reads is in "imednet help environment": the test
// records what the commands ask for while they run against a served sandbox.
func TestHelpEnvironmentNamesEveryVariableRead(t *testing.T) {
	_, vars := remote(t, "env-api-key-123", "env-sec-key-456")
	vars[cmdutil.EnvStudy] = "DEMO"
	var mu sync.Mutex
	read := map[string]bool{}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"studies", "list"},
		{"records", "list", "--limit", "2"},
		{"auth", "check"},
		{"study", "structure"},
		{"export", "--forms", "AE", "--to", "sqlite:" + filepath.Join(dir, "e.db")},
		{"sync", "--forms", "AE", "--to", "sqlite:" + filepath.Join(dir, "e.db")},
		{"sandbox", "serve", "--addr", "127.0.0.1:0"},
		{"--sandbox", "sites", "list"},
	} {
		io, _, _, errOut := cmdutil.TestStreams()
		f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(k string) string {
			mu.Lock()
			read[k] = true
			mu.Unlock()
			return vars[k]
		}}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if args[0] == "sandbox" {
			ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond) // it serves until stopped
		}
		if code := Run(ctx, f, args); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
		}
		cancel()
	}
	// COLUMNS is read from the process's environment when the streams are made (System).
	read["COLUMNS"] = true
	for _, k := range []string{imednet.EnvAPIKey, imednet.EnvSecurityKey, imednet.EnvBaseURL, imednet.EnvTimeout, cmdutil.EnvStudy} {
		if !read[k] {
			t.Errorf("%s was never read: the recording misses reads", k)
		}
	}
	help := run(t, env{}, "help", "environment").out
	var names []string
	for k := range read {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !strings.Contains(help, "\n  "+k+" ") {
			t.Errorf("help environment does not describe %s, which the commands read", k)
		}
	}
}

func TestHelpUnknownTopic(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help", "fliter"}, `no help for "fliter"`},
		{[]string{"help", "fliter"}, "did you mean 'imednet help filter'?"},
		{[]string{"help", "recrods"}, "did you mean 'imednet help records'?"},
		{[]string{"help", "records", "lsit"}, "did you mean 'imednet help records list'?"},
	} {
		r := run(t, env{}, tc.args...)
		if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want 2, nothing, %q", tc.args, r.code, len(r.out), r.errOut, tc.want)
		}
	}
	// A command's help still works through help.
	r := run(t, env{}, "help", "records", "list")
	mustOK(t, r)
	if !strings.Contains(r.out, "--record-data-filter") {
		t.Errorf("help records list: %q", r.out)
	}
}

// A mistyped command gets cobra's suggestion; a flag's bad value a message in plain words.
func TestMistakesGetPlainMessagesAndSuggestions(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"recrods", "list"}, `unknown command "recrods" for "imednet"; did you mean 'imednet records'?`},
		{[]string{"records", "lsit"}, `unknown command "lsit" for "imednet records"; did you mean 'imednet records list'?`},
		{[]string{"sties", "list"}, "'imednet sites'"},
		{[]string{"fliter"}, "did you mean 'imednet help filter'?"},
		{[]string{"records", "list", "--limit", "abc"}, `--limit "abc": expected a whole number, such as 10 (see 'imednet records list --help')`},
		{[]string{"records", "list", "--page-size", "1.5"}, `--page-size "1.5": expected a whole number`},
		{[]string{"records", "list", "--limit", "99999999999999999999"}, `--limit "99999999999999999999": the number is too large`},
		{[]string{"--timeout", "5", "studies", "list"}, `--timeout "5": expected a duration with its unit, such as 30s`},
		{[]string{"sandbox", "serve", "--fault-rate", "lots"}, `--fault-rate "lots": expected a number`},
		{[]string{"export", "--concurrency", "x"}, `--concurrency "x": expected a whole number`},
		{[]string{"records", "list", "--limt", "5"}, "unknown flag --limt; did you mean '--limit'?"},
	} {
		r := sbx(t, srv, tc.args...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.errOut, tc.want)
		}
		for _, leak := range []string{"strconv", "ParseInt", "ParseFloat", "time: ", "invalid syntax"} {
			if strings.Contains(r.errOut, leak) {
				t.Errorf("%v: Go's text %q in %q", tc.args, leak, r.errOut)
			}
		}
	}
}
