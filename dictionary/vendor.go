package dictionary

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The vendor's dictionary files. iMednet exports a study's data dictionary as four CSV files
// with header rows; [LoadFiles] reads them from a folder or a ZIP, [ParseFiles] from readers.
const (
	FormsFile         = "FORMS.csv"          // Form ID, Form Key, Form Type, Form Name
	QuestionsFile     = "QUESTIONS.csv"      // Form, Variable Type, Variable Name, Label
	ChoicesFile       = "CHOICES.csv"        // Form, Variable Type, Variable Name, Choice Text, Choice Value, Position
	BusinessLogicFile = "BUSINESS_LOGIC.csv" // Type, Name, Status, ID, Form
)

// MaxFileSize is the largest dictionary file [LoadFiles] and [ParseFiles] read: 64 MiB, far
// above any real study's dictionary. A larger file is refused before it is read whole.
const MaxFileSize = 64 << 20

// maxFileSize is MaxFileSize, lowered by tests.
var maxFileSize int64 = MaxFileSize

// maxFileErrors bounds how many problems one load reports.
const maxFileErrors = 20

// Choice is one option of a radio, dropdown or checkbox variable, from CHOICES.csv.
type Choice struct {
	Value    string `json:"value"`    // the code stored in record data, e.g. "1"
	Text     string `json:"text"`     // the label shown on the form, e.g. "Grade 1"
	Position int    `json:"position"` // the order on the form (1, 2, ...); 0 when the file gives none
}

// Rule is a business-logic rule of a form (an edit check, an auto-sequence, a derivation),
// as BUSINESS_LOGIC.csv lists it.
type Rule struct {
	Type   string `json:"type"`   // e.g. "Form"
	Name   string `json:"name"`   // e.g. "Auto-Sequence AENUM"
	Status string `json:"status"` // e.g. "Active"
	ID     string `json:"id"`     // the vendor's id of the rule
	Form   string `json:"form"`   // the form key it belongs to
}

// FileError is a problem with a dictionary file: which file, where in it, and what is
// wrong. Line and Column are 1-based; Line is 0 for a problem with the whole file (it is
// missing, too large) and Column 0 for a problem with a whole line. Column counts the table's
// columns (fields), except in a CSV syntax error or a byte that is not UTF-8, where it is
// the character in the line.
type FileError struct {
	File   string // the file's name, such as "CHOICES.csv" (with its folder or ZIP when loaded from one)
	Line   int
	Column int
	Msg    string
	Err    error // the underlying error, if any
}

// Error returns "FILE:LINE:COLUMN: message", leaving out the parts that are 0.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// Files are the four vendor files as readers, for [ParseFiles]. Forms, Questions and Choices
// are required; BusinessLogic may be nil.
type Files struct {
	Forms, Questions, Choices, BusinessLogic io.Reader
	// Dir, when set, is prefixed to the file names in errors, such as "export.zip".
	Dir string
}

// LoadFiles reads the vendor's dictionary files from path, a folder or a ZIP file holding
// FORMS.csv, QUESTIONS.csv, CHOICES.csv and (optionally) BUSINESS_LOGIC.csv. Names match
// whatever their case; in a ZIP the files may be in a folder. See [ParseFiles] for what is
// read and what is refused. Errors about the files are [*FileError] values (several joined
// with [errors.Join] when there are several); nothing is returned but the error then.
func LoadFiles(p string) (*Dictionary, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, &FileError{File: p, Msg: "cannot read the dictionary: " + pathErr(err), Err: err}
	}
	if st.IsDir() {
		return loadDir(p)
	}
	return loadZip(p, st.Size())
}

// pathErr is an os error's reason without the path, which the caller names.
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var fileNames = []string{FormsFile, QuestionsFile, ChoicesFile, BusinessLogicFile}

