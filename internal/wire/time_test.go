package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in       string
		want     time.Time
		dateOnly bool
	}{
		// The API's own layout.
		{"2025-06-05 21:12:08", utc(2025, 6, 5, 21, 12, 8, 0), false},
		{"  2025-06-05 21:12:08\n", utc(2025, 6, 5, 21, 12, 8, 0), false},
		{"2024-02-29 23:59:59", utc(2024, 2, 29, 23, 59, 59, 0), false},
		{"0000-01-01 00:00:00", utc(0, 1, 1, 0, 0, 0, 0), false},
		{"9999-12-31 23:59:59", utc(9999, 12, 31, 23, 59, 59, 0), false},
		// RFC 3339 with a zone and 0–9 fractional digits.
		{"2021-12-09T08:23:21Z", utc(2021, 12, 9, 8, 23, 21, 0), false},
		{"2021-12-09T08:23:21.9Z", utc(2021, 12, 9, 8, 23, 21, 900000000), false},
		{"2021-12-09T08:23:21.99Z", utc(2021, 12, 9, 8, 23, 21, 990000000), false},
		{"2021-12-09T08:23:21.123Z", utc(2021, 12, 9, 8, 23, 21, 123000000), false},
		{"2021-12-09T08:23:21.1234Z", utc(2021, 12, 9, 8, 23, 21, 123400000), false},
		{"2021-12-09T08:23:21.12345Z", utc(2021, 12, 9, 8, 23, 21, 123450000), false},
		{"2021-12-09T08:23:21.123456Z", utc(2021, 12, 9, 8, 23, 21, 123456000), false},
		{"2021-12-09T08:23:21.1234567Z", utc(2021, 12, 9, 8, 23, 21, 123456700), false},
		{"2021-12-09T08:23:21.12345678Z", utc(2021, 12, 9, 8, 23, 21, 123456780), false},
		{"2021-12-09T08:23:21.123456789Z", utc(2021, 12, 9, 8, 23, 21, 123456789), false},
		// RFC 3339 without a zone: UTC.
		{"2025-06-30T21:40:44", utc(2025, 6, 30, 21, 40, 44, 0), false},
		{"2025-06-30T21:40:44.9", utc(2025, 6, 30, 21, 40, 44, 900000000), false},
		{"2025-06-30T21:40:44.98", utc(2025, 6, 30, 21, 40, 44, 980000000), false},
		{"2025-06-30T21:40:44.982", utc(2025, 6, 30, 21, 40, 44, 982000000), false},
		{"2025-06-30T21:40:44.98268", utc(2025, 6, 30, 21, 40, 44, 982680000), false},
		{"2025-06-30T21:40:44.982680", utc(2025, 6, 30, 21, 40, 44, 982680000), false},
		{"2025-06-30T21:40:44.123456789", utc(2025, 6, 30, 21, 40, 44, 123456789), false},
		// Offsets convert to UTC.
		{"2024-01-02T01:00:00+01:00", utc(2024, 1, 2, 0, 0, 0, 0), false},
		{"2024-01-02T00:00:00-05:00", utc(2024, 1, 2, 5, 0, 0, 0), false},
		{"2024-01-02T00:30:00+0530", utc(2024, 1, 1, 19, 0, 0, 0), false},
		{"2024-01-02T00:00:00.5-0100", utc(2024, 1, 2, 1, 0, 0, 500000000), false},
		{"2024-01-01T23:00:00.25-02:00", utc(2024, 1, 2, 1, 0, 0, 250000000), false},
		// Space-separated with a zone.
		{"2024-01-02 00:00:00+00:00", utc(2024, 1, 2, 0, 0, 0, 0), false},
		{"2024-01-02 00:00:00Z", utc(2024, 1, 2, 0, 0, 0, 0), false},
		{"2024-01-02 02:00:00+02:00", utc(2024, 1, 2, 0, 0, 0, 0), false},
		{"2024-01-02 02:00:00+0200", utc(2024, 1, 2, 0, 0, 0, 0), false},
		{"2024-01-02 02:00:00.123+02:00", utc(2024, 1, 2, 0, 0, 0, 123000000), false},
		{"2024-01-02 00:00:00 +00:00", utc(2024, 1, 2, 0, 0, 0, 0), false},
		{"2024-01-02 00:00:00 -0100", utc(2024, 1, 2, 1, 0, 0, 0), false},
		{"2025-06-05 21:12:08.625", utc(2025, 6, 5, 21, 12, 8, 625000000), false},
		// Without seconds.
		{"2024-01-02T03:04", utc(2024, 1, 2, 3, 4, 0, 0), false},
		{"2024-01-02 03:04", utc(2024, 1, 2, 3, 4, 0, 0), false},
		{"2024-01-02T03:04Z", utc(2024, 1, 2, 3, 4, 0, 0), false},
		// Dates.
		{"2025-06-05", utc(2025, 6, 5, 0, 0, 0, 0), true},
		{" 2024-02-29 ", utc(2024, 2, 29, 0, 0, 0, 0), true},
	}
	for _, tc := range cases {
		got := ParseTime(tc.in)
		if !got.Time.Equal(tc.want) || got.DateOnly != tc.dateOnly || got.Raw != "" {
			t.Errorf("ParseTime(%q) = %#v, want %v (date only %v)", tc.in, got, tc.want, tc.dateOnly)
		}
		if got.Time.Location() != time.UTC {
			t.Errorf("ParseTime(%q) is in %v, want UTC", tc.in, got.Time.Location())
		}
		if !got.Valid() || got.IsZero() {
			t.Errorf("ParseTime(%q): Valid %v, IsZero %v", tc.in, got.Valid(), got.IsZero())
		}
	}
}

