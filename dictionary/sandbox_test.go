package dictionary_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/imednettest"
)

// sandboxFiles returns the sandbox study's dictionary files as readers.
func sandboxFiles(st *imednettest.Study) dictionary.Files {
	files := st.DictionaryFiles()
	return dictionary.Files{
		Forms:         bytes.NewReader(files[imednettest.FormsFile]),
		Questions:     bytes.NewReader(files[imednettest.QuestionsFile]),
		Choices:       bytes.NewReader(files[imednettest.ChoicesFile]),
		BusinessLogic: bytes.NewReader(files[imednettest.BusinessLogicFile]),
	}
}

// The sandbox's dictionary files agree with its API on every form and variable, every radio
// and dropdown variable has choices, and every such value in its records is one of them.
func TestSandboxDictionaryRoundTrip(t *testing.T) {
	srv := imednettest.MustNewServer(t, imednettest.WithStudy(imednettest.StudyConfig{
		Key: "DEMO", Subjects: 12, RecordsPerSubject: 20, Forms: 14}))
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	api, err := dictionary.Load(t.Context(), c, "DEMO")
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Study("DEMO")
	files, err := dictionary.ParseFiles(sandboxFiles(st))
	if err != nil {
		t.Fatal(err)
	}
	merged, diffs := dictionary.Merge(api, files)
	for _, d := range diffs {
		t.Errorf("difference: %s", d.Describe("the API", "the files"))
	}
	if n := len(files.Forms()); n != 14 {
		t.Errorf("%d forms in the files", n)
	}
	coded, values := 0, 0
	for _, f := range merged.Forms() {
		if f.Sources != dictionary.SourceAPI|dictionary.SourceFiles || f.ID == 0 {
			t.Errorf("form %s: %v, id %d", f.Key, f.Sources, f.ID)
		}
		for _, v := range f.Variables {
			if v.Sources != dictionary.SourceAPI|dictionary.SourceFiles {
				t.Errorf("%s.%s: %v", f.Key, v.Name, v.Sources)
			}
			switch v.Kind {
			case dictionary.KindRadio, dictionary.KindDropdown:
				if len(v.Choices) < 2 || !v.Coded() {
					t.Errorf("%s.%s: choices %v", f.Key, v.Name, v.Choices)
				}
				coded++
			default:
				if v.Choices != nil {
					t.Errorf("%s.%s (%s) has choices", f.Key, v.Name, v.Kind)
				}
			}
		}
		for _, id := range st.RecordIDs(f.Key) {
			rec, _ := st.Record(id)
			for name, val := range rec.Data {
				v, ok := f.Variable(name)
				if !ok {
					t.Fatalf("record %d: %s.%s is not in the dictionary", id, f.Key, name)
				}
				if !v.Coded() || val == "" {
					continue
				}
				values++
				if _, ok := v.Choice(val); !ok {
					t.Errorf("record %d: %s.%s = %q is not a choice (%v)", id, f.Key, name, val, v.ChoiceValues())
				}
			}
		}
	}
	if coded < 15 || values < 100 {
		t.Errorf("%d coded variables, %d coded values checked: too few to prove anything", coded, values)
	}
	if len(files.BusinessLogic()) == 0 {
		t.Error("no business logic")
	}

	// The same seed gives the same files; a study's values are in the same choices.
	again := imednettest.MustNewServer(t, imednettest.WithStudy(imednettest.StudyConfig{
		Key: "DEMO", Subjects: 12, RecordsPerSubject: 20, Forms: 14}))
	if !reflect.DeepEqual(again.Study("DEMO").DictionaryFiles(), st.DictionaryFiles()) {
		t.Error("the files differ between two servers of the same seed")
	}
}

// The merged dictionary as the SDK's Validator: a code outside its choice list is refused
// with every other problem, and the server receives no submission.
func TestSandboxValidatorSendsNothing(t *testing.T) {
	srv := imednettest.MustNewServer(t)
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	api, err := dictionary.Load(t.Context(), c, "DEMO")
	if err != nil {
		t.Fatal(err)
	}
	files, err := dictionary.ParseFiles(sandboxFiles(srv.Study("DEMO")))
	if err != nil {
		t.Fatal(err)
	}
	dict, _ := dictionary.Merge(api, files)
	reqs := []imednet.RecordRequest{
		imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Rash", "AESEV": "4", "AEOUT": 2}),
		imednet.NewRecord("DM", "01-001", map[string]any{"RACE": 6, "ETHNIC": "1"}),
	}
	_, err = c.Records.Create(t.Context(), "DEMO", reqs, &imednet.CreateOptions{Validator: dict})
	var verr *dictionary.ValidationError
	if !errors.As(err, &verr) || !errors.Is(err, imednet.ErrValidation) || len(verr.Problems) != 2 {
		t.Fatalf("Create: %v", err)
	}
	if p := verr.Problems[1]; p.Field != "RACE" || !strings.Contains(p.Msg, "6 is not a choice of RACE (want one of: 1 = White,") {
		t.Errorf("problem %+v", p)
	}
	if st := srv.Stats(); st.SubmissionsReceived != 0 || st.Requests["POST /studies/{studyKey}/records"] != 0 {
		t.Errorf("sent: %+v", st)
	}
	// Valid codes go through.
	reqs[0].Data["AESEV"], reqs[1].Data["RACE"] = "3", 5
	if _, err := c.Records.Create(t.Context(), "DEMO", reqs, &imednet.CreateOptions{Validator: dict}); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.SubmissionsReceived != 1 {
		t.Errorf("%d submissions", st.SubmissionsReceived)
	}
}
