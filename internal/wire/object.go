package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// Extra holds the members of an object that a model does not know, or could not read as the
// documented type, as raw JSON keyed by member name. Nothing the API sends is lost.
type Extra map[string]json.RawMessage

// Field is one member of an object being decoded by [DecodeObject]. Its setters store the
// value in a Go variable when it can be read as that type, and otherwise keep it in the
// object's [Extra]; they never fail.
type Field struct {
	Key   string // the member name
	Value Value  // the member's raw JSON (valid for the duration of the callback only)
	extra *Extra
	// names are the member names of the last object decoded with this Field (which comes
	// from a pool), by position, where the name's text is the inside of its JSON string as
	// written: the next object's name at the same position is most likely the same, and is
	// then known by comparing bytes, without reading the name or hashing it for the cache of
	// names (see memberName).
	names []string
}

// maxGuessedNames is how many names a Field remembers (see Field.names).
const maxGuessedNames = 32

// name returns the text of the k-th member name of an object, key as WalkObjectGuess hands
// it over (known: it is f.names[k]), remembering it for the next object.
func (f *Field) name(key []byte, k int, known bool) string {
	if known {
		return f.names[k]
	}
	inner := key[1 : len(key)-1]
	s := memberName(key)
	if k < maxGuessedNames && s == string(inner) {
		if k < len(f.names) {
			f.names[k] = s
		} else if k == len(f.names) {
			f.names = append(f.names, s)
		}
	}
	return s
}

// DecodeObject walks the members of the JSON object in data and calls member for each one,
// in document order. Members the callback does not store (it calls [Field.Keep], or a setter
// cannot read the value) are copied into *extra, which is allocated on first use; extra may be
// nil to drop them. A JSON null decodes as an object without members.
//
// A name that occurs more than once is visited each time; the setters, like encoding/json,
// leave the last value in place (in the destination or in Extra).
//
// It returns a *[SyntaxError] for malformed JSON (the callback may have been called for the
// members before the error) and an error wrapping [ErrNotObject] when data is valid JSON of
// another type than object.
func DecodeObject(data []byte, extra *Extra, member func(f *Field)) error {
	i := skipSpace(data, 0)
	if i < len(data) && data[i] != '{' && data[i] != 'n' {
		return notA(data, i, ErrNotObject)
	}
	end, err := DecodeObjectAt(data, i, extra, member)
	if err != nil {
		return err
	}
	return trailing(data, end)
}

// DecodeObjectAt is [DecodeObject] for the value that starts at data[i] (after spaces) within
// a larger document: it returns the offset just past the value and leaves what follows
// unread. The Field values are slices of data.
func DecodeObjectAt(data []byte, i int, extra *Extra, member func(f *Field)) (int, error) {
	return DecodeObjectAtOwn(data, i, extra, member, "", nil)
}

// DecodeObjectAtOwn is [DecodeObjectAt], except that the member called own (its name written
// without escapes) is handed to read instead of member, before its value is looked at: read
// gets the Field (Key set, Value nil) and the offset of the value (after spaces), reads the
// value in the same pass that finds its end, and returns the offset just past it. read may
// set f.Value and call the Field's setters, [Field.Keep] included. A member that would
// otherwise be scanned twice, once to find its end and once to read it, is thus read once.
// With read nil every member goes to member, as in DecodeObjectAt.
func DecodeObjectAtOwn(data []byte, i int, extra *Extra, member func(f *Field), own string,
	read func(f *Field, at int) (int, error)) (int, error) {
	// The Field escapes (member is any function), so it comes from a pool: a page of records
	// would otherwise allocate one per record.
	f := fields.Get().(*Field)
	f.extra = extra
	end, err := WalkObjectGuess(data, i, f.names, func(k int, key []byte, known bool, at int) (int, error) {
		if read != nil && string(key[1:len(key)-1]) == own {
			f.Key, f.Value = f.name(key, k, known), nil
			return read(f, at)
		}
		end, err := skipMember(data, at)
		if err != nil {
			return 0, err
		}
		f.Key, f.Value = f.name(key, k, known), Value(data[at:end])
		member(f)
		return end, nil
	})
	f.release()
	return end, err
}

// release returns f to the pool, holding on to nothing of the object it read but the names.
func (f *Field) release() {
	*f = Field{names: f.names}
	fields.Put(f)
}

// skipMember returns the offset just past the value of a member at data[at] (after spaces),
// a string without the general path's calls.
func skipMember(data []byte, at int) (int, error) {
	if at < len(data) && data[at] == '"' {
		return skipString(data, at)
	}
	return skipValueDepth(data, at, 1)
}

// fields holds the Fields of DecodeObjectAt between calls.
var fields = sync.Pool{New: func() any { return new(Field) }}

// WalkObject walks the members of the object (or null, which has none) that starts at
// data[i] (after spaces), in document order, and returns the offset just past it. For each
// member it calls member with the name and the offset of the value (after spaces); member
// reads or skips the value ([SkipValue]) and returns the offset just past it. A caller thus
// decodes values in place, without a separate pass to find where each one ends.
//
// It returns a *[SyntaxError] for malformed JSON and an error wrapping [ErrNotObject] for a
// valid value of another type; an error from member is returned as it is.
func WalkObject(data []byte, i int, member func(key string, at int) (int, error)) (int, error) {
	return WalkObjectKeys(data, i, func(key []byte, at int) (int, error) {
		return member(memberName(key), at)
	})
}

