package imednettest

import (
	"path"
	"strconv"
	"strings"
)

// The list endpoints, one declaration each: the path, the fields in the order the API
// prints them, the default sort, and what sets the endpoint apart from the others.

// sortKey is one key of a sort.
type sortKey struct {
	f    *field
	desc bool
}

// endpointSpec declares a list endpoint.
type endpointSpec struct {
	pattern string                // e.g. "/studies/{studyKey}/records"; its last segment names the endpoint
	count   func(c *fieldCtx) int // the number of items
	fields  []*field              // in the order the API prints them
	sortBy  string                // the field sorted by when a request asks for no sort
	idField string                // the field that identifies an item: the tie-breaker of every sort
	// virtual are attributes accepted in filters without being printed (studyKey on users).
	virtual []*field

	// What sets an endpoint apart from most (which leave these zero):

	// lenientFilter: a filter that does not parse or names unknown attributes is ignored.
	lenientFilter bool
	// unsortedIDs: the items are not stored in ascending order of their id, so the stored
	// order never stands for a sort.
	unsortedIDs bool
	// inactive, when set, tells the items a listing leaves out unless the request sets
	// includeInactive=true; the parameter is accepted only where it is set.
	inactive func(c *fieldCtx, i int) bool
	// recordDataFilter: the endpoint accepts a recordDataFilter, a filter on the variables of
	// each item's recordData.
	recordDataFilter bool
	// candidates, when set, narrows a filter down with an index: it returns, ascending, a
	// superset of the items m can match, or ok false when it cannot tell.
	candidates func(st *Study, m *matcher) (idx []int32, ok bool)
	// submissions: a POST to the endpoint submits records, creating a job.
	submissions bool
}

// endpoint is a list endpoint as the server uses it: its spec, with its fields found by
// name.
type endpoint struct {
	endpointSpec
	name          string // the last path segment ("studies", "records", ...)
	byName        map[string]*field
	virtualByName map[string]*field
	defSort       []sortKey
	id            *field
}

// newEndpoint makes the endpoint s declares. A spec naming a field it does not have is a
// mistake in this package, and panics.
func newEndpoint(s endpointSpec) *endpoint {
	e := &endpoint{
		endpointSpec:  s,
		name:          path.Base(s.pattern),
		byName:        indexFields(s.fields),
		virtualByName: indexFields(s.virtual),
	}
	for _, name := range []string{s.sortBy, s.idField} {
		if e.byName[name] == nil {
			panic("imednettest: endpoint " + s.pattern + " has no field " + strconv.Quote(name))
		}
	}
	e.defSort = []sortKey{{f: e.byName[s.sortBy]}}
	e.id = e.byName[s.idField]
	return e
}

// indexFields readies fields for printing and maps them by name.
func indexFields(fields []*field) map[string]*field {
	m := make(map[string]*field, len(fields))
	for _, f := range fields {
		initKeys(f)
		m[f.name] = f
	}
	return m
}

// allEndpoints lists every list endpoint the server serves.
var allEndpoints = []*endpoint{studiesEP, sitesEP, formsEP, intervalsEP, visitsEP, subjectsEP, usersEP,
	variablesEP, codingsEP, queriesEP, revisionsEP, recordsEP}

// endpoints are the study-scoped list endpoints (all but /studies) by path segment.
var endpoints = studyScoped(allEndpoints)

// studyScoped maps the endpoints under a study by name.
func studyScoped(eps []*endpoint) map[string]*endpoint {
	m := map[string]*endpoint{}
	for _, ep := range eps {
		if strings.HasPrefix(ep.pattern, studyScopedPrefix) {
			m[ep.name] = ep
		}
	}
	return m
}

// studyScopedPrefix starts the pattern of every endpoint under a study.
const studyScopedPrefix = "/studies/{studyKey}/"

