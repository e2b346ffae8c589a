package filterexpr

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// tm builds a Term tersely.
func tm(attr string, op Op, value string) Term { return Term{Attr: attr, Op: op, Value: value} }

// dnf builds an Expr from conjunctions.
func dnf(conjs ...[]Term) Expr { return Expr{Or: conjs} }

// ts builds a conjunction.
func ts(terms ...Term) []Term { return terms }

func TestParse(t *testing.T) {
	a1 := tm("a", Eq, "1")
	b2 := tm("b", Eq, "2")
	c3 := tm("c", Eq, "3")
	tests := []struct {
		in   string
		want Expr
	}{
		// Bare values and every operator.
		{"formId==48", dnf(ts(tm("formId", Eq, "48")))},
		{"a!=1", dnf(ts(tm("a", Ne, "1")))},
		{"a<1", dnf(ts(tm("a", Lt, "1")))},
		{"a<=1", dnf(ts(tm("a", Le, "1")))},
		{"a>1", dnf(ts(tm("a", Gt, "1")))},
		{"a>=1", dnf(ts(tm("a", Ge, "1")))},
		{"a=~^jo.*n$", dnf(ts(tm("a", Match, "^jo.*n$")))},
		{"a=1", dnf(ts(a1))},
		{"a>-5", dnf(ts(tm("a", Gt, "-5")))},
		{"subjectKey==111-005", dnf(ts(tm("subjectKey", Eq, "111-005")))},
		{"deleted==false", dnf(ts(tm("deleted", Eq, "false")))},
		{"dateCreated>2024-01-02T00:00:00+00:00", dnf(ts(tm("dateCreated", Gt, "2024-01-02T00:00:00+00:00")))},
		{"name==Zürich", dnf(ts(tm("name", Eq, "Zürich")))},
		// Operator scanning is greedy; what follows is the value.
		{"a===b", dnf(ts(tm("a", Eq, "=b")))},
		{"a<==b", dnf(ts(tm("a", Le, "=b")))},
		{"a=<b", dnf(ts(tm("a", Eq, "<b")))},
		{"a=~~", dnf(ts(tm("a", Match, "~")))},
		// Case is preserved.
		{"SiteName==ABC", dnf(ts(tm("SiteName", Eq, "ABC")))},
		// Quoted values and escapes.
		{`siteName=="My Site"`, dnf(ts(tm("siteName", Eq, "My Site")))},
		{`a==""`, dnf(ts(tm("a", Eq, "")))},
		{`a=="x\"y\\z"`, dnf(ts(tm("a", Eq, `x"y\z`)))},
		{`a=="\\"`, dnf(ts(tm("a", Eq, `\`)))},
		{`a=="a;b,c and d or e"`, dnf(ts(tm("a", Eq, "a;b,c and d or e")))},
		{`a==" padded "`, dnf(ts(tm("a", Eq, " padded ")))},
		{"a==\"line\nbreak\"", dnf(ts(tm("a", Eq, "line\nbreak")))},
		{`a=="x";b==2`, dnf(ts(tm("a", Eq, "x"), b2))},
		{`a=="x" , b=="y"`, dnf(ts(tm("a", Eq, "x")), ts(tm("b", Eq, "y")))},
		{`a=="x" and b==2`, dnf(ts(tm("a", Eq, "x"), b2))},
		{`a=="x"   `, dnf(ts(tm("a", Eq, "x")))},
		// A bare value may contain quotes and backslashes after its first byte.
		{`a==x"y\z`, dnf(ts(tm("a", Eq, `x"y\z`)))},
		// Word connectors, any case, need whitespace on both sides.
		{"a==1 and b==2", dnf(ts(a1, b2))},
		{"a==1 AND b==2", dnf(ts(a1, b2))},
		{"a==1 or b==2", dnf(ts(a1), ts(b2))},
		{"a==1 Or b==2", dnf(ts(a1), ts(b2))},
		{"a==1\tand\nb==2", dnf(ts(a1, b2))},
		{"a==1 and b==2 or c==3", dnf(ts(a1, b2), ts(c3))},
		{"a==1 andy", dnf(ts(tm("a", Eq, "1 andy")))},
		{"a==android", dnf(ts(tm("a", Eq, "android")))},
		{"a==and", dnf(ts(tm("a", Eq, "and")))},
		{"a==brand and b==2", dnf(ts(tm("a", Eq, "brand"), b2))},
		{"a==x and;b==2", dnf(ts(tm("a", Eq, "x and"), b2))},
		{"a==1and b==2", dnf(ts(tm("a", Eq, "1and b==2")))},
		{"a==rock  or  roll==1", dnf(ts(tm("a", Eq, "rock")), ts(tm("roll", Eq, "1")))},
		// Whitespace around attributes, operators and connectors.
		{"formId > 10", dnf(ts(tm("formId", Gt, "10")))},
		{"  a == 1 ; b == 2  ", dnf(ts(a1, b2))},
		{"a==1 , b==2", dnf(ts(a1), ts(b2))},
		{"a\t==\t1", dnf(ts(a1))},
		// Bare values with spaces; surrounding whitespace is trimmed.
		{"siteName==Chicago Hope Hospital", dnf(ts(tm("siteName", Eq, "Chicago Hope Hospital")))},
		{"siteName==Chicago Hope Hospital;siteId==3", dnf(ts(tm("siteName", Eq, "Chicago Hope Hospital"), tm("siteId", Eq, "3")))},
		{"a==  x  y  ;b==2", dnf(ts(tm("a", Eq, "x  y"), b2))},
		// Dotted attributes.
		{"queryComments.user==jdoe", dnf(ts(tm("queryComments.user", Eq, "jdoe")))},
		{"_x.y.==1", dnf(ts(tm("_x.y.", Eq, "1")))},
		// Precedence: ';' binds tighter than ','.
		{"a==1;b==2,c==3", dnf(ts(a1, b2), ts(c3))},
		{"a==1,b==2;c==3", dnf(ts(a1), ts(b2, c3))},
		{"a==1,b==2,c==3", dnf(ts(a1), ts(b2), ts(c3))},
		{"a==1;b==2;c==3", dnf(ts(a1, b2, c3))},
		{"a==1;b==2 or c==3 and a==1", dnf(ts(a1, b2), ts(c3, a1))},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): unexpected error %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) =\n\t%#v, want\n\t%#v", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string // the whole SyntaxError.Msg
	}{
		{"", 0, "expected an attribute name, found end of input"},
		{"   ", 3, "expected an attribute name, found end of input"},
		{"==1", 0, `expected an attribute name, found "="`},
		{"1a==2", 0, `expected an attribute name, found "1"`},
		{".a==2", 0, `expected an attribute name, found "."`},
		{"é==1", 0, `expected an attribute name, found "é"`},
		{"\xff==1", 0, "expected an attribute name, found byte 0xff"},
		{"a", 1, `expected an operator (==, !=, <, <=, >, >=, =~) after attribute "a", found end of input`},
		{"a b==1", 2, `expected an operator (==, !=, <, <=, >, >=, =~) after attribute "a", found "b"`},
		{"a!1", 1, `expected an operator (==, !=, <, <=, >, >=, =~) after attribute "a", found "!"`},
		{"a~=1", 1, `expected an operator (==, !=, <, <=, >, >=, =~) after attribute "a", found "~"`},
		{"a-b==1", 1, `expected an operator (==, !=, <, <=, >, >=, =~) after attribute "a", found "-"`},
		{"a==", 3, `expected a value after "=="`},
		{"a=", 2, `expected a value after "="`},
		{"a==   ", 6, `expected a value after "=="`},
		{"a==;b==1", 3, `expected a value after "=="`},
		{"a== ,b==1", 4, `expected a value after "=="`},
		{"a== and b==1", 4, `expected a value after "=="`},
		{"a>= or", 4, `expected a value after ">="`},
		{"a==1;", 5, "expected an attribute name, found end of input"},
		{"a==1,,b==2", 5, `expected an attribute name, found ","`},
		{"a==1;;b==2", 5, `expected an attribute name, found ";"`},
		{",a==1", 0, `expected an attribute name, found ","`},
		{"a==1 and", 8, "expected an attribute name, found end of input"},
		{"a==1 or  ", 9, "expected an attribute name, found end of input"},
		{"a==1 and or b==2", 12, `expected an operator (==, !=, <, <=, >, >=, =~) after attribute "or", found "b"`},
		{`a=="x`, 5, `expected a closing '"' for the quoted value that starts at offset 3`},
		{`a=="x\"`, 7, `expected a closing '"' for the quoted value that starts at offset 3`},
		{`a=="x\`, 6, `expected a closing '"' for the quoted value that starts at offset 3`},
		{`a=="x\y"`, 5, `invalid escape "\\y" in quoted value: expected \" or \\`},
		{`a=="\n"`, 4, `invalid escape "\\n" in quoted value: expected \" or \\`},
		{`a=="x"y`, 6, `expected ";", ",", " and ", " or " or end of input after quoted value, found "y"`},
		{`a=="x" y`, 7, `expected ";", ",", " and ", " or " or end of input after quoted value, found "y"`},
		{`a=="x"and b==1`, 6, `expected ";", ",", " and ", " or " or end of input after quoted value, found "a"`},
		{`a=="x""y"`, 6, `expected ";", ",", " and ", " or " or end of input after quoted value, found "\""`},
		{`a==1;b=="x`, 10, `expected a closing '"' for the quoted value that starts at offset 8`},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error", tt.in, got)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): error %v is %T, want *SyntaxError", tt.in, err, err)
			continue
		}
		if se.Offset != tt.offset || se.Msg != tt.msg {
			t.Errorf("Parse(%q): got offset %d, msg %q; want offset %d, msg %q", tt.in, se.Offset, se.Msg, tt.offset, tt.msg)
		}
		if want := fmt.Sprintf("filter: at offset %d: %s", tt.offset, tt.msg); err.Error() != want {
			t.Errorf("Parse(%q).Error() = %q, want %q", tt.in, err.Error(), want)
		}
		if !got.IsZero() {
			t.Errorf("Parse(%q) returned non-zero Expr %v with an error", tt.in, got)
		}
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("formId==")
	if got, want := err.Error(), `filter: at offset 8: expected a value after "=="`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseRecordData(t *testing.T) {
	ok := []struct {
		in   string
		want Expr
	}{
		{"a==1", dnf(ts(tm("a", Eq, "1")))},
		{"a==1;b==2", dnf(ts(tm("a", Eq, "1"), tm("b", Eq, "2")))},
		{"a==1 and b==2", dnf(ts(tm("a", Eq, "1"), tm("b", Eq, "2")))},
		{"a==1,b==2,c==3", dnf(ts(tm("a", Eq, "1")), ts(tm("b", Eq, "2")), ts(tm("c", Eq, "3")))},
		{`a=="x;y",b=="1,2"`, dnf(ts(tm("a", Eq, "x;y")), ts(tm("b", Eq, "1,2")))},
	}
	for _, tt := range ok {
		got, err := ParseRecordData(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRecordData(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct {
		in     string
		offset int
		msg    string
	}{
		{"a==1;b==2,c==3", 9, mixMsg},
		{"a==1,b==2;c==3", 9, mixMsg},
		{"a==1,b==2 and c==3", 10, mixMsg},
		{"a==1 or b==2,c==3;d==4", 17, mixMsg},
		{"a==1 and b==2 OR c==3", 14, mixMsg},
		{"a==1;b==", 8, `expected a value after "=="`},
	}
	for _, tt := range bad {
		got, err := ParseRecordData(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseRecordData(%q) = %v, %v; want *SyntaxError", tt.in, got, err)
			continue
		}
		if se.Offset != tt.offset || se.Msg != tt.msg {
			t.Errorf("ParseRecordData(%q): got offset %d, msg %q; want %d, %q", tt.in, se.Offset, se.Msg, tt.offset, tt.msg)
		}
	}
	if mixMsg != `recordDataFilter: cannot mix ";" (and) with "," (or)` {
		t.Errorf("mixMsg = %q", mixMsg)
	}
	// Parse itself accepts mixed connectors.
	if _, err := Parse("a==1;b==2,c==3"); err != nil {
		t.Errorf("Parse rejected mixed connectors: %v", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		e    Expr
		want string
	}{
		{Expr{}, ""},
		{And(tm("formId", Eq, "48")), "formId==48"},
		{And(tm("a", Ne, "1"), tm("b", Lt, "2"), tm("c", Le, "3")), "a!=1;b<2;c<=3"},
		{Or(And(tm("a", Gt, "1"), tm("b", Ge, "2")), And(tm("c", Eq, "3"))), "a>1;b>=2,c==3"},
		{And(tm("subjectKey", Eq, "111-005")), "subjectKey==111-005"},
		{And(tm("a", Gt, "-5.5")), "a>-5.5"},
		{And(tm("deleted", Eq, "false")), "deleted==false"},
		{And(tm("dateCreated", Ge, "2000-11-05T14:00:00Z")), "dateCreated>=2000-11-05T14:00:00Z"},
		{And(tm("dateCreated", Lt, "2024-01-02T00:00:00+00:00")), "dateCreated<2024-01-02T00:00:00+00:00"},
		{And(tm("dateCreated", Lt, "2024-01-02 10:00:00")), `dateCreated<"2024-01-02 10:00:00"`},
		{And(tm("queryComments.user", Eq, "j_doe")), "queryComments.user==j_doe"},
		{And(tm("siteName", Eq, "My Site")), `siteName=="My Site"`},
		{And(tm("a", Eq, "")), `a==""`},
		{And(tm("a", Eq, `x"y\z`)), `a=="x\"y\\z"`},
		{And(tm("a", Eq, `"`)), `a=="\""`},
		{And(tm("a", Eq, "a;b")), `a=="a;b"`},
		{And(tm("a", Eq, "a,b")), `a=="a,b"`},
		{And(tm("a", Eq, "x and y")), `a=="x and y"`},
		{And(tm("a", Eq, "Zürich")), `a=="Zürich"`},
		{And(tm("a", Eq, "a/b")), `a=="a/b"`},
		{And(tm("a", Lt, "=5")), `a<"=5"`},
		{And(tm("a", Eq, "~x")), `a=="~x"`},
		{And(tm("name", Match, "^J.*")), `name=~"^J.*"`},
		{And(tm("name", Match, "john")), `name=~john`},
		{Or(And(tm("a", Eq, "x y")), And(tm("b", Eq, "1"), tm("c", Eq, ""))), `a=="x y",b==1;c==""`},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.e, got, tt.want)
		}
	}
	if got, want := tm("a", Eq, "x y").String(), `a=="x y"`; got != want {
		t.Errorf("Term.String() = %q, want %q", got, want)
	}
}

// roundTripValues are values that stress quoting.
var roundTripValues = []string{
	"", "1", "-1", "1.5e3", "abc", "ABC", "a b", " lead", "trail ", "  ", "\t",
	`"`, `\`, `\"`, `""`, `\\`, `a"b\c`, ";", ",", "a;b,c", " and ", " or ",
	"x and y", "x OR y", "and", "or", "==", "a==b", "=", "~", "<", "!", "=~x",
	"日本語", "line\nbreak", "\r\n", "\x00", "\xff\xfe", "2024-01-02 10:00:00",
	"2024-01-02T10:00:00.123+05:30", "111-005", "x:y+z_w.v-u",
}

func TestRoundTrip(t *testing.T) {
	var exprs []Expr
	for i, v := range roundTripValues {
		op := allOps[i%len(allOps)]
		exprs = append(exprs,
			And(tm("a", op, v)),
			And(tm("queryComments.user", op, v), tm("b", Eq, v)),
			Or(And(tm("x", op, v)), And(tm("y", Ne, v), tm("z", Match, v))),
		)
	}
	exprs = append(exprs, And(func() []Term {
		var terms []Term
		for _, v := range roundTripValues {
			terms = append(terms, tm("a", Eq, v))
		}
		return terms
	}()...))
	for _, e := range exprs {
		if err := e.Validate(); err != nil {
			t.Fatalf("test expression %#v invalid: %v", e, err)
		}
		s := e.String()
		got, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q) (printed from %#v): %v", s, e, err)
			continue
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("round trip of %#v via %q gave %#v", e, s, got)
		}
	}
}

func TestConstructors(t *testing.T) {
	a, b, c := tm("a", Eq, "1"), tm("b", Eq, "2"), tm("c", Eq, "3")
	if e := And(); !e.IsZero() || e.Or != nil {
		t.Errorf("And() = %#v, want zero", e)
	}
	if e := Or(); !e.IsZero() {
		t.Errorf("Or() = %#v, want zero", e)
	}
	if e := Or(Expr{}, Expr{}); !e.IsZero() {
		t.Errorf("Or(zero, zero) = %#v, want zero", e)
	}
	if got, want := Or(Expr{}, And(a)), dnf(ts(a)); !reflect.DeepEqual(got, want) {
		t.Errorf("Or(zero, And(a)) = %#v, want %#v", got, want)
	}
	if got, want := Or(And(a, b), Or(And(c), And(a))), dnf(ts(a, b), ts(c), ts(a)); !reflect.DeepEqual(got, want) {
		t.Errorf("Or concatenation = %#v, want %#v", got, want)
	}
	if And(a).IsZero() {
		t.Error("And(a).IsZero() = true")
	}

	// And and Or copy their arguments.
	terms := []Term{a, b}
	e := And(terms...)
	terms[0] = c
	if e.Or[0][0] != a {
		t.Error("And aliases its argument slice")
	}
	f := Or(e)
	e.Or[0][1] = c
	if f.Or[0][1] != b {
		t.Error("Or aliases its arguments' conjunctions")
	}
}

func TestConjoin(t *testing.T) {
	a, b, c, d := tm("a", Eq, "1"), tm("b", Eq, "2"), tm("c", Eq, "3"), tm("d", Eq, "4")
	if e := Conjoin(Expr{}, Expr{}); !e.IsZero() {
		t.Errorf("Conjoin(zero, zero) = %#v, want zero", e)
	}
	if got, want := Conjoin(Expr{}, And(a)), dnf(ts(a)); !reflect.DeepEqual(got, want) {
		t.Errorf("Conjoin(zero, a) = %#v, want %#v", got, want)
	}
	if got, want := Conjoin(And(a), Expr{}), dnf(ts(a)); !reflect.DeepEqual(got, want) {
		t.Errorf("Conjoin(a, zero) = %#v, want %#v", got, want)
	}
	// (a,b);(c,d) distributes to a;c,a;d,b;c,b;d.
	got := Conjoin(Or(And(a), And(b)), Or(And(c), And(d)))
	want := dnf(ts(a, c), ts(a, d), ts(b, c), ts(b, d))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conjoin distribution = %#v, want %#v", got, want)
	}
	// The result shares no memory with the arguments.
	x := And(a, b)
	y := Conjoin(x, And(c))
	x.Or[0][0] = d
	if y.Or[0][0] != a {
		t.Error("Conjoin aliases its arguments' conjunctions")
	}
}

func TestConnectors(t *testing.T) {
	tests := []struct {
		in             string
		hasAnd, hasOr  bool
		wantRecordData bool
	}{
		{"a==1", false, false, true},
		{"a==1;b==2", true, false, true},
		{"a==1,b==2", false, true, true},
		{"a==1,b==2;c==3", true, true, false},
		{"a==1;b==2,c==3", true, true, false},
		{"a==1 and b==2 or c==3", true, true, false},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		hasAnd, hasOr := e.Connectors()
		if hasAnd != tt.hasAnd || hasOr != tt.hasOr {
			t.Errorf("Parse(%q).Connectors() = %v, %v; want %v, %v", tt.in, hasAnd, hasOr, tt.hasAnd, tt.hasOr)
		}
		if _, err := ParseRecordData(tt.in); (err == nil) != tt.wantRecordData {
			t.Errorf("ParseRecordData(%q) error = %v, want ok=%v", tt.in, err, tt.wantRecordData)
		}
	}
	if hasAnd, hasOr := (Expr{}).Connectors(); hasAnd || hasOr {
		t.Error("zero Expr has connectors")
	}
}

func TestValidAttr(t *testing.T) {
	for _, name := range []string{"a", "Z", "_", "_a", "a1", "a.b", "queryComments.user", "a.", "A_b.C9"} {
		if err := ValidAttr(name); err != nil {
			t.Errorf("ValidAttr(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "1a", ".a", "a b", "a-b", "a=", "é", "a\x00", " a", "a;b"} {
		if err := ValidAttr(name); err == nil {
			t.Errorf("ValidAttr(%q) = nil, want error", name)
		}
	}
	if got, want := fmt.Sprint(ValidAttr("a b")), `filter: attribute "a b" must match [A-Za-z_][A-Za-z0-9_.]*`; got != want {
		t.Errorf("ValidAttr error = %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	for _, op := range allOps {
		if !op.Valid() {
			t.Errorf("%q.Valid() = false", op)
		}
		if err := tm("a", op, "").Validate(); err != nil {
			t.Errorf("Validate(%q): %v", op, err)
		}
	}
	for _, op := range []Op{"", "=", "<>", "~", "== "} {
		if op.Valid() {
			t.Errorf("%q.Valid() = true", op)
		}
		if err := tm("a", op, "1").Validate(); err == nil || !strings.Contains(err.Error(), "unknown operator") {
			t.Errorf("Validate with op %q = %v, want unknown operator error", op, err)
		}
	}
	if err := tm("1a", Eq, "1").Validate(); err == nil || !strings.Contains(err.Error(), "must match") {
		t.Errorf("Validate with bad attr = %v", err)
	}
	if err := (Expr{}).Validate(); err != nil {
		t.Errorf("zero Expr: %v", err)
	}
	if err := dnf(ts(tm("a", Eq, "1")), nil).Validate(); err == nil {
		t.Error("Validate accepted an empty conjunction")
	}
	if err := dnf(ts(tm("a", Eq, "1"), tm("b", "=", "1"))).Validate(); err == nil {
		t.Error("Validate accepted a term with an invalid operator")
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		// Numbers compare numerically, not as strings.
		{"10", "9", 1},
		{"9", "10", -1},
		{"1.0", "1", 0},
		{"007", "7", 0},
		{"-5", "3", -1},
		{"-10", "-9", -1},
		{"1e3", "999", 1},
		{"+2", "2", 0},
		{"1e400", "1e300", 1},
		// Not numbers: strings.
		{"10", "9x", -1},
		{"NaN", "nan", -1},
		{"inf", "INF", 1},
		{"0x10", "9", -1},
		{"1_000", "999", -1},
		// Strings: case-sensitive byte order.
		{"abc", "abd", -1},
		{"abc", "abc", 0},
		{"a", "A", 1},
		{"B", "a", -1},
		{"", "a", -1},
		// Timestamps in mixed layouts compare as instants.
		{"2024-01-02 10:00:00", "2024-01-02T10:00:00Z", 0},
		{"2024-01-02T10:00:00+02:00", "2024-01-02 08:00:00", 0},
		{"2024-01-02 15:04:05+01:00", "2024-01-02T14:04:05Z", 0},
		{"2024-01-02T10:00:00+05:00", "2024-01-02T06:00:00Z", -1},
		{"2024-01-02T10:00:00.5Z", "2024-01-02T10:00:00Z", 1},
		{"2024-01-02T10:00:00.000", "2024-01-02 10:00:00", 0},
		{"2024-01-02 10:00:00.25-01:00", "2024-01-02T11:00:00.250Z", 0},
		{"2000-11-05T14:00:00Z", "2000-11-05T13:59:59Z", 1},
		// Date-only against a datetime compares calendar dates in UTC.
		{"2024-01-02T23:59:59Z", "2024-01-02", 0},
		{"2024-01-02", "2024-01-02T00:00:01Z", 0},
		{"2024-01-02", "2024-01-03T00:00:00Z", -1},
		{"2024-01-02T23:00:00-05:00", "2024-01-03", 0},
		{"2024-01-02T01:00:00+05:00", "2024-01-02", -1},
		{"2024-01-02", "2024-01-01", 1},
		{"2024-01-02", "2024-01-02", 0},
		// Not timestamps: strings.
		{"2024-13-01", "2024-02-01", 1},
		{"2024-01-02T10:00", "2024-01-02T09:00:00Z", 1},
		{"2024-01-02T10:00:00 ", "2024-01-02T10:00:00", 1},
		// Booleans, in any case.
		{"true", "false", 1},
		{"false", "true", -1},
		{"TRUE", "true", 0},
		{"False", "true", -1},
		{"true", "1", 1},
	}
	for _, tt := range tests {
		if got := sign(Compare(tt.a, tt.b)); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := sign(Compare(tt.b, tt.a)); got != -tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestTermMatch(t *testing.T) {
	tests := []struct {
		term   Term
		values []string
		ok     bool
		want   bool
	}{
		// Absent attributes: only != holds.
		{tm("a", Eq, "1"), nil, false, false},
		{tm("a", Ne, "1"), nil, false, true},
		{tm("a", Lt, "1"), nil, false, false},
		{tm("a", Le, "1"), nil, false, false},
		{tm("a", Gt, "1"), nil, false, false},
		{tm("a", Ge, "1"), nil, false, false},
		{tm("a", Match, ""), nil, false, false},
		// Present but empty list.
		{tm("a", Eq, "1"), []string{}, true, false},
		{tm("a", Ne, "1"), []string{}, true, true},
		{tm("a", Match, ""), []string{}, true, false},
		// Single values.
		{tm("a", Eq, "10"), []string{"10.0"}, true, true},
		{tm("a", Ne, "10"), []string{"10.0"}, true, false},
		{tm("a", Gt, "9"), []string{"10"}, true, true},
		{tm("a", Lt, "9"), []string{"10"}, true, false},
		{tm("a", Le, "10"), []string{"10"}, true, true},
		{tm("a", Ge, "10"), []string{"10"}, true, true},
		{tm("a", Ge, "11"), []string{"10"}, true, false},
		// == is case-sensitive.
		{tm("name", Eq, "Bob"), []string{"bob"}, true, false},
		{tm("name", Ne, "Bob"), []string{"bob"}, true, true},
		{tm("name", Eq, "bob"), []string{"bob"}, true, true},
		// Multi-valued attributes.
		{tm("queryComments.user", Eq, "bob"), []string{"alice", "bob"}, true, true},
		{tm("queryComments.user", Eq, "carol"), []string{"alice", "bob"}, true, false},
		{tm("queryComments.user", Ne, "bob"), []string{"alice", "bob"}, true, false},
		{tm("queryComments.user", Ne, "carol"), []string{"alice", "bob"}, true, true},
		{tm("n", Lt, "10"), []string{"50", "5"}, true, true},
		{tm("n", Gt, "60"), []string{"50", "5"}, true, false},
		{tm("n", Le, "5"), []string{"50", "5"}, true, true},
		{tm("n", Ge, "50"), []string{"5", "50"}, true, true},
		// Dates.
		{tm("dateCreated", Gt, "2024-01-01"), []string{"2024-01-01T10:00:00Z"}, true, false},
		{tm("dateCreated", Ge, "2024-01-01"), []string{"2024-01-01T10:00:00Z"}, true, true},
		{tm("dateCreated", Gt, "2024-01-01T09:00:00Z"), []string{"2024-01-01 10:00:00"}, true, true},
		// =~ is a case-insensitive, unanchored regular expression.
		{tm("name", Match, "^jo"), []string{"John"}, true, true},
		{tm("name", Match, "^jo"), []string{"Mary Jo"}, true, false},
		{tm("name", Match, "JO"), []string{"Mary Jo"}, true, true},
		{tm("name", Match, "n$"), []string{"John"}, true, true},
		{tm("name", Match, "^j.*n$"), []string{"Mary", "JOHN"}, true, true},
		{tm("name", Match, "^j.*n$"), []string{"Mary", "Johnny"}, true, false},
		{tm("name", Match, ""), []string{"x"}, true, true},
		{tm("n", Match, "1.5"), []string{"105"}, true, true},
		// Invalid regexps fall back to case-insensitive substrings.
		{tm("name", Match, "a(b"), []string{"XA(BY"}, true, true},
		{tm("name", Match, "a(b"), []string{"ab"}, true, false},
		{tm("name", Match, "[x"), []string{"no", "has [X here"}, true, true},
		{tm("name", Match, "*"), []string{"a*b"}, true, true},
		{tm("name", Match, "*"), []string{"ab"}, true, false},
		{tm("name", Match, "\xff("), []string{"a\xff(b"}, true, true},
		// Unknown operators never match.
		{tm("a", "=", "1"), []string{"1"}, true, false},
		{tm("a", "", "1"), nil, false, false},
	}
	for _, tt := range tests {
		if got := tt.term.Match(tt.values, tt.ok); got != tt.want {
			t.Errorf("%v.Match(%q, %v) = %v, want %v", tt.term, tt.values, tt.ok, got, tt.want)
		}
		c := Compile(And(tt.term))
		lookup := func(attr string) ([]string, bool) {
			if attr != tt.term.Attr {
				t.Errorf("lookup(%q), want %q", attr, tt.term.Attr)
			}
			return tt.values, tt.ok
		}
		if got := c.Match(lookup); got != tt.want {
			t.Errorf("Compile(%v).Match = %v, want %v", tt.term, got, tt.want)
		}
	}
}

// record is a lookup over a map of attribute values.
type record map[string][]string

func (r record) lookup(attr string) ([]string, bool) {
	v, ok := r[attr]
	return v, ok
}

func TestEval(t *testing.T) {
	rec := record{
		"siteName":           {"Chicago Hope Hospital"},
		"siteId":             {"10"},
		"deleted":            {"false"},
		"dateCreated":        {"2024-03-04 12:00:00"},
		"queryComments.user": {"alice", "Bob"},
	}
	tests := []struct {
		filter string
		want   bool
	}{
		{"siteName==Chicago Hope Hospital", true},
		{"siteName==chicago hope hospital", false},
		{"siteName=~chicago", true},
		{"siteId>9", true},
		{"siteId<9", false},
		{"siteId==10;deleted==false", true},
		{"siteId==10;deleted==true", false},
		{"siteId==11,deleted==false", true},
		{"siteId==11,deleted==true", false},
		{"siteId==11;deleted==false,siteName=~hope", true},
		{"siteId==10;deleted==true,siteName=~mercy", false},
		{"dateCreated>=2024-03-04", true},
		{"dateCreated>2024-03-04", false},
		{"dateCreated<2024-03-04T13:00:00+00:00", true},
		{"dateCreated<2024-03-04T13:00:00+02:00", false},
		{"queryComments.user==Bob", true},
		{"queryComments.user==bob", false},
		{"queryComments.user=~^BOB$", true},
		{"queryComments.user!=alice", false},
		{"missing==x", false},
		{"missing!=x", true},
		{"missing!=x;siteId==10", true},
		{"missing==x,siteId==10", true},
	}
	for _, tt := range tests {
		e, err := Parse(tt.filter)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.filter, err)
		}
		if got := e.Eval(rec.lookup); got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.filter, got, tt.want)
		}
		if got := Compile(e).Match(rec.lookup); got != tt.want {
			t.Errorf("Compile(%q).Match = %v, want %v", tt.filter, got, tt.want)
		}
	}

	// The zero Expr and a nil Matcher match everything, without lookups.
	never := func(string) ([]string, bool) {
		t.Error("lookup called")
		return nil, false
	}
	if !(Expr{}).Eval(never) || !Compile(Expr{}).Match(never) || !(*Matcher)(nil).Match(never) {
		t.Error("empty filter did not match")
	}
	// An empty conjunction is vacuously true.
	if !dnf(ts(tm("missing", Eq, "1")), nil).Eval(rec.lookup) {
		t.Error("empty conjunction did not match")
	}
}

func TestEvalShortCircuit(t *testing.T) {
	var calls []string
	lookup := func(attr string) ([]string, bool) {
		calls = append(calls, attr)
		return []string{"1"}, true
	}
	e, _ := Parse("a==2;b==1,c==1,d==1")
	if !e.Eval(lookup) {
		t.Fatal("no match")
	}
	if got, want := strings.Join(calls, " "), "a c"; got != want {
		t.Errorf("lookups = %q, want %q", got, want)
	}
}

func TestMatcherConcurrent(t *testing.T) {
	e, err := Parse(`name=~^jo.*n$;age>=18,name=~"a(b",tags==x`)
	if err != nil {
		t.Fatal(err)
	}
	m := Compile(e)
	records := []struct {
		rec  record
		want bool
	}{
		{record{"name": {"John"}, "age": {"20"}}, true},
		{record{"name": {"John"}, "age": {"9"}}, false},
		{record{"name": {"xA(By"}}, true},
		{record{"tags": {"y", "x"}}, true},
		{record{}, false},
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				r := records[(g+i)%len(records)]
				if got := m.Match(r.rec.lookup); got != r.want {
					t.Errorf("Match(%v) = %v, want %v", r.rec, got, r.want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("a", uint8(0), "1", "", uint8(0))
	f.Add("siteName", uint8(0), "My Site", "x;y", uint8(1))
	f.Add("queryComments.user", uint8(6), `a"b\c`, " or ", uint8(2))
	f.Add("dateCreated", uint8(3), "2024-01-02T00:00:00+00:00", "2024-01-02 10:00:00", uint8(2))
	f.Fuzz(func(t *testing.T, attr string, op uint8, value, value2 string, shape uint8) {
		if ValidAttr(attr) != nil {
			t.Skip()
		}
		t1 := tm(attr, allOps[int(op)%len(allOps)], value)
		t2 := tm(attr, allOps[int(op)/len(allOps)%len(allOps)], value2)
		var e Expr
		switch shape % 3 {
		case 0:
			e = And(t1)
		case 1:
			e = And(t1, t2)
		case 2:
			e = Or(And(t1), And(t2))
		}
		s := e.String()
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("round trip of %#v via %q gave %#v", e, s, got)
		}
		if _, err := ParseRecordData(s); err != nil {
			t.Fatalf("ParseRecordData(%q): %v", s, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a==1;b==2,c==3",
		`siteName=="My \"Site\""`,
		"siteName==Chicago Hope Hospital and x<=5 OR y=~^a",
		`a=="x`,
		"a== and b==1",
		"formId > 10",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %v is %T, want *SyntaxError", s, err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("Parse(%q): offset %d out of range", s, se.Offset)
			}
			if strings.Contains(se.Msg, "internal error") {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			return
		}
		if e.IsZero() {
			t.Fatalf("Parse(%q) succeeded with the zero Expr", s)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("Parse(%q) = %#v, which is invalid: %v", s, e, err)
		}
		printed := e.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v; reparsing %q: %v", s, e, printed, err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("Parse(%q) = %#v; reparsing %q gave %#v", s, e, printed, again)
		}
		if again.String() != printed {
			t.Fatalf("printing is not a fixed point: %q then %q", printed, again.String())
		}
		hasAnd, hasOr := e.Connectors()
		if _, err := ParseRecordData(s); (err == nil) != !(hasAnd && hasOr) {
			t.Fatalf("ParseRecordData(%q) = %v, but Connectors() = %v, %v", s, err, hasAnd, hasOr)
		}
		// Evaluation must not panic.
		Compile(e).Match(func(string) ([]string, bool) { return []string{s, "1", "2024-01-02"}, true })
	})
}

func ExampleParse() {
	e, err := Parse("siteName==Chicago Hope Hospital and formId > 10, deleted=true")
	if err != nil {
		panic(err)
	}
	fmt.Println(e)
	fmt.Println(len(e.Or), "conjunctions")
	// Output:
	// siteName=="Chicago Hope Hospital";formId>10,deleted==true
	// 2 conjunctions
}

func ExampleCompile() {
	e := Or(
		And(Term{Attr: "siteId", Op: Ge, Value: "10"}, Term{Attr: "deleted", Op: Eq, Value: "false"}),
		And(Term{Attr: "queryComments.user", Op: Match, Value: "^bob$"}),
	)
	fmt.Println(e)
	m := Compile(e)
	rec := record{"siteId": {"9"}, "queryComments.user": {"alice", "BOB"}}
	fmt.Println(m.Match(rec.lookup))
	// Output:
	// siteId>=10;deleted==false,queryComments.user=~"^bob$"
	// true
}
