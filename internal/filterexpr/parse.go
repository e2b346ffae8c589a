package filterexpr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError describes malformed filter text. Offset is the byte offset in
// the input at which the problem was found and Msg says what was expected.
type SyntaxError struct {
	Offset int
	Msg    string
}

// Error returns a message such as
// `filter: at offset 7: expected a value after "=="`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: at offset %d: %s", e.Offset, e.Msg)
}

// mixMsg is the SyntaxError message for a recordDataFilter that uses both
// connectors.
const mixMsg = `recordDataFilter: cannot mix ";" (and) with "," (or)`

// Parse parses a filter (see the package documentation for the grammar).
// Empty or all-blank input is an error: the absence of a filter is
// represented by omitting the parameter, or by the zero Expr. Every error
// returned is a [*SyntaxError].
func Parse(s string) (Expr, error) {
	p := parser{s: s, firstAnd: -1, firstOr: -1}
	return p.parse()
}

// ParseRecordData parses the value of the recordDataFilter parameter of
// /records. It accepts the same grammar as [Parse] but, like the API,
// rejects a filter that uses both an and-connector (";" or " and ") and an
// or-connector ("," or " or "): the [*SyntaxError] then points at the first
// connector of the kind that appeared second.
func ParseRecordData(s string) (Expr, error) {
	p := parser{s: s, firstAnd: -1, firstOr: -1}
	e, err := p.parse()
	if err != nil {
		return Expr{}, err
	}
	if p.firstAnd >= 0 && p.firstOr >= 0 {
		return Expr{}, &SyntaxError{Offset: max(p.firstAnd, p.firstOr), Msg: mixMsg}
	}
	return e, nil
}

// parser holds the input and the positions of the first connector of each
// kind, which ParseRecordData needs for its error.
type parser struct {
	s                 string
	firstAnd, firstOr int // byte offsets, -1 if absent
}

type connector int

const (
	connAnd connector = iota + 1
	connOr
)

// opTokens lists the operator spellings, longer ones before their prefixes.
var opTokens = [...]struct {
	text string
	op   Op
}{
	{"==", Eq}, {"!=", Ne}, {"<=", Le}, {">=", Ge}, {"=~", Match},
	{"<", Lt}, {">", Gt}, {"=", Eq},
}

