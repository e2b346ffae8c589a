package cli

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/config"
)

// completions runs cobra's hidden __complete command and returns the candidates.
func completions(t *testing.T, e env, args ...string) []string {
	t.Helper()
	r := run(t, e, append([]string{"__complete"}, args...)...)
	mustOK(t, r, args...)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if line != "" && !strings.HasPrefix(line, ":") {
			out = append(out, line)
		}
	}
	return out
}

func TestCompletionOfValues(t *testing.T) {
	srv := newSandbox(t, threeStudies...)
	e := env{srv: srv}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"sites", "list", "-o", ""}, []string{"table", "json", "jsonl", "csv"}},
		{[]string{"export", "--layout", ""}, []string{"wide", "long", "both"}},
		{[]string{"export", "--to", ""}, []string{"sqlite:", "postgres://", "parquet:", "csv:", "jsonl:"}},
		{[]string{"queries", "list", "--state", ""}, []string{"open", "closed", "all"}},
		{[]string{"config", "get", ""}, []string{"profile", "base_url", "study", "target", "keys_env", "keys_file", "keys_command"}},
		{[]string{"sites", "list", "--json", "siteName,"}, []string{"siteName,studyKey", "siteName,siteId", "siteName,siteEnrollmentStatus", "siteName,dateCreated", "siteName,dateModified"}},
		{[]string{"sites", "get", "101", "--json", ""}, []string{"studyKey", "siteId", "siteName", "siteEnrollmentStatus", "dateCreated", "dateModified"}},
	} {
		if got := completions(t, e, tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
	// Study keys and form keys come from the API.
	studies := completions(t, e, "--sandbox", "sites", "list", "--study", "")
	slices.Sort(studies)
	if !slices.Equal(studies, []string{"CARD-3", "DEMO", "ONC-2"}) {
		t.Errorf("study keys %q", studies)
	}
	forms := completions(t, e, "--sandbox", "records", "list", "--form", "")
	if !slices.Contains(forms, "AE") || !slices.Contains(forms, "VS") {
		t.Errorf("form keys %q", forms)
	}
	// In a list of forms, the last one is completed after those given, which are left out.
	more := completions(t, e, "--sandbox", "export", "--forms", "AE,")
	if len(more) != len(forms)-1 || slices.Contains(more, "AE,AE") || !slices.Contains(more, "AE,VS") {
		t.Errorf("--forms AE,: %q", more)
	}
	// The profiles, from the configuration file.
	home := writeConfig(t, "[profiles.prod]\nstudy = \"A\"\n[profiles.dev]\nstudy = \"B\"\n")
	if got := completions(t, env{vars: map[string]string{config.EnvConfigHome: home}}, "sites", "list", "--profile", ""); !slices.Equal(got, []string{"dev", "prod"}) {
		t.Errorf("profiles %q", got)
	}
}

// The form keys of a remote API are fetched once and reused for a while.
func TestCompletionCachesKeys(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	srv, vars := remote(t, "cache-api-key-1", "cache-sec-key-2")
	vars[cmdutil.EnvStudy] = "DEMO"
	first := completions(t, env{vars: vars}, "records", "list", "--form", "")
	before := totalRequests(srv)
	second := completions(t, env{vars: vars}, "records", "list", "--form", "")
	if !slices.Equal(first, second) || !slices.Contains(first, "AE") {
		t.Errorf("%q then %q", first, second)
	}
	if n := totalRequests(srv) - before; n != 0 {
		t.Errorf("the second completion sent %d requests", n)
	}
}

// The completion scripts complete the name the program was installed under.
func TestCompletionUnderAnotherName(t *testing.T) {
	io, _, out, _ := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Name: "imn", Getenv: func(string) string { return "" },
		NewSandbox: func() (*imednettest.Server, error) { return imednettest.New() }}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out.Reset()
		if code := Run(context.Background(), f, []string{"completion", shell}); code != 0 {
			t.Fatalf("%s: exit %d", shell, code)
		}
		if !strings.Contains(out.String(), "imn") || strings.Contains(out.String(), "imednet __complete") {
			t.Errorf("%s: the script does not complete imn", shell)
		}
	}
}