// WalkObjectKeys is [WalkObject] handing member each name as it is written: the JSON string,
// quotes included, a slice of data. [MemberName] reads it. A caller that expects certain
// names may compare their text with the inside of key when it holds no backslash (and skip
// reading it).
func WalkObjectKeys(data []byte, i int, member func(key []byte, at int) (int, error)) (int, error) {
	return WalkObjectGuess(data, i, nil, func(_ int, key []byte, _ bool, at int) (int, error) { return member(key, at) })
}

// WalkObjectGuess is [WalkObjectKeys] for an object whose member names are most likely
// guess, in that order (those of the last such object). Each name is first compared with the
// guess at its place: member gets the member's position k and known true when the name is
// guess[k] (written without escapes), found without scanning it as a string. Every name of
// guess must be a text that is its own JSON string's inside (no quote, backslash or control
// character), such as a name that [MemberName] returned as the inside of its key.
func WalkObjectGuess(data []byte, i int, guess []string, member func(k int, key []byte, known bool, at int) (int, error)) (int, error) {
	i = skipSpace(data, i)
	if i < len(data) && data[i] == 'n' {
		return skipLiteral(data, i, "null")
	}
	if i >= len(data) || data[i] != '{' {
		return 0, notAt(data, i, ErrNotObject)
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for k := 0; ; k++ {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return 0, syntaxErr(i, "expected a member name")
		}
		var keyEnd int
		known := false
		if k < len(guess) {
			g := guess[k]
			if e := i + 1 + len(g); e < len(data) && data[e] == '"' && string(data[i+1:e]) == g {
				keyEnd, known = e+1, true
			}
		}
		if !known {
			var err error
			if keyEnd, err = skipString(data, i); err != nil {
				return 0, err
			}
		}
		key := data[i:keyEnd]
		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return 0, syntaxErr(i, "expected ':' after member name %q", memberName(key))
		}
		end, err := member(k, key, known, skipSpace(data, i+1))
		if err != nil {
			return 0, err
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return 0, syntaxErr(i, "unexpected end of input in object")
		}
		if data[i] == '}' {
			return i + 1, nil
		}
		if data[i] != ',' {
			return 0, syntaxErr(i, "expected ',' or '}' after member %q", memberName(key))
		}
		i++
	}
}

// MemberName returns the text of a member name as [WalkObjectKeys] hands it over (a JSON
// string, quotes included), as WalkObject would: escapes read, invalid UTF-8 replaced, short
// names shared from a cache.
func MemberName(key []byte) string { return memberName(key) }

// DecodeArray calls elem for each element of the JSON array in data, in order, with the
// element's raw JSON, and stops at the first error elem returns. A JSON null is an empty
// array. It returns a *[SyntaxError] for malformed JSON and an error wrapping [ErrNotArray]
// for valid JSON of another type.
func DecodeArray(data []byte, elem func(i int, v Value) error) error {
	i := skipSpace(data, 0)
	if i < len(data) && data[i] != '[' && data[i] != 'n' {
		return notA(data, i, ErrNotArray)
	}
	end, err := WalkArray(data, i, func(n, at int) (int, error) {
		end, err := skipValueDepth(data, at, 1)
		if err != nil {
			return 0, err
		}
		return end, elem(n, Value(data[at:end]))
	})
	if err != nil {
		return err
	}
	return trailing(data, end)
}

