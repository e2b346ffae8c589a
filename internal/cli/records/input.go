package records

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// input is a file of record requests, read but not yet validated against the dictionary.
type input struct {
	name   string                  // the file's name, for messages
	reqs   []imednet.RecordRequest // the requests, in file order
	where  []string                // where each request is in the file: "item 3 (line 12)", "line 4"
	csv    bool                    // the file is CSV; its values are converted with the dictionary
	raw    []map[string]string     // CSV only: each row's variable cells, by variable name
	line   []int                   // the line each request starts on
	issues []issue                 // problems found reading the file
}

// issue is a problem with the input, at a line of the file.
type issue struct {
	line int
	msg  string // "where: what"
}

// identifiers are the CSV columns that are fields of a record request; every other column is
// a variable.
var identifiers = map[string]bool{
	"formKey": true, "formId": true, "siteName": true, "siteId": true,
	"subjectKey": true, "subjectId": true, "subjectOid": true,
	"intervalName": true, "intervalId": true, "recordId": true, "recordOid": true,
}

// readInput reads a file of record requests: a JSON array of objects, or CSV. The format is
// the file's extension (.json, .csv), or else what the content starts with ('[' for JSON).
//
// Reading takes time linear in the file's size, and stops with ctx's error soon after ctx is
// done.
func readInput(ctx context.Context, name string, data []byte) (*input, error) {
	in := &input{name: name}
	lower := strings.ToLower(name)
	var err error
	switch {
	case strings.HasSuffix(lower, ".json"):
		err = in.readJSON(ctx, data)
	case strings.HasSuffix(lower, ".csv"):
		err = in.readCSV(ctx, data)
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte("[")):
		err = in.readJSON(ctx, data)
	default:
		err = in.readCSV(ctx, data)
	}
	if err != nil {
		return nil, err
	}
	return in, nil
}

// checkEvery is how many items are read between two looks at the context.
const checkEvery = 256

// issue records a problem found at line, described by where ("item 3 (line 12)").
func (in *input) issue(line int, where, format string, args ...any) {
	in.issues = append(in.issues, issue{line: line, msg: where + ": " + fmt.Sprintf(format, args...)})
}

// lineAt returns the 1-based line of the byte offset off.
func lineAt(data []byte, off int64) int {
	return bytes.Count(data[:min(int(off), len(data))], []byte("\n")) + 1
}

// lineCounter returns the 1-based lines of increasing byte offsets of data, counting the
// newlines between one offset and the next only once, so that numbering every item of a
// file costs time linear in its size.
type lineCounter struct {
	data  []byte
	off   int // the offset counted up to
	lines int // the newlines before off
}

// at returns the line of the byte offset off; an offset before the last one asked for is
// counted from the start.
func (c *lineCounter) at(off int64) int {
	o := min(int(off), len(c.data))
	if o < c.off {
		return lineAt(c.data, off)
	}
	c.lines += bytes.Count(c.data[c.off:o], []byte("\n"))
	c.off = o
	return c.lines + 1
}

// readJSON reads a JSON array of record requests. Each element must be an object with the
// fields of a record request and nothing else (a misspelt "subjectkey" or a "recordData"
// is an error rather than something silently dropped).
func (in *input) readJSON(ctx context.Context, data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	lines := lineCounter{data: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		in.jsonIssue(data, err, dec.InputOffset())
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		in.issue(1, "line 1", "expected a JSON array of record requests ([{\"formKey\": ...}, ...])")
		return nil
	}
	for i := 1; dec.More(); i++ {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		// The element starts after the separator and spaces that follow the previous one.
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		line := lines.at(off)
		where := fmt.Sprintf("item %d (line %d)", i, line)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			in.jsonIssue(data, err, dec.InputOffset())
			return nil
		}
		var req imednet.RecordRequest
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			in.issue(line, where, "expected an object with formKey, data and the record's identifiers, got %s", truncate(string(t), 40))
			continue
		}
		if bad := unknownKeys(raw); bad != "" {
			in.issue(line, where, "%s", bad)
			continue
		}
		ed := json.NewDecoder(bytes.NewReader(raw))
		ed.DisallowUnknownFields()
		ed.UseNumber()
		if err := ed.Decode(&req); err != nil {
			in.issue(line, where, "%v", cleanJSONError(err))
			continue
		}
		in.reqs = append(in.reqs, req)
		in.where = append(in.where, where)
		in.line = append(in.line, line)
	}
	if _, err := dec.Token(); err != nil {
		in.jsonIssue(data, err, dec.InputOffset())
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		line := lineAt(data, dec.InputOffset())
		in.issue(line, fmt.Sprintf("line %d", line), "unexpected content after the array")
	}
	return nil
}

// unknownKeys checks the member names of a request object exactly (encoding/json would
// accept "subjectkey" for subjectKey, which the API does not) and describes the first
// unknown one, or returns "".
func unknownKeys(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "" // the typed decoding reports it
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if k == "data" || identifiers[k] {
			continue
		}
		for id := range identifiers {
			if strings.EqualFold(id, k) {
				return fmt.Sprintf("unknown field %q: did you mean %q? (names are case-sensitive)", k, id)
			}
		}
		if k == "recordData" {
			return `unknown field "recordData": the values go in "data"`
		}
		return fmt.Sprintf("unknown field %q: a record request has formKey, siteName, subjectKey, intervalName, recordId (or their id forms) and data", k)
	}
	return ""
}

