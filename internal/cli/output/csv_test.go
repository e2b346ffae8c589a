package output

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// encodingCSV is what encoding/csv's Writer writes for the records.
func encodingCSV(t *testing.T, records ...[]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var csvCases = [][]string{
	{"plain", "", "with,comma", `with "quotes"`, "line\nbreak", "carriage\rreturn", "crlf\r\n"},
	{" leading space", "\tleading tab", "\u00a0no-break space", "\u2028line separator", "trailing ", `\.`, `\..`, `.\`},
	{`"`, `""`, `a"`, `"a`, ",", "\n", "é,ü", "\xff\xfe invalid", "\x85next line"},
	{"=1+2", "'=1", "-3", "@x"},
	{},
	{""},
}

func TestAppendCSVRecordIsEncodingCSV(t *testing.T) {
	for _, rec := range csvCases {
		want := encodingCSV(t, rec)
		if got := string(appendCSVRecord(nil, rec)); got != want {
			t.Errorf("%q:\n got %q\nwant %q", rec, got, want)
		}
	}
}

// FuzzAppendCSVRecord checks appendCSVRecord against encoding/csv, byte for byte, on records of
// one to three fields.
func FuzzAppendCSVRecord(f *testing.F) {
	for _, rec := range csvCases {
		for len(rec) < 3 {
			rec = append(rec, "")
		}
		f.Add(rec[0], rec[1], rec[2], byte(3))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, n byte) {
		rec := []string{a, b, c}[:1+int(n)%3]
		if got, want := string(appendCSVRecord([]byte("prefix"), rec)), "prefix"+encodingCSV(t, rec); got != want {
			t.Fatalf("%q:\n got %q\nwant %q", rec, got, want)
		}
	})
}

// appendCSVCellCases adds cells that EscapeCSV guards (or leaves, as numbers) to csvCases.
var appendCSVCellCases = []string{"=a,b", `="x"`, "+1.5", "-", "- 1", "-1e3", "\tx", "\rx", "@", "= space", "+\u00a0"}

// TestAppendCSVCell: a cell appended as the CSV list writes it is EscapeCSV's text written by
// appendCSVRecord, from a string and from bytes alike.
func TestAppendCSVCell(t *testing.T) {
	cells := appendCSVCellCases
	for _, rec := range csvCases {
		cells = append(cells, rec...)
	}
	for _, v := range cells {
		checkCSVCell(t, v)
	}
}

func checkCSVCell(t *testing.T, v string) {
	t.Helper()
	want := string(appendCSVRecord([]byte("x,"), []string{EscapeCSV(v)}))
	want = want[:len(want)-1] // the record's newline
	if got := string(appendCSVCell([]byte("x,"), v)); got != want {
		t.Errorf("string %q: got %q, want %q", v, got, want)
	}
	if got := string(appendCSVCell([]byte("x,"), []byte(v))); got != want {
		t.Errorf("bytes %q: got %q, want %q", v, got, want)
	}
}

// FuzzAppendCSVCell checks appendCSVCell against EscapeCSV and appendCSVRecord.
func FuzzAppendCSVCell(f *testing.F) {
	for _, v := range appendCSVCellCases {
		f.Add(v)
	}
	for _, rec := range csvCases {
		for _, v := range rec {
			f.Add(v)
		}
	}
	f.Fuzz(checkCSVCell)
}
