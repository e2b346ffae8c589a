package wire

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestKind(t *testing.T) {
	cases := []struct {
		in   string
		kind Kind
		text string
	}{
		{``, Invalid, "nothing"},
		{` 1`, Invalid, "nothing"}, // a Value starts at its first byte
		{`x`, Invalid, "nothing"},
		{`null`, Null, "null"},
		{`""`, String, "a string"},
		{`"x"`, String, "a string"},
		{`0`, Number, "a number"},
		{`-1`, Number, "a number"},
		{`9`, Number, "a number"},
		{`true`, Bool, "a boolean"},
		{`false`, Bool, "a boolean"},
		{`{}`, Object, "an object"},
		{`[]`, Array, "an array"},
	}
	for _, tc := range cases {
		k := Value(tc.in).Kind()
		if k != tc.kind {
			t.Errorf("Value(%q).Kind() = %v, want %v", tc.in, k, tc.kind)
		}
		if k.String() != tc.text {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), tc.text)
		}
	}
	if got := Kind(200).String(); got != "nothing" {
		t.Errorf("Kind(200).String() = %q", got)
	}
}

func TestIsAbsent(t *testing.T) {
	cases := []struct {
		in     string
		absent bool
	}{
		{``, true},
		{`null`, true},
		{`""`, true},
		{`"   "`, true},
		{`" \t\n "`, true},
		{`"\u0020"`, true},
		{`"\u00a0"`, true}, // no-break space is space to strings.TrimSpace
		{`"0"`, false},
		{`"x"`, false},
		{`" x "`, false},
		{`0`, false},
		{`false`, false},
		{`{}`, false},
		{`[]`, false},
	}
	for _, tc := range cases {
		if got := Value(tc.in).IsAbsent(); got != tc.absent {
			t.Errorf("Value(%s).IsAbsent() = %v, want %v", tc.in, got, tc.absent)
		}
	}
}

