package dictionary

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	imednet "github.com/imednet/imednet-go"
)

var _ imednet.Validator = (*Dictionary)(nil)

// Problem is one thing wrong with one record request.
type Problem struct {
	Index int    // the request's index in the slice given to Validate
	Form  string // the request's form key (or, when it names the form by id, that form's key); "" if unknown
	Field string // the variable (a key of Data) or the request field ("formKey", "subjectKey", ...); "" for the whole request
	Value any    // the offending value: the data value or the request field's value
	Msg   string // what is wrong and what was expected
}

// String formats the problem as one line, such as
// `request 3 (form AE): field AESEV: "severe" is not a number (...)`. A message about a
// request field that begins with the field's name, such as `subjectKey is blank`, is not
// prefixed with it.
func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "request %d", p.Index)
	if p.Form != "" {
		fmt.Fprintf(&b, " (form %s)", p.Form)
	}
	b.WriteString(": ")
	if p.Field != "" && !(slices.Contains(requestFields, p.Field) && strings.HasPrefix(p.Msg, p.Field+" ")) {
		fmt.Fprintf(&b, "field %s: ", p.Field)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError lists every problem [Dictionary.Validate] found, ordered by request and,
// within a request, structure first, then the form, then the data keys in sorted order.
type ValidationError struct {
	Requests int // how many requests were validated
	Problems []Problem
}

// Is reports whether target is imednet.ErrValidation, which every ValidationError matches,
// as the SDK's own refusals of record requests do.
func (e *ValidationError) Is(target error) bool { return target == imednet.ErrValidation }

// maxShown bounds how many problems ValidationError.Error lists; Problems holds them all.
const maxShown = 50

// Error returns a one-line summary followed by the numbered problems, one a line (at most
// 50; the rest are counted).
func (e *ValidationError) Error() string {
	reqs := 0
	last := -1
	for _, p := range e.Problems {
		if p.Index != last {
			reqs++
			last = p.Index
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "dictionary: %d %s in %d of %d record requests:", len(e.Problems), plural(len(e.Problems), "problem"), reqs, e.Requests)
	for i, p := range e.Problems[:min(len(e.Problems), maxShown)] {
		fmt.Fprintf(&b, "\n%d. %s", i+1, p)
	}
	if n := len(e.Problems) - maxShown; n > 0 {
		fmt.Fprintf(&b, "\n... and %d more %s", n, plural(n, "problem"))
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Validate checks record requests against the dictionary before anything is sent, and
// implements [imednet.Validator], so that a dictionary can be passed as
// [imednet.CreateOptions].Validator. For every request it reports:
//
//   - the structural problems of [imednet.RecordRequest.Check] (a form, data, and the
//     identifiers of exactly one scenario; a registration must not carry a subject);
//   - a formKey or formId that is not a form of the study, or names a disabled form;
//   - data keys that are not variables of that form (names are case-sensitive), or are
//     disabled or deleted variables;
//   - values that do not fit their variable's kind.
//
// The values accepted, judged on the JSON each value encodes to, are:
//
//   - any kind: null (nil) or "" as blank;
//   - number: a JSON number, or a string holding a decimal number such as "12.5", "-3" or
//     "1e3" (no sign "+", spaces, "NaN" or hexadecimal);
//   - date: a string YYYY-MM-DD that is a real calendar day. The API's timestamp layout
//     "YYYY-MM-DD HH:MM:SS" and RFC 3339 (how a time.Time encodes) are refused: date
//     variables are sent as "2024-01-01";
//   - checkbox: true or false, or the strings "true" and "false" in any case; not 1, 0 or
//     "yes";
//   - text and textarea: a string; a number or boolean must be sent as a string;
//   - radio and dropdown: the option's code as a string (such as "1"), or as an integer,
//     which the server receives as a JSON number;
//   - a kind this package does not know: any string, number or boolean.
//
// When the dictionary has choice lists (from the vendor's files: [Merge], [LoadFiles]), a
// radio or dropdown value (and the value of a variable of unknown kind with choices) must
// also be the Value of one of its variable's choices, and the message lists the values
// allowed. A checkbox with choices takes one choice's value, or several separated by commas
// ("1,3"), each a choice; true or false only when it has a single choice. A variable or form
// that only the files list takes no data when the dictionary was merged with the API.
//
// Objects and arrays fit no kind. Validate returns nil when every request is valid (and for
// no requests), or a [*ValidationError] with every problem found. It does not modify reqs.
func (d *Dictionary) Validate(reqs []imednet.RecordRequest) error {
	if len(reqs) == 0 {
		return nil
	}
	if d == nil {
		return errors.New("dictionary: Validate on a nil *Dictionary")
	}
	var ps []Problem
	for i, r := range reqs {
		ps = d.check(ps, i, &r)
	}
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Requests: len(reqs), Problems: ps}
}

// requestFields are the JSON names of RecordRequest's fields.
var requestFields = []string{"formKey", "formId", "siteName", "siteId", "subjectKey", "subjectId", "subjectOid",
	"intervalName", "intervalId", "recordId", "recordOid", "data"}

// fieldValue returns the value of the request field named as in JSON.
func fieldValue(r *imednet.RecordRequest, field string) any {
	switch field {
	case "formKey":
		return r.FormKey
	case "formId":
		return r.FormID
	case "siteName":
		return r.SiteName
	case "siteId":
		return r.SiteID
	case "subjectKey":
		return r.SubjectKey
	case "subjectId":
		return r.SubjectID
	case "subjectOid":
		return r.SubjectOID
	case "intervalName":
		return r.IntervalName
	case "intervalId":
		return r.IntervalID
	case "recordId":
		return r.RecordID
	case "recordOid":
		return r.RecordOID
	case "data":
		return r.Data
	}
	return nil
}

// check appends the problems of request i to ps.
func (d *Dictionary) check(ps []Problem, i int, r *imednet.RecordRequest) []Problem {
	key := r.FormKey
	if strings.TrimSpace(key) == "" {
		key = "" // Check reports a blank key
	}
	label := key
	if label == "" {
		if f, ok := d.FormByID(r.FormID); ok {
			label = f.Key
		}
	}
	add := func(field string, value any, format string, args ...any) {
		ps = append(ps, Problem{Index: i, Form: label, Field: field, Value: value, Msg: fmt.Sprintf(format, args...)})
	}

	// Structure, as Check reports it. Each message begins with the field it is about.
	if err := r.Check(); err != nil {
		var re *imednet.RecordRequestError
		if errors.As(err, &re) {
			for _, msg := range re.Problems {
				field, _, _ := strings.Cut(msg, " ")
				if !slices.Contains(requestFields, field) {
					field = ""
				}
				add(field, fieldValue(r, field), "%s", msg)
			}
		} else {
			add("", nil, "%s", err.Error())
		}
	}

	// The form.
	var f *Form
	var by string
	switch {
	case key != "":
		by = "formKey"
		var ok bool
		if f, ok = d.Form(r.FormKey); !ok {
			add("formKey", r.FormKey, "formKey %q is not a form of study %s%s", r.FormKey, d.study, d.formHint(r.FormKey))
		}
	case r.FormID > 0:
		by = "formId"
		var ok bool
		if f, ok = d.FormByID(r.FormID); !ok {
			add("formId", r.FormID, "formId %d is not a form of study %s", r.FormID, d.study)
		}
	}
	if f == nil {
		return ps // without a form the data cannot be checked
	}
	if d.sources&SourceAPI != 0 && f.Sources&SourceAPI == 0 {
		add(by, fieldValue(r, by), "%s %v names form %s, which only the dictionary files list: the API does not list it in study %s",
			by, showField(fieldValue(r, by)), f.Key, d.study)
		return ps
	}
	if f.Disabled {
		if by == "formKey" {
			add(by, r.FormKey, "formKey %q names a disabled form, which takes no records", r.FormKey)
		} else {
			add(by, r.FormID, "formId %d names form %s, which is disabled and takes no records", r.FormID, f.Key)
		}
	}

	// The data, in key order so that the report is stable.
	keys := make([]string, 0, len(r.Data))
	for k := range r.Data {
		if strings.TrimSpace(k) != "" { // Check reports blank names
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		val := r.Data[k]
		v, ok := f.Variable(k)
		switch {
		case !ok:
			add(k, val, "form %s has no such variable%s", f.Key, f.variableHint(k))
		case v.Disabled:
			add(k, val, "the variable is disabled in form %s and takes no data", f.Key)
		case v.Deleted:
			add(k, val, "the variable is deleted from form %s and takes no data", f.Key)
		case d.sources&SourceAPI != 0 && v.Sources&SourceAPI == 0:
			add(k, val, "the variable is in the dictionary files only: the API does not list it in form %s, so it takes no data", f.Key)
		default:
			if msg := checkVariable(v, val); msg != "" {
				add(k, val, "%s", msg)
			}
		}
	}
	return ps
}

// formHint suggests the form whose key differs from key only in case.
func (d *Dictionary) formHint(key string) string {
	for _, f := range d.forms {
		if strings.EqualFold(f.Key, key) {
			return fmt.Sprintf(" (form keys are case-sensitive: did you mean %q?)", f.Key)
		}
	}
	return ""
}

// variableHint suggests the active variable whose name differs from name only in case.
func (f *Form) variableHint(name string) string {
	for _, v := range f.Variables {
		if v.Active() && strings.EqualFold(v.Name, name) {
			return fmt.Sprintf(" (variable names are case-sensitive: did you mean %q?)", v.Name)
		}
	}
	return ""
}

// jsonKind is the kind of JSON value a Go value encodes to.
type jsonKind int

const (
	jsonNull jsonKind = iota
	jsonString
	jsonNumber
	jsonBool
	jsonObject
	jsonArray
)

// encoded is a value as it will be sent.
type encoded struct {
	kind jsonKind
	str  string // the string, for jsonString
	num  string // the literal, for jsonNumber
	b    bool   // for jsonBool
	show string // how a message quotes it
}

// encode classifies v by the JSON it encodes to, with fast paths for the common types.
func encode(v any) (encoded, error) {
	switch x := v.(type) {
	case nil:
		return encoded{kind: jsonNull, show: "null"}, nil
	case string:
		return encoded{kind: jsonString, str: x, show: quote(x)}, nil
	case bool:
		return encoded{kind: jsonBool, b: x, show: strconv.FormatBool(x)}, nil
	case int:
		s := strconv.Itoa(x)
		return encoded{kind: jsonNumber, num: s, show: s}, nil
	case int64:
		s := strconv.FormatInt(x, 10)
		return encoded{kind: jsonNumber, num: s, show: s}, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return encoded{}, err
	}
	switch raw[0] {
	case 'n':
		return encoded{kind: jsonNull, show: "null"}, nil
	case 't', 'f':
		return encoded{kind: jsonBool, b: raw[0] == 't', show: string(raw)}, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return encoded{}, err
		}
		return encoded{kind: jsonString, str: s, show: quote(s)}, nil
	case '{':
		return encoded{kind: jsonObject, show: "object " + truncate(string(raw))}, nil
	case '[':
		return encoded{kind: jsonArray, show: "array " + truncate(string(raw))}, nil
	}
	return encoded{kind: jsonNumber, num: string(raw), show: string(raw)}, nil
}

// showLimit bounds how much of a value a message quotes.
const showLimit = 40

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= showLimit {
		return s
	}
	r := []rune(s)
	return string(r[:showLimit]) + "…"
}

func quote(s string) string { return strconv.Quote(truncate(s)) }

// The expectations that messages state.
const (
	wantNumber   = `want a JSON number such as 12.5, or a numeric string such as "12.5"`
	wantDate     = `want a string YYYY-MM-DD, such as "2024-01-31"`
	wantCheckbox = `want true or false`
	wantChoice   = `want the option's code as a string such as "1", or as an integer`
	wantScalar   = `want a string, a number or a boolean`
)

// showField quotes a string field's value.
func showField(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// maxAllowed bounds how many choices a message lists.
const maxAllowed = 20

// allowed lists the choices of v, as "want one of: 1 = Male, 2 = Female".
func allowed(v *Variable, what string) string {
	var b strings.Builder
	b.WriteString(what)
	for i, c := range v.Choices[:min(len(v.Choices), maxAllowed)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Value)
		if c.Text != "" && c.Text != c.Value {
			b.WriteString(" = " + truncate(c.Text))
		}
	}
	if n := len(v.Choices) - maxAllowed; n > 0 {
		fmt.Fprintf(&b, ", and %d more", n)
	}
	return b.String()
}

// codeOf returns the choice code a value encodes: a string as it is, an integral number as
// an integer ("1" for 1.0); false for a blank value.
func codeOf(e encoded) (string, bool) {
	switch e.kind {
	case jsonString:
		return e.str, e.str != ""
	case jsonNumber:
		if isInteger(e.num) {
			f, _ := strconv.ParseFloat(e.num, 64)
			if math.Abs(f) < 1<<53 {
				return strconv.FormatInt(int64(f), 10), true
			}
		}
		return e.num, true
	case jsonBool:
		return strconv.FormatBool(e.b), true
	}
	return "", false
}

// checkVariable returns what is wrong with val as a value of v, or "": its kind, and, when
// the variable has choices, its code or codes.
func checkVariable(v *Variable, val any) string {
	if !v.Coded() {
		return checkValue(v.Kind, val)
	}
	if v.Kind == KindCheckbox {
		return checkBoxChoices(v, val)
	}
	if msg := checkValue(v.Kind, val); msg != "" {
		return msg
	}
	e, _ := encode(val) // checkValue encoded it
	code, ok := codeOf(e)
	if !ok {
		return ""
	}
	if _, found := v.Choice(code); !found {
		return fmt.Sprintf("%s is not a choice of %s (%s)", e.show, v.Name, allowed(v, "want one of: "))
	}
	return ""
}

// checkBoxChoices checks the value of a checkbox that has choices.
func checkBoxChoices(v *Variable, val any) string {
	e, err := encode(val)
	if err != nil {
		return fmt.Sprintf("the value (%T) cannot be encoded as JSON: %v", val, err)
	}
	want := allowed(v, "want a choice's value, or several separated by commas, of: ")
	var codes []string
	switch e.kind {
	case jsonNull:
		return ""
	case jsonBool:
		if len(v.Choices) == 1 {
			return ""
		}
		return fmt.Sprintf("%s is a boolean, but checkbox %s has %d choices (%s)", e.show, v.Name, len(v.Choices), want)
	case jsonString:
		if e.str == "" || len(v.Choices) == 1 && (strings.EqualFold(e.str, "true") || strings.EqualFold(e.str, "false")) {
			return ""
		}
		for _, c := range strings.Split(e.str, ",") {
			codes = append(codes, strings.TrimSpace(c))
		}
	case jsonNumber:
		code, _ := codeOf(e)
		codes = []string{code}
	default:
		return fmt.Sprintf("%s is not a checkbox value (%s)", e.show, want)
	}
	var bad []string
	for _, c := range codes {
		if _, ok := v.Choice(c); !ok {
			bad = append(bad, strconv.Quote(truncate(c)))
		}
	}
	switch {
	case len(bad) == 0:
		return ""
	case len(codes) == 1:
		return fmt.Sprintf("%s is not a choice of %s (%s)", e.show, v.Name, want)
	}
	if len(bad) == 1 {
		return fmt.Sprintf("%s: %s is not a choice of %s (%s)", e.show, bad[0], v.Name, want)
	}
	return fmt.Sprintf("%s: %s are not choices of %s (%s)", e.show, strings.Join(bad, ", "), v.Name, want)
}

// checkValue returns what is wrong with val as a value of a variable of kind k, or "".
func checkValue(k Kind, val any) string {
	e, err := encode(val)
	if err != nil {
		return fmt.Sprintf("the value (%T) cannot be encoded as JSON: %v", val, err)
	}
	if e.kind == jsonNull || e.kind == jsonString && e.str == "" {
		return "" // blank
	}
	switch k {
	case KindNumber:
		switch {
		case e.kind == jsonNumber:
			return ""
		case e.kind == jsonString && isDecimal(e.str):
			return ""
		}
		return fmt.Sprintf("%s is not a number (%s)", e.show, wantNumber)

	case KindDate:
		if e.kind != jsonString {
			return fmt.Sprintf("%s is not a date string (%s)", e.show, wantDate)
		}
		if why := checkDate(e.str); why != "" {
			return fmt.Sprintf("%s is not a date: %s (%s)", e.show, why, wantDate)
		}
		return ""

	case KindCheckbox:
		if e.kind == jsonBool || e.kind == jsonString && (strings.EqualFold(e.str, "true") || strings.EqualFold(e.str, "false")) {
			return ""
		}
		return fmt.Sprintf("%s is not a boolean (%s)", e.show, wantCheckbox)

	case KindText, KindTextArea:
		switch e.kind {
		case jsonString:
			return ""
		case jsonNumber, jsonBool:
			return fmt.Sprintf("%s is not a string (want a string: send %q)", e.show, e.show)
		}
		return fmt.Sprintf("%s is not a string (want a string)", e.show)

	case KindRadio, KindDropdown:
		switch e.kind {
		case jsonString:
			return ""
		case jsonNumber:
			if isInteger(e.num) {
				return ""
			}
			return fmt.Sprintf("%s is not an option code: it is not an integer (%s)", e.show, wantChoice)
		}
		return fmt.Sprintf("%s is not an option code (%s)", e.show, wantChoice)
	}

	// KindUnknown: any single value.
	if e.kind == jsonObject || e.kind == jsonArray {
		return fmt.Sprintf("%s is not a single value (%s)", e.show, wantScalar)
	}
	return ""
}

// isDecimal reports whether s is a decimal number: -?digits(.digits)?([eE][+-]?digits)?.
func isDecimal(s string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// isInteger reports whether the JSON number literal s has an integral value.
func isInteger(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsInf(f, 0) && f == math.Trunc(f)
}

// checkDate returns why s is not a date YYYY-MM-DD, or "".
func checkDate(s string) string {
	shape := len(s) >= 10 && s[4] == '-' && s[7] == '-'
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		shape = shape && i < len(s) && s[i] >= '0' && s[i] <= '9'
	}
	if !shape {
		return "the layout is not YYYY-MM-DD"
	}
	if len(s) > 10 {
		if s[10] == ' ' || s[10] == 'T' {
			return "it has a time of day, which a date variable does not take"
		}
		return "the layout is not YYYY-MM-DD"
	}
	year, _ := strconv.Atoi(s[0:4])
	month, _ := strconv.Atoi(s[5:7])
	day, _ := strconv.Atoi(s[8:10])
	if month < 1 || month > 12 {
		return fmt.Sprintf("there is no month %d", month)
	}
	if year < 1 {
		return "there is no year 0"
	}
	if n := daysIn(year, time.Month(month)); day < 1 || day > n {
		return fmt.Sprintf("%s %d has %d days", time.Month(month), year, n)
	}
	return ""
}

// daysIn returns the number of days of the month.
func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
