package dictcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

const fixtures = "../../../dictionary/testdata/files"

type result struct {
	err         error
	code        int
	out, errOut string
}

// run runs "dictionary ARGS" with -o format, on srv as --sandbox when srv is not nil.
func run(t *testing.T, srv *imednettest.Server, format string, args ...string) result {
	t.Helper()
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" }}
	f.Flags.Output = format
	if srv != nil {
		f.Flags.Sandbox = true
		f.NewSandbox = func() (*imednettest.Server, error) { return srv, nil }
	}
	cmd := NewCmd(f)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as the root command does
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.ExecuteContext(context.Background())
	return result{err: err, code: cmdutil.ExitCode(err), out: out.String(), errOut: errOut.String()}
}

func TestShow(t *testing.T) {
	srv := imednettest.MustNewServer(t)
	r := run(t, srv, "json", "show", "--form", "AE")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.errOut)
	}
	var rows []VariableRow
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows", len(rows))
	}
	sev := rows[3]
	want := VariableRow{Form: "AE", FormName: "Adverse Events", Variable: "AESEV", Type: "RADIO", Kind: "radio", Label: "Severity",
		FileType: "Radio", FileLabel: "Severity", Status: "active", Source: "api+files",
		Choices: []dictionary.Choice{{Value: "1", Text: "Mild", Position: 1}, {Value: "2", Text: "Moderate", Position: 2}, {Value: "3", Text: "Severe", Position: 3}}}
	if !reflect.DeepEqual(sev, want) {
		t.Errorf("AESEV\n got %+v\nwant %+v", sev, want)
	}
	if rows[0].Variable != "AETERM" || len(rows[0].Choices) != 0 {
		t.Errorf("AETERM %+v", rows[0])
	}

	// The files alone, without the API, as CSV.
	r = run(t, nil, "csv", "show", "--no-api", "--dictionary", filepath.Join(fixtures, "good"), "--form", "DM")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.errOut)
	}
	want3 := "form,formName,variable,type,kind,label,fileLabel,status,choices,source\n" +
		"DM,Demographics,BRTHDAT,Date,date,Date of birth:,Date of birth:,active,,files\n" +
		"DM,Demographics,SEX,Radio,radio,Sex:,Sex:,active,1=Male; 2=Female,files\n" +
		"DM,Demographics,RACE,Dropdown,dropdown,Race:,Race:,active,\"1=Asian; 2=Black or African American; 3=White, not Hispanic; 99=Other\",files\n"
	if r.out != want3 {
		t.Errorf("CSV\n got %q\nwant %q", r.out, want3)
	}
	if r := run(t, srv, "table", "show", "--form", "NOPE"); r.code != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), "--form NOPE: no such form (forms: REG, VS") {
		t.Errorf("unknown form: %d %v", r.code, r.err)
	}
}

