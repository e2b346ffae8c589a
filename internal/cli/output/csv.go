package output

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendCSVRecord appends one CSV record of fields to b, the same bytes as encoding/csv's
// Writer writes with its defaults (comma-separated, "\n" after each record): a field is
// quoted when it holds a comma, a quote, a line break, when it starts with a space, or when
// it is `\.`; a quote inside a quoted field is doubled; nothing else changes. Unlike the
// Writer it takes no lock, returns no error and makes no call per field.
func appendCSVRecord(b []byte, fields []string) []byte {
	for n, field := range fields {
		if n > 0 {
			b = append(b, ',')
		}
		if !csvNeedsQuotes(field) {
			b = append(b, field...)
			continue
		}
		b = append(b, '"')
		for {
			i := strings.IndexByte(field, '"')
			if i < 0 {
				break
			}
			b = append(b, field[:i+1]...)
			b = append(b, '"')
			field = field[i+1:]
		}
		b = append(b, field...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// csvQuoted marks the bytes that make encoding/csv quote a field wherever they are.
var csvQuoted = [256]bool{',': true, '"': true, '\r': true, '\n': true}

// csvNeedsQuotes reports whether encoding/csv's Writer quotes field.
func csvNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	for i := 0; i < len(field); i++ {
		if csvQuoted[field[i]] {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
}