// studyKeyField is the studyKey every item under a study prints: one value, so one group.
func studyKeyField() *field {
	return grouped(scalar("studyKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.cfg.Key) }),
		func(*fieldCtx) int { return 1 }, func(*fieldCtx, int) int { return 0 })
}

// The groups of grouped fields: the forms and sites of records and of revisions.
func nForms(c *fieldCtx) int         { return len(c.st.forms) }
func nSites(c *fieldCtx) int         { return len(c.st.sites) }
func recForm(c *fieldCtx, i int) int { return int(c.st.records[i].form) }
func recSite(c *fieldCtx, i int) int { return c.st.recordSite(&c.st.records[i]) }
func revForm(c *fieldCtx, i int) int { return int(c.st.records[c.st.revisions[i].rec].form) }
func revSite(c *fieldCtx, i int) int { return c.st.recordSite(&c.st.records[c.st.revisions[i].rec]) }

var studiesEP = newEndpoint(endpointSpec{
	pattern: "/studies",
	count:   func(c *fieldCtx) int { return len(c.srv.studies) },
	sortBy:  "studyKey",
	idField: "studyId",
	fields: []*field{
		scalar("sponsorKey", kStr, func(c *fieldCtx, i, j int) value { return vStr("100") }),
		scalar("studyKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.srv.studies[i].cfg.Key) }),
		scalar("studyId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.srv.studies[i].id) }),
		scalar("studyName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.srv.studies[i].cfg.Name) }),
		scalar("studyDescription", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.srv.studies[i].cfg.Description) }),
		scalar("studyType", kStr, func(c *fieldCtx, i, j int) value { return vStr("STUDY") }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.srv.studies[i].created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.srv.studies[i].modified) }),
	},
})

var sitesEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/sites",
	count:   func(c *fieldCtx) int { return len(c.st.sites) },
	sortBy:  "siteId",
	idField: "siteId",
	fields: []*field{
		studyKeyField(),
		scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[i].id) }),
		scalar("siteName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.sites[i].name) }),
		scalar("siteEnrollmentStatus", kStr, func(c *fieldCtx, i, j int) value {
			if c.st.sites[i].open {
				return vStr("Enrollment Open")
			}
			return vStr("Enrollment Closed")
		}),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.sites[i].created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.sites[i].modified) }),
	},
})

// formFlag is a boolean field of a form.
func formFlag(name string, get func(f *form) bool) *field {
	return scalar(name, kBool, func(c *fieldCtx, i, j int) value { return vBool(get(&c.st.forms[i])) })
}

var formsEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/forms",
	count:   func(c *fieldCtx) int { return len(c.st.forms) },
	sortBy:  "formId",
	idField: "formId",
	fields: []*field{
		studyKeyField(),
		scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.forms[i].id) }),
		scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[i].key()) }),
		scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[i].name()) }),
		scalar("formType", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[i].typ) }),
		scalar("revision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(c.st.forms[i].revision)) }),
		formFlag("embeddedLog", func(f *form) bool { return f.spec.flags.embeddedLog }),
		formFlag("enforceOwnership", func(f *form) bool { return f.spec.flags.enforceOwnership }),
		formFlag("userAgreement", func(f *form) bool { return f.spec.flags.userAgreement }),
		formFlag("subjectRecordReport", func(f *form) bool { return f.spec.flags.subjectRecordReport }),
		formFlag("unscheduledVisit", func(f *form) bool { return f.spec.flags.unscheduledVisit }),
		formFlag("otherForms", func(f *form) bool { return f.spec.flags.otherForms }),
		formFlag("eproForm", func(f *form) bool { return f.spec.flags.eproForm }),
		formFlag("allowCopy", func(f *form) bool { return f.spec.flags.allowCopy }),
		formFlag("disabled", func(f *form) bool { return f.disabled }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.forms[i].created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.forms[i].modified) }),
	},
})

func intervalAt(c *fieldCtx, i int) *interval  { return &c.st.intervals[i] }
func intervalForm(c *fieldCtx, i, j int) *form { return &c.st.forms[c.st.intervals[i].forms[j]] }

var intervalsEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/intervals",
	count:   func(c *fieldCtx) int { return len(c.st.intervals) },
	sortBy:  "intervalId",
	idField: "intervalId",
	fields: []*field{
		studyKeyField(),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return vInt(intervalAt(c, i).id) }),
		scalar("intervalName", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).name) }),
		scalar("intervalDescription", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).desc) }),
		scalar("intervalSequence", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(intervalAt(c, i).seq)) }),
		scalar("intervalGroupId", kInt, func(c *fieldCtx, i, j int) value { return vInt(intervalAt(c, i).groupID) }),
		scalar("intervalGroupName", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).groupName) }),
		scalar("timeline", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).timeline) }),
		scalar("definedUsingInterval", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).definedUsing) }),
		scalar("windowCalculationForm", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).winForm) }),
		scalar("windowCalculationDate", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).winVar) }),
		scalar("actualDateForm", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).actualForm) }),
		scalar("actualDate", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalAt(c, i).actualVar) }),
		scalar("dueDateWillBeIn", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(intervalAt(c, i).due)) }),
		scalar("negativeSlack", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(intervalAt(c, i).negSlack)) }),
		scalar("positiveSlack", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(intervalAt(c, i).posSlack)) }),
		scalar("eproGracePeriod", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(intervalAt(c, i).epro)) }),
		list("forms", func(c *fieldCtx, i int) int { return len(intervalAt(c, i).forms) },
			scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(intervalForm(c, i, j).id) }),
			scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalForm(c, i, j).key()) }),
			scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(intervalForm(c, i, j).name()) }),
		),
		scalar("disabled", kBool, func(c *fieldCtx, i, j int) value { return vBool(intervalAt(c, i).disabled) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(intervalAt(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(intervalAt(c, i).modified) }),
	},
})

func visitAt(c *fieldCtx, i int) *visit          { return &c.st.visits[i] }
func visitInterval(c *fieldCtx, i int) *interval { return &c.st.intervals[c.st.visits[i].interval] }

var visitsEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/visits",
	count:   func(c *fieldCtx) int { return len(c.st.visits) },
	sortBy:  "visitId",
	idField: "visitId",
	fields: []*field{
		studyKeyField(),
		scalar("visitId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.visitID(int32(i))) }),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return vInt(visitInterval(c, i).id) }),
		scalar("intervalName", kStr, func(c *fieldCtx, i, j int) value { return vStr(visitInterval(c, i).name) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.subjectID(visitAt(c, i).subj)) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.subjects[visitAt(c, i).subj].key) }),
		scalar("startDate", kDate, func(c *fieldCtx, i, j int) value {
			v := visitAt(c, i)
			if v.dueDay < 0 {
				return vStr(dayString(int64(v.visitDay)))
			}
			return vStr(dayString(int64(v.dueDay) - int64(visitInterval(c, i).negSlack)))
		}),
		scalar("endDate", kDate, func(c *fieldCtx, i, j int) value {
			v := visitAt(c, i)
			if v.dueDay < 0 {
				return vStr(dayString(int64(v.visitDay) + 28))
			}
			return vStr(dayString(int64(v.dueDay) + int64(visitInterval(c, i).posSlack)))
		}),
		scalar("dueDate", kDate, func(c *fieldCtx, i, j int) value {
			if d := visitAt(c, i).dueDay; d >= 0 {
				return vStr(dayString(int64(d)))
			}
			return vNull
		}),
		scalar("visitDate", kDate, func(c *fieldCtx, i, j int) value { return vStr(dayString(int64(visitAt(c, i).visitDay))) }),
		scalar("visitDateForm", kStr, func(c *fieldCtx, i, j int) value { return vStr(visitInterval(c, i).actualForm) }),
		scalar("visitDateQuestion", kStr, func(c *fieldCtx, i, j int) value { return vStr(visitInterval(c, i).actualVar) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(visitAt(c, i).deleted) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(visitAt(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(visitAt(c, i).modified) }),
	},
})

