// Package configcmd is "imednet config": the profiles of the configuration file (see package
// config), listed, read and set.
package configcmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/config"
	"github.com/imednet/imednet-go/internal/cli/output"
)

const configLong = `Profiles keep the settings of each iMednet environment you work with: its base URL, a
default study, a default export target, and where its keys come from. They live in
$XDG_CONFIG_HOME/imednet/config.toml (~/.config/imednet/config.toml when XDG_CONFIG_HOME is
not set; 'imednet config path' prints it):

  profile = "prod"                    # the profile used when none is named

  [profiles.prod]
  base_url = "https://edc.prod.imednetapi.com"
  study = "MYSTUDY"                   # the default --study
  target = "sqlite:mystudy.db"        # the default export/sync --to and report --from
  keys_env = ["PROD_API_KEY", "PROD_SECURITY_KEY"]

A command uses the profile --profile names, else $IMEDNET_PROFILE, else the file's
"profile". A flag wins over its environment variable, which wins over the profile. With
--sandbox no profile is read.

Keys are never stored in the file in clear. A profile names where they come from, one of:

  keys_env = ["VAR1", "VAR2"]         environment variables: the API key's, the security key's
  keys_file = "~/.imednet-prod.keys"  a file only its owner may read (chmod 600), else refused
  keys_command = ["pass", "show", "imednet/prod"]
                                      a command (run without a shell) that prints them

A file or a command gives the API key on its first line and the security key on its second,
or lines api_key=... and security_key=... The file is written owner-only by 'config set';
one that others may read gets a warning.`

// NewCmd returns "imednet config" with its subcommands.
func NewCmd(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Manage profiles: base URL, default study and target, where the keys come from",
		Long:  configLong,
		Example: "  imednet config set --profile prod base_url https://edc.prod.imednetapi.com\n" +
			"  imednet config set --profile prod study MYSTUDY\n" +
			"  imednet config set --profile prod keys_env PROD_API_KEY,PROD_SECURITY_KEY\n" +
			"  imednet config set profile prod\n" +
			"  imednet config list\n" +
			"  imednet --profile prod studies list",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPathCmd(f), newListCmd(f), newGetCmd(f), newSetCmd(f))
	return cmd
}

func newPathCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "path",
		Short:   "Print the configuration file's path",
		Example: "  imednet config path\n  XDG_CONFIG_HOME=/etc/xdg imednet config path",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := f.ConfigPath()
			if err != nil {
				return cmdutil.Usage(err)
			}
			_, err = fmt.Fprintln(f.IO.Out, path)
			return err
		},
	}
}

// load reads the file, printing its warning.
func load(f *cmdutil.Factory) (*config.File, string, error) {
	path, err := f.ConfigPath()
	if err != nil {
		return nil, "", cmdutil.Usage(err)
	}
	file, warning, err := config.Load(path)
	if warning != "" {
		fmt.Fprintln(f.IO.ErrOut, "imednet: warning: "+warning)
	}
	if err != nil {
		return nil, "", cmdutil.Usage(err)
	}
	return file, path, nil
}

// ProfileItem is a profile as "config list" prints it.
type ProfileItem struct {
	Name    string `json:"name"`
	Active  bool   `json:"active"` // the profile a command would use now
	BaseURL string `json:"base_url"`
	Study   string `json:"study"`
	Target  string `json:"target"`
	Keys    string `json:"keys"` // where the keys come from
}

var listColumns = []output.Column[ProfileItem]{
	{Name: "name", Table: true, Value: func(p *ProfileItem) string { return p.Name }},
	{Name: "active", Table: true, Value: func(p *ProfileItem) string {
		if p.Active {
			return "*"
		}
		return ""
	}},
	{Name: "base_url", Table: true, Value: func(p *ProfileItem) string { return p.BaseURL }},
	{Name: "study", Table: true, Value: func(p *ProfileItem) string { return p.Study }},
	{Name: "target", Table: true, Value: func(p *ProfileItem) string { return p.Target }},
	{Name: "keys", Table: true, Value: func(p *ProfileItem) string { return p.Keys }},
}

