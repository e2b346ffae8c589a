package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Section names a section of a report.
type Section string

// The sections of a report, in the order a full report shows them.
const (
	Enrollment   Section = "enrollment"
	Queries      Section = "queries"
	Completeness Section = "completeness"
	Sites        Section = "sites"
	Activity     Section = "activity"
	Changes      Section = "changes"
)

// AllSections are the sections of a full report, in order.
var AllSections = []Section{Enrollment, Queries, Completeness, Sites, Activity, Changes}

// ParseSection reads a section's name (any case).
func ParseSection(s string) (Section, error) {
	x := Section(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(AllSections, x) {
		return x, nil
	}
	names := make([]string, len(AllSections))
	for i, s := range AllSections {
		names[i] = string(s)
	}
	return "", fmt.Errorf("unknown section %q (known: %s)", s, strings.Join(names, ", "))
}

// Options tune a report. The zero value is the defaults.
type Options struct {
	// MissingLimit is the most missing forms listed one by one (Completeness.MissingForms);
	// the totals count them all. 0 means 500; a negative value lists none.
	MissingLimit int
	// TopN is the length of the top lists (queries by site, form and variable); 0 means 10.
	TopN int
}

// Report is the state of a study as of its data cut: the sections asked for, each nil when
// not asked for. Its JSON members are named in the API's camelCase style, the totals first in
// each section.
type Report struct {
	Study string `json:"study"`
	// DataCut is when the last finished run of the ledger ended: the data is as of then.
	DataCut      time.Time          `json:"dataCut"`
	Enrollment   *EnrollmentSection `json:"enrollment,omitempty"`
	Queries      *QueriesSection    `json:"queries,omitempty"`
	Completeness *CompletenessSec   `json:"completeness,omitempty"`
	Sites        *SitesSection      `json:"sites,omitempty"`
	Activity     *ActivitySection   `json:"activity,omitempty"`
	Changes      *ChangesSection    `json:"changes,omitempty"`
}

// EnrollmentSection counts the subjects (deleted ones left out).
type EnrollmentSection struct {
	Subjects int64 `json:"subjects"`
	Sites    int64 `json:"sites"` // sites with at least one subject
	// ByStatus counts the subjects per subjectStatus.
	ByStatus []StatusCount `json:"byStatus"`
	// BySite counts the subjects per site and status.
	BySite []SiteStatusCount `json:"bySite"`
	// Cumulative is per site and week (of enrollmentStartDate, else of dateCreated) the
	// subjects enrolled that week and the site's total so far.
	Cumulative []EnrollmentWeek `json:"cumulative"`
}

// StatusCount is a count per status.
type StatusCount struct {
	Status string `json:"status"`
	Count  int64  `json:"count"`
}

// SiteStatusCount is the subjects of a site with a status.
type SiteStatusCount struct {
	SiteID   int64  `json:"siteId"`
	SiteName string `json:"siteName"`
	Status   string `json:"status"`
	Subjects int64  `json:"subjects"`
}

// EnrollmentWeek is one site's enrollment in one week.
type EnrollmentWeek struct {
	SiteID     int64  `json:"siteId"`
	SiteName   string `json:"siteName"`
	Week       string `json:"week"` // the week's Monday, YYYY-MM-DD (UTC)
	Enrolled   int64  `json:"enrolled"`
	Cumulative int64  `json:"cumulative"`
}

// QueriesSection is the state of the queries. A query is closed when its last comment (the
// last in the order the API lists them) is closed, and open otherwise, a query without
// comments included.
type QueriesSection struct {
	Total          int64 `json:"total"`
	Open           int64 `json:"open"`
	Closed         int64 `json:"closed"`
	OpenOver30Days int64 `json:"openOver30Days"`
	// Ageing counts the open queries by age at the data cut, in whole days since the query was
	// created: 0-7, 8-14, 15-30 and >30.
	Ageing []AgeBucket `json:"ageing"`
	// BySite, ByForm and ByVariable are the top sites, forms and variables by open queries
	// (then by all queries).
	BySite     []QueryGroup `json:"bySite"`
	ByForm     []QueryGroup `json:"byForm"`
	ByVariable []QueryGroup `json:"byVariable"`
	// Weekly counts the queries opened (created) and closed (their closing comment's date) per
	// week.
	Weekly []QueryWeek `json:"weekly"`
	// OldestOpen are the oldest open queries (Options.TopN of them), with their text.
	OldestOpen []OpenQuery `json:"oldestOpen"`
}

// OpenQuery is an open query, with its description and last comment.
type OpenQuery struct {
	AnnotationID int64  `json:"annotationId"`
	SiteName     string `json:"siteName"`
	SubjectKey   string `json:"subjectKey"`
	FormKey      string `json:"formKey"`
	Variable     string `json:"variable"`
	Description  string `json:"description"`
	LastComment  string `json:"lastComment"`
	DaysOpen     int64  `json:"daysOpen"` // whole days from creation to the data cut
}

// AgeBucket is the number of open queries of an age.
type AgeBucket struct {
	Bucket  string `json:"bucket"` // 0-7, 8-14, 15-30, >30
	Queries int64  `json:"queries"`
}

// The age buckets, in order.
var ageBuckets = []string{"0-7", "8-14", "15-30", ">30"}

// QueryGroup counts the queries of a site, form or variable.
type QueryGroup struct {
	Name string `json:"name"`
	// Label is the form's name (by form) or the variable's label (by variable) when the
	// target has them (its forms and variables tables); "" otherwise, and by site.
	Label  string `json:"label,omitempty"`
	Open   int64  `json:"open"`
	Closed int64  `json:"closed"`
	Total  int64  `json:"total"`
}

// QueryWeek counts the queries opened and closed in a week.
type QueryWeek struct {
	Week   string `json:"week"` // the week's Monday, YYYY-MM-DD (UTC)
	Opened int64  `json:"opened"`
	Closed int64  `json:"closed"`
}

// CompletenessSec compares the forms expected with those received. Expected: for every visit
// (not deleted) of a subject (not deleted), each enabled form its interval schedules
// (interval_forms). Received: such a form for which the subject has a record (not deleted) of
// that form in that interval. Missing: expected and not received.
type CompletenessSec struct {
	Expected        int64   `json:"expected"`
	Received        int64   `json:"received"`
	Missing         int64   `json:"missing"`
	PercentComplete float64 `json:"percentComplete"` // 100 when nothing is expected
	// MissingForms lists the missing forms (at most Options.MissingLimit of them), by site,
	// subject, interval and form.
	MissingForms []MissingForm     `json:"missingForms"`
	BySite       []CompletenessRow `json:"bySite"`
	ByForm       []CompletenessRow `json:"byForm"`
	RecordStatus []StatusCount     `json:"recordStatus"` // records (not deleted) per recordStatus
	Records      int64             `json:"records"`      // records not deleted
	Deleted      int64             `json:"deletedRecords"`
}

// MissingForm is a form expected at a subject's visit and not received.
type MissingForm struct {
	SiteName     string `json:"siteName"`
	SubjectKey   string `json:"subjectKey"`
	IntervalName string `json:"intervalName"`
	FormKey      string `json:"formKey"`
	FormName     string `json:"formName"`
}

// CompletenessRow is the completeness of a site or a form.
type CompletenessRow struct {
	Name            string  `json:"name"`
	Expected        int64   `json:"expected"`
	Received        int64   `json:"received"`
	Missing         int64   `json:"missing"`
	PercentComplete float64 `json:"percentComplete"`
}

// SitesSection is a line per site.
type SitesSection struct {
	Sites []SiteRow `json:"sites"`
}

// SiteRow is one site's figures.
type SiteRow struct {
	SiteID      int64  `json:"siteId"`
	SiteName    string `json:"siteName"`
	Status      string `json:"status"` // siteEnrollmentStatus
	Subjects    int64  `json:"subjects"`
	Records     int64  `json:"records"` // not deleted
	OpenQueries int64  `json:"openQueries"`
	// MedianDaysOpen is the median age in days of the site's open queries at the data cut,
	// nil without open queries.
	MedianDaysOpen *float64 `json:"medianDaysOpen"`
	MissingForms   int64    `json:"missingForms"`
	// LastDataEntry is the latest dateModified of the site's records, nil without records.
	LastDataEntry *time.Time `json:"lastDataEntry"`
}

// ActivitySection is the audit trail's activity.
type ActivitySection struct {
	Revisions int64 `json:"revisions"`
	Users     int64 `json:"users"` // users with at least one revision
	// Weekly counts the record revisions per week and user.
	Weekly []UserWeek `json:"weekly"`
	// Reasons counts the revisions per reason for change (revisions without one left out).
	Reasons []ReasonCount `json:"reasons"`
}

// UserWeek is a user's revisions in a week.
type UserWeek struct {
	Week      string `json:"week"`
	User      string `json:"user"`
	Revisions int64  `json:"revisions"`
}

// ReasonCount counts the revisions with a reason for change.
type ReasonCount struct {
	Reason    string `json:"reason"`
	Revisions int64  `json:"revisions"`
}

// ChangesSection is what changed since the previous run of the ledger: records whose
// dateCreated (added) or only dateModified (modified) is after the previous run started,
// queries created (opened) or closed since then.
type ChangesSection struct {
	// Available is false when the ledger has one finished run only: there is nothing to
	// compare with, and the counts are zero.
	Available      bool         `json:"available"`
	Since          *time.Time   `json:"since"` // when the previous run started
	RecordsAdded   int64        `json:"recordsAdded"`
	RecordsChanged int64        `json:"recordsModified"`
	RecordsDeleted int64        `json:"recordsDeleted"` // among those modified, now deleted
	QueriesOpened  int64        `json:"queriesOpened"`
	QueriesClosed  int64        `json:"queriesClosed"`
	ByForm         []FormChange `json:"byForm"`
}

// FormChange is the records of a form added and modified since the previous run.
type FormChange struct {
	FormKey  string `json:"formKey"`
	Added    int64  `json:"added"`
	Modified int64  `json:"modified"`
}

// Build computes the sections asked for (every section when none is given) as SQL run in
// the target, as of the data cut: the end of the ledger's last finished run. A target
// without an export gives an error matching [ErrNoExport]; an export of another layout a
// [*LayoutError].
func (s *Source) Build(ctx context.Context, opts Options, sections ...Section) (*Report, error) {
	if opts.MissingLimit == 0 {
		opts.MissingLimit = 500
	}
	if opts.TopN <= 0 {
		opts.TopN = 10
	}
	if len(sections) == 0 {
		sections = AllSections
	}
	l, err := s.inspect(ctx)
	if err != nil {
		return nil, err
	}
	last := l.runs[len(l.runs)-1]
	r := &Report{Study: last.study, DataCut: last.finished}
	// One connection for the whole report: the SQLite TEMP tables that hold what several
	// statements share live on it.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %s: %w", s.name, err)
	}
	defer conn.Close()
	m := &metrics{s: s, l: l, cut: last.finished, opts: opts, conn: conn}
	defer m.dropTemp()
	if err := m.prepare(ctx, sections); err != nil {
		return nil, fmt.Errorf("report: %s: %w", s.name, err)
	}
	for _, sec := range sections {
		var err error
		switch sec {
		case Enrollment:
			r.Enrollment, err = m.enrollment(ctx)
		case Queries:
			r.Queries, err = m.queries(ctx)
		case Completeness:
			r.Completeness, err = m.completeness(ctx)
		case Sites:
			r.Sites, err = m.sites(ctx)
		case Activity:
			r.Activity, err = m.activity(ctx)
		case Changes:
			r.Changes, err = m.changes(ctx)
		default:
			_, err = ParseSection(string(sec))
		}
		if err != nil {
			return nil, fmt.Errorf("report: %s: %s: %w", s.name, sec, err)
		}
	}
	return r, nil
}

func percent(received, expected int64) float64 {
	if expected == 0 {
		return 100
	}
	return float64(received*1000/expected) / 10 // one decimal, rounded down: 99.96 is not 100
}
