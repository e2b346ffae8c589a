package dictionary

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const goodDir = "testdata/files/good"

func TestLoadFilesGood(t *testing.T) {
	d, err := LoadFiles(goodDir)
	if err != nil {
		t.Fatal(err)
	}
	checkGood(t, d)
}

// checkGood checks the dictionary of testdata/files/good.
func checkGood(t *testing.T, d *Dictionary) {
	t.Helper()
	if d.Sources() != SourceFiles || d.Study() != "" {
		t.Errorf("Sources %v, Study %q", d.Sources(), d.Study())
	}
	var keys []string
	for _, f := range d.Forms() {
		keys = append(keys, f.Key)
	}
	if !reflect.DeepEqual(keys, []string{"DM", "AE", "VS"}) {
		t.Fatalf("forms %v", keys)
	}
	// The BOM is not part of the first header; the extra Revision column is ignored; a
	// quoted field keeps its comma.
	vs, _ := d.Form("VS")
	if vs.ID != 10203 || vs.Name != "Vital Signs, screening" || vs.Type != "Patient" || vs.FileName != vs.Name || vs.Sources != SourceFiles {
		t.Errorf("VS %+v", vs)
	}
	if f, ok := d.FormByID(10202); !ok || f.Key != "AE" {
		t.Errorf("FormByID(10202) = %+v", f)
	}
	ae, _ := d.Form("AE")
	var names []string
	for _, v := range ae.Variables {
		names = append(names, v.Name)
	}
	if want := []string{"AENUM", "AETERM", "AESEV", "AESER", "AEACN", "AECOMM"}; !reflect.DeepEqual(names, want) {
		t.Errorf("AE variables %v, want %v", names, want)
	}
	sev, ok := d.Variable("AE", "AESEV")
	if !ok {
		t.Fatal("no AE.AESEV")
	}
	want := &Variable{Name: "AESEV", Label: `Severity ("CTCAE"):`, Type: "Radio", Kind: KindRadio, Sequence: 3, FormKey: "AE",
		FileType: "Radio", FileLabel: `Severity ("CTCAE"):`, Sources: SourceFiles,
		// listed 3, 1, 2: ordered by Position
		Choices: []Choice{{"1", "Grade 1", 1}, {"2", "Grade 2", 2}, {"3", "Grade 3", 3}}}
	if !reflect.DeepEqual(sev, want) {
		t.Errorf("AESEV\n got %+v\nwant %+v", sev, want)
	}
	if c, ok := sev.Choice("2"); !ok || c.Text != "Grade 2" {
		t.Errorf("Choice(2) = %+v, %v", c, ok)
	}
	if _, ok := sev.Choice("4"); ok {
		t.Error("Choice(4) found")
	}
	if !sev.Coded() {
		t.Error("AESEV not coded")
	}
	if v, _ := d.Variable("AE", "AECOMM"); v.Label != "Comments\n(free text)" || v.Kind != KindTextArea || v.Coded() {
		t.Errorf("AECOMM %+v", v)
	}
	if v, _ := d.Variable("VS", "VSDAT"); v.Kind != KindDate || v.Type != "Date/Time Precision" {
		t.Errorf("VSDAT %+v", v)
	}
	if v, _ := d.Variable("DM", "RACE"); v.Kind != KindDropdown || len(v.Choices) != 4 || v.Choices[2].Text != "White, not Hispanic" || v.Choices[3].Value != "99" {
		t.Errorf("RACE %+v", v)
	}
	if v, _ := d.Variable("AE", "AEACN"); v.Kind != KindCheckbox || !reflect.DeepEqual(v.ChoiceValues(), []string{"1", "2", "3"}) {
		t.Errorf("AEACN %+v", v)
	}
	logic := d.BusinessLogic()
	if len(logic) != 3 || logic[0] != (Rule{"Form", "Auto-Sequence AENUM", "Active", "101712", "AE"}) || logic[2].Status != "Inactive" {
		t.Errorf("logic %+v", logic)
	}
}

