package config

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRefusesKeysInClear(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[profiles.p]\napi_key = \"s3cr3t-value\"\n", "profiles.p.api_key: keys are never stored"},
		{"[profiles.p]\nsecurity_key = \"s3cr3t-value\"\n", "keys are never stored"},
		{"[profiles.p]\nstudyy = \"X\"\n", "profiles.p.studyy: unknown setting"},
		{"[profiles.p]\nkeys_env = [\"A\"]\n", "keys_env: expected two variable names"},
		{"[profiles.p]\nkeys_env = [\"A\", \"B\"]\nkeys_file = \"/k\"\n", "name one source of keys"},
		{"[profiles.p]\nkeys_command = []\n", "keys_command: expected a command"},
		{"profile = \"q\"\n[profiles.p]\n", `profile = "q": no such profile`},
		{"[profiles.p\n", "line 2: expected"},
	} {
		_, err := Parse([]byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%q: the error shows the key: %v", tc.text, err)
		}
	}
}

func TestSelectPrecedence(t *testing.T) {
	f, err := Parse([]byte("profile = \"a\"\n[profiles.a]\nstudy = \"A\"\n[profiles.b]\nstudy = \"B\"\n[profiles.c]\nstudy = \"C\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ flag, env, want string }{
		{"", "", "a"}, {"", "b", "b"}, {"c", "b", "c"}, {"c", "", "c"},
	} {
		p, name, err := f.Select(tc.flag, tc.env)
		if err != nil || name != tc.want || p.Study != strings.ToUpper(tc.want) {
			t.Errorf("Select(%q, %q) = %q, %v; want %q", tc.flag, tc.env, name, err, tc.want)
		}
	}
	if _, _, err := f.Select("zz", ""); err == nil || !strings.Contains(err.Error(), `--profile "zz": no such profile (there are a, b, c)`) {
		t.Errorf("unknown: %v", err)
	}
	if _, _, err := f.Select("", "zz"); err == nil || !strings.Contains(err.Error(), `$IMEDNET_PROFILE "zz"`) {
		t.Errorf("unknown from the environment: %v", err)
	}
	none := &File{}
	if p, _, err := none.Select("", ""); p != nil || err != nil {
		t.Errorf("no profile: %v %v", p, err)
	}
}

func TestParseKeys(t *testing.T) {
	for _, tc := range []struct{ text, api, sec string }{
		{"api_key=AAA\nsecurity_key=BBB\n", "AAA", "BBB"},
		{"# comment\nsecurity_key = 'BBB'\nexport IMEDNET_API_KEY=\"AAA\"\n", "AAA", "BBB"},
		{"\nAAA==\nBB=B\n", "AAA==", "BB=B"}, // base64 keys with = are plain lines
	} {
		api, sec, err := parseKeys([]byte(tc.text))
		if err != nil || api != tc.api || sec != tc.sec {
			t.Errorf("%q: %q %q %v", tc.text, api, sec, err)
		}
	}
	for _, text := range []string{"", "ONLYONE\n", "api_key=AAA-SECRET\n", "security_key=BBB-SECRET\n"} {
		_, _, err := parseKeys([]byte(text))
		if err == nil || strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "ONLYONE") {
			t.Errorf("%q: %v", text, err)
		}
	}
}

