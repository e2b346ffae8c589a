// Package filterexpr implements the filter grammar of the iMednet EDC REST
// API: the language of the "filter" query parameter accepted by the list
// endpoints and of the "recordDataFilter" parameter of /records. The client
// SDK prints filters with it and the fake test server parses and evaluates
// them with it, so both sides agree on one definition.
//
// # Grammar
//
// A filter is a disjunction of conjunctions of comparisons:
//
//	expr     := and_expr ( ("," | " or ") and_expr )*
//	and_expr := term ( (";" | " and ") term )*
//	term     := attr op value
//	attr     := [A-Za-z_][A-Za-z0-9_.]*
//	op       := "==" | "!=" | "<=" | ">=" | "<" | ">" | "=~" | "="
//	value    := quoted | bare
//
// ";" (and) binds tighter than "," (or), so "a==1;b==2,c==3" means
// (a==1 AND b==2) OR c==3. There are no parentheses, which is why [Expr]
// stores exactly that normal form. A single "=" is read as "==".
//
// Parsing is lenient. Whitespace (ASCII space, tab, newline, carriage return,
// vertical tab, form feed) is allowed around attributes, operators and
// connectors. The words "and" and "or" (any letter case) are connectors when
// they are preceded by whitespace and followed by whitespace or the end of
// the input: "a==1 and b==2". A quoted value is enclosed in double quotes and
// may contain any byte; inside it only \" and \\ are escapes. A bare value is
// everything from the first non-space character after the operator up to the
// next ";" or "," or the next whitespace-delimited "and"/"or" word, with
// surrounding whitespace trimmed. Bare values may therefore contain spaces
// ("siteName==Chicago Hope Hospital"), but a value that contains ";", ",", or
// the words " and " / " or " must be quoted. The same rule applies right
// after the operator and at the end of the input, so "a== and b==1" lacks a
// value and "a==1 and" lacks a term after its connector, while "a==and" and
// "a==1 andy" are plain values. Attribute names and values are
// case-sensitive. Malformed input yields a [*SyntaxError] that carries the
// byte offset of the problem.
//
// # Printing
//
// [Expr.String] prints the canonical form: terms joined by ";" within a
// conjunction and by "," between conjunctions, no spaces, the operator as
// written in [Op], and each value bare if it is non-empty and consists only
// of the characters [A-Za-z0-9_.:+-] (so numbers, identifiers such as
// 111-005, booleans and RFC 3339 timestamps stay bare), otherwise double
// quoted with '"' and '\' escaped by a backslash. For every valid [Expr] e
// (see [Expr.Validate]) that is not the zero value, Parse(e.String())
// returns an Expr equal to e.
//
// # Evaluation
//
// [Compile] turns an Expr into a [Matcher] that can be used concurrently;
// [Matcher.Match] reports whether a record matches, given a lookup function
// that returns an attribute's values as strings, in the form the API prints
// them (a list attribute yields several). The zero Expr matches everything.
// For an absent attribute only "!=" is true. "==" is true if any value is
// equal, "!=" if none is, and "<", "<=", ">", ">=" if any value satisfies the
// comparison. "=~" is true if any value matches the term's value as a
// case-insensitive, unanchored regular expression; if the value does not
// compile as a regular expression it is used as a case-insensitive
// substring instead.
//
// Values are compared by [Compare]: as numbers when both sides are decimal
// numbers, as instants when both sides are timestamps (by calendar date
// when one side is a date without a time), as booleans when both sides are
// true/false, and otherwise as case-sensitive strings in byte order.
package filterexpr