func TestParseTimeRaw(t *testing.T) {
	cases := []struct{ in, raw string }{
		{"2025-02-30 10:00:00", "2025-02-30 10:00:00"},
		{"2023-02-29 10:00:00", "2023-02-29 10:00:00"},
		{"2025-04-31 00:00:00", "2025-04-31 00:00:00"},
		{"2025-13-01", "2025-13-01"},
		{"2025-02-30", "2025-02-30"},
		{"2025-00-10", "2025-00-10"},
		{"2025-06-05 24:00:00", "2025-06-05 24:00:00"},
		{"2025-06-05 23:60:00", "2025-06-05 23:60:00"},
		{"2025-06-05 23:59:60", "2025-06-05 23:59:60"},
		{"2025-06-05T25:00:00Z", "2025-06-05T25:00:00Z"},
		{"2025-13-01T00:00:00Z", "2025-13-01T00:00:00Z"},
		{"not a date", "not a date"},
		{"  tomorrow  ", "tomorrow"},
		{"05/06/2025", "05/06/2025"},
		{"2025-6-5", "2025-6-5"},
		{"20250605", "20250605"},
		{"2025-06-05X21:12:08", "2025-06-05X21:12:08"},
		{"2025-06-05 21:12:08 UTC", "2025-06-05 21:12:08 UTC"},
		{"2025-06-05T21:12:08+1", "2025-06-05T21:12:08+1"},
		{"2025-06-05T21:12:08ZZ", "2025-06-05T21:12:08ZZ"},
		{"-001-01-01", "-001-01-01"},
		{"N/A", "N/A"},
		// The instant leaves the years RFC 3339 can write once converted to UTC.
		{"0000-01-01T00:30:00+01:00", "0000-01-01T00:30:00+01:00"},
		{"9999-12-31T23:30:00-01:00", "9999-12-31T23:30:00-01:00"},
	}
	for _, tc := range cases {
		got := ParseTime(tc.in)
		if got.Raw != tc.raw || !got.Time.IsZero() || got.DateOnly {
			t.Errorf("ParseTime(%q) = %#v, want Raw %q", tc.in, got, tc.raw)
		}
		if got.Valid() || got.IsZero() || got.String() != tc.raw {
			t.Errorf("ParseTime(%q): Valid %v, IsZero %v, String %q", tc.in, got.Valid(), got.IsZero(), got.String())
		}
	}
}

func TestParseTimeBlank(t *testing.T) {
	// Blank text, and Go's zero instant (a "no date" sentinel) in any form, are the zero
	// Time: never a zero instant with DateOnly set.
	for _, in := range []string{"", " ", "\t\n", "0001-01-01", "0001-01-01 00:00:00", "0001-01-01T00:00:00Z",
		"0001-01-01T01:00:00+01:00"} {
		if got := ParseTime(in); got != (Time{}) || !got.IsZero() || got.Valid() || got.String() != "" {
			t.Errorf("ParseTime(%q) = %#v, want the zero Time", in, got)
		}
	}
}

