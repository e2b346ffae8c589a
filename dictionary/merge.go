package dictionary

import (
	"fmt"
	"strconv"
	"strings"
)

// Op is what happened to an item between two dictionaries.
type Op string

// The operations of a [Change].
const (
	Added   Op = "added"   // in the second dictionary only
	Removed Op = "removed" // in the first dictionary only
	Changed Op = "changed" // in both, with a different Field
)

// Change is one difference between two dictionaries: a form, a variable or a choice added,
// removed or changed. Old and New are the values of Field for a change, and a description of
// the item (a form's name; a variable's type and label; a choice's text) for an addition
// (New) or a removal (Old).
type Change struct {
	Op       Op     `json:"op"`
	Item     string `json:"item"`               // "form", "variable" or "choice"
	Form     string `json:"form"`               // the form key
	Variable string `json:"variable,omitempty"` // the variable name, for a variable or a choice
	Choice   string `json:"choice,omitempty"`   // the choice value, for a choice
	Field    string `json:"field,omitempty"`    // what changed: name, type, id (form); type, label (variable); text (choice)
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
}

// Path names the item: "AE", "AE.AESEV" or "AE.AESEV=1".
func (c Change) Path() string {
	s := c.Form
	if c.Variable != "" {
		s += "." + c.Variable
	}
	if c.Item == "choice" {
		s += "=" + c.Choice
	}
	return s
}

// String formats the change as one line of a diff: "+ variable AE.AEACN (Checkbox,
// "Action taken:")", "- choice AE.AESEV=4 ("Grade 4")", "~ variable AE.AESEV type: RADIO
// -> Dropdown".
func (c Change) String() string {
	switch c.Op {
	case Added:
		return fmt.Sprintf("+ %s %s (%s)", c.Item, c.Path(), c.New)
	case Removed:
		return fmt.Sprintf("- %s %s (%s)", c.Item, c.Path(), c.Old)
	}
	return fmt.Sprintf("~ %s %s %s: %s -> %s", c.Item, c.Path(), c.Field, show(c.Old), show(c.New))
}

// Describe formats the change naming the two sides, as [Merge]'s differences are told:
// "variable AE.AEOLD (TEXT, "Old field") is only in the API", "variable AE.AESEV: type RADIO
// in the API, Dropdown in the files" (with a and b "the API" and "the files").
func (c Change) Describe(a, b string) string {
	switch c.Op {
	case Added:
		return fmt.Sprintf("%s %s (%s) is only in %s", c.Item, c.Path(), c.New, b)
	case Removed:
		return fmt.Sprintf("%s %s (%s) is only in %s", c.Item, c.Path(), c.Old, a)
	}
	return fmt.Sprintf("%s %s: %s %s in %s, %s in %s", c.Item, c.Path(), c.Field, show(c.Old), a, show(c.New), b)
}

// show quotes a value when it has spaces or is empty.
func show(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\",") {
		return strconv.Quote(s)
	}
	return s
}

// Diff lists the differences from dictionary a to dictionary b, forms keyed by form key and
// variables by form and name: forms added and removed, and changed in name, type or id;
// variables added and removed, and changed in type or label; choices added and removed, and
// changed in text. Only active variables count (disabled and deleted ones are as absent).
// Variable types are compared by [Kind] when both are known, so that the API's "RADIO" and
// the files' "Radio" agree; form types ignore case, and the files' "Patient" is the API's
// "Subject". Choices are compared only when both dictionaries carry choice lists (both were
// read from the vendor's files, or merged with them).
//
// The changes come in a's form order (b's new forms after), each form's own changes first,
// then its variables in a's order (b's new ones after), each followed by its choices. Diff
// returns nil when the dictionaries agree.
func Diff(a, b *Dictionary) []Change {
	choices := a.sources&SourceFiles != 0 && b.sources&SourceFiles != 0
	status := a.sources&SourceAPI != 0 && b.sources&SourceAPI != 0
	var out []Change
	for _, fa := range a.forms {
		fb, ok := b.Form(fa.Key)
		if !ok {
			out = append(out, Change{Op: Removed, Item: "form", Form: fa.Key, Old: fa.Name})
			continue
		}
		out = diffForm(out, fa, fb, choices, status)
	}
	for _, fb := range b.forms {
		if _, ok := a.Form(fb.Key); !ok {
			out = append(out, Change{Op: Added, Item: "form", Form: fb.Key, New: fb.Name})
		}
	}
	return out
}

