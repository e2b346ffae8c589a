package records

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// The seed corpora are committed under testdata/fuzz/<FuzzName>/: valid files for each kind of
// request, and malformed ones (syntax errors, wrong types, unknown and misspelt fields, bare
// quotes, ragged rows, byte order marks, ...).

// fuzzDictionary is a small study: form AE (by id 1) with a variable of each kind that the
// CSV conversion types, and form DM (id 2).
func fuzzDictionary(t testing.TB) *dictionary.Dictionary {
	t.Helper()
	forms := []imednet.Form{
		{StudyKey: "S", FormID: 1, FormKey: "AE", FormName: "Adverse events", FormType: "Subject"},
		{StudyKey: "S", FormID: 2, FormKey: "DM", FormName: "Demographics", FormType: "Subject"},
	}
	v := func(id int, name, typ string, formID int, formKey string) imednet.Variable {
		return imednet.Variable{StudyKey: "S", VariableID: id, VariableName: name, VariableType: typ,
			Sequence: id, FormID: formID, FormKey: formKey}
	}
	vars := []imednet.Variable{
		v(1, "AETERM", "TEXT", 1, "AE"),
		v(2, "AESEV", "NUMBER", 1, "AE"),
		v(3, "AESER", "CHECKBOX", 1, "AE"),
		v(4, "AESTDAT", "DATE", 1, "AE"),
		v(5, "AEOUT", "RADIO", 1, "AE"),
		v(6, "BRTHDAT", "DATE", 2, "DM"),
		v(7, "WEIGHT", "NUMBER", 2, "DM"),
	}
	d, err := dictionary.New("S", forms, vars)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	// An issue names where it is: a line, or an item of a JSON array and its line.
	issueJSON = regexp.MustCompile(`^(?:line (\d+)|item [1-9]\d* \(line (\d+)\)): \S`)
	issueCSV  = regexp.MustCompile(`^line (\d+): \S`)
	whereJSON = regexp.MustCompile(`^item ([1-9]\d*) \(line (\d+)\)$`)
)

// checkIssues checks that every issue is one line and names a line of the file, in its text
// and in its line number.
func checkIssues(t *testing.T, in *input, data []byte, re *regexp.Regexp) {
	t.Helper()
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, is := range in.issues {
		m := re.FindStringSubmatch(is.msg)
		if m == nil {
			t.Fatalf("issue %q does not say where it is", is.msg)
		}
		num := m[1]
		if num == "" && len(m) > 2 {
			num = m[2] // item N (line L)
		}
		n, _ := strconv.Atoi(num)
		if n != is.line || is.line < 1 || is.line > lines {
			t.Fatalf("issue %q is at line %d of a file of %d lines", is.msg, is.line, lines)
		}
		if strings.ContainsAny(is.msg, "\n\r") {
			t.Fatalf("issue %q is not one line", is.msg)
		}
	}
}

// checkPipeline runs what `records create` does with the requests read (convert, validate)
// and checks that every request encodes, and that every problem points at a request, and
// that a request with no form is always a problem.
func checkPipeline(t *testing.T, in *input, dict *dictionary.Dictionary) {
	t.Helper()
	if len(in.reqs) == 0 {
		return
	}
	in.convert(dict)
	for i, req := range in.reqs {
		if _, err := json.Marshal(req); err != nil {
			t.Fatalf("request %d (%s) does not encode: %v\n%#v", i, in.where[i], err, req)
		}
	}
	err := dict.Validate(in.reqs)
	flagged := map[int]bool{}
	if err != nil {
		var verr *dictionary.ValidationError
		if !errors.As(err, &verr) {
			t.Fatalf("Validate: %T %v", err, err)
		}
		for _, p := range verr.Problems {
			if p.Index < 0 || p.Index >= len(in.reqs) {
				t.Fatalf("problem %v is about request %d of %d", p, p.Index, len(in.reqs))
			}
			flagged[p.Index] = true
		}
	}
	for i, req := range in.reqs {
		if req.FormKey == "" && req.FormID == 0 && !flagged[i] {
			t.Fatalf("%s names no form and was not reported", in.where[i])
		}
	}
}

// FuzzReadJSON reads a JSON file of record requests and checks: no panic; every issue names
// a line (and the array item); requests, their places and lines stay aligned, in file order;
// a file without issues is a JSON array with one request per element, each an object of known
// fields only; the requests then convert, encode and validate without a problem pointing
// nowhere.
func FuzzReadJSON(f *testing.F) {
	dict := fuzzDictionary(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := mustRead(t, "in.json", data)
		if in.csv || in.raw != nil {
			t.Fatal("a .json file was read as CSV")
		}
		checkIssues(t, in, data, issueJSON)
		if len(in.where) != len(in.reqs) || len(in.line) != len(in.reqs) {
			t.Fatalf("%d requests, %d places, %d lines", len(in.reqs), len(in.where), len(in.line))
		}
		prev := 0
		for i, w := range in.where {
			m := whereJSON.FindStringSubmatch(w)
			if m == nil {
				t.Fatalf("request %d is at %q", i, w)
			}
			item, _ := strconv.Atoi(m[1])
			line, _ := strconv.Atoi(m[2])
			if item <= prev || line != in.line[i] {
				t.Fatalf("request %d is at %q (line %d) after item %d", i, w, in.line[i], prev)
			}
			prev = item
		}
		if len(in.issues) == 0 {
			var items []map[string]json.RawMessage
			if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\ufeff")), &items); err != nil {
				t.Fatalf("accepted without issue, but not an array of objects: %v", err)
			}
			if len(items) != len(in.reqs) {
				t.Fatalf("%d requests from an array of %d", len(in.reqs), len(items))
			}
			for i, item := range items {
				if item == nil {
					t.Fatalf("item %d is null but was accepted", i+1)
				}
				for k := range item {
					if k != "data" && !identifiers[k] {
						t.Fatalf("item %d: unknown field %q accepted", i+1, k)
					}
				}
			}
		}
		checkPipeline(t, in, dict)
	})
}

