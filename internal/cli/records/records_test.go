package records

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/jobs"
)

// The JSON of the help's example is valid for the sandbox and creates its records.
func TestHelpExampleFile(t *testing.T) {
	_, body, ok := strings.Cut(createExample, "<<'JSON'\n")
	body, _, ok2 := strings.Cut(body, "\n  JSON\n")
	if !ok || !ok2 {
		t.Fatal("no JSON in the example")
	}
	file := filepath.Join(t.TempDir(), "new.json")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := imednettest.New(imednettest.WithJobDelay(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" },
		NewSandbox: func() (*imednettest.Server, error) { return srv, nil }}
	f.Flags.Sandbox = true
	o := &CreateOptions{Factory: f, File: file, ChunkSize: 500, Wait: jobs.WaitParams{Interval: 5 * time.Millisecond}}
	if err := CreateRun(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if st := srv.Stats(); st.ItemsApplied != 2 || st.SubjectsCreated != 1 {
		t.Errorf("%+v\n%s", st, out)
	}
}

// With a dictionary, codes outside the choice lists are refused with the other problems, in
// one pass, and nothing is sent: the server's counters show no submission.
func TestCreateChecksChoices(t *testing.T) {
	srv, err := imednettest.New(imednettest.WithJobDelay(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dict := filepath.Join(dir, "dict")
	os.Mkdir(dict, 0o755)
	for name, data := range srv.Study("DEMO").DictionaryFiles() {
		os.WriteFile(filepath.Join(dict, name), data, 0o644)
	}
	file := filepath.Join(dir, "new.json")
	os.WriteFile(file, []byte(`[
  {"formKey": "REG", "siteName": "Chicago Hope Hospital", "data": {"INITIALS": "ABC", "SEX": "3", "COHORT": 2}},
  {"formKey": "AE", "subjectKey": "01-001", "data": {"AETERM": "Headache", "AESEV": "9", "AEREL": "2", "AESTDT": "2024-02-30"}}
]`), 0o644)
	run := func(dictionary string) (error, string) {
		io, _, _, errOut := cmdutil.TestStreams()
		f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" },
			NewSandbox: func() (*imednettest.Server, error) { return srv, nil }}
		f.Flags.Sandbox = true
		o := &CreateOptions{Factory: f, File: file, ChunkSize: 500, Dictionary: dictionary, Wait: jobs.WaitParams{Interval: 5 * time.Millisecond}}
		err := CreateRun(context.Background(), o)
		return err, errOut.String()
	}

	err, stderr := run(dict)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("exit %d: %v\n%s", cmdutil.ExitCode(err), err, stderr)
	}
	for _, want := range []string{
		`item 1 (line 2): form REG: field SEX: "3" is not a choice of SEX (want one of: 1 = Male, 2 = Female)`,
		`item 2 (line 3): form AE: field AESEV: "9" is not a choice of AESEV (want one of: 1 = Mild, 2 = Moderate, 3 = Severe)`,
		`field AESTDT: "2024-02-30" is not a date`,
		"3 problems; nothing was sent",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	st := srv.Stats()
	if st.SubmissionsReceived != 0 || st.Requests["POST /studies/{studyKey}/records"] != 0 {
		t.Errorf("something was sent: %+v", st)
	}
	if st.Requests["GET /studies/{studyKey}/variables"] == 0 {
		t.Errorf("the dictionary was not loaded from the API: %v", st.Requests)
	}

	// A malformed dictionary: exit 2 naming file, line and column, before any request.
	bad := filepath.Join(dir, "bad")
	os.Mkdir(bad, 0o755)
	for name, data := range srv.Study("DEMO").DictionaryFiles() {
		if name == imednettest.QuestionsFile {
			data = append(data, "AE,Radio,AESEV\r\n"...)
		}
		os.WriteFile(filepath.Join(bad, name), data, 0o644)
	}
	requests := func() int {
		n := 0
		for _, c := range srv.Stats().Requests {
			n += c
		}
		return n
	}
	before := requests()
	err, _ = run(bad)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), filepath.Join(bad, "QUESTIONS.csv")+":") ||
		!strings.Contains(err.Error(), ":4: the line has 3 columns, the header 4") {
		t.Errorf("bad dictionary: exit %d: %v", cmdutil.ExitCode(err), err)
	}
	if n := requests(); n != before {
		t.Errorf("%d requests with a bad dictionary", n-before)
	}
}
