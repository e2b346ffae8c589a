package postgres

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"plain ü 🧪":              "plain ü 🧪",
		"a\x00b\x00":             "a\uFFFDb\uFFFD",
		"bad \xff\xfe utf-8":     "bad \uFFFD\uFFFD utf-8",
		"\x00\xff\xfe":           "\uFFFD\uFFFD\uFFFD",
		"surrogate \xed\xa0\x80": "surrogate \uFFFD\uFFFD\uFFFD", // UTF-8 has no surrogates
	} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanJSON(t *testing.T) {
	// PostgreSQL's json keeps all of these as they are: cleanJSON returns its input itself.
	for _, in := range []string{
		`{"a": 1}`, ` { "b" : [ 1 , 2 ] , "a" : null } `, `{"a": 1, "a": 2}`,
		`"\u0000"`, `{"k\u0000": ["\u0000x"]}`, `"\\\u0000"`,
		`"\ud83e\uddea"`, `"\ud800"`, `"\udc00\ud800"`, `"\ud800\u0041"`,
		`1e400`, `0.10`, `-0`, `1E+2`, `"\/"`, "\"\u2028 \uFFFF 🧪\"",
	} {
		b := []byte(in)
		got, replaced, err := cleanJSON(b)
		if err != nil || replaced || string(got) != in {
			t.Errorf("cleanJSON(%s) = %s, %v, %v; want it unchanged", in, got, replaced, err)
		} else if &got[0] != &b[0] {
			t.Errorf("cleanJSON(%s) copied a value it keeps", in)
		}
	}
	// Invalid UTF-8, which a UTF8 database cannot hold: each bad byte becomes U+FFFD.
	for in, want := range map[string]string{
		"\"bad \xff utf-8\"":             "\"bad \uFFFD utf-8\"",
		"{\"k\xfe\": [\"\xc3\", \"é\"]}": "{\"k\uFFFD\": [\"\uFFFD\", \"é\"]}",
		"\"\xed\xa0\x80\\u0000\"":        "\"\uFFFD\uFFFD\uFFFD\\u0000\"",
	} {
		b := []byte(in)
		got, replaced, err := cleanJSON(b)
		if err != nil || !replaced || string(got) != want {
			t.Errorf("cleanJSON(%q) = %q, %v, %v; want %q, true", in, got, replaced, err, want)
		}
		if string(b) != in {
			t.Errorf("cleanJSON modified its input %q", in)
		}
	}
	for _, bad := range []string{``, ` `, `{`, `{"a":1}}`, `'x'`, `"\x"`, "\"\x00\"", "\x00", `NaN`, `01`, `"\u12"`} {
		if _, _, err := cleanJSON([]byte(bad)); err == nil {
			t.Errorf("cleanJSON(%q) accepted invalid JSON", bad)
		}
	}
}

// FuzzCleanJSON checks that cleanJSON refuses what is not JSON, returns valid UTF-8 JSON
// unchanged, and otherwise changes only the invalid UTF-8: its output is valid JSON and valid
// UTF-8, and decodes to what its input decodes to (Go's decoder reads each invalid byte as
// U+FFFD too).
func FuzzCleanJSON(f *testing.F) {
	for _, s := range []string{`{"a": "\u0000"}`, `"\\\u0000\ud800"`, `["\udbff\udfff", "\\ud800"]`, `{"\u0000": [1.5e3, null]}`, "\"\xff\"", "{\"\xc3\": \"\xe2\x82\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		out, replaced, err := cleanJSON(in)
		if !bytes.Equal(in, orig) {
			t.Fatalf("cleanJSON modified its input")
		}
		if !json.Valid(in) {
			if err == nil {
				t.Fatalf("accepted invalid JSON %q", in)
			}
			return
		}
		if err != nil {
			t.Fatalf("cleanJSON(%q): %v", in, err)
		}
		if utf8.Valid(in) {
			if replaced || !bytes.Equal(out, in) {
				t.Fatalf("cleanJSON(%q) = %q, %v: want it unchanged", in, out, replaced)
			}
			return
		}
		if !replaced || !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("cleanJSON(%q) = %q, %v: want valid UTF-8 JSON, replaced", in, out, replaced)
		}
		if vin, vout := decodeNumbers(t, in), decodeNumbers(t, out); !reflect.DeepEqual(vin, vout) {
			t.Fatalf("cleanJSON(%q) = %q: decodes to %#v, want %#v", in, out, vout, vin)
		}
	})
}

// decodeNumbers decodes JSON, keeping numbers as json.Number (they may not fit a float64).
func decodeNumbers(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