func TestText(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{`null`, "", true},
		{`""`, "", true},
		{`"abc"`, "abc", true},
		{`" padded "`, " padded ", true},
		{`"a\"b"`, `a"b`, true},
		{`"a\\b"`, `a\b`, true},
		{`"a\/b"`, `a/b`, true},
		{`"line\nnext\ttab\r\b\f"`, "line\nnext\ttab\r\b\f", true},
		{`"\u0041\u00e9"`, "Aé", true},
		{`"\uD83D\uDE00"`, "😀", true},
		{`"\uD800"`, "\uFFFD", true}, // lone surrogate, as encoding/json
		{"\"caf\u00e9 \u6f22\u5b57\"", "café 漢字", true},
		{"\"a\xffb\"", "a\uFFFDb", true}, // invalid UTF-8, as encoding/json
		{`123`, "123", true},
		{`-1.50e3`, "-1.50e3", true},
		{`0`, "0", true},
		{`true`, "true", true},
		{`false`, "false", true},
		{`{}`, "", false},
		{`{"a":"b"}`, "", false},
		{`[]`, "", false},
		{`["a"]`, "", false},
		{``, "", false},
		// Not produced by the decoder, but must not panic or misread.
		{`"`, "", false},
		{`"abc`, "", false},
		{`"a"b"`, "", false},
		{`"a\"`, "", false},
	}
	for _, tc := range cases {
		got, ok := Value(tc.in).Text()
		if got != tc.want || ok != tc.ok {
			t.Errorf("Value(%s).Text() = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestInt(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{`0`, 0, true},
		{`5`, 5, true},
		{`-5`, -5, true},
		{`"5"`, 5, true},
		{`" 5 "`, 5, true},
		{`"\t5\n"`, 5, true},
		{`"+5"`, 5, true},
		{`"-5"`, -5, true},
		{`"123.0"`, 123, true},
		{`"123.000"`, 123, true},
		{`"123."`, 123, true},
		{`123.0`, 123, true},
		{`-123.0`, -123, true},
		{`1e3`, 1000, true},
		{`1E3`, 1000, true},
		{`"1e3"`, 1000, true},
		{`1.5e2`, 150, true},
		{`1500e-1`, 150, true},
		{`0.0`, 0, true},
		{`-0`, 0, true},
		{`-0.0`, 0, true},
		{`0e999999999999`, 0, true},
		{`"0.000e5"`, 0, true},
		{`"007"`, 7, true},
		{`null`, 0, true},
		{`""`, 0, true},
		{`"  "`, 0, true},
		{`9223372036854775807`, math.MaxInt64, true},
		{`-9223372036854775808`, math.MinInt64, true},
		{`"9223372036854775807.0"`, math.MaxInt64, true},
		{`-9223372036854775808.0`, math.MinInt64, true},
		{`9.223372036854775807e18`, math.MaxInt64, true},
		// Exact, not rounded through a float64 (which would give ...992 and ...990).
		{`"9007199254740993.0"`, 9007199254740993, true},
		{`1234567890123456789.0`, 1234567890123456789, true},

		{`1.5`, 0, false},
		{`"1.5"`, 0, false},
		{`0.1`, 0, false},
		{`1e-1`, 0, false},
		{`1.000000000000000000001`, 0, false},
		{`9223372036854775808`, 0, false},
		{`-9223372036854775809`, 0, false},
		{`9223372036854775808.0`, 0, false},
		{`"-9223372036854775809.0"`, 0, false},
		{`-9.223372036854775809e18`, 0, false},
		{`1e19`, 0, false},
		{`1e999`, 0, false},
		{`1e-999`, 0, false},
		{`99999999999999999999`, 0, false},
		{`"abc"`, 0, false},
		{`"5abc"`, 0, false},
		{`"1,000"`, 0, false},
		{`"1 000"`, 0, false},
		{`"0x10"`, 0, false},
		{`"0x1p4"`, 0, false},
		{`"1_000"`, 0, false},
		{`"Infinity"`, 0, false},
		{`"NaN"`, 0, false},
		{`"."`, 0, false},
		{`"-"`, 0, false},
		{`"e5"`, 0, false},
		{`"1e"`, 0, false},
		{`"1e+"`, 0, false},
		{`"--1"`, 0, false},
		{`true`, 0, false},
		{`false`, 0, false},
		{`{}`, 0, false},
		{`[1]`, 0, false},
		{``, 0, false},
	}
	for _, tc := range cases {
		got, ok := Value(tc.in).Int()
		if got != tc.want || ok != tc.ok {
			t.Errorf("Value(%s).Int() = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestIntMatchesParseIntOnIntegers(t *testing.T) {
	// For every plain integer the fraction/exponent path must agree with strconv, so check
	// the same values written as 'n.000' and 'n0e-1'.
	for _, n := range []int64{0, 1, -1, 9, 10, 99, 100, 12345, -12345, 1 << 53, 1<<53 + 1,
		math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1} {
		s := strconv.FormatInt(n, 10)
		for _, form := range []string{s + ".000", s + "0e-1", s + ".0e0", s + "00e-2"} {
			got, ok := parseInt(form)
			if !ok || int64(got) != n {
				t.Errorf("parseInt(%q) = %d, %v; want %d", form, got, ok, n)
			}
		}
	}
}

func TestFloat(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{`0`, 0, true},
		{`1.5`, 1.5, true},
		{`-1.5e3`, -1500, true},
		{`"1.5"`, 1.5, true},
		{`" 2.25 "`, 2.25, true},
		{`"123.0"`, 123, true},
		{`"-7"`, -7, true},
		{`null`, 0, true},
		{`""`, 0, true},
		{`" "`, 0, true},
		{`"abc"`, 0, false},
		{`"1.5kg"`, 0, false},
		{`"NaN"`, 0, false},
		{`"Inf"`, 0, false},
		{`"-Infinity"`, 0, false},
		{`"1e999"`, 0, false},
		{`1e999`, 0, false},
		{`true`, 0, false},
		{`{}`, 0, false},
		{`[1.5]`, 0, false},
	}
	for _, tc := range cases {
		got, ok := Value(tc.in).Float()
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Value(%s).Float() = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseBool(t *testing.T) {
	trues := []string{"true", "t", "yes", "y", "on", "1"}
	falses := []string{"false", "f", "no", "n", "off", "0"}
	variants := func(s string) []string {
		return []string{s, strings.ToUpper(s), strings.ToUpper(s[:1]) + s[1:], " " + s + "\t"}
	}
	for _, s := range trues {
		for _, v := range variants(s) {
			if b, ok := ParseBool(v); !b || !ok {
				t.Errorf("ParseBool(%q) = %v, %v; want true, true", v, b, ok)
			}
		}
	}
	for _, s := range falses {
		for _, v := range variants(s) {
			if b, ok := ParseBool(v); b || !ok {
				t.Errorf("ParseBool(%q) = %v, %v; want false, true", v, b, ok)
			}
		}
	}
	cases := []struct {
		in   string
		want bool
		ok   bool
	}{
		{"", false, true},
		{"   ", false, true},
		{"2", true, true},
		{"-1", true, true},
		{"0.0", false, true},
		{"0.5", true, true},
		{"1e3", true, true},
		{"-0", false, true},
		{"maybe", false, false},
		{"yess", false, false},
		{"tru", false, false},
		{"nope", false, false},
		{"O", false, false},
		{"1 0", false, false},
		{"NaN", false, false},
		{"nan", false, false},
		{"Inf", false, false},
		{"infinity", false, false},
		{"-Infinity", false, false},
		{"1e999", false, false},
	}
	for _, tc := range cases {
		if b, ok := ParseBool(tc.in); b != tc.want || ok != tc.ok {
			t.Errorf("ParseBool(%q) = %v, %v; want %v, %v", tc.in, b, ok, tc.want, tc.ok)
		}
	}
}

func TestValueBool(t *testing.T) {
	cases := []struct {
		in   string
		want bool
		ok   bool
	}{
		{`true`, true, true},
		{`false`, false, true},
		{`null`, false, true},
		{`""`, false, true},
		{`" "`, false, true},
		{`1`, true, true},
		{`0`, false, true},
		{`-0.0`, false, true},
		{`2`, true, true},
		{`0.5`, true, true},
		{`-3`, true, true},
		{`0e10`, false, true},
		{`1e999`, true, true},  // overflows a float64, but is not zero
		{`1e-400`, true, true}, // underflows a float64 to 0, but is not zero
		{`"true"`, true, true},
		{`"TRUE"`, true, true},
		{`"Yes"`, true, true},
		{`"yes"`, true, true},
		{`"Y"`, true, true},
		{`"On"`, true, true},
		{`"1"`, true, true},
		{`"t"`, true, true},
		{`"False"`, false, true},
		{`"No"`, false, true},
		{`"n"`, false, true},
		{`"OFF"`, false, true},
		{`"0"`, false, true},
		{`"F"`, false, true},
		{`"\u0059es"`, true, true},
		{`"garbage"`, false, false},
		{`"NaN"`, false, false},
		{`{}`, false, false},
		{`[true]`, false, false},
		{`[]`, false, false},
		{``, false, false},
		// Not produced by the decoder: a Bool kind that is not a literal.
		{`tru`, false, false},
		{`fals`, false, false},
		{`t`, false, false},
	}
	for _, tc := range cases {
		if b, ok := Value(tc.in).Bool(); b != tc.want || ok != tc.ok {
			t.Errorf("Value(%s).Bool() = %v, %v; want %v, %v", tc.in, b, ok, tc.want, tc.ok)
		}
	}
}