func newListCmd(f *cmdutil.Factory) *cobra.Command {
	var sel cmdutil.SelectFlags
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles; * marks the one commands use now",
		Long:    "List the profiles of the configuration file, with where each one's keys come from (never the\nkeys); * marks the profile commands use now (--profile, $IMEDNET_PROFILE, or the file's default).\n\n" + cmdutil.SelectHelp,
		Example: "  imednet config list\n  imednet config list --jq 'select(.active) | .name'",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, format, err := sel.Selection(f, "profiles", output.FieldNames[ProfileItem]())
			if err != nil {
				return err
			}
			file, path, err := load(f)
			if err != nil {
				return err
			}
			_, active, err := file.Select(f.Flags.Profile, f.Env(config.EnvProfile))
			if err != nil {
				return cmdutil.Usage(fmt.Errorf("%w (in %s)", err, path))
			}
			l := output.SelectList(f.IO.Out, format, listColumns, "profile", "profiles", s, f.IO.Width, nil)
			for _, name := range file.Names() {
				p := file.Profiles[name]
				if p == nil {
					p = &config.Profile{}
				}
				item := ProfileItem{Name: name, Active: name == active, BaseURL: p.BaseURL, Study: p.Study, Target: p.Target, Keys: p.KeysSource()}
				if err := l.Add(&item); err != nil {
					l.Close()
					return err
				}
			}
			return l.Close()
		},
	}
	cmdutil.AddSelectFlags(cmd, &sel)
	sel.CompleteFields(output.FieldNames[ProfileItem])
	return cmd
}

// settingsHelp lists the settings for get and set.
const settingsHelp = `Settings: base_url, study, target, and where the keys come from: keys_env (two variable
names, separated by a comma), keys_file (a path) or keys_command (a command and its
arguments, separated by spaces; edit the file for arguments with spaces). "profile" is the
file's default profile.`

func newGetCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "get <setting>",
		Short: "Print a setting of the profile in use (or of --profile)",
		Long:  "Print a setting of the profile --profile names (else $IMEDNET_PROFILE, else the file's default).\n\n" + settingsHelp,
		Example: "  imednet config get study\n" +
			"  imednet config get --profile prod base_url",
		Args: cmdutil.ExactArgs(1, "one setting"),
		RunE: func(cmd *cobra.Command, args []string) error {
			file, path, err := load(f)
			if err != nil {
				return err
			}
			setting := strings.TrimSpace(args[0])
			if setting == "profile" {
				_, err := fmt.Fprintln(f.IO.Out, file.Profile)
				return err
			}
			p, name, err := file.Select(f.Flags.Profile, f.Env(config.EnvProfile))
			if err != nil {
				return cmdutil.Usage(fmt.Errorf("%w (in %s)", err, path))
			}
			if p == nil {
				return cmdutil.UsageErrorf("config get: no profile in use: name one with --profile (or set a default with 'imednet config set profile NAME')")
			}
			v, err := p.Get(setting)
			if err != nil {
				return cmdutil.Usage(fmt.Errorf("profile %q: %w", name, err))
			}
			_, err = fmt.Fprintln(f.IO.Out, v)
			return err
		},
	}
}

func newSetCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "set <setting> <value>",
		Short: "Set a setting of a profile (--profile creates it), or the default profile",
		Long: "Set a setting of the profile --profile names (created when missing; else $IMEDNET_PROFILE,\n" +
			"else the file's default), or with \"profile\" the default profile. An empty value removes the\n" +
			"setting. The file is written owner-only (0600) through a temporary file, so a failed write\n" +
			"leaves it whole; comments in it are not kept.\n\n" + settingsHelp,
		Example: "  imednet config set --profile prod study MYSTUDY\n" +
			"  imednet config set --profile prod keys_command 'pass show imednet/prod'\n" +
			"  imednet config set profile prod",
		Args: cmdutil.ExactArgs(2, "a setting and its value"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return setRun(cmd.Context(), f, strings.TrimSpace(args[0]), args[1])
		},
	}
}

func setRun(_ context.Context, f *cmdutil.Factory, setting, value string) error {
	file, path, err := load(f)
	if err != nil {
		return err
	}
	if setting == "profile" {
		value = strings.TrimSpace(value)
		if value != "" && file.Profiles[value] == nil {
			return cmdutil.UsageErrorf("config set profile %q: no such profile (create it with 'imednet config set --profile %s study KEY')", value, value)
		}
		file.Profile = value
		return config.Save(path, file)
	}
	name := strings.TrimSpace(f.Flags.Profile)
	if name == "" {
		name = strings.TrimSpace(f.Env(config.EnvProfile))
	}
	if name == "" {
		name = file.Profile
	}
	if name == "" {
		return cmdutil.UsageErrorf("config set: which profile? Name it with --profile (it is created when missing)")
	}
	if strings.ContainsAny(name, " .\"'[]") {
		return cmdutil.UsageErrorf("--profile %q: a profile name is letters, digits, - and _", name)
	}
	if file.Profiles == nil {
		file.Profiles = map[string]*config.Profile{}
	}
	p := file.Profiles[name]
	if p == nil {
		p = &config.Profile{}
	}
	if err := p.Set(setting, value); err != nil {
		return cmdutil.Usage(fmt.Errorf("profile %q: %w", name, err))
	}
	file.Profiles[name] = p
	return config.Save(path, file)
}
