package wire

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the JSON type of a [Value].
type Kind uint8

// The JSON kinds.
const (
	Invalid Kind = iota // empty or not JSON
	Null                // null
	String              // "..."
	Number              // -1.5e3
	Bool                // true or false
	Object              // {...}
	Array               // [...]
)

// String describes the kind for messages: "a string", "an array", "null", ...
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case String:
		return "a string"
	case Number:
		return "a number"
	case Bool:
		return "a boolean"
	case Object:
		return "an object"
	case Array:
		return "an array"
	}
	return "nothing"
}

// Value is the raw JSON text of one value, as found in a document.
type Value []byte

// Kind reports the JSON type of v from its first byte.
func (v Value) Kind() Kind {
	if len(v) == 0 {
		return Invalid
	}
	switch v[0] {
	case 'n':
		return Null
	case '"':
		return String
	case 't', 'f':
		return Bool
	case '{':
		return Object
	case '[':
		return Array
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number
	}
	return Invalid
}

// IsAbsent reports whether v stands for "no value": null, or a string that is empty or only
// whitespace. The API sends all three for optional fields.
func (v Value) IsAbsent() bool {
	switch v.Kind() {
	case Null, Invalid:
		return true
	case String:
		s, ok := v.Text()
		return ok && strings.TrimSpace(s) == ""
	}
	return false
}

// Text returns v as text: a JSON string unquoted, a number or boolean as it is written, null
// as "". Objects and arrays are not text (ok is false).
func (v Value) Text() (s string, ok bool) {
	switch v.Kind() {
	case Null:
		return "", true
	case Number, Bool:
		return string(v), true
	case String:
		if len(v) < 2 || v[len(v)-1] != '"' {
			return "", false
		}
		if inner := v[1 : len(v)-1]; plainString(inner) {
			return string(inner), true
		}
		// Escapes, and invalid UTF-8 (which encoding/json replaces with U+FFFD, as it does
		// in map keys; doing the same keeps Extra's keys identical to encoding/json's). The
		// address taken is of a variable of this path only: taking the result's would move
		// it to the heap on every call.
		var unquoted string
		if err := json.Unmarshal(v, &unquoted); err != nil {
			return "", false
		}
		return unquoted, true
	}
	return "", false
}

// plainString reports whether the inside of a JSON string is its own text: no escapes, no
// quotes or control characters, valid UTF-8.
func plainString(b []byte) bool {
	ascii := true
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(b)
}

// Int returns v as an integer. It accepts JSON integers, numbers with an integral value
// (123.0), and strings holding either; null and blank strings are 0. Anything else, or a
// value that does not fit in an int, gives ok == false.
func (v Value) Int() (n int, ok bool) {
	switch v.Kind() {
	case Null:
		return 0, true
	case Number:
		return parseInt(string(v))
	case String:
		s, ok := v.Text()
		if !ok {
			return 0, false
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, true
		}
		return parseInt(s)
	}
	return 0, false
}

// parseInt reads a decimal integer, or a decimal number with a fraction or exponent whose
// value is an integer (123.0, 1e3, 1.5e2). The second form is read exactly, not through a
// float64, so "9007199254740993.0" is 9007199254740993 and a value one past the range of int
// is rejected rather than rounded into it.
func parseInt(s string) (int, bool) {
	if n, err := strconv.ParseInt(s, 10, 0); err == nil {
		return int(n), true
	}
	// Not a plain int, or out of range; strconv reports a range error as soon as the digits
	// overflow, before it sees a fraction or exponent that could bring the value back
	// (92233720368547758070e-1), so read the number in full below.
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(s) && s[i] == '.' {
		i++
		fracStart = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracEnd = i
	}
	if intEnd == intStart && fracEnd == fracStart {
		return 0, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		expStart := i
		for ; i < len(s) && isDigit(s[i]); i++ {
			if exp < 1e6 { // far beyond any int; stop before overflowing
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == expStart {
			return 0, false
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, false
	}
	// The digits are s[intStart:intEnd] followed by s[fracStart:fracEnd]; the decimal point
	// falls after the first point of them.
	nInt, nDigits := intEnd-intStart, intEnd-intStart+fracEnd-fracStart
	digit := func(k int) byte {
		if k < nInt {
			return s[intStart+k]
		}
		return s[fracStart+k-nInt]
	}
	lead := 0
	for lead < nDigits && digit(lead) == '0' {
		lead++
	}
	if lead == nDigits {
		return 0, true // all zeros, whatever the exponent
	}
	point := nInt + exp - lead
	if point <= 0 || point > 19 { // a non-zero fraction, or at least 10^19
		return 0, false
	}
	for k := lead + point; k < nDigits; k++ {
		if digit(k) != '0' {
			return 0, false
		}
	}
	var u uint64 // at most 19 digits: cannot overflow
	for k := lead; k < lead+point; k++ {
		d := byte('0')
		if k < nDigits {
			d = digit(k)
		}
		u = u*10 + uint64(d-'0')
	}
	switch {
	case !neg && u <= math.MaxInt:
		return int(u), true
	case neg && u <= math.MaxInt:
		return -int(u), true
	case neg && u == math.MaxInt+1:
		return math.MinInt, true
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Float returns v as a float64: JSON numbers and strings holding a number; null and blank
// strings are 0.
func (v Value) Float() (f float64, ok bool) {
	switch v.Kind() {
	case Null:
		return 0, true
	case Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	case String:
		s, ok := v.Text()
		if !ok {
			return 0, false
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// Bool returns v as a boolean. It accepts true/false, numbers (non-zero is true), and strings
// spelled true/false, t/f, yes/no, y/n, on/off, 1/0 or any number, in any case; null and blank
// strings are false.
func (v Value) Bool() (b bool, ok bool) {
	switch v.Kind() {
	case Null:
		return false, true
	case Bool:
		switch string(v) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return false, false
	case Number:
		// Decided on the digits, not on a float64, which underflows 1e-400 to 0.
		if _, err := strconv.ParseFloat(string(v), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return false, false
		}
		for _, c := range v {
			if c == 'e' || c == 'E' {
				break
			}
			if c >= '1' && c <= '9' {
				return true, true
			}
		}
		return false, true
	case String:
		s, ok := v.Text()
		if !ok {
			return false, false
		}
		return ParseBool(s)
	}
	return false, false
}

// ParseBool reads the spellings of a boolean the API is known to use (see [Value.Bool]):
// true/false, t/f, yes/no, y/n, on/off in any case, and any finite number (non-zero is true).
// Blank text is false. NaN and infinities are not booleans (ok is false).
func ParseBool(s string) (b bool, ok bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0", "":
		return false, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return f != 0, true
	}
	return false, false
}
