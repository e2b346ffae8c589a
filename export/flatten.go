package export

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// Names of the tables every run writes besides the per-form wide tables and the reference
// tables.
const (
	// LongTable holds one row per record and variable: recordId, formKey, variable, value
	// (the text as sent) and the typed value in valueNumber, valueDate or valueBool when the
	// variable's type allows it and the value converts.
	LongTable = "record_values"
	// RawTable holds the JSON of every record exactly as the API sent it.
	RawTable = "records_raw"
	// ColumnsTable maps the columns of the wide tables to the variables and their labels.
	ColumnsTable = "wide_columns"
	// WideTablePrefix starts the name of each form's wide table: form_AE, form_AE_part2, ...
	WideTablePrefix = "form_"
	// ChoicesTable holds the choice lists of the dictionary files given as Options.Dictionary:
	// formKey, variable, value (the code), label (the choice's text), position.
	ChoicesTable = "choices"
	// LabelSuffix ends the name of the decoded column written, with Options.Dictionary, next to
	// each coded column of a wide table: AESEV and AESEV_label.
	LabelSuffix = "_label"
)

// The record columns that begin every form's wide table (its first part), in order.
var recordColumns = []Column{
	{Name: "recordId", Type: ColumnInteger},
	{Name: "subjectKey", Type: ColumnText},
	{Name: "subjectId", Type: ColumnInteger},
	{Name: "siteId", Type: ColumnInteger},
	{Name: "intervalId", Type: ColumnInteger},
	{Name: "visitId", Type: ColumnInteger},
	{Name: "recordStatus", Type: ColumnText},
	{Name: "recordType", Type: ColumnText},
	{Name: "deleted", Type: ColumnBoolean},
	{Name: "dateCreated", Type: ColumnTimestamp},
	{Name: "dateModified", Type: ColumnTimestamp},
}

var longTable = Table{
	Name: LongTable,
	Columns: []Column{
		{Name: "recordId", Type: ColumnInteger},
		{Name: "formKey", Type: ColumnText},
		{Name: "variable", Type: ColumnText},
		{Name: "value", Type: ColumnText},
		{Name: "valueNumber", Type: ColumnReal},
		{Name: "valueDate", Type: ColumnDate},
		{Name: "valueBool", Type: ColumnBoolean},
	},
	Key: []string{"recordId", "variable"},
}

// longLabelColumn is the long table's decoded value, added with Options.Dictionary.
var longLabelColumn = Column{Name: "valueLabel", Type: ColumnText}

// longTableFor returns the long table, with its decoded value column when decode is set.
func longTableFor(decode bool) Table {
	if !decode {
		return longTable
	}
	t := longTable
	t.Columns = append(append([]Column(nil), longTable.Columns...), longLabelColumn)
	return t
}

var choicesTable = Table{
	Name: ChoicesTable,
	Columns: []Column{
		{Name: "formKey", Type: ColumnText},
		{Name: "variable", Type: ColumnText},
		{Name: "value", Type: ColumnText},
		{Name: "label", Type: ColumnText},
		{Name: "position", Type: ColumnInteger},
	},
	Key: []string{"formKey", "variable", "value"},
}

// choiceRows are the rows of the choices table: every choice of the dictionary's variables.
func choiceRows(d *dictionary.Dictionary) []Row {
	var rows []Row
	for _, f := range d.Forms() {
		for _, v := range f.Variables {
			for _, c := range v.Choices {
				rows = append(rows, Row{f.Key, v.Name, c.Value, c.Text, int64(c.Position)})
			}
		}
	}
	return rows
}

var rawTable = Table{
	Name: RawTable,
	Columns: []Column{
		{Name: "recordId", Type: ColumnInteger},
		{Name: "formKey", Type: ColumnText},
		{Name: "dateModified", Type: ColumnTimestamp},
		{Name: "deleted", Type: ColumnBoolean},
		{Name: "json", Type: ColumnJSON},
	},
	Key: []string{"recordId"},
}

var columnsTable = Table{
	Name: ColumnsTable,
	Columns: []Column{
		{Name: "tableName", Type: ColumnText},
		{Name: "columnName", Type: ColumnText},
		{Name: "formKey", Type: ColumnText},
		{Name: "part", Type: ColumnInteger},
		{Name: "position", Type: ColumnInteger},
		{Name: "variable", Type: ColumnText},
		{Name: "label", Type: ColumnText},
		{Name: "variableType", Type: ColumnText},
		{Name: "columnType", Type: ColumnText},
	},
	Key: []string{"tableName", "columnName"},
}

