package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/config"
	"github.com/imednet/imednet-go/internal/cli/exportcmd"
	"github.com/imednet/imednet-go/internal/cli/output"
	"github.com/imednet/imednet-go/internal/cli/queries"
)

// completionTTL is how long the study and form keys fetched for a completion are reused:
// long enough for the few tabs of one command line, short enough to see a new form soon.
const completionTTL = 2 * time.Minute

// completionTimeout bounds the requests of one completion.
const completionTimeout = 5 * time.Second

// registerCompletions adds the completion of flag values to the command tree: the fixed
// vocabularies (--output, --layout, --to schemes, --state, config settings), the profiles,
// and the study and form keys from the API (cached briefly, never with --sandbox).
func registerCompletions(root *cobra.Command, f *cmdutil.Factory) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	formats := make([]string, len(output.Formats))
	for i, fm := range output.Formats {
		formats[i] = string(fm)
	}
	_ = root.RegisterFlagCompletionFunc("output", fixed(formats...))
	_ = root.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		path, err := f.ConfigPath()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		file, _, err := config.Load(path)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return file.Names(), cobra.ShellCompDirectiveNoFileComp
	})
	var schemes []string
	for _, s := range exportcmd.Schemes() {
		if s == "postgres" {
			s += "://"
		} else {
			s += ":"
		}
		schemes = append(schemes, s)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		fl := c.LocalFlags()
		if fl.Lookup("study") != nil {
			_ = c.RegisterFlagCompletionFunc("study", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return completeKeys(f, "studies", "", func(ctx context.Context, cl *imednet.Client) ([]string, error) {
					var keys []string
					for s, err := range cl.Studies.All(ctx, &imednet.ListOptions{PageSize: imednet.MaxPageSize}) {
						if err != nil {
							return nil, err
						}
						keys = append(keys, s.StudyKey)
					}
					return keys, nil
				})
			})
		}
		for _, name := range []string{"form", "forms"} {
			if fl.Lookup(name) == nil || fl.Lookup("study") == nil {
				continue
			}
			_ = c.RegisterFlagCompletionFunc(name, func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				flagStudy, _ := cmd.Flags().GetString("study")
				study, err := f.Study(flagStudy)
				if err != nil {
					return nil, cobra.ShellCompDirectiveError
				}
				keys, dir := completeKeys(f, "forms", study, func(ctx context.Context, cl *imednet.Client) ([]string, error) {
					var keys []string
					for fm, err := range cl.Forms.All(ctx, study, &imednet.ListOptions{PageSize: imednet.MaxPageSize}) {
						if err != nil {
							return nil, err
						}
						keys = append(keys, fm.FormKey)
					}
					return keys, nil
				})
				if i := strings.LastIndex(toComplete, ","); name == "forms" && i >= 0 {
					// A list: complete its last key, after the keys given, leaving those out.
					given := strings.Split(toComplete[:i], ",")
					var out []string
					for _, k := range keys {
						if !slices.Contains(given, k) {
							out = append(out, toComplete[:i+1]+k)
						}
					}
					keys = out
				}
				return keys, dir
			})
		}
		if fl.Lookup("layout") != nil {
			_ = c.RegisterFlagCompletionFunc("layout", fixed(exportcmd.Layouts...))
		}
		for _, name := range []string{"to", "from"} {
			if fl.Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
					return schemes, cobra.ShellCompDirectiveNoSpace
				})
			}
		}
		if fl.Lookup("state") != nil && c.Parent() != nil && c.Parent().Name() == "queries" {
			_ = c.RegisterFlagCompletionFunc("state", fixed(queries.Open, queries.Closed, "all"))
		}
		if c.Parent() != nil && c.Parent().Name() == "config" && (c.Name() == "get" || c.Name() == "set") {
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return append([]string{"profile"}, config.Settings...), cobra.ShellCompDirectiveNoFileComp
			}
		}
	}
	walk(root)
}

// completeKeys returns keys from list, through a cache file that lives completionTTL, keyed
// by the API's base URL, what and study. With --sandbox the keys come from the sandbox,
// uncached. Any failure gives no completion rather than an error on the command line.
func completeKeys(f *cmdutil.Factory, what, study string, list func(context.Context, *imednet.Client) ([]string, error)) ([]string, cobra.ShellCompDirective) {
	var cacheFile string
	if !f.Flags.Sandbox {
		base := f.Flags.BaseURL
		if base == "" {
			base = f.Env(imednet.EnvBaseURL)
		}
		if p, name, _ := f.Profile(); p != nil && base == "" {
			base = p.BaseURL + "#" + name
		}
		if dir, err := os.UserCacheDir(); err == nil {
			sum := sha256.Sum256([]byte(base + "\x00" + what + "\x00" + study))
			cacheFile = filepath.Join(dir, "imednet", "completion-"+hex.EncodeToString(sum[:8])+".json")
			if st, err := os.Stat(cacheFile); err == nil && time.Since(st.ModTime()) < completionTTL {
				var keys []string
				if b, err := os.ReadFile(cacheFile); err == nil && json.Unmarshal(b, &keys) == nil {
					return keys, cobra.ShellCompDirectiveNoFileComp
				}
			}
		}
	}
	c, err := f.Client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	keys, err := list(ctx, c)
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	if cacheFile != "" {
		if b, err := json.Marshal(keys); err == nil && os.MkdirAll(filepath.Dir(cacheFile), 0o700) == nil {
			_ = os.WriteFile(cacheFile, b, 0o600)
		}
	}
	return keys, cobra.ShellCompDirectiveNoFileComp
}
