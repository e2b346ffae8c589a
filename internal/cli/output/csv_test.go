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
