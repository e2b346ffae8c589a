package resource

import (
	"context"
	"encoding/json"
	"iter"
	"strconv"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/output"
)

// Column helpers: each prints a field as text the same way in every resource.

func col[T any](name string, table bool, v func(*T) string) output.Column[T] {
	return output.Column[T]{Name: name, Value: v, Table: table}
}

func itoa(n int) string { return strconv.Itoa(n) }

func btoa(b bool) string { return strconv.FormatBool(b) }

// ts prints a timestamp in RFC 3339 UTC (a date-only value as 2006-01-02), "" when absent.
func ts(t imednet.Timestamp) string { return t.String() }

// compact prints a nested value (a list, the record data) as compact JSON; "" when empty.
func compact[V any](v V) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" || string(b) == "[]" || string(b) == "{}" {
		return ""
	}
	return string(b)
}

// Studies lists the studies the keys may see.
var Studies = &Spec[imednet.Study]{
	Name: "studies", One: "study", ExampleID: "DEMO",
	What:   "the studies the keys may see",
	IDName: "studyKey", FilterExample: "studyType==STUDY", SortExample: "studyKey,desc",
	Columns: []output.Column[imednet.Study]{
		col("studyKey", true, func(s *imednet.Study) string { return s.StudyKey }),
		col("studyId", true, func(s *imednet.Study) string { return itoa(s.StudyID) }),
		col("studyName", true, func(s *imednet.Study) string { return s.StudyName }),
		col("studyType", true, func(s *imednet.Study) string { return s.StudyType }),
		col("sponsorKey", false, func(s *imednet.Study) string { return s.SponsorKey }),
		col("studyDescription", false, func(s *imednet.Study) string { return s.StudyDescription }),
		col("dateCreated", false, func(s *imednet.Study) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Study) string { return ts(s.DateModified) }),
	},
	List: func(ctx context.Context, c *imednet.Client, _ string, q *ListParams) iter.Seq2[imednet.Study, error] {
		return c.Studies.All(ctx, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, _ string, id string) (*imednet.Study, error) {
		return c.Studies.Get(ctx, id)
	},
}

