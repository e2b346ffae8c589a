package imednet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// envOf is an environment over a map.
func envOf(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

// withKeys returns an environment with both keys set, plus vars.
func withKeys(vars map[string]string) func(string) string {
	m := map[string]string{EnvAPIKey: testAPIKey, EnvSecurityKey: testSecurityKey}
	for k, v := range vars {
		m[k] = v
	}
	return envOf(m)
}

func TestReadEnvTimeout(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		"30": 30 * time.Second, " 2.5 ": 2500 * time.Millisecond, "45s": 45 * time.Second, "1m30s": 90 * time.Second,
		"86400": 24 * time.Hour, "24h": 24 * time.Hour, "0.001": time.Millisecond,
	} {
		e, err := ReadEnv(withKeys(map[string]string{EnvTimeout: raw}))
		if err != nil || e.Timeout != want {
			t.Errorf("%s=%q: %s, %v; want %s", EnvTimeout, raw, e.Timeout, err, want)
		}
	}
	for raw, want := range map[string]string{
		"100000": "at most 24h", "86401": "at most 24h", "25h": "at most 24h", "0": "above 0", "-3": "above 0",
		"-5s": "above 0", "0s": "above 0", "1e-12": "above 0", "NaN": "above 0", "Inf": "at most 24h",
		"soon": "seconds (30, 2.5) or a Go duration (45s", "30 s": "seconds (30",
	} {
		_, err := ReadEnv(withKeys(map[string]string{EnvTimeout: raw}))
		if err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("imednet: %s=%q: want ", EnvTimeout, strings.TrimSpace(raw))) ||
			!strings.Contains(err.Error(), want) {
			t.Errorf("%s=%q: error %v; want one naming the variable, its value and %q", EnvTimeout, raw, err, want)
		}
	}
}

