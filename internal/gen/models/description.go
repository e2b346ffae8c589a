package main

// The types of the description (models.go): what a model's struct cannot say about how the
// SDK decodes it, how the CLI prints it and how the export stores it. The struct itself
// declares each field once: its name (the json tag) and its kind (its Go type). Every field
// name in a description is checked against the struct; an unknown one fails generation.

// Model describes one struct of package imednet.
type Model struct {
	// Type is the struct's name, e.g. "Site". Its decoder is generated: UnmarshalJSON, and a
	// member method that stores one member of a JSON object, by the setter of the field's kind.
	Type string
	// InPlace also generates decodeAt, with which the pager decodes an item where it lies in
	// the page's body: decodeAt(data []byte, i int) (int, error). The pager's decodeItemAt
	// (pager.go) names each such type.
	InPlace bool
	// Decode maps a field (its JSON name) to the method of *Type that decodes it instead of the
	// setter of its kind: func (x *Type) name(f *wire.Field). A field of a type the generator
	// does not know must have one.
	Decode map[string]string
	// ReadAt maps a field that has a Decode hook to the method of *Type with which decodeAt
	// reads it in place, in the pass that finds where its value ends (see
	// wire.DecodeObjectAtOwn): func (x *Type) name(f *wire.Field, data []byte, at int) (int,
	// error). At most one field, of an InPlace model. (UnmarshalJSON still decodes the field
	// with its Decode hook.)
	ReadAt map[string]string
	// After names a method of *Type, func (x *Type) name(), called after every decoding (an
	// error included), e.g. to derive a field from others.
	After string
	// CLI, when set, generates the columns of the model's list and get commands.
	CLI *CLI
	// Tables are the export's reference tables that the model fills: the first is the model's
	// own table, each other one holds the elements of one of its lists.
	Tables []Table
}

// CLI describes the columns of the CLI's list and get commands for a model: one per field,
// named as the field.
type CLI struct {
	// Shown are the columns of the table format; CSV prints every column.
	Shown []string
	// Order, when set, lists every field in the order of the columns; nil means the struct's
	// order.
	Order []string
	// Text maps a field to the function of package resource that prints it,
	// func(*imednet.Type) string, instead of the printer of its kind.
	Text map[string]string
}

// Table describes one reference table of the export. Its columns are fields of the model (or,
// for a list's table, of the list's element type), stored as the type of their kind: text,
// integer, boolean, real, timestamp.
//
// Every field of the struct must be accounted for: a column, a list that has its own table,
// or omitted. So a field added to a struct appears in the table, or, when the table lists its
// Columns, fails generation until it is placed or omitted.
type Table struct {
	Name string   // the table's name, e.g. "sites"
	Key  []string // the columns of the primary key
	// List, for a list's table, is the parent's list field whose elements are its rows, e.g.
	// "keywords"; "" for the model's own table.
	List string
	// Parent are the parent's fields that begin each row of a list's table, e.g. "subjectId".
	Parent []string
	// Position, when set, is the name of a column after Parent that numbers the elements of
	// the list from 1.
	Position string
	// Columns, when set, lists the columns taken from the fields, in order; nil means every
	// field in the struct's order, less Omit and the lists.
	Columns []string
	// Omit are fields left out of the table.
	Omit []string
	// Dates are timestamp fields that hold calendar dates, stored as dates.
	Dates []string
}
