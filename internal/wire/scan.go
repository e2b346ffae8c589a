// Package wire decodes the iMednet API's JSON tolerantly.
//
// Real responses do not always match the documented types: numbers and booleans arrive as
// strings, timestamps come in several layouts (and as integer arrays), lists are null, and
// fields appear that no document mentions. Every model in the SDK decodes through this package
// so that each of those quirks is handled once, in one place:
//
//   - [DecodeObject] walks the members of a JSON object without reflection and hands each
//     member's raw value to a callback as a [Field];
//   - a Field's typed setters ([Field.String], [Field.Int], [Field.Bool], [Field.Time], ...)
//     accept every spelling the API is known to use and, when a value cannot be read as the
//     expected type, keep it aside in an [Extra] map instead of failing;
//   - [Time] reads `2006-01-02 15:04:05`, RFC 3339 with or without fraction and zone, date-only
//     values and `[y,m,d,h,mi,s,ns]` arrays, and keeps the raw text when it cannot parse.
//
// Only malformed JSON is an error. A document that is valid JSON always decodes.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// SyntaxError reports malformed JSON at a byte offset of the decoded document.
type SyntaxError struct {
	Offset int    // byte offset where the problem was found
	Msg    string // what was expected
}

// Error formats the offset and the message.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("json: at offset %d: %s", e.Offset, e.Msg)
}

func syntaxErr(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Errors for a document that is valid JSON of another type than the one expected; test for
// them with errors.Is.
var (
	// ErrNotObject is wrapped by the error of [DecodeObject] for valid JSON that is not an
	// object (nor null).
	ErrNotObject = errors.New("not a JSON object")
	// ErrNotArray is wrapped by the error of [DecodeArray] for valid JSON that is not an
	// array (nor null).
	ErrNotArray = errors.New("not a JSON array")
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isSpace(b[i]) {
		i++
	}
	return i
}

// skipValue returns the offset just past the JSON value that starts at b[i] (after spaces).
// It checks the structure of strings, objects and arrays and the spelling of literals and
// numbers, enough that a value it accepts is valid JSON.
func skipValue(b []byte, i int) (int, error) {
	return skipValueDepth(b, i, 0)
}

// maxDepth is the deepest nesting of objects and arrays accepted, the same limit as
// encoding/json's, so that [Valid] and json.Valid agree and hostile input cannot exhaust the
// stack.
const maxDepth = 10000

// skipValueDepth is skipValue for a value nested inside depth objects or arrays.
func skipValueDepth(b []byte, i, depth int) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return 0, syntaxErr(i, "unexpected end of input, expected a value")
	}
	if c := b[i]; (c == '{' || c == '[') && depth >= maxDepth {
		return 0, syntaxErr(i, "nesting deeper than %d", maxDepth)
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		for {
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != '"' {
				return 0, syntaxErr(i, "expected a member name")
			}
			var err error
			if i, err = skipString(b, i); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != ':' {
				return 0, syntaxErr(i, "expected ':' after member name")
			}
			if i, err = skipValueDepth(b, i+1, depth+1); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, syntaxErr(i, "unexpected end of input in object")
			}
			if b[i] == '}' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, syntaxErr(i, "expected ',' or '}' in object")
			}
			i++
		}
	case c == '[':
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = skipValueDepth(b, i, depth+1); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, syntaxErr(i, "unexpected end of input in array")
			}
			if b[i] == ']' {
				return i + 1, nil
			}
			if b[i] != ',' {
				return 0, syntaxErr(i, "expected ',' or ']' in array")
			}
			i++
		}
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(b, i)
	default:
		return 0, syntaxErr(i, "unexpected character %q, expected a value", c)
	}
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return 0, syntaxErr(i, "invalid literal, expected %s", lit)
	}
	return i + len(lit), nil
}

// stopsString marks the bytes at which a scan of a string's inside stops: the closing quote,
// the backslash that starts an escape, and the control characters a string cannot hold.
var stopsString = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// Eight copies of a byte, for testing the bytes of a word at once (see stopInWord).
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stopInWord returns a mask of the eight bytes of x (read from a string's inside, the first
// byte in the low bits) that is zero when none of them is one that stopsString marks (a
// quote, a backslash or a byte below 0x20), and otherwise has its lowest set bit in the first
// such byte (the high bit of byte TrailingZeros64(mask)/8). Each test is the classic "has a
// zero byte" (after XOR with the byte looked for) or "has a byte less than n" on the whole
// word: both are exact about whether such a byte exists and about the first one; only bytes
// after it may be flagged wrongly, by a borrow.
func stopInWord(x uint64) uint64 {
	quote := x ^ (ones * '"')
	backslash := x ^ (ones * '\\')
	return ((quote-ones)&^quote | (backslash-ones)&^backslash | (x-ones*0x20)&^x) & highs
}

// skipString returns the offset just past the string that starts at b[i] (its opening
// quote), checking its escapes and that it holds no control character. It steps over plain
// text eight bytes at a time, and goes straight to the first byte that stops it within a
// word, so that the common string (no escapes) costs a few instructions per word; only the
// last bytes of the input go through the table a byte at a time.
func skipString(b []byte, i int) (int, error) {
	start := i
	i++ // opening quote
	for {
		for i+8 <= len(b) {
			if m := stopInWord(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto stop
			}
			i += 8
		}
		for i < len(b) && !stopsString[b[i]] {
			i++
		}
	stop:
		if i >= len(b) {
			return 0, syntaxErr(start, "unterminated string")
		}
		switch c := b[i]; c {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= len(b) {
				return 0, syntaxErr(i, "unterminated escape in string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return 0, syntaxErr(i, `invalid \u escape in string`)
				}
				i += 6
			default:
				return 0, syntaxErr(i, "invalid escape %q in string", b[i+1])
			}
		default:
			return 0, syntaxErr(i, "control character in string")
		}
	}
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func skipNumber(b []byte, i int) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return 0, syntaxErr(start, "invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0, syntaxErr(start, "invalid number: no digits after '.'")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0, syntaxErr(start, "invalid number: no digits in exponent")
		}
	}
	return i, nil
}

// Valid reports whether data is exactly one JSON value (surrounded by optional spaces).
func Valid(data []byte) bool {
	end, err := skipValue(data, 0)
	return err == nil && skipSpace(data, end) == len(data)
}