func subjectAt(c *fieldCtx, i int) *subject { return &c.st.subjects[i] }

var subjectsEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/subjects",
	count:   func(c *fieldCtx) int { return len(c.st.subjects) },
	sortBy:  "subjectId",
	idField: "subjectId",
	fields: []*field{
		studyKeyField(),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.subjectID(int32(i))) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return vStr(subjectAt(c, i).oid) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(subjectAt(c, i).key) }),
		scalar("subjectStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(subjectStatuses[subjectAt(c, i).status]) }),
		scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[subjectAt(c, i).site].id) }),
		scalar("siteName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.sites[subjectAt(c, i).site].name) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(subjectAt(c, i).deleted) }),
		scalar("enrollmentStartDate", kTime, func(c *fieldCtx, i, j int) value { return vTime(subjectAt(c, i).enrolled) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(subjectAt(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(subjectAt(c, i).modified) }),
		keywordList(func(c *fieldCtx, i int) (uint8, int64) { return subjectAt(c, i).kw, subjectAt(c, i).created + 3600 }),
	},
})

func userAt(c *fieldCtx, i int) *user    { return &c.st.users[i] }
func roleAt(c *fieldCtx, i, j int) *role { return &c.st.users[i].roles[j] }

var usersEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/users",
	count:   func(c *fieldCtx) int { return len(c.st.users) },
	sortBy:  "login",
	idField: "userId",
	// The API ignores a users filter it cannot read, and accepts studyKey in filters though
	// it prints none.
	lenientFilter: true,
	virtual:       []*field{studyKeyField()},
	unsortedIDs:   true, // user ids are random strings
	inactive:      func(c *fieldCtx, i int) bool { return !c.st.users[i].active },
	fields: []*field{
		scalar("userId", kStr, func(c *fieldCtx, i, j int) value { return vStr(userAt(c, i).id) }),
		scalar("login", kStr, func(c *fieldCtx, i, j int) value { return vStr(userAt(c, i).login) }),
		scalar("firstName", kStr, func(c *fieldCtx, i, j int) value { return vStr(userAt(c, i).first) }),
		scalar("lastName", kStr, func(c *fieldCtx, i, j int) value { return vStr(userAt(c, i).last) }),
		scalar("email", kStr, func(c *fieldCtx, i, j int) value { return vStr(userAt(c, i).email) }),
		scalar("userActiveInStudy", kBool, func(c *fieldCtx, i, j int) value { return vBool(userAt(c, i).active) }),
		list("roles", func(c *fieldCtx, i int) int { return len(userAt(c, i).roles) },
			scalar("dateCreated", kTime7, func(c *fieldCtx, i, j int) value { return vInt(roleAt(c, i, j).created) }),
			scalar("dateModified", kTime7, func(c *fieldCtx, i, j int) value { return vInt(roleAt(c, i, j).modified) }),
			scalar("roleId", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleAt(c, i, j).id) }),
			scalar("communityId", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(roleDefs[roleAt(c, i, j).def].community)) }),
			scalar("name", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleDefs[roleAt(c, i, j).def].name) }),
			scalar("description", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleDefs[roleAt(c, i, j).def].desc) }),
			scalar("level", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(roleDefs[roleAt(c, i, j).def].level)) }),
			scalar("type", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleDefs[roleAt(c, i, j).def].typ) }),
			scalar("inactive", kBool, func(c *fieldCtx, i, j int) value { return vBool(roleAt(c, i, j).inactive) }),
		),
	},
})

func variableAt(c *fieldCtx, i int) *variable { return &c.st.vars[i] }
func variableForm(c *fieldCtx, i int) *form   { return &c.st.forms[c.st.vars[i].form] }

var variablesEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/variables",
	count:   func(c *fieldCtx) int { return len(c.st.vars) },
	sortBy:  "formId",
	idField: "variableId",
	fields: []*field{
		studyKeyField(),
		scalar("variableId", kInt, func(c *fieldCtx, i, j int) value { return vInt(variableAt(c, i).id) }),
		scalar("variableType", kStr, func(c *fieldCtx, i, j int) value { return vStr(variableAt(c, i).spec.typ.String()) }),
		scalar("variableName", kStr, func(c *fieldCtx, i, j int) value { return vStr(variableAt(c, i).spec.name) }),
		scalar("sequence", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(variableAt(c, i).local + 1)) }),
		scalar("revision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(variableAt(c, i).revision)) }),
		scalar("disabled", kBool, func(c *fieldCtx, i, j int) value { return vBool(variableAt(c, i).disabled) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(variableAt(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(variableAt(c, i).modified) }),
		scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(variableForm(c, i).id) }),
		scalar("variableOid", kStr, func(c *fieldCtx, i, j int) value { return vStr(variableAt(c, i).oid) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(false) }),
		scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(variableForm(c, i).key()) }),
		scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(variableForm(c, i).name()) }),
		scalar("label", kStr, func(c *fieldCtx, i, j int) value { return vStr(variableAt(c, i).spec.label) }),
		scalar("blinded", kBool, func(c *fieldCtx, i, j int) value { return vBool(variableAt(c, i).spec.blinded) }),
	},
})

func codingAt(c *fieldCtx, i int) *coding     { return &c.st.codings[i] }
func codingRecord(c *fieldCtx, i int) *record { return &c.st.records[c.st.codings[i].rec] }
func codingForm(c *fieldCtx, i int) *form     { return &c.st.forms[codingRecord(c, i).form] }

var codingsEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/codings",
	count:   func(c *fieldCtx) int { return len(c.st.codings) },
	sortBy:  "formId",
	idField: "codingId",
	fields: []*field{
		studyKeyField(),
		scalar("siteName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.sites[c.st.recordSite(codingRecord(c, i))].name) }),
		scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[c.st.recordSite(codingRecord(c, i))].id) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(codingRecord(c, i).owner) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(codingRecord(c, i).owner) }),
		scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(codingForm(c, i).id) }),
		scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(codingForm(c, i).name()) }),
		scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(codingForm(c, i).key()) }),
		scalar("revision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(codingAt(c, i).revision)) }),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.recordID(codingAt(c, i).rec)) }),
		scalar("variable", kStr, func(c *fieldCtx, i, j int) value { return vStr(codingForm(c, i).spec.coded) }),
		scalar("value", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.codedValue(c, i)) }),
		scalar("codingId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.codingID(i)) }),
		scalar("code", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.codedTerm(c, i)) }),
		scalar("codedBy", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.userFullName(codingAt(c, i).user)) }),
		scalar("reason", kStr, func(c *fieldCtx, i, j int) value { return vStr(codingReasons[codingAt(c, i).reason]) }),
		scalar("dictionaryName", kStr, func(c *fieldCtx, i, j int) value { return vStr(dictNames[codingForm(c, i).spec.dict]) }),
		scalar("dictionaryVersion", kStr, func(c *fieldCtx, i, j int) value { return vStr(dictVersions[codingForm(c, i).spec.dict]) }),
		scalar("dateCoded", kTime, func(c *fieldCtx, i, j int) value { return vTime(codingAt(c, i).coded) }),
	},
})

func queryAt(c *fieldCtx, i int) *query { return &c.st.queries[i] }

var queriesEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/queries",
	count:   func(c *fieldCtx) int { return len(c.st.queries) },
	sortBy:  "annotationId",
	idField: "annotationId",
	fields: []*field{
		studyKeyField(),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(queryAt(c, i).subj) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerOID(queryAt(c, i).subj) }),
		scalar("annotationType", kStr, func(c *fieldCtx, i, j int) value { return vStr(queryTypes[queryAt(c, i).kind]) }),
		scalar("annotationId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.queryID(i)) }),
		scalar("type", kStr, func(c *fieldCtx, i, j int) value { return vNull }),
		scalar("description", kStr, func(c *fieldCtx, i, j int) value { return vStr(queryDescs[queryAt(c, i).desc]) }),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value {
			if r := queryAt(c, i).rec; r >= 0 {
				return vInt(c.st.recordID(r))
			}
			return vInt(0)
		}),
		scalar("variable", kStr, func(c *fieldCtx, i, j int) value {
			if v := queryAt(c, i).v; v >= 0 {
				return vStr(c.st.vars[v].spec.name)
			}
			return vStr("")
		}),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(queryAt(c, i).subj) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(queryAt(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(queryAt(c, i).modified) }),
		list("queryComments", func(c *fieldCtx, i int) int { return int(queryAt(c, i).ncom) },
			scalar("sequence", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(j + 1)) }),
			scalar("annotationStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.commentStatus(i, j)) }),
			scalar("user", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.commentUser(i, j)) }),
			scalar("comment", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.commentText(i, j)) }),
			scalar("closed", kBool, func(c *fieldCtx, i, j int) value {
				return vBool(queryAt(c, i).closed && j == int(queryAt(c, i).ncom)-1)
			}),
			scalar("date", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.commentDate(i, j)) }),
		),
	},
})

func revisionAt(c *fieldCtx, i int) *revision   { return &c.st.revisions[i] }
func revisionRecord(c *fieldCtx, i int) *record { return &c.st.records[c.st.revisions[i].rec] }

var revisionsEP = newEndpoint(endpointSpec{
	pattern: "/studies/{studyKey}/recordRevisions",
	count:   func(c *fieldCtx) int { return len(c.st.revisions) },
	sortBy:  "recordRevisionId",
	idField: "recordRevisionId",
	fields: []*field{
		studyKeyField(),
		scalar("recordRevisionId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.revisionID(i)) }),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.recordID(revisionAt(c, i).rec)) }),
		scalar("recordOid", kOID, func(c *fieldCtx, i, j int) value { return c.st.recordOIDValue(revisionAt(c, i).rec) }),
		scalar("recordRevision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(revisionAt(c, i).num)) }),
		scalar("dataRevision", kInt, func(c *fieldCtx, i, j int) value {
			r := revisionAt(c, i)
			if r.flags&revDeleted != 0 {
				return vInt(int64(r.num) - 1)
			}
			return vInt(int64(r.num))
		}),
		scalar("recordStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(statusText(revisionAt(c, i).flags&revComplete != 0)) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(revisionRecord(c, i).owner) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerOID(revisionRecord(c, i).owner) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(revisionRecord(c, i).owner) }),
		grouped(scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[c.st.recordSite(revisionRecord(c, i))].id) }), nSites, revSite),
		grouped(scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[revisionRecord(c, i).form].key()) }), nForms, revForm),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return c.st.recIntervalID(revisionRecord(c, i)) }),
		scalar("role", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.userRole(revisionAt(c, i).user)) }),
		scalar("user", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.userLogin(revisionAt(c, i).user)) }),
		scalar("reasonForChange", kStr, func(c *fieldCtx, i, j int) value { return vStr(revisionReasons[revisionAt(c, i).reason]) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(revisionAt(c, i).flags&revDeleted != 0) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(revisionAt(c, i).created) }),
	},
})

func recordAt(c *fieldCtx, i int) *record { return &c.st.records[i] }