// FuzzReadCSV reads a CSV file of record requests and checks: no panic; every issue names a
// line; requests, their places, lines and cells stay aligned; a file without issues has a
// formKey or formId column and gives one request per row, whose identifiers are the row's
// trimmed cells and whose variables are its non-empty cells; after conversion with the
// dictionary, numbers are valid JSON numbers and checkboxes booleans, everything encodes, and
// validation points only at requests that exist.
func FuzzReadCSV(f *testing.F) {
	dict := fuzzDictionary(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := mustRead(t, "in.csv", data)
		if !in.csv {
			t.Fatal("a .csv file was not read as CSV")
		}
		checkIssues(t, in, data, issueCSV)
		n := len(in.reqs)
		if len(in.where) != n || len(in.line) != n || len(in.raw) != n {
			t.Fatalf("%d requests, %d places, %d lines, %d rows of cells", n, len(in.where), len(in.line), len(in.raw))
		}
		for i, w := range in.where {
			if w != "line "+strconv.Itoa(in.line[i]) || (i > 0 && in.line[i] <= in.line[i-1]) {
				t.Fatalf("request %d is at %q, line %d", i, w, in.line[i])
			}
		}
		if len(in.issues) == 0 {
			header, rows, lines := readCSVRows(t, data)
			if !containsAny(header, "formKey", "formId") {
				t.Fatalf("header %q has no form column but was accepted", header)
			}
			if len(rows) != n {
				t.Fatalf("%d requests from %d rows", n, len(rows))
			}
			for i, row := range rows {
				if lines[i] != in.line[i] {
					t.Fatalf("row %d is at line %d, request at line %d", i, lines[i], in.line[i])
				}
				checkRow(t, header, row, in.reqs[i], in.raw[i])
			}
		}
		checkPipeline(t, in, dict)
		for i, req := range in.reqs {
			for name, v := range req.Data {
				cell := in.raw[i][name]
				switch v := v.(type) {
				case string:
					if v != cell {
						t.Fatalf("%s: %s is %q, the cell %q", in.where[i], name, v, cell)
					}
				case json.Number:
					if !json.Valid([]byte(v)) || strings.TrimSpace(cell) != string(v) {
						t.Fatalf("%s: %s is the number %q from the cell %q", in.where[i], name, v, cell)
					}
				case bool:
					if !strings.EqualFold(strings.TrimSpace(cell), strconv.FormatBool(v)) {
						t.Fatalf("%s: %s is %v from the cell %q", in.where[i], name, v, cell)
					}
				default:
					t.Fatalf("%s: %s is a %T", in.where[i], name, v)
				}
			}
		}
	})
}

// readCSVRows reads data as CSV independently of readInput: the header, the rows and the
// line each row starts on.
func readCSVRows(t *testing.T, data []byte) (header []string, rows [][]string, lines []int) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	header, err := r.Read()
	if err != nil {
		t.Fatalf("accepted without issue, but the header does not read: %v", err)
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return header, rows, lines
		}
		if err != nil {
			t.Fatalf("accepted without issue, but a row does not read: %v", err)
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, row)
		lines = append(lines, line)
	}
}

// checkRow checks one request read from a row against the row's cells.
func checkRow(t *testing.T, header, row []string, req imednet.RecordRequest, raw map[string]string) {
	t.Helper()
	want := map[string]string{}
	vars := 0
	for i, cell := range row {
		name := strings.TrimSpace(header[i])
		if !identifiers[name] {
			if cell != "" {
				vars++
				if raw[name] != cell {
					t.Fatalf("variable %s is %q, the cell %q", name, raw[name], cell)
				}
			}
			continue
		}
		want[name] = strings.TrimSpace(cell)
	}
	if len(raw) != vars {
		t.Fatalf("%d variables from %d non-empty cells", len(raw), vars)
	}
	got := map[string]string{
		"formKey": req.FormKey, "siteName": req.SiteName, "subjectKey": req.SubjectKey,
		"subjectOid": req.SubjectOID, "intervalName": req.IntervalName, "recordOid": req.RecordOID,
		"formId": itoa(req.FormID), "siteId": itoa(req.SiteID), "subjectId": itoa(req.SubjectID),
		"intervalId": itoa(req.IntervalID), "recordId": itoa(req.RecordID),
	}
	for name, g := range got {
		w := want[name]
		if n, err := strconv.Atoi(w); err == nil && strings.HasSuffix(name, "Id") {
			w = itoa(n) // "007" is 7
		}
		if g != w {
			t.Fatalf("%s is %q, the cell %q", name, g, want[name])
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func containsAny(list []string, names ...string) bool {
	for _, s := range list {
		for _, n := range names {
			if strings.TrimSpace(s) == n {
				return true
			}
		}
	}
	return false
}
