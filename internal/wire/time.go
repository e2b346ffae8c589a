package wire

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Time is a timestamp as the API sends it. The API writes `2006-01-02 15:04:05` (UTC by
// convention), but RFC 3339 forms with 0–9 fractional digits and with or without a zone,
// date-only values (visit dates), 7-integer arrays `[y,m,d,h,mi,s,ns]` (role dates) and epoch
// seconds also occur. Times without a zone are UTC.
//
// The zero Time means the field was absent, null or blank; a value for the instant
// 0001-01-01 00:00:00 UTC (Go's zero time, a common "no date" sentinel) reads as the zero Time
// too. A text that matches no known layout is kept in Raw with a zero Time, so nothing is lost.
type Time struct {
	Time     time.Time // the instant, in UTC; zero when absent or unparsable
	DateOnly bool      // the value was a calendar date without a time of day
	Raw      string    // the text as sent, set only when it could not be parsed
}

// IsZero reports whether t holds neither a time nor unparsed text.
func (t Time) IsZero() bool { return t.Time.IsZero() && t.Raw == "" }

// Valid reports whether t holds a parsed time.
func (t Time) Valid() bool { return !t.Time.IsZero() }

// String formats t as RFC 3339 in UTC (a date-only value as 2006-01-02), returns the raw text
// of an unparsable value, and "" for the zero Time.
func (t Time) String() string {
	switch {
	case t.Valid() && t.DateOnly:
		return t.Time.Format(time.DateOnly)
	case t.Valid():
		return t.Time.UTC().Format(time.RFC3339Nano)
	}
	return t.Raw
}

// MarshalJSON writes t as [Time.String] does, and the zero Time as null.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.String())
}

// AppendJSON appends t to b as MarshalJSON writes it, without allocating for a parsed time.
func (t Time) AppendJSON(b []byte) []byte {
	switch {
	case t.Valid() && t.DateOnly:
		b = append(b, '"')
		return append(t.Time.AppendFormat(b, time.DateOnly), '"')
	case t.Valid():
		b = append(b, '"')
		return append(t.Time.UTC().AppendFormat(b, time.RFC3339Nano), '"')
	}
	m, _ := t.MarshalJSON()
	return append(b, m...)
}

// UnmarshalJSON reads any of the forms described on [Time] (see [ParseTimeValue]). It fails on
// malformed JSON and on booleans, objects and arrays that are not a date; JSON null leaves t
// unchanged, as it does a time.Time.
func (t *Time) UnmarshalJSON(data []byte) error {
	start := skipSpace(data, 0)
	end, err := skipValue(data, start)
	if err != nil {
		return err
	}
	if err := trailing(data, end); err != nil {
		return err
	}
	v := Value(data[start:end])
	if v.Kind() == Null {
		return nil
	}
	parsed, ok := ParseTimeValue(v)
	if !ok {
		return &json.UnmarshalTypeError{Value: v.Kind().String(), Type: reflect.TypeFor[Time]()}
	}
	*t = parsed
	return nil
}

// ParseTimeValue reads a JSON value as a Time: a string (see [ParseTime]; an unknown layout is
// kept in Raw), a number of seconds (or of milliseconds when above 1e11 in magnitude) since the
// Unix epoch, or an array of 3 to 7 integers [year, month, day, hour, minute, second,
// nanosecond] as Jackson writes a Java LocalDate (3 integers: DateOnly is set) or
// LocalDateTime (trailing zero elements dropped). null and blank strings are the zero Time. ok
// is false for booleans, objects, arrays that are not a valid date and time, and numbers
// outside the years 0–9999.
func ParseTimeValue(v Value) (t Time, ok bool) {
	switch v.Kind() {
	case Null:
		return Time{}, true
	case String:
		// The API's own layout, read from the bytes: no string to allocate.
		if n := len(v); n == 21 && v[n-1] == '"' {
			if t, ok := parseAPILayout([]byte(v[1 : n-1])); ok {
				return Time{Time: t}, true
			}
		}
		s, ok := v.Text()
		if !ok {
			return Time{}, false
		}
		return ParseTime(s), true
	case Number:
		t, ok := parseEpoch(string(v))
		if !ok || !inYearRange(t) {
			return Time{}, false
		}
		return Time{Time: t}, true
	case Array:
		return parseTimeArray(v)
	}
	return Time{}, false
}

