package postgres

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/imednet/imednet-go/internal/wire"
)

// replacement is what stands for text PostgreSQL cannot store: U+FFFD.
const replacement = "\uFFFD"

// cleanText returns s with every NUL character and every byte that is not valid UTF-8
// replaced by U+FFFD: PostgreSQL's text holds neither.
func cleanText(s string) string {
	if textIsClean(s) {
		return s
	}
	return string(validUTF8(nil, []byte(s)))
}

// textIsClean reports whether PostgreSQL's text holds s as it is.
func textIsClean(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// validUTF8 appends b to dst with each NUL and each byte that is not part of a valid UTF-8
// sequence replaced by U+FFFD (one U+FFFD per byte, as Go's JSON decoder does).
func validUTF8(dst, b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if (r == utf8.RuneError && n == 1) || r == 0 {
			dst = append(dst, replacement...)
		} else {
			dst = append(dst, b[:n]...)
		}
		b = b[n:]
	}
	return dst
}

var errInvalidJSON = errors.New("not valid JSON")

// cleanJSON checks that b is one valid JSON value and returns it as PostgreSQL's json stores
// it: b itself when it is valid UTF-8, which json keeps byte for byte (escapes such as \u0000
// and unpaired surrogates included), else a copy with each byte that is not valid UTF-8
// replaced by U+FFFD, which a UTF8 database cannot hold at all. Such bytes can only stand
// inside strings (valid JSON has no NUL and nothing else outside ASCII elsewhere), so the
// copy is valid JSON too. The second result reports the replacement.
func cleanJSON(b []byte) ([]byte, bool, error) {
	// wire.Valid accepts what encoding/json's Valid does (its fuzz test checks that), in a
	// third of the time.
	if !wire.Valid(b) {
		return nil, false, errInvalidJSON
	}
	if utf8.Valid(b) {
		return b, false, nil
	}
	return validUTF8(make([]byte, 0, len(b)+8), b), true, nil
}
