package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Seed corpora are also committed under testdata/fuzz/<FuzzName>/.

// FuzzScanner checks that Valid agrees with encoding/json on every input, and that a valid
// document's value ends where its trailing spaces begin.
func FuzzScanner(f *testing.F) {
	for _, tc := range scanCases {
		f.Add([]byte(tc.in))
	}
	// The nesting limit is tested in TestValidDepth: inputs of maxDepth levels would make
	// the fuzzer spend its time minimising 20 kB inputs.
	f.Add([]byte(quirkyRecord))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := Valid(b), json.Valid(b)
		if got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid = %v", b, got, want)
		}
		end, err := skipValue(b, 0)
		if got {
			if err != nil || len(bytes.TrimRight(b, " \t\r\n")) != end {
				t.Fatalf("skipValue(%q) = %d, %v on a valid document", b, end, err)
			}
		} else if err == nil && skipSpace(b, end) == len(b) {
			t.Fatalf("skipValue(%q) accepted the whole of an invalid document", b)
		}
	})
}

type kv struct {
	key   string
	value string
}

// stdMembers lists the members of a JSON object in document order, duplicates included, as
// encoding/json's streaming Decoder reads them. ok is false when it does not read data as one
// object (or null).
func stdMembers(data []byte) (members []kv, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	if tok == nil { // null
		return nil, true
	}
	if tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		members = append(members, kv{tok.(string), string(raw)})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return members, true
}

// FuzzDecodeObject checks DecodeObject against encoding/json.
//
// DecodeObject visits every member, duplicates included, in document order; a member kept
// in Extra twice leaves the last value, which is what encoding/json stores in a map. So: when
// json.Unmarshal reads the input into a map[string]json.RawMessage, DecodeObject must succeed,
// visit exactly the (key, raw value) pairs encoding/json's Decoder reads, in the same order,
// and, keeping everything, build an Extra equal to encoding/json's map. When json.Valid is
// false it must fail with a *SyntaxError, and for valid JSON that is not an object it must
// fail with ErrNotObject.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"a":1}`, `{"a":1,"a":2}`, `{"a\u0000b":"\ud800"}`, "{\"\xff\":1}",
		` { "a" : [ 1 , { } ] , "b" : "" } `, `[]`, `1`, `"x"`, `{"a":1,}`, `{"a" 1}`, `{} x`,
		quirkyRecord,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var visited []kv
		var extra Extra
		err := DecodeObject(data, &extra, func(fl *Field) {
			visited = append(visited, kv{fl.Key, string(fl.Value)})
			fl.Keep()
		})

		if !json.Valid(data) {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("DecodeObject(%q) = %v on malformed JSON, want *SyntaxError", data, err)
			}
			if se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("DecodeObject(%q): offset %d out of the document", data, se.Offset)
			}
			return
		}

		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			if !errors.Is(err, ErrNotObject) {
				t.Fatalf("DecodeObject(%q) = %v on valid JSON that is not an object", data, err)
			}
			if len(visited) != 0 || extra != nil {
				t.Fatalf("DecodeObject(%q) visited members of a non-object", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("DecodeObject(%q) = %v; encoding/json reads it", data, err)
		}

		if len(m) == 0 {
			if extra != nil {
				t.Fatalf("DecodeObject(%q) allocated Extra for no members: %v", data, extra)
			}
		} else if len(extra) != len(m) {
			t.Fatalf("DecodeObject(%q): Extra has %d keys, encoding/json %d", data, len(extra), len(m))
		}
		for k, v := range m {
			if got, ok := extra[k]; !ok || !bytes.Equal(got, v) {
				t.Fatalf("DecodeObject(%q): Extra[%q] = %s, encoding/json %s", data, k, got, v)
			}
		}

		// Decoded in place within a larger document, the object gives the same members and
		// ends where its text does.
		doc := append(append([]byte(`[`), data...), `,1]`...)
		var inPlace []kv
		end, err := DecodeObjectAt(doc, 1, nil, func(fl *Field) { inPlace = append(inPlace, kv{fl.Key, string(fl.Value)}) })
		if want := 1 + len(bytes.TrimRight(data, " \t\r\n")); err != nil || end != want {
			t.Fatalf("DecodeObjectAt(%q, 1) = %d, %v; want %d", doc, end, err, want)
		}
		if !slices.Equal(inPlace, visited) {
			t.Fatalf("DecodeObjectAt visited %q, DecodeObject %q", inPlace, visited)
		}

		members, ok := stdMembers(data)
		if !ok {
			t.Fatalf("encoding/json's Decoder does not read %q", data)
		}
		if len(members) != len(visited) {
			t.Fatalf("DecodeObject(%q) visited %q, encoding/json %q", data, visited, members)
		}
		for i := range members {
			if members[i] != visited[i] {
				t.Fatalf("DecodeObject(%q) member %d = %q, encoding/json %q", data, i, visited[i], members[i])
			}
		}
	})
}

