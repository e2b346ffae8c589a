package report_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go/report"
)

// An open query's age at the data cut, and the bucket and whole days it must show as.
type ageCase struct {
	age    time.Duration
	bucket string
	days   int64
}

const day = 24 * time.Hour

// ageCases put queries exactly on each boundary of the ageing buckets (0-7, 8-14, 15-30, >30
// whole days) and a second short of the next one; the buckets get 3, 4, 5 and 2 queries, so
// that a bucket swapped with another shows.
var ageCases = []ageCase{
	{0, "0-7", 0},
	{7 * day, "0-7", 7},
	{8*day - time.Second, "0-7", 7},
	{8 * day, "8-14", 8},
	{11 * day, "8-14", 11},
	{14 * day, "8-14", 14},
	{15*day - time.Second, "8-14", 14},
	{15 * day, "15-30", 15},
	{20*day + 5*time.Hour, "15-30", 20},
	{30 * day, "15-30", 30},
	{30*day + 23*time.Hour, "15-30", 30},
	{31*day - time.Second, "15-30", 30},
	{31 * day, ">30", 31},
	{400 * day, ">30", 400},
}

// target is an export that the test changes with statements written with ? placeholders.
type target interface {
	exec(t *testing.T, q string, args ...any)
	time(ts time.Time) any // a timestamp as the export stores it
}

type sqliteTarget struct{ db *sql.DB }

func (s sqliteTarget) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := s.db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (sqliteTarget) time(ts time.Time) any { return ts.UTC().Format(time.RFC3339) }

type pgTarget struct{ c *pgx.Conn }

func (p pgTarget) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	if _, err := p.c.Exec(context.Background(), b.String(), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (pgTarget) time(ts time.Time) any { return ts.UTC() }

// checkAgeing keeps len(ageCases)+1 queries of the export: one per case, open, created that
// long before the data cut, and one closed 40 days old; then checks the ageing buckets, the
// count over 30 days and each open query's whole days.
func checkAgeing(t *testing.T, src *report.Source, tg target) {
	t.Helper()
	ctx := context.Background()
	before, err := src.Build(ctx, report.Options{}, report.Queries)
	if err != nil {
		t.Fatal(err)
	}
	cut := before.DataCut
	if before.Queries.Total < int64(len(ageCases))+1 {
		t.Fatalf("%d queries in the study, want at least %d", before.Queries.Total, len(ageCases)+1)
	}
	n := len(ageCases) + 1
	// The queries kept are the first n by id; the others and their comments go.
	tg.exec(t, `DELETE FROM query_comments WHERE "annotationId" NOT IN (SELECT "annotationId" FROM queries ORDER BY "annotationId" LIMIT ?)`, n)
	tg.exec(t, `DELETE FROM queries WHERE "annotationId" NOT IN (SELECT "annotationId" FROM queries ORDER BY "annotationId" LIMIT ?)`, n)
	tg.exec(t, `UPDATE query_comments SET "closed" = ?`, false)
	// Each kept query gets its age by rank of id.
	for i, c := range ageCases {
		tg.exec(t, `UPDATE queries SET "dateCreated" = ? WHERE "annotationId" = (SELECT "annotationId" FROM queries ORDER BY "annotationId" LIMIT 1 OFFSET ?)`,
			tg.time(cut.Add(-c.age)), i)
	}
	closed := len(ageCases)
	tg.exec(t, `UPDATE queries SET "dateCreated" = ? WHERE "annotationId" = (SELECT "annotationId" FROM queries ORDER BY "annotationId" LIMIT 1 OFFSET ?)`,
		tg.time(cut.Add(-40*day)), closed)
	tg.exec(t, `INSERT INTO query_comments ("annotationId", "position", "closed", "date", "comment") SELECT "annotationId", 1000, ?, ?, 'closed' FROM queries ORDER BY "annotationId" LIMIT 1 OFFSET ?`,
		true, tg.time(cut.Add(-39*day)), closed)

	got, err := src.Build(ctx, report.Options{TopN: 100}, report.Queries)
	if err != nil {
		t.Fatal(err)
	}
	q := got.Queries
	want := map[string]int64{}
	for _, c := range ageCases {
		want[c.bucket]++
	}
	var gotAgeing, wantAgeing []string
	for _, b := range q.Ageing {
		gotAgeing = append(gotAgeing, fmt.Sprintf("%s:%d", b.Bucket, b.Queries))
	}
	for _, b := range []string{"0-7", "8-14", "15-30", ">30"} {
		wantAgeing = append(wantAgeing, fmt.Sprintf("%s:%d", b, want[b]))
	}
	if strings.Join(gotAgeing, " ") != strings.Join(wantAgeing, " ") {
		t.Errorf("ageing %v, want %v", gotAgeing, wantAgeing)
	}
	if q.Open != int64(len(ageCases)) || q.Closed != 1 || q.OpenOver30Days != want[">30"] {
		t.Errorf("open %d, closed %d, open over 30 days %d; want %d, 1, %d", q.Open, q.Closed, q.OpenOver30Days, len(ageCases), want[">30"])
	}
	// The oldest open queries, oldest first: each case's whole days.
	if len(q.OldestOpen) != len(ageCases) {
		t.Fatalf("%d open queries listed, want %d", len(q.OldestOpen), len(ageCases))
	}
	for i, o := range q.OldestOpen {
		c := ageCases[len(ageCases)-1-i]
		if o.AnnotationID == 0 || o.DaysOpen != c.days {
			t.Errorf("oldest open #%d: query %d open %d days, want %d (created %s before the cut)", i, o.AnnotationID, o.DaysOpen, c.days, c.age)
		}
	}
}

func TestAgeingBoundariesSQLite(t *testing.T) {
	s := newStudy(t, "AGE")
	path := exportSQLite(t, s)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src, err := report.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	checkAgeing(t, src, sqliteTarget{db})
}

func TestAgeingBoundariesPostgres(t *testing.T) {
	s := newStudy(t, "AGE")
	conn, schema := exportPostgres(t, s)
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	src, err := report.OpenPostgres(context.Background(), conn, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := c.Exec(context.Background(), `SET search_path TO "`+schema+`"`); err != nil {
		t.Fatal(err)
	}
	checkAgeing(t, src, pgTarget{c})
}