func (p *parser) errorf(offset int, format string, args ...any) error {
	return &SyntaxError{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() (Expr, error) {
	var e Expr
	var conj []Term
	pos := 0
	for {
		t, next, err := p.term(pos)
		if err != nil {
			return Expr{}, err
		}
		conj = append(conj, t)
		if next == len(p.s) {
			break
		}
		kind, at, after, ok := p.connectorAt(next)
		if !ok {
			// term only stops before a connector or at the end.
			return Expr{}, p.errorf(next, "internal error: expected a connector, found %s", p.found(next))
		}
		switch kind {
		case connAnd:
			if p.firstAnd < 0 {
				p.firstAnd = at
			}
		case connOr:
			if p.firstOr < 0 {
				p.firstOr = at
			}
			e.Or = append(e.Or, conj)
			conj = nil
		}
		pos = after
	}
	e.Or = append(e.Or, conj)
	return e, nil
}

// term parses one term starting at pos (leading whitespace allowed). It
// returns the offset just past the term, which is either len(p.s) or an
// offset at which connectorAt succeeds.
func (p *parser) term(pos int) (Term, int, error) {
	s := p.s
	start := p.skipSpace(pos)
	if start == len(s) || !isAttrStart(s[start]) {
		return Term{}, 0, p.errorf(start, "expected an attribute name, found %s", p.found(start))
	}
	i := start + 1
	for i < len(s) && isAttrChar(s[i]) {
		i++
	}
	attr := s[start:i]

	i = p.skipSpace(i)
	var op Op
	var opText string
	for _, tok := range opTokens {
		if strings.HasPrefix(s[i:], tok.text) {
			op, opText = tok.op, tok.text
			break
		}
	}
	if opText == "" {
		return Term{}, 0, p.errorf(i, "expected an operator (==, !=, <, <=, >, >=, =~) after attribute %q, found %s", attr, p.found(i))
	}
	i += len(opText)

	v := p.skipSpace(i)
	if _, _, _, ok := p.connectorAt(i); ok || v == len(s) {
		return Term{}, 0, p.errorf(v, "expected a value after %q", opText)
	}
	if s[v] == '"' {
		value, end, err := p.quoted(v)
		if err != nil {
			return Term{}, 0, err
		}
		if rest := p.skipSpace(end); rest == len(s) {
			return Term{attr, op, value}, rest, nil
		} else if _, _, _, ok := p.connectorAt(end); !ok {
			return Term{}, 0, p.errorf(rest, `expected ";", ",", " and ", " or " or end of input after quoted value, found %s`, p.found(rest))
		}
		return Term{attr, op, value}, end, nil
	}
	end := p.bareEnd(v)
	return Term{attr, op, strings.TrimRight(s[v:end], spaceChars)}, end, nil
}

// quoted parses the quoted value whose opening quote is at offset q and
// returns the unescaped value and the offset just past the closing quote.
func (p *parser) quoted(q int) (string, int, error) {
	s := p.s
	var b strings.Builder
	for i := q + 1; i < len(s); {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 == len(s) {
				i++
				continue // unterminated
			}
			if next := s[i+1]; next == '"' || next == '\\' {
				b.WriteByte(next)
				i += 2
				continue
			}
			_, size := utf8.DecodeRuneInString(s[i+1:])
			return "", 0, p.errorf(i, `invalid escape %s in quoted value: expected \" or \\`, strconv.Quote(s[i:i+1+size]))
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, p.errorf(len(s), `expected a closing '"' for the quoted value that starts at offset %d`, q)
}

// bareEnd returns the offset at which the bare value starting at v ends:
// the first ";" or "," or the start of a whitespace run that begins a
// connector, or len(p.s).
func (p *parser) bareEnd(v int) int {
	s := p.s
	for i := v; i < len(s); i++ {
		switch {
		case s[i] == ';' || s[i] == ',':
			return i
		case isSpace(s[i]):
			if _, _, _, ok := p.connectorAt(i); ok {
				return i
			}
			// Every position in this whitespace run would give the same
			// answer, so skip the run to keep scanning linear.
			i = p.skipSpace(i) - 1
		}
	}
	return len(s)
}

// connectorAt reports whether a connector starts at offset i: optional
// whitespace followed by ";" or ",", or at least one whitespace character
// followed by the word "and" or "or" (any case) followed by whitespace or
// the end of the input. It returns the connector's kind, the offset of its
// token and the offset just past the token.
func (p *parser) connectorAt(i int) (kind connector, at, after int, ok bool) {
	s := p.s
	j := p.skipSpace(i)
	if j < len(s) {
		switch s[j] {
		case ';':
			return connAnd, j, j + 1, true
		case ',':
			return connOr, j, j + 1, true
		}
	}
	if j == i {
		return 0, 0, 0, false
	}
	for _, w := range [...]struct {
		word string
		kind connector
	}{{"and", connAnd}, {"or", connOr}} {
		end := j + len(w.word)
		if end <= len(s) && asciiEqualFold(s[j:end], w.word) && (end == len(s) || isSpace(s[end])) {
			return w.kind, j, end, true
		}
	}
	return 0, 0, 0, false
}

// found describes what is at offset i, for error messages.
func (p *parser) found(i int) string {
	if i >= len(p.s) {
		return "end of input"
	}
	r, size := utf8.DecodeRuneInString(p.s[i:])
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("byte 0x%02x", p.s[i])
	}
	return strconv.Quote(string(r))
}

func (p *parser) skipSpace(i int) int {
	for i < len(p.s) && isSpace(p.s[i]) {
		i++
	}
	return i
}

// spaceChars are the whitespace characters the parser skips and trims.
const spaceChars = " \t\n\v\f\r"

func isSpace(c byte) bool {
	return strings.IndexByte(spaceChars, c) >= 0
}

// asciiEqualFold reports whether s equals the lower-case ASCII word w,
// ignoring ASCII letter case.
func asciiEqualFold(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