var recordsEP = newEndpoint(endpointSpec{
	pattern:          "/studies/{studyKey}/records",
	count:            func(c *fieldCtx) int { return len(c.st.records) },
	sortBy:           "recordId",
	idField:          "recordId",
	recordDataFilter: true,
	candidates:       (*Study).recordCandidates,
	submissions:      true,
	fields: []*field{
		studyKeyField(),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return c.st.recIntervalID(recordAt(c, i)) }),
		grouped(scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.forms[recordAt(c, i).form].id) }), nForms, recForm),
		grouped(scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[recordAt(c, i).form].key()) }), nForms, recForm),
		grouped(scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[c.st.recordSite(recordAt(c, i))].id) }), nSites, recSite),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.recordID(int32(i))) }),
		scalar("recordOid", kOID, func(c *fieldCtx, i, j int) value { return c.st.recordOIDValue(int32(i)) }),
		grouped(scalar("recordType", kStr, func(c *fieldCtx, i, j int) value {
			if recordAt(c, i).owner < 0 {
				return vStr("SITE")
			}
			return vStr("SUBJECT")
		}), func(*fieldCtx) int { return 2 }, func(c *fieldCtx, i int) int {
			if recordAt(c, i).owner < 0 {
				return 1
			}
			return 0
		}),
		scalar("recordStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(statusText(recordAt(c, i).complete())) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(recordAt(c, i).deleted()) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(recordAt(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(recordAt(c, i).modified) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(recordAt(c, i).owner) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerOID(recordAt(c, i).owner) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(recordAt(c, i).owner) }),
		scalar("visitId", kInt, func(c *fieldCtx, i, j int) value {
			if v := recordAt(c, i).visit; v >= 0 {
				return vInt(c.st.visitID(v))
			}
			return vInt(0)
		}),
		scalar("parentRecordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(0) }),
		keywordList(func(c *fieldCtx, i int) (uint8, int64) {
			r := recordAt(c, i)
			if r.flags&recKeyword != 0 {
				return 1, r.modified
			}
			return 0, 0
		}),
		rawField("recordData", func(b []byte, c *fieldCtx, i int) []byte { return c.st.appendRecordData(b, c, int32(i)) }),
	},
})

// keywordList is the keywords field of subjects and records: a bitmask of keywords and the
// date they were added.
func keywordList(get func(c *fieldCtx, i int) (uint8, int64)) *field {
	nth := func(mask uint8, j int) int {
		for k := range keywords {
			if mask&(1<<k) != 0 {
				if j == 0 {
					return k
				}
				j--
			}
		}
		return 0
	}
	return list("keywords", func(c *fieldCtx, i int) int {
		m, _ := get(c, i)
		n := 0
		for ; m != 0; m &= m - 1 {
			n++
		}
		return n
	},
		scalar("keywordName", kStr, func(c *fieldCtx, i, j int) value { m, _ := get(c, i); return vStr(keywords[nth(m, j)].name) }),
		scalar("keywordKey", kStr, func(c *fieldCtx, i, j int) value { m, _ := get(c, i); return vStr(keywords[nth(m, j)].key) }),
		scalar("keywordId", kInt, func(c *fieldCtx, i, j int) value { m, _ := get(c, i); return vInt(firstKeywordID + int64(nth(m, j))) }),
		scalar("dateAdded", kTime, func(c *fieldCtx, i, j int) value { _, t := get(c, i); return vTime(t + int64(j)*60) }),
	)
}

func statusText(complete bool) string {
	if complete {
		return "Record Complete"
	}
	return "Record Incomplete"
}

// Owner fields: a site record (owner < 0) has subjectId 0 and empty subject key and OID.
func (st *Study) ownerID(owner int32) value {
	if owner < 0 {
		return vInt(0)
	}
	return vInt(st.subjectID(owner))
}

func (st *Study) ownerKey(owner int32) value {
	if owner < 0 {
		return vStr("")
	}
	return vStr(st.subjects[owner].key)
}

func (st *Study) ownerOID(owner int32) value {
	if owner < 0 {
		return vStr("")
	}
	return vStr(st.subjects[owner].oid)
}

func (st *Study) recIntervalID(r *record) value {
	if r.interval < 0 {
		return vInt(0)
	}
	return vInt(st.intervals[r.interval].id)
}