// Every invalid variable is reported, each naming the variable and what it should hold, and
// never the value of a key.
func TestReadEnvErrors(t *testing.T) {
	const badKey = "sekrit-key-value\x01"
	_, err := ReadEnv(envOf(map[string]string{
		EnvAPIKey: badKey, EnvSecurityKey: "sekrit-security\n-key", EnvBaseURL: "ftp://x.example.com", EnvTimeout: "soon",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		"imednet: IMEDNET_API_KEY: the API key contains a control character",
		"imednet: IMEDNET_SECURITY_KEY: the security key contains a control character",
		`imednet: IMEDNET_BASE_URL: base URL "ftp://x.example.com": scheme must be https`,
		`imednet: IMEDNET_TIMEOUT="soon": want seconds`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "sekrit") {
		t.Errorf("the error shows a key: %q", msg)
	}
	// A base URL with a password in it is refused without showing the password, whether it
	// parses or not.
	for _, base := range []string{"https://user:sekrit-pass@api.example.com", "https://user:sekrit%zz@api.example.com", "https://u:sekrit@h:port"} {
		_, err = ReadEnv(withKeys(map[string]string{EnvBaseURL: base}))
		if err == nil || !strings.Contains(err.Error(), EnvBaseURL) || strings.Contains(err.Error(), "sekrit") {
			t.Errorf("base URL with a password: %v", err)
		}
	}
}

// Unset or blank variables leave the client's defaults; set ones are read without their
// surrounding space.
func TestReadEnvDefaults(t *testing.T) {
	for _, env := range []map[string]string{nil, {EnvAPIKey: " ", EnvSecurityKey: "\t", EnvBaseURL: "  ", EnvTimeout: " "}} {
		e, err := ReadEnv(envOf(env))
		if err != nil || e != (Env{}) || len(e.Options()) != 0 {
			t.Errorf("%q: %v, %v, %d options; want the zero Env and no option", env, e, err, len(e.Options()))
		}
		c, err := New(append(e.Options(), WithAPIKey("k", "s"))...)
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != DefaultBaseURL || c.timeout != DefaultTimeout {
			t.Errorf("%q: base URL %q, timeout %s; want the defaults", env, c.BaseURL(), c.timeout)
		}
	}
	e, err := ReadEnv(envOf(map[string]string{EnvAPIKey: " k ", EnvSecurityKey: "s\n", EnvBaseURL: " https://x.example.com "}))
	if want := (Env{APIKey: "k", SecurityKey: "s", BaseURL: "https://x.example.com"}); err != nil || e != want {
		t.Errorf("read %+v, %v; want the values without space", e, err)
	}
}

// No way of printing, logging or encoding an Env shows its keys.
func TestEnvNeverShowsKeys(t *testing.T) {
	e, err := ReadEnv(withKeys(map[string]string{EnvBaseURL: "https://x.example.com", EnvTimeout: "5"}))
	if err != nil {
		t.Fatal(err)
	}
	var printed []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%T %[1]v"} {
		printed = append(printed, fmt.Sprintf(verb, e), fmt.Sprintf(verb, &e))
	}
	printed = append(printed, fmt.Sprint(e), fmt.Sprintln(e), e.String())
	js, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("env", "env", e, "ptr", &e)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("env", "env", e)
	printed = append(printed, string(js), logs.String())
	all := strings.Join(printed, "\n")
	for _, key := range []string{testAPIKey, testSecurityKey} {
		if strings.Contains(all, key) {
			t.Fatalf("a key was printed:\n%s", all)
		}
	}
	if !strings.Contains(e.String(), "APIKey: set") || !strings.Contains(e.String(), "x.example.com") || !strings.Contains(e.String(), "5s") {
		t.Errorf("String %q: want the keys as set, the base URL and the timeout", e.String())
	}
}

func TestNewFromEnv(t *testing.T) {
	t.Run("missing both keys names both variables", func(t *testing.T) {
		_, err := newFromEnv(envOf(nil))
		if err == nil || !strings.Contains(err.Error(), "IMEDNET_API_KEY and IMEDNET_SECURITY_KEY not set") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing security key names it alone", func(t *testing.T) {
		_, err := newFromEnv(envOf(map[string]string{EnvAPIKey: testAPIKey, EnvSecurityKey: "  "}))
		if err == nil || !strings.Contains(err.Error(), "IMEDNET_SECURITY_KEY not set") || strings.Contains(err.Error(), "IMEDNET_API_KEY") {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(err.Error(), testAPIKey) {
			t.Fatalf("error reveals the key: %v", err)
		}
	})
	t.Run("an invalid variable is ReadEnv's error", func(t *testing.T) {
		for name, value := range map[string]string{EnvTimeout: "100000", EnvBaseURL: "ftp://x"} {
			env := withKeys(map[string]string{name: value})
			_, want := ReadEnv(env)
			_, err := newFromEnv(env)
			if err == nil || want == nil || err.Error() != want.Error() || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: NewFromEnv %v, ReadEnv %v; want the same error naming the variable", name, value, err, want)
			}
		}
	})
	t.Run("values are read and options win", func(t *testing.T) {
		c, err := newFromEnv(withKeys(map[string]string{EnvBaseURL: "https://env.example.com/api", EnvTimeout: "2.5"}))
		if err != nil {
			t.Fatal(err)
		}
		if c.apiURL != "https://env.example.com/api/v1/edc" || c.timeout != 2500*time.Millisecond {
			t.Fatalf("api URL %q timeout %s", c.apiURL, c.timeout)
		}
		c, err = newFromEnv(withKeys(map[string]string{EnvBaseURL: "https://env.example.com", EnvTimeout: "45s"}),
			WithBaseURL("https://opt.example.com"), WithTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if c.apiURL != "https://opt.example.com/api/v1/edc" || c.timeout != time.Second {
			t.Fatalf("options did not win: %q %s", c.apiURL, c.timeout)
		}
	})
	t.Run("an authenticator option makes the keys optional", func(t *testing.T) {
		a, err := NewBearerTokenAuth("token-123")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := newFromEnv(envOf(nil), WithAuthenticator(a)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the real environment", func(t *testing.T) {
		t.Setenv(EnvAPIKey, testAPIKey)
		t.Setenv(EnvSecurityKey, testSecurityKey)
		t.Setenv(EnvBaseURL, "")
		t.Setenv(EnvTimeout, "7")
		c, err := NewFromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if c.BaseURL() != DefaultBaseURL || c.timeout != 7*time.Second {
			t.Fatalf("base URL %q, timeout %s", c.BaseURL(), c.timeout)
		}
		if e, err := ReadEnv(nil); err != nil || e.APIKey != testAPIKey {
			t.Errorf("ReadEnv(nil) did not read the process's environment: %v", err)
		}
	})
}
