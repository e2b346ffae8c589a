package imednettest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
)

// A server with the default study, used through the SDK.
func Example() {
	srv, err := imednettest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	sites, err := client.Sites.List(ctx, imednettest.DemoStudyKey, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sites.Pagination.TotalElements, "sites; the first is", sites.Items[0].SiteName)

	aes, err := client.Records.List(ctx, imednettest.DemoStudyKey, &imednet.RecordListOptions{
		ListOptions: imednet.ListOptions{PageSize: 5, Filter: imednet.Eq("formKey", "AE")}})
	if err != nil {
		log.Fatal(err)
	}
	term, _ := aes.Items[0].RecordData.Text("AETERM")
	fmt.Println("first adverse event:", term)
	// Output:
	// 4 sites; the first is Chicago Hope Hospital
	// first adverse event: Back pain
}

// Changing data while the server runs, for a test of incremental synchronisation: only the
// records changed after the watermark come back.
func ExampleStudy_UpdateRecord() {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "S1", Subjects: 5}))
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.Client() // in-process: no listener needed
	if err != nil {
		log.Fatal(err)
	}
	study := srv.Study("S1")
	watermark := imednettest.DefaultStart // generated data is older than the clock's start

	ids := study.RecordIDs("VS")
	if err := study.UpdateRecord(ids[0], map[string]string{"PULSE": "64"}); err != nil {
		log.Fatal(err)
	}
	if err := study.DeleteRecord(ids[1]); err != nil {
		log.Fatal(err)
	}
	opts := &imednet.RecordListOptions{ListOptions: imednet.ListOptions{Filter: imednet.Gt("dateModified", watermark)}}
	for r, err := range client.Records.All(context.Background(), "S1", opts) {
		if err != nil {
			log.Fatal(err)
		}
		switch r.RecordID {
		case ids[0]:
			pulse, _ := r.RecordData.Text("PULSE")
			fmt.Println("updated: PULSE", pulse, "at", r.DateModified.Time.Format(time.DateTime))
		case ids[1]:
			fmt.Println("deleted:", r.Deleted, "at", r.DateModified.Time.Format(time.DateTime))
		}
	}
	// Output:
	// updated: PULSE 64 at 2025-06-05 21:12:09
	// deleted: true at 2025-06-05 21:12:10
}

// A server that fails a third of the requests, for a test of a client's retries; the faults
// are turned off to read the data back. The same seed gives the same faults, run after run.
func ExampleWithFaults() {
	srv, err := imednettest.New(imednettest.WithFaults(imednettest.Faults{
		ServerErrorRate: 0.1, ResetRate: 0.1, TruncateRate: 0.1,
		ExceptMethods: []string{"POST"}, // keep submissions safe
	}))
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.Client(imednet.WithMaxRetries(10), imednet.WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	n := 0
	for _, err := range client.Records.All(ctx, imednettest.DemoStudyKey, &imednet.RecordListOptions{
		ListOptions: imednet.ListOptions{PageSize: 25}}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	st := srv.Stats()
	fmt.Println(n, "records read in", st.Requests["GET /studies/{studyKey}/records"], "requests")
	fmt.Println("5xx:", st.Faults[imednettest.FaultServerError], "resets:", st.Faults[imednettest.FaultReset],
		"truncated:", st.Faults[imednettest.FaultTruncated])

	if err := srv.SetFaults(imednettest.Faults{}); err != nil { // faults off
		log.Fatal(err)
	}
	// Output:
	// 724 records read in 43 requests
	// 5xx: 7 resets: 4 truncated: 3
}