func TestKeysFromEachSource(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"MY_API": "env-api", "MY_SEC": "env-sec"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()

	p := &Profile{KeysEnv: []string{"MY_API", "MY_SEC"}}
	if a, s, err := p.Keys(ctx, getenv, io.Discard); err != nil || a != "env-api" || s != "env-sec" {
		t.Errorf("env: %q %q %v", a, s, err)
	}
	p = &Profile{KeysEnv: []string{"MY_API", "UNSET"}}
	if _, _, err := p.Keys(ctx, getenv, io.Discard); err == nil || !strings.Contains(err.Error(), "$UNSET is not set") {
		t.Errorf("env unset: %v", err)
	}

	file := filepath.Join(dir, "keys")
	if err := os.WriteFile(file, []byte("api_key=file-api\nsecurity_key=file-sec\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = &Profile{KeysFile: file}
	if a, s, err := p.Keys(ctx, getenv, io.Discard); err != nil || a != "file-api" || s != "file-sec" {
		t.Errorf("file: %q %q %v", a, s, err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Keys(ctx, getenv, io.Discard); err == nil || !strings.Contains(err.Error(), "may be read by others (mode 0644)") || strings.Contains(err.Error(), "file-api") {
		t.Errorf("file readable by others: %v", err)
	}

	p = &Profile{KeysCommand: []string{"printf", `cmd-api\ncmd-sec\n`}}
	if a, s, err := p.Keys(ctx, getenv, io.Discard); err != nil || a != "cmd-api" || s != "cmd-sec" {
		t.Errorf("command: %q %q %v", a, s, err)
	}
	p = &Profile{KeysCommand: []string{"false"}}
	if _, _, err := p.Keys(ctx, getenv, io.Discard); err == nil || !strings.Contains(err.Error(), "keys_command false: exit status 1") {
		t.Errorf("failing command: %v", err)
	}
	p = &Profile{KeysCommand: []string{"printf", `only-one-secret\n`}}
	if _, _, err := p.Keys(ctx, getenv, io.Discard); err == nil || strings.Contains(err.Error(), "only-one-secret") {
		t.Errorf("one line: %v", err)
	}
}

func TestSaveAndLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "imednet", "config.toml")
	f := &File{Profile: "prod", Profiles: map[string]*Profile{"prod": {BaseURL: "https://x.example", Study: "S", KeysCommand: []string{"pass", "show", "a b"}}}}
	if err := Save(path, f); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", st.Mode())
	}
	got, warning, err := Load(path)
	if err != nil || warning != "" || got.Profile != "prod" || got.Profiles["prod"].KeysCommand[2] != "a b" || got.Profiles["prod"].Study != "S" {
		t.Fatalf("%+v %q %v", got, warning, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, warning, _ := Load(path); !strings.Contains(warning, "may be read by others (mode 0644)") {
		t.Errorf("warning %q", warning)
	}
	if f, _, err := Load(filepath.Join(dir, "none.toml")); err != nil || len(f.Profiles) != 0 {
		t.Errorf("a missing file: %v %v", f, err)
	}
}

func TestSetAndGet(t *testing.T) {
	p := &Profile{}
	for _, s := range [][2]string{{"base_url", "https://a"}, {"study", "S"}, {"target", "sqlite:x.db"}, {"keys_env", "A, B"}} {
		if err := p.Set(s[0], s[1]); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := p.Get("keys_env"); v != "A,B" {
		t.Errorf("keys_env %q", v)
	}
	// A new source of keys replaces the old.
	if err := p.Set("keys_command", "pass show x"); err != nil || p.KeysEnv != nil || len(p.KeysCommand) != 3 {
		t.Errorf("%v %+v", err, p)
	}
	if err := p.Set("api_key", "x"); err == nil || !strings.Contains(err.Error(), "never stored") {
		t.Errorf("api_key: %v", err)
	}
	if err := p.Set("keys_env", "ONE"); err == nil {
		t.Error("one variable accepted")
	}
	if _, err := p.Get("nope"); err == nil {
		t.Error("unknown setting read")
	}
}

func TestPath(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, err := Path(getenv); err != ErrNoDir {
		t.Errorf("no directory: %v", err)
	}
	env["HOME"] = "/home/u"
	if p, _ := Path(getenv); p != "/home/u/.config/imednet/config.toml" {
		t.Errorf("HOME: %s", p)
	}
	env[EnvConfigHome] = "relative/dir" // ignored, as the XDG rule says
	if p, _ := Path(getenv); p != "/home/u/.config/imednet/config.toml" {
		t.Errorf("relative XDG_CONFIG_HOME: %s", p)
	}
	env[EnvConfigHome] = "/x"
	if p, _ := Path(getenv); p != "/x/imednet/config.toml" {
		t.Errorf("XDG_CONFIG_HOME: %s", p)
	}
}
