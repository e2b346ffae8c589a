// Package output writes the imednet command's results in the formats of its --output flag:
// an aligned table for people, and JSON, JSON Lines or CSV for programs.
//
// A command describes its items once, as a list of [Column] values (the API's field name and
// how to print the field as text), and streams them through a [List]:
//
//	l := output.NewList(w, format, columns, "site", "sites")
//	for site, err := range client.Sites.All(ctx, study, opts) {
//		...
//		if err := l.Add(&site); err != nil { ... }
//	}
//	return l.Close()
//
// JSON and JSON Lines encode each item with encoding/json, so the SDK models' own field names
// (the API's camelCase names) and timestamps (RFC 3339, UTC) are kept; CSV and the table print
// the columns. Everything but the table streams in constant memory.
package output

import (
	"fmt"
	"strings"
)

// Format is an output format.
type Format string

// The output formats.
const (
	Table Format = "table" // aligned columns for a terminal, long values cut, a count line
	JSON  Format = "json"  // one JSON array of the items (a single object for one item)
	JSONL Format = "jsonl" // one JSON object per line
	CSV   Format = "csv"   // a header line, then one row per item
)

// Formats lists the formats, in the order the help shows them.
var Formats = []Format{Table, JSON, JSONL, CSV}

// ParseFormat reads a --output value; case and surrounding space are ignored.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Formats {
		if f == known {
			return f, nil
		}
	}
	return "", fmt.Errorf("invalid output format %q: use table, json, jsonl or csv", s)
}

// Column describes one field of an item of type T, as the table and CSV print it.
type Column[T any] struct {
	// Name is the API's field name (camelCase), used as the header; it is also the name the
	// --filter and --sort flags take.
	Name string
	// Value prints the field as text: timestamps in RFC 3339 UTC, lists as compact JSON.
	Value func(*T) string
	// Append, when set, appends to b the same text as Value, so that CSV writes the cell
	// without a string of its own.
	Append func(b []byte, x *T) []byte
	// Table includes the column in the table format. CSV prints every column.
	Table bool
}
