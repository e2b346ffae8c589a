package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type member struct{ key, value string }

// members decodes data with DecodeObject and records every member visited.
func members(t *testing.T, data string) []member {
	t.Helper()
	var got []member
	err := DecodeObject([]byte(data), nil, func(f *Field) {
		got = append(got, member{f.Key, string(f.Value)})
	})
	if err != nil {
		t.Fatalf("DecodeObject(%s): %v", data, err)
	}
	return got
}

func TestDecodeObjectMembers(t *testing.T) {
	cases := []struct {
		in   string
		want []member
	}{
		{`{}`, nil},
		{` { } `, nil},
		{`null`, nil},
		{"  null \n", nil},
		{`{"a":1}`, []member{{"a", "1"}}},
		{`{"z":1,"a":2,"m":3}`, []member{{"z", "1"}, {"a", "2"}, {"m", "3"}}},
		{` { "a" : "x" , "b" : [ 1 , 2 ] , "c" : { "d" : null } } `,
			[]member{{"a", `"x"`}, {"b", `[ 1 , 2 ]`}, {"c", `{ "d" : null }`}}},
		{`{"a":true,"b":false,"c":null,"d":-1.5e3,"e":""}`,
			[]member{{"a", "true"}, {"b", "false"}, {"c", "null"}, {"d", "-1.5e3"}, {"e", `""`}}},
		{`{"a\"b":1,"\u00e9t\u00e9":2,"tab\t":3,"":4,"a\/b":5}`,
			[]member{{`a"b`, "1"}, {"été", "2"}, {"tab\t", "3"}, {"", "4"}, {"a/b", "5"}}},
		{`{"dup":1,"dup":2}`, []member{{"dup", "1"}, {"dup", "2"}}},
		{"{\"k\xff\":1}", []member{{"k\uFFFD", "1"}}}, // as encoding/json would key a map
	}
	for _, tc := range cases {
		if got := members(t, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeObject(%s) visited %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeObjectNotObject(t *testing.T) {
	for _, in := range []string{`1`, `"x"`, `""`, `true`, `[]`, `[{"a":1}]`, ` 12 `, `-0.5`} {
		called := false
		err := DecodeObject([]byte(in), nil, func(*Field) { called = true })
		if !errors.Is(err, ErrNotObject) {
			t.Errorf("DecodeObject(%s) = %v, want ErrNotObject", in, err)
		}
		var se *SyntaxError
		if errors.As(err, &se) {
			t.Errorf("DecodeObject(%s) = %v, a SyntaxError for valid JSON", in, err)
		}
		if called {
			t.Errorf("DecodeObject(%s) called the callback", in)
		}
	}
	err := DecodeObject([]byte(`[1]`), nil, func(*Field) {})
	if err == nil || !strings.Contains(err.Error(), "an array") {
		t.Errorf("DecodeObject([1]) = %v, want it to name what was found", err)
	}
}

func TestDecodeObjectSyntaxError(t *testing.T) {
	cases := []struct {
		in     string
		offset int
	}{
		{``, 0},
		{`   `, 3},
		{`{`, 1},
		{`{"a"`, 4},
		{`{"a":`, 5},
		{`{"a":1`, 6},
		{`{"a":1,`, 7},
		{`{"a":1,}`, 7},
		{`{"a" 1}`, 5},
		{`{a:1}`, 1},
		{`{"a":1 "b":2}`, 7},
		{`{"a":01}`, 6},
		{`{"a":[1,]}`, 8},
		{`{"a":"\x"}`, 6},
		{`{"a":tru}`, 5},
		{`{"a":1}}`, 7},
		{`{"a":1} {"b":2}`, 8},
		{`{} x`, 3},
		{`nul`, 0},
		{`null x`, 5},
		{`nullx`, 4},
		{`x`, 0},
		{`{"a":1,"b":}`, 11},
		// Valid value of another type followed by garbage is malformed, not "not an object".
		{`1 2`, 2},
		{`"x" y`, 4},
		{`[] ]`, 3},
		{`[`, 1},
	}
	for _, tc := range cases {
		err := DecodeObject([]byte(tc.in), nil, func(*Field) {})
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("DecodeObject(%q) = %v, want *SyntaxError", tc.in, err)
			continue
		}
		if se.Offset != tc.offset {
			t.Errorf("DecodeObject(%q): offset %d, want %d (%v)", tc.in, se.Offset, tc.offset, se)
		}
		if errors.Is(err, ErrNotObject) {
			t.Errorf("DecodeObject(%q) = %v, wraps ErrNotObject for malformed JSON", tc.in, err)
		}
	}
}

func TestDecodeObjectDepth(t *testing.T) {
	// An object adds a level: a member nested maxDepth deep is one level too many, as for
	// encoding/json.
	for _, n := range []int{maxDepth - 1, maxDepth} {
		in := `{"a":` + nested("[", "]", n, "") + `}`
		err := DecodeObject([]byte(in), nil, func(*Field) {})
		if want := json.Valid([]byte(in)); (err == nil) != want {
			t.Errorf("DecodeObject(object around %d arrays) = %v, json.Valid = %v", n, err, want)
		}
	}
	for _, n := range []int{maxDepth - 1, maxDepth} {
		in := `[` + nested("[", "]", n, "") + `]`
		err := DecodeArray([]byte(in), func(int, Value) error { return nil })
		if want := json.Valid([]byte(in)); (err == nil) != want {
			t.Errorf("DecodeArray(array around %d arrays) = %v, json.Valid = %v", n, err, want)
		}
	}
}

func TestExtraIsCopiedAndLazy(t *testing.T) {
	var extra Extra
	err := DecodeObject([]byte(`{"a":1,"b":2}`), &extra, func(f *Field) {
		var n int
		f.Int(&n)
	})
	if err != nil || extra != nil {
		t.Fatalf("nothing kept: err %v, extra %v; want a nil map", err, extra)
	}

	data := []byte(`{"known":"x","unknown":{"deep":[1,2]},"other":"text"}`)
	var known string
	err = DecodeObject(data, &extra, func(f *Field) {
		if f.Key == "known" {
			f.String(&known)
			return
		}
		f.Keep()
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Extra{"unknown": json.RawMessage(`{"deep":[1,2]}`), "other": json.RawMessage(`"text"`)}
	if !reflect.DeepEqual(extra, want) {
		t.Fatalf("extra = %s, want %s", extra, want)
	}
	for i := range data { // the caller reuses its buffer
		data[i] = 'X'
	}
	if !reflect.DeepEqual(extra, want) {
		t.Errorf("extra changed with the input buffer: %s", extra)
	}
	if known != "x" {
		t.Errorf("known = %q changed with the input buffer", known)
	}
}

func TestExtraExistingMapAndDuplicates(t *testing.T) {
	extra := Extra{"before": json.RawMessage(`true`)}
	err := DecodeObject([]byte(`{"d":1,"d":2}`), &extra, func(f *Field) { f.Keep() })
	if err != nil {
		t.Fatal(err)
	}
	want := Extra{"before": json.RawMessage(`true`), "d": json.RawMessage(`2`)}
	if !reflect.DeepEqual(extra, want) {
		t.Errorf("extra = %s, want %s (existing entries kept, last duplicate wins)", extra, want)
	}
}

func TestKeepWithoutExtra(t *testing.T) {
	var s string
	var n int
	err := DecodeObject([]byte(`{"a":{},"b":"x","c":[1]}`), nil, func(f *Field) {
		f.Keep()
		f.Int(&n)    // "x", {} and [1] are not ints: kept, into nothing
		f.String(&s) // {} and [1] are not text
		var l []int
		List(f, &l)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// decodeOne runs setter on the single member of {"v": value} and returns the Extra.
func decodeOne(t *testing.T, value string, setter func(f *Field)) Extra {
	t.Helper()
	var extra Extra
	if err := DecodeObject([]byte(`{"v":`+value+`}`), &extra, setter); err != nil {
		t.Fatalf("DecodeObject(%s): %v", value, err)
	}
	return extra
}

func TestSettersStoreOrKeep(t *testing.T) {
	t.Run("String", func(t *testing.T) {
		for _, tc := range []struct{ in, want string }{
			{`"abc"`, "abc"}, {`12`, "12"}, {`true`, "true"}, {`null`, ""}, {`"a\nb"`, "a\nb"},
		} {
			s := "untouched"
			if extra := decodeOne(t, tc.in, func(f *Field) { f.String(&s) }); s != tc.want || extra != nil {
				t.Errorf("String(%s) = %q, extra %s; want %q", tc.in, s, extra, tc.want)
			}
		}
		for _, in := range []string{`{"a":1}`, `[1,2]`} {
			s := "untouched"
			extra := decodeOne(t, in, func(f *Field) { f.String(&s) })
			if s != "untouched" || string(extra["v"]) != in {
				t.Errorf("String(%s): dst %q, extra %s; want untouched and kept", in, s, extra)
			}
		}
	})
	t.Run("Int", func(t *testing.T) {
		for _, tc := range []struct {
			in   string
			want int
		}{{`5`, 5}, {`"5"`, 5}, {`"123.0"`, 123}, {`null`, 0}, {`""`, 0}} {
			n := -99
			if extra := decodeOne(t, tc.in, func(f *Field) { f.Int(&n) }); n != tc.want || extra != nil {
				t.Errorf("Int(%s) = %d, extra %s; want %d", tc.in, n, extra, tc.want)
			}
		}
		for _, in := range []string{`"abc"`, `1.5`, `true`, `{}`, `[1]`, `1e30`} {
			n := -99
			extra := decodeOne(t, in, func(f *Field) { f.Int(&n) })
			if n != -99 || string(extra["v"]) != in {
				t.Errorf("Int(%s): dst %d, extra %s; want untouched and kept", in, n, extra)
			}
		}
	})
	t.Run("Float", func(t *testing.T) {
		for _, tc := range []struct {
			in   string
			want float64
		}{{`1.5`, 1.5}, {`"1.5"`, 1.5}, {`null`, 0}, {`" "`, 0}} {
			x := -99.0
			if extra := decodeOne(t, tc.in, func(f *Field) { f.Float(&x) }); x != tc.want || extra != nil {
				t.Errorf("Float(%s) = %v, extra %s; want %v", tc.in, x, extra, tc.want)
			}
		}
		for _, in := range []string{`"abc"`, `"NaN"`, `false`, `{}`, `[]`} {
			x := -99.0
			extra := decodeOne(t, in, func(f *Field) { f.Float(&x) })
			if x != -99 || string(extra["v"]) != in {
				t.Errorf("Float(%s): dst %v, extra %s; want untouched and kept", in, x, extra)
			}
		}
	})
	t.Run("Bool", func(t *testing.T) {
		for _, tc := range []struct {
			in   string
			want bool
		}{{`true`, true}, {`"Yes"`, true}, {`"1"`, true}, {`1`, true}, {`"false"`, false}, {`null`, false}} {
			b := !tc.want
			if extra := decodeOne(t, tc.in, func(f *Field) { f.Bool(&b) }); b != tc.want || extra != nil {
				t.Errorf("Bool(%s) = %v, extra %s; want %v", tc.in, b, extra, tc.want)
			}
		}
		for _, in := range []string{`"maybe"`, `{}`, `[true]`} {
			b := true
			extra := decodeOne(t, in, func(f *Field) { f.Bool(&b) })
			if !b || string(extra["v"]) != in {
				t.Errorf("Bool(%s): dst %v, extra %s; want untouched and kept", in, b, extra)
			}
		}
	})
	t.Run("Time", func(t *testing.T) {
		var ts Time
		extra := decodeOne(t, `"2025-06-05 21:12:08"`, func(f *Field) { f.Time(&ts) })
		if want := time.Date(2025, 6, 5, 21, 12, 8, 0, time.UTC); !ts.Time.Equal(want) || extra != nil {
			t.Errorf("Time = %v, extra %s; want %v", ts, extra, want)
		}
		ts = Time{Raw: "untouched"}
		extra = decodeOne(t, `"soon"`, func(f *Field) { f.Time(&ts) })
		if ts.Raw != "soon" || extra != nil {
			t.Errorf("Time(\"soon\") = %#v, extra %s; want Raw, not Extra", ts, extra)
		}
		for _, in := range []string{`true`, `{}`, `[2025,13,1]`} {
			ts = Time{Raw: "untouched"}
			extra = decodeOne(t, in, func(f *Field) { f.Time(&ts) })
			if ts.Raw != "untouched" || string(extra["v"]) != in {
				t.Errorf("Time(%s): dst %#v, extra %s; want untouched and kept", in, ts, extra)
			}
		}
	})
	t.Run("Raw", func(t *testing.T) {
		data := []byte(`{"v": {"a" : [1, 2]} }`)
		var raw json.RawMessage
		err := DecodeObject(data, nil, func(f *Field) { f.Raw(&raw) })
		if err != nil || string(raw) != `{"a" : [1, 2]}` {
			t.Fatalf("Raw = %s, %v", raw, err)
		}
		data[7] = 'X'
		if string(raw) != `{"a" : [1, 2]}` {
			t.Errorf("Raw is not a copy: %s", raw)
		}
	})
}

type decodeTarget struct {
	A int    `json:"a"`
	B string `json:"b"`
}

func TestFieldDecode(t *testing.T) {
	var d decodeTarget
	if extra := decodeOne(t, `{"a":1,"b":"x"}`, func(f *Field) { f.Decode(&d) }); d != (decodeTarget{1, "x"}) || extra != nil {
		t.Errorf("Decode = %+v, extra %s", d, extra)
	}
	for _, in := range []string{`null`, `""`, `"  "`} {
		d = decodeTarget{7, "keep"}
		if extra := decodeOne(t, in, func(f *Field) { f.Decode(&d) }); d != (decodeTarget{7, "keep"}) || extra != nil {
			t.Errorf("Decode(%s) changed dst to %+v, extra %s", in, d, extra)
		}
	}
	// A value that fails part way must not leave dst half decoded: "b" decodes before "a"
	// fails, and encoding/json alone would have stored it.
	for _, in := range []string{`{"b":"new","a":"not a number"}`, `[1]`, `"text"`, `{"b":"new","a":1.5}`} {
		d = decodeTarget{7, "keep"}
		extra := decodeOne(t, in, func(f *Field) { f.Decode(&d) })
		if d != (decodeTarget{7, "keep"}) || string(extra["v"]) != in {
			t.Errorf("Decode(%s): dst %+v, extra %s; want untouched and kept", in, d, extra)
		}
	}
	// A destination that is not a pointer cannot be stored into: the value is kept.
	extra := decodeOne(t, `{"a":1}`, func(f *Field) { f.Decode(d) })
	if string(extra["v"]) != `{"a":1}` {
		t.Errorf("Decode(non-pointer): extra %s", extra)
	}
	extra = decodeOne(t, `{"a":1}`, func(f *Field) { f.Decode((*decodeTarget)(nil)) })
	if string(extra["v"]) != `{"a":1}` {
		t.Errorf("Decode(nil pointer): extra %s", extra)
	}
	// A destination with its own UnmarshalJSON is used.
	var ts Time
	if extra := decodeOne(t, `[2025,6,5,21,12]`, func(f *Field) { f.Decode(&ts) }); extra != nil ||
		!ts.Time.Equal(time.Date(2025, 6, 5, 21, 12, 0, 0, time.UTC)) {
		t.Errorf("Decode(&Time) = %v, extra %s", ts, extra)
	}
}

func TestDecodeArray(t *testing.T) {
	type elem struct {
		i int
		v string
	}
	cases := []struct {
		in   string
		want []elem
	}{
		{`[]`, nil},
		{` [ ] `, nil},
		{`null`, nil},
		{`[1]`, []elem{{0, "1"}}},
		{` [ 1 , "a" , null , {"b" : 2} , [ ] , true ] `,
			[]elem{{0, "1"}, {1, `"a"`}, {2, "null"}, {3, `{"b" : 2}`}, {4, "[ ]"}, {5, "true"}}},
	}
	for _, tc := range cases {
		var got []elem
		err := DecodeArray([]byte(tc.in), func(i int, v Value) error {
			got = append(got, elem{i, string(v)})
			return nil
		})
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeArray(%s) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}

	for _, in := range []string{`{}`, `1`, `"[]"`, `true`, ` {"a":[1]} `} {
		err := DecodeArray([]byte(in), func(int, Value) error { t.Errorf("called for %s", in); return nil })
		if !errors.Is(err, ErrNotArray) {
			t.Errorf("DecodeArray(%s) = %v, want ErrNotArray", in, err)
		}
	}

	for _, tc := range []struct {
		in     string
		offset int
	}{{``, 0}, {`[`, 1}, {`[1`, 2}, {`[1,`, 3}, {`[1,]`, 3}, {`[1 2]`, 3}, {`[1]]`, 3}, {`[1] x`, 4},
		{`[01]`, 2}, {`nul`, 0}, {`null 1`, 5}, {`{} x`, 3}, {`["a\z"]`, 3}} {
		var visited []int
		err := DecodeArray([]byte(tc.in), func(i int, v Value) error { visited = append(visited, i); return nil })
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != tc.offset {
			t.Errorf("DecodeArray(%q) = %v, want *SyntaxError at %d", tc.in, err, tc.offset)
		}
	}
}

func TestDecodeArrayStopsOnError(t *testing.T) {
	stop := errors.New("stop")
	var seen []int
	err := DecodeArray([]byte(`[1,2,3,4]`), func(i int, v Value) error {
		seen = append(seen, i)
		if i == 1 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("DecodeArray returned %v, want the callback's error itself", err)
	}
	if !reflect.DeepEqual(seen, []int{0, 1}) {
		t.Errorf("visited %v after the error, want [0 1]", seen)
	}
	// The callback's error wins even if the rest of the document is malformed: decoding
	// stopped before it got there.
	err = DecodeArray([]byte(`[1, x`), func(int, Value) error { return stop })
	if err != stop {
		t.Errorf("DecodeArray = %v, want the callback's error", err)
	}
}

type listItem struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func TestList(t *testing.T) {
	cases := []struct {
		in    string
		want  []listItem
		kept  bool
		empty bool // want no items
	}{
		{in: `[{"id":1},"x",{"id":"bad"},{"id":2}]`, want: []listItem{{1, ""}, {2, ""}}, kept: true}, // good elements kept, the whole list too
		{in: `[{"id":1,"name":"a"},{"id":2,"name":"b"}]`, want: []listItem{{1, "a"}, {2, "b"}}},
		{in: `[]`, want: []listItem{}},
		{in: `null`, empty: true},
		{in: `""`, empty: true},
		{in: `" "`, empty: true},
		{in: `{"id":3,"name":"lone"}`, want: []listItem{{3, "lone"}}},
		{in: `"items"`, kept: true, empty: true},
		{in: `7`, kept: true, empty: true},
		{in: `true`, kept: true, empty: true},
		{in: `["a","b"]`, kept: true, empty: true},
		{in: `[{"id":"x"}]`, kept: true, empty: true},
		{in: `{"id":"not a number"}`, kept: true, empty: true},
	}
	for _, tc := range cases {
		dst := []listItem{{99, "stale"}}
		extra := decodeOne(t, tc.in, func(f *Field) { List(f, &dst) })
		if tc.empty {
			if len(dst) != 0 {
				t.Errorf("List(%s) = %v, want no items", tc.in, dst)
			}
		} else if !reflect.DeepEqual(dst, tc.want) {
			t.Errorf("List(%s) = %#v, want %#v", tc.in, dst, tc.want)
		}
		if kept := string(extra["v"]) == tc.in; kept != tc.kept || (!tc.kept && extra != nil) {
			t.Errorf("List(%s): extra %s, want kept = %v", tc.in, extra, tc.kept)
		}
	}

	var names []string
	extra := decodeOne(t, `["a","b"]`, func(f *Field) { List(f, &names) })
	if !reflect.DeepEqual(names, []string{"a", "b"}) || extra != nil {
		t.Errorf("List[string] = %q, extra %s", names, extra)
	}
	extra = decodeOne(t, `{"a":"b"}`, func(f *Field) { List(f, &names) })
	if names != nil || extra == nil {
		t.Errorf("List[string] of an object = %q, extra %s; want nil and kept", names, extra)
	}
}

// Member names come from a shared cache; names with escapes, long names, non-ASCII names and
// names that collide in the cache must still decode exactly.
func TestMemberNames(t *testing.T) {
	long := strings.Repeat("n", maxInternedLen+5)
	// The last two names are past a word's eight bytes before their escape or accent.
	data := `{"plain":1,"esc\u0041ped":2,"` + long + `":3,"quo\"te":4,"` + "caf\xc3\xa9" + `":5,"plain":6,` +
		`"abcdefghij\u0041k":7,"` + "abcdefghijcaf\xc3\xa9" + `":8}`
	var got []string
	if err := DecodeObject([]byte(data), nil, func(f *Field) { got = append(got, f.Key) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"plain", "escAped", long, `quo"te`, "caf\u00e9", "plain", "abcdefghijAk", "abcdefghijcaf\u00e9"}
	if !slices.Equal(got, want) {
		t.Fatalf("names %q, want %q", got, want)
	}
	// Many more distinct names than slots: each still comes back as itself, also the second
	// time (after others may have taken its slot).
	for round := range 2 {
		for i := range internSlots * 3 {
			name := "name" + strconv.Itoa(i)
			if s := memberName([]byte(`"` + name + `"`)); s != name {
				t.Fatalf("round %d: %q came back as %q", round, name, s)
			}
		}
	}
}

// TestWalkInPlace: WalkObject, WalkArray and DecodeObjectAt read values where they lie within
// a larger document, report where each ends, and leave what follows unread.
func TestWalkInPlace(t *testing.T) {
	doc := []byte(`[ {"a": [1, {"b": null}], "c" : "x\"}"} , null, {}, [ ] , 7 ] trailing`)
	var ends []int
	end, err := WalkArray(doc, 0, func(n, at int) (int, error) {
		end, err := SkipValue(doc, at)
		ends = append(ends, end)
		return end, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Index(doc, []byte(" trailing")); end != want {
		t.Errorf("WalkArray ended at %d, want %d", end, want)
	}
	if CheckEnd(doc, end) == nil {
		t.Error("CheckEnd accepts trailing text")
	}
	if err := CheckEnd(doc[:end+1], end); err != nil {
		t.Errorf("CheckEnd refuses a trailing space: %v", err)
	}
	if len(ends) != 5 {
		t.Fatalf("WalkArray visited %d elements, want 5", len(ends))
	}

	// The first element, decoded in place, gives what DecodeObject gives for it alone.
	first := bytes.Index(doc, []byte("{"))
	var got []member
	end, err = DecodeObjectAt(doc, first, nil, func(f *Field) { got = append(got, member{f.Key, string(f.Value)}) })
	if err != nil || end != ends[0] {
		t.Fatalf("DecodeObjectAt = %d, %v; want %d", end, err, ends[0])
	}
	if want := members(t, string(doc[first:end])); !slices.Equal(got, want) {
		t.Errorf("DecodeObjectAt members %v, DecodeObject %v", got, want)
	}

	// null has no members; another kind is ErrNotObject or ErrNotArray, malformed a SyntaxError.
	for _, tc := range []struct {
		doc     string
		at, end int
		err     error
	}{
		{` null,`, 0, 5, nil},
		{`x, 7]`, 3, 4, ErrNotObject},
		{`["s"]`, 1, 0, ErrNotObject},
		{`{"a":}`, 0, 0, new(SyntaxError)},
		{`nul`, 0, 0, new(SyntaxError)},
	} {
		doc := []byte(tc.doc)
		end, err := WalkObject(doc, tc.at, func(_ string, at int) (int, error) { return SkipValue(doc, at) })
		switch want := tc.err.(type) {
		case nil:
			if err != nil || end != tc.end {
				t.Errorf("WalkObject(%q, %d) = %d, %v; want %d", tc.doc, tc.at, end, err, tc.end)
			}
		case *SyntaxError:
			if !errors.As(err, &want) {
				t.Errorf("WalkObject(%q, %d) = %v; want a *SyntaxError", tc.doc, tc.at, err)
			}
		default:
			if !errors.Is(err, tc.err) {
				t.Errorf("WalkObject(%q, %d) = %v; want %v", tc.doc, tc.at, err, tc.err)
			}
		}
	}
	if _, err := WalkArray([]byte(`{"a":1}`), 0, nil); !errors.Is(err, ErrNotArray) {
		t.Errorf("WalkArray of an object: %v", err)
	}

	// An error from the callback stops the walk and comes back as it is.
	stop := errors.New("stop")
	calls := 0
	if _, err := WalkArray([]byte(`[1,2,3]`), 0, func(n, at int) (int, error) { calls++; return 0, stop }); err != stop || calls != 1 {
		t.Errorf("WalkArray with a failing callback: %v after %d calls", err, calls)
	}
}

// TestWalkObjectGuess checks that a name is taken from the guess only when the whole JSON
// string is that name (a longer or shorter name, or one cut off, is scanned as usual), and
// that a name read after a guess that failed is the right one.
func TestWalkObjectGuess(t *testing.T) {
	type member struct {
		k     int
		key   string
		known bool
	}
	walk := func(doc string, guess []string) ([]member, error) {
		var got []member
		_, err := WalkObjectGuess([]byte(doc), 0, guess, func(k int, key []byte, known bool, at int) (int, error) {
			got = append(got, member{k, MemberName(key), known})
			return SkipValue([]byte(doc), at)
		})
		return got, err
	}
	got, err := walk(`{"a":1, "bc":2,"b":3,"c":{}}`, []string{"a", "b", "b"})
	want := []member{{0, "a", true}, {1, "bc", false}, {2, "b", true}, {3, "c", false}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("walk = %v, %v; want %v", got, err, want)
	}
	got, err = walk(`{"ab":1,"a\u0062":2}`, []string{"a", "ab"})
	want = []member{{0, "ab", false}, {1, "ab", false}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("walk with escapes = %v, %v; want %v", got, err, want)
	}
	for _, doc := range []string{`{"ab`, `{"ab"`, `{"ab":`, "{\"a\x01\":1}"} {
		if _, err := walk(doc, []string{"ab"}); err == nil {
			t.Errorf("walk(%q) succeeds", doc)
		}
	}
}

// TestDecodeObjectNamesRemembered checks the names a pooled Field remembers: objects of the
// same names, of other names, and of names written with escapes decode alike.
func TestDecodeObjectNamesRemembered(t *testing.T) {
	for _, doc := range []string{`{"a":1,"b":2}`, `{"a":1,"b":2}`, `{"b":1,"a":2}`, `{"\u0061":1,"b\"":2}`,
		`{"a":1,"b\"":2}`, `{"a":1,"b":2,"c":3}`} {
		var want map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		got := map[string]json.RawMessage{}
		if err := DecodeObject([]byte(doc), nil, func(f *Field) { got[f.Key] = json.RawMessage(f.Value) }); err != nil {
			t.Fatalf("DecodeObject(%s): %v", doc, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeObject(%s) = %s; encoding/json reads %s", doc, got, want)
		}
	}
}
