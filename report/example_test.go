package report_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/sqlite"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/report"
)

// exportSandbox exports the sandbox's study (the one of imednet --sandbox) into a new SQLite
// file in dir, with the export's clock, and so the data cut, at cut.
func exportSandbox(dir string, cut time.Time) (string, error) {
	srv, err := imednettest.New()
	if err != nil {
		return "", err
	}
	client, err := srv.Client()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "demo.db")
	sink, err := sqlite.Open(path)
	if err != nil {
		return "", err
	}
	_, err = export.Run(context.Background(), client, imednettest.DemoStudyKey, sink, export.Options{Now: func() time.Time { return cut }})
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// A report built from a SQLite export of the sandbox study: the figures are SQL run in the
// file, as of the data cut (the end of the export's run).
func Example() {
	dir, err := os.MkdirTemp("", "report-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path, err := exportSandbox(dir, time.Date(2024, 12, 10, 0, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}

	src, err := report.OpenSQLite(path)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	rep, err := src.Build(context.Background(), report.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("study", rep.Study, "as of", rep.DataCut.Format(time.DateOnly))
	fmt.Println("subjects:", rep.Enrollment.Subjects, "at", rep.Enrollment.Sites, "sites")
	q := rep.Queries
	fmt.Println("queries:", q.Open, "open,", q.Closed, "closed,", q.OpenOver30Days, "open over 30 days")
	c := rep.Completeness
	fmt.Printf("forms: %d expected, %d received, %d missing (%.1f%% complete)\n", c.Expected, c.Received, c.Missing, c.PercentComplete)
	fmt.Println("changes since the previous run available:", rep.Changes.Available)
	// Output:
	// study DEMO as of 2024-12-10
	// subjects: 24 at 4 sites
	// queries: 10 open, 7 closed, 9 open over 30 days
	// forms: 567 expected, 557 received, 10 missing (98.2% complete)
	// changes since the previous run available: false
}

// One section alone, printed as the tables the CLI shows.
func ExampleSource_Build() {
	dir, err := os.MkdirTemp("", "report-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path, err := exportSandbox(dir, time.Date(2024, 12, 10, 0, 0, 0, 0, time.UTC))
	if err != nil {
		log.Fatal(err)
	}
	src, err := report.OpenSQLite(path)
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	rep, err := src.Build(context.Background(), report.Options{}, report.Queries)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range rep.Tables() {
		if t.Name == "queries-ageing" {
			fmt.Println(t.Title)
			for _, row := range t.Rows {
				fmt.Println(row)
			}
		}
	}
	fmt.Println("enrollment built:", rep.Enrollment != nil)
	// Output:
	// Open queries by age (days)
	// [0-7 0]
	// [8-14 1]
	// [15-30 0]
	// [>30 9]
	// enrollment built: false
}

// A threshold for a scheduler: breached when an open query is older than 30 days.
func ExampleThreshold() {
	th, err := report.ParseThreshold("queries.openOver30Days>0")
	if err != nil {
		log.Fatal(err)
	}
	rep := &report.Report{Queries: &report.QueriesSection{Open: 12, OpenOver30Days: 3}}
	value, breached, err := th.Check(rep)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(th.Section(), value, breached)

	th, _ = report.ParseThreshold("completeness.percentComplete < 90")
	_, breached, _ = th.Check(&report.Report{Completeness: &report.CompletenessSec{PercentComplete: 94.5}})
	fmt.Println(th, breached)
	// Output:
	// queries 3 true
	// completeness.percentComplete < 90 false
}

// The live dashboard: each page load builds the report again from the target, so that it
// follows the syncs that update it, and each page reloads itself every five minutes.
func ExampleHandler() {
	src, err := report.OpenSQLite("DEMO.db")
	if err != nil {
		log.Fatal(err)
	}
	defer src.Close()
	h := report.Handler(func(ctx context.Context, sections ...report.Section) (*report.Report, error) {
		return src.Build(ctx, report.Options{}, sections...)
	}, report.WithRefresh(5*time.Minute))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", h))
}
