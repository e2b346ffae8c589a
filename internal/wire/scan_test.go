package wire

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// scanCases are documents with whether they are one valid JSON value. Each is also checked
// against encoding/json's json.Valid, so the expectations cannot drift from the standard.
var scanCases = []struct {
	in    string
	valid bool
}{
	// Literals.
	{`null`, true},
	{`true`, true},
	{`false`, true},
	{` 	
 true 
	`, true},
	{`nul`, false},
	{`nulll`, false},
	{`tru`, false},
	{`True`, false},
	{`FALSE`, false},
	{`falsey`, false},
	{`NaN`, false},
	{`Infinity`, false},
	{`undefined`, false},

	// Numbers.
	{`0`, true},
	{`-0`, true},
	{`1`, true},
	{`-1`, true},
	{`123`, true},
	{`1.5`, true},
	{`-1.5`, true},
	{`0.5`, true},
	{`1e3`, true},
	{`1E3`, true},
	{`1e+3`, true},
	{`1e-3`, true},
	{`1.5e-3`, true},
	{`0e0`, true},
	{`123456789012345678901234567890`, true},
	{`1e999`, true},
	{`01`, false},
	{`-01`, false},
	{`00`, false},
	{`1.`, false},
	{`1.e3`, false},
	{`.5`, false},
	{`-`, false},
	{`-.5`, false},
	{`+1`, false},
	{`1e`, false},
	{`1e+`, false},
	{`1e-`, false},
	{`1E`, false},
	{`0x10`, false},
	{`1_000`, false},
	{`--1`, false},
	{`- 1`, false},
	{`1 2`, false},

	// Strings.
	{`""`, true},
	{`"abc"`, true},
	{`"a\"b"`, true},
	{`"\\"`, true},
	{`"\/"`, true},
	{`"\b\f\n\r\t"`, true},
	{`"\u0041"`, true},
	{`"\u00e9\uD83D\uDE00"`, true},
	{`"\uD800"`, true}, // a lone surrogate is valid JSON
	{`"\uABCDef"`, true},
	{"\"caf\u00e9 \u6f22\"", true},
	{"\"\xff\xfe\"", true}, // encoding/json does not check UTF-8 either
	{"\"\x7f\"", true},
	{`"`, false},
	{`"abc`, false},
	{`"abc\"`, false},
	{`"\`, false},
	{`"\a"`, false},
	{`"\x41"`, false},
	{`"\'"`, false},
	{`"\u"`, false},
	{`"\u12"`, false},
	{`"\u123"`, false},
	{`"\u12G4"`, false},
	{`"\U0041"`, false},
	{"\"a\nb\"", false},
	{"\"a\tb\"", false},
	{"\"\x00\"", false},
	{"\"\x1f\"", false},
	{`'a'`, false},

	// Arrays.
	{`[]`, true},
	{`[ ]`, true},
	{`[1]`, true},
	{`[1,2,3]`, true},
	{` [ 1 , "a" , null , [ ] , { } ] `, true},
	{`[[[[]]]]`, true},
	{`[`, false},
	{`]`, false},
	{`[1`, false},
	{`[1,`, false},
	{`[1,]`, false},
	{`[,1]`, false},
	{`[,]`, false},
	{`[1 2]`, false},
	{`[1;2]`, false},
	{`[01]`, false},
	{`[1.]`, false},
	{`[truex]`, false},
	{`[1]]`, false},
	{`[[]`, false},

	// Objects.
	{`{}`, true},
	{`{ }`, true},
	{`{"a":1}`, true},
	{`{"a":1,"b":[true,{"c":null}]}`, true},
	{`{"a":1,"a":2}`, true},
	{`{"":""}`, true},
	{` { "a" : 1 , "b" : 2 } `, true},
	{`{`, false},
	{`}`, false},
	{`{"a"`, false},
	{`{"a":`, false},
	{`{"a":1`, false},
	{`{"a":1,`, false},
	{`{"a":1,}`, false},
	{`{,"a":1}`, false},
	{`{,}`, false},
	{`{"a" 1}`, false},
	{`{"a"=1}`, false},
	{`{"a"::1}`, false},
	{`{"a":1 "b":2}`, false},
	{`{"a":1;"b":2}`, false},
	{`{a:1}`, false},
	{`{'a':1}`, false},
	{`{1:1}`, false},
	{`{null:1}`, false},
	{`{"a":}`, false},
	{`{"a":1}}`, false},
	{`{"a":[}`, false},
	{`{"a":1]`, false},
	{`["a":1]`, false},

	// Documents: exactly one value.
	{``, false},
	{` `, false},
	{"\n\t\r ", false},
	{`1 1`, false},
	{`{} {}`, false},
	{`{}x`, false},
	{`[]]`, false},
	{`"a""b"`, false},
	{`null,`, false},
	{"\ufeff{}", false}, // a byte order mark is not space
	{"\v1", false},
	{"1\x00", false},
	{"\u00a0" + `1`, false},
}

func TestValidTable(t *testing.T) {
	for _, tc := range scanCases {
		if got := Valid([]byte(tc.in)); got != tc.valid {
			t.Errorf("Valid(%q) = %v, want %v", tc.in, got, tc.valid)
		}
		if std := json.Valid([]byte(tc.in)); std != tc.valid {
			t.Errorf("table is wrong: json.Valid(%q) = %v, want %v", tc.in, std, tc.valid)
		}
	}
}

func TestSkipValueEnd(t *testing.T) {
	// skipValue must stop right after the value, not before or past it.
	cases := []struct {
		in  string
		end int
	}{
		{`1,`, 1},
		{`  123 ,`, 5},
		{`-0.5e+10]`, 8},
		{`"a\"b" :`, 6},
		{`true}`, 4},
		{`null null`, 4},
		{`{"a":[1,2]} , 3`, 11},
		{`[{}, []]x`, 8},
		{`0123`, 1}, // the number is 0; what follows is the caller's problem
	}
	for _, tc := range cases {
		end, err := skipValue([]byte(tc.in), 0)
		if err != nil || end != tc.end {
			t.Errorf("skipValue(%q) = %d, %v; want %d, nil", tc.in, end, err, tc.end)
		}
	}
}

func TestSkipValueErrorOffset(t *testing.T) {
	cases := []struct {
		in     string
		offset int
	}{
		{``, 0},
		{`   `, 3},
		{`x`, 0},
		{`  x`, 2},
		{`[1,]`, 3},
		{`[1 2]`, 3},
		{`{"a":1,}`, 7},
		{`{"a" 1}`, 5},
		{`{"a":1`, 6},
		{`"abc`, 0},
		{`["a\q"]`, 3},
		{`[tru]`, 1},
		{"[\"a\x01\"]", 3},
	}
	for _, tc := range cases {
		_, err := skipValue([]byte(tc.in), 0)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("skipValue(%q): error %v is not a *SyntaxError", tc.in, err)
			continue
		}
		if se.Offset != tc.offset {
			t.Errorf("skipValue(%q): offset %d, want %d (%v)", tc.in, se.Offset, tc.offset, se)
		}
		if !strings.Contains(se.Error(), "offset") || se.Msg == "" {
			t.Errorf("skipValue(%q): unhelpful message %q", tc.in, se.Error())
		}
	}
}

func nested(open, close string, n int, inner string) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

func TestValidDepth(t *testing.T) {
	// encoding/json accepts exactly maxDepth levels of nesting; Valid must agree at the
	// boundary, and must return (not overflow the stack) far beyond it.
	cases := []string{
		nested("[", "]", maxDepth, ""),
		nested("[", "]", maxDepth, "1"),
		nested("[", "]", maxDepth+1, ""),
		nested(`{"a":`, "}", maxDepth, "null"),
		nested(`{"a":`, "}", maxDepth+1, "null"),
		nested(`[{"a":`, "}]", maxDepth/2, "1"),
		nested(`[{"a":`, "}]", maxDepth/2, "[]"),
	}
	for _, in := range cases {
		if got, want := Valid([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("Valid(%d bytes of nesting) = %v, json.Valid = %v", len(in), got, want)
		}
	}
	if !Valid([]byte(nested("[", "]", maxDepth, ""))) {
		t.Errorf("Valid rejects %d levels of nesting", maxDepth)
	}

	for _, in := range []string{
		strings.Repeat("[", 1_000_000),
		strings.Repeat(`{"a":`, 1_000_000),
		nested("[", "]", 1_000_000, ""),
	} {
		_, err := skipValue([]byte(in), 0)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "nesting") {
			t.Errorf("skipValue(%d bytes of nesting) = %v, want a nesting error", len(in), err)
		}
	}
}

// TestStopInWord checks the word-at-a-time test of skipString against the byte table (whether
// a word holds a byte that stops the scan, and which is the first): every
// byte value at every position of a word, among neighbours of every kind (plain text, bytes
// of UTF-8 sequences, and stops themselves, whose borrows could hide or invent a match), and
// random words.
func TestStopInWord(t *testing.T) {
	want := func(w [8]byte) int { // the position of the first stop, 8 for none
		for k, c := range w {
			if stopsString[c] {
				return k
			}
		}
		return 8
	}
	first := func(w [8]byte) int { return bits.TrailingZeros64(stopInWord(binary.LittleEndian.Uint64(w[:]))) >> 3 }
	for _, fill := range []byte{'a', ' ', '!', '#', '[', ']', 0x21, 0x7f, 0x80, 0xff, 0x1f, 0x00, '"', '\\', 0x20, 0x5b} {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				for k := range w {
					w[k] = fill
				}
				w[pos] = byte(c)
				if got := first(w); got != want(w) {
					t.Fatalf("stopInWord(%q): first stop at %d, want %d", w[:], got, want(w))
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		var w [8]byte
		for k := range w {
			// Mostly text, sometimes anything, so that words with and without stops both occur.
			if rng.IntN(16) == 0 {
				w[k] = byte(rng.IntN(256))
			} else {
				w[k] = byte(0x20 + rng.IntN(0x60))
			}
		}
		if got := first(w); got != want(w) {
			t.Fatalf("stopInWord(%q): first stop at %d, want %d", w[:], got, want(w))
		}
	}
}
