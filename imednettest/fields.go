package imednettest

import (
	"github.com/imednet/imednet-go/internal/wire"

	"strconv"
)

// Every list endpoint is described by its fields, in the order the API prints them. The same
// description encodes items, evaluates filters and sorts, so a filter always sees an attribute
// exactly as the API prints it.

// kind is how a field is printed.
type kind uint8

const (
	kInt   kind = iota // integer
	kStr               // string (null when value.null)
	kBool              // true/false
	kTime              // Unix seconds printed as "2006-01-02 15:04:05" (null when value.null)
	kDate              // "2006-01-02" in value.s (null when value.null)
	kOID               // a string made of the prefix value.s and the number value.n ("REC-12")
	kTime7             // Unix nanoseconds printed as [y,m,d,h,mi,s,ns]
	kList              // array of objects with the sub fields
	kRaw               // printed by a custom appender (recordData); not filterable or sortable
)

// value is a field's value for one item.
type value struct {
	n    int64
	s    string
	null bool
}

func vInt(n int64) value  { return value{n: n} }
func vStr(s string) value { return value{s: s} }
func vTime(t int64) value { return value{n: t} }
func vBool(b bool) value {
	if b {
		return value{n: 1}
	}
	return value{}
}

var vNull = value{null: true}

// fieldCtx is what a field accessor reads from.
type fieldCtx struct {
	srv *Server
	st  *Study
	buf []byte // scratch
}

type field struct {
	name string
	kind kind
	key  []byte // `"name":`
	// get returns the value for item i (and list element j, for the fields of a list).
	get func(c *fieldCtx, i, j int) value
	// For kList: the number of elements and their fields.
	n   func(c *fieldCtx, i int) int
	sub []*field
	// For kRaw.
	raw func(b []byte, c *fieldCtx, i int) []byte
	// group, when set, maps an item to one of ngroups groups whose items all print the same
	// value for this field (the form of a record, for formKey): a filter term on the field is
	// then evaluated once per group.
	group   func(c *fieldCtx, i int) int
	ngroups func(c *fieldCtx) int
}

// grouped sets a field's group function.
func grouped(f *field, ngroups func(c *fieldCtx) int, group func(c *fieldCtx, i int) int) *field {
	f.group, f.ngroups = group, ngroups
	return f
}

func scalar(name string, k kind, get func(c *fieldCtx, i, j int) value) *field {
	return &field{name: name, kind: k, get: get}
}

func list(name string, n func(c *fieldCtx, i int) int, sub ...*field) *field {
	return &field{name: name, kind: kList, n: n, sub: sub}
}

// sortKey is one key of a sort.
type sortKey struct {
	f    *field
	desc bool
}

// endpoint describes a list endpoint.
type endpoint struct {
	name    string // the last path segment ("studies", "records", ...)
	pattern string // e.g. "/studies/{studyKey}/records"
	fields  []*field
	byName  map[string]*field
	// virtual are attributes accepted in filters without being printed (studyKey on users).
	virtual map[string]*field
	defSort []sortKey
	id      *field // the tie-breaker of every sort
	count   func(c *fieldCtx) int
	// lenientFilter: a filter that does not parse or names unknown attributes is ignored.
	lenientFilter bool
}

func newEndpoint(name, pattern string, count func(c *fieldCtx) int, defSort, id string, fields ...*field) *endpoint {
	e := &endpoint{name: name, pattern: pattern, fields: fields, byName: map[string]*field{}, count: count}
	for _, f := range fields {
		initKeys(f)
		e.byName[f.name] = f
	}
	e.defSort = []sortKey{{f: e.byName[defSort]}}
	e.id = e.byName[id]
	return e
}

func initKeys(f *field) {
	f.key = wire.AppendString(nil, f.name)
	f.key = append(f.key, ':')
	for _, s := range f.sub {
		initKeys(s)
	}
}