func TestParseTimeValue(t *testing.T) {
	cases := []struct {
		in       string
		want     time.Time
		dateOnly bool
		raw      string
	}{
		{in: `null`},
		{in: `""`},
		{in: `"  "`},
		{in: `"2025-06-05 21:12:08"`, want: utc(2025, 6, 5, 21, 12, 8, 0)},
		{in: `"2025-06-05T21:12:08.5+02:00"`, want: utc(2025, 6, 5, 19, 12, 8, 500000000)},
		{in: `"2025-06-05"`, want: utc(2025, 6, 5, 0, 0, 0, 0), dateOnly: true},
		{in: `"2025\u002d06-05"`, want: utc(2025, 6, 5, 0, 0, 0, 0), dateOnly: true},
		{in: `"later"`, raw: "later"},
		// Jackson LocalDateTime arrays, trailing zero elements dropped.
		{in: `[2025,6,5,21,12,7,625000000]`, want: utc(2025, 6, 5, 21, 12, 7, 625000000)},
		{in: `[2025,6,5,21,12,7]`, want: utc(2025, 6, 5, 21, 12, 7, 0)},
		{in: `[2025,6,5,21,12]`, want: utc(2025, 6, 5, 21, 12, 0, 0)},
		{in: `[2025,6,5,21]`, want: utc(2025, 6, 5, 21, 0, 0, 0)},
		{in: `[ 2025 , 6 , 5 ]`, want: utc(2025, 6, 5, 0, 0, 0, 0), dateOnly: true},
		{in: `[2025,6,5]`, want: utc(2025, 6, 5, 0, 0, 0, 0), dateOnly: true},
		{in: `[2024,2,29,23,59,59,999999999]`, want: utc(2024, 2, 29, 23, 59, 59, 999999999)},
		// Epoch seconds and milliseconds.
		{in: `0`, want: time.Unix(0, 0).UTC()},
		{in: `1749158400`, want: utc(2025, 6, 5, 21, 20, 0, 0)},
		{in: `1749158400.25`, want: utc(2025, 6, 5, 21, 20, 0, 250000000)},
		{in: `1749158400.123456789`, want: utc(2025, 6, 5, 21, 20, 0, 123456789)},
		{in: `1749158400123`, want: utc(2025, 6, 5, 21, 20, 0, 123000000)},
		{in: `1749158400123.5`, want: utc(2025, 6, 5, 21, 20, 0, 123500000)},
		{in: `1.7491584e9`, want: utc(2025, 6, 5, 21, 20, 0, 0)},
		{in: `1.749158400123e12`, want: utc(2025, 6, 5, 21, 20, 0, 123000000)},
		{in: `1.7491584001235e12`, want: utc(2025, 6, 5, 21, 20, 0, 123500000)},
		{in: `253402300799000`, want: utc(9999, 12, 31, 23, 59, 59, 0)},
		{in: `-62167219200`, want: utc(0, 1, 1, 0, 0, 0, 0)},
		{in: `-86400`, want: utc(1969, 12, 31, 0, 0, 0, 0)},
		{in: `-1.5`, want: utc(1969, 12, 31, 23, 59, 58, 500000000)},
		{in: `-1000000000000`, want: time.UnixMilli(-1000000000000).UTC()},
		{in: `99999999999`, want: time.Unix(99999999999, 0).UTC()},
		{in: `100000000001`, want: time.UnixMilli(100000000001).UTC()},
	}
	for _, tc := range cases {
		got, ok := ParseTimeValue(Value(tc.in))
		if !ok || !got.Time.Equal(tc.want) || got.DateOnly != tc.dateOnly || got.Raw != tc.raw {
			t.Errorf("ParseTimeValue(%s) = %#v, %v; want %v (date only %v, raw %q)", tc.in, got, ok, tc.want, tc.dateOnly, tc.raw)
		}
		if !got.Time.IsZero() && got.Time.Location() != time.UTC {
			t.Errorf("ParseTimeValue(%s) is in %v, want UTC", tc.in, got.Time.Location())
		}
	}

	for _, in := range []string{`[1,1,1]`, `[1,1,1,0,0]`, `"0001-01-01"`, `-62135596800`} {
		if got, ok := ParseTimeValue(Value(in)); !ok || got != (Time{}) {
			t.Errorf("ParseTimeValue(%s) = %#v, %v; want the zero Time", in, got, ok)
		}
	}

	for _, in := range []string{
		`true`, `false`, `{}`, `{"y":2025}`, ``, `x`,
		`[]`, `[2025]`, `[2025,6]`,
		`[2025,13,1]`, `[2025,0,1]`, `[2025,6,0]`, `[2025,6,32]`, `[2025,2,30]`, `[2023,2,29]`,
		`[2025,4,31,0,0]`, `[2025,6,5,24]`, `[2025,6,5,-1]`, `[2025,6,5,1,60]`, `[2025,6,5,1,1,60]`,
		`[2025,6,5,1,1,1,1000000000]`, `[2025,6,5,1,1,1,-1]`, `[-1,1,1]`, `[10000,1,1]`,
		`[2025,6,5,21,12,7,625000000,0]`, `[2025,6,5,21,12,7,0,0,0]`,
		`["2025",6,5]`, `[2025,"6",5]`, `[2025,6,5.5]`, `[2025,6,null]`, `[2025,6,[5]]`,
		`[99999999999999999999,1,1]`, `{"0":2025}`,
		`1e300`, `-1e300`, `1e999`, `300000000000000000`, `253402300800000`, `2.534023008e14`, `-62167219201`,
		`-62167219201000`, `-6.2167219201e10`, `1e16`,
	} {
		if got, ok := ParseTimeValue(Value(in)); ok {
			t.Errorf("ParseTimeValue(%s) = %#v, true; want ok = false", in, got)
		}
	}
}

