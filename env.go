package imednet

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by [ReadEnv], and so by [NewFromEnv] and the imednet command.
const (
	EnvAPIKey      = "IMEDNET_API_KEY"
	EnvSecurityKey = "IMEDNET_SECURITY_KEY"
	EnvBaseURL     = "IMEDNET_BASE_URL"
	EnvTimeout     = "IMEDNET_TIMEOUT"
)

// maxEnvTimeout is the longest timeout IMEDNET_TIMEOUT may give.
const maxEnvTimeout = 24 * time.Hour

// Env is a client's configuration as the environment gives it, read by [ReadEnv]. Each field
// holds its variable's value, checked and without surrounding space, or is zero when the
// variable is unset or blank.
//
// Its String, Format and LogValue methods never show the keys, and neither does its JSON.
type Env struct {
	APIKey      string        `json:"-"` // IMEDNET_API_KEY
	SecurityKey string        `json:"-"` // IMEDNET_SECURITY_KEY
	BaseURL     string        // IMEDNET_BASE_URL
	Timeout     time.Duration // IMEDNET_TIMEOUT
}

// ReadEnv reads a client's configuration from an environment: getenv returns a variable's
// value ("" when unset), as [os.Getenv] does (nil stands for os.Getenv; a test or a command
// line passes its own). The variables, each optional here:
//
//	IMEDNET_API_KEY       the API key
//	IMEDNET_SECURITY_KEY  the security key
//	IMEDNET_BASE_URL      the base URL (default https://edc.prod.imednetapi.com)
//	IMEDNET_TIMEOUT       the timeout of each attempt (default 30s), in seconds ("30", "2.5")
//	                      or as a Go duration ("45s", "1m30s"), above 0 and at most 24h
//
// Surrounding space is removed. A value that is not valid is an error naming the variable
// and what it should hold (never a key's value); every invalid variable is reported, joined
// as [errors.Join] does. [Env.Options] turns the result into options for [New]; options
// after them win, as the flags of the imednet command win over the environment.
func ReadEnv(getenv func(string) string) (Env, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	e := Env{APIKey: get(EnvAPIKey), SecurityKey: get(EnvSecurityKey), BaseURL: get(EnvBaseURL)}
	var errs []error
	for _, key := range []struct{ name, what, value string }{
		{EnvAPIKey, "API key", e.APIKey}, {EnvSecurityKey, "security key", e.SecurityKey},
	} {
		if key.value == "" {
			continue
		}
		if err := checkSecret(key.what, key.value); err != nil {
			errs = append(errs, envError(key.name, err))
		}
	}
	if e.BaseURL != "" {
		if _, err := normalizeBaseURL(e.BaseURL); err != nil {
			errs = append(errs, envError(EnvBaseURL, err))
		}
	}
	if raw := get(EnvTimeout); raw != "" {
		d, err := parseTimeout(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("imednet: %s=%q: %w", EnvTimeout, raw, err))
		}
		e.Timeout = d
	}
	if len(errs) > 0 {
		return Env{}, errors.Join(errs...)
	}
	return e, nil
}

// envError names the variable whose value an option's check refused.
func envError(name string, err error) error {
	return fmt.Errorf("imednet: %s: %s", name, strings.TrimPrefix(err.Error(), "imednet: "))
}

// parseTimeout reads a timeout written as seconds ("30", "2.5") or as a Go duration ("45s"),
// above 0 and at most maxEnvTimeout.
func parseTimeout(s string) (time.Duration, error) {
	var d time.Duration
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if !(secs > 0 && secs <= maxEnvTimeout.Seconds()) { // NaN too
			return 0, errTimeoutRange
		}
		d = time.Duration(secs * float64(time.Second))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, errors.New("want seconds (30, 2.5) or a Go duration (45s, 1m30s)")
	}
	if d <= 0 || d > maxEnvTimeout {
		return 0, errTimeoutRange
	}
	return d, nil
}

var errTimeoutRange = fmt.Errorf("want a timeout above 0 and at most %gh (%g seconds)", maxEnvTimeout.Hours(), maxEnvTimeout.Seconds())

// Options returns the options that configure a client as e says, for [New]: [WithAPIKey]
// when both keys are set, [WithBaseURL] and [WithTimeout] when theirs are. Options given
// after them win.
func (e Env) Options() []Option {
	var opts []Option
	if e.APIKey != "" && e.SecurityKey != "" {
		opts = append(opts, WithAPIKey(e.APIKey, e.SecurityKey))
	}
	if e.BaseURL != "" {
		opts = append(opts, WithBaseURL(e.BaseURL))
	}
	if e.Timeout != 0 {
		opts = append(opts, WithTimeout(e.Timeout))
	}
	return opts
}

// missingKeys returns the names of the key variables that are not set: IMEDNET_API_KEY,
// IMEDNET_SECURITY_KEY, both or none.
func (e Env) missingKeys() []string {
	var missing []string
	if e.APIKey == "" {
		missing = append(missing, EnvAPIKey)
	}
	if e.SecurityKey == "" {
		missing = append(missing, EnvSecurityKey)
	}
	return missing
}

// String describes e with its keys shown only as set or unset.
func (e Env) String() string {
	state := func(key string) string {
		if key == "" {
			return "unset"
		}
		return "set"
	}
	base := e.BaseURL
	if u, err := url.Parse(base); err == nil {
		base = u.Redacted()
	}
	return fmt.Sprintf("imednet.Env{APIKey: %s, SecurityKey: %s, BaseURL: %q, Timeout: %s}", state(e.APIKey), state(e.SecurityKey), base, e.Timeout)
}

// Format prints String for every verb (%v, %+v, %#v, %s, %d, ...), so that no verb prints
// the keys.
func (e Env) Format(f fmt.State, verb rune) { io.WriteString(f, e.String()) }

// LogValue keeps the keys out of structured logs.
func (e Env) LogValue() slog.Value { return slog.StringValue(e.String()) }