// loadDir reads the files of a folder.
func loadDir(dir string) (*Dictionary, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &FileError{File: dir, Msg: "cannot list the folder: " + pathErr(err), Err: err}
	}
	found := map[string]string{} // canonical name -> entry name
	for _, e := range entries {
		if c, ok := canonical(e.Name()); ok && !e.IsDir() {
			if prev, dup := found[c]; dup {
				return nil, &FileError{File: path.Join(dir, e.Name()), Msg: fmt.Sprintf("two files are named %s (%s and %s): keep one", c, prev, e.Name())}
			}
			found[c] = e.Name()
		}
	}
	var fs Files
	fs.Dir = dir
	for _, name := range fileNames {
		entry, ok := found[name]
		if !ok {
			continue
		}
		full := dir + string(os.PathSeparator) + entry
		data, err := readCapped(full)
		if err != nil {
			return nil, err
		}
		*fs.slot(name) = bytes.NewReader(data)
	}
	return ParseFiles(fs)
}

// readCapped reads a file of at most maxFileSize bytes.
func readCapped(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &FileError{File: name, Msg: "cannot read: " + pathErr(err), Err: err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxFileSize {
		return nil, tooLarge(name, st.Size())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, &FileError{File: name, Msg: "cannot read: " + pathErr(err), Err: err}
	}
	if int64(len(data)) > maxFileSize {
		return nil, tooLarge(name, -1)
	}
	return data, nil
}

func tooLarge(name string, size int64) *FileError {
	msg := fmt.Sprintf("the file is larger than %d MiB, the most a dictionary file may be", maxFileSize>>20)
	if maxFileSize < 1<<20 {
		msg = fmt.Sprintf("the file is larger than %d bytes, the most a dictionary file may be", maxFileSize)
	}
	if size >= 0 {
		msg = fmt.Sprintf("the file has %d bytes: %s", size, strings.TrimPrefix(msg, "the file is "))
	}
	return &FileError{File: name, Msg: msg}
}

// loadZip reads the files of a ZIP.
func loadZip(name string, size int64) (*Dictionary, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return nil, &FileError{File: name, Msg: "not a folder or a ZIP file of the dictionary: " + pathErr(err), Err: err}
	}
	defer zr.Close()
	found := map[string]*zip.File{}
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || strings.HasPrefix(path.Base(zf.Name), "._") { // macOS resource forks
			continue
		}
		c, ok := canonical(path.Base(zf.Name))
		if !ok {
			continue
		}
		if prev, dup := found[c]; dup {
			return nil, &FileError{File: name, Msg: fmt.Sprintf("two files are named %s (%s and %s): keep one", c, prev.Name, zf.Name)}
		}
		found[c] = zf
	}
	fs := Files{Dir: name}
	for _, fn := range fileNames {
		zf, ok := found[fn]
		if !ok {
			continue
		}
		where := name + "!" + zf.Name
		if zf.UncompressedSize64 > uint64(maxFileSize) {
			return nil, tooLarge(where, int64(min(zf.UncompressedSize64, 1<<62)))
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, &FileError{File: where, Msg: "cannot read: " + err.Error(), Err: err}
		}
		// The sizes in a ZIP's directory can lie: read no more than the cap regardless.
		data, err := io.ReadAll(io.LimitReader(rc, maxFileSize+1))
		rc.Close()
		if err != nil {
			return nil, &FileError{File: where, Msg: "cannot read: " + err.Error(), Err: err}
		}
		if int64(len(data)) > maxFileSize {
			return nil, tooLarge(where, -1)
		}
		*fs.slot(fn) = bytes.NewReader(data)
	}
	return ParseFiles(fs)
}

// canonical returns the vendor name a file name stands for, whatever its case.
func canonical(name string) (string, bool) {
	for _, n := range fileNames {
		if strings.EqualFold(name, n) {
			return n, true
		}
	}
	return "", false
}

func (fs *Files) slot(name string) *io.Reader {
	switch name {
	case FormsFile:
		return &fs.Forms
	case QuestionsFile:
		return &fs.Questions
	case ChoicesFile:
		return &fs.Choices
	}
	return &fs.BusinessLogic
}

