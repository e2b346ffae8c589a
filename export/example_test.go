package export_test

import (
	"context"
	"errors"
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

// A target is written by one run at a time, in the shape of its first export: a second sink
// of the same target is refused while the first is open, and a run asking for another shape
// is refused until Options.Full rebuilds the target.
func Example_lockAndShape() {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 1, Subjects: 2, RecordsPerSubject: 5}))
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
	path := filepath.Join(dir, "DEMO.db")

	ctx := context.Background()
	sink, err := sqlite.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	_, err = sqlite.Open(path) // while the first sink holds the file
	var locked *export.LockedError
	fmt.Println("second open refused:", errors.As(err, &locked) && locked.Holder.PID == os.Getpid())

	if _, err := export.Run(ctx, client, "DEMO", sink, export.Options{}); err != nil {
		log.Fatal(err)
	}
	_, err = export.Sync(ctx, client, "DEMO", sink, export.Options{Labels: true})
	var shape *export.ShapeError
	if errors.As(err, &shape) {
		fmt.Printf("sync with labels refused: option %s, target %s, run %s\n", shape.Option, shape.Stored, shape.Requested)
	}
	if _, err := export.Sync(ctx, client, "DEMO", sink, export.Options{}); err != nil { // the target's shape
		log.Fatal(err)
	}
	if _, err := export.Run(ctx, client, "DEMO", sink, export.Options{Labels: true, Full: true}); err != nil { // rebuilt
		log.Fatal(err)
	}
	l, err := sink.LoadLedger(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("after the rebuild: labels %v, %d run(s)\n", l.Shape.Labels, len(l.Runs))
	sink.Close()
	// Output:
	// second open refused: true
	// sync with labels refused: option labels, target false, run true
	// after the rebuild: labels true, 1 run(s)
}
