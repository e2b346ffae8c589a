package dictionary

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	imednet "github.com/imednet/imednet-go"
)

// Kind is a variable's type, normalised from the API's open variableType vocabulary.
type Kind int

// The kinds of variable. The API documents TEXT, TEXTAREA, RADIO, CHECKBOX, DROPDOWN, DATE
// and NUMBER; other spellings map as [KindOf] describes.
const (
	KindUnknown  Kind = iota // a type this package does not know: any single JSON value is accepted
	KindText                 // TEXT: a one-line string
	KindTextArea             // TEXTAREA (the vendor's "memo"): a multi-line string
	KindNumber               // NUMBER: a number
	KindDate                 // DATE: a day, YYYY-MM-DD
	KindRadio                // RADIO: the code of one option
	KindDropdown             // DROPDOWN: the code of one option
	KindCheckbox             // CHECKBOX: a boolean
)

var kindNames = [...]string{"unknown", "text", "textarea", "number", "date", "radio", "dropdown", "checkbox"}

// String returns the kind's lower-case name, such as "textarea".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// KindOf normalises a variableType as the API sends it. The match ignores case and
// surrounding space: TEXT; TEXTAREA and MEMO; NUMBER, NUMERIC, INTEGER, DECIMAL and FLOAT;
// DATE; RADIO; DROPDOWN; CHECKBOX. Anything else is [KindUnknown].
func KindOf(variableType string) Kind {
	switch strings.ToUpper(strings.TrimSpace(variableType)) {
	case "TEXT":
		return KindText
	case "TEXTAREA", "MEMO":
		return KindTextArea
	case "NUMBER", "NUMERIC", "INTEGER", "DECIMAL", "FLOAT":
		return KindNumber
	case "DATE":
		return KindDate
	case "RADIO":
		return KindRadio
	case "DROPDOWN":
		return KindDropdown
	case "CHECKBOX":
		return KindCheckbox
	}
	return KindUnknown
}

// Dictionary is a study's data dictionary: its forms, in the order they were listed, and each
// form's variables in sequence order. Build one with [Load] or [New]. A Dictionary is
// immutable and safe for concurrent use; the *Form and *Variable values it hands out are
// shared and must not be modified.
type Dictionary struct {
	study   string
	forms   []*Form
	byKey   map[string]*Form
	byID    map[int]*Form
	logic   []Rule
	sources Source
}

// Source says where a fact of the dictionary comes from: the API, the vendor's dictionary
// files, or both (SourceAPI|SourceFiles) once [Merge]d.
type Source uint8

// The sources of a dictionary, a form or a variable.
const (
	SourceAPI   Source = 1 << iota // the API's forms and variables ([Load], [New])
	SourceFiles                    // the vendor's dictionary files ([LoadFiles], [ParseFiles])
)

// String returns "api", "files", "api+files" or "none".
func (s Source) String() string {
	switch s {
	case SourceAPI:
		return "api"
	case SourceFiles:
		return "files"
	case SourceAPI | SourceFiles:
		return "api+files"
	}
	return "none"
}

// Form is a form (eCRF) of the study with its variables.
type Form struct {
	ID       int    // the API's formId
	Key      string // the user-defined formKey that record requests name, e.g. "AE"
	Name     string // the display name
	Type     string // the formType as sent, e.g. "Subject" or "Site"
	Disabled bool   // the form is soft-deleted and takes no records
	// FileName and FileType are the Form Name and Form Type of FORMS.csv, when the form is
	// in the vendor's files ("" otherwise). Name and Type are the API's when it lists the form.
	FileName, FileType string
	Sources            Source // where the form is listed
	// Variables are the form's variables in sequence order (ties by variable id), disabled
	// and deleted ones included.
	Variables []*Variable

	byName map[string]*Variable
}

