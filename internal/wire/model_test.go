package wire

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// testKeyword and testRecord are models built the way the SDK's models are: an UnmarshalJSON
// on DecodeObject with one setter per documented member and Keep for the rest.
type testKeyword struct {
	KeywordName string
	KeywordKey  string
	KeywordID   int
	DateAdded   Time
	Extra       Extra
}

func (k *testKeyword) UnmarshalJSON(data []byte) error {
	*k = testKeyword{}
	return DecodeObject(data, &k.Extra, func(f *Field) {
		switch f.Key {
		case "keywordName":
			f.String(&k.KeywordName)
		case "keywordKey":
			f.String(&k.KeywordKey)
		case "keywordId":
			f.Int(&k.KeywordID)
		case "dateAdded":
			f.Time(&k.DateAdded)
		default:
			f.Keep()
		}
	})
}

type testRecord struct {
	StudyKey       string
	IntervalID     int
	IntervalName   string
	FormID         int
	FormKey        string
	FormName       string
	SiteID         int
	SiteName       string
	RecordID       int
	RecordOID      string
	RecordType     string
	RecordStatus   string
	Deleted        bool
	Locked         bool
	DateCreated    Time
	DateModified   Time
	VisitDate      Time
	SubjectID      int
	SubjectOID     string
	SubjectKey     string
	VisitID        int
	ParentRecordID int
	Score          float64
	Keywords       []testKeyword
	RecordData     json.RawMessage
	Extra          Extra
}

func (r *testRecord) UnmarshalJSON(data []byte) error {
	*r = testRecord{}
	return DecodeObject(data, &r.Extra, func(f *Field) {
		switch f.Key {
		case "studyKey":
			f.String(&r.StudyKey)
		case "intervalId":
			f.Int(&r.IntervalID)
		case "intervalName":
			f.String(&r.IntervalName)
		case "formId":
			f.Int(&r.FormID)
		case "formKey":
			f.String(&r.FormKey)
		case "formName":
			f.String(&r.FormName)
		case "siteId":
			f.Int(&r.SiteID)
		case "siteName":
			f.String(&r.SiteName)
		case "recordId":
			f.Int(&r.RecordID)
		case "recordOid":
			f.String(&r.RecordOID)
		case "recordType":
			f.String(&r.RecordType)
		case "recordStatus":
			f.String(&r.RecordStatus)
		case "deleted":
			f.Bool(&r.Deleted)
		case "locked":
			f.Bool(&r.Locked)
		case "dateCreated":
			f.Time(&r.DateCreated)
		case "dateModified":
			f.Time(&r.DateModified)
		case "visitDate":
			f.Time(&r.VisitDate)
		case "subjectId":
			f.Int(&r.SubjectID)
		case "subjectOid":
			f.String(&r.SubjectOID)
		case "subjectKey":
			f.String(&r.SubjectKey)
		case "visitId":
			f.Int(&r.VisitID)
		case "parentRecordId":
			f.Int(&r.ParentRecordID)
		case "score":
			f.Float(&r.Score)
		case "keywords":
			List(f, &r.Keywords)
		case "recordData":
			f.Raw(&r.RecordData)
		default:
			f.Keep()
		}
	})
}

// quirkyRecord is an iMednet record as the API really sends one: numbers and booleans as
// strings, three timestamp layouts and a Jackson array, null and "" for absent values, a lone
// keyword object where a list is documented, a value of the wrong type, and members no
// document mentions.
const quirkyRecord = `{
	"studyKey": "PHARMADEMO",
	"intervalId": "5",
	"intervalName": "Day 1",
	"formId": 123.0,
	"formKey": "AE",
	"formName": "Adverse Event",
	"siteId": " 7 ",
	"siteName": "Sit\u00e9 \"North\"",
	"recordId": "10234.0",
	"recordOid": "REC-10234",
	"recordType": "SUBJECT",
	"recordStatus": 2,
	"deleted": "false",
	"locked": "Yes",
	"dateCreated": "2025-06-05 21:12:08",
	"dateModified": [2025,6,5,21,12,7,625000000],
	"visitDate": "2025-06-05",
	"subjectId": "SUBJ-001",
	"subjectOid": null,
	"subjectKey": "001-0001",
	"visitId": null,
	"parentRecordId": "",
	"score": "12.5",
	"keywords": {"keywordName": "Data Entry Error", "keywordKey": "DEE", "keywordId": "15", "dateAdded": "2021-12-09T08:23:21.99Z", "color": "red"},
	"recordData": {"AETERM": "Headache", "AESER": "N", "AESTDAT": "2025-06-01"},
	"newField": {"since": "v2"},
	"etag": "W/\"1\""
}`

