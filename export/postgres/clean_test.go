package postgres

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"plain ü 🧪":          "plain ü 🧪",
		"a\x00b\x00":         "a\uFFFDb\uFFFD",
		"bad \xff\xfe utf-8": "bad \uFFFD\uFFFD utf-8",
		"\x00\xff\xfe":       "\uFFFD\uFFFD\uFFFD",
	} {
		if got := cleanText(in); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": 1}`:                   `{"a": 1}`,
		`"\u0000"`:                   `"\ufffd"`,
		`{"k\u0000": ["\u0000x"]}`:   `{"k\ufffd": ["\ufffdx"]}`,
		`"\\u0000"`:                  `"\\u0000"`,      // an escaped backslash, then text
		`"\\\u0000"`:                 `"\\\ufffd"`,     // an escaped backslash, then the escape
		`"\ud83e\uddea"`:             `"\ud83e\uddea"`, // a surrogate pair is fine
		`"\uD83E\uDDEA"`:             `"\uD83E\uDDEA"`,
		`"\ud800"`:                   `"\ufffd"`,
		`"\ud800x"`:                  `"\ufffdx"`,
		`"\udc00\ud800"`:             `"\ufffd\ufffd"`,
		`"\ud800\ud800\udc00"`:       `"\ufffd\ud800\udc00"`,
		`"\ud800\u0041"`:             `"\ufffd\u0041"`,
		`"\"\u0000\n"`:               `"\"\ufffd\n"`,
		"\"bad \xff utf-8\"":         "\"bad \uFFFD utf-8\"",
		`[1, "\u00000", true, null]`: `[1, "\ufffd0", true, null]`,
	} {
		got, err := cleanJSON([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("cleanJSON(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1}}`, `'x'`, `"\x"`, "\"\x00\"", `NaN`} {
		if _, err := cleanJSON([]byte(bad)); err == nil {
			t.Errorf("cleanJSON(%q) accepted invalid JSON", bad)
		}
	}
	in := []byte(`"\u0000"`)
	cleanJSON(in)
	if string(in) != `"\u0000"` {
		t.Errorf("cleanJSON modified its input: %s", in)
	}
}

// FuzzCleanJSON checks that cleanJSON keeps valid JSON valid, leaves no escape that jsonb
// refuses, and changes nothing else: decoded, its output equals its input decoded, with the
// NUL characters (and what Go already decodes as U+FFFD) replaced by U+FFFD.
func FuzzCleanJSON(f *testing.F) {
	for _, s := range []string{`{"a": "\u0000"}`, `"\\\u0000\ud800"`, `["\udbff\udfff", "\\ud800"]`, `{"\u0000": [1.5e3, null]}`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			if _, err := cleanJSON(in); err == nil {
				t.Fatalf("accepted invalid JSON %q", in)
			}
			return
		}
		orig := bytes.Clone(in)
		out, err := cleanJSON(in)
		if err != nil {
			t.Fatalf("cleanJSON(%q): %v", in, err)
		}
		if !bytes.Equal(in, orig) {
			t.Fatalf("cleanJSON modified its input")
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("cleanJSON(%q) = %q: not valid", in, out)
		}
		// Go decodes an unpaired surrogate escape as U+FFFD, as the output has it.
		vin, vout := decodeNumbers(t, in), decodeNumbers(t, out)
		collided := false
		if want := replaceNUL(vin, &collided); !collided && !reflect.DeepEqual(vout, want) {
			t.Fatalf("cleanJSON(%q) = %q: decodes to %#v, want %#v", in, out, vout, want)
		}
		if hasBadEscape(out) {
			t.Fatalf("cleanJSON(%q) = %q keeps an escape jsonb refuses", in, out)
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

// replaceNUL replaces NUL characters in the strings and keys of a decoded JSON value. It sets
// *collided when two keys of an object become one, whose value then depends on their order,
// which decoding into a map loses.
func replaceNUL(v any, collided *bool) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(v, "\x00", "\uFFFD")
	case []any:
		for i := range v {
			v[i] = replaceNUL(v[i], collided)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			k = strings.ReplaceAll(k, "\x00", "\uFFFD")
			if _, dup := out[k]; dup {
				*collided = true
			}
			out[k] = replaceNUL(x, collided)
		}
		return out
	}
	return v
}

// hasBadEscape reports whether valid JSON holds the escape \u0000 or a \u escape of an
// unpaired surrogate.
func hasBadEscape(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++
			continue
		}
		r := hex4(b[i+2 : i+6])
		switch {
		case r == 0, r >= 0xDC00 && r < 0xE000:
			return true
		case r >= 0xD800 && r < 0xDC00:
			if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return true
			}
			if lo := hex4(b[i+8 : i+12]); lo < 0xDC00 || lo >= 0xE000 {
				return true
			}
			i += 6
		}
		i += 5
	}
	return false
}
