package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// replacement is what stands for text PostgreSQL cannot store: U+FFFD.
const replacement = "\uFFFD"

// cleanText returns s with every NUL character and every byte that is not valid UTF-8
// replaced by U+FFFD: PostgreSQL's text holds neither.
func cleanText(s string) string {
	if textIsClean(s) {
		return s
	}
	return string(validUTF8(nil, []byte(s), true))
}

// textIsClean reports whether PostgreSQL's text holds s as it is.
func textIsClean(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// validUTF8 appends b to dst with each byte that is not part of a valid UTF-8 sequence, and
// each NUL when nul is set, replaced by U+FFFD (as Go's JSON decoder does).
func validUTF8(dst, b []byte, nul bool) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if (r == utf8.RuneError && n == 1) || (nul && r == 0) {
			dst = append(dst, replacement...)
		} else {
			dst = append(dst, b[:n]...)
		}
		b = b[n:]
	}
	return dst
}

var errInvalidJSON = errors.New("not valid JSON")

// cleanJSON checks that b is one valid JSON value and returns it with what jsonb cannot store
// replaced by U+FFFD: invalid UTF-8, the escape \u0000, and \u escapes of unpaired UTF-16
// surrogates (each such escape becomes \ufffd). b itself is never modified.
func cleanJSON(b []byte) ([]byte, error) {
	if !json.Valid(b) {
		return nil, errInvalidJSON
	}
	if !utf8.Valid(b) {
		b = validUTF8(make([]byte, 0, len(b)+8), b, false)
	}
	if bytes.IndexByte(b, '\\') < 0 {
		return b, nil
	}
	var out []byte // a copy, made at the first replacement
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		// b is valid JSON: a backslash starts an escape inside a string.
		if b[i+1] != 'u' {
			i++ // skip the escaped character, which may be a backslash
			continue
		}
		r := hex4(b[i+2 : i+6])
		bad := false
		switch {
		case r == 0:
			bad = true
		case r >= 0xD800 && r < 0xDC00: // high surrogate: a low one must follow
			if i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
				if lo := hex4(b[i+8 : i+12]); lo >= 0xDC00 && lo < 0xE000 {
					i += 11 // both escapes are fine
					continue
				}
			}
			bad = true
		case r >= 0xDC00 && r < 0xE000: // low surrogate without a high one before it
			bad = true
		}
		if bad {
			if out == nil {
				out = append([]byte(nil), b...)
			}
			copy(out[i+2:i+6], "fffd")
		}
		i += 5
	}
	if out == nil {
		return b, nil
	}
	return out, nil
}

// hex4 decodes 4 hexadecimal digits (valid, as in a valid JSON \u escape).
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		}
	}
	return r
}
