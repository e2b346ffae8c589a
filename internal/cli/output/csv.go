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

// appendCSVCell appends the cell v to b as Add's CSV writes EscapeCSV(v) through
// appendCSVRecord: the same bytes, without the strings in between.
func appendCSVCell[S ~string | ~[]byte](b []byte, v S) []byte {
	guard := len(v) > 0 && formulaStart(v[0]) && !isPlainNumber(string(v))
	// csvNeedsQuotes of the escaped cell: a guarded cell starts with ', never a space or \.
	quote := false
	for i := 0; i < len(v); i++ {
		if csvQuoted[v[i]] {
			quote = true
			break
		}
	}
	if !quote && !guard && len(v) > 0 {
		if string(v) == `\.` {
			quote = true
		} else if v[0] < utf8.RuneSelf {
			quote = asciiSpace[v[0]]
		} else {
			r, _ := utf8.DecodeRuneInString(string(v[:min(len(v), utf8.UTFMax)]))
			quote = unicode.IsSpace(r)
		}
	}
	if quote {
		b = append(b, '"')
	}
	if guard {
		b = append(b, '\'')
	}
	if !quote {
		return append(b, v...)
	}
	start := 0
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, v[start:i+1]...)
			b = append(b, '"')
			start = i + 1
		}
	}
	b = append(b, v[start:]...)
	return append(b, '"')
}

// asciiSpace marks the ASCII bytes that unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// formulaStart reports whether a cell that starts with c gets EscapeCSV's quote.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
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