// parseEpoch reads a JSON number of seconds since the Unix epoch, or of milliseconds when its
// magnitude is above 1e11 (3 March 5138 in seconds, 1973 in milliseconds). A plain decimal
// (1749158400.123) is read exactly; exponent forms go through a float64.
func parseEpoch(s string) (time.Time, bool) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(whole) > 0 && len(whole) <= 18 && strings.Trim(whole, "0123456789") == "" &&
		strings.Trim(frac, "0123456789") == "" {
		w, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		var ns int64 // the fraction in billionths of the unit
		for i, scale := 0, int64(1e8); i < len(frac) && i < 9; i, scale = i+1, scale/10 {
			ns += int64(frac[i]-'0') * scale
		}
		if w > 1e11 { // milliseconds
			w, ns = w/1000, (w%1000)*1e6+ns/1000
		}
		if neg {
			w, ns = -w, -ns
		}
		return time.Unix(w, ns).UTC(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > 1e15 || f < -1e15 { // beyond the year 9999 either way; and int64(f) could overflow
		return time.Time{}, false
	}
	unit := time.Second
	if f > 1e11 || f < -1e11 {
		unit = time.Millisecond
	}
	units := math.Floor(f) // exact below 2^53
	ns := int64(math.Round((f - units) * float64(unit)))
	if unit == time.Millisecond {
		return time.UnixMilli(int64(units)).Add(time.Duration(ns)).UTC(), true
	}
	return time.Unix(int64(units), ns).UTC(), true
}

func parseTimeArray(v Value) (Time, bool) {
	var parts []int
	if err := json.Unmarshal(v, &parts); err != nil || len(parts) < 3 || len(parts) > 7 {
		return Time{}, false
	}
	dateOnly := len(parts) == 3
	for len(parts) < 7 {
		parts = append(parts, 0)
	}
	y, mo, d, h, mi, s, ns := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6]
	if y < 0 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
		mi < 0 || mi > 59 || s < 0 || s > 59 || ns < 0 || ns > 999999999 {
		return Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	if t.Day() != d { // [2025,2,30] normalises to March: not a real date
		return Time{}, false
	}
	if dateOnly {
		return dateOrZero(t), true
	}
	return Time{Time: t}, true
}

// dateOrZero is the date-only Time for t, or the zero Time for the zero instant (so that a
// zero Time never has DateOnly set).
func dateOrZero(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{Time: t, DateOnly: true}
}

// inYearRange reports whether t falls in the years 0–9999, the range RFC 3339 (and so
// [Time.String]) can write and [ParseTime] can read back.
func inYearRange(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y <= 9999
}

// ParseTime reads a timestamp text in any layout the API is known to use:
//
//	2006-01-02 15:04:05           the API's own layout (UTC)
//	2006-01-02T15:04:05[.f][zone]  RFC 3339, 0–9 fractional digits, zone optional
//	2006-01-02 15:04:05[.f]zone   space-separated with a zone (+00:00, Z)
//	2006-01-02                    a date (DateOnly is set)
//
// A zone is Z, ±hh:mm or ±hhmm; without one the time is UTC. Blank text is the zero Time;
// text in no known layout, an impossible date (2025-02-30) and a time whose UTC year falls
// outside 0–9999 are returned in Raw (trimmed of spaces) with a zero time.
func ParseTime(s string) Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}
	}
	if t, ok := parseAPILayout(s); ok {
		return Time{Time: t}
	}
	if len(s) == len(time.DateOnly) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return dateOrZero(t)
		}
	}
	// Skip the layouts that cannot match, each failed time.Parse allocating its error: the
	// date-time separator must agree, and a zone needs a Z, + or - after the date (which a
	// time without a zone never has).
	sep, zoned := byte(0), false
	if len(s) > 10 {
		sep, zoned = s[10], strings.ContainsAny(s[10:], "Z+-")
	}
	for _, l := range timeLayouts {
		if l.sep != sep || l.zoned != zoned {
			continue
		}
		if t, err := time.Parse(l.layout, s); err == nil {
			if t = t.UTC(); inYearRange(t) {
				return Time{Time: t}
			}
			break
		}
	}
	return Time{Raw: s}
}

// timeLayouts are tried in order after the fast path. Go accepts a fractional second after
// the seconds field even when the layout does not show one.
var timeLayouts = [...]struct {
	layout string
	sep    byte // the byte at index 10, between date and time
	zoned  bool // the layout ends in a zone
}{
	{"2006-01-02T15:04:05Z07:00", 'T', true},
	{"2006-01-02T15:04:05", 'T', false},
	{"2006-01-02T15:04:05Z0700", 'T', true},
	{"2006-01-02 15:04:05Z07:00", ' ', true},
	{"2006-01-02 15:04:05", ' ', false},
	{"2006-01-02 15:04:05Z0700", ' ', true},
	{"2006-01-02 15:04:05 Z07:00", ' ', true},
	{"2006-01-02 15:04:05 Z0700", ' ', true},
	{"2006-01-02T15:04Z07:00", 'T', true},
	{"2006-01-02T15:04", 'T', false},
	{"2006-01-02 15:04", ' ', false},
}

// parseAPILayout parses exactly "2006-01-02 15:04:05" without the generality of time.Parse:
// it is the layout of nearly every timestamp the API sends, so decoding a large page spends
// much of its time here.
func parseAPILayout[S string | []byte](s S) (time.Time, bool) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for j := i; j < i+n; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 2025-02-30 normalises to March: not a real date
		return time.Time{}, false
	}
	return t, true
}

// FormatAPI formats t in the API's own layout, 2006-01-02 15:04:05 in UTC.
func FormatAPI(t time.Time) string { return t.UTC().Format(time.DateTime) }
