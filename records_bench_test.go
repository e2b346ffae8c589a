package imednet_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