// writeFiles writes the sandbox's dictionary files, edited, to a new folder.
func writeFiles(t *testing.T, srv *imednettest.Server, edit func(name string, data []byte) []byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range srv.Study("DEMO").DictionaryFiles() {
		if edit != nil {
			data = edit(name, data)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheck(t *testing.T) {
	srv := imednettest.MustNewServer(t)
	st := srv.Study("DEMO")

	// The sandbox's own files agree with its API and its records.
	r := run(t, srv, "json", "check")
	if r.err != nil || strings.TrimSpace(r.out) != "[]" {
		t.Fatalf("sandbox files: %v %q\n%s", r.err, r.out, r.errOut)
	}
	if !strings.Contains(r.errOut, "coded values checked against their choices") {
		t.Errorf("stderr %q", r.errOut)
	}

	// Two records with a code no choice has; files without AEOUT's choices and with another
	// label for AESER.
	ids := st.RecordIDs("AE")
	for _, id := range ids[:2] {
		if err := st.UpdateRecord(id, map[string]string{"AESEV": "9"}); err != nil {
			t.Fatal(err)
		}
	}
	dir := writeFiles(t, srv, func(name string, data []byte) []byte {
		switch name {
		case imednettest.ChoicesFile:
			var keep [][]byte
			for _, line := range bytes.SplitAfter(data, []byte("\r\n")) {
				if !bytes.HasPrefix(line, []byte("AE,Dropdown,AEOUT,")) {
					keep = append(keep, line)
				}
			}
			return bytes.Join(keep, nil)
		case imednettest.QuestionsFile:
			return bytes.Replace(data, []byte("AE,Checkbox,AESER,Serious"), []byte("AE,Checkbox,AESER,Serious event?"), 1)
		}
		return data
	})
	before := srv.Stats()
	r = run(t, srv, "json", "check", "--dictionary", dir)
	if r.code != cmdutil.ExitFailure {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	var got []Finding
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		{Check: "api-vs-files", Form: "AE", Variable: "AESER", Message: `variable AE.AESER: label Serious in the API, "Serious event?" in the files`},
		{Check: "no-choices", Form: "AE", Variable: "AEOUT", Message: "dropdown variable AEOUT has no choices in CHOICES.csv"},
		{Check: "unknown-code", Form: "AE", Variable: "AESEV", Value: "9", Records: 2, FirstRecord: ids[0], Message: `"9" is not a choice of AESEV (choices: 1, 2, 3)`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings\n got %+v\nwant %+v", got, want)
	}
	// Nothing but reading: no submission.
	if after := srv.Stats(); after.SubmissionsReceived != before.SubmissionsReceived {
		t.Errorf("check submitted something: %+v", after)
	}
}

func TestDiff(t *testing.T) {
	good, v2 := filepath.Join(fixtures, "good"), filepath.Join(fixtures, "v2")
	r := run(t, nil, "table", "diff", good, v2)
	if r.code != cmdutil.ExitFailure {
		t.Fatalf("exit %d: %v", r.code, r.err)
	}
	for _, want := range []string{"changed", "AE.AESEV=3", "Grade 3 (severe)", "added", "EX", "removed", "VS", "8 differences"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("table lacks %q:\n%s", want, r.out)
		}
	}
	r = run(t, nil, "json", "diff", good, v2)
	var changes []dictionary.Change
	if err := json.Unmarshal([]byte(r.out), &changes); err != nil || len(changes) != 8 {
		t.Fatalf("JSON: %v, %d changes\n%s", err, len(changes), r.out)
	}
	if changes[4] != (dictionary.Change{Op: dictionary.Added, Item: "choice", Form: "AE", Variable: "AESEV", Choice: "4", New: "Grade 4"}) {
		t.Errorf("change 4: %+v", changes[4])
	}

	// The same dictionary: exit 0.
	if r := run(t, nil, "json", "diff", good, good); r.err != nil || strings.TrimSpace(r.out) != "[]" || !strings.Contains(r.errOut, "agree") {
		t.Errorf("same: %v %q %q", r.err, r.out, r.errOut)
	}

	// A bad file: exit 2 naming file, line and column, whichever side it is on.
	bad := t.TempDir()
	for _, name := range []string{"FORMS.csv", "QUESTIONS.csv", "BUSINESS_LOGIC.csv"} {
		data, _ := os.ReadFile(filepath.Join(good, name))
		os.WriteFile(filepath.Join(bad, name), data, 0o644)
	}
	data, _ := os.ReadFile(filepath.Join(fixtures, "bad", "CHOICES-unknown-variable.csv"))
	os.WriteFile(filepath.Join(bad, "CHOICES.csv"), data, 0o644)
	r = run(t, nil, "json", "diff", good, bad)
	if r.code != cmdutil.ExitUsage || !strings.Contains(r.err.Error(), filepath.Join(bad, "CHOICES.csv")+":4:3: a choice of variable AEGRADE") {
		t.Errorf("bad file: exit %d, %v", r.code, r.err)
	}

	// The API against the sandbox's files: they agree; against the fixture they do not.
	srv := imednettest.MustNewServer(t)
	if r := run(t, srv, "json", "diff", "api:DEMO", "sandbox"); r.err != nil || strings.TrimSpace(r.out) != "[]" {
		t.Errorf("api:DEMO sandbox: %v %s", r.err, r.out)
	}
	if r := run(t, srv, "json", "diff", "api:", good); r.code != cmdutil.ExitFailure {
		t.Errorf("api: vs fixture: exit %d %v", r.code, r.err)
	}
}