// wideVar is one variable's column in a form's wide layout.
type wideVar struct {
	name   string // the variable name, the key in recordData
	label  string
	vtype  string
	kind   dictionary.Kind
	column string     // the column's name
	ctype  ColumnType // Real, Date, Boolean or Text
	part   int        // index into formPlan.parts
	pos    int        // index of the column in its part's row
	// nameValue is name as a Row value, boxed once: every long row of the variable shares it
	// instead of allocating its own.
	nameValue any
	// choices maps the codes of a coded variable to their labels, boxed once as Row values
	// (nil for other variables); its decoded column is labelColumn, at labelPos of the same
	// part.
	choices     map[string]any
	labelColumn string
	labelPos    int
}

// decode returns the label of the variable's value in d: nil for a blank value, and, with
// unknown set, for a value that is not a code of its choices (a checkbox's codes separated by
// commas are decoded each, their labels joined with "; ").
func (v *wideVar) decode(d imednet.RecordData) (label any, unknown bool) {
	s, ok := d.Text(v.name)
	if !ok || isBlank(s) {
		return nil, false
	}
	if t, ok := v.choices[s]; ok {
		return t, false
	}
	if t, ok := v.choices[strings.TrimSpace(s)]; ok {
		return t, false
	}
	if v.kind == dictionary.KindCheckbox && strings.Contains(s, ",") {
		parts := strings.Split(s, ",")
		for i, p := range parts {
			t, ok := v.choices[strings.TrimSpace(p)]
			if !ok {
				return nil, true
			}
			parts[i] = t.(string)
		}
		return strings.Join(parts, "; "), false
	}
	return nil, true
}

// formPlan is the layout of one form: its wide tables (one part, or several when the sink
// limits columns) and how a record's values fill them.
type formPlan struct {
	form    *dictionary.Form
	formKey any // form.Key as a Row value, boxed once
	parts   []Table
	vars    []wideVar
	kinds   map[string]dictionary.Kind // variable name -> kind, for the long table
	// longWidth is the number of columns of the long table's rows.
	longWidth int
	// unknownInWide says whether wideRows (else longRows) counts the values of coded
	// variables that are not a code of their choices, in unknown: each value once per run.
	unknownInWide bool
	unknown       atomic.Int64
}

// codedChoices returns the codes and labels of variable v of form f from the dictionary
// files, when it has choices and its kind takes codes; nil otherwise.
func codedChoices(files *dictionary.Dictionary, form string, v *dictionary.Variable) map[string]any {
	if files == nil {
		return nil
	}
	switch v.Kind {
	case dictionary.KindRadio, dictionary.KindDropdown, dictionary.KindCheckbox, dictionary.KindUnknown:
	default:
		return nil
	}
	fv, ok := files.Variable(form, v.Name)
	if !ok || len(fv.Choices) == 0 {
		return nil
	}
	m := make(map[string]any, len(fv.Choices))
	for _, c := range fv.Choices {
		m[c.Value] = c.Text
	}
	return m
}

// columnTypeOf maps a variable's kind to the type of its wide column.
func columnTypeOf(k dictionary.Kind) ColumnType {
	switch k {
	case dictionary.KindNumber:
		return ColumnReal
	case dictionary.KindDate:
		return ColumnDate
	case dictionary.KindCheckbox:
		return ColumnBoolean
	}
	return ColumnText
}

// nameSet hands out names unique regardless of case (SQL identifiers are case-insensitive).
type nameSet map[string]bool

func (s nameSet) unique(base string) string {
	name := base
	for n := 2; s[strings.ToLower(name)]; n++ {
		name = base + "_" + itoa(n)
	}
	s[strings.ToLower(name)] = true
	return name
}

// maxLabelBytes bounds a column name made from a label (PostgreSQL keeps 63 bytes).
const maxLabelBytes = 56

// safeName turns a label into a column name: letters, digits and underscores, other runs of
// characters replaced by one underscore, at most maxLabelBytes bytes, not starting with a
// digit. It returns "" when nothing is left.
func safeName(label string) string {
	var b strings.Builder
	under := false
	for _, r := range label {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			if b.Len()+utf8.RuneLen(r) > maxLabelBytes {
				break
			}
			b.WriteRune(r)
			continue
		}
		under = true
	}
	s := b.String()
	if s != "" && unicode.IsDigit([]rune(s)[0]) {
		s = "_" + s
	}
	return s
}

