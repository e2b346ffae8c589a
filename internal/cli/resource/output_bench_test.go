package resource

import (
	"fmt"
	"io"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// wideRecords returns n records of 20 recordData variables (text, numbers sent as strings,
// dates, codes), about 880 bytes each as the API sends them: the shape of bench's wide
// profile.
func wideRecords(b *testing.B, n int) []imednet.Record {
	b.Helper()
	texts := []string{"Headache, mild, resolved without treatment", "Nausea after the morning dose", "",
		"Blood pressure repeated after 5 minutes of rest", "Paracetamol 500 mg as needed"}
	records := make([]imednet.Record, n)
	for i := range records {
		var data strings.Builder
		for j := range 20 {
			var v string
			switch j % 4 {
			case 0:
				v = texts[(i+j)%len(texts)]
			case 1:
				v = fmt.Sprintf("%d.%d", 50+(i*7+j)%100, (i+j)%10)
			case 2:
				v = fmt.Sprintf("2024-%02d-%02d", 1+(i+j)%12, 1+(i+j)%28)
			default:
				v = fmt.Sprint(1 + (i+j)%4)
			}
			fmt.Fprintf(&data, `"VAR%02d":%q,`, j, v)
		}
		doc := fmt.Sprintf(`{"studyKey":"BENCH","intervalId":%d,"formId":1020,"formKey":"WIDE","siteId":%d,"recordId":%d,`+
			`"recordOid":"REC-%d","recordType":"SUBJECT","recordStatus":"Record Complete","deleted":false,`+
			`"dateCreated":"2024-01-01 08:%02d:00","dateModified":"2024-01-02 09:%02d:00","subjectId":%d,"subjectOid":"OID-%d",`+
			`"subjectKey":"01-%03d","visitId":%d,"parentRecordId":0,"keywords":[],"recordData":{%s"dateCreated":"2024-01-01 08:00:00"}}`,
			200+i%12, 101+i%8, i+1, i+1, i%60, i%60, 5000+i/30, 5000+i/30, i/30, 7000+i/3, data.String())
		if err := records[i].UnmarshalJSON([]byte(doc)); err != nil {
			b.Fatal(err)
		}
	}
	return records
}

// BenchmarkRecordsOutput writes wide records in each machine-readable format through the
// records list's writer (output.List with the records' columns and JSON writer), as
// "imednet records list -o FORMAT" does once the records are decoded.
func BenchmarkRecordsOutput(b *testing.B) {
	records := wideRecords(b, 500)
	for _, format := range []output.Format{output.JSONL, output.JSON, output.CSV} {
		b.Run(string(format), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l := output.NewList(io.Discard, format, Records.Columns, "record", "records").AppendJSONWith(Records.AppendJSON)
				for i := range records {
					if err := l.Add(&records[i]); err != nil {
						b.Fatal(err)
					}
				}
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(records)), "ns/record")
		})
	}
}
