package filesink

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/export"
)

func TestSpoolRoundTrip(t *testing.T) {
	rows := []export.Row{
		{int64(0), "", 0.0, false, time.Time{}, json.RawMessage(`null`)},
		{int64(math.MinInt64), "é\x00\n\"", math.Inf(-1), true, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), json.RawMessage(`{"a":[1,2]}`)},
		{int64(math.MaxInt64), strings.Repeat("x", 100_000), math.NaN(), nil, time.Date(2024, 3, 1, 12, 0, 0, 999999999, time.UTC), nil},
		{nil, nil, -0.0, nil, time.Unix(-1, 5).UTC(), nil},
	}
	var buf bytes.Buffer
	frame := newFrame(nil)
	for _, r := range rows[:2] {
		frame = appendRow(frame, r)
	}
	buf.Write(sealFrame(frame))
	frame = newFrame(frame)
	for _, r := range rows[2:] {
		frame = appendRow(frame, r)
	}
	buf.Write(sealFrame(frame))
	whole := buf.Len()
	buf.Write([]byte{5, 1, 2}) // a torn frame

	fr := &frameReader{r: bufio.NewReader(bytes.NewReader(buf.Bytes()))}
	var got []export.Row
	for {
		p, err := fr.next()
		if err == io.EOF {
			break
		}
		for p = stable(p); len(p) > 0; {
			row := make(export.Row, 6)
			if p, err = decodeRow(p, row); err != nil {
				t.Fatal(err)
			}
			got = append(got, row)
		}
	}
	if fr.off != int64(whole) {
		t.Errorf("whole frames end at %d, want %d", fr.off, whole)
	}
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		for j := range rows[i] {
			w, g := rows[i][j], got[i][j]
			switch w := w.(type) {
			case float64:
				if math.Float64bits(w) != math.Float64bits(g.(float64)) {
					t.Errorf("row %d value %d: %v, want %v", i, j, g, w)
				}
			case time.Time:
				if !w.Equal(g.(time.Time)) || g.(time.Time).Location() != time.UTC {
					t.Errorf("row %d value %d: %v, want %v", i, j, g, w)
				}
			case json.RawMessage:
				if !bytes.Equal(w, g.(json.RawMessage)) {
					t.Errorf("row %d value %d: %s, want %s", i, j, g, w)
				}
			default:
				if w != g {
					t.Errorf("row %d value %d: %#v, want %#v", i, j, g, w)
				}
			}
		}
	}
}

func TestFrameDamage(t *testing.T) {
	frame := sealFrame(appendRow(newFrame(nil), export.Row{int64(1), "abc"}))
	damaged := bytes.Clone(frame)
	damaged[len(damaged)-1] ^= 1
	fr := &frameReader{r: bufio.NewReader(bytes.NewReader(damaged))}
	if _, err := fr.next(); err != io.EOF {
		t.Errorf("a frame with a wrong CRC: %v, want io.EOF", err)
	}
	// A truncated payload is an error, not a panic.
	payload := stable(appendRow(nil, export.Row{int64(1), "abc", 2.5, json.RawMessage(`{}`), time.Unix(5, 0)}))
	for n := range len(payload) {
		row := make(export.Row, 5)
		if _, err := decodeRow(payload[:n], row); !errors.Is(err, errCorruptSpool) {
			t.Errorf("decodeRow of %d bytes of %d: %v, want errCorruptSpool", n, len(payload), err)
		}
	}
	if rest, err := decodeRow(payload, make(export.Row, 5)); err != nil || len(rest) != 0 {
		t.Errorf("decodeRow of the whole payload: %v, %d bytes left", err, len(rest))
	}
	if _, err := decodeRow(payload, make(export.Row, 4)); !errors.Is(err, errCorruptSpool) {
		t.Errorf("decodeRow with the wrong number of columns: %v", err)
	}
}

func TestKeyHash(t *testing.T) {
	h := newKeyHasher()
	a := h.key(export.Row{int64(1), "x", "a"}, []int{0, 2})
	b := h.key(export.Row{int64(1), "y", "a"}, []int{0, 2})
	c := h.key(export.Row{int64(1), "y", "b"}, []int{0, 2})
	d := h.key(export.Row{"1", "y", "a"}, []int{0, 2})
	if a != b {
		t.Error("rows with the same key values hash differently")
	}
	if a == c || a == d {
		t.Error("rows with different key values (or types) hash the same")
	}
	// Composite keys do not run together: ("ab","c") differs from ("a","bc").
	if h.key(export.Row{"ab", "c"}, []int{0, 1}) == h.key(export.Row{"a", "bc"}, []int{0, 1}) {
		t.Error("composite keys run together")
	}
	if h.key(export.Row{""}, []int{0}) != h.key(export.Row{nil}, []int{0}) {
		t.Error("the empty text and NULL differ as keys")
	}
}

