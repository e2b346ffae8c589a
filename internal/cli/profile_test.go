package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/config"
)

// writeConfig writes a configuration file (owner-only) in a new XDG_CONFIG_HOME and returns it.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, "imednet"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "imednet", "config.toml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

// TestProfileGivesURLStudyAndKeys: a profile alone (no IMEDNET_ variable) points the command
// at its server, its study and its keys; flags beat the environment, which beats the profile.
func TestProfileGivesURLStudyAndKeys(t *testing.T) {
	srv, _ := remote(t, "profile-api-key-1", "profile-sec-key-2")
	home := writeConfig(t, `profile = "test"

[profiles.test]
base_url = "`+srv.URL()+`"
study = "DEMO"
keys_env = ["TEST_API", "TEST_SEC"]

[profiles.wrong]
base_url = "http://127.0.0.1:1"
study = "NOPE"
keys_env = ["TEST_API", "TEST_SEC"]
`)
	vars := map[string]string{config.EnvConfigHome: home, "TEST_API": "profile-api-key-1", "TEST_SEC": "profile-sec-key-2"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range vars {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	r := run(t, env{vars: vars}, "sites", "list", "-o", "jsonl")
	mustOK(t, r)
	sites := decodeLines[imednet.Site](t, r.out)
	if len(sites) == 0 || sites[0].StudyKey != "DEMO" {
		t.Fatalf("sites %v", sites)
	}
	// The wrong profile by name fails (its server does not answer) ...
	if r := run(t, env{vars: vars}, "--profile", "wrong", "--timeout", "2s", "sites", "list"); r.code == 0 {
		t.Error("--profile wrong succeeded")
	}
	// ... unless the environment and flags replace what is wrong in it.
	r = run(t, env{vars: with(map[string]string{config.EnvProfile: "wrong", imednet.EnvBaseURL: srv.URL()})}, "sites", "list", "--study", "DEMO", "-o", "jsonl")
	mustOK(t, r)
	r = run(t, env{vars: with(map[string]string{config.EnvProfile: "wrong", cmdutil.EnvStudy: "DEMO"})}, "--base-url", srv.URL(), "sites", "list", "-o", "jsonl")
	mustOK(t, r)
	// The flag beats the variable: IMEDNET_PROFILE=wrong, --profile test.
	r = run(t, env{vars: with(map[string]string{config.EnvProfile: "wrong"})}, "--profile", "test", "sites", "list", "-o", "jsonl")
	mustOK(t, r)
	// A key in the environment beats the profile's: a wrong IMEDNET_API_KEY is refused.
	r = run(t, env{vars: with(map[string]string{imednet.EnvAPIKey: "bad-key-0000"})}, "sites", "list")
	if r.code != cmdutil.ExitAuth {
		t.Errorf("IMEDNET_API_KEY did not win over the profile's: exit %d %s", r.code, r.errOut)
	}
	// The study of the environment beats the profile's.
	r = run(t, env{vars: with(map[string]string{cmdutil.EnvStudy: "OTHER"})}, "sites", "list")
	if r.code == 0 || !strings.Contains(r.errOut, "OTHER") {
		t.Errorf("IMEDNET_STUDY did not win over the profile's: exit %d %s", r.code, r.errOut)
	}
	// The profile's target is where export writes when --to is not given.
	db := filepath.Join(t.TempDir(), "profile.db")
	home2 := writeConfig(t, "profile = \"t\"\n[profiles.t]\nbase_url = \""+srv.URL()+"\"\nstudy = \"DEMO\"\ntarget = \"sqlite:"+db+"\"\nkeys_env = [\"TEST_API\", \"TEST_SEC\"]\n")
	r = run(t, env{vars: with(map[string]string{config.EnvConfigHome: home2})}, "export", "--forms", "AE", "--records-only")
	mustOK(t, r)
	if st, err := os.Stat(db); err != nil || st.Size() == 0 {
		t.Errorf("export did not write the profile's target: %v", err)
	}
	// With --sandbox no profile is read: a broken one does not matter.
	broken := writeConfig(t, "[profiles.x]\napi_key = \"zzz\"\n")
	mustOK(t, run(t, env{vars: map[string]string{config.EnvConfigHome: broken}}, "--sandbox", "sites", "list"))
}

func TestProfileErrors(t *testing.T) {
	srv, _ := remote(t, "profile-api-key-1", "profile-sec-key-2")
	for _, tc := range []struct {
		name, config string
		args         []string
		vars         map[string]string
		want         string
	}{
		{"unknown profile", "[profiles.a]\nstudy = \"X\"\n", []string{"--profile", "b", "sites", "list"}, nil,
			`--profile "b": no such profile (there are a)`},
		{"unknown from env", "[profiles.a]\nstudy = \"X\"\n", []string{"sites", "list"}, map[string]string{config.EnvProfile: "c"},
			`$IMEDNET_PROFILE "c": no such profile`},
		{"key in clear", "[profiles.a]\napi_key = \"clear-secret-value\"\n", []string{"sites", "list"}, nil,
			"keys are never stored in the configuration file"},
		{"unset keys_env", "profile = \"a\"\n[profiles.a]\nbase_url = \"" + srv.URL() + "\"\nkeys_env = [\"NO_A\", \"NO_B\"]\n", []string{"sites", "list"}, nil,
			`profile "a": keys_env: $NO_A is not set`},
		{"no study", "profile = \"a\"\n[profiles.a]\nbase_url = \"" + srv.URL() + "\"\nkeys_env = [\"TA\", \"TS\"]\n", []string{"sites", "list"},
			map[string]string{"TA": "profile-api-key-1", "TS": "profile-sec-key-2"}, `or set the study of profile "a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{config.EnvConfigHome: writeConfig(t, tc.config)}
			for k, v := range tc.vars {
				vars[k] = v
			}
			r := run(t, env{vars: vars}, tc.args...)
			if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, tc.want) || strings.Contains(r.errOut, "clear-secret-value") {
				t.Errorf("exit %d, %q; want 2 and %q", r.code, r.errOut, tc.want)
			}
		})
	}
}

func TestProfileKeysFileAndWarning(t *testing.T) {
	srv, _ := remote(t, "file-api-key-1", "file-sec-key-2")
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if err := os.WriteFile(keys, []byte("file-api-key-1\nfile-sec-key-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := writeConfig(t, "profile = \"f\"\n[profiles.f]\nbase_url = \""+srv.URL()+"\"\nstudy = \"DEMO\"\nkeys_file = \""+keys+"\"\n")
	vars := map[string]string{config.EnvConfigHome: home}
	r := run(t, env{vars: vars}, "studies", "list", "-o", "jsonl")
	mustOK(t, r)
	if r.errOut != "" {
		t.Errorf("stderr %q", r.errOut)
	}
	// A config file others may read: a warning, and the command goes on.
	if err := os.Chmod(filepath.Join(home, "imednet", "config.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env{vars: vars}, "studies", "list", "-o", "jsonl")
	mustOK(t, r)
	if !strings.Contains(r.errOut, "warning: ") || !strings.Contains(r.errOut, "may be read by others (mode 0644)") {
		t.Errorf("no warning: %q", r.errOut)
	}
	// A keys file others may read is refused, and its content never shown.
	if err := os.Chmod(keys, 0o640); err != nil {
		t.Fatal(err)
	}
	r = run(t, env{vars: vars}, "studies", "list")
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "keys_file "+keys+" may be read by others") || strings.Contains(r.errOut, "file-api-key") {
		t.Errorf("exit %d %q", r.code, r.errOut)
	}
}

func TestConfigCommands(t *testing.T) {
	home := t.TempDir()
	vars := map[string]string{config.EnvConfigHome: home}
	path := filepath.Join(home, "imednet", "config.toml")
	r := run(t, env{vars: vars}, "config", "path")
	if r.out != path+"\n" {
		t.Errorf("path %q", r.out)
	}
	for _, args := range [][]string{
		{"config", "set", "--profile", "prod", "base_url", "https://edc.example.com"},
		{"config", "set", "--profile", "prod", "study", "MYSTUDY"},
		{"config", "set", "--profile", "prod", "keys_env", "PROD_API_KEY,PROD_SECURITY_KEY"},
		{"config", "set", "--profile", "staging", "study", "TEST"},
		{"config", "set", "--profile", "staging", "target", "sqlite:staging.db"},
		{"config", "set", "--profile", "staging", "keys_command", "pass show imednet/staging"},
		{"config", "set", "profile", "prod"},
	} {
		mustOK(t, run(t, env{vars: vars}, args...), args...)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st, err)
	}
	list := run(t, env{vars: vars, tty: true}, "config", "list")
	mustOK(t, list)
	golden(t, "config_list.table", list.out)
	if g := run(t, env{vars: vars}, "config", "get", "study"); g.out != "MYSTUDY\n" {
		t.Errorf("get study %q", g.out)
	}
	if g := run(t, env{vars: vars}, "config", "get", "--profile", "staging", "keys_command"); g.out != "pass show imednet/staging\n" {
		t.Errorf("get keys_command %q", g.out)
	}
	if g := run(t, env{vars: map[string]string{config.EnvConfigHome: home, config.EnvProfile: "staging"}}, "config", "list", "--jq", "select(.active) | .name"); g.out != "staging\n" {
		t.Errorf("active with IMEDNET_PROFILE: %q", g.out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"config", "set", "--profile", "prod", "api_key", "abc-secret"}, "keys are never stored"},
		{[]string{"config", "set", "--profile", "prod", "color", "x"}, `unknown setting "color"`},
		{[]string{"config", "set", "profile", "nope"}, `no such profile`},
		{[]string{"config", "get", "--profile", "nope", "study"}, `--profile "nope": no such profile (there are prod, staging)`},
	} {
		r := run(t, env{vars: vars}, tc.args...)
		if r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: exit %d %q", tc.args, r.code, r.errOut)
		}
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "abc-secret") {
		t.Error("a key reached the file")
	}
}