// planForm lays out the wide tables of a form. maxCols is the sink's column limit (0 for
// none); table is the form's base table name. With files (the dictionary files' choice
// lists), each coded variable's column is followed by its decoded column, and the long rows
// get a decoded value.
func planForm(f *dictionary.Form, table string, labels bool, maxCols int, files *dictionary.Dictionary, layout Layout) *formPlan {
	p := &formPlan{form: f, formKey: f.Key, kinds: map[string]dictionary.Kind{},
		longWidth: len(longTableFor(files != nil).Columns), unknownInWide: layout.wide()}
	used := nameSet{}
	for _, c := range recordColumns {
		used.unique(c.Name)
	}
	// One column per distinct variable name; when a name is used twice (a variable deleted
	// and created again) the active variable decides the type.
	seen := map[string]int{}
	for _, v := range f.Variables {
		if i, ok := seen[v.Name]; ok {
			if v.Active() {
				p.vars[i].label, p.vars[i].vtype, p.vars[i].kind = v.Label, v.Type, v.Kind
				p.vars[i].ctype = columnTypeOf(v.Kind)
				p.kinds[v.Name] = v.Kind
			}
			continue
		}
		seen[v.Name] = len(p.vars)
		p.kinds[v.Name] = v.Kind
		p.vars = append(p.vars, wideVar{name: v.Name, label: v.Label, vtype: v.Type, kind: v.Kind, ctype: columnTypeOf(v.Kind), nameValue: v.Name})
	}
	for i := range p.vars {
		v := &p.vars[i]
		base := v.name
		if labels {
			if s := safeName(v.label); s != "" {
				base = s
			} else if s := safeName(v.name); s != "" {
				base = s
			}
		}
		v.column = used.unique(base)
	}
	for i := range p.vars {
		v := &p.vars[i]
		if fv, ok := f.Variable(v.name); ok {
			v.choices = codedChoices(files, f.Key, fv)
		}
		if v.choices != nil {
			v.labelColumn = used.unique(v.column + LabelSuffix)
		}
	}

	// Split into parts of at most maxCols columns; parts after the first repeat recordId.
	first := Table{Name: table, Key: []string{"recordId"}, Form: f.Key, Columns: append([]Column(nil), recordColumns...)}
	p.parts = []Table{first}
	for i := range p.vars {
		v := &p.vars[i]
		cur := &p.parts[len(p.parts)-1]
		width := 1
		if v.choices != nil {
			width = 2 // the decoded column stays in the same part
		}
		if maxCols > 0 && len(cur.Columns)+width > maxCols {
			p.parts = append(p.parts, Table{
				Name:    table + "_part" + itoa(len(p.parts)+1),
				Key:     []string{"recordId"},
				Form:    f.Key,
				Columns: []Column{{Name: "recordId", Type: ColumnInteger}},
			})
			cur = &p.parts[len(p.parts)-1]
		}
		v.part, v.pos = len(p.parts)-1, len(cur.Columns)
		cur.Columns = append(cur.Columns, Column{Name: v.column, Type: v.ctype})
		if v.choices != nil {
			v.labelPos = len(cur.Columns)
			cur.Columns = append(cur.Columns, Column{Name: v.labelColumn, Type: ColumnText})
		}
	}
	return p
}

// columnRows describes the plan's columns for the columns table.
func (p *formPlan) columnRows() []Row {
	var rows []Row
	for i, c := range recordColumns {
		rows = append(rows, Row{p.parts[0].Name, c.Name, p.form.Key, int64(1), int64(i + 1), nil, nil, nil, c.Type.String()})
	}
	for i := 1; i < len(p.parts); i++ {
		rows = append(rows, Row{p.parts[i].Name, "recordId", p.form.Key, int64(i + 1), int64(1), nil, nil, nil, ColumnInteger.String()})
	}
	for _, v := range p.vars {
		rows = append(rows, Row{p.parts[v.part].Name, v.column, p.form.Key, int64(v.part + 1), int64(v.pos + 1), v.name, v.label, v.vtype, v.ctype.String()})
		if v.choices != nil {
			rows = append(rows, Row{p.parts[v.part].Name, v.labelColumn, p.form.Key, int64(v.part + 1), int64(v.labelPos + 1), v.name, v.label, v.vtype, ColumnText.String()})
		}
	}
	return rows
}

// timeValue is a timestamp's value in a row: nil when absent or unparsable (the raw table
// keeps the text).
func timeValue(t imednet.Timestamp) any {
	if !t.Valid() {
		return nil
	}
	return t.Time.UTC()
}

// dateOf is the day of t, at midnight UTC.
func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// isNull reports whether a raw value is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// typedValue converts the value of name to the column type: nil when it is absent, null or
// blank ("" or only whitespace, which the API sends for an unanswered variable) whatever the
// column's type, so that every missing value is NULL alike, or when it does not convert to a
// typed column (the long and raw tables keep its text).
func typedValue(d imednet.RecordData, name string, t ColumnType) any {
	raw, ok := d.Raw(name)
	if !ok || isNull(raw) {
		return nil
	}
	switch t {
	case ColumnReal:
		if f, ok := d.Number(name); ok {
			return f
		}
		return nil
	case ColumnDate:
		if ts, ok := d.Date(name); ok {
			return dateOf(ts.Time)
		}
		return nil
	case ColumnBoolean:
		if b, ok := d.Bool(name); ok {
			return b
		}
		return nil
	}
	if s, ok := d.Text(name); ok && !isBlank(s) {
		return s
	}
	return nil
}

