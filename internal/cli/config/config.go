// Package config is the imednet command's configuration file: named profiles, each with a
// base URL, a default study and a default export target, and where its keys come from.
//
// The file is TOML, at $XDG_CONFIG_HOME/imednet/config.toml (or the system's user
// configuration directory, such as ~/.config):
//
//	profile = "prod"                       # the profile used when none is named
//
//	[profiles.prod]
//	base_url = "https://edc.mednetstudy.com"
//	study = "MYSTUDY"
//	target = "sqlite:mystudy.db"
//	keys_env = ["PROD_API_KEY", "PROD_SECURITY_KEY"]        # or:
//	# keys_file = "~/.config/imednet/prod.keys"             # readable by its owner only
//	# keys_command = ["pass", "show", "imednet/prod"]       # prints the two keys
//
// Keys are never stored in the file in clear: a profile names where they come from, the
// environment variables that hold them, a file that only its owner may read, or a command
// (a password manager's) that prints them. A file or a command gives the API key on its
// first line and the security key on its second, or lines api_key=... and security_key=...
package config

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// EnvProfile is the environment variable that names the profile when --profile does not.
const EnvProfile = "IMEDNET_PROFILE"

// EnvConfigHome is the XDG variable under which the file lives.
const EnvConfigHome = "XDG_CONFIG_HOME"

// File is the configuration file's content.
type File struct {
	// Profile is the profile used when neither --profile nor $IMEDNET_PROFILE names one.
	Profile  string              `toml:"profile,omitempty"`
	Profiles map[string]*Profile `toml:"profiles,omitempty"`
}

// Profile is one named set of settings.
type Profile struct {
	BaseURL string `toml:"base_url,omitempty"` // the API's base URL
	Study   string `toml:"study,omitempty"`    // the default --study
	Target  string `toml:"target,omitempty"`   // the default export and sync --to, report --from
	// Where the keys come from: at most one of these.
	KeysEnv     []string `toml:"keys_env,omitempty"`     // two variable names: the API key's, the security key's
	KeysFile    string   `toml:"keys_file,omitempty"`    // a file only its owner may read
	KeysCommand []string `toml:"keys_command,omitempty"` // a command and its arguments (no shell)
}

// Settings are the names "config get" and "config set" take, in the order "config list"
// shows them.
var Settings = []string{"base_url", "study", "target", "keys_env", "keys_file", "keys_command"}

// ErrNoDir is returned by Path when the environment names no directory for the file.
var ErrNoDir = errors.New("no configuration directory: set " + EnvConfigHome + " or HOME")

// Path returns the file's path, imednet/config.toml under $XDG_CONFIG_HOME when it is an
// absolute path (the XDG rule), else under $HOME/.config, else (Windows) under %APPDATA%.
// getenv reads the environment.
func Path(getenv func(string) string) (string, error) {
	dir := getenv(EnvConfigHome)
	if !filepath.IsAbs(dir) {
		switch home, appData := getenv("HOME"), getenv("APPDATA"); {
		case home != "":
			dir = filepath.Join(home, ".config")
		case appData != "":
			dir = appData
		default:
			return "", ErrNoDir
		}
	}
	return filepath.Join(dir, "imednet", "config.toml"), nil
}

// Load reads the file at path. A missing file is an empty File and no error. It also
// returns a warning when others than its owner may read the file, "" otherwise.
func Load(path string) (*File, string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	warning := ""
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		warning = fmt.Sprintf("%s may be read by others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, warning, fmt.Errorf("%s: %w", path, err)
	}
	return f, warning, nil
}

// Parse reads the file's content and checks it: unknown settings (a key written in clear
// among them) and profiles that name more than one source of keys are errors that say where.
func Parse(b []byte) (*File, error) {
	var f File
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
		}
		return nil, err
	}
	for _, key := range md.Undecoded() {
		name := key[len(key)-1]
		if strings.Contains(strings.ToLower(name), "key") && !slices.Contains(Settings, name) {
			return nil, fmt.Errorf("%s: keys are never stored in the configuration file; name where they come from with keys_env, keys_file or keys_command", key)
		}
		return nil, fmt.Errorf("%s: unknown setting (a profile takes %s)", key, strings.Join(Settings, ", "))
	}
	for name, p := range f.Profiles {
		if p == nil {
			continue
		}
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("profile %q: %w", name, err)
		}
	}
	if f.Profile != "" && f.Profiles[f.Profile] == nil {
		return nil, fmt.Errorf("profile = %q: no such profile", f.Profile)
	}
	return &f, nil
}

