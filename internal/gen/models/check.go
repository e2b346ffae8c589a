package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// modelPlan is a model's description checked against its struct: what the writers generate.
type modelPlan struct {
	Model
	st      *structType
	columns []cliColumn // nil without CLI
	tables  []*tablePlan
}

// cliColumn is one column of the CLI's output.
type cliColumn struct {
	f     *field
	shown bool
	text  string // the function that prints it, "" for the printer of its kind
}

// tablePlan is one reference table, checked.
type tablePlan struct {
	Table
	varName string      // e.g. "subjectKeywordsTable"
	list    *field      // the parent's list whose elements are the rows; nil for the model's own table
	parent  []*field    // the parent's fields that begin each row
	row     *structType // the struct whose fields the columns hold
	fields  []*field    // the columns taken from row's fields, in order
	dates   map[string]bool
}

// columnNames returns the names of all the table's columns, in order.
func (t *tablePlan) columnNames() []string {
	var names []string
	for _, f := range t.parent {
		names = append(names, f.name)
	}
	if t.Position != "" {
		names = append(names, t.Position)
	}
	for _, f := range t.fields {
		names = append(names, f.name)
	}
	return names
}

// checker collects the errors of a description, each prefixed with where it is.
type checker struct {
	errs []error
}

func (c *checker) errorf(where, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}

// fields resolves JSON names to fields of st, reporting unknown and repeated names.
func (c *checker) fields(where string, st *structType, names []string) []*field {
	var out []*field
	seen := map[string]bool{}
	for _, n := range names {
		f := st.field(n)
		switch {
		case f == nil:
			c.errorf(where, "%q is not a field of %s (its fields: %s)", n, st.name, strings.Join(st.names(), ", "))
			continue
		case seen[n]:
			c.errorf(where, "%q is named twice", n)
			continue
		}
		seen[n] = true
		out = append(out, f)
	}
	return out
}

// plan checks the description against the source and returns what to generate; the error
// lists every problem found.
func plan(src *source, desc []Model) ([]*modelPlan, error) {
	c := &checker{}
	described := map[string]bool{}
	for _, m := range desc {
		if described[m.Type] {
			c.errorf(m.Type, "described twice")
		}
		described[m.Type] = true
	}
	var plans []*modelPlan
	tableNames := map[string]bool{}
	for _, m := range desc {
		st := src.structs[m.Type]
		if st == nil {
			c.errorf(m.Type, "not a struct of package imednet")
			continue
		}
		if st.err != nil {
			c.errs = append(c.errs, st.err)
			continue
		}
		p := &modelPlan{Model: m, st: st}
		c.checkDecoding(p, src, described)
		if m.CLI != nil {
			p.columns = c.cliColumns(p)
		}
		for i, t := range m.Tables {
			tp := c.table(p, t, i == 0, src)
			if tp == nil {
				continue
			}
			if tableNames[t.Name] {
				c.errorf(m.Type, "table %s is described twice", t.Name)
			}
			tableNames[t.Name] = true
			p.tables = append(p.tables, tp)
		}
		plans = append(plans, p)
	}
	return plans, errors.Join(c.errs...)
}

// checkDecoding checks what the decoder needs: Extra, a setter or a hook for each field, the
// hooks' methods, list elements that are models.
func (c *checker) checkDecoding(p *modelPlan, src *source, described map[string]bool) {
	where := p.Type
	if !p.st.hasExtra {
		c.errorf(where, "no field Extra of type Extra, where the decoder keeps the members it does not know")
	}
	methods := src.methods[p.Type]
	hooked := map[string]bool{}
	for _, f := range c.fields(where+": Decode", p.st, sortedKeys(p.Decode)) {
		hooked[f.name] = true
		if m := p.Decode[f.name]; !methods[m] {
			c.errorf(where, "the decode hook of %s, %s, is not a method of *%s", f.name, m, p.Type)
		}
	}
	for _, f := range c.fields(where+": ReadAt", p.st, sortedKeys(p.ReadAt)) {
		if m := p.ReadAt[f.name]; !methods[m] {
			c.errorf(where, "the ReadAt method of %s, %s, is not a method of *%s", f.name, m, p.Type)
		}
		if !hooked[f.name] {
			c.errorf(where, "ReadAt: %s has no Decode hook, with which UnmarshalJSON decodes it", f.name)
		}
	}
	if len(p.ReadAt) > 1 {
		c.errorf(where, "ReadAt: %d fields; decodeAt reads at most one in place", len(p.ReadAt))
	}
	if len(p.ReadAt) > 0 && !p.InPlace {
		c.errorf(where, "ReadAt is for a model decoded in place (InPlace)")
	}
	if p.After != "" && !methods[p.After] {
		c.errorf(where, "After: %s is not a method of *%s", p.After, p.Type)
	}
	for _, f := range p.st.fields {
		switch {
		case hooked[f.name]:
		case f.kind == kOther:
			c.errorf(where, "%s.%s: type %s is not supported (string, int, bool, float64, Timestamp, json.RawMessage, "+
				"or a list of a model); give it a decode hook (Model.Decode)", p.Type, f.goName, f.typ)
		case f.kind == kList && !described[f.elem]:
			c.errorf(where, "%s.%s: %s is not a described model: add {Type: %q} to models", p.Type, f.goName, f.elem, f.elem)
		}
	}
}

