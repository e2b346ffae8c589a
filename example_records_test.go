package imednet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/imednettest"
)

// Listing records with a filter on their attributes and another on their data, against the
// package imednettest's fake server (a real client is built with imednet.New or NewFromEnv).
func ExampleRecordsService_All() {
	srv, err := imednettest.New() // the DEMO study, served in-process
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	opts := &imednet.RecordListOptions{
		ListOptions: imednet.ListOptions{
			Filter: imednet.Eq("formKey", "VS").And(imednet.Eq("deleted", false)),
			Sort:   []imednet.Sort{imednet.Asc("recordId")},
		},
		RecordDataFilter: imednet.Gt("PULSE", 90),
	}
	n := 0
	for r, err := range client.Records.All(context.Background(), imednettest.DemoStudyKey, opts) {
		if err != nil {
			log.Fatal(err)
		}
		pulse, _ := r.RecordData.Number("PULSE")
		if r.FormKey != "VS" || r.Deleted || pulse <= 90 {
			log.Fatalf("record %d does not match the filters", r.RecordID)
		}
		n++
	}
	fmt.Println(n, "vital-signs records with a pulse over 90")
	// Output: 77 vital-signs records with a pulse over 90
}

// Registering a subject: the request is checked against the study's data dictionary, posted,
// and its job awaited; the subject then exists with the key the server gave it.
func ExampleRecordsService_CreateAndWait() {
	srv, err := imednettest.New(imednettest.WithJobDelay(20 * time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	dict, err := dictionary.Load(ctx, client, imednettest.DemoStudyKey)
	if err != nil {
		log.Fatal(err)
	}
	sites, err := client.Sites.List(ctx, imednettest.DemoStudyKey, nil)
	if err != nil {
		log.Fatal(err)
	}
	before, err := client.Subjects.List(ctx, imednettest.DemoStudyKey, &imednet.ListOptions{PageSize: 1})
	if err != nil {
		log.Fatal(err)
	}

	reg := imednet.RegisterSubject("REG", sites.Items[0].SiteName, map[string]any{
		"REGDT": "2025-06-01", "INITIALS": "ABC", "CONSENT": true, "AGE": 42,
	})
	jobs, err := client.Records.CreateAndWait(ctx, imednettest.DemoStudyKey, []imednet.RecordRequest{reg},
		&imednet.CreateOptions{Validator: dict},
		&imednet.WaitOptions{Interval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("job", jobs[0].Status)

	after, err := client.Subjects.List(ctx, imednettest.DemoStudyKey, &imednet.ListOptions{PageSize: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subjects added:", after.Pagination.TotalElements-before.Pagination.TotalElements)
	// Output:
	// job succeeded
	// subjects added: 1
}

// Reading a record's data: typed accessors for the values, Raw for the JSON as sent, All for
// every member in name order.
func ExampleRecordData() {
	var r imednet.Record
	err := json.Unmarshal([]byte(`{"recordId":1,"recordData":{"WEIGHT":"71.5","AETERM":"Headache","AESER":"N","NOTES":{"x":1}}}`), &r)
	if err != nil {
		log.Fatal(err)
	}
	w, _ := r.RecordData.Number("WEIGHT")
	serious, _ := r.RecordData.Bool("AESER")
	notes, _ := r.RecordData.Raw("NOTES")
	fmt.Println(w, serious, string(notes))
	for name, raw := range r.RecordData.All() {
		fmt.Printf("%s=%s ", name, raw)
	}
	fmt.Println()
	// Output:
	// 71.5 false {"x":1}
	// AESER="N" AETERM="Headache" NOTES={"x":1} WEIGHT="71.5"
}