func TestConvert(t *testing.T) {
	d := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2024, 2, 29, 13, 5, 0, 0, time.UTC)
	cases := []struct {
		v        any
		from, to export.ColumnType
		want     any
		fails    bool
	}{
		{int64(5), export.ColumnInteger, export.ColumnReal, 5.0, false},
		{int64(5), export.ColumnInteger, export.ColumnText, "5", false},
		{2.5, export.ColumnReal, export.ColumnText, "2.5", false},
		{2.0, export.ColumnReal, export.ColumnInteger, int64(2), false},
		{2.5, export.ColumnReal, export.ColumnInteger, nil, true},
		{"12", export.ColumnText, export.ColumnInteger, int64(12), false},
		{"", export.ColumnText, export.ColumnInteger, nil, false},
		{"abc", export.ColumnText, export.ColumnReal, nil, true},
		{"true", export.ColumnText, export.ColumnBoolean, true, false},
		{true, export.ColumnBoolean, export.ColumnText, "true", false},
		{d, export.ColumnDate, export.ColumnText, "2024-02-29", false},
		{ts, export.ColumnTimestamp, export.ColumnText, "2024-02-29T13:05:00Z", false},
		{"2024-02-29", export.ColumnText, export.ColumnDate, d, false},
		{json.RawMessage(`{"a":1}`), export.ColumnJSON, export.ColumnText, `{"a":1}`, false},
		{`{"a":1}`, export.ColumnText, export.ColumnJSON, json.RawMessage(`{"a":1}`), false},
		{"{", export.ColumnText, export.ColumnJSON, nil, true},
		{nil, export.ColumnText, export.ColumnInteger, nil, false},
		{"x", export.ColumnText, export.ColumnText, "x", false},
	}
	for _, c := range cases {
		got, err := Convert(c.v, c.from, c.to)
		if c.fails {
			if err == nil {
				t.Errorf("Convert(%#v, %v, %v) = %#v, want an error", c.v, c.from, c.to, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Convert(%#v, %v, %v): %v", c.v, c.from, c.to, err)
			continue
		}
		switch w := c.want.(type) {
		case time.Time:
			if !w.Equal(got.(time.Time)) {
				t.Errorf("Convert(%#v, %v, %v) = %v, want %v", c.v, c.from, c.to, got, w)
			}
		case json.RawMessage:
			if string(w) != string(got.(json.RawMessage)) {
				t.Errorf("Convert(%#v, %v, %v) = %s, want %s", c.v, c.from, c.to, got, w)
			}
		default:
			if got != c.want {
				t.Errorf("Convert(%#v, %v, %v) = %#v, want %#v", c.v, c.from, c.to, got, c.want)
			}
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	values := []struct {
		typ  export.ColumnType
		v    any
		text string
	}{
		{export.ColumnInteger, int64(-42), "-42"},
		{export.ColumnReal, 0.1, "0.1"},
		{export.ColumnReal, 1e21, "1e+21"},
		{export.ColumnReal, math.Inf(1), "+Inf"},
		{export.ColumnBoolean, false, "false"},
		{export.ColumnDate, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), "1969-12-31"},
		{export.ColumnTimestamp, time.Date(2024, 1, 2, 3, 4, 5, 600000000, time.FixedZone("X", 3600)), "2024-01-02T02:04:05.6Z"},
		{export.ColumnJSON, json.RawMessage(`[1, 2]`), "[1, 2]"},
		{export.ColumnText, "'=x", "'=x"},
	}
	for _, c := range values {
		text := string(AppendText(nil, c.v, c.typ))
		if text != c.text {
			t.Errorf("AppendText(%v, %v) = %q, want %q", c.v, c.typ, text, c.text)
		}
		back, err := ParseText(text, c.typ)
		if err != nil {
			t.Errorf("ParseText(%q, %v): %v", text, c.typ, err)
			continue
		}
		if again := string(AppendText(nil, back, c.typ)); again != text {
			t.Errorf("ParseText(%q, %v) prints back as %q", text, c.typ, again)
		}
	}
	for _, bad := range []struct {
		s   string
		typ export.ColumnType
	}{{"1.5", export.ColumnInteger}, {"x", export.ColumnReal}, {"yes", export.ColumnBoolean}, {"2024-13-01", export.ColumnDate}, {"2024-01-01 10:00", export.ColumnTimestamp}, {"{", export.ColumnJSON}} {
		if _, err := ParseText(bad.s, bad.typ); err == nil {
			t.Errorf("ParseText(%q, %v) succeeded", bad.s, bad.typ)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"records_VS", "form_AE_part2", "é", "a b", "a.b"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "_imednet_ledger", "a/b", `a\b`, "a:b", "a\nb", "\xff", strings.Repeat("x", 201), "..", "a*"} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q) accepted it", bad)
		}
	}
}
