package imednettest

import (
	"bytes"
	"encoding/csv"
	"strconv"
)

// The study's data dictionary as the vendor exports it: four CSV files, consistent with the
// forms and variables the API lists and with the generated records (a radio or dropdown
// value is always the code of one of its variable's choices).

// The names of the vendor's dictionary files.
const (
	FormsFile         = "FORMS.csv"
	QuestionsFile     = "QUESTIONS.csv"
	ChoicesFile       = "CHOICES.csv"
	BusinessLogicFile = "BUSINESS_LOGIC.csv"
)

// choiceValue is the code of choice k (0-based) of a variable: "1", "2", ...
func choiceValue(k int) string { return strconv.Itoa(k + 1) }

// vendorTypes are the display names the vendor's files give each variable type.
var vendorTypes = [...]string{vText: "Text", vTextarea: "Memo", vNumber: "Number", vDate: "Date",
	vRadio: "Radio", vDropdown: "Dropdown", vCheckbox: "Checkbox"}

// DictionaryFiles returns the study's data dictionary as iMednet exports it, the content of
// each file by name (FormsFile, QuestionsFile, ChoicesFile, BusinessLogicFile): UTF-8 CSV
// with a byte-order mark, CRLF line ends and a header row, as the vendor writes them.
//
//   - FORMS.csv lists every form (disabled ones too): Form ID (the API's formId), Form Key,
//     Form Type ("Patient" for subject forms, "Site"), Form Name;
//   - QUESTIONS.csv every variable in sequence order: Form, Variable Type (the vendor's
//     display names: Text, Memo, Number, Date, Radio, Dropdown, Checkbox), Variable Name,
//     Label (the API's label);
//   - CHOICES.csv the choices of every radio and dropdown variable: Form, Variable Type,
//     Variable Name, Choice Text, Choice Value ("1", "2", ...), Position. The generated
//     records' values of these variables are always one of the Choice Values. Checkbox
//     variables are booleans and have no choices;
//   - BUSINESS_LOGIC.csv a few rules per form: Type, Name, Status, ID, Form.
//
// The files are the same for the same seed and configuration.
func (st *Study) DictionaryFiles() map[string][]byte {
	st.mu.RLock()
	defer st.mu.RUnlock()
	forms := newCSV("Form ID", "Form Key", "Form Type", "Form Name")
	questions := newCSV("Form", "Variable Type", "Variable Name", "Label")
	choices := newCSV("Form", "Variable Type", "Variable Name", "Choice Text", "Choice Value", "Position")
	logic := newCSV("Type", "Name", "Status", "ID", "Form")
	ruleID := 100000 + 1000*st.index
	rule := func(name, status, form string) {
		ruleID++
		logic.row("Form", name, status, strconv.Itoa(ruleID), form)
	}
	for i := range st.forms {
		f := &st.forms[i]
		typ := "Patient"
		if f.typ == "Site" {
			typ = "Site"
		}
		forms.row(strconv.FormatInt(f.id, 10), f.key(), typ, f.name())
		for j := range f.varN {
			sp := st.vars[f.varStart+j].spec
			vt := vendorTypes[sp.typ]
			questions.row(f.key(), vt, sp.name, sp.label)
			for k, text := range sp.choices {
				choices.row(f.key(), vt, sp.name, text, choiceValue(k), strconv.Itoa(k+1))
			}
			if sp.required {
				status := "Active"
				if f.disabled {
					status = "Inactive"
				}
				rule("Required "+sp.name, status, f.key())
			}
			if sp.typ == vDate && sp.special == specEnd {
				rule(sp.name+" not before the start date", "Active", f.key())
			}
		}
	}
	return map[string][]byte{
		FormsFile: forms.bytes(), QuestionsFile: questions.bytes(), ChoicesFile: choices.bytes(), BusinessLogicFile: logic.bytes(),
	}
}

// csvFile is a CSV file being written the vendor's way.
type csvFile struct {
	buf bytes.Buffer
	w   *csv.Writer
}

func newCSV(header ...string) *csvFile {
	c := &csvFile{}
	c.buf.WriteString("\uFEFF")
	c.w = csv.NewWriter(&c.buf)
	c.w.UseCRLF = true
	c.row(header...)
	return c
}

func (c *csvFile) row(fields ...string) { _ = c.w.Write(fields) } // writes to a buffer: no error

func (c *csvFile) bytes() []byte {
	c.w.Flush()
	return c.buf.Bytes()
}
