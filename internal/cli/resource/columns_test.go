package resource

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// TestColumnsAppendIsValue: every generated column that appends its cell (for CSV) appends
// exactly the text its Value prints, for items with their fields zero and set.
func TestColumnsAppendIsValue(t *testing.T) {
	checkAppend(t, studyColumns)
	checkAppend(t, siteColumns)
	checkAppend(t, subjectColumns)
	checkAppend(t, intervalColumns)
	checkAppend(t, formColumns)
	checkAppend(t, variableColumns)
	checkAppend(t, visitColumns)
	checkAppend(t, queryColumns)
	checkAppend(t, recordRevisionColumns)
	checkAppend(t, codingColumns)
	checkAppend(t, userColumns)
	records := []imednet.Record{fullRecord(t), {}}
	for _, ts := range []imednet.Timestamp{
		{Time: time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC), DateOnly: true},
		{Time: time.Date(2024, 2, 3, 4, 5, 6, 0, time.FixedZone("X", 3600))},
		{Raw: "not a date"},
	} {
		r := fullRecord(t)
		r.DateCreated, r.DateModified = ts, ts
		r.RecordData = imednet.NewRecordData(map[string]json.RawMessage{"H": json.RawMessage(`"<b> & \u2028"`), "N": json.RawMessage(`null`)})
		records = append(records, r)
	}
	checkAppend(t, recordColumns, records...)
}

// checkAppend compares Append with Value on items, and on a zero T and one filled by fill.
func checkAppend[T any](t *testing.T, cols []output.Column[T], items ...T) {
	t.Helper()
	var zero, full T
	fill(reflect.ValueOf(&full).Elem())
	items = append(items, zero, full)
	appending := 0
	for _, c := range cols {
		if c.Append == nil {
			continue
		}
		appending++
		for i := range items {
			if got, want := string(c.Append([]byte("x"), &items[i])), "x"+c.Value(&items[i]); got != want {
				t.Errorf("%T column %s, item %d: Append %q, Value %q", items[i], c.Name, i, got, want)
			}
		}
	}
	if appending == 0 {
		t.Errorf("%T: no column appends", zero)
	}
}

// fill sets the strings, numbers, booleans and timestamps of the struct v (not its lists).
func fill(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == reflect.TypeFor[imednet.Timestamp]():
			f.Set(reflect.ValueOf(imednet.Timestamp{Time: time.Date(2024, 2, 3, 4, 5, 6, 7000, time.UTC)}))
		case f.Kind() == reflect.String:
			f.SetString(`=a,"b"` + "\n")
		case f.Kind() == reflect.Int:
			f.SetInt(int64(-1 - i))
		case f.Kind() == reflect.Float64:
			f.SetFloat(1.5e-7)
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		}
	}
}