// appendItem appends item i (element j of a list) as a JSON object of fields fs.
func appendItem(b []byte, c *fieldCtx, fs []*field, i, j int) []byte {
	b = append(b, '{')
	for k, f := range fs {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, f.key...)
		switch f.kind {
		case kList:
			n := f.n(c, i)
			b = append(b, '[')
			for x := range n {
				if x > 0 {
					b = append(b, ',')
				}
				b = appendItem(b, c, f.sub, i, x)
			}
			b = append(b, ']')
		case kRaw:
			b = f.raw(b, c, i)
		default:
			b = appendValue(b, f.kind, f.get(c, i, j))
		}
	}
	return append(b, '}')
}

func appendValue(b []byte, k kind, v value) []byte {
	if v.null {
		return append(b, "null"...)
	}
	switch k {
	case kInt:
		return appendInt(b, v.n)
	case kBool:
		return appendBool(b, v.n != 0)
	case kTime:
		b = append(b, '"')
		b = appendAPITime(b, v.n)
		return append(b, '"')
	case kTime7:
		return appendTime7(b, v.n)
	case kOID:
		b = append(b, '"')
		b = append(b, v.s...) // the prefix is plain ASCII
		b = appendInt(b, v.n)
		return append(b, '"')
	}
	return wire.AppendString(b, v.s)
}

// printed returns v as the API prints it, without JSON quoting, for filters; ok is false for
// null.
func printed(k kind, v value) (string, bool) {
	if v.null {
		return "", false
	}
	switch k {
	case kInt:
		return strconv.FormatInt(v.n, 10), true
	case kBool:
		if v.n != 0 {
			return "true", true
		}
		return "false", true
	case kTime:
		return apiTime(v.n), true
	case kTime7:
		return apiTime(floorDiv(v.n, 1e9)), true
	case kOID:
		return v.s + strconv.FormatInt(v.n, 10), true
	}
	return v.s, true
}

// ---- The endpoints ----

var (
	studiesEP, sitesEP, formsEP, intervalsEP, visitsEP, subjectsEP, usersEP *endpoint
	variablesEP, codingsEP, queriesEP, revisionsEP, recordsEP               *endpoint
	// endpoints lists the study-scoped list endpoints by path segment.
	endpoints map[string]*endpoint
)