// Variable is a field of a form.
type Variable struct {
	ID       int    // the API's variableId
	Name     string // the variableName: the key of the field in record data, case-sensitive
	Label    string // the label as sent
	Type     string // the variableType as sent, e.g. "RADIO"
	Kind     Kind   // Type normalised; see KindOf
	OID      string // the client-assigned variableOid
	Sequence int    // the position on the form
	Disabled bool   // the variable is disabled and takes no data
	Deleted  bool   // the variable is deleted and takes no data
	Blinded  bool   // the variable is hidden from some roles
	FormKey  string // the key of the form it belongs to
	// FileType and FileLabel are the Variable Type and Label of QUESTIONS.csv when the
	// variable is in the vendor's files ("" otherwise). Type, Kind and Label are the API's
	// when it lists the variable.
	FileType, FileLabel string
	// Choices are the options of a radio, dropdown or checkbox variable from CHOICES.csv,
	// in the order of their Position; nil when the files list none (or were not loaded).
	Choices []Choice
	Sources Source // where the variable is listed
}

// Choice returns the choice with the given value (code). Values match exactly.
func (v *Variable) Choice(value string) (Choice, bool) {
	for _, c := range v.Choices {
		if c.Value == value {
			return c, true
		}
	}
	return Choice{}, false
}

// ChoiceValues returns the values of the variable's choices, in order.
func (v *Variable) ChoiceValues() []string {
	out := make([]string, len(v.Choices))
	for i, c := range v.Choices {
		out[i] = c.Value
	}
	return out
}

// Coded reports whether the variable's values are codes of a choice list: it has choices
// and is a radio, dropdown or checkbox variable (or of a kind this package does not know).
func (v *Variable) Coded() bool {
	if len(v.Choices) == 0 {
		return false
	}
	switch v.Kind {
	case KindRadio, KindDropdown, KindCheckbox, KindUnknown:
		return true
	}
	return false
}

// Active reports whether the variable takes data: it is neither disabled nor deleted.
func (v *Variable) Active() bool { return !v.Disabled && !v.Deleted }

// Study returns the study key ("" for a dictionary read from the vendor's files alone).
func (d *Dictionary) Study() string { return d.study }

// Sources says what the dictionary was built from: the API, the vendor's files, or both.
func (d *Dictionary) Sources() Source { return d.sources }

// BusinessLogic returns the rules of BUSINESS_LOGIC.csv, in file order (nil without it).
func (d *Dictionary) BusinessLogic() []Rule { return slices.Clone(d.logic) }

// Variable returns the variable of the form formKey with the given name.
func (d *Dictionary) Variable(formKey, name string) (*Variable, bool) {
	f, ok := d.Form(formKey)
	if !ok {
		return nil, false
	}
	return f.Variable(name)
}

// Forms returns the forms in the order they were listed (formId ascending from [Load]).
// The slice is the caller's; the forms are shared.
func (d *Dictionary) Forms() []*Form { return slices.Clone(d.forms) }

// Form returns the form with the given formKey. Keys match exactly (case-sensitive).
func (d *Dictionary) Form(key string) (*Form, bool) {
	if key == "" {
		return nil, false
	}
	f, ok := d.byKey[key]
	return f, ok
}

// FormByID returns the form with the given formId.
func (d *Dictionary) FormByID(id int) (*Form, bool) {
	if id == 0 {
		return nil, false
	}
	f, ok := d.byID[id]
	return f, ok
}

// Variable returns the form's variable with the given name. Names are case-sensitive:
// "AETERM" and "aeterm" are different variables. When a name is used more than once (a
// variable deleted and created again), the active one is returned.
func (f *Form) Variable(name string) (*Variable, bool) {
	if f.byName != nil {
		v, ok := f.byName[name]
		return v, ok
	}
	var found *Variable
	for _, v := range f.Variables {
		if v.Name == name && (found == nil || !found.Active() && v.Active()) {
			found = v
		}
	}
	return found, found != nil
}

// maxNamed bounds how many inconsistencies the error of New lists.
const maxNamed = 10

