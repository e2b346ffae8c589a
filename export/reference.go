package export

import (
	"context"
	"slices"
	"time"

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
	name   string  // the main table's name, for events, errors and the ledger
	tables []Table // the tables it fills; emit's first argument indexes them
	// incremental says that list can fetch only what changed after lc.since; the others
	// always list everything (and ignore lc.since).
	incremental bool
	// list pages through the listing, emitting each item's rows and calling lc.flush after
	// each page, and tells lc what change marks it saw.
	list func(ctx context.Context, lc *listCall) error
}

// listCall is one fetch of a reference listing: where it reads and writes, what it asks for,
// and what it saw (for the listing's high-water mark).
type listCall struct {
	f     *fetcher
	study string
	size  int
	emit  emitFunc
	flush func() error
	// since, when not zero, asks for the items changed after it only.
	since time.Time
	// start is the server's clock when the call's first listing began (the earliest first
	// page's metadata timestamp); zero when the server did not tell.
	start time.Time
	// newest is the newest change mark among the items that count for the mark.
	newest time.Time
}

// saw records an item's change mark.
func (lc *listCall) saw(t imednet.Timestamp) {
	if t.Valid() && t.Time.After(lc.newest) {
		lc.newest = t.Time.UTC()
	}
}

// firstPage records the server's clock at a listing's first page.
func (lc *listCall) firstPage(m imednet.Metadata, number int) {
	if number != 0 || !m.Timestamp.Valid() {
		return
	}
	if t := m.Timestamp.Time.UTC(); lc.start.IsZero() || t.Before(lc.start) {
		lc.start = t
	}
}

// mark returns the listing's high-water mark after the call, given the one before: the
// newest change mark seen, but no later than the server's clock when the call began (an item
// changed while the later pages were read may have been read before the change), and never
// earlier than prev. It is the rule of the forms' marks (fetchedForm.watermark).
func (lc *listCall) mark(prev time.Time) time.Time {
	m := lc.newest
	if !lc.start.IsZero() && lc.start.Before(m) {
		m = lc.start
	}
	if m.After(prev) {
		return m
	}
	return prev
}

// listInto pages through one of the study's listings, sorted by idAttr and selected by
// filter (zero for all), converts each item with conv and calls lc.flush after each page.
func listInto[T any](ctx context.Context, lc *listCall, svc service[T], idAttr string, filter imednet.Filter, conv func(*T)) error {
	opts := lc.f.options(lc.size, idAttr, filter)
	return eachPage(svc(lc.f.client)(ctx, lc.study, &opts), func(p *imednet.Page[T]) error {
		lc.firstPage(p.Metadata, p.Number)
		for i := range p.Items {
			conv(&p.Items[i])
		}
		return lc.flush()
	})
}

// scoped is the source of one of the study's listings, sorted by idAttr, always listed whole:
// rows emits each item's rows in tables, the tables the generator pairs with it
// (reference_gen.go).
func scoped[T any](svc service[T], idAttr string, tables []Table, rows func(*T, emitFunc)) refSource {
	return refSource{name: tables[0].Name, tables: tables, list: func(ctx context.Context, lc *listCall) error {
		return listInto(ctx, lc, svc, idAttr, imednet.Filter{}, func(x *T) { rows(x, lc.emit) })
	}}
}

// changing is the source of one of the study's listings that the API filters by a change
// mark, attr (a timestamp such as dateModified), whose value in an item is markOf: a sync
// lists only the items whose attr is after the listing's high-water mark (less the overlap).
func changing[T any](svc service[T], idAttr, attr string, markOf func(*T) imednet.Timestamp, tables []Table, rows func(*T, emitFunc)) refSource {
	return refSource{name: tables[0].Name, tables: tables, incremental: true, list: func(ctx context.Context, lc *listCall) error {
		var filter imednet.Filter
		if !lc.since.IsZero() {
			filter = imednet.Gt(attr, lc.since)
		}
		return listInto(ctx, lc, svc, idAttr, filter, func(x *T) {
			lc.saw(markOf(x))
			rows(x, lc.emit)
		})
	}}
}

// studiesSource lists the studies, which is not study-scoped, and keeps the study being
// exported. It is one page: it is listed whole.
var studiesSource = refSource{name: studiesTable.Name, tables: studyTables, list: func(ctx context.Context, lc *listCall) error {
	return listInto(ctx, lc, studiesService, "studyKey", imednet.Filter{}, func(st *imednet.Study) {
		if st.StudyKey == lc.study {
			emitStudy(st, lc.emit)
		}
	})
}}

// visitChunk is how many subjects one request of visitsSource names: the filter
// subjectKey==A,subjectKey==B,... stays a few hundred bytes long.
const visitChunk = 25