// cliColumns checks the CLI description and returns the columns in order: one per field.
func (c *checker) cliColumns(p *modelPlan) []cliColumn {
	where := p.Type + ": CLI"
	var order []*field
	if p.CLI.Order == nil {
		for i := range p.st.fields {
			order = append(order, &p.st.fields[i])
		}
	} else {
		order = c.fields(where+".Order", p.st, p.CLI.Order)
		for _, f := range p.st.fields {
			if !slices.Contains(p.CLI.Order, f.name) {
				c.errorf(where+".Order", "%s is not placed: every field is a column", f.name)
			}
		}
	}
	shown := map[string]bool{}
	for _, f := range c.fields(where+".Shown", p.st, p.CLI.Shown) {
		shown[f.name] = true
	}
	c.fields(where+".Text", p.st, sortedKeys(p.CLI.Text))
	cols := make([]cliColumn, len(order))
	for i, f := range order {
		cols[i] = cliColumn{f: f, shown: shown[f.name], text: p.CLI.Text[f.name]}
	}
	return cols
}

// table checks one table of a model; first says whether it is the model's own.
func (c *checker) table(p *modelPlan, t Table, first bool, src *source) *tablePlan {
	where := p.Type + ": table " + t.Name
	tp := &tablePlan{Table: t, varName: camel(t.Name) + "Table", row: p.st, dates: map[string]bool{}}
	switch {
	case t.Name == "":
		c.errorf(p.Type, "a table has no Name")
		return nil
	case first && t.List != "":
		c.errorf(where, "the first table is the model's own: it has no List")
		return nil
	case !first && t.List == "":
		c.errorf(where, "a table after the first holds a list: name it (List)")
		return nil
	case first && (len(t.Parent) > 0 || t.Position != ""):
		c.errorf(where, "Parent and Position are for a list's table")
	}
	if !first && !c.listRows(tp, p, src) {
		return nil
	}
	placed := c.placeColumns(tp, p, first)
	for _, f := range c.fields(where+": Dates", tp.row, t.Dates) {
		if f.kind != kTime {
			c.errorf(where, "Dates: %s is a %s, not a Timestamp", f.name, f.typ)
		}
		if !slices.Contains(placed, f.name) {
			c.errorf(where, "Dates: %s is not a column", f.name)
		}
		tp.dates[f.name] = true
	}
	c.checkKey(tp, where)
	return tp
}

// listRows checks the list whose elements are the rows of a list's table, and the parent's
// fields that begin them; it reports whether the table can be generated.
func (c *checker) listRows(tp *tablePlan, p *modelPlan, src *source) bool {
	where := p.Type + ": table " + tp.Name
	fs := c.fields(where+": List", p.st, []string{tp.List})
	if len(fs) == 0 {
		return false
	}
	if tp.list = fs[0]; tp.list.kind != kList || src.structs[tp.list.elem] == nil {
		c.errorf(where, "List: %s is not a list of a model", tp.List)
		return false
	}
	tp.row = src.structs[tp.list.elem]
	tp.parent = c.fields(where+": Parent", p.st, tp.Parent)
	for _, f := range tp.parent {
		if _, ok := columnType(f.kind); !ok {
			c.errorf(where, "Parent: %s (%s) cannot be a column", f.name, f.typ)
		}
	}
	return true
}

// placeColumns sets the columns taken from the row's fields, checks that every field is a
// column, omitted, or (in the model's own table) a list with a table of its own, and returns
// the names of the columns.
func (c *checker) placeColumns(tp *tablePlan, p *modelPlan, first bool) []string {
	where := p.Type + ": table " + tp.Name
	ownTable := func(f *field) bool { return first && listHasTable(p.Tables, f.name) }
	c.fields(where+": Omit", tp.row, tp.Omit)
	var placed []string
	if tp.Columns != nil {
		tp.fields = c.fields(where+": Columns", tp.row, tp.Columns)
		placed = tp.Columns
	} else {
		for i := range tp.row.fields {
			if f := &tp.row.fields[i]; !slices.Contains(tp.Omit, f.name) && !ownTable(f) {
				tp.fields = append(tp.fields, f)
				placed = append(placed, f.name)
			}
		}
	}
	for i := range tp.row.fields {
		f := &tp.row.fields[i]
		column, omitted := slices.Contains(placed, f.name), slices.Contains(tp.Omit, f.name)
		switch {
		case column && (omitted || ownTable(f)):
			c.errorf(where, "%s is both a column and omitted or in a table of its own", f.name)
		case column && f.kind == kList:
			c.errorf(where, "%s is a list, which cannot be a column: give it a table of its own (List: %q), or omit it", f.name, f.name)
		case column:
			if _, ok := columnType(f.kind); !ok {
				c.errorf(where, "%s (%s) has no column type: omit it", f.name, f.typ)
			}
		case !omitted && !ownTable(f):
			c.errorf(where, "%s is not placed: add it to Columns, or omit it", f.name)
		}
	}
	return placed
}

// checkKey checks that the columns have distinct names and that the key names columns.
func (c *checker) checkKey(tp *tablePlan, where string) {
	names := tp.columnNames()
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			c.errorf(where, "two columns are named %s", n)
		}
		seen[n] = true
	}
	if len(tp.Key) == 0 {
		c.errorf(where, "no Key")
	}
	for _, k := range tp.Key {
		if !seen[k] {
			c.errorf(where, "Key: %q is not a column (the columns: %s)", k, strings.Join(names, ", "))
		}
	}
}

// listHasTable reports whether one of tables holds the list field name.
func listHasTable(tables []Table, name string) bool {
	for _, t := range tables {
		if t.List == name {
			return true
		}
	}
	return false
}

// camel turns a snake_case table name into a Go identifier: record_revisions is
// recordRevisions.
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// lowerFirst turns a type name into the start of an identifier: RecordRevision is
// recordRevision.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
