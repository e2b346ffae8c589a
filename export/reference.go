package export

import (
	"context"
	"net/url"

	"github.com/imednet/imednet-go"
)

// The reference tables, with their columns named as the API names the fields. Lists of a
// resource (a subject's keywords, a query's comments, ...) go to a table of their own keyed
// by the parent's id.
var (
	studiesTable = Table{Name: "studies", Key: []string{"studyKey"}, Columns: []Column{
		{"studyKey", ColumnText}, {"studyId", ColumnInteger}, {"studyName", ColumnText}, {"studyDescription", ColumnText},
		{"studyType", ColumnText}, {"sponsorKey", ColumnText}, {"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	sitesTable = Table{Name: "sites", Key: []string{"siteId"}, Columns: []Column{
		{"siteId", ColumnInteger}, {"siteName", ColumnText}, {"siteEnrollmentStatus", ColumnText},
		{"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	subjectsTable = Table{Name: "subjects", Key: []string{"subjectId"}, Columns: []Column{
		{"subjectId", ColumnInteger}, {"subjectKey", ColumnText}, {"subjectOid", ColumnText}, {"subjectStatus", ColumnText},
		{"siteId", ColumnInteger}, {"siteName", ColumnText}, {"deleted", ColumnBoolean}, {"enrollmentStartDate", ColumnTimestamp},
		{"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	subjectKeywordsTable = Table{Name: "subject_keywords", Key: []string{"subjectId", "keywordId"}, Columns: []Column{
		{"subjectId", ColumnInteger}, {"keywordId", ColumnInteger}, {"keywordKey", ColumnText}, {"keywordName", ColumnText},
		{"dateAdded", ColumnTimestamp},
	}}
	intervalsTable = Table{Name: "intervals", Key: []string{"intervalId"}, Columns: []Column{
		{"intervalId", ColumnInteger}, {"intervalName", ColumnText}, {"intervalDescription", ColumnText},
		{"intervalSequence", ColumnInteger}, {"intervalGroupId", ColumnInteger}, {"intervalGroupName", ColumnText},
		{"timeline", ColumnText}, {"definedUsingInterval", ColumnText}, {"windowCalculationForm", ColumnText},
		{"windowCalculationDate", ColumnText}, {"actualDateForm", ColumnText}, {"actualDate", ColumnText},
		{"dueDateWillBeIn", ColumnInteger}, {"negativeSlack", ColumnInteger}, {"positiveSlack", ColumnInteger},
		{"eproGracePeriod", ColumnInteger}, {"disabled", ColumnBoolean}, {"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	intervalFormsTable = Table{Name: "interval_forms", Key: []string{"intervalId", "formId"}, Columns: []Column{
		{"intervalId", ColumnInteger}, {"formId", ColumnInteger}, {"formKey", ColumnText}, {"formName", ColumnText},
	}}
	formsTable = Table{Name: "forms", Key: []string{"formId"}, Columns: []Column{
		{"formId", ColumnInteger}, {"formKey", ColumnText}, {"formName", ColumnText}, {"formType", ColumnText}, {"revision", ColumnInteger},
		{"embeddedLog", ColumnBoolean}, {"enforceOwnership", ColumnBoolean}, {"userAgreement", ColumnBoolean},
		{"subjectRecordReport", ColumnBoolean}, {"unscheduledVisit", ColumnBoolean}, {"otherForms", ColumnBoolean},
		{"eproForm", ColumnBoolean}, {"allowCopy", ColumnBoolean}, {"disabled", ColumnBoolean},
		{"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	variablesTable = Table{Name: "variables", Key: []string{"variableId"}, Columns: []Column{
		{"variableId", ColumnInteger}, {"variableName", ColumnText}, {"variableType", ColumnText}, {"label", ColumnText},
		{"formId", ColumnInteger}, {"formKey", ColumnText}, {"formName", ColumnText}, {"sequence", ColumnInteger}, {"revision", ColumnInteger},
		{"variableOid", ColumnText}, {"disabled", ColumnBoolean}, {"deleted", ColumnBoolean}, {"blinded", ColumnBoolean},
		{"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	visitsTable = Table{Name: "visits", Key: []string{"visitId"}, Columns: []Column{
		{"visitId", ColumnInteger}, {"intervalId", ColumnInteger}, {"intervalName", ColumnText}, {"subjectId", ColumnInteger},
		{"subjectKey", ColumnText}, {"startDate", ColumnDate}, {"endDate", ColumnDate}, {"dueDate", ColumnDate}, {"visitDate", ColumnDate},
		{"visitDateForm", ColumnText}, {"visitDateQuestion", ColumnText}, {"deleted", ColumnBoolean},
		{"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	queriesTable = Table{Name: "queries", Key: []string{"annotationId"}, Columns: []Column{
		{"annotationId", ColumnInteger}, {"annotationType", ColumnText}, {"type", ColumnText}, {"description", ColumnText},
		{"recordId", ColumnInteger}, {"variable", ColumnText}, {"subjectId", ColumnInteger}, {"subjectOid", ColumnText},
		{"subjectKey", ColumnText}, {"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
	// query_comments is keyed by the comment's position in the query's list (1 for the
	// first), which exists even when the API leaves sequence out.
	queryCommentsTable = Table{Name: "query_comments", Key: []string{"annotationId", "position"}, Columns: []Column{
		{"annotationId", ColumnInteger}, {"position", ColumnInteger}, {"sequence", ColumnInteger}, {"annotationStatus", ColumnText}, {"user", ColumnText},
		{"comment", ColumnText}, {"closed", ColumnBoolean}, {"date", ColumnTimestamp},
	}}
	recordRevisionsTable = Table{Name: "record_revisions", Key: []string{"recordRevisionId"}, Columns: []Column{
		{"recordRevisionId", ColumnInteger}, {"recordId", ColumnInteger}, {"recordOid", ColumnText}, {"recordRevision", ColumnInteger},
		{"dataRevision", ColumnInteger}, {"recordStatus", ColumnText}, {"subjectId", ColumnInteger}, {"subjectOid", ColumnText},
		{"subjectKey", ColumnText}, {"siteId", ColumnInteger}, {"formKey", ColumnText}, {"intervalId", ColumnInteger}, {"role", ColumnText},
		{"user", ColumnText}, {"reasonForChange", ColumnText}, {"deleted", ColumnBoolean}, {"dateCreated", ColumnTimestamp},
	}}
	codingsTable = Table{Name: "codings", Key: []string{"codingId"}, Columns: []Column{
		{"codingId", ColumnText}, {"recordId", ColumnInteger}, {"formId", ColumnInteger}, {"formKey", ColumnText}, {"formName", ColumnText},
		{"siteId", ColumnInteger}, {"siteName", ColumnText}, {"subjectId", ColumnInteger}, {"subjectKey", ColumnText},
		{"variable", ColumnText}, {"value", ColumnText}, {"code", ColumnText}, {"codedBy", ColumnText}, {"reason", ColumnText},
		{"dictionaryName", ColumnText}, {"dictionaryVersion", ColumnText}, {"revision", ColumnInteger}, {"dateCoded", ColumnTimestamp},
	}}
	usersTable = Table{Name: "users", Key: []string{"userId"}, Columns: []Column{
		{"userId", ColumnText}, {"login", ColumnText}, {"firstName", ColumnText}, {"lastName", ColumnText}, {"email", ColumnText},
		{"userActiveInStudy", ColumnBoolean},
	}}
	userRolesTable = Table{Name: "user_roles", Key: []string{"userId", "roleId"}, Columns: []Column{
		{"userId", ColumnText}, {"roleId", ColumnText}, {"name", ColumnText}, {"description", ColumnText}, {"communityId", ColumnInteger},
		{"level", ColumnInteger}, {"type", ColumnText}, {"inactive", ColumnBoolean}, {"dateCreated", ColumnTimestamp}, {"dateModified", ColumnTimestamp},
	}}
)

// referenceTables are every reference table, in the order they are prepared.
var referenceTables = []Table{
	studiesTable, sitesTable, subjectsTable, subjectKeywordsTable, intervalsTable, intervalFormsTable,
	formsTable, variablesTable, visitsTable, queriesTable, queryCommentsTable, recordRevisionsTable,
	codingsTable, usersTable, userRolesTable,
}

func i64(n int) any { return int64(n) }

func formRow(x *imednet.Form) Row {
	return Row{i64(x.FormID), x.FormKey, x.FormName, x.FormType, i64(x.Revision), x.EmbeddedLog,
		x.EnforceOwnership, x.UserAgreement, x.SubjectRecordReport, x.UnscheduledVisit, x.OtherForms,
		x.EproForm, x.AllowCopy, x.Disabled, timeValue(x.DateCreated), timeValue(x.DateModified)}
}

func variableRow(x *imednet.Variable) Row {
	return Row{i64(x.VariableID), x.VariableName, x.VariableType, x.Label, i64(x.FormID), x.FormKey,
		x.FormName, i64(x.Sequence), i64(x.Revision), x.VariableOID, x.Disabled, x.Deleted, x.Blinded,
		timeValue(x.DateCreated), timeValue(x.DateModified)}
}

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

// referenceSources are the listings of the reference tables other than forms and variables
// (which a run reads first, for the dictionary).
var referenceSources = []refSource{
	{name: "studies", tables: []Table{studiesTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		// The studies list is not study-scoped: keep the study being exported.
		return eachPage(ctx, f, listing{path: "/studies", query: sortedQuery("studyKey"), size: size}, func(p *imednet.Page[imednet.Study]) error {
			for _, x := range p.Items {
				if x.StudyKey == study {
					emit(0, Row{x.StudyKey, i64(x.StudyID), x.StudyName, x.StudyDescription, x.StudyType, x.SponsorKey,
						timeValue(x.DateCreated), timeValue(x.DateModified)})
				}
			}
			return flush()
		})
	}},
	{name: "sites", tables: []Table{sitesTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "sites", "siteId", nil, size, func(x *imednet.Site) {
			emit(0, Row{i64(x.SiteID), x.SiteName, x.SiteEnrollmentStatus, timeValue(x.DateCreated), timeValue(x.DateModified)})
		}, flush)
	}},
	{name: "subjects", tables: []Table{subjectsTable, subjectKeywordsTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "subjects", "subjectId", nil, size, func(x *imednet.Subject) {
			emit(0, Row{i64(x.SubjectID), x.SubjectKey, x.SubjectOID, x.SubjectStatus, i64(x.SiteID), x.SiteName,
				x.Deleted, timeValue(x.EnrollmentStartDate), timeValue(x.DateCreated), timeValue(x.DateModified)})
			for _, k := range x.Keywords {
				emit(1, Row{i64(x.SubjectID), i64(k.KeywordID), k.KeywordKey, k.KeywordName, timeValue(k.DateAdded)})
			}
		}, flush)
	}},
	{name: "intervals", tables: []Table{intervalsTable, intervalFormsTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "intervals", "intervalId", nil, size, func(x *imednet.Interval) {
			emit(0, Row{i64(x.IntervalID), x.IntervalName, x.IntervalDescription, i64(x.IntervalSequence),
				i64(x.IntervalGroupID), x.IntervalGroupName, x.Timeline, x.DefinedUsingInterval,
				x.WindowCalculationForm, x.WindowCalculationDate, x.ActualDateForm, x.ActualDate,
				i64(x.DueDateWillBeIn), i64(x.NegativeSlack), i64(x.PositiveSlack), i64(x.EproGracePeriod),
				x.Disabled, timeValue(x.DateCreated), timeValue(x.DateModified)})
			for _, fm := range x.Forms {
				emit(1, Row{i64(x.IntervalID), i64(fm.FormID), fm.FormKey, fm.FormName})
			}
		}, flush)
	}},
	{name: "visits", tables: []Table{visitsTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "visits", "visitId", nil, size, func(x *imednet.Visit) {
			emit(0, Row{i64(x.VisitID), i64(x.IntervalID), x.IntervalName, i64(x.SubjectID), x.SubjectKey,
				dateValue(x.StartDate), dateValue(x.EndDate), dateValue(x.DueDate), dateValue(x.VisitDate),
				x.VisitDateForm, x.VisitDateQuestion, x.Deleted, timeValue(x.DateCreated), timeValue(x.DateModified)})
		}, flush)
	}},
	{name: "queries", tables: []Table{queriesTable, queryCommentsTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "queries", "annotationId", nil, size, func(x *imednet.Query) {
			emit(0, Row{i64(x.AnnotationID), x.AnnotationType, x.Type, x.Description, i64(x.RecordID), x.Variable,
				i64(x.SubjectID), x.SubjectOID, x.SubjectKey, timeValue(x.DateCreated), timeValue(x.DateModified)})
			for i, c := range x.QueryComments {
				emit(1, Row{i64(x.AnnotationID), i64(i + 1), i64(c.Sequence), c.AnnotationStatus, c.User, c.Comment, c.Closed, timeValue(c.Date)})
			}
		}, flush)
	}},
	{name: "record_revisions", tables: []Table{recordRevisionsTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "recordRevisions", "recordRevisionId", nil, size, func(x *imednet.RecordRevision) {
			emit(0, Row{i64(x.RecordRevisionID), i64(x.RecordID), x.RecordOID, i64(x.RecordRevision), i64(x.DataRevision),
				x.RecordStatus, i64(x.SubjectID), x.SubjectOID, x.SubjectKey, i64(x.SiteID), x.FormKey, i64(x.IntervalID),
				x.Role, x.User, x.ReasonForChange, x.Deleted, timeValue(x.DateCreated)})
		}, flush)
	}},
	{name: "codings", tables: []Table{codingsTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		return listInto(ctx, f, study, "codings", "codingId", nil, size, func(x *imednet.Coding) {
			emit(0, Row{x.CodingID, i64(x.RecordID), i64(x.FormID), x.FormKey, x.FormName, i64(x.SiteID), x.SiteName,
				i64(x.SubjectID), x.SubjectKey, x.Variable, x.Value, x.Code, x.CodedBy, x.Reason, x.DictionaryName,
				x.DictionaryVersion, i64(x.Revision), timeValue(x.DateCoded)})
		}, flush)
	}},
	{name: "users", tables: []Table{usersTable, userRolesTable}, list: func(ctx context.Context, f *fetcher, study string, size int, emit emitFunc, flush func() error) error {
		extra := url.Values{"includeInactive": {"true"}}
		return listInto(ctx, f, study, "users", "userId", extra, size, func(x *imednet.User) {
			emit(0, Row{x.UserID, x.Login, x.FirstName, x.LastName, x.Email, x.UserActiveInStudy})
			for _, r := range x.Roles {
				emit(1, Row{x.UserID, r.RoleID, r.Name, r.Description, i64(r.CommunityID), i64(r.Level), r.Type,
					r.Inactive, timeValue(r.DateCreated), timeValue(r.DateModified)})
			}
		}, flush)
	}},
}