// visitsSource lists the visits. The API documents no change mark to filter visits by
// (subjectKey, intervalName, the visit dates and deleted only), so a sync asks instead which
// subjects can have changed visits since the listing's high-water mark, and lists the
// visits of those subjects alone:
//
//   - a visit changes with its subject's records: the visit date is a record's value, the
//     window follows the baseline record, and a visit is created by its first record (a new
//     subject by its registration record). Every record change adds a record revision that
//     names the subject, so the revisions created after the mark name every such subject;
//   - a visit window changes for every subject when the study's intervals are redefined:
//     an interval modified after the mark makes the sync list the visits whole.
//
// That costs two requests when nothing changed (the revisions and intervals filtered by
// date), plus one per 25 subjects touched, against one per 500 visits for the whole listing.
// The mark is the newest revision or interval change seen (capped at the server's clock at
// the start), or for a whole listing the newest visit change. Options.Full lists them whole.
var visitsSource = refSource{name: visitsTable.Name, tables: visitTables, incremental: true, list: listVisits}

func listVisits(ctx context.Context, lc *listCall) error {
	whole := func() error {
		return listInto(ctx, lc, visitsService, "visitId", imednet.Filter{}, func(v *imednet.Visit) {
			lc.saw(v.DateModified)
			emitVisit(v, lc.emit)
		})
	}
	if lc.since.IsZero() {
		return whole()
	}
	redefined := false
	err := listInto(ctx, lc, intervalsService, "intervalId", imednet.Gt("dateModified", lc.since), func(iv *imednet.Interval) {
		redefined = true
		lc.saw(iv.DateModified)
	})
	if err != nil {
		return err
	}
	if redefined {
		return whole()
	}
	var subjects []string
	seen := map[string]bool{}
	err = listInto(ctx, lc, revisionsService, "recordRevisionId", imednet.Gt("dateCreated", lc.since), func(r *imednet.RecordRevision) {
		lc.saw(r.DateCreated)
		if r.SubjectKey != "" && !seen[r.SubjectKey] {
			seen[r.SubjectKey] = true
			subjects = append(subjects, r.SubjectKey)
		}
	})
	if err != nil {
		return err
	}
	slices.Sort(subjects)
	for chunk := range slices.Chunk(subjects, visitChunk) {
		filter := imednet.Eq("subjectKey", chunk[0])
		for _, k := range chunk[1:] {
			filter = filter.Or(imednet.Eq("subjectKey", k))
		}
		// The visits' own dateModified does not count for the mark here: a visit changed
		// after the revisions were read must not move the mark past revisions not read.
		if err := listInto(ctx, lc, visitsService, "visitId", filter, func(v *imednet.Visit) { emitVisit(v, lc.emit) }); err != nil {
			return err
		}
	}
	return nil
}

// referenceSources are the listings of the reference tables other than forms and variables
// (which a run reads first, for the dictionary). A sync fetches incrementally those the API
// filters by a change mark, each from its own high-water mark in the ledger:
//
//   - record revisions by dateCreated: the audit trail only grows (a deletion is a new
//     revision with deleted true);
//   - codings by dateCoded (a recoding gets a new date);
//   - sites and intervals by dateModified;
//   - visits by the subjects whose records changed (see visitsSource).
//
// The others are listed whole, as the API gives no usable change mark: studies (one page),
// subjects (no documented dateModified filter; one page per 500 subjects), users (the
// endpoint takes no filter), and queries: the API filters them by dateCreated only, and a
// comment added to an old query (closing it, say) changes it without changing that date,
// nor anything else a filter can reach; a study has far fewer queries than revisions.
var referenceSources = []refSource{
	studiesSource,
	changing(sitesService, "siteId", "dateModified", func(x *imednet.Site) imednet.Timestamp { return x.DateModified }, siteTables, emitSite),
	scoped(subjectsService, "subjectId", subjectTables, emitSubject),
	changing(intervalsService, "intervalId", "dateModified", func(x *imednet.Interval) imednet.Timestamp { return x.DateModified }, intervalTables, emitInterval),
	visitsSource,
	scoped(queriesService, "annotationId", queryTables, emitQuery),
	changing(revisionsService, "recordRevisionId", "dateCreated", func(x *imednet.RecordRevision) imednet.Timestamp { return x.DateCreated },
		recordRevisionTables, emitRecordRevision),
	changing(codingsService, "codingId", "dateCoded", func(x *imednet.Coding) imednet.Timestamp { return x.DateCoded }, codingTables, emitCoding),
	scoped(usersService, "userId", userTables, emitUser),
}
