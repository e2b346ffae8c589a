package export_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
)

// Export a study from the test server into a SQLite file, then bring it up to date.
func Example() {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 2, Subjects: 3, RecordsPerSubject: 10}))
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "export-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	sink, err := sqlite.Open(filepath.Join(dir, "DEMO.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()
	sum, err := export.Run(ctx, client, "DEMO", sink, export.Options{Layout: export.Both})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exported %d forms, %d records\n", len(sum.Forms), sum.Records)

	st := srv.Study("DEMO")
	if err := st.DeleteRecord(st.RecordIDs("VS")[0]); err != nil {
		log.Fatal(err)
	}
	// A sync fetches the records modified since the form's high-water mark less Overlap: here
	// the deleted record, and the newest record of the export again.
	sum, err = export.Sync(ctx, client, "DEMO", sink, export.Options{Layout: export.Both, Overlap: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range sum.Forms {
		if f.FormKey == "VS" {
			fmt.Printf("synced VS: %s, %d record(s) fetched\n", f.Status, f.Records)
		}
	}
	// Output:
	// exported 12 forms, 32 records
	// synced VS: succeeded, 2 record(s) fetched
}
