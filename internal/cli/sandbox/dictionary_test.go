package sandbox

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

func TestDictionaryWritesFolderAndZip(t *testing.T) {
	dir := t.TempDir()
	out, zipFile := filepath.Join(dir, "dict"), filepath.Join(dir, "dict.zip")
	io, _, stdout, _ := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }}
	o := &DictionaryOptions{Factory: f, Out: out, Zip: zipFile}
	if err := DictionaryRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	fromDir, err := dictionary.LoadFiles(out)
	if err != nil {
		t.Fatal(err)
	}
	fromZip, err := dictionary.LoadFiles(zipFile)
	if err != nil {
		t.Fatal(err)
	}
	if d := dictionary.Diff(fromDir, fromZip); d != nil {
		t.Errorf("folder and ZIP differ: %v", d)
	}
	// The files are the sandbox's (which TestSandboxDictionaryRoundTrip checks against its API).
	srv, _ := imednettest.New()
	want := srv.Study(imednettest.DemoStudyKey).DictionaryFiles()
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !reflect.DeepEqual(got, data) {
			t.Errorf("%s: %v, %d bytes, want %d", name, err, len(got), len(data))
		}
	}
	if v, ok := fromDir.Variable("AE", "AESEV"); !ok || len(v.Choices) != 3 || v.Choices[2].Text != "Severe" {
		t.Errorf("AE.AESEV %+v", v)
	}
	if want := strings.Join([]string{filepath.Join(out, "FORMS.csv"), filepath.Join(out, "QUESTIONS.csv"),
		filepath.Join(out, "CHOICES.csv"), filepath.Join(out, "BUSINESS_LOGIC.csv"), zipFile}, "\n") + "\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}

	// Nothing is replaced without --force; nothing is written when one target exists.
	os.Remove(zipFile)
	err = DictionaryRun(context.Background(), o)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "FORMS.csv exists: use --force") {
		t.Errorf("second run: %v", err)
	}
	if _, err := os.Stat(zipFile); err == nil {
		t.Error("the ZIP was written although the folder's files exist")
	}
	o.Force = true
	if err := DictionaryRun(context.Background(), o); err != nil {
		t.Errorf("--force: %v", err)
	}
	if err := DictionaryRun(context.Background(), &DictionaryOptions{Factory: f}); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("no destination: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(out, ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