// isBlank reports whether a value's text is empty or only whitespace: no answer, stored as
// NULL as an absent or null value is (as imednet.RecordData's typed accessors read it).
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// textValue is a value as text for the long table: a string unquoted, a number or boolean as
// written, an object or array as its JSON; nil for null and for a blank string.
func textValue(d imednet.RecordData, name string) any {
	raw, _ := d.Raw(name)
	if isNull(raw) {
		return nil
	}
	if s, ok := d.Text(name); ok {
		if isBlank(s) {
			return nil
		}
		return s
	}
	return string(raw)
}

// wideRows fills one row per part for a record.
func (p *formPlan) wideRows(r *imednet.Record) []Row {
	rows := make([]Row, len(p.parts))
	id := any(int64(r.RecordID)) // boxed once for every part
	for i, t := range p.parts {
		rows[i] = make(Row, len(t.Columns))
		rows[i][0] = id
	}
	first := rows[0]
	first[1] = r.SubjectKey
	first[2] = int64(r.SubjectID)
	first[3] = int64(r.SiteID)
	first[4] = int64(r.IntervalID)
	first[5] = int64(r.VisitID)
	first[6] = r.RecordStatus
	first[7] = r.RecordType
	first[8] = r.Deleted
	first[9] = timeValue(r.DateCreated)
	first[10] = timeValue(r.DateModified)
	for i := range p.vars {
		v := &p.vars[i]
		rows[v.part][v.pos] = typedValue(r.RecordData, v.name, v.ctype)
		if v.choices != nil {
			label, unknown := v.decode(r.RecordData)
			rows[v.part][v.labelPos] = label
			if unknown && p.unknownInWide {
				p.unknown.Add(1)
			}
		}
	}
	return rows
}

// systemKeys are the members of recordData that are not variables.
var systemKeys = map[string]bool{"dateCreated": true, "dateModified": true}

// longRows appends a record's rows of the long table to dst: one for every variable of the
// form (with a NULL value when the record's data lacks it, so that a member the API stops
// sending does not leave a stale row behind in a sync), then one for every other member of
// the data but the system keys.
func (p *formPlan) longRows(dst []Row, r *imednet.Record) []Row {
	// The record's rows share one backing array and the boxed record id: two allocations
	// for them all instead of two or three per row.
	extra := 0
	for name := range r.RecordData.All() {
		if _, known := p.kinds[name]; !known && !systemKeys[name] {
			extra++
		}
	}
	w := p.longWidth
	values := make([]any, (len(p.vars)+extra)*w)
	id := any(int64(r.RecordID))
	next := func() Row {
		row := Row(values[:w:w])
		values = values[w:]
		return row
	}
	for i := range p.vars {
		v := &p.vars[i]
		row := p.longRow(next(), id, r, v.name, v.nameValue, v.ctype)
		if v.choices != nil {
			label, unknown := v.decode(r.RecordData)
			row[len(longTable.Columns)] = label
			if unknown && !p.unknownInWide {
				p.unknown.Add(1)
			}
		}
		dst = append(dst, row)
	}
	if extra > 0 {
		for name := range r.RecordData.All() {
			if _, known := p.kinds[name]; known || systemKeys[name] {
				continue
			}
			dst = append(dst, p.longRow(next(), id, r, name, name, ColumnText))
		}
	}
	return dst
}

// longRow fills row, the long table's row for one member of a record's data, and returns
// it; id and nameValue are the record id and name as Row values, and t is the type of the
// variable's wide column, which decides the typed value filled.
func (p *formPlan) longRow(row Row, id any, r *imednet.Record, name string, nameValue any, t ColumnType) Row {
	row[0], row[1], row[2], row[3] = id, p.formKey, nameValue, textValue(r.RecordData, name)
	switch t {
	case ColumnReal:
		row[4] = typedValue(r.RecordData, name, ColumnReal)
	case ColumnDate:
		row[5] = typedValue(r.RecordData, name, ColumnDate)
	case ColumnBoolean:
		row[6] = typedValue(r.RecordData, name, ColumnBoolean)
	}
	return row
}

// rawRow is a record's row of the raw table.
func (p *formPlan) rawRow(r *imednet.Record, raw json.RawMessage) Row {
	return Row{int64(r.RecordID), p.form.Key, timeValue(r.DateModified), r.Deleted, raw}
}