// The columns read from each file, by header name. Others are ignored.
var (
	formsCols     = []string{"Form ID", "Form Key", "Form Type", "Form Name"}
	questionsCols = []string{"Form", "Variable Type", "Variable Name", "Label"}
	choicesCols   = []string{"Form", "Variable Name", "Choice Text", "Choice Value", "Position"}
	logicCols     = []string{"Type", "Name", "Status", "ID", "Form"}
)

// row is a data row of a file: its fields by required column, and where they are.
type row struct {
	line   int
	fields []string // in the order of the columns asked for
	cols   []int    // each field's column number, 1-based
}

// table is a file read by header name.
type table struct {
	file string
	rows []row
}

// where returns a FileError at field i of r.
func (t *table) at(r row, i int, format string, args ...any) *FileError {
	return &FileError{File: t.file, Line: r.line, Column: r.cols[i], Msg: fmt.Sprintf(format, args...)}
}

// errList gathers the problems of a load, up to maxFileErrors.
type errList struct {
	errs []error
	more int
}

func (l *errList) add(e *FileError) {
	if len(l.errs) < maxFileErrors {
		l.errs = append(l.errs, e)
	} else {
		l.more++
	}
}

func (l *errList) err() error {
	switch len(l.errs) {
	case 0:
		return nil
	case 1:
		return l.errs[0]
	}
	errs := l.errs
	if l.more > 0 {
		errs = append(slices.Clip(errs), fmt.Errorf("... and %d more %s", l.more, plural(l.more, "problem")))
	}
	return errors.Join(errs...)
}

// readTable reads a CSV file with a header row holding cols (matched by name, case and
// surrounding space ignored, in any order, among other columns). A problem that stops the
// file from being read is added to errs and nil returned.
func readTable(name string, r io.Reader, cols []string, errs *errList) *table {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		errs.add(&FileError{File: name, Msg: "cannot read: " + err.Error(), Err: err})
		return nil
	}
	if int64(len(data)) > maxFileSize {
		errs.add(tooLarge(name, -1))
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		line, col := invalidUTF8(data)
		errs.add(&FileError{File: name, Line: line, Column: col,
			Msg: "the file is not UTF-8 text (character " + strconv.Itoa(col) + " of the line): save it as UTF-8 CSV"})
		return nil
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		errs.add(&FileError{File: name, Line: 1, Msg: "the file is empty: want a header row naming the columns " + strings.Join(cols, ", ")})
		return nil
	}
	if err != nil {
		errs.add(csvError(name, err))
		return nil
	}
	index := make([]int, len(cols))
	var missing []string
	for i, c := range cols {
		index[i] = slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), c) })
		if index[i] < 0 {
			missing = append(missing, fmt.Sprintf("%q", c))
		}
	}
	if len(missing) > 0 {
		errs.add(&FileError{File: name, Line: 1, Msg: fmt.Sprintf("the header row has no %s %s (it has %s)",
			plural(len(missing), "column"), strings.Join(missing, ", "), quoteAll(header))})
		return nil
	}
	width := len(header)
	t := &table{file: name}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs.add(csvError(name, err))
			return nil
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != width {
			extra := len(rec) > width && !slices.ContainsFunc(rec[width:], func(s string) bool { return strings.TrimSpace(s) != "" })
			if !extra { // trailing empty fields, as spreadsheets write, are tolerated
				col := min(len(rec), width) + 1 // the first column missing, or the first one too many
				errs.add(&FileError{File: name, Line: line, Column: col,
					Msg: fmt.Sprintf("the line has %d %s, the header %d", len(rec), plural(len(rec), "column"), width)})
				continue
			}
		}
		rw := row{line: line, fields: make([]string, len(cols)), cols: make([]int, len(cols))}
		for i, j := range index {
			rw.fields[i] = strings.TrimSpace(rec[j])
			rw.cols[i] = j + 1
		}
		t.rows = append(t.rows, rw)
	}
	return t
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// csvError turns a CSV syntax error into a FileError.
func csvError(name string, err error) *FileError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: name, Line: pe.Line, Column: pe.Column, Msg: "malformed CSV: " + pe.Err.Error(), Err: err}
	}
	return &FileError{File: name, Msg: "malformed CSV: " + err.Error(), Err: err}
}

