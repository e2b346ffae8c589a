package cli

import (
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// The command reads the environment as the SDK does: the same invalid value is refused by
// both with the same message, naming the variable and never a key.
func TestEnvRefusedAsTheSDKRefusesIt(t *testing.T) {
	for _, bad := range []map[string]string{
		{imednet.EnvTimeout: "100000"},
		{imednet.EnvTimeout: "soon"},
		{imednet.EnvTimeout: "0"},
		{imednet.EnvBaseURL: "ftp://api.example.com"},
		{imednet.EnvBaseURL: "https://user:" + secretAPIKey + "@api.example.com"},
		{imednet.EnvAPIKey: secretAPIKey + "\x01"},
		{imednet.EnvTimeout: "-1", imednet.EnvBaseURL: "https://api.example.com?x=1"}, // both reported
	} {
		vars := map[string]string{imednet.EnvAPIKey: secretAPIKey, imednet.EnvSecurityKey: secretSecKey}
		for k, v := range bad {
			vars[k] = v
		}
		for _, k := range []string{imednet.EnvAPIKey, imednet.EnvSecurityKey, imednet.EnvBaseURL, imednet.EnvTimeout} {
			t.Setenv(k, vars[k])
		}
		_, sdkErr := imednet.NewFromEnv()
		if sdkErr == nil {
			t.Errorf("%q: the SDK accepted it", bad)
			continue
		}
		r := run(t, env{vars: vars}, "studies", "list")
		if r.code != cmdutil.ExitUsage || strings.TrimSpace(r.errOut) != sdkErr.Error() {
			t.Errorf("%q: exit %d, stderr\n%s\nwant exit 2 and the SDK's message\n%s", bad, r.code, r.errOut, sdkErr)
		}
		for k := range bad {
			if !strings.Contains(r.errOut, k) {
				t.Errorf("%q: the message does not name %s: %q", bad, k, r.errOut)
			}
		}
		if l := leaks(r.errOut); len(l) > 0 {
			t.Errorf("%q: pieces of a key in %q", bad, r.errOut)
		}
	}
}

// A flag wins over its variable: the keys, the base URL and the timeout.
func TestFlagsWinOverEnv(t *testing.T) {
	srv, err := imednettest.NewServer(imednettest.WithKeys(secretAPIKey, secretSecKey), imednettest.WithLatency(200*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	vars := map[string]string{
		imednet.EnvAPIKey: "wrong-api-key", imednet.EnvSecurityKey: secretSecKey,
		imednet.EnvBaseURL: "http://127.0.0.1:1", // nothing listens there
		imednet.EnvTimeout: "0.01",               // far below the server's latency
	}
	r := run(t, env{vars: vars}, "--api-key", secretAPIKey, "--base-url", srv.URL(), "--timeout", "10s", "studies", "list", "-o", "csv")
	if r.code != 0 || !strings.HasPrefix(r.out, "studyKey,") {
		t.Errorf("exit %d, stderr %q; want the flags to win over the variables", r.code, r.errOut)
	}
	// Without the flags, the variables are used: the wrong key is refused.
	vars[imednet.EnvBaseURL], vars[imednet.EnvTimeout] = srv.URL(), "10"
	if r := run(t, env{vars: vars}, "studies", "list"); r.code != cmdutil.ExitAuth {
		t.Errorf("the wrong key of the environment: exit %d, stderr %q", r.code, r.errOut)
	}
}

// Unset variables keep the SDK's defaults.
func TestUnsetEnvKeepsDefaults(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}, Getenv: func(k string) string {
		return map[string]string{imednet.EnvAPIKey: secretAPIKey, imednet.EnvSecurityKey: secretSecKey}[k]
	}}
	c, err := f.Client()
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != imednet.DefaultBaseURL {
		t.Errorf("base URL %q, want %q", c.BaseURL(), imednet.DefaultBaseURL)
	}
}
