package imednettest

import "strconv"

// This file holds the append-style JSON writers used on every response: no reflection, no
// maps, one growing buffer per response.

// appendInt appends n in decimal.
func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendBool appends true or false.
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// Unix seconds of 0001-01-01 00:00:00 and 9999-12-31 23:59:59 UTC: the instants the API's
// four-digit-year layout can print.
const (
	minUnix int64 = -62135596800
	maxUnix int64 = 253402300799
)

// civil returns the proleptic Gregorian date of a day number (days since 1970-01-01).
// Algorithm from Howard Hinnant, "chrono-compatible low-level date algorithms".
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mm := int64(m)
	if mm > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// floorDiv divides rounding towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func appendYear(b []byte, y int64) []byte {
	if y >= 0 && y < 10000 {
		n := int(y)
		return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, y, 10)
}

// appendDay appends a day number as YYYY-MM-DD.
func appendDay(b []byte, days int64) []byte {
	y, m, d := civil(days)
	b = appendYear(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendAPITime appends Unix seconds in the API's layout, 2006-01-02 15:04:05 (UTC), exactly
// as wire.FormatAPI prints them.
func appendAPITime(b []byte, unix int64) []byte {
	days := floorDiv(unix, 86400)
	secs := int(unix - days*86400)
	b = appendDay(b, days)
	b = append(b, ' ')
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	b = append(b, ':')
	return append2(b, secs%60)
}

// apiTime returns Unix seconds in the API's layout.
func apiTime(unix int64) string {
	var buf [24]byte
	return string(appendAPITime(buf[:0], unix))
}

// dayString returns a day number as YYYY-MM-DD.
func dayString(days int64) string {
	var buf [16]byte
	return string(appendDay(buf[:0], days))
}

// appendTime7 appends Unix nanoseconds as the 7-integer array
// [year, month, day, hour, minute, second, nanosecond] that Jackson writes for a Java
// LocalDateTime (the role dates of /users).
func appendTime7(b []byte, unixNano int64) []byte {
	secs := floorDiv(unixNano, 1e9)
	ns := unixNano - secs*1e9
	days := floorDiv(secs, 86400)
	sod := secs - days*86400
	y, m, d := civil(days)
	b = append(b, '[')
	b = strconv.AppendInt(b, y, 10)
	for _, n := range [...]int64{int64(m), int64(d), sod / 3600, sod / 60 % 60, sod % 60, ns} {
		b = append(b, ',')
		b = strconv.AppendInt(b, n, 10)
	}
	return append(b, ']')
}

// appendFixed appends v / 10^dec with exactly dec decimals (v in hundredths for dec 2, ...).
func appendFixed(b []byte, v int64, dec int) []byte {
	if dec == 0 {
		return strconv.AppendInt(b, v, 10)
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	p := int64(1)
	for range dec {
		p *= 10
	}
	b = strconv.AppendInt(b, v/p, 10)
	b = append(b, '.')
	frac := v % p
	for q := p / 10; q > 0; q /= 10 {
		b = append(b, byte('0'+frac/q%10))
	}
	return b
}
