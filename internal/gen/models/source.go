package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// kind is how a field is decoded, printed and stored, as its Go type says.
type kind int

const (
	kString kind = iota // string
	kInt                // int
	kBool               // bool
	kFloat              // float64
	kTime               // Timestamp
	kRaw                // json.RawMessage: any JSON, kept as sent
	kList               // []T, T a model
	kOther              // any other type: decoded only by a hook (Model.Decode)
)

// field is one field of a model's struct that the JSON carries.
type field struct {
	goName string // e.g. "SiteID"
	name   string // the JSON name, e.g. "siteId"
	kind   kind
	typ    string // the Go type as written, e.g. "[]Keyword"
	elem   string // for kList, the element type, e.g. "Keyword"
}

// structType is a struct of the package, with the fields the JSON carries in order.
type structType struct {
	name     string
	fields   []field
	hasExtra bool // it has a field Extra of type Extra
	// err is the first field the generator cannot read (an embedded field, no json tag); it is
	// reported only when a description names the struct.
	err error
}

// field returns the field with the JSON name, or nil.
func (s *structType) field(name string) *field {
	for i := range s.fields {
		if s.fields[i].name == name {
			return &s.fields[i]
		}
	}
	return nil
}

// names returns the fields' JSON names, in order.
func (s *structType) names() []string {
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.name
	}
	return names
}

// source is what the generator reads of package imednet: its structs and the methods of each
// type.
type source struct {
	structs map[string]*structType
	methods map[string]map[string]bool // type -> method names
}

// loadSource parses the Go files of the package in dir, less the tests and the files named
// in skip (the generator's own output).
func loadSource(dir string, skip ...string) (*source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || slices.Contains(skip, name) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return readSource(files), nil
}

// readSource collects the structs and methods of parsed files.
func readSource(files []*ast.File) *source {
	src := &source{structs: map[string]*structType{}, methods: map[string]map[string]bool{}}
	for _, f := range files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok || ts.TypeParams != nil {
						continue
					}
					if st, ok := ts.Type.(*ast.StructType); ok {
						src.structs[ts.Name.Name] = readStruct(ts.Name.Name, st)
					}
				}
			case *ast.FuncDecl:
				if recv := receiverType(d); recv != "" {
					if src.methods[recv] == nil {
						src.methods[recv] = map[string]bool{}
					}
					src.methods[recv][d.Name.Name] = true
				}
			}
		}
	}
	return src
}

// receiverType returns the name of a method's receiver type, "" for a function.
func receiverType(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) != 1 {
		return ""
	}
	t := d.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// readStruct reads the fields of a struct that have a JSON name.
func readStruct(name string, st *ast.StructType) *structType {
	s := &structType{name: name}
	for _, fl := range st.Fields.List {
		typ := exprString(fl.Type)
		if len(fl.Names) == 0 {
			s.fail(fmt.Errorf("%s: embedded field %s: the generator reads only named fields", name, typ))
			continue
		}
		tag := ""
		if fl.Tag != nil {
			if t, err := strconv.Unquote(fl.Tag.Value); err == nil {
				tag = reflect.StructTag(t).Get("json")
			}
		}
		jsonName, _, _ := strings.Cut(tag, ",")
		for _, id := range fl.Names {
			switch {
			case !id.IsExported():
				continue
			case id.Name == "Extra" && typ == "Extra":
				s.hasExtra = true
				continue
			case jsonName == "-":
				continue
			case jsonName == "":
				s.fail(fmt.Errorf("%s.%s: no json tag: name the field's JSON member, or json:\"-\"", name, id.Name))
				continue
			}
			k, elem := kindOf(fl.Type)
			s.fields = append(s.fields, field{goName: id.Name, name: jsonName, kind: k, typ: typ, elem: elem})
		}
	}
	return s
}

func (s *structType) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// kindOf returns the kind of a field's type, and for a list the element type.
func kindOf(t ast.Expr) (kind, string) {
	switch t := t.(type) {
	case *ast.Ident:
		switch t.Name {
		case "string":
			return kString, ""
		case "int":
			return kInt, ""
		case "bool":
			return kBool, ""
		case "float64":
			return kFloat, ""
		case "Timestamp":
			return kTime, ""
		}
	case *ast.SelectorExpr:
		if exprString(t) == "json.RawMessage" {
			return kRaw, ""
		}
	case *ast.ArrayType:
		if elem, ok := t.Elt.(*ast.Ident); ok && t.Len == nil && ast.IsExported(elem.Name) {
			return kList, elem.Name
		}
	}
	return kOther, ""
}

// exprString prints a type expression as written.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.ArrayType:
		if e.Len == nil {
			return "[]" + exprString(e.Elt)
		}
		return "[" + exprString(e.Len) + "]" + exprString(e.Elt)
	case *ast.BasicLit:
		return e.Value
	case *ast.MapType:
		return "map[" + exprString(e.Key) + "]" + exprString(e.Value)
	}
	return fmt.Sprintf("%T", e)
}
