package resource

import (
	"context"
	"encoding/json"
	"iter"
	"strconv"
	"time"

	imednet "github.com/imednet/imednet-go"
)

// The columns of each resource are generated from the model's fields (columns_gen.go; see
// internal/gen/models). The generated code prints each field with these helpers, by its type,
// the same way in every resource.

func itoa(n int) string { return strconv.Itoa(n) }

func btoa(b bool) string { return strconv.FormatBool(b) }

// ts prints a timestamp in RFC 3339 UTC (a date-only value as 2006-01-02), "" when absent.
func ts(t imednet.Timestamp) string { return t.String() }

// appendTS appends ts(t) to b.
func appendTS(b []byte, t imednet.Timestamp) []byte {
	switch {
	case t.Valid() && t.DateOnly:
		return t.Time.AppendFormat(b, time.DateOnly)
	case t.Valid():
		return t.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	}
	return append(b, t.Raw...)
}

// compact prints a nested value (a list, the record data) as compact JSON; "" when empty.
func compact[V any](v V) string {
	switch x := any(v).(type) {
	case imednet.RecordData:
		return recordDataText(x) // the records list's widest column, without reflection
	case []imednet.Keyword:
		if len(x) == 0 {
			return "" // most records have none: no encoding/json for them
		}
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" || string(b) == "[]" || string(b) == "{}" {
		return ""
	}
	return string(b)
}

// intervalFormKeys prints an interval's forms as the JSON list of their keys.
func intervalFormKeys(s *imednet.Interval) string {
	keys := make([]string, len(s.Forms))
	for i, f := range s.Forms {
		keys[i] = f.FormKey
	}
	return compact(keys)
}

// Studies lists the studies the keys may see.
var Studies = &Spec[imednet.Study]{
	Name: "studies", One: "study", ExampleID: "DEMO",
	What:   "the studies the keys may see",
	IDName: "studyKey", FilterExample: "studyType==STUDY", SortExample: "studyKey,desc",
	Columns: studyColumns,
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
	Columns: siteColumns,
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
	Columns: subjectColumns,
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
	Columns: formColumns,
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
	Columns: intervalColumns,
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
	Columns: visitColumns,
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
	Columns: variableColumns,
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
	Columns:          recordColumns,
	AppendJSON:       appendRecordJSON,
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
	Columns: recordRevisionColumns,
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
	Columns: queryColumns,
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
	Columns: userColumns,
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
	Columns: codingColumns,
	List: func(ctx context.Context, c *imednet.Client, study string, q *ListParams) iter.Seq2[imednet.Coding, error] {
		return c.Codings.All(ctx, study, &q.ListOptions)
	},
	Get: func(ctx context.Context, c *imednet.Client, study, id string) (*imednet.Coding, error) {
		return c.Codings.Get(ctx, study, id)
	},
}
