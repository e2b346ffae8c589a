package exporttest

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/imednettest"
)

// testDecoded: with the study's dictionary files (Options.Dictionary), the target gains the
// choices table, a decoded <VAR>_label column next to each coded column of the forms' wide
// tables, and a decoded valueLabel in the long table; a value that is no code of its
// variable (one record is given one) keeps its value with a NULL label and is counted in the
// summary; every other table is as without the files.
func testDecoded(t *testing.T, h Harness) {
	srv := newServer(t)
	st := srv.Study(Study)
	odd := 0 // an AE record, not deleted, given a code AESEV does not have
	for _, id := range st.RecordIDs("AE") {
		if rec, _ := st.Record(id); !rec.Deleted {
			odd = id
			break
		}
	}
	if odd == 0 {
		t.Fatal("the study has no AE record: the scenario checks nothing")
	}
	if err := st.UpdateRecord(odd, map[string]string{"AESEV": "7"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	files := dictionaryOf(t, st)

	opts := export.Options{Layout: export.Both, PageSize: 7, BatchSize: 10}
	plain := clean(t, h, c, opts)
	opts.Dictionary = files
	tg := target(t, "decoded", false)
	sum := mustRun(t, h, tg, c, opts)
	got := h.Dump(t, tg)

	if sum.UnknownCodes != 1 {
		t.Errorf("Summary.UnknownCodes = %d, want 1 (AESEV = 7 of record %d)", sum.UnknownCodes, odd)
	}
	// The choices table: a row per choice of the files.
	choices := 0
	for _, f := range files.Forms() {
		for _, v := range f.Variables {
			choices += len(v.Choices)
		}
	}
	if n := len(got[export.ChoicesTable]); n != choices || choices == 0 {
		t.Errorf("table %s: %d rows, want %d", export.ChoicesTable, n, choices)
	}
	// Each label appears in as many rows of the form's wide table, and of the long table, as
	// records hold its code; never without the files.
	for _, c := range []struct{ form, variable, label, code string }{
		{"AE", "AESEV", "Mild", "1"}, {"AE", "AESEV", "Moderate", "2"}, {"AE", "AESEV", "Severe", "3"},
		{"LAB", "LBCLSIG", "Abnormal, clinically significant", "3"},
		{"DM", "RACE", "Black or African American", "2"},
	} {
		want := 0
		for _, id := range st.RecordIDs(c.form) {
			if rec, _ := st.Record(id); rec.Data[c.variable] == c.code {
				want++
			}
		}
		wide := export.WideTablePrefix + c.form
		if n := countContaining(got[wide], c.label); n != want {
			t.Errorf("%s: %d rows hold %q, want %d (the records whose %s is %s)", wide, n, c.label, want, c.variable, c.code)
		}
		if n := countContaining(got[export.LongTable], c.label); n != want {
			t.Errorf("%s: %d rows hold %q, want %d", export.LongTable, n, c.label, want)
		}
		if n := countContaining(plain[wide], c.label); n != 0 {
			t.Errorf("without the files, %s: %d rows hold %q", wide, n, c.label)
		}
	}
	// The other tables are as without the files.
	decoded := map[string]bool{export.ChoicesTable: true, export.LongTable: true, export.ColumnsTable: true}
	coded := 0
	for _, f := range files.Forms() {
		for _, v := range f.Variables {
			if len(v.Choices) > 0 {
				decoded[export.WideTablePrefix+f.Key] = true
				coded++
			}
		}
	}
	// wide_columns describes each decoded column too.
	if n, m := len(got[export.ColumnsTable]), len(plain[export.ColumnsTable]); n != m+coded {
		t.Errorf("table %s: %d rows, want %d: %d, and one per coded variable (%d)", export.ColumnsTable, n, m+coded, m, coded)
	}
	if n := countContaining(got[export.ColumnsTable], "AESEV"+export.LabelSuffix); n != 1 {
		t.Errorf("table %s: %d rows name AESEV%s", export.ColumnsTable, n, export.LabelSuffix)
	}
	rest, restPlain := maps.Clone(got), maps.Clone(plain)
	for name := range decoded {
		delete(rest, name)
		delete(restPlain, name)
	}
	SameTables(t, rest, restPlain)
	for name := range decoded {
		if name != export.ChoicesTable && name != export.ColumnsTable && len(got[name]) != len(plain[name]) {
			t.Errorf("table %s: %d rows, %d without the files", name, len(got[name]), len(plain[name]))
		}
	}
}

// dictionaryOf reads the study's own dictionary files.
func dictionaryOf(t *testing.T, st *imednettest.Study) *dictionary.Dictionary {
	t.Helper()
	files := st.DictionaryFiles()
	d, err := dictionary.ParseFiles(dictionary.Files{
		Forms: bytes.NewReader(files[imednettest.FormsFile]), Questions: bytes.NewReader(files[imednettest.QuestionsFile]),
		Choices: bytes.NewReader(files[imednettest.ChoicesFile]), BusinessLogic: bytes.NewReader(files[imednettest.BusinessLogicFile]),
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func countContaining(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}