// jsonIssue records malformed JSON at the line of a syntax error, else at the line the
// decoder stopped at.
func (in *input) jsonIssue(data []byte, err error, off int64) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		off = int64(len(data))
	}
	line := lineAt(data, off)
	in.issue(line, fmt.Sprintf("line %d", line), "malformed JSON: %s", cleanJSONError(err))
}

func cleanJSONError(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of file"
	}
	s := strings.TrimPrefix(err.Error(), "json: ")
	s = strings.Replace(s, "Go struct field RecordRequest.", "field ", 1)
	s = strings.Replace(s, "of type imednet.RecordRequest", "", 1)
	return s
}

// truncate folds s onto one line (an element of the array may span several) and cuts it to
// at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// readCSV reads CSV: a header of column names, then one request per row. The columns named
// as record request fields (formKey, siteName, subjectKey, intervalName, recordId, ...) are
// the identifiers; every other column is a variable of the row's form. An empty cell leaves
// the field or variable out of the request.
func (in *input) readCSV(ctx context.Context, data []byte) error {
	in.csv = true
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = 0
	header, err := r.Read()
	if err == io.EOF {
		in.issue(1, "line 1", "the file is empty: expected a header line (formKey,siteName,subjectKey,intervalName,recordId,VARIABLE...)")
		return nil
	}
	if err != nil {
		in.issue(1, "line 1", "%v", csvError(err))
		return nil
	}
	seen := map[string]int{}
	hasForm := false
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			in.issue(1, "line 1", "column %d has no name", i+1)
		case seen[h] > 0:
			in.issue(1, "line 1", "column %q appears twice (columns %d and %d)", h, seen[h], i+1)
		}
		seen[h] = i + 1
		if h == "formKey" || h == "formId" {
			hasForm = true
		}
	}
	if !hasForm {
		in.issue(1, "line 1", "no formKey column: the header must name formKey (or formId), then the identifiers and variables")
	}
	if len(in.issues) > 0 {
		return nil
	}
	for n := 1; ; n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		// FieldPos panics after an error that left the row without fields (a bare quote in
		// its first cell): the line of an error is the one the ParseError names.
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.Line
		} else if err == nil {
			line, _ = r.FieldPos(0)
		}
		where := fmt.Sprintf("line %d", line)
		if err != nil {
			in.issue(line, where, "%v", csvError(err))
			if errors.Is(err, csv.ErrFieldCount) {
				continue
			}
			return nil
		}
		req := imednet.RecordRequest{Data: map[string]any{}}
		vars := map[string]string{}
		ok := true
		for i, cell := range row {
			name := header[i]
			if !identifiers[name] {
				if cell != "" {
					vars[name] = cell
				}
				continue
			}
			cell = strings.TrimSpace(cell)
			if cell == "" {
				continue
			}
			if err := setIdentifier(&req, name, cell); err != nil {
				in.issue(line, where, "field %s: %v", name, err)
				ok = false
			}
		}
		if !ok {
			continue
		}
		in.reqs = append(in.reqs, req)
		in.where = append(in.where, where)
		in.line = append(in.line, line)
		in.raw = append(in.raw, vars)
	}
}

func csvError(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return "wrong number of cells for the header"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// setIdentifier sets the request field name from a CSV cell.
func setIdentifier(req *imednet.RecordRequest, name, cell string) error {
	str := map[string]*string{
		"formKey": &req.FormKey, "siteName": &req.SiteName, "subjectKey": &req.SubjectKey,
		"subjectOid": &req.SubjectOID, "intervalName": &req.IntervalName, "recordOid": &req.RecordOID,
	}
	if p, ok := str[name]; ok {
		*p = cell
		return nil
	}
	ints := map[string]*int{
		"formId": &req.FormID, "siteId": &req.SiteID, "subjectId": &req.SubjectID,
		"intervalId": &req.IntervalID, "recordId": &req.RecordID,
	}
	n, err := strconv.Atoi(cell)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a positive integer", cell)
	}
	*ints[name] = n
	return nil
}

// convert fills the data of the CSV requests from their cells, typed by the dictionary: a
// number variable gets a JSON number when the cell holds one, a checkbox a boolean when the
// cell says true or false; every other value stays text. A cell that does not fit stays text
// too, so that validation reports it with its row and variable.
func (in *input) convert(dict *dictionary.Dictionary) {
	if !in.csv {
		return
	}
	for i := range in.reqs {
		req := &in.reqs[i]
		var form *dictionary.Form
		if req.FormKey != "" {
			form, _ = dict.Form(req.FormKey)
		} else if req.FormID != 0 {
			form, _ = dict.FormByID(req.FormID)
		}
		for name, cell := range in.raw[i] {
			req.Data[name] = typed(form, name, cell)
		}
	}
}

func typed(form *dictionary.Form, name, cell string) any {
	if form == nil {
		return cell
	}
	v, ok := form.Variable(name)
	if !ok {
		return cell
	}
	switch v.Kind {
	case dictionary.KindNumber:
		s := strings.TrimSpace(cell)
		// A JSON number literal only: strconv also reads ".5", "1." and "01", which would make
		// the request impossible to encode.
		if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXnN+ ") && isJSONNumber(s) {
			return json.Number(s)
		}
	case dictionary.KindCheckbox:
		switch strings.ToLower(strings.TrimSpace(cell)) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return cell
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') && json.Valid([]byte(s))
}