func studyKeyField() *field {
	return grouped(scalar("studyKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.cfg.Key) }),
		func(*fieldCtx) int { return 1 }, func(*fieldCtx, int) int { return 0 })
}

func nForms(c *fieldCtx) int         { return len(c.st.forms) }
func nSites(c *fieldCtx) int         { return len(c.st.sites) }
func recForm(c *fieldCtx, i int) int { return int(c.st.records[i].form) }
func recSite(c *fieldCtx, i int) int { return c.st.recordSite(&c.st.records[i]) }
func revForm(c *fieldCtx, i int) int { return int(c.st.records[c.st.revisions[i].rec].form) }
func revSite(c *fieldCtx, i int) int { return c.st.recordSite(&c.st.records[c.st.revisions[i].rec]) }

func init() {
	studiesEP = newEndpoint("studies", "/studies", func(c *fieldCtx) int { return len(c.srv.studies) }, "studyKey", "studyId",
		scalar("sponsorKey", kStr, func(c *fieldCtx, i, j int) value { return vStr("100") }),
		scalar("studyKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.srv.studies[i].cfg.Key) }),
		scalar("studyId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.srv.studies[i].id) }),
		scalar("studyName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.srv.studies[i].cfg.Name) }),
		scalar("studyDescription", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.srv.studies[i].cfg.Description) }),
		scalar("studyType", kStr, func(c *fieldCtx, i, j int) value { return vStr("STUDY") }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.srv.studies[i].created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.srv.studies[i].modified) }),
	)

	sitesEP = newEndpoint("sites", "/studies/{studyKey}/sites", func(c *fieldCtx) int { return len(c.st.sites) }, "siteId", "siteId",
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
	)

	flag := func(name string, get func(f *form) bool) *field {
		return scalar(name, kBool, func(c *fieldCtx, i, j int) value { return vBool(get(&c.st.forms[i])) })
	}
	formsEP = newEndpoint("forms", "/studies/{studyKey}/forms", func(c *fieldCtx) int { return len(c.st.forms) }, "formId", "formId",
		studyKeyField(),
		scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.forms[i].id) }),
		scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[i].key()) }),
		scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[i].name()) }),
		scalar("formType", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[i].typ) }),
		scalar("revision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(c.st.forms[i].revision)) }),
		flag("embeddedLog", func(f *form) bool { return f.spec.flags.embeddedLog }),
		flag("enforceOwnership", func(f *form) bool { return f.spec.flags.enforceOwnership }),
		flag("userAgreement", func(f *form) bool { return f.spec.flags.userAgreement }),
		flag("subjectRecordReport", func(f *form) bool { return f.spec.flags.subjectRecordReport }),
		flag("unscheduledVisit", func(f *form) bool { return f.spec.flags.unscheduledVisit }),
		flag("otherForms", func(f *form) bool { return f.spec.flags.otherForms }),
		flag("eproForm", func(f *form) bool { return f.spec.flags.eproForm }),
		flag("allowCopy", func(f *form) bool { return f.spec.flags.allowCopy }),
		flag("disabled", func(f *form) bool { return f.disabled }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.forms[i].created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.forms[i].modified) }),
	)

	iv := func(c *fieldCtx, i int) *interval { return &c.st.intervals[i] }
	ivForm := func(c *fieldCtx, i, j int) *form { return &c.st.forms[c.st.intervals[i].forms[j]] }
	intervalsEP = newEndpoint("intervals", "/studies/{studyKey}/intervals", func(c *fieldCtx) int { return len(c.st.intervals) }, "intervalId", "intervalId",
		studyKeyField(),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return vInt(iv(c, i).id) }),
		scalar("intervalName", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).name) }),
		scalar("intervalDescription", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).desc) }),
		scalar("intervalSequence", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(iv(c, i).seq)) }),
		scalar("intervalGroupId", kInt, func(c *fieldCtx, i, j int) value { return vInt(iv(c, i).groupID) }),
		scalar("intervalGroupName", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).groupName) }),
		scalar("timeline", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).timeline) }),
		scalar("definedUsingInterval", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).definedUsing) }),
		scalar("windowCalculationForm", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).winForm) }),
		scalar("windowCalculationDate", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).winVar) }),
		scalar("actualDateForm", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).actualForm) }),
		scalar("actualDate", kStr, func(c *fieldCtx, i, j int) value { return vStr(iv(c, i).actualVar) }),
		scalar("dueDateWillBeIn", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(iv(c, i).due)) }),
		scalar("negativeSlack", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(iv(c, i).negSlack)) }),
		scalar("positiveSlack", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(iv(c, i).posSlack)) }),
		scalar("eproGracePeriod", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(iv(c, i).epro)) }),
		list("forms", func(c *fieldCtx, i int) int { return len(iv(c, i).forms) },
			scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(ivForm(c, i, j).id) }),
			scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(ivForm(c, i, j).key()) }),
			scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(ivForm(c, i, j).name()) }),
		),
		scalar("disabled", kBool, func(c *fieldCtx, i, j int) value { return vBool(iv(c, i).disabled) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(iv(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(iv(c, i).modified) }),
	)

	vis := func(c *fieldCtx, i int) *visit { return &c.st.visits[i] }
	visIv := func(c *fieldCtx, i int) *interval { return &c.st.intervals[c.st.visits[i].interval] }
	visitsEP = newEndpoint("visits", "/studies/{studyKey}/visits", func(c *fieldCtx) int { return len(c.st.visits) }, "visitId", "visitId",
		studyKeyField(),
		scalar("visitId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.visitID(int32(i))) }),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return vInt(visIv(c, i).id) }),
		scalar("intervalName", kStr, func(c *fieldCtx, i, j int) value { return vStr(visIv(c, i).name) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.subjectID(vis(c, i).subj)) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.subjects[vis(c, i).subj].key) }),
		scalar("startDate", kDate, func(c *fieldCtx, i, j int) value {
			v := vis(c, i)
			if v.dueDay < 0 {
				return vStr(dayString(int64(v.visitDay)))
			}
			return vStr(dayString(int64(v.dueDay) - int64(visIv(c, i).negSlack)))
		}),
		scalar("endDate", kDate, func(c *fieldCtx, i, j int) value {
			v := vis(c, i)
			if v.dueDay < 0 {
				return vStr(dayString(int64(v.visitDay) + 28))
			}
			return vStr(dayString(int64(v.dueDay) + int64(visIv(c, i).posSlack)))
		}),
		scalar("dueDate", kDate, func(c *fieldCtx, i, j int) value {
			if d := vis(c, i).dueDay; d >= 0 {
				return vStr(dayString(int64(d)))
			}
			return vNull
		}),
		scalar("visitDate", kDate, func(c *fieldCtx, i, j int) value { return vStr(dayString(int64(vis(c, i).visitDay))) }),
		scalar("visitDateForm", kStr, func(c *fieldCtx, i, j int) value { return vStr(visIv(c, i).actualForm) }),
		scalar("visitDateQuestion", kStr, func(c *fieldCtx, i, j int) value { return vStr(visIv(c, i).actualVar) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(vis(c, i).deleted) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(vis(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(vis(c, i).modified) }),
	)

	sub := func(c *fieldCtx, i int) *subject { return &c.st.subjects[i] }
	subjectsEP = newEndpoint("subjects", "/studies/{studyKey}/subjects", func(c *fieldCtx) int { return len(c.st.subjects) }, "subjectId", "subjectId",
		studyKeyField(),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.subjectID(int32(i))) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return vStr(sub(c, i).oid) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(sub(c, i).key) }),
		scalar("subjectStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(subjectStatuses[sub(c, i).status]) }),
		scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[sub(c, i).site].id) }),
		scalar("siteName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.sites[sub(c, i).site].name) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(sub(c, i).deleted) }),
		scalar("enrollmentStartDate", kTime, func(c *fieldCtx, i, j int) value { return vTime(sub(c, i).enrolled) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(sub(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(sub(c, i).modified) }),
		keywordList(func(c *fieldCtx, i int) (uint8, int64) { return sub(c, i).kw, sub(c, i).created + 3600 }),
	)

	usr := func(c *fieldCtx, i int) *user { return &c.st.users[i] }
	rl := func(c *fieldCtx, i, j int) *role { return &c.st.users[i].roles[j] }
	usersEP = newEndpoint("users", "/studies/{studyKey}/users", func(c *fieldCtx) int { return len(c.st.users) }, "login", "userId",
		scalar("userId", kStr, func(c *fieldCtx, i, j int) value { return vStr(usr(c, i).id) }),
		scalar("login", kStr, func(c *fieldCtx, i, j int) value { return vStr(usr(c, i).login) }),
		scalar("firstName", kStr, func(c *fieldCtx, i, j int) value { return vStr(usr(c, i).first) }),
		scalar("lastName", kStr, func(c *fieldCtx, i, j int) value { return vStr(usr(c, i).last) }),
		scalar("email", kStr, func(c *fieldCtx, i, j int) value { return vStr(usr(c, i).email) }),
		scalar("userActiveInStudy", kBool, func(c *fieldCtx, i, j int) value { return vBool(usr(c, i).active) }),
		list("roles", func(c *fieldCtx, i int) int { return len(usr(c, i).roles) },
			scalar("dateCreated", kTime7, func(c *fieldCtx, i, j int) value { return vInt(rl(c, i, j).created) }),
			scalar("dateModified", kTime7, func(c *fieldCtx, i, j int) value { return vInt(rl(c, i, j).modified) }),
			scalar("roleId", kStr, func(c *fieldCtx, i, j int) value { return vStr(rl(c, i, j).id) }),
			scalar("communityId", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(roleDefs[rl(c, i, j).def].community)) }),
			scalar("name", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleDefs[rl(c, i, j).def].name) }),
			scalar("description", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleDefs[rl(c, i, j).def].desc) }),
			scalar("level", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(roleDefs[rl(c, i, j).def].level)) }),
			scalar("type", kStr, func(c *fieldCtx, i, j int) value { return vStr(roleDefs[rl(c, i, j).def].typ) }),
			scalar("inactive", kBool, func(c *fieldCtx, i, j int) value { return vBool(rl(c, i, j).inactive) }),
		),
	)
	usersEP.lenientFilter = true
	sk := studyKeyField()
	initKeys(sk)
	usersEP.virtual = map[string]*field{"studyKey": sk}

	vr := func(c *fieldCtx, i int) *variable { return &c.st.vars[i] }
	vrForm := func(c *fieldCtx, i int) *form { return &c.st.forms[c.st.vars[i].form] }
	variablesEP = newEndpoint("variables", "/studies/{studyKey}/variables", func(c *fieldCtx) int { return len(c.st.vars) }, "formId", "variableId",
		studyKeyField(),
		scalar("variableId", kInt, func(c *fieldCtx, i, j int) value { return vInt(vr(c, i).id) }),
		scalar("variableType", kStr, func(c *fieldCtx, i, j int) value { return vStr(vr(c, i).spec.typ.String()) }),
		scalar("variableName", kStr, func(c *fieldCtx, i, j int) value { return vStr(vr(c, i).spec.name) }),
		scalar("sequence", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(vr(c, i).local + 1)) }),
		scalar("revision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(vr(c, i).revision)) }),
		scalar("disabled", kBool, func(c *fieldCtx, i, j int) value { return vBool(vr(c, i).disabled) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(vr(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(vr(c, i).modified) }),
		scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(vrForm(c, i).id) }),
		scalar("variableOid", kStr, func(c *fieldCtx, i, j int) value { return vStr(vr(c, i).oid) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(false) }),
		scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(vrForm(c, i).key()) }),
		scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(vrForm(c, i).name()) }),
		scalar("label", kStr, func(c *fieldCtx, i, j int) value { return vStr(vr(c, i).spec.label) }),
		scalar("blinded", kBool, func(c *fieldCtx, i, j int) value { return vBool(vr(c, i).spec.blinded) }),
	)

	cd := func(c *fieldCtx, i int) *coding { return &c.st.codings[i] }
	cdRec := func(c *fieldCtx, i int) *record { return &c.st.records[c.st.codings[i].rec] }
	cdForm := func(c *fieldCtx, i int) *form { return &c.st.forms[cdRec(c, i).form] }
	codingsEP = newEndpoint("codings", "/studies/{studyKey}/codings", func(c *fieldCtx) int { return len(c.st.codings) }, "formId", "codingId",
		studyKeyField(),
		scalar("siteName", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.sites[c.st.recordSite(cdRec(c, i))].name) }),
		scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[c.st.recordSite(cdRec(c, i))].id) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(cdRec(c, i).owner) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(cdRec(c, i).owner) }),
		scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(cdForm(c, i).id) }),
		scalar("formName", kStr, func(c *fieldCtx, i, j int) value { return vStr(cdForm(c, i).name()) }),
		scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(cdForm(c, i).key()) }),
		scalar("revision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(cd(c, i).revision)) }),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.recordID(cd(c, i).rec)) }),
		scalar("variable", kStr, func(c *fieldCtx, i, j int) value { return vStr(cdForm(c, i).spec.coded) }),
		scalar("value", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.codedValue(c, i)) }),
		scalar("codingId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.codingID(i)) }),
		scalar("code", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.codedTerm(c, i)) }),
		scalar("codedBy", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.userFullName(cd(c, i).user)) }),
		scalar("reason", kStr, func(c *fieldCtx, i, j int) value { return vStr(codingReasons[cd(c, i).reason]) }),
		scalar("dictionaryName", kStr, func(c *fieldCtx, i, j int) value { return vStr(dictNames[cdForm(c, i).spec.dict]) }),
		scalar("dictionaryVersion", kStr, func(c *fieldCtx, i, j int) value { return vStr(dictVersions[cdForm(c, i).spec.dict]) }),
		scalar("dateCoded", kTime, func(c *fieldCtx, i, j int) value { return vTime(cd(c, i).coded) }),
	)

	q := func(c *fieldCtx, i int) *query { return &c.st.queries[i] }
	queriesEP = newEndpoint("queries", "/studies/{studyKey}/queries", func(c *fieldCtx) int { return len(c.st.queries) }, "annotationId", "annotationId",
		studyKeyField(),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(q(c, i).subj) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerOID(q(c, i).subj) }),
		scalar("annotationType", kStr, func(c *fieldCtx, i, j int) value { return vStr(queryTypes[q(c, i).kind]) }),
		scalar("annotationId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.queryID(i)) }),
		scalar("type", kStr, func(c *fieldCtx, i, j int) value { return vNull }),
		scalar("description", kStr, func(c *fieldCtx, i, j int) value { return vStr(queryDescs[q(c, i).desc]) }),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value {
			if r := q(c, i).rec; r >= 0 {
				return vInt(c.st.recordID(r))
			}
			return vInt(0)
		}),
		scalar("variable", kStr, func(c *fieldCtx, i, j int) value {
			if v := q(c, i).v; v >= 0 {
				return vStr(c.st.vars[v].spec.name)
			}
			return vStr("")
		}),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(q(c, i).subj) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(q(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(q(c, i).modified) }),
		list("queryComments", func(c *fieldCtx, i int) int { return int(q(c, i).ncom) },
			scalar("sequence", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(j + 1)) }),
			scalar("annotationStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.commentStatus(i, j)) }),
			scalar("user", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.commentUser(i, j)) }),
			scalar("comment", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.commentText(i, j)) }),
			scalar("closed", kBool, func(c *fieldCtx, i, j int) value { return vBool(q(c, i).closed && j == int(q(c, i).ncom)-1) }),
			scalar("date", kTime, func(c *fieldCtx, i, j int) value { return vTime(c.st.commentDate(i, j)) }),
		),
	)

	rv := func(c *fieldCtx, i int) *revision { return &c.st.revisions[i] }
	rvRec := func(c *fieldCtx, i int) *record { return &c.st.records[c.st.revisions[i].rec] }
	revisionsEP = newEndpoint("recordRevisions", "/studies/{studyKey}/recordRevisions", func(c *fieldCtx) int { return len(c.st.revisions) }, "recordRevisionId", "recordRevisionId",
		studyKeyField(),
		scalar("recordRevisionId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.revisionID(i)) }),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.recordID(rv(c, i).rec)) }),
		scalar("recordOid", kOID, func(c *fieldCtx, i, j int) value { return c.st.recordOIDValue(rv(c, i).rec) }),
		scalar("recordRevision", kInt, func(c *fieldCtx, i, j int) value { return vInt(int64(rv(c, i).num)) }),
		scalar("dataRevision", kInt, func(c *fieldCtx, i, j int) value {
			r := rv(c, i)
			if r.flags&revDeleted != 0 {
				return vInt(int64(r.num) - 1)
			}
			return vInt(int64(r.num))
		}),
		scalar("recordStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(statusText(rv(c, i).flags&revComplete != 0)) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(rvRec(c, i).owner) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerOID(rvRec(c, i).owner) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(rvRec(c, i).owner) }),
		grouped(scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[c.st.recordSite(rvRec(c, i))].id) }), nSites, revSite),
		grouped(scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[rvRec(c, i).form].key()) }), nForms, revForm),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return c.st.recIntervalID(rvRec(c, i)) }),
		scalar("role", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.userRole(rv(c, i).user)) }),
		scalar("user", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.userLogin(rv(c, i).user)) }),
		scalar("reasonForChange", kStr, func(c *fieldCtx, i, j int) value { return vStr(revisionReasons[rv(c, i).reason]) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(rv(c, i).flags&revDeleted != 0) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(rv(c, i).created) }),
	)

	rc := func(c *fieldCtx, i int) *record { return &c.st.records[i] }
	recordsEP = newEndpoint("records", "/studies/{studyKey}/records", func(c *fieldCtx) int { return len(c.st.records) }, "recordId", "recordId",
		studyKeyField(),
		scalar("intervalId", kInt, func(c *fieldCtx, i, j int) value { return c.st.recIntervalID(rc(c, i)) }),
		grouped(scalar("formId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.forms[rc(c, i).form].id) }), nForms, recForm),
		grouped(scalar("formKey", kStr, func(c *fieldCtx, i, j int) value { return vStr(c.st.forms[rc(c, i).form].key()) }), nForms, recForm),
		grouped(scalar("siteId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.sites[c.st.recordSite(rc(c, i))].id) }), nSites, recSite),
		scalar("recordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(c.st.recordID(int32(i))) }),
		scalar("recordOid", kOID, func(c *fieldCtx, i, j int) value { return c.st.recordOIDValue(int32(i)) }),
		grouped(scalar("recordType", kStr, func(c *fieldCtx, i, j int) value {
			if rc(c, i).owner < 0 {
				return vStr("SITE")
			}
			return vStr("SUBJECT")
		}), func(*fieldCtx) int { return 2 }, func(c *fieldCtx, i int) int {
			if rc(c, i).owner < 0 {
				return 1
			}
			return 0
		}),
		scalar("recordStatus", kStr, func(c *fieldCtx, i, j int) value { return vStr(statusText(rc(c, i).complete())) }),
		scalar("deleted", kBool, func(c *fieldCtx, i, j int) value { return vBool(rc(c, i).deleted()) }),
		scalar("dateCreated", kTime, func(c *fieldCtx, i, j int) value { return vTime(rc(c, i).created) }),
		scalar("dateModified", kTime, func(c *fieldCtx, i, j int) value { return vTime(rc(c, i).modified) }),
		scalar("subjectId", kInt, func(c *fieldCtx, i, j int) value { return c.st.ownerID(rc(c, i).owner) }),
		scalar("subjectOid", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerOID(rc(c, i).owner) }),
		scalar("subjectKey", kStr, func(c *fieldCtx, i, j int) value { return c.st.ownerKey(rc(c, i).owner) }),
		scalar("visitId", kInt, func(c *fieldCtx, i, j int) value {
			if v := rc(c, i).visit; v >= 0 {
				return vInt(c.st.visitID(v))
			}
			return vInt(0)
		}),
		scalar("parentRecordId", kInt, func(c *fieldCtx, i, j int) value { return vInt(0) }),
		keywordList(func(c *fieldCtx, i int) (uint8, int64) {
			r := rc(c, i)
			if r.flags&recKeyword != 0 {
				return 1, r.modified
			}
			return 0, 0
		}),
		&field{name: "recordData", kind: kRaw, raw: func(b []byte, c *fieldCtx, i int) []byte { return c.st.appendRecordData(b, c, int32(i)) }},
	)
	initKeys(recordsEP.byName["recordData"])

	endpoints = map[string]*endpoint{}
	for _, e := range []*endpoint{sitesEP, formsEP, intervalsEP, visitsEP, subjectsEP, usersEP,
		variablesEP, codingsEP, queriesEP, revisionsEP, recordsEP} {
		endpoints[e.name] = e
	}
}

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
		scalar("keywordId", kInt, func(c *fieldCtx, i, j int) value { m, _ := get(c, i); return vInt(15362 + int64(nth(m, j))) }),
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