// Sites lists a study's sites.
var Sites = &Spec[imednet.Site]{
	Name: "sites", One: "site", ExampleID: "101", Aliases: []string{"site"}, Scoped: true,
	What:   "the sites of a study",
	IDName: "siteId", FilterExample: `siteEnrollmentStatus=="Enrollment Open"`, SortExample: "siteName",
	Columns: []output.Column[imednet.Site]{
		col("studyKey", false, func(s *imednet.Site) string { return s.StudyKey }),
		col("siteId", true, func(s *imednet.Site) string { return itoa(s.SiteID) }),
		col("siteName", true, func(s *imednet.Site) string { return s.SiteName }),
		col("siteEnrollmentStatus", true, func(s *imednet.Site) string { return s.SiteEnrollmentStatus }),
		col("dateCreated", false, func(s *imednet.Site) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Site) string { return ts(s.DateModified) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Site, error] {
		return c.Sites.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Site, error) {
		n, err := IntID("siteId", id)
		if err != nil {
			return nil, err
		}
		return c.Sites.Get(ctx, study, n)
	},
}

// Subjects lists a study's subjects.
var Subjects = &Spec[imednet.Subject]{
	Name: "subjects", One: "subject", ExampleID: "01-001", Aliases: []string{"subject"}, Scoped: true,
	What:   "the subjects of a study",
	IDName: "subjectKey", IDHelp: " (such as 01-001) or its numeric subjectId",
	FilterExample: "subjectStatus==Enrolled;siteId==101", SortExample: "subjectKey,desc",
	Columns: []output.Column[imednet.Subject]{
		col("studyKey", false, func(s *imednet.Subject) string { return s.StudyKey }),
		col("subjectId", true, func(s *imednet.Subject) string { return itoa(s.SubjectID) }),
		col("subjectKey", true, func(s *imednet.Subject) string { return s.SubjectKey }),
		col("subjectOid", false, func(s *imednet.Subject) string { return s.SubjectOID }),
		col("subjectStatus", true, func(s *imednet.Subject) string { return s.SubjectStatus }),
		col("siteId", false, func(s *imednet.Subject) string { return itoa(s.SiteID) }),
		col("siteName", true, func(s *imednet.Subject) string { return s.SiteName }),
		col("deleted", true, func(s *imednet.Subject) string { return btoa(s.Deleted) }),
		col("enrollmentStartDate", false, func(s *imednet.Subject) string { return ts(s.EnrollmentStartDate) }),
		col("dateCreated", false, func(s *imednet.Subject) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Subject) string { return ts(s.DateModified) }),
		col("keywords", false, func(s *imednet.Subject) string { return compact(s.Keywords) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Subject, error] {
		return c.Subjects.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Subject, error) {
		// A subject key such as 01-001 is not a number; a number is the subject id, unless no
		// subject has that id and one has that key.
		n, err := strconv.Atoi(id)
		if err != nil {
			return c.Subjects.GetByKey(ctx, study, id)
		}
		s, err := c.Subjects.Get(ctx, study, n)
		if isNotFound(err) {
			if byKey, kerr := c.Subjects.GetByKey(ctx, study, id); kerr == nil {
				return byKey, nil
			}
		}
		return s, err
	},
}

// Forms lists a study's forms.
var Forms = &Spec[imednet.Form]{
	Name: "forms", One: "form", ExampleID: "AE", Aliases: []string{"form"}, Scoped: true,
	What:   "the forms (eCRFs) of a study",
	IDName: "formKey", IDHelp: " (such as AE) or its numeric formId",
	FilterExample: "formType==Subject", SortExample: "formKey",
	Columns: []output.Column[imednet.Form]{
		col("studyKey", false, func(s *imednet.Form) string { return s.StudyKey }),
		col("formId", true, func(s *imednet.Form) string { return itoa(s.FormID) }),
		col("formKey", true, func(s *imednet.Form) string { return s.FormKey }),
		col("formName", true, func(s *imednet.Form) string { return s.FormName }),
		col("formType", true, func(s *imednet.Form) string { return s.FormType }),
		col("revision", false, func(s *imednet.Form) string { return itoa(s.Revision) }),
		col("embeddedLog", false, func(s *imednet.Form) string { return btoa(s.EmbeddedLog) }),
		col("enforceOwnership", false, func(s *imednet.Form) string { return btoa(s.EnforceOwnership) }),
		col("userAgreement", false, func(s *imednet.Form) string { return btoa(s.UserAgreement) }),
		col("subjectRecordReport", false, func(s *imednet.Form) string { return btoa(s.SubjectRecordReport) }),
		col("unscheduledVisit", false, func(s *imednet.Form) string { return btoa(s.UnscheduledVisit) }),
		col("otherForms", false, func(s *imednet.Form) string { return btoa(s.OtherForms) }),
		col("eproForm", false, func(s *imednet.Form) string { return btoa(s.EproForm) }),
		col("allowCopy", false, func(s *imednet.Form) string { return btoa(s.AllowCopy) }),
		col("disabled", true, func(s *imednet.Form) string { return btoa(s.Disabled) }),
		col("dateCreated", false, func(s *imednet.Form) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Form) string { return ts(s.DateModified) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Form, error] {
		return c.Forms.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Form, error) {
		n, err := strconv.Atoi(id)
		if err != nil {
			return c.Forms.GetByKey(ctx, study, id)
		}
		return c.Forms.Get(ctx, study, n)
	},
}

// Intervals lists a study's intervals.
var Intervals = &Spec[imednet.Interval]{
	Name: "intervals", One: "interval", ExampleID: "201", Aliases: []string{"interval"}, Scoped: true,
	What:   "the intervals (visit definitions) of a study",
	IDName: "intervalId", FilterExample: "disabled==false", SortExample: "intervalSequence",
	Columns: []output.Column[imednet.Interval]{
		col("studyKey", false, func(s *imednet.Interval) string { return s.StudyKey }),
		col("intervalId", true, func(s *imednet.Interval) string { return itoa(s.IntervalID) }),
		col("intervalName", true, func(s *imednet.Interval) string { return s.IntervalName }),
		col("intervalDescription", false, func(s *imednet.Interval) string { return s.IntervalDescription }),
		col("intervalSequence", true, func(s *imednet.Interval) string { return itoa(s.IntervalSequence) }),
		col("intervalGroupId", false, func(s *imednet.Interval) string { return itoa(s.IntervalGroupID) }),
		col("intervalGroupName", false, func(s *imednet.Interval) string { return s.IntervalGroupName }),
		col("timeline", true, func(s *imednet.Interval) string { return s.Timeline }),
		col("definedUsingInterval", false, func(s *imednet.Interval) string { return s.DefinedUsingInterval }),
		col("windowCalculationForm", false, func(s *imednet.Interval) string { return s.WindowCalculationForm }),
		col("windowCalculationDate", false, func(s *imednet.Interval) string { return s.WindowCalculationDate }),
		col("actualDateForm", false, func(s *imednet.Interval) string { return s.ActualDateForm }),
		col("actualDate", false, func(s *imednet.Interval) string { return s.ActualDate }),
		col("dueDateWillBeIn", false, func(s *imednet.Interval) string { return itoa(s.DueDateWillBeIn) }),
		col("negativeSlack", false, func(s *imednet.Interval) string { return itoa(s.NegativeSlack) }),
		col("positiveSlack", false, func(s *imednet.Interval) string { return itoa(s.PositiveSlack) }),
		col("eproGracePeriod", false, func(s *imednet.Interval) string { return itoa(s.EproGracePeriod) }),
		col("forms", true, func(s *imednet.Interval) string {
			keys := make([]string, len(s.Forms))
			for i, f := range s.Forms {
				keys[i] = f.FormKey
			}
			return compact(keys)
		}),
		col("disabled", true, func(s *imednet.Interval) string { return btoa(s.Disabled) }),
		col("dateCreated", false, func(s *imednet.Interval) string { return ts(s.DateCreated) }),
		col("dateModified", false, func(s *imednet.Interval) string { return ts(s.DateModified) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Interval, error] {
		return c.Intervals.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Interval, error) {
		n, err := IntID("intervalId", id)
		if err != nil {
			return nil, err
		}
		return c.Intervals.Get(ctx, study, n)
	},
}

// Visits lists a study's visits.
var Visits = &Spec[imednet.Visit]{
	Name: "visits", One: "visit", ExampleID: "1", Aliases: []string{"visit"}, Scoped: true,
	What:   "the subject visits of a study",
	IDName: "visitId", FilterExample: "subjectKey==01-001", SortExample: "visitDate,desc",
	Columns: []output.Column[imednet.Visit]{
		col("studyKey", false, func(s *imednet.Visit) string { return s.StudyKey }),
		col("visitId", true, func(s *imednet.Visit) string { return itoa(s.VisitID) }),
		col("intervalId", false, func(s *imednet.Visit) string { return itoa(s.IntervalID) }),
		col("intervalName", true, func(s *imednet.Visit) string { return s.IntervalName }),
		col("subjectId", false, func(s *imednet.Visit) string { return itoa(s.SubjectID) }),
		col("subjectKey", true, func(s *imednet.Visit) string { return s.SubjectKey }),
		col("startDate", false, func(s *imednet.Visit) string { return ts(s.StartDate) }),
		col("endDate", false, func(s *imednet.Visit) string { return ts(s.EndDate) }),
		col("dueDate", false, func(s *imednet.Visit) string { return ts(s.DueDate) }),
		col("visitDate", true, func(s *imednet.Visit) string { return ts(s.VisitDate) }),
		col("visitDateForm", false, func(s *imednet.Visit) string { return s.VisitDateForm }),
		col("visitDateQuestion", false, func(s *imednet.Visit) string { return s.VisitDateQuestion }),
		col("deleted", true, func(s *imednet.Visit) string { return btoa(s.Deleted) }),
		col("dateCreated", false, func(s *imednet.Visit) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Visit) string { return ts(s.DateModified) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Visit, error] {
		return c.Visits.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Visit, error) {
		n, err := IntID("visitId", id)
		if err != nil {
			return nil, err
		}
		return c.Visits.Get(ctx, study, n)
	},
}

// Variables lists a study's variables.
var Variables = &Spec[imednet.Variable]{
	Name: "variables", One: "variable", ExampleID: "10014", Aliases: []string{"variable", "vars"}, Scoped: true,
	What:   "the variables (form fields) of a study",
	IDName: "variableId", FilterExample: "formKey==AE", SortExample: "variableName",
	Columns: []output.Column[imednet.Variable]{
		col("studyKey", false, func(s *imednet.Variable) string { return s.StudyKey }),
		col("variableId", true, func(s *imednet.Variable) string { return itoa(s.VariableID) }),
		col("formId", false, func(s *imednet.Variable) string { return itoa(s.FormID) }),
		col("formKey", true, func(s *imednet.Variable) string { return s.FormKey }),
		col("formName", false, func(s *imednet.Variable) string { return s.FormName }),
		col("variableName", true, func(s *imednet.Variable) string { return s.VariableName }),
		col("variableType", true, func(s *imednet.Variable) string { return s.VariableType }),
		col("label", true, func(s *imednet.Variable) string { return s.Label }),
		col("sequence", false, func(s *imednet.Variable) string { return itoa(s.Sequence) }),
		col("revision", false, func(s *imednet.Variable) string { return itoa(s.Revision) }),
		col("variableOid", false, func(s *imednet.Variable) string { return s.VariableOID }),
		col("blinded", false, func(s *imednet.Variable) string { return btoa(s.Blinded) }),
		col("disabled", true, func(s *imednet.Variable) string { return btoa(s.Disabled) }),
		col("deleted", false, func(s *imednet.Variable) string { return btoa(s.Deleted) }),
		col("dateCreated", false, func(s *imednet.Variable) string { return ts(s.DateCreated) }),
		col("dateModified", false, func(s *imednet.Variable) string { return ts(s.DateModified) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Variable, error] {
		return c.Variables.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Variable, error) {
		n, err := IntID("variableId", id)
		if err != nil {
			return nil, err
		}
		return c.Variables.Get(ctx, study, n)
	},
}

// Records lists a study's records.
var Records = &Spec[imednet.Record]{
	Name: "records", One: "record", ExampleID: "1", Aliases: []string{"record"}, Scoped: true,
	What:   "the records (filled-in forms) of a study",
	IDName: "recordId", FilterExample: "formKey==AE;deleted==false", SortExample: "dateModified,desc",
	RecordDataFilter: true,
	Columns: []output.Column[imednet.Record]{
		col("studyKey", false, func(s *imednet.Record) string { return s.StudyKey }),
		col("recordId", true, func(s *imednet.Record) string { return itoa(s.RecordID) }),
		col("recordOid", false, func(s *imednet.Record) string { return s.RecordOID }),
		col("formId", false, func(s *imednet.Record) string { return itoa(s.FormID) }),
		col("formKey", true, func(s *imednet.Record) string { return s.FormKey }),
		col("intervalId", true, func(s *imednet.Record) string { return itoa(s.IntervalID) }),
		col("siteId", false, func(s *imednet.Record) string { return itoa(s.SiteID) }),
		col("subjectId", false, func(s *imednet.Record) string { return itoa(s.SubjectID) }),
		col("subjectOid", false, func(s *imednet.Record) string { return s.SubjectOID }),
		col("subjectKey", true, func(s *imednet.Record) string { return s.SubjectKey }),
		col("visitId", false, func(s *imednet.Record) string { return itoa(s.VisitID) }),
		col("parentRecordId", false, func(s *imednet.Record) string { return itoa(s.ParentRecordID) }),
		col("recordType", false, func(s *imednet.Record) string { return s.RecordType }),
		col("recordStatus", true, func(s *imednet.Record) string { return s.RecordStatus }),
		col("deleted", true, func(s *imednet.Record) string { return btoa(s.Deleted) }),
		col("dateCreated", false, func(s *imednet.Record) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Record) string { return ts(s.DateModified) }),
		col("keywords", false, func(s *imednet.Record) string { return compact(s.Keywords) }),
		col("recordData", false, func(s *imednet.Record) string { return compact(s.RecordData) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Record, error] {
		return c.Records.All(ctx, study, &imednet.RecordListOptions{ListOptions: q.ListOptions, RecordDataFilter: q.RecordDataFilter})
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Record, error) {
		n, err := IntID("recordId", id)
		if err != nil {
			return nil, err
		}
		return c.Records.Get(ctx, study, n)
	},
}

// Revisions lists a study's record revisions.
var Revisions = &Spec[imednet.RecordRevision]{
	Name: "revisions", One: "record revision", ExampleID: "1", Aliases: []string{"revision", "record-revisions"}, Scoped: true,
	What:   "the record revisions (audit trail) of a study",
	IDName: "recordRevisionId", FilterExample: "recordId==1", SortExample: "dateCreated,desc",
	Columns: []output.Column[imednet.RecordRevision]{
		col("studyKey", false, func(s *imednet.RecordRevision) string { return s.StudyKey }),
		col("recordRevisionId", true, func(s *imednet.RecordRevision) string { return itoa(s.RecordRevisionID) }),
		col("recordId", true, func(s *imednet.RecordRevision) string { return itoa(s.RecordID) }),
		col("recordOid", false, func(s *imednet.RecordRevision) string { return s.RecordOID }),
		col("recordRevision", false, func(s *imednet.RecordRevision) string { return itoa(s.RecordRevision) }),
		col("dataRevision", true, func(s *imednet.RecordRevision) string { return itoa(s.DataRevision) }),
		col("recordStatus", true, func(s *imednet.RecordRevision) string { return s.RecordStatus }),
		col("subjectId", false, func(s *imednet.RecordRevision) string { return itoa(s.SubjectID) }),
		col("subjectOid", false, func(s *imednet.RecordRevision) string { return s.SubjectOID }),
		col("subjectKey", true, func(s *imednet.RecordRevision) string { return s.SubjectKey }),
		col("siteId", false, func(s *imednet.RecordRevision) string { return itoa(s.SiteID) }),
		col("formKey", true, func(s *imednet.RecordRevision) string { return s.FormKey }),
		col("intervalId", false, func(s *imednet.RecordRevision) string { return itoa(s.IntervalID) }),
		col("role", false, func(s *imednet.RecordRevision) string { return s.Role }),
		col("user", true, func(s *imednet.RecordRevision) string { return s.User }),
		col("reasonForChange", false, func(s *imednet.RecordRevision) string { return s.ReasonForChange }),
		col("deleted", false, func(s *imednet.RecordRevision) string { return btoa(s.Deleted) }),
		col("dateCreated", true, func(s *imednet.RecordRevision) string { return ts(s.DateCreated) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.RecordRevision, error] {
		return c.RecordRevisions.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.RecordRevision, error) {
		n, err := IntID("recordRevisionId", id)
		if err != nil {
			return nil, err
		}
		return c.RecordRevisions.Get(ctx, study, n)
	},
}

// Queries lists a study's queries.
var Queries = &Spec[imednet.Query]{
	Name: "queries", One: "query", ExampleID: "1", Aliases: []string{"query"}, Scoped: true,
	What:   "the queries (data clarification requests) of a study",
	IDName: "annotationId", FilterExample: "annotationType==record", SortExample: "dateModified,desc",
	Columns: []output.Column[imednet.Query]{
		col("studyKey", false, func(s *imednet.Query) string { return s.StudyKey }),
		col("annotationId", true, func(s *imednet.Query) string { return itoa(s.AnnotationID) }),
		col("annotationType", true, func(s *imednet.Query) string { return s.AnnotationType }),
		col("type", false, func(s *imednet.Query) string { return s.Type }),
		col("description", true, func(s *imednet.Query) string { return s.Description }),
		col("subjectId", false, func(s *imednet.Query) string { return itoa(s.SubjectID) }),
		col("subjectOid", false, func(s *imednet.Query) string { return s.SubjectOID }),
		col("subjectKey", true, func(s *imednet.Query) string { return s.SubjectKey }),
		col("recordId", true, func(s *imednet.Query) string { return itoa(s.RecordID) }),
		col("variable", true, func(s *imednet.Query) string { return s.Variable }),
		col("dateCreated", false, func(s *imednet.Query) string { return ts(s.DateCreated) }),
		col("dateModified", true, func(s *imednet.Query) string { return ts(s.DateModified) }),
		col("queryComments", false, func(s *imednet.Query) string { return compact(s.QueryComments) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Query, error] {
		return c.Queries.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Query, error) {
		n, err := IntID("annotationId", id)
		if err != nil {
			return nil, err
		}
		return c.Queries.Get(ctx, study, n)
	},
}

// Users lists a study's users.
var Users = &Spec[imednet.User]{
	Name: "users", One: "user", ExampleID: "50a1c294-f6ce-432d-b033-2fa2a95d8d9f", Aliases: []string{"user"}, Scoped: true,
	What:   "the users of a study",
	IDName: "userId", IDHelp: " (a UUID)", SortExample: "login,desc",
	NoFilter: true, IncludeInactive: true,
	Columns: []output.Column[imednet.User]{
		col("userId", true, func(s *imednet.User) string { return s.UserID }),
		col("login", true, func(s *imednet.User) string { return s.Login }),
		col("firstName", true, func(s *imednet.User) string { return s.FirstName }),
		col("lastName", true, func(s *imednet.User) string { return s.LastName }),
		col("email", false, func(s *imednet.User) string { return s.Email }),
		col("userActiveInStudy", true, func(s *imednet.User) string { return btoa(s.UserActiveInStudy) }),
		col("roles", false, func(s *imednet.User) string { return compact(s.Roles) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.User, error] {
		return c.Users.All(ctx, study, &imednet.UserListOptions{ListOptions: q.ListOptions, IncludeInactive: q.IncludeInactive})
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.User, error) {
		return c.Users.Get(ctx, study, id)
	},
}

// Codings lists a study's codings.
var Codings = &Spec[imednet.Coding]{
	Name: "codings", One: "coding", ExampleID: "1", Aliases: []string{"coding"}, Scoped: true,
	What:   "the codings (medical dictionary terms) of a study",
	IDName: "codingId", FilterExample: "dictionaryName==MedDRA", SortExample: "dateCoded,desc",
	Columns: []output.Column[imednet.Coding]{
		col("studyKey", false, func(s *imednet.Coding) string { return s.StudyKey }),
		col("codingId", true, func(s *imednet.Coding) string { return s.CodingID }),
		col("siteId", false, func(s *imednet.Coding) string { return itoa(s.SiteID) }),
		col("siteName", false, func(s *imednet.Coding) string { return s.SiteName }),
		col("subjectId", false, func(s *imednet.Coding) string { return itoa(s.SubjectID) }),
		col("subjectKey", true, func(s *imednet.Coding) string { return s.SubjectKey }),
		col("formId", false, func(s *imednet.Coding) string { return itoa(s.FormID) }),
		col("formName", false, func(s *imednet.Coding) string { return s.FormName }),
		col("formKey", true, func(s *imednet.Coding) string { return s.FormKey }),
		col("revision", false, func(s *imednet.Coding) string { return itoa(s.Revision) }),
		col("recordId", false, func(s *imednet.Coding) string { return itoa(s.RecordID) }),
		col("variable", true, func(s *imednet.Coding) string { return s.Variable }),
		col("value", true, func(s *imednet.Coding) string { return s.Value }),
		col("code", true, func(s *imednet.Coding) string { return s.Code }),
		col("codedBy", false, func(s *imednet.Coding) string { return s.CodedBy }),
		col("reason", false, func(s *imednet.Coding) string { return s.Reason }),
		col("dictionaryName", true, func(s *imednet.Coding) string { return s.DictionaryName }),
		col("dictionaryVersion", false, func(s *imednet.Coding) string { return s.DictionaryVersion }),
		col("dateCoded", false, func(s *imednet.Coding) string { return ts(s.DateCoded) }),
	},
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Coding, error] {
		return c.Codings.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Coding, error) {
		return c.Codings.Get(ctx, study, id)
	},
}