// WalkArray walks the elements of the array (or null, which has none) that starts at data[i]
// (after spaces) and returns the offset just past it. For each element it calls elem with its
// index and offset; elem reads or skips the element ([SkipValue]) and returns the offset just
// past it. It returns a *[SyntaxError] for malformed JSON and an error wrapping
// [ErrNotArray] for a valid value of another type; an error from elem is returned as it is.
func WalkArray(data []byte, i int, elem func(n, at int) (int, error)) (int, error) {
	i = skipSpace(data, i)
	if i < len(data) && data[i] == 'n' {
		return skipLiteral(data, i, "null")
	}
	if i >= len(data) || data[i] != '[' {
		return 0, notAt(data, i, ErrNotArray)
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for n := 0; ; n++ {
		end, err := elem(n, skipSpace(data, i))
		if err != nil {
			return 0, err
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return 0, syntaxErr(i, "unexpected end of input in array")
		}
		if data[i] == ']' {
			return i + 1, nil
		}
		if data[i] != ',' {
			return 0, syntaxErr(i, "expected ',' or ']' in array")
		}
		i++
	}
}

// CheckEnd checks that only spaces follow data[end:], where a document's value ended (as
// [WalkObject] or [WalkArray] reported); it returns a *[SyntaxError] otherwise.
func CheckEnd(data []byte, end int) error {
	return trailing(data, end)
}

// SkipValue returns the offset just past the JSON value that starts at data[i] (after
// spaces), checking it as [Valid] does; it returns a *[SyntaxError] for malformed JSON.
func SkipValue(data []byte, i int) (int, error) {
	if i < len(data) && data[i] == '"' {
		return skipString(data, i) // the most common value, without the general path's calls
	}
	return skipValue(data, i)
}

// trailing checks that only spaces follow the value that ends at data[i].
func trailing(data []byte, i int) error {
	if j := skipSpace(data, i); j != len(data) {
		return syntaxErr(j, "unexpected data after the value")
	}
	return nil
}

// notAt returns the error for the value at data[i] (within a larger document) that is not of
// the kind expected: a *SyntaxError when it is malformed, and otherwise want wrapped with the
// kind that was found.
func notAt(data []byte, i int, want error) error {
	end, err := skipValue(data, i)
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: found %s", want, Value(data[i:end]).Kind())
}

// notA returns the error for the document data whose value, at data[i], is not the one
// expected: a *SyntaxError when the document is malformed (trailing data included), and
// otherwise want wrapped with the kind that was found.
func notA(data []byte, i int, want error) error {
	end, err := skipValue(data, i)
	if err != nil {
		return err
	}
	if err := trailing(data, end); err != nil {
		return err
	}
	return fmt.Errorf("%w: found %s", want, Value(data[i:]).Kind())
}

// Keep stores the member's raw JSON in the object's Extra.
func (f *Field) Keep() {
	if f.extra == nil {
		return
	}
	if *f.extra == nil {
		*f.extra = make(Extra)
	}
	(*f.extra)[f.Key] = append(json.RawMessage(nil), f.Value...)
}

// String stores the member as text (see [Value.Text]): strings unquoted, numbers and booleans
// as written, null as "".
func (f *Field) String(dst *string) {
	if s, ok := internText(f.Value); ok {
		*dst = s
		return
	}
	if s, ok := f.Value.Text(); ok {
		*dst = s
		return
	}
	f.Keep()
}

// Int stores the member as an integer (see [Value.Int]).
func (f *Field) Int(dst *int) {
	if n, ok := f.Value.Int(); ok {
		*dst = n
		return
	}
	f.Keep()
}

// Float stores the member as a float64 (see [Value.Float]).
func (f *Field) Float(dst *float64) {
	if n, ok := f.Value.Float(); ok {
		*dst = n
		return
	}
	f.Keep()
}

// Bool stores the member as a boolean (see [Value.Bool]).
func (f *Field) Bool(dst *bool) {
	if b, ok := f.Value.Bool(); ok {
		*dst = b
		return
	}
	f.Keep()
}

// Time stores the member as a [Time]. A text that is not a known timestamp layout is kept in
// the Time's Raw field rather than in Extra.
func (f *Field) Time(dst *Time) {
	if t, ok := ParseTimeValue(f.Value); ok {
		*dst = t
		return
	}
	f.Keep()
}

// Raw stores a copy of the member's raw JSON.
func (f *Field) Raw(dst *json.RawMessage) {
	*dst = append(json.RawMessage(nil), f.Value...)
}

// Decode stores the member with encoding/json into dst, a non-nil pointer (typically to a
// model with its own tolerant UnmarshalJSON). The value is decoded into a fresh variable of
// dst's element type and stored only when it decodes completely, so a value that does not
// decode is kept in Extra with *dst left as it was (json.Unmarshal alone would fill *dst in
// part before failing). null and blank strings leave *dst as it is.
func (f *Field) Decode(dst any) {
	if f.Value.IsAbsent() {
		return
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		f.Keep()
		return
	}
	tmp := reflect.New(rv.Type().Elem())
	if err := json.Unmarshal(f.Value, tmp.Interface()); err != nil {
		f.Keep()
		return
	}
	rv.Elem().Set(tmp.Elem())
}

// List stores the member as a list of T. null and blank strings are an empty list, a lone
// object is a list of one (both quirks of real responses). When some elements do not decode
// as T, *dst holds the ones that do and the whole list is also kept, as sent, in the
// object's Extra; a value that is not a list at all is kept in Extra and *dst is left empty.
func List[T any](f *Field, dst *[]T) {
	*dst = nil
	switch f.Value.Kind() {
	case Array:
		items := []T{}
		bad := false
		err := DecodeArray(f.Value, func(_ int, v Value) error {
			var item T
			if decodeElem(v, &item) != nil {
				bad = true
				return nil
			}
			items = append(items, item)
			return nil
		})
		if err != nil || bad {
			f.Keep()
		}
		*dst = items
	case Object:
		var item T
		if err := decodeElem(f.Value, &item); err != nil {
			f.Keep()
			return
		}
		*dst = []T{item}
	default:
		if !f.Value.IsAbsent() {
			f.Keep()
		}
	}
}

// decodeElem decodes one list element, through its own UnmarshalJSON when it has one.
func decodeElem[T any](v Value, item *T) error {
	if u, ok := any(item).(json.Unmarshaler); ok {
		return u.UnmarshalJSON(v)
	}
	return json.Unmarshal(v, item)
}
