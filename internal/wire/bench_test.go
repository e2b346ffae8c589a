package wire

import (
	"encoding/json"
	"testing"
)

var (
	sinkTime Time
	sinkErr  error
	sinkN    int
)

func BenchmarkParseTime(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"API", "2025-06-05 21:12:08"},
		{"RFC3339", "2021-12-09T08:23:21.99Z"},
		{"RFC3339NoZone", "2025-06-30T21:40:44.98268"},
		{"SpaceZone", "2024-01-02 00:00:00+00:00"},
		{"Date", "2025-06-05"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkTime = ParseTime(bc.in)
			}
			if !sinkTime.Valid() {
				b.Fatalf("ParseTime(%q) = %#v", bc.in, sinkTime)
			}
		})
	}
}

// record25 is a record as the API sends it, with 25 members.
const record25 = `{"studyKey":"PHARMADEMO","intervalId":5,"intervalName":"Day 1","formId":123,` +
	`"formKey":"AE","formName":"Adverse Event","siteId":7,"siteName":"North Clinic",` +
	`"recordId":10234,"recordOid":"REC-10234","recordType":"SUBJECT","recordStatus":"Record Complete",` +
	`"deleted":false,"locked":"false","dateCreated":"2025-06-05 21:12:08",` +
	`"dateModified":"2025-06-05 21:14:40","visitDate":"2025-06-05","subjectId":501,` +
	`"subjectOid":"SUBJ-501","subjectKey":"001-0001","visitId":88,"parentRecordId":0,"score":"12.5",` +
	`"keywords":[],"recordData":{"AETERM":"Headache","AESER":"N","AESTDAT":"2025-06-01"}}`

func BenchmarkDecodeObject(b *testing.B) {
	data := []byte(record25)
	b.Run("Record", func(b *testing.B) {
		// A model's UnmarshalJSON: every member through its setter.
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		var r testRecord
		for b.Loop() {
			sinkErr = r.UnmarshalJSON(data)
		}
		if sinkErr != nil || r.RecordID != 10234 || r.Extra != nil {
			b.Fatalf("%v %+v", sinkErr, r)
		}
	})
	b.Run("Walk", func(b *testing.B) {
		// The scan alone: members visited, nothing stored.
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			n := 0
			sinkErr = DecodeObject(data, nil, func(*Field) { n++ })
			sinkN = n
		}
		if sinkErr != nil || sinkN != 25 {
			b.Fatalf("%v, %d members", sinkErr, sinkN)
		}
	})
	b.Run("EncodingJSONMap", func(b *testing.B) {
		// For comparison: encoding/json splitting the same object into raw members.
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var m map[string]json.RawMessage
			sinkErr = json.Unmarshal(data, &m)
		}
	})
}