func TestTimeString(t *testing.T) {
	cases := []struct {
		in   Time
		want string
	}{
		{Time{}, ""},
		{Time{Time: utc(2025, 6, 5, 21, 12, 8, 0)}, "2025-06-05T21:12:08Z"},
		{Time{Time: utc(2025, 6, 5, 21, 12, 8, 980000000)}, "2025-06-05T21:12:08.98Z"},
		{Time{Time: utc(2025, 6, 5, 21, 12, 8, 123456789)}, "2025-06-05T21:12:08.123456789Z"},
		{Time{Time: time.Date(2025, 6, 5, 23, 0, 0, 0, time.FixedZone("", 2*3600))}, "2025-06-05T21:00:00Z"},
		{Time{Time: utc(2025, 6, 5, 0, 0, 0, 0), DateOnly: true}, "2025-06-05"},
		{Time{Raw: "later"}, "later"},
	}
	for _, tc := range cases {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTimeMarshalJSON(t *testing.T) {
	cases := []struct {
		in   Time
		want string
	}{
		{Time{}, `null`},
		{Time{Time: utc(2025, 6, 5, 21, 12, 8, 0)}, `"2025-06-05T21:12:08Z"`},
		{Time{Time: time.Date(2024, 1, 2, 1, 0, 0, 500, time.FixedZone("CET", 3600))}, `"2024-01-02T00:00:00.0000005Z"`},
		{Time{Time: utc(2025, 6, 5, 0, 0, 0, 0), DateOnly: true}, `"2025-06-05"`},
		{Time{Raw: `soon "ish"`}, `"soon \"ish\""`},
	}
	for _, tc := range cases {
		got, err := tc.in.MarshalJSON()
		if err != nil || string(got) != tc.want {
			t.Errorf("%#v.MarshalJSON() = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestTimeUnmarshalJSON(t *testing.T) {
	cases := []struct {
		in   string
		want Time
	}{
		{`"2025-06-05 21:12:08"`, Time{Time: utc(2025, 6, 5, 21, 12, 8, 0)}},
		{` "2025-06-05 21:12:08" `, Time{Time: utc(2025, 6, 5, 21, 12, 8, 0)}},
		{"\t1749158400\n", Time{Time: utc(2025, 6, 5, 21, 20, 0, 0)}},
		{`[2025,6,5]`, Time{Time: utc(2025, 6, 5, 0, 0, 0, 0), DateOnly: true}},
		{`"2025-06-05" `, Time{Time: utc(2025, 6, 5, 0, 0, 0, 0), DateOnly: true}},
		{`"whenever"`, Time{Raw: "whenever"}},
		{`""`, Time{}},
	}
	for _, tc := range cases {
		got := Time{Raw: "stale"}
		if err := got.UnmarshalJSON([]byte(tc.in)); err != nil || got != tc.want {
			t.Errorf("UnmarshalJSON(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}

	// null leaves the value as it was, like time.Time's UnmarshalJSON.
	was := Time{Time: utc(2025, 1, 1, 0, 0, 0, 0)}
	got := was
	if err := got.UnmarshalJSON([]byte(` null `)); err != nil || got != was {
		t.Errorf("UnmarshalJSON(null) = %#v, %v; want unchanged", got, err)
	}

	for _, in := range []string{``, `"2025`, `"a" "b"`, `[2025,6,5`, `nul`, `1 2`} {
		got := Time{Raw: "stale"}
		err := got.UnmarshalJSON([]byte(in))
		var se *SyntaxError
		if !errors.As(err, &se) || got.Raw != "stale" {
			t.Errorf("UnmarshalJSON(%q) = %v, t = %#v; want *SyntaxError, t unchanged", in, err, got)
		}
	}
	for _, in := range []string{`true`, `{}`, `[2025,13,1]`, `[]`} {
		got := Time{Raw: "stale"}
		err := got.UnmarshalJSON([]byte(in))
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || got.Raw != "stale" {
			t.Errorf("UnmarshalJSON(%q) = %v, t = %#v; want *json.UnmarshalTypeError, t unchanged", in, err, got)
		}
	}
}

func TestTimeJSONRoundTrip(t *testing.T) {
	type record struct {
		Created  Time  `json:"created"`
		Visit    Time  `json:"visit"`
		Note     Time  `json:"note"`
		Missing  Time  `json:"missing"`
		Pointer  *Time `json:"pointer"`
		Nanos    Time  `json:"nanos"`
		FromZone Time  `json:"fromZone"`
	}
	in := record{
		Created:  ParseTime("2025-06-05 21:12:08"),
		Visit:    ParseTime("2025-06-05"),
		Note:     ParseTime("end of study"),
		Pointer:  &Time{Time: utc(2020, 1, 1, 0, 0, 0, 1)},
		Nanos:    ParseTime("2021-12-09T08:23:21.123456789"),
		FromZone: ParseTime("2024-01-02T01:00:00+01:00"),
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"created":"2025-06-05T21:12:08Z","visit":"2025-06-05","note":"end of study",` +
		`"missing":null,"pointer":"2020-01-01T00:00:00.000000001Z",` +
		`"nanos":"2021-12-09T08:23:21.123456789Z","fromZone":"2024-01-02T00:00:00Z"}`
	if string(data) != want {
		t.Errorf("json.Marshal =\n%s\nwant\n%s", data, want)
	}
	var out record
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Pointer == nil || *out.Pointer != *in.Pointer {
		t.Errorf("pointer round trip: %v", out.Pointer)
	}
	out.Pointer, in.Pointer = nil, nil
	if out != in {
		t.Errorf("round trip:\n got %#v\nwant %#v", out, in)
	}

	// Through encoding/json, API quirks decode too.
	if err := json.Unmarshal([]byte(`{"created":[2025,6,5,21,12,7,625000000],"visit":"2025-06-05 00:00:00+00:00","note":null}`), &out); err != nil {
		t.Fatal(err)
	}
	if !out.Created.Time.Equal(utc(2025, 6, 5, 21, 12, 7, 625000000)) || !out.Visit.Time.Equal(utc(2025, 6, 5, 0, 0, 0, 0)) || out.Visit.DateOnly {
		t.Errorf("decoded %#v", out)
	}
	err = json.Unmarshal([]byte(`{"created":true}`), &out)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		t.Errorf("json.Unmarshal of a boolean time = %v, want *json.UnmarshalTypeError", err)
	}
}

func TestFormatAPI(t *testing.T) {
	cases := []struct {
		in   time.Time
		want string
	}{
		{utc(2025, 6, 5, 21, 12, 8, 0), "2025-06-05 21:12:08"},
		{utc(2025, 6, 5, 21, 12, 8, 999999999), "2025-06-05 21:12:08"},
		{time.Date(2024, 1, 2, 1, 0, 0, 0, time.FixedZone("CET", 3600)), "2024-01-02 00:00:00"},
		{time.Date(2024, 1, 1, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2024-01-02 01:00:00"},
	}
	for _, tc := range cases {
		got := FormatAPI(tc.in)
		if got != tc.want {
			t.Errorf("FormatAPI(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back := ParseTime(got); !back.Time.Equal(tc.in.Truncate(time.Second)) {
			t.Errorf("ParseTime(FormatAPI(%v)) = %v", tc.in, back)
		}
	}
}

func TestParseAPILayoutAgreesWithTimeParse(t *testing.T) {
	// The hand-written fast path must accept and reject exactly what time.Parse does for the
	// API layout.
	inputs := []string{
		"2025-06-05 21:12:08", "2025-02-28 00:00:00", "2024-02-29 12:00:00", "2023-02-29 12:00:00",
		"2025-02-30 10:00:00", "2025-04-31 00:00:00", "2025-00-01 00:00:00", "2025-13-01 00:00:00",
		"2025-06-00 00:00:00", "2025-06-05 24:00:00", "2025-06-05 00:60:00", "2025-06-05 00:00:60",
		"0000-01-01 00:00:00", "9999-12-31 23:59:59", "2025-06-05 2a:00:00", "2025-06-05T21:12:08",
		"2025-06-05 21:12:0", "+025-06-05 21:12:08", "2025-+6-05 21:12:08", "2025-06-05 21:12:-8",
		"1900-02-29 00:00:00", "2000-02-29 00:00:00",
	}
	for _, in := range inputs {
		fast, ok := parseAPILayout(in)
		std, err := time.Parse(time.DateTime, in)
		if ok != (err == nil) || (ok && !fast.Equal(std)) {
			t.Errorf("parseAPILayout(%q) = %v, %v; time.Parse = %v, %v", in, fast, ok, std, err)
		}
	}
}

func TestTimeIsZeroValid(t *testing.T) {
	if (Time{}).Valid() || !(Time{}).IsZero() {
		t.Error("zero Time")
	}
	if r := (Time{Raw: "x"}); r.Valid() || r.IsZero() {
		t.Error("raw Time")
	}
	if v := (Time{Time: utc(2025, 1, 1, 0, 0, 0, 0)}); !v.Valid() || v.IsZero() {
		t.Error("valid Time")
	}
	if !strings.Contains(ParseTime("2025-06-05").String(), "2025-06-05") {
		t.Error("date String")
	}
}

// parseTimeReference is ParseTime without its shortcuts (the hand-written API layout parser
// and the filtering of layouts): time.Parse with every layout in turn.
func parseTimeReference(s string) Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}
	}
	if len(s) == len(time.DateOnly) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			if t.IsZero() {
				return Time{}
			}
			return Time{Time: t, DateOnly: true}
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l.layout, s); err == nil {
			if t = t.UTC(); t.Year() >= 0 && t.Year() <= 9999 {
				return Time{Time: t}
			}
			break
		}
	}
	return Time{Raw: s}
}

func TestParseTimeShortcutsAreExact(t *testing.T) {
	inputs := []string{
		"2025-06-05 21:12:08", "2025-06-05 21:12:08.5", "2025-06-05 21:12:08,5", "2025-06-05 21:12:08Z",
		"2025-06-05 21:12:08+02:00", "2025-06-05 21:12:08-0230", "2025-06-05 21:12:08 +02:00",
		"2025-06-05 21:12:08 -0230", "2025-06-05 21:12", "2025-06-05 21:12Z", "2025-06-05 21:12:08 Z",
		"2025-06-05T21:12:08", "2025-06-05T21:12:08.123456789", "2025-06-05T21:12:08Z",
		"2025-06-05T21:12:08.1+01:00", "2025-06-05T21:12:08+0100", "2025-06-05T21:12", "2025-06-05T21:12Z",
		"2025-06-05T21:12+01:00", "2025-06-05T21:12:08 +01:00", "2025-06-05t21:12:08z",
		"2025-06-05X21:12:08", "2025-06-05", "2025-06-05 ", "2025-06-05Z", "2025-06-05T", "2025-06-05 21",
		"2025-06-05T21:12:08-", "2025-06-05T21:12:08+", "2025-06-05T21:12:08+01", "2025-06-05T21:12:08+01:0",
		"2025-06-05T21:12:08.Z", "2025-06-05T21:12:08.", "-2025-06-05T21:12:08Z", "2025-06-05T21:12:08+24:00",
		"2025-06-05T21:12:08+23:59", "0000-01-01T00:00:00-01:00", "0000-01-01T00:00:00+01:00",
		"9999-12-31T23:59:59-01:00", "2025-02-29T00:00:00Z", "2024-02-29 24:00:00", "x", "",
	}
	inputs = append(inputs, FormatAPI(utc(2025, 6, 5, 21, 12, 8, 0)))
	for _, in := range inputs {
		if got, want := ParseTime(in), parseTimeReference(in); got != want {
			t.Errorf("ParseTime(%q) = %#v, time.Parse with every layout %#v", in, got, want)
		}
	}
}