// New builds the dictionary of study from forms and variables already fetched, as [Load]
// does after fetching them. The forms keep their order. Each variable joins the form its
// formId names, or, when formId is 0 or not a listed form, the form its formKey names.
//
// It returns an error, listing every inconsistency, when a variable belongs to no listed form
// (naming the variable), when a formId or formKey is listed twice, when a variableId is
// listed twice, when a variable's formKey contradicts its formId, or when two active
// variables of a form share a name.
func New(study string, forms []imednet.Form, vars []imednet.Variable) (*Dictionary, error) {
	d := &Dictionary{
		study:   study,
		sources: SourceAPI,
		forms:   make([]*Form, 0, len(forms)),
		byKey:   make(map[string]*Form, len(forms)),
		byID:    make(map[int]*Form, len(forms)),
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	for _, src := range forms {
		f := &Form{ID: src.FormID, Key: src.FormKey, Name: src.FormName, Type: src.FormType, Disabled: src.Disabled, Sources: SourceAPI}
		if f.ID != 0 {
			if g, dup := d.byID[f.ID]; dup {
				add("formId %d is listed twice (forms %q and %q)", f.ID, g.Key, f.Key)
			} else {
				d.byID[f.ID] = f
			}
		}
		if f.Key != "" {
			if g, dup := d.byKey[f.Key]; dup {
				add("formKey %q is listed twice (formIds %d and %d)", f.Key, g.ID, f.ID)
			} else {
				d.byKey[f.Key] = f
			}
		}
		d.forms = append(d.forms, f)
	}

	var orphans []string
	seen := make(map[int]string, len(vars))
	for _, src := range vars {
		v := &Variable{ID: src.VariableID, Name: src.VariableName, Label: src.Label, Type: src.VariableType,
			Kind: KindOf(src.VariableType), OID: src.VariableOID, Sequence: src.Sequence,
			Disabled: src.Disabled, Deleted: src.Deleted, Blinded: src.Blinded, Sources: SourceAPI}
		if v.ID != 0 {
			if name, dup := seen[v.ID]; dup {
				add("variableId %d is listed twice (%q and %q)", v.ID, name, v.Name)
				continue
			}
			seen[v.ID] = v.Name
		}
		f, ok := d.FormByID(src.FormID)
		if ok && src.FormKey != "" && src.FormKey != f.Key {
			add("variable %q (variableId %d) has formId %d, which is form %q, but formKey %q",
				v.Name, v.ID, src.FormID, f.Key, src.FormKey)
			continue
		}
		if !ok {
			f, ok = d.Form(src.FormKey)
		}
		if !ok {
			orphans = append(orphans, fmt.Sprintf("%q (variableId %d, formId %d, formKey %q)", v.Name, v.ID, src.FormID, src.FormKey))
			continue
		}
		v.FormKey = f.Key
		f.Variables = append(f.Variables, v)
	}
	if len(orphans) > 0 {
		if len(orphans) == 1 {
			add("1 variable belongs to no form of the study: %s", orphans[0])
		} else {
			add("%d variables belong to no form of the study: %s", len(orphans), listSome(orphans))
		}
	}

	for _, f := range d.forms {
		slices.SortStableFunc(f.Variables, func(a, b *Variable) int {
			return cmp.Or(cmp.Compare(a.Sequence, b.Sequence), cmp.Compare(a.ID, b.ID))
		})
		f.byName = make(map[string]*Variable, len(f.Variables))
		for _, v := range f.Variables {
			prev, dup := f.byName[v.Name]
			switch {
			case !dup || !prev.Active() && v.Active():
				f.byName[v.Name] = v
			case prev.Active() && v.Active():
				add("form %q has two active variables named %q (variableIds %d and %d)", f.Key, v.Name, prev.ID, v.ID)
			}
		}
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("dictionary: study %s: the forms and variables are inconsistent: %s", study, listSome(problems))
	}
	return d, nil
}

// listSome joins up to maxNamed items and says how many more there are.
func listSome(items []string) string {
	s := strings.Join(items[:min(len(items), maxNamed)], "; ")
	if n := len(items) - maxNamed; n > 0 {
		s += fmt.Sprintf("; and %d more", n)
	}
	return s
}
