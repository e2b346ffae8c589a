// Command models generates the code that follows from the model structs of package imednet,
// so that each field of the API is declared once, in its struct (its JSON name in the json
// tag, its kind in its Go type):
//
//   - decode_gen.go, in package imednet: each model's tolerant decoder (UnmarshalJSON, and
//     decodeAt for the models the pager decodes in place), a switch over the JSON members on
//     package wire's setters, free of reflection;
//   - export/reference_gen.go: the export's reference tables, each model's row function and
//     the emitter of its rows (the model's own and its lists');
//   - internal/cli/resource/columns_gen.go: the columns of the CLI's list and get commands.
//
// What a struct cannot say (the columns the CLI shows by default, the tables' names and keys,
// the explicit column orders, the fields decoded by hand) is in models.go, checked against
// the structs: a name that is not a field fails generation, and so does a field that a table
// with an explicit order does not place.
//
// Run it from the module's root, as go generate does (the directive is in doc.go):
//
//	go run ./internal/gen/models
//
// The package's test fails when the committed files differ from what it generates.
//
// # Adding a field
//
// Declare it in the model's struct with its json tag and run go generate ./...: it is decoded,
// printed by the CLI (in CSV and JSON; add it to CLI.Shown for the table format) and stored in
// the model's reference table. Where the description gives an explicit order (CLI.Order,
// Table.Columns), generation fails until the field is placed there or, for a table, omitted
// (Table.Omit). A field of another type than string, int, bool, float64, Timestamp,
// json.RawMessage or a list of a model needs a decode hook (Model.Decode).
//
// # Adding a model
//
// Declare its struct in package imednet, with an Extra field (json:"-"), add a Model to
// models.go (with CLI and Tables as needed; a list of another model needs that model
// described too) and run go generate ./.... The rest is by hand: the service's methods, the
// CLI's Spec (internal/cli/resource/specs.go, Columns: <model>Columns), the export's source
// (referenceSources in export/reference.go: scoped(resource, idField, nil, <model>Tables,
// emit<Model>)), and the test server's endpoint with its line in the listings of
// imednettest/model_fields_test.go.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// The generated files, relative to the module's root.
const (
	decodeFile  = "decode_gen.go"
	exportFile  = "export/reference_gen.go"
	columnsFile = "internal/cli/resource/columns_gen.go"
)

func main() {
	root := flag.String("root", ".", "the module's root directory")
	flag.Parse()
	files, err := generate(*root, models)
	if err != nil {
		fmt.Fprintln(os.Stderr, "models:", err)
		os.Exit(1)
	}
	for _, path := range sortedPaths(files) {
		full := filepath.Join(*root, filepath.FromSlash(path))
		if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, files[path]) {
			continue
		}
		if err := os.WriteFile(full, files[path], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "models:", err)
			os.Exit(1)
		}
	}
}

// generate reads package imednet in root, checks desc against its structs, and returns the
// generated files by path relative to root.
func generate(root string, desc []Model) (map[string][]byte, error) {
	src, err := loadSource(root, decodeFile)
	if err != nil {
		return nil, err
	}
	plans, err := plan(src, desc)
	if err != nil {
		return nil, fmt.Errorf("models.go does not match the structs of package imednet:\n%w", err)
	}
	files := map[string][]byte{}
	for path, write := range map[string]func([]*modelPlan) *file{
		decodeFile:  writeDecoders,
		exportFile:  writeExport,
		columnsFile: writeColumns,
	} {
		b, err := write(plans).bytes()
		if err != nil {
			return nil, err
		}
		files[path] = b
	}
	return files, nil
}

// sortedPaths returns the paths of files, sorted.
func sortedPaths(files map[string][]byte) []string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}