// diffForm appends the differences between two versions of a form.
func diffForm(out []Change, fa, fb *Form, choices, status bool) []Change {
	changed := func(field, old, new string) {
		out = append(out, Change{Op: Changed, Item: "form", Form: fa.Key, Field: field, Old: old, New: new})
	}
	if strings.TrimSpace(fa.Name) != strings.TrimSpace(fb.Name) {
		changed("name", fa.Name, fb.Name)
	}
	if formType(fa.Type) != formType(fb.Type) && fa.Type != "" && fb.Type != "" {
		changed("type", fa.Type, fb.Type)
	}
	if fa.ID != 0 && fb.ID != 0 && fa.ID != fb.ID {
		changed("id", strconv.Itoa(fa.ID), strconv.Itoa(fb.ID))
	}
	for _, va := range fa.Variables {
		if w, _ := fa.Variable(va.Name); w != va {
			continue // a name used twice (deleted and created again): compared once
		}
		vb, ok := fb.Variable(va.Name)
		switch {
		case !ok && va.Active():
			out = append(out, Change{Op: Removed, Item: "variable", Form: fa.Key, Variable: va.Name, Old: describeVar(va)})
		case ok:
			if status && va.Active() != vb.Active() {
				out = append(out, Change{Op: Changed, Item: "variable", Form: fa.Key, Variable: va.Name,
					Field: "status", Old: va.status(), New: vb.status()})
			}
			if va.Active() || vb.Active() {
				out = diffVariable(out, va, vb, choices)
			}
		}
	}
	for _, vb := range fb.Variables {
		if _, ok := fa.Variable(vb.Name); !ok && vb.Active() {
			out = append(out, Change{Op: Added, Item: "variable", Form: fa.Key, Variable: vb.Name, New: describeVar(vb)})
		}
	}
	return out
}

// formType normalises a form type: the vendor's "Patient" is the API's "Subject".
func formType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if t == "patient" {
		return "subject"
	}
	return t
}

// status is "active", "disabled" or "deleted".
func (v *Variable) status() string {
	switch {
	case v.Deleted:
		return "deleted"
	case v.Disabled:
		return "disabled"
	}
	return "active"
}

func describeVar(v *Variable) string {
	if v.Label == "" {
		return v.Type
	}
	return v.Type + ", " + strconv.Quote(v.Label)
}

// diffVariable appends the differences between two versions of a variable.
func diffVariable(out []Change, va, vb *Variable, choices bool) []Change {
	ch := Change{Op: Changed, Item: "variable", Form: va.FormKey, Variable: va.Name}
	sameType := va.Kind == vb.Kind
	if va.Kind == KindUnknown || vb.Kind == KindUnknown {
		sameType = strings.EqualFold(strings.TrimSpace(va.Type), strings.TrimSpace(vb.Type))
	}
	if !sameType {
		ch.Field, ch.Old, ch.New = "type", va.Type, vb.Type
		out = append(out, ch)
	}
	if strings.TrimSpace(va.Label) != strings.TrimSpace(vb.Label) {
		ch.Field, ch.Old, ch.New = "label", va.Label, vb.Label
		out = append(out, ch)
	}
	if !choices {
		return out
	}
	c := Change{Item: "choice", Form: va.FormKey, Variable: va.Name}
	for _, ca := range va.Choices {
		c.Choice = ca.Value
		cb, ok := vb.Choice(ca.Value)
		switch {
		case !ok:
			c.Op, c.Field, c.Old, c.New = Removed, "", ca.Text, ""
			out = append(out, c)
		case strings.TrimSpace(ca.Text) != strings.TrimSpace(cb.Text):
			c.Op, c.Field, c.Old, c.New = Changed, "text", ca.Text, cb.Text
			out = append(out, c)
		}
	}
	for _, cb := range vb.Choices {
		if _, ok := va.Choice(cb.Value); !ok {
			c.Choice = cb.Value
			c.Op, c.Field, c.Old, c.New = Added, "", "", cb.Text
			out = append(out, c)
		}
	}
	return out
}