func TestEndToEndRecord(t *testing.T) {
	var r testRecord
	if err := json.Unmarshal([]byte(quirkyRecord), &r); err != nil {
		t.Fatal(err)
	}
	want := testRecord{
		StudyKey:       "PHARMADEMO",
		IntervalID:     5,
		IntervalName:   "Day 1",
		FormID:         123,
		FormKey:        "AE",
		FormName:       "Adverse Event",
		SiteID:         7,
		SiteName:       `Sité "North"`,
		RecordID:       10234,
		RecordOID:      "REC-10234",
		RecordType:     "SUBJECT",
		RecordStatus:   "2",
		Deleted:        false,
		Locked:         true,
		DateCreated:    Time{Time: time.Date(2025, 6, 5, 21, 12, 8, 0, time.UTC)},
		DateModified:   Time{Time: time.Date(2025, 6, 5, 21, 12, 7, 625000000, time.UTC)},
		VisitDate:      Time{Time: time.Date(2025, 6, 5, 0, 0, 0, 0, time.UTC), DateOnly: true},
		SubjectID:      0, // "SUBJ-001" is not an int: kept in Extra
		SubjectOID:     "",
		SubjectKey:     "001-0001",
		VisitID:        0,
		ParentRecordID: 0,
		Score:          12.5,
		Keywords: []testKeyword{{
			KeywordName: "Data Entry Error",
			KeywordKey:  "DEE",
			KeywordID:   15,
			DateAdded:   Time{Time: time.Date(2021, 12, 9, 8, 23, 21, 990000000, time.UTC)},
			Extra:       Extra{"color": json.RawMessage(`"red"`)},
		}},
		RecordData: json.RawMessage(`{"AETERM": "Headache", "AESER": "N", "AESTDAT": "2025-06-01"}`),
		Extra: Extra{
			"subjectId": json.RawMessage(`"SUBJ-001"`),
			"newField":  json.RawMessage(`{"since": "v2"}`),
			"etag":      json.RawMessage(`"W/\"1\""`),
		},
	}
	if !reflect.DeepEqual(r, want) {
		gotJSON, _ := json.MarshalIndent(r, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("decoded\n%s\nwant\n%s", gotJSON, wantJSON)
	}

	// Decoding again into the same value must not leak the previous Extra or keywords.
	if err := json.Unmarshal([]byte(`{"studyKey":"OTHER","keywords":null}`), &r); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, testRecord{StudyKey: "OTHER"}) {
		t.Errorf("re-decoded %+v", r)
	}

	// A page of records, with the envelope's "data" read by DecodeArray.
	page := `{"metadata":{"status":"OK"},"data":[` + quirkyRecord + `,{"recordId":1,"keywords":[]}],"pagination":{}}`
	var records []testRecord
	err := DecodeObject([]byte(page), nil, func(f *Field) {
		if f.Key != "data" {
			return
		}
		if err := DecodeArray(f.Value, func(i int, v Value) error {
			var r testRecord
			if err := r.UnmarshalJSON(v); err != nil {
				return fmt.Errorf("data[%d]: %w", i, err)
			}
			records = append(records, r)
			return nil
		}); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || !reflect.DeepEqual(records[0], want) || records[1].RecordID != 1 ||
		records[1].Keywords == nil || len(records[1].Keywords) != 0 || records[1].Extra != nil {
		t.Errorf("page decoded %d records: %+v", len(records), records)
	}

	// Malformed JSON is the only failure.
	if err := json.Unmarshal([]byte(`{"studyKey":"X",}`), &r); err == nil {
		t.Error("malformed record decoded")
	}
	if err := r.UnmarshalJSON([]byte(`{"studyKey":"X",}`)); err == nil {
		t.Error("malformed record decoded")
	}
}

func ExampleDecodeObject() {
	data := []byte(`{"subjectKey":"001-0001","visitId":"12.0","deleted":"Yes",` +
		`"dateCreated":"2025-06-05 21:12:08","siteId":"n/a","brandNew":[1,2]}`)
	var (
		key     string
		visit   int
		deleted bool
		created Time
		site    int
		extra   Extra
	)
	err := DecodeObject(data, &extra, func(f *Field) {
		switch f.Key {
		case "subjectKey":
			f.String(&key)
		case "visitId":
			f.Int(&visit)
		case "deleted":
			f.Bool(&deleted)
		case "dateCreated":
			f.Time(&created)
		case "siteId":
			f.Int(&site)
		default:
			f.Keep()
		}
	})
	fmt.Println(err)
	fmt.Println(key, visit, deleted, created, site)
	fmt.Printf("%s %s\n", extra["siteId"], extra["brandNew"])
	// Output:
	// <nil>
	// 001-0001 12 true 2025-06-05T21:12:08Z 0
	// "n/a" [1,2]
}
