package sandbox

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// DictionaryOptions are the options of "sandbox dictionary".
type DictionaryOptions struct {
	Factory *cmdutil.Factory
	Out     string // a folder to write the four files in
	Zip     string // a ZIP file to write them in
	Force   bool   // replace files that exist
}

// dictionaryFileNames are the files in the order they are written.
var dictionaryFileNames = []string{imednettest.FormsFile, imednettest.QuestionsFile, imednettest.ChoicesFile, imednettest.BusinessLogicFile}

// NewDictionaryCmd returns "sandbox dictionary".
func NewDictionaryCmd(f *cmdutil.Factory) *cobra.Command {
	o := &DictionaryOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "dictionary (--out DIR | --zip FILE)",
		Short: "Write the sandbox study's data dictionary files (FORMS, QUESTIONS, CHOICES, BUSINESS_LOGIC)",
		Long: "Write the data dictionary of the sandbox's study DEMO as iMednet exports it: FORMS.csv,\n" +
			"QUESTIONS.csv, CHOICES.csv and BUSINESS_LOGIC.csv, in a folder (--out) or a ZIP (--zip).\n" +
			"They agree with what the sandbox's API lists, and every radio or dropdown value in its\n" +
			"records is one of their choices, so that --dictionary and 'imednet dictionary' can be\n" +
			"tried without credentials. It prints the paths it wrote; existing files are not replaced\n" +
			"without --force.",
		Example: "  imednet sandbox dictionary --out dict\n" +
			"  imednet --sandbox sandbox dictionary --zip dict.zip --force",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return DictionaryRun(cmd.Context(), o) },
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Out, "out", "", "the folder to write the files in (created if needed)")
	fl.StringVar(&o.Zip, "zip", "", "the ZIP file to write the files in")
	fl.BoolVar(&o.Force, "force", false, "replace files that exist")
	return cmd
}

// DictionaryRun runs "sandbox dictionary".
func DictionaryRun(_ context.Context, o *DictionaryOptions) error {
	f := o.Factory
	if strings.TrimSpace(o.Out) == "" && strings.TrimSpace(o.Zip) == "" {
		return cmdutil.UsageErrorf("sandbox dictionary: give --out DIR, --zip FILE or both")
	}
	newSrv := f.NewSandbox
	if newSrv == nil {
		newSrv = func() (*imednettest.Server, error) { return imednettest.New() }
	}
	srv, err := newSrv()
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	st := srv.Study(imednettest.DemoStudyKey)
	if st == nil {
		return fmt.Errorf("sandbox: no study %s", imednettest.DemoStudyKey)
	}
	files := st.DictionaryFiles()

	// Check every destination before writing any.
	var targets []string
	if o.Out != "" {
		for _, name := range dictionaryFileNames {
			targets = append(targets, filepath.Join(o.Out, name))
		}
	}
	if o.Zip != "" {
		targets = append(targets, o.Zip)
	}
	if !o.Force {
		for _, p := range targets {
			if _, err := os.Stat(p); err == nil {
				return cmdutil.UsageErrorf("%s exists: use --force to replace it", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return cmdutil.UsageErrorf("%s: %v", p, err)
			}
		}
	}
	if o.Out != "" {
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return cmdutil.UsageErrorf("--out: %v", err)
		}
		for _, name := range dictionaryFileNames {
			if err := writeAtomic(filepath.Join(o.Out, name), files[name]); err != nil {
				return err
			}
		}
		for _, name := range dictionaryFileNames {
			fmt.Fprintln(f.IO.Out, filepath.Join(o.Out, name))
		}
	}
	if o.Zip != "" {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range dictionaryFileNames {
			w, err := zw.Create(name)
			if err == nil {
				_, err = w.Write(files[name])
			}
			if err != nil {
				return fmt.Errorf("--zip: %w", err)
			}
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("--zip: %w", err)
		}
		if err := writeAtomic(o.Zip, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintln(f.IO.Out, o.Zip)
	}
	return nil
}

// writeAtomic writes a file through a temporary file renamed into place, so that a failure
// leaves no half-written file.
func writeAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return cmdutil.UsageErrorf("%s: %v", name, err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
