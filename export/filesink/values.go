package filesink

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/internal/wire"
)

// DateLayout is the layout of a Date value in text: "2006-01-02".
const DateLayout = "2006-01-02"

// CheckValue reports whether v is a valid value of a column of type typ: nil, or of the Go type
// that [export.ColumnType] names (and for JSON, valid JSON).
func CheckValue(v any, typ export.ColumnType) error {
	if v == nil {
		return nil
	}
	ok := false
	switch typ {
	case export.ColumnText:
		_, ok = v.(string)
	case export.ColumnInteger:
		_, ok = v.(int64)
	case export.ColumnReal:
		_, ok = v.(float64)
	case export.ColumnBoolean:
		_, ok = v.(bool)
	case export.ColumnDate, export.ColumnTimestamp:
		_, ok = v.(time.Time)
	case export.ColumnJSON:
		var raw json.RawMessage
		raw, ok = v.(json.RawMessage)
		if ok && !wire.Valid(raw) {
			return fmt.Errorf("invalid JSON %q", truncate(string(raw), 60))
		}
	default:
		return fmt.Errorf("unknown column type %v", typ)
	}
	if !ok {
		return fmt.Errorf("a %v column takes %s, got %T", typ, goTypeName(typ), v)
	}
	return nil
}

func goTypeName(typ export.ColumnType) string {
	switch typ {
	case export.ColumnText:
		return "string"
	case export.ColumnInteger:
		return "int64"
	case export.ColumnReal:
		return "float64"
	case export.ColumnBoolean:
		return "bool"
	case export.ColumnDate, export.ColumnTimestamp:
		return "time.Time"
	case export.ColumnJSON:
		return "json.RawMessage"
	}
	return "?"
}

// AppendText appends the text form of a non-nil value of a column of type typ, as CSV prints it
// and as it is parsed back by [ParseText]: integers and reals in Go's shortest form (NaN, +Inf,
// -Inf), booleans as true or false, dates as YYYY-MM-DD, timestamps in RFC 3339 in UTC with
// the fraction of a second when it is not zero, JSON as it is, text as it is.
func AppendText(dst []byte, v any, typ export.ColumnType) []byte {
	switch typ {
	case export.ColumnText:
		return append(dst, v.(string)...)
	case export.ColumnInteger:
		return strconv.AppendInt(dst, v.(int64), 10)
	case export.ColumnReal:
		return AppendFloat(dst, v.(float64))
	case export.ColumnBoolean:
		return strconv.AppendBool(dst, v.(bool))
	case export.ColumnDate:
		return v.(time.Time).UTC().AppendFormat(dst, DateLayout)
	case export.ColumnTimestamp:
		return v.(time.Time).UTC().AppendFormat(dst, time.RFC3339Nano)
	case export.ColumnJSON:
		return append(dst, v.(json.RawMessage)...)
	}
	return dst
}

// AppendFloat appends f in Go's shortest form that parses back to f.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "+Inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-Inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// ParseText parses the text form of a value of a column of type typ, as [AppendText] writes it
// (timestamps in any RFC 3339 offset are accepted and moved to UTC).
func ParseText(s string, typ export.ColumnType) (any, error) {
	switch typ {
	case export.ColumnText:
		return s, nil
	case export.ColumnInteger:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", s)
		}
		return n, nil
	case export.ColumnReal:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case export.ColumnBoolean:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a boolean", s)
		}
		return b, nil
	case export.ColumnDate:
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
		}
		return d, nil
	case export.ColumnTimestamp:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 timestamp", s)
		}
		return t.UTC(), nil
	case export.ColumnJSON:
		if !wire.Valid([]byte(s)) {
			return nil, fmt.Errorf("%q is not JSON", truncate(s, 60))
		}
		return json.RawMessage(s), nil
	}
	return nil, fmt.Errorf("unknown column type %v", typ)
}

// Convert converts a value read from an existing file, whose column had type from there, to
// a value of type to, for a column whose type changed between runs (or whose reader could not
// read a value as its type and gave its text). A value that is already of to's Go type is kept;
// any value converts to text (its text form, see [AppendText]); the empty text converts to
// NULL; an integer converts to a real; otherwise the value's text form is parsed as type to
// (see [ParseText]), and Convert fails when it does not parse.
func Convert(v any, from, to export.ColumnType) (any, error) {
	if v == nil {
		return nil, nil
	}
	if CheckValue(v, to) == nil {
		return v, nil
	}
	var text string
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil, nil
		}
		text = x
	case int64:
		if to == export.ColumnReal {
			return float64(x), nil
		}
		text = strconv.FormatInt(x, 10)
	case float64:
		text = string(AppendFloat(nil, x))
	case bool:
		text = strconv.FormatBool(x)
	case time.Time:
		if from != export.ColumnDate {
			from = export.ColumnTimestamp
		}
		text = string(AppendText(nil, x, from))
	case json.RawMessage:
		text = string(x)
	default:
		return nil, fmt.Errorf("unexpected value of type %T", v)
	}
	if to == export.ColumnText {
		return text, nil
	}
	return ParseText(text, to)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
