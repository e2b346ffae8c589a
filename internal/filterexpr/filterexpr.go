package filterexpr

import (
	"fmt"
	"slices"
	"strings"
)

// Op is a comparison operator of the filter grammar.
type Op string

// The operators of the filter grammar. When parsing, a single "=" is also
// accepted and read as Eq; it is never printed.
const (
	// Eq is "==": some value equals the filter value.
	Eq Op = "=="
	// Ne is "!=": no value equals the filter value (or the attribute is
	// absent).
	Ne Op = "!="
	// Lt is "<": some value is less than the filter value.
	Lt Op = "<"
	// Le is "<=": some value is less than or equal to the filter value.
	Le Op = "<="
	// Gt is ">": some value is greater than the filter value.
	Gt Op = ">"
	// Ge is ">=": some value is greater than or equal to the filter value.
	Ge Op = ">="
	// Match is "=~": some value matches the filter value as a
	// case-insensitive regular expression.
	Match Op = "=~"
)

// allOps lists the valid operators in a fixed order.
var allOps = [...]Op{Eq, Ne, Lt, Le, Gt, Ge, Match}

// Valid reports whether o is one of the seven operators Eq, Ne, Lt, Le, Gt,
// Ge and Match.
func (o Op) Valid() bool {
	return slices.Contains(allOps[:], o)
}

// Term is a single comparison "Attr Op Value". Value holds the value itself,
// without quotes or escapes.
type Term struct {
	Attr  string
	Op    Op
	Value string
}

// String returns the canonical printed form of t, for example `siteId==3`
// or `siteName=="My Site"`. It does not validate t.
func (t Term) String() string {
	var b strings.Builder
	t.writeTo(&b)
	return b.String()
}

func (t Term) writeTo(b *strings.Builder) {
	b.WriteString(t.Attr)
	b.WriteString(string(t.Op))
	writeValue(b, t.Value)
}

// Validate reports whether t can be printed and parsed back: its attribute
// must satisfy [ValidAttr] and its operator must be [Op.Valid]. Any value is
// allowed.
func (t Term) Validate() error {
	if err := ValidAttr(t.Attr); err != nil {
		return err
	}
	if !t.Op.Valid() {
		return fmt.Errorf("filter: attribute %q: unknown operator %q (want one of ==, !=, <, <=, >, >=, =~)", t.Attr, string(t.Op))
	}
	return nil
}

// Expr is a filter in disjunctive normal form: it matches when all terms of
// at least one element of Or match. Because the grammar has no parentheses,
// every filter has exactly this shape. The zero Expr means "no filter": it
// prints as the empty string and matches everything.
type Expr struct {
	Or [][]Term
}

// And returns the Expr consisting of a single conjunction of terms. And with
// no terms returns the zero Expr. The terms are copied.
//
// And builds one conjunction; it does not combine Exprs (distributing a
// conjunction over disjunctions is not needed by the API). Use [Or] to
// combine Exprs.
func And(terms ...Term) Expr {
	if len(terms) == 0 {
		return Expr{}
	}
	return Expr{Or: [][]Term{slices.Clone(terms)}}
}

// Or returns the disjunction of exprs: the concatenation of their
// conjunctions, in order. A zero Expr has no conjunctions and therefore
// contributes nothing, so Or(Expr{}, e) equals e. The conjunctions are
// copied.
func Or(exprs ...Expr) Expr {
	var out Expr
	for _, e := range exprs {
		for _, conj := range e.Or {
			out.Or = append(out.Or, slices.Clone(conj))
		}
	}
	return out
}

// Conjoin returns the conjunction of a and b in disjunctive normal form: every conjunction
// of a joined with every conjunction of b, in order. A zero Expr constrains nothing here, so
// Conjoin(Expr{}, b) equals b. The terms are copied.
func Conjoin(a, b Expr) Expr {
	switch {
	case a.IsZero():
		return Or(b)
	case b.IsZero():
		return Or(a)
	}
	out := Expr{Or: make([][]Term, 0, len(a.Or)*len(b.Or))}
	for _, x := range a.Or {
		for _, y := range b.Or {
			out.Or = append(out.Or, append(slices.Clone(x), y...))
		}
	}
	return out
}

// IsZero reports whether e is the zero Expr, that is, has no conjunctions.
func (e Expr) IsZero() bool {
	return len(e.Or) == 0
}

// Connectors reports which connectors the canonical form of e uses: hasAnd
// if some conjunction has more than one term (";"), hasOr if there is more
// than one conjunction (",").
func (e Expr) Connectors() (hasAnd, hasOr bool) {
	for _, conj := range e.Or {
		if len(conj) > 1 {
			hasAnd = true
			break
		}
	}
	return hasAnd, len(e.Or) > 1
}

// Validate reports whether e can be printed and parsed back: every
// conjunction must be non-empty and every term must pass [Term.Validate].
// The zero Expr is valid; it prints as "" and stands for "no filter".
func (e Expr) Validate() error {
	for i, conj := range e.Or {
		if len(conj) == 0 {
			return fmt.Errorf("filter: conjunction %d has no terms", i)
		}
		for _, t := range conj {
			if err := t.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// String returns the canonical printed form of e: terms joined by ";"
// within a conjunction and by "," between conjunctions, without spaces,
// with each value bare when it is non-empty and made only of the characters
// [A-Za-z0-9_.:+-] and double-quoted otherwise. The zero Expr prints as "".
// String does not validate e; see [Expr.Validate].
func (e Expr) String() string {
	var b strings.Builder
	for i, conj := range e.Or {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, t := range conj {
			if j > 0 {
				b.WriteByte(';')
			}
			t.writeTo(&b)
		}
	}
	return b.String()
}

// writeValue writes v bare if it is non-empty and every byte is in
// [A-Za-z0-9_.:+-], and as a quoted string otherwise.
func writeValue(b *strings.Builder, v string) {
	if v != "" && !strings.ContainsFunc(v, func(r rune) bool { return !isBareChar(r) }) {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// isBareChar reports whether r may appear in a value printed without quotes.
func isBareChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("_.:+-", r)
}

// ValidAttr reports whether name is a valid attribute name, that is,
// matches [A-Za-z_][A-Za-z0-9_.]* (dotted paths such as
// queryComments.user are allowed).
func ValidAttr(name string) error {
	ok := name != "" && isAttrStart(name[0])
	for i := 1; ok && i < len(name); i++ {
		ok = isAttrChar(name[i])
	}
	if !ok {
		return fmt.Errorf("filter: attribute %q must match [A-Za-z_][A-Za-z0-9_.]*", name)
	}
	return nil
}

func isAttrStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

func isAttrChar(c byte) bool {
	return isAttrStart(c) || '0' <= c && c <= '9' || c == '.'
}