// Merge completes the API's dictionary with the vendor's files, keyed by form key and by
// variable name within a form, and returns the merged dictionary and where the two disagree.
//
// The merged dictionary has the API's forms and variables in the API's order, each with what
// the files say of it (Form.FileName and FileType; Variable.FileType, FileLabel and Choices)
// and Sources telling where it is listed; then, after them, what only the files list (forms,
// and variables of a form, with Sources [SourceFiles]). Name, Type, Kind and Label stay the
// API's where it lists the item. The business logic is the files'.
//
// The differences are [Diff](api, files) without choices: a Removed item is in the API only,
// an Added one in the files only, a Changed one differs in a name, type or label (the API's
// value in Old, the files' in New). [Change.Describe] with "the API" and "the files" tells
// them in words.
func Merge(api, files *Dictionary) (*Dictionary, []Change) {
	d := &Dictionary{study: api.study, sources: api.sources | files.sources, logic: files.logic,
		byKey: map[string]*Form{}, byID: map[int]*Form{}}
	if d.study == "" {
		d.study = files.study
	}
	addForm := func(f *Form) {
		d.forms = append(d.forms, f)
		if _, dup := d.byKey[f.Key]; !dup && f.Key != "" {
			d.byKey[f.Key] = f
		}
		if _, dup := d.byID[f.ID]; !dup && f.ID != 0 {
			d.byID[f.ID] = f
		}
	}
	for _, fa := range api.forms {
		f := cloneForm(fa)
		if ff, ok := files.Form(fa.Key); ok {
			f.FileName, f.FileType = ff.FileName, ff.FileType
			f.Sources |= ff.Sources
			if f.ID == 0 {
				f.ID = ff.ID
			}
			for _, v := range f.Variables {
				if vf, ok := ff.Variable(v.Name); ok {
					v.FileType, v.FileLabel, v.Choices = vf.FileType, vf.FileLabel, vf.Choices
					v.Sources |= vf.Sources
				}
			}
			seq := 0
			for _, v := range f.Variables {
				seq = max(seq, v.Sequence)
			}
			for _, vf := range ff.Variables {
				if _, ok := fa.Variable(vf.Name); !ok {
					v := *vf
					seq++
					v.Sequence = seq
					f.Variables = append(f.Variables, &v)
				}
			}
		}
		f.index()
		addForm(f)
	}
	for _, ff := range files.forms {
		if _, ok := api.Form(ff.Key); !ok {
			f := cloneForm(ff)
			f.index()
			addForm(f)
		}
	}
	return d, Diff(api, files)
}

// cloneForm copies a form and its variables.
func cloneForm(src *Form) *Form {
	f := *src
	f.Variables = make([]*Variable, len(src.Variables))
	for i, v := range src.Variables {
		c := *v
		f.Variables[i] = &c
	}
	return &f
}

// index builds the form's name lookup: the active variable of a name, else the last one.
func (f *Form) index() {
	f.byName = make(map[string]*Variable, len(f.Variables))
	for _, v := range f.Variables {
		if prev, dup := f.byName[v.Name]; !dup || !prev.Active() && v.Active() {
			f.byName[v.Name] = v
		}
	}
}
