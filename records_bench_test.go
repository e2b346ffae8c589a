package imednet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
)

// fixedBody answers every request with the same status and body.
type fixedBody []byte

func (b fixedBody) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: r}, nil
}

// BenchmarkRecordsPage500 decodes a page of 500 generated records through the whole client
// path (request, response, typed decoding); the transport replays one recorded body, so the
// figure is the SDK's own cost per page.
func BenchmarkRecordsPage500(b *testing.B) {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "B", Subjects: 40}))
	if err != nil {
		b.Fatal(err)
	}
	apiKey, secKey := srv.Keys()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/edc/studies/B/records?page=0&size=500", nil)
	req.Header.Set("x-api-key", apiKey)
	req.Header.Set("x-imn-security-key", secKey)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("recording the page: %d %s", rec.Code, rec.Body)
	}
	body := fixedBody(rec.Body.Bytes())
	client, err := imednet.New(imednet.WithAPIKey("k", "s"), imednet.WithBaseURL("http://127.0.0.1"),
		imednet.WithHTTPClient(&http.Client{Transport: body}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: 500}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		page, err := client.Records.List(ctx, "B", opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Items) != 500 {
			b.Fatalf("%d records, want 500", len(page.Items))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
}

// widePage returns a list envelope of n records shaped like those of a real study's larger
// forms: 20 recordData variables each (text, numbers sent as strings, dates, choice codes),
// about 880 bytes a record, as the wide profile of bench/ serves them.
func widePage(n int) []byte {
	names := []string{"VISDAT", "HEIGHT", "WEIGHT", "BMI", "SYSBP", "DIABP", "PULSE", "TEMP", "RESP", "SPO2",
		"AETERM", "AESEV", "AESER", "AESTDAT", "AEENDAT", "CMTRT", "CMDOSE", "CMROUTE", "COMMENT", "INVDAT"}
	texts := []string{"Headache, mild, resolved without treatment", "Nausea after the morning dose",
		"Paracetamol 500 mg as needed", "", "Blood pressure repeated after 5 minutes of rest"}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"metadata":{"status":"OK","method":"GET","path":"/api/v1/edc/studies/B/records","timestamp":"2026-01-01 00:00:00","error":{}},`+
		`"pagination":{"currentPage":0,"size":%d,"totalPages":1,"totalElements":%d,"sort":[{"property":"recordId","direction":"ASC"}]},"data":[`, n, n)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"studyKey":"B","intervalId":%d,"formId":1020,"formKey":"WIDE","siteId":%d,"recordId":%d,"recordOid":"REC-%d",`+
			`"recordType":"SUBJECT","recordStatus":"Record Complete","deleted":false,"dateCreated":"2024-01-01 08:%02d:00",`+
			`"dateModified":"2024-01-02 09:%02d:00","subjectId":%d,"subjectOid":"OID-%d","subjectKey":"01-%03d","visitId":%d,`+
			`"parentRecordId":0,"keywords":[],"recordData":{`, 200+i%12, 101+i%8, i, i, i%60, i%60, 5000+i/30, 5000+i/30, i/30, 7000+i/3)
		for j, name := range names {
			var v string
			switch {
			case strings.HasSuffix(name, "DAT"):
				v = fmt.Sprintf("2023-12-%02d", 1+(i+j)%28)
			case name == "AETERM" || name == "CMTRT" || name == "COMMENT":
				v = texts[(i+j)%len(texts)]
			case name == "AESEV" || name == "AESER" || name == "CMROUTE":
				v = strconv.Itoa(1 + (i+j)%4)
			default:
				v = strconv.FormatFloat(float64((i*31+j*7)%100000)/100, 'f', -1, 64)
			}
			fmt.Fprintf(&b, `%q:%q,`, name, v)
		}
		fmt.Fprintf(&b, `"dateCreated":"2024-01-01 08:%02d:00","dateModified":"2024-01-02 09:%02d:00"}}`, i%60, i%60)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkRecordsPage500Wide is BenchmarkRecordsPage500 on a page of wide records (see
// widePage), where building each record's data dominates.
func BenchmarkRecordsPage500Wide(b *testing.B) {
	body := fixedBody(widePage(500))
	client, err := imednet.New(imednet.WithAPIKey("k", "s"), imednet.WithBaseURL("http://127.0.0.1"),
		imednet.WithHTTPClient(&http.Client{Transport: body}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{PageSize: 500}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		page, err := client.Records.List(ctx, "B", opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Items) != 500 || page.Items[499].RecordData.Len() != 22 {
			b.Fatalf("%d records, want 500 of 22 data members", len(page.Items))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
}

// BenchmarkRecordsPage500WideValid checks the page of BenchmarkRecordsPage500Wide with
// encoding/json's json.Valid, decoding nothing: a yardstick for the decoding beside it.
func BenchmarkRecordsPage500WideValid(b *testing.B) {
	body := widePage(500)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if !json.Valid(body) {
			b.Fatal("the wide page is not valid JSON")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/record")
}
