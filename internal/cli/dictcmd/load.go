// Package dictcmd is "imednet dictionary": show a study's data dictionary (the API's forms
// and variables merged with the vendor's dictionary files), check the files against the API
// and the records, and diff two dictionaries. It also loads the --dictionary flag of the
// commands that take one.
package dictcmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// FlagUsage is the help of a --dictionary flag.
const FlagUsage = "the study's data dictionary files: a folder or ZIP of FORMS.csv, QUESTIONS.csv, CHOICES.csv (and BUSINESS_LOGIC.csv), whose choice lists check and decode coded values (with --sandbox: the sandbox's own by default)"

// SandboxSpec names the sandbox's own dictionary files where a path is expected.
const SandboxSpec = "sandbox"

// LoadFiles reads the dictionary files at path (a folder or a ZIP); with --sandbox, the path
// "sandbox" (SandboxSpec) is the sandbox study's own files. Bad files are usage errors
// (exit 2) naming file, line and column.
func LoadFiles(f *cmdutil.Factory, path string) (*dictionary.Dictionary, error) {
	if path == SandboxSpec && f.Flags.Sandbox {
		return sandboxFiles(f)
	}
	d, err := dictionary.LoadFiles(path)
	if err != nil {
		return nil, cmdutil.Usage(fmt.Errorf("--dictionary: %w", err))
	}
	return d, nil
}

// sandboxFiles reads the files the sandbox's study generates.
func sandboxFiles(f *cmdutil.Factory) (*dictionary.Dictionary, error) {
	srv, err := f.Sandbox()
	if err != nil {
		return nil, err
	}
	st := srv.Study(imednettest.DemoStudyKey)
	if st == nil {
		return nil, fmt.Errorf("sandbox: no study %s", imednettest.DemoStudyKey)
	}
	files := st.DictionaryFiles()
	reader := func(name string) io.Reader { return bytes.NewReader(files[name]) }
	return dictionary.ParseFiles(dictionary.Files{
		Forms: reader(imednettest.FormsFile), Questions: reader(imednettest.QuestionsFile),
		Choices: reader(imednettest.ChoicesFile), BusinessLogic: reader(imednettest.BusinessLogicFile),
		Dir: "sandbox",
	})
}

// Loaded is a study's dictionary as a command uses it: the API's, merged with the files when
// there are any.
type Loaded struct {
	Dict  *dictionary.Dictionary // the merged dictionary (the API's alone without files)
	API   *dictionary.Dictionary
	Files *dictionary.Dictionary // nil without files
	Diffs []dictionary.Change    // where the API and the files disagree (Merge's list)
	Path  string                 // where the files were read from
}

// Load loads the study's dictionary from the API and, when path is given (or, under
// --sandbox, by default), merges it with the files. The files are read first, so that bad
// files fail before any request.
func Load(ctx context.Context, f *cmdutil.Factory, c *imednet.Client, study, path string) (*Loaded, error) {
	l := &Loaded{Path: strings.TrimSpace(path)}
	if l.Path == "" && f.Flags.Sandbox {
		l.Path = SandboxSpec
	}
	if l.Path != "" {
		files, err := LoadFiles(f, l.Path)
		if err != nil {
			return nil, err
		}
		l.Files = files
	}
	api, err := dictionary.Load(ctx, c, study)
	if err != nil {
		return nil, fmt.Errorf("loading the data dictionary of %s: %w", study, err)
	}
	l.API, l.Dict = api, api
	if l.Files != nil {
		l.Dict, l.Diffs = dictionary.Merge(api, l.Files)
	}
	return l, nil
}

// Note prints, on w, how many differences there are between the API and the files, naming
// the first few, when there are any.
func (l *Loaded) Note(w io.Writer) {
	if len(l.Diffs) == 0 {
		return
	}
	fmt.Fprintf(w, "note: the API and the dictionary files (%s) disagree on %s:\n", l.Path,
		cmdutil.Plural(len(l.Diffs), "item", "items"))
	const shown = 5
	for _, d := range l.Diffs[:min(len(l.Diffs), shown)] {
		fmt.Fprintf(w, "  %s\n", d.Describe("the API", "the files"))
	}
	if n := len(l.Diffs) - shown; n > 0 {
		fmt.Fprintf(w, "  ... and %d more ('imednet dictionary check' lists them all)\n", n)
	}
}
