package main

// models is the description of the models of package imednet that the generator reads (see
// description.go for its types). The reference tables are prepared in this order.
//
// The explicit orders (CLI.Order, Table.Columns) keep the columns where users have them; a
// model without one shows its fields in the struct's order, which is also the order of its
// JSON encoding.
var models = []Model{
	{
		Type: "Study",
		CLI: &CLI{
			Shown: []string{"studyKey", "studyId", "studyName", "studyType", "dateModified"},
			Order: []string{"studyKey", "studyId", "studyName", "studyType", "sponsorKey", "studyDescription", "dateCreated", "dateModified"},
		},
		// The one table that keeps studyKey: the others hold a single study's items.
		Tables: []Table{{
			Name: "studies", Key: []string{"studyKey"},
			Columns: []string{"studyKey", "studyId", "studyName", "studyDescription", "studyType", "sponsorKey", "dateCreated", "dateModified"},
		}},
	},
	{
		Type: "Site",
		CLI:  &CLI{Shown: []string{"siteId", "siteName", "siteEnrollmentStatus", "dateModified"}},
		Tables: []Table{{
			Name: "sites", Key: []string{"siteId"}, Omit: []string{"studyKey"},
		}},
	},
	{
		Type: "Subject", InPlace: true,
		CLI: &CLI{
			Shown: []string{"subjectId", "subjectKey", "subjectStatus", "siteName", "deleted", "dateModified"},
			Order: []string{"studyKey", "subjectId", "subjectKey", "subjectOid", "subjectStatus", "siteId", "siteName", "deleted",
				"enrollmentStartDate", "dateCreated", "dateModified", "keywords"},
		},
		Tables: []Table{
			{
				Name: "subjects", Key: []string{"subjectId"}, Omit: []string{"studyKey"},
				Columns: []string{"subjectId", "subjectKey", "subjectOid", "subjectStatus", "siteId", "siteName", "deleted",
					"enrollmentStartDate", "dateCreated", "dateModified"},
			},
			{
				Name: "subject_keywords", Key: []string{"subjectId", "keywordId"}, List: "keywords", Parent: []string{"subjectId"},
				Columns: []string{"keywordId", "keywordKey", "keywordName", "dateAdded"},
			},
		},
	},
	{Type: "Keyword"},
	{
		Type: "Interval",
		CLI: &CLI{
			Shown: []string{"intervalId", "intervalName", "intervalSequence", "timeline", "forms", "disabled"},
			Text:  map[string]string{"forms": "intervalFormKeys"},
		},
		Tables: []Table{
			{Name: "intervals", Key: []string{"intervalId"}, Omit: []string{"studyKey"}},
			{Name: "interval_forms", Key: []string{"intervalId", "formId"}, List: "forms", Parent: []string{"intervalId"}},
		},
	},
	{Type: "IntervalForm"},
	{
		Type: "Form",
		CLI:  &CLI{Shown: []string{"formId", "formKey", "formName", "formType", "disabled", "dateModified"}},
		Tables: []Table{{
			Name: "forms", Key: []string{"formId"}, Omit: []string{"studyKey"},
		}},
	},
	{
		Type: "Variable",
		CLI: &CLI{
			Shown: []string{"variableId", "formKey", "variableName", "variableType", "label", "disabled"},
			Order: []string{"studyKey", "variableId", "formId", "formKey", "formName", "variableName", "variableType", "label",
				"sequence", "revision", "variableOid", "blinded", "disabled", "deleted", "dateCreated", "dateModified"},
		},
		Tables: []Table{{
			Name: "variables", Key: []string{"variableId"}, Omit: []string{"studyKey"},
			Columns: []string{"variableId", "variableName", "variableType", "label", "formId", "formKey", "formName", "sequence",
				"revision", "variableOid", "disabled", "deleted", "blinded", "dateCreated", "dateModified"},
		}},
	},
	{
		Type: "Visit", InPlace: true,
		CLI: &CLI{Shown: []string{"visitId", "intervalName", "subjectKey", "visitDate", "deleted", "dateModified"}},
		Tables: []Table{{
			Name: "visits", Key: []string{"visitId"}, Omit: []string{"studyKey"},
			Dates: []string{"startDate", "endDate", "dueDate", "visitDate"},
		}},
	},
	{
		Type: "Query", InPlace: true,
		CLI: &CLI{
			Shown: []string{"annotationId", "annotationType", "description", "subjectKey", "recordId", "variable", "dateModified"},
			Order: []string{"studyKey", "annotationId", "annotationType", "type", "description", "subjectId", "subjectOid",
				"subjectKey", "recordId", "variable", "dateCreated", "dateModified", "queryComments"},
		},
		Tables: []Table{
			{
				Name: "queries", Key: []string{"annotationId"}, Omit: []string{"studyKey"},
				Columns: []string{"annotationId", "annotationType", "type", "description", "recordId", "variable", "subjectId",
					"subjectOid", "subjectKey", "dateCreated", "dateModified"},
			},
			// Keyed by the comment's position in the query's list (1 for the first), which
			// exists even when the API leaves sequence out.
			{
				Name: "query_comments", Key: []string{"annotationId", "position"}, List: "queryComments",
				Parent: []string{"annotationId"}, Position: "position",
			},
		},
	},
	{Type: "QueryComment"},
	{
		Type: "RecordRevision", InPlace: true,
		CLI: &CLI{Shown: []string{"recordRevisionId", "recordId", "dataRevision", "recordStatus", "subjectKey", "formKey", "user",
			"dateCreated"}},
		Tables: []Table{{
			Name: "record_revisions", Key: []string{"recordRevisionId"}, Omit: []string{"studyKey"},
		}},
	},
	{
		Type: "Coding", InPlace: true,
		Decode: map[string]string{"codingId": "decodeCodingID"},
		CLI: &CLI{
			Shown: []string{"codingId", "subjectKey", "formKey", "variable", "value", "code", "dictionaryName"},
			Order: []string{"studyKey", "codingId", "siteId", "siteName", "subjectId", "subjectKey", "formId", "formName", "formKey",
				"revision", "recordId", "variable", "value", "code", "codedBy", "reason", "dictionaryName", "dictionaryVersion",
				"dateCoded"},
		},
		Tables: []Table{{
			Name: "codings", Key: []string{"codingId"}, Omit: []string{"studyKey"},
			Columns: []string{"codingId", "recordId", "formId", "formKey", "formName", "siteId", "siteName", "subjectId",
				"subjectKey", "variable", "value", "code", "codedBy", "reason", "dictionaryName", "dictionaryVersion", "revision",
				"dateCoded"},
		}},
	},
	{
		Type: "User",
		CLI:  &CLI{Shown: []string{"userId", "login", "firstName", "lastName", "userActiveInStudy"}},
		Tables: []Table{
			{Name: "users", Key: []string{"userId"}},
			{
				Name: "user_roles", Key: []string{"userId", "roleId"}, List: "roles", Parent: []string{"userId"},
				Columns: []string{"roleId", "name", "description", "communityId", "level", "type", "inactive", "dateCreated",
					"dateModified"},
			},
		},
	},
	{Type: "Role"},
	{
		// Records go to the per-form tables (package export's flatten), not to a reference table.
		Type: "Record", InPlace: true,
		Decode: map[string]string{"recordData": "decodeRecordData"},
		ReadAt: map[string]string{"recordData": "readRecordDataAt"},
		After:  "ensureRecordData",
		CLI: &CLI{
			Shown: []string{"recordId", "formKey", "intervalId", "subjectKey", "recordStatus", "deleted", "dateModified"},
			Order: []string{"studyKey", "recordId", "recordOid", "formId", "formKey", "intervalId", "siteId", "subjectId",
				"subjectOid", "subjectKey", "visitId", "parentRecordId", "recordType", "recordStatus", "deleted", "dateCreated",
				"dateModified", "keywords", "recordData"},
		},
	},
	{Type: "Job", After: "setStatus"},
}