// invalidUTF8 returns the line and character (1-based) of the first byte that is not UTF-8.
func invalidUTF8(data []byte) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[n:]
	}
	return line, col
}

// ParseFiles reads the vendor's dictionary files and builds a dictionary of their forms,
// variables, choices and business logic. Each file is CSV with a header row; columns are
// found by name (case and surrounding space ignored), other columns are ignored, and a
// byte-order mark, CRLF line ends, quoted fields and blank lines are accepted:
//
//   - FORMS.csv: Form ID, Form Key, Form Type, Form Name;
//   - QUESTIONS.csv: Form, Variable Type, Variable Name, Label. Variable types are the
//     vendor's display names (Radio, Number, Date/Time Precision, ...), kept as Type and
//     normalised to a Kind;
//   - CHOICES.csv: Form, Variable Name, Choice Text, Choice Value, Position (the variable's
//     choices, ordered by Position, then as listed);
//   - BUSINESS_LOGIC.csv (optional): Type, Name, Status, ID, Form.
//
// It refuses, naming file, line and column: a missing file or column; a file that is not
// UTF-8 or is over [MaxFileSize]; malformed CSV; a line with more or fewer columns than the
// header (empty trailing columns aside); a blank form key or variable name; a Form ID or
// Position that is not a whole number; a form key listed twice; a variable listed twice in
// a form; a question of a form FORMS.csv does not list; a choice of a variable QUESTIONS.csv
// does not list, or with a blank value, or a value listed twice for its variable. Every
// problem is a [*FileError]; several are joined with [errors.Join] (at most 20 listed).
//
// The dictionary built has no study key and variables without ids; [Merge] completes one
// from the API with it.
func ParseFiles(fs Files) (*Dictionary, error) {
	name := func(n string) string {
		if fs.Dir == "" {
			return n
		}
		return fs.Dir + string(os.PathSeparator) + n
	}
	var errs errList
	var tables [4]*table
	for i, spec := range []struct {
		file string
		r    io.Reader
		cols []string
	}{{FormsFile, fs.Forms, formsCols}, {QuestionsFile, fs.Questions, questionsCols},
		{ChoicesFile, fs.Choices, choicesCols}, {BusinessLogicFile, fs.BusinessLogic, logicCols}} {
		if spec.r == nil {
			if spec.file != BusinessLogicFile {
				errs.add(&FileError{File: name(spec.file), Msg: "the file is missing: the dictionary needs " +
					strings.Join(fileNames[:3], ", ") + " (and may have " + BusinessLogicFile + ")"})
			}
			continue
		}
		tables[i] = readTable(name(spec.file), spec.r, spec.cols, &errs)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	d := &Dictionary{byKey: map[string]*Form{}, byID: map[int]*Form{}}

	forms := tables[0]
	lineOfForm := map[string]int{}
	for _, r := range forms.rows {
		idText, key, typ, fname := r.fields[0], r.fields[1], r.fields[2], r.fields[3]
		if key == "" {
			errs.add(forms.at(r, 1, "the Form Key is blank"))
			continue
		}
		if prev, dup := lineOfForm[key]; dup {
			errs.add(forms.at(r, 1, "form %q is listed twice (lines %d and %d)", key, prev, r.line))
			continue
		}
		id := 0
		if idText != "" {
			n, err := strconv.Atoi(idText)
			if err != nil || n < 0 {
				errs.add(forms.at(r, 0, "Form ID %q is not a whole number", idText))
				continue
			}
			id = n
		}
		lineOfForm[key] = r.line
		f := &Form{ID: id, Key: key, Name: fname, Type: typ, FileName: fname, FileType: typ, Sources: SourceFiles,
			byName: map[string]*Variable{}}
		if id != 0 {
			if g, dup := d.byID[id]; dup {
				errs.add(forms.at(r, 0, "Form ID %d is listed twice (forms %q and %q)", id, g.Key, key))
				continue
			}
			d.byID[id] = f
		}
		d.forms = append(d.forms, f)
		d.byKey[key] = f
	}

	questions := tables[1]
	lineOfVar := map[[2]string]int{}
	for _, r := range questions.rows {
		fkey, typ, vname, label := r.fields[0], r.fields[1], r.fields[2], r.fields[3]
		switch {
		case fkey == "":
			errs.add(questions.at(r, 0, "the Form is blank"))
			continue
		case vname == "":
			errs.add(questions.at(r, 2, "the Variable Name is blank"))
			continue
		}
		f, ok := d.byKey[fkey]
		if !ok {
			if _, bad := lineOfForm[fkey]; !bad { // a form refused above is not reported again
				errs.add(questions.at(r, 0, "form %q is not in %s%s", fkey, FormsFile, d.formHint(fkey)))
			}
			continue
		}
		k := [2]string{fkey, vname}
		if prev, dup := lineOfVar[k]; dup {
			errs.add(questions.at(r, 2, "variable %s of form %s is listed twice (lines %d and %d)", vname, fkey, prev, r.line))
			continue
		}
		lineOfVar[k] = r.line
		v := &Variable{Name: vname, Label: label, Type: typ, Kind: vendorKind(typ), Sequence: len(f.Variables) + 1,
			FormKey: fkey, FileType: typ, FileLabel: label, Sources: SourceFiles}
		f.Variables = append(f.Variables, v)
		f.byName[vname] = v
	}

	choices := tables[2]
	choiceLine := map[[3]string]int{}
	for _, r := range choices.rows {
		fkey, vname, text, value, pos := r.fields[0], r.fields[1], r.fields[2], r.fields[3], r.fields[4]
		var v *Variable
		if f, ok := d.byKey[fkey]; ok {
			v = f.byName[vname]
		}
		if v == nil {
			if _, bad := lineOfVar[[2]string{fkey, vname}]; !bad {
				errs.add(choices.at(r, 1, "a choice of variable %s of form %s, which is not in %s", vname, fkey, QuestionsFile))
			}
			continue
		}
		if value == "" {
			errs.add(choices.at(r, 3, "the Choice Value of a choice of %s.%s is blank", fkey, vname))
			continue
		}
		k := [3]string{fkey, vname, value}
		if prev, dup := choiceLine[k]; dup {
			errs.add(choices.at(r, 3, "choice value %q of %s.%s is listed twice (lines %d and %d)", value, fkey, vname, prev, r.line))
			continue
		}
		p := 0
		if pos != "" {
			n, err := strconv.Atoi(pos)
			if err != nil {
				errs.add(choices.at(r, 4, "Position %q is not a whole number", pos))
				continue
			}
			p = n
		}
		choiceLine[k] = r.line
		v.Choices = append(v.Choices, Choice{Value: value, Text: text, Position: p})
	}
	for _, f := range d.forms {
		for _, v := range f.Variables {
			slices.SortStableFunc(v.Choices, func(a, b Choice) int { return a.Position - b.Position })
		}
	}

	if logic := tables[3]; logic != nil {
		for _, r := range logic.rows {
			d.logic = append(d.logic, Rule{Type: r.fields[0], Name: r.fields[1], Status: r.fields[2], ID: r.fields[3], Form: r.fields[4]})
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	d.sources = SourceFiles
	return d, nil
}

// vendorKind normalises a variable type as the vendor's files name it (display names such
// as "Radio", "Number", "Date/Time Precision", "Text Area", "Drop Down"), falling back on
// [KindOf].
func vendorKind(typ string) Kind {
	s := strings.ToUpper(strings.TrimSpace(typ))
	s = strings.NewReplacer(" ", "", "_", "", "-", "").Replace(s)
	switch {
	case strings.HasPrefix(s, "DATE"):
		return KindDate // Date, Date/Time, Date/Time Precision
	case s == "PULLDOWN" || s == "SELECT" || s == "DROPDOWNLIST":
		return KindDropdown
	}
	return KindOf(s)
}