// goodFiles returns the good set's files as readers, with name replaced by content.
func goodFiles(t *testing.T, replace map[string][]byte) Files {
	t.Helper()
	var fs Files
	for _, name := range fileNames {
		data, ok := replace[name]
		if !ok {
			var err error
			if data, err = os.ReadFile(filepath.Join(goodDir, name)); err != nil {
				t.Fatal(err)
			}
		}
		if data != nil {
			*fs.slot(name) = bytes.NewReader(data)
		}
	}
	return fs
}

func badFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/files/bad", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseFilesBad(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replace map[string][]byte
		want    []string // each error's text, in order
	}{
		{"missing file", map[string][]byte{ChoicesFile: nil},
			[]string{"CHOICES.csv: the file is missing: the dictionary needs FORMS.csv, QUESTIONS.csv, CHOICES.csv (and may have BUSINESS_LOGIC.csv)"}},
		{"missing column", map[string][]byte{FormsFile: badFile(t, "FORMS-missing-column.csv")},
			[]string{`FORMS.csv:1: the header row has no column "Form Type" (it has "Form ID", "Form Key", "Form Name")`}},
		{"empty file", map[string][]byte{FormsFile: badFile(t, "FORMS-empty.csv")},
			[]string{"FORMS.csv:1: the file is empty: want a header row naming the columns Form ID, Form Key, Form Type, Form Name"}},
		{"wrong column count", map[string][]byte{QuestionsFile: badFile(t, "QUESTIONS-wrong-count.csv")},
			[]string{"QUESTIONS.csv:3:4: the line has 3 columns, the header 4"}},
		{"duplicated variable", map[string][]byte{QuestionsFile: badFile(t, "QUESTIONS-duplicate.csv"), ChoicesFile: []byte("Form,Variable Name,Choice Text,Choice Value,Position\n")},
			[]string{"QUESTIONS.csv:5:3: variable AESEV of form AE is listed twice (lines 3 and 5)"}},
		{"unknown form", map[string][]byte{QuestionsFile: badFile(t, "QUESTIONS-unknown-form.csv"), ChoicesFile: []byte("Form,Variable Name,Choice Text,Choice Value,Position\n")},
			[]string{`QUESTIONS.csv:3:1: form "ae" is not in FORMS.csv (form keys are case-sensitive: did you mean "AE"?)`}},
		{"choice of an unknown variable", map[string][]byte{ChoicesFile: badFile(t, "CHOICES-unknown-variable.csv")},
			[]string{"CHOICES.csv:4:3: a choice of variable AEGRADE of form AE, which is not in QUESTIONS.csv"}},
		{"not UTF-8", map[string][]byte{ChoicesFile: badFile(t, "CHOICES-latin1.csv")},
			[]string{"CHOICES.csv:3:20: the file is not UTF-8 text (character 20 of the line): save it as UTF-8 CSV"}},
		{"malformed CSV", map[string][]byte{ChoicesFile: badFile(t, "CHOICES-bad-quote.csv")},
			[]string{`CHOICES.csv:3:17: malformed CSV: extraneous or missing " in quoted-field`}},
		{"duplicated choice and bad position", map[string][]byte{ChoicesFile: badFile(t, "CHOICES-duplicate-value.csv")},
			[]string{`CHOICES.csv:3:5: choice value "1" of DM.SEX is listed twice (lines 2 and 3)`,
				`CHOICES.csv:4:6: Position "x" is not a whole number`}},
		{"several files", map[string][]byte{FormsFile: badFile(t, "FORMS-missing-column.csv"), QuestionsFile: badFile(t, "QUESTIONS-wrong-count.csv")},
			[]string{`FORMS.csv:1: the header row has no column "Form Type" (it has "Form ID", "Form Key", "Form Name")`,
				"QUESTIONS.csv:3:4: the line has 3 columns, the header 4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseFiles(goodFiles(t, tc.replace))
			if err == nil {
				t.Fatalf("no error; dictionary %+v", d)
			}
			if d != nil {
				t.Error("a dictionary as well as an error")
			}
			var got []string
			for _, e := range flatten(err) {
				var fe *FileError
				if !errors.As(e, &fe) {
					t.Errorf("%T %v is not a *FileError", e, e)
				}
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// flatten returns the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestParseFilesTolerates(t *testing.T) {
	// No BUSINESS_LOGIC.csv, headers in another case with spaces, trailing empty columns, a
	// blank line, a variable without choices.
	d, err := ParseFiles(Files{
		Forms:     strings.NewReader("form key , FORM ID,Form Type,Form Name\r\nAE,,Patient,Adverse Event,,\r\n\r\n"),
		Questions: strings.NewReader("Form,Variable Type,Variable Name,Label\nAE,Radio,AESEV,Severity\nAE,Text,AETERM,Term\n"),
		Choices:   strings.NewReader("Form,Variable Name,Choice Text,Choice Value,Position\nAE,AESEV,Mild,1,\nAE,AESEV,Severe,3,\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sev, _ := d.Variable("AE", "AESEV")
	if sev == nil || !reflect.DeepEqual(sev.Choices, []Choice{{"1", "Mild", 0}, {"3", "Severe", 0}}) {
		t.Errorf("AESEV %+v", sev)
	}
	if f, _ := d.Form("AE"); f.ID != 0 {
		t.Errorf("AE id %d", f.ID)
	}
	if d.BusinessLogic() != nil {
		t.Error("business logic without the file")
	}
}

func TestLoadFilesZipAndFolder(t *testing.T) {
	// A ZIP of a folder, names in lower case.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range fileNames {
		data, err := os.ReadFile(filepath.Join(goodDir, name))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create("study-export/" + strings.ToLower(name))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	w, _ := zw.Create("__MACOSX/study-export/._FORMS.csv")
	w.Write([]byte("\x00\x05\x16\x07 not a CSV"))
	zw.Close()
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "dict.zip")
	if err := os.WriteFile(zipPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := LoadFiles(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	checkGood(t, d)

	// A bad file in a ZIP is named with the ZIP.
	buf.Reset()
	zw = zip.NewWriter(&buf)
	for _, name := range fileNames {
		data, _ := os.ReadFile(filepath.Join(goodDir, name))
		if name == ChoicesFile {
			data = badFile(t, "CHOICES-unknown-variable.csv")
		}
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	os.WriteFile(zipPath, buf.Bytes(), 0o644)
	_, err = LoadFiles(zipPath)
	if want := zipPath + string(os.PathSeparator) + "CHOICES.csv:4:3: a choice of variable AEGRADE"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %s...", err, want)
	}

	// A folder missing a file, and a path that is neither.
	only := t.TempDir()
	for _, name := range []string{FormsFile, QuestionsFile} {
		data, _ := os.ReadFile(filepath.Join(goodDir, name))
		os.WriteFile(filepath.Join(only, name), data, 0o644)
	}
	_, err = LoadFiles(only)
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != filepath.Join(only, ChoicesFile) || !strings.Contains(fe.Msg, "missing") {
		t.Errorf("missing CHOICES.csv: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	if _, err := LoadFiles(filepath.Join(dir, "notes.txt")); !errors.As(err, &fe) || !strings.Contains(err.Error(), "not a folder or a ZIP") {
		t.Errorf("a text file: %v", err)
	}
	if _, err := LoadFiles(filepath.Join(dir, "nothing")); !errors.As(err, &fe) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("no file: %v", err)
	}
}

func TestLoadFilesTooLarge(t *testing.T) {
	// A 200 MB file (sparse: nothing is written) is refused before it is read.
	dir := t.TempDir()
	for _, name := range fileNames {
		data, _ := os.ReadFile(filepath.Join(goodDir, name))
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	if err := os.Truncate(filepath.Join(dir, ChoicesFile), 200<<20); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFiles(dir)
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != filepath.Join(dir, ChoicesFile) || !strings.Contains(fe.Msg, "209715200 bytes: larger than 64 MiB") {
		t.Errorf("200 MB file: %v", err)
	}

	// A reader longer than the cap (lowered here) is cut off and refused.
	defer func(n int64) { maxFileSize = n }(maxFileSize)
	maxFileSize = 1000
	fs := goodFiles(t, nil)
	fs.Choices = io.MultiReader(strings.NewReader("Form,Variable Name,Choice Text,Choice Value,Position\n"), endless{})
	_, err = ParseFiles(fs)
	if !errors.As(err, &fe) || err.Error() != "CHOICES.csv: the file is larger than 1000 bytes, the most a dictionary file may be" {
		t.Errorf("endless reader: %v", err)
	}
}

// endless is a reader of endless CSV lines.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	line := "AE,AESEV,Grade,1,1\n"
	n := 0
	for n < len(p) {
		n += copy(p[n:], line)
	}
	return n, nil
}

func TestVendorKind(t *testing.T) {
	for in, want := range map[string]Kind{
		"Radio": KindRadio, "Number": KindNumber, "Date/Time Precision": KindDate, "Date": KindDate, "Date/Time": KindDate,
		"Text": KindText, "Memo": KindTextArea, "Text Area": KindTextArea, "Drop Down": KindDropdown, "Pulldown": KindDropdown,
		"Check Box": KindCheckbox, "Checkbox": KindCheckbox, "Signature": KindUnknown, "": KindUnknown,
	} {
		if got := vendorKind(in); got != want {
			t.Errorf("vendorKind(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParseFiles feeds arbitrary bytes as each file: the loader returns either a dictionary
// whose every choice belongs to a listed variable of a listed form, or *FileError values,
// and never panics.
func FuzzParseFiles(f *testing.F) {
	read := func(dir, name string) []byte {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		return data
	}
	f.Add(read(goodDir, FormsFile), read(goodDir, QuestionsFile), read(goodDir, ChoicesFile), read(goodDir, BusinessLogicFile))
	bad, _ := filepath.Glob("testdata/files/bad/*.csv")
	for _, b := range bad {
		data := read("", b)
		switch {
		case strings.Contains(b, "FORMS"):
			f.Add(data, read(goodDir, QuestionsFile), read(goodDir, ChoicesFile), []byte{})
		case strings.Contains(b, "QUESTIONS"):
			f.Add(read(goodDir, FormsFile), data, read(goodDir, ChoicesFile), []byte{})
		default:
			f.Add(read(goodDir, FormsFile), read(goodDir, QuestionsFile), data, []byte{})
		}
	}
	f.Fuzz(func(t *testing.T, forms, questions, choices, logic []byte) {
		d, err := ParseFiles(Files{Forms: bytes.NewReader(forms), Questions: bytes.NewReader(questions),
			Choices: bytes.NewReader(choices), BusinessLogic: bytes.NewReader(logic)})
		if err != nil {
			if d != nil {
				t.Fatal("a dictionary and an error")
			}
			for _, e := range flatten(err) {
				var fe *FileError
				if !errors.As(e, &fe) && !strings.HasPrefix(e.Error(), "... and ") {
					t.Fatalf("%T %v", e, e)
				}
			}
			return
		}
		checkInvariants(t, d)
	})
}

// FuzzLoadFiles feeds arbitrary bytes as a ZIP file: LoadFiles returns a dictionary or
// *FileError values, and never panics.
func FuzzLoadFiles(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range fileNames {
		data, _ := os.ReadFile(filepath.Join(goodDir, name))
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	dir := f.TempDir()
	// A small cap, so that a ZIP bomb costs little to read.
	defer func(n int64) { maxFileSize = n }(maxFileSize)
	maxFileSize = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.zip")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := LoadFiles(p)
		if err == nil {
			checkInvariants(t, d)
			return
		}
		if d != nil {
			t.Fatal("a dictionary and an error")
		}
		for _, e := range flatten(err) {
			var fe *FileError
			if !errors.As(e, &fe) && !strings.HasPrefix(e.Error(), "... and ") {
				t.Fatalf("%T %v", e, e)
			}
		}
	})
}

// checkInvariants checks that every form and variable of d is found by its key and name,
// and that a variable's choice values are unique and not blank.
func checkInvariants(t *testing.T, d *Dictionary) {
	t.Helper()
	for _, fm := range d.Forms() {
		if got, ok := d.Form(fm.Key); !ok || got != fm {
			t.Fatalf("form %q not found by key", fm.Key)
		}
		for _, v := range fm.Variables {
			if got, ok := d.Variable(fm.Key, v.Name); !ok || got != v {
				t.Fatalf("variable %s.%s not found", fm.Key, v.Name)
			}
			seen := map[string]bool{}
			for _, c := range v.Choices {
				if c.Value == "" || seen[c.Value] {
					t.Fatalf("choice %+v of %s.%s", c, fm.Key, v.Name)
				}
				seen[c.Value] = true
			}
		}
	}
}