func (p *Profile) check() error {
	n := 0
	for _, set := range []bool{p.KeysEnv != nil, p.KeysFile != "", p.KeysCommand != nil} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("name one source of keys: keys_env, keys_file or keys_command")
	case p.KeysEnv != nil && len(p.KeysEnv) != 2:
		return errors.New("keys_env: expected two variable names, the API key's and the security key's")
	case p.KeysCommand != nil && (len(p.KeysCommand) == 0 || strings.TrimSpace(p.KeysCommand[0]) == ""):
		return errors.New("keys_command: expected a command and its arguments")
	}
	return nil
}

// Names returns the profiles' names, sorted.
func (f *File) Names() []string {
	var names []string
	for n := range f.Profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Select returns the profile to use and its name: named (from --profile), else env (from
// $IMEDNET_PROFILE), else the file's default; nil and "" when none applies. A name without
// a profile is an error that lists the profiles.
func (f *File) Select(named, env string) (*Profile, string, error) {
	name, from := strings.TrimSpace(named), "--profile"
	if name == "" {
		name, from = strings.TrimSpace(env), "$"+EnvProfile
	}
	if name == "" {
		name, from = f.Profile, "profile"
	}
	if name == "" {
		return nil, "", nil
	}
	p := f.Profiles[name]
	if p == nil {
		have := "there are none: see 'imednet config set --help'"
		if names := f.Names(); len(names) > 0 {
			have = "there are " + strings.Join(names, ", ")
		}
		return nil, "", fmt.Errorf("%s %q: no such profile (%s)", from, name, have)
	}
	return p, name, nil
}

// Get returns a setting's value as text ("config get"): lists joined by spaces (keys_command)
// or commas (keys_env).
func (p *Profile) Get(setting string) (string, error) {
	switch setting {
	case "base_url":
		return p.BaseURL, nil
	case "study":
		return p.Study, nil
	case "target":
		return p.Target, nil
	case "keys_env":
		return strings.Join(p.KeysEnv, ","), nil
	case "keys_file":
		return p.KeysFile, nil
	case "keys_command":
		return strings.Join(p.KeysCommand, " "), nil
	}
	return "", unknownSetting(setting)
}

// Set changes a setting ("config set"); an empty value removes it. keys_env takes two
// names separated by a comma, keys_command a command and its arguments separated by spaces.
// Setting a source of keys removes the others.
func (p *Profile) Set(setting, value string) error {
	value = strings.TrimSpace(value)
	clearKeys := func() { p.KeysEnv, p.KeysFile, p.KeysCommand = nil, "", nil }
	switch setting {
	case "base_url":
		p.BaseURL = value
	case "study":
		p.Study = value
	case "target":
		p.Target = value
	case "keys_env":
		clearKeys()
		if value != "" {
			for name := range strings.SplitSeq(value, ",") {
				p.KeysEnv = append(p.KeysEnv, strings.TrimSpace(name))
			}
		}
	case "keys_file":
		clearKeys()
		p.KeysFile = value
	case "keys_command":
		clearKeys()
		if value != "" {
			p.KeysCommand = strings.Fields(value)
		}
	default:
		return unknownSetting(setting)
	}
	return p.check()
}

func unknownSetting(s string) error {
	if strings.Contains(strings.ToLower(s), "key") && !slices.Contains(Settings, s) {
		return fmt.Errorf("%q: keys are never stored in the configuration file; set keys_env, keys_file or keys_command to say where they come from", s)
	}
	return fmt.Errorf("unknown setting %q: expected one of %s", s, strings.Join(Settings, ", "))
}

// KeysSource describes where the profile's keys come from, for "config list"; "" when it
// names no source.
func (p *Profile) KeysSource() string {
	switch {
	case p.KeysEnv != nil:
		return "env " + strings.Join(p.KeysEnv, ",")
	case p.KeysFile != "":
		return "file " + p.KeysFile
	case p.KeysCommand != nil:
		return "command " + strings.Join(p.KeysCommand, " ")
	}
	return ""
}

// HasKeys reports whether the profile names a source of keys.
func (p *Profile) HasKeys() bool { return p.KeysSource() != "" }

// CommandTimeout bounds a keys_command.
const CommandTimeout = 60 * time.Second

// Keys returns the API key and the security key from the profile's source. getenv reads
// the environment; stderr receives a command's own messages (a password manager's prompt).
// The errors say which source failed and why, never what it held.
func (p *Profile) Keys(ctx context.Context, getenv func(string) string, stderr io.Writer) (apiKey, secKey string, err error) {
	switch {
	case p.KeysEnv != nil:
		apiKey, secKey = getenv(p.KeysEnv[0]), getenv(p.KeysEnv[1])
		for i, v := range []string{apiKey, secKey} {
			if strings.TrimSpace(v) == "" {
				return "", "", fmt.Errorf("keys_env: $%s is not set", p.KeysEnv[i])
			}
		}
		return strings.TrimSpace(apiKey), strings.TrimSpace(secKey), nil
	case p.KeysFile != "":
		path := expandHome(p.KeysFile)
		st, err := os.Stat(path)
		if err != nil {
			return "", "", fmt.Errorf("keys_file: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return "", "", fmt.Errorf("keys_file %s may be read by others (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", "", fmt.Errorf("keys_file: %w", err)
		}
		apiKey, secKey, err = parseKeys(b)
		if err != nil {
			return "", "", fmt.Errorf("keys_file %s: %w", path, err)
		}
		return apiKey, secKey, nil
	case p.KeysCommand != nil:
		ctx, cancel := context.WithTimeout(ctx, CommandTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, expandHome(p.KeysCommand[0]), p.KeysCommand[1:]...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, stderr
		if err := cmd.Run(); err != nil {
			if ctx.Err() == context.DeadlineExceeded {
				err = fmt.Errorf("no answer after %s", CommandTimeout)
			}
			return "", "", fmt.Errorf("keys_command %s: %w", p.KeysCommand[0], err)
		}
		apiKey, secKey, err = parseKeys(out.Bytes())
		if err != nil {
			return "", "", fmt.Errorf("keys_command %s: its output: %w", p.KeysCommand[0], err)
		}
		return apiKey, secKey, nil
	}
	return "", "", nil
}

// parseKeys reads two keys: lines api_key=... and security_key=... (in any order, as the
// environment's names IMEDNET_API_KEY and IMEDNET_SECURITY_KEY too), or the API key on the
// first non-blank line and the security key on the second (a key may hold "=", as base64
// does). Lines starting with # are comments. Errors never quote a line.
func parseKeys(b []byte) (apiKey, secKey string, err error) {
	var plain []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, named := strings.Cut(line, "=")
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), "export ")))
		switch {
		case named && (name == "api_key" || name == "imednet_api_key"):
			apiKey = unquote(value)
		case named && (name == "security_key" || name == "imednet_security_key"):
			secKey = unquote(value)
		default:
			plain = append(plain, line)
		}
	}
	if err := sc.Err(); err != nil {
		return "", "", err
	}
	if apiKey == "" && secKey == "" && len(plain) >= 2 {
		apiKey, secKey = plain[0], plain[1]
	}
	switch {
	case apiKey == "":
		return "", "", errors.New("no API key: expected api_key=... or the API key on the first line")
	case secKey == "":
		return "", "", errors.New("no security key: expected security_key=... or the security key on the second line")
	}
	return apiKey, secKey, nil
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// expandHome replaces a leading ~/ with the user's home directory.
func expandHome(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return path
}

// Save writes f to path, owner-only (0600, in a 0700 directory when it creates it),
// through a temporary file renamed over the old one, so that a failed write leaves the old
// file whole. Comments in the old file are not kept.
func Save(path string, f *File) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("# imednet configuration: profiles. Keys are never stored here; see 'imednet config --help'.\n")
	if err := toml.NewEncoder(&b).Encode(f); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.toml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
