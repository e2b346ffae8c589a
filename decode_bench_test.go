package imednet

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// benchItems returns the items of a documented list example (testdata/spec), repeated to make
// n items, and the same items as one JSON array.
func benchItems(b *testing.B, file string, n int) (items []json.RawMessage, array []byte) {
	b.Helper()
	doc, err := os.ReadFile(filepath.Join("testdata", "spec", file))
	if err != nil {
		b.Fatal(err)
	}
	var env struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(doc, &env); err != nil || len(env.Data) == 0 {
		b.Fatalf("%s: no items (%v)", file, err)
	}
	array = []byte{'['}
	for i := range n {
		var compact bytes.Buffer
		if err := json.Compact(&compact, env.Data[i%len(env.Data)]); err != nil {
			b.Fatal(err)
		}
		items = append(items, compact.Bytes())
		if i > 0 {
			array = append(array, ',')
		}
		array = append(array, compact.Bytes()...)
	}
	return items, append(array, ']')
}

// benchUnmarshal decodes every item with T's UnmarshalJSON.
func benchUnmarshal[T any, P decoder[T]](b *testing.B, items []json.RawMessage) {
	size := 0
	for _, it := range items {
		size += len(it)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var v T
	for b.Loop() {
		for _, it := range items {
			if err := P(&v).UnmarshalJSON(it); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchDecodeAt decodes every item of array in place, as the pager does.
func benchDecodeAt[T any](b *testing.B, array []byte, n int, decodeAt func(*T, []byte, int) (int, error)) {
	b.SetBytes(int64(len(array)))
	b.ReportAllocs()
	var v T
	for b.Loop() {
		at := 1
		for range n {
			end, err := decodeAt(&v, array, at)
			if err != nil {
				b.Fatal(err)
			}
			at = end + 1 // past the comma or the closing bracket
		}
		if at != len(array) {
			b.Fatalf("the items ended at %d of %d bytes", at, len(array))
		}
	}
}

// BenchmarkDecode decodes 100 items of each model, taken from the API's documented examples:
// UnmarshalJSON item by item, and, for the models the pager decodes in place, DecodeAt over
// the whole array.
func BenchmarkDecode(b *testing.B) {
	const n = 100
	unmarshal := []struct {
		model, file string
		run         func(*testing.B, []json.RawMessage)
	}{
		{"Study", "ExampleStudiesList.json", benchUnmarshal[Study]},
		{"Site", "ExampleSitesList.json", benchUnmarshal[Site]},
		{"Subject", "ExampleSubjectsList.json", benchUnmarshal[Subject]},
		{"Form", "ExampleFormsList.json", benchUnmarshal[Form]},
		{"Interval", "ExampleIntervalsList.json", benchUnmarshal[Interval]},
		{"Visit", "ExampleVisitsList.json", benchUnmarshal[Visit]},
		{"Variable", "ExampleVariablesList.json", benchUnmarshal[Variable]},
		{"Record", "ExampleRecordsList.json", benchUnmarshal[Record]},
		{"RecordRevision", "ExampleRecordRevisionsList.json", benchUnmarshal[RecordRevision]},
		{"Query", "ExampleQueriesList.json", benchUnmarshal[Query]},
		{"User", "ExampleUsersList.json", benchUnmarshal[User]},
		{"Coding", "ExampleCodingsList.json", benchUnmarshal[Coding]},
	}
	for _, bc := range unmarshal {
		items, _ := benchItems(b, bc.file, n)
		b.Run(bc.model+"/UnmarshalJSON", func(b *testing.B) { bc.run(b, items) })
	}
	inPlace := []struct {
		model, file string
		run         func(*testing.B, []byte)
	}{
		{"Record", "ExampleRecordsList.json", func(b *testing.B, a []byte) {
			benchDecodeAt(b, a, n, (*Record).decodeAt)
		}},
		{"RecordRevision", "ExampleRecordRevisionsList.json", func(b *testing.B, a []byte) { benchDecodeAt(b, a, n, (*RecordRevision).decodeAt) }},
		{"Visit", "ExampleVisitsList.json", func(b *testing.B, a []byte) { benchDecodeAt(b, a, n, (*Visit).decodeAt) }},
		{"Coding", "ExampleCodingsList.json", func(b *testing.B, a []byte) { benchDecodeAt(b, a, n, (*Coding).decodeAt) }},
		{"Query", "ExampleQueriesList.json", func(b *testing.B, a []byte) { benchDecodeAt(b, a, n, (*Query).decodeAt) }},
		{"Subject", "ExampleSubjectsList.json", func(b *testing.B, a []byte) { benchDecodeAt(b, a, n, (*Subject).decodeAt) }},
	}
	for _, bc := range inPlace {
		_, array := benchItems(b, bc.file, n)
		b.Run(bc.model+"/DecodeAt", func(b *testing.B) { bc.run(b, array) })
	}
}