// FuzzValue checks that a Value's readers never panic and agree with encoding/json where
// both read a value.
func FuzzValue(f *testing.F) {
	for _, s := range []string{
		`"5"`, `" 5 "`, `"123.0"`, `1e3`, `9223372036854775808`, `-9223372036854775808`, `"Yes"`,
		`"\u00e9"`, `"a\"b"`, `null`, `true`, `[1]`, `{}`, `"1e-400"`, `0.1e1`, `"0x10"`, `"`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := Value(b)
		_ = v.Kind().String()
		_ = v.IsAbsent()
		s, textOK := v.Text()
		n, intOK := v.Int()
		x, floatOK := v.Float()
		_, _ = v.Bool()
		_, _ = ParseTimeValue(v)
		// The comparisons hold for a Value as the decoder makes one: exactly one valid JSON
		// value, without surrounding spaces.
		if end, err := skipValue(b, 0); err != nil || end != len(b) || isSpace(b[0]) {
			return
		}
		switch v.Kind() {
		case String:
			var std string
			if err := json.Unmarshal(b, &std); err != nil || !textOK || s != std {
				t.Fatalf("Value(%q).Text() = %q, %v; encoding/json %q, %v", b, s, textOK, std, err)
			}
		case Number:
			var std int
			if json.Unmarshal(b, &std) == nil && (!intOK || n != std) {
				t.Fatalf("Value(%q).Int() = %d, %v; encoding/json %d", b, n, intOK, std)
			}
			var stdf float64
			if json.Unmarshal(b, &stdf) == nil && (!floatOK || x != stdf) {
				t.Fatalf("Value(%q).Float() = %v, %v; encoding/json %v", b, x, floatOK, stdf)
			}
		}
		if v.Kind() == Number {
			// big.Rat reads the number exactly: Int must take it iff it is an integer in
			// range, and Bool must say whether it is zero. (Skip huge exponents, for which
			// big.Rat would compute 10^exp.)
			if i := bytes.IndexAny(b, "eE"); i >= 0 && len(bytes.TrimLeft(b[i+1:], "+-0")) > 3 {
				return
			}
			r, ok := new(big.Rat).SetString(string(b))
			if !ok {
				t.Fatalf("big.Rat does not read the JSON number %q", b)
			}
			fits := r.IsInt() && r.Num().IsInt64() && strconv.IntSize == 64
			if intOK != fits || (fits && int64(n) != r.Num().Int64()) {
				t.Fatalf("Value(%q).Int() = %d, %v; exactly %s", b, n, intOK, r.RatString())
			}
			if bl, ok := v.Bool(); !ok || bl != (r.Sign() != 0) {
				t.Fatalf("Value(%q).Bool() = %v, %v", b, bl, ok)
			}
		}
	})
}

// FuzzParseTime checks that ParseTime never panics, that it agrees with time.Parse tried with
// every layout (its shortcuts change nothing), that a parsed time formatted with String reads
// back as the same instant (and the same DateOnly), and that the JSON encoding of any result
// decodes to the same value.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2025-06-05 21:12:08", "2021-12-09T08:23:21.99Z", "2025-06-30T21:40:44.98268",
		"2024-01-02 00:00:00+00:00", "2025-06-05", "2025-02-30 10:00:00", "2024-01-02T01:00:00+01:00",
		"0000-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "0001-01-01", "garbage", "",
		"2021-12-09T08:23:21,5Z", "2021-12-09T08:23:21.1234567891234Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseTime(s)
		if want := parseTimeReference(s); got != want {
			t.Fatalf("ParseTime(%q) = %#v, time.Parse with every layout %#v", s, got, want)
		}
		switch {
		case got.Raw != "":
			if !got.Time.IsZero() || got.DateOnly || got.Raw != strings.TrimSpace(s) {
				t.Fatalf("ParseTime(%q) = %#v: raw with a time", s, got)
			}
		case got.Valid():
			if got.Time.Location() != time.UTC || got.Time.Year() < 0 || got.Time.Year() > 9999 {
				t.Fatalf("ParseTime(%q) = %#v: not UTC in years 0–9999", s, got)
			}
			back := ParseTime(got.String())
			if !back.Valid() || !back.Time.Equal(got.Time) || back.DateOnly != got.DateOnly {
				t.Fatalf("ParseTime(%q) = %v, but ParseTime(%q) = %#v", s, got.Time, got.String(), back)
			}
		default:
			if got != (Time{}) {
				t.Fatalf("ParseTime(%q) = %#v: neither valid, raw nor zero", s, got)
			}
		}

		// JSON cannot carry invalid UTF-8 (encoding/json writes U+FFFD), so neither can a
		// Raw that came from JSON: the remaining checks need valid text.
		if !utf8.ValidString(s) {
			return
		}
		data, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("json.Marshal(%#v): %v", got, err)
		}
		var dec Time
		if err := json.Unmarshal(data, &dec); err != nil || dec != got {
			t.Fatalf("ParseTime(%q) = %#v encodes as %s, which decodes as %#v, %v", s, got, data, dec, err)
		}

		{
			quoted, _ := json.Marshal(s)
			if v, ok := ParseTimeValue(quoted); !ok || v != got {
				t.Fatalf("ParseTimeValue(%s) = %#v, %v; ParseTime = %#v", quoted, v, ok, got)
			}
		}
	})
}
