package export

import (
	"context"
	"net/url"

	"github.com/imednet/imednet-go"
)

// The reference tables, their rows and the emitter of each model's rows are generated from
// the model structs (reference_gen.go; see internal/gen/models).

// i64 is an integer field's value in a row.
func i64(n int) any { return int64(n) }

// dateValue is a date-only timestamp's value in a row.
func dateValue(t imednet.Timestamp) any {
	if !t.Valid() {
		return nil
	}
	return dateOf(t.Time)
}

// emitFunc adds a row to the table with the given index among a source's tables.
type emitFunc = func(table int, row Row)

// refSource is one listing of the API that fills one or more reference tables.
type refSource struct {
	name   string  // the main table's name, for events and errors
	tables []Table // the tables it fills; emit's first argument indexes them
	// list pages through the listing, emitting each item's rows and calling flush after each
	// page.
	list func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error
}

// listInto pages through a study-scoped list endpoint sorted by idAttr, converts each item
// with conv and calls flush after each page.
func listInto[T any](ctx context.Context, f *fetcher, study, resource, idAttr string, extra url.Values, size int,
	conv func(*T), flush func() error) error {
	path := studyPath(study, resource)
	q := sortedQuery(idAttr)
	for k, v := range extra {
		q[k] = v
	}
	return eachPage(ctx, f, listing{path: path, query: q, size: size}, func(p *imednet.Page[T]) error {
		for i := range p.Items {
			conv(&p.Items[i])
		}
		return flush()
	})
}

// scoped is the source of a study-scoped listing (GET /studies/{studyKey}/<resource>) sorted by
// idAttr, with the extra query parameters: rows emits each item's rows in tables, the tables
// the generator pairs with it (reference_gen.go).
func scoped[T any](resource, idAttr string, extra url.Values, tables []Table, rows func(*T, emitFunc)) refSource {
	return refSource{name: tables[0].Name, tables: tables, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, resource, idAttr, extra, size, func(x *T) { rows(x, emit) }, flush)
	}}
}

// studiesSource lists the studies, which is not study-scoped, and keeps the study being
// exported.
var studiesSource = refSource{name: studiesTable.Name, tables: studyTables, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
	return eachPage(ctx, f, listing{path: "/studies", query: sortedQuery("studyKey"), size: size}, func(p *imednet.Page[imednet.Study]) error {
		for i := range p.Items {
			if p.Items[i].StudyKey == study {
				emitStudy(&p.Items[i], emit)
			}
		}
		return flush()
	})
}}

// referenceSources are the listings of the reference tables other than forms and variables
// (which a run reads first, for the dictionary).
var referenceSources = []refSource{
	studiesSource,
	scoped("sites", "siteId", nil, siteTables, emitSite),
	scoped("subjects", "subjectId", nil, subjectTables, emitSubject),
	scoped("intervals", "intervalId", nil, intervalTables, emitInterval),
	scoped("visits", "visitId", nil, visitTables, emitVisit),
	scoped("queries", "annotationId", nil, queryTables, emitQuery),
	scoped("recordRevisions", "recordRevisionId", nil, recordRevisionTables, emitRecordRevision),
	scoped("codings", "codingId", nil, codingTables, emitCoding),
	scoped("users", "userId", url.Values{"includeInactive": {"true"}}, userTables, emitUser),
}
