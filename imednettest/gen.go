package imednettest

import (
	"strings"
)

// The deterministic generator. Everything here is a function of the seed and the
// StudyConfig; nothing reads the clock.

// The generated study's timeline.
var (
	studyEpochDay = daysFromCivil(2023, 1, 2)  // the first study's creation date
	enrolFirstDay = daysFromCivil(2023, 2, 1)  // earliest enrolment
	dataEndDay    = daysFromCivil(2025, 5, 30) // nothing generated happens after this day
	dataEndT      = (dataEndDay+1)*86400 - 1
)

func clampT(t int64) int64 { return min(t, dataEndT) }

// newStudy generates study number index of a server.
func newStudy(srv *Server, index int, cfg StudyConfig, serverSeed uint64) *Study {
	st := &Study{
		srv:       srv,
		index:     index,
		cfg:       cfg,
		seed:      mix(serverSeed ^ mix(uint64(index)+1) ^ hashString(cfg.Key)),
		smallBase: int64(index) * smallBaseStep,
		bigBase:   int64(index) * bigBaseStep,
		overlay:   map[int32][]string{},
		jobs:      map[string]*job{},
		regForm:   -1,
	}
	st.id = firstStudyID + int64(index)
	st.created = (studyEpochDay+int64(index))*86400 + 9*3600
	st.modified = st.created + 10*86400 + int64(h2(st.seed, saltStudy, 0)%86400)
	st.genSites()
	st.genForms()
	st.genIntervals()
	st.genUsers()
	st.genSubjects()
	st.genSiteRecords()
	st.genRevisions()
	st.genQueries()
	st.genCodings()
	st.buildIndexes()
	return st
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

func (st *Study) genSites() {
	n := st.cfg.Sites
	digits := max(2, len(itoa(n)))
	st.sites = make([]site, n)
	st.siteByName = make(map[string]int, n)
	for i := range st.sites {
		h := h2(st.seed, saltSite, uint64(i))
		name := "Site " + padInt(i+1, digits)
		if i < len(siteNames) {
			name = siteNames[i]
		}
		created := st.created + int64(i+1)*86400 + int64(h%(8*3600))
		st.sites[i] = site{
			id:       st.siteID(i),
			name:     name,
			number:   padInt(i+1, digits),
			open:     i == 0 || h>>32%5 != 0,
			created:  created,
			modified: created + int64(h>>20%(90*86400)),
			nextSeq:  1,
		}
		st.siteByName[name] = i
	}
}

// padInt formats n with at least width digits.
func padInt(n, width int) string {
	s := itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

func (st *Study) genForms() {
	n := st.cfg.Forms
	st.forms = make([]form, n)
	st.formByKey = make(map[string]int, n)
	for i := range st.forms {
		var spec *formSpec
		if i < len(catalogue) {
			spec = &catalogue[i]
		} else {
			x := extraForm(i + 1)
			spec = &x
		}
		h := h2(st.seed, saltForm, uint64(i))
		rev := 1 + int(h%3)
		created := st.created + 3600 + int64(i)*60
		f := form{
			spec:      spec,
			id:        st.formID(i),
			typ:       "Subject",
			revision:  rev,
			disabled:  spec.sched&asDisabled != 0,
			varStart:  len(st.vars),
			varN:      len(spec.vars),
			varByName: make(map[string]int, len(spec.vars)),
			created:   created,
			modified:  created + int64(rev-1)*7*86400,
			codedVar:  -1,
		}
		if spec.sched&asSite != 0 {
			f.typ = "Site"
		}
		for j := range spec.vars {
			vs := &spec.vars[j]
			f.varByName[vs.name] = j
			if vs.name == spec.coded {
				f.codedVar = j
			}
			st.vars = append(st.vars, variable{
				spec:     vs,
				id:       st.variableID(len(st.vars)),
				form:     i,
				local:    j,
				oid:      spec.key + "." + vs.name,
				revision: rev,
				disabled: f.disabled,
				created:  f.created,
				modified: f.modified,
			})
		}
		st.forms[i] = f
		st.formByKey[spec.key] = i
		if i == 0 {
			st.regForm = 0
		}
	}
}

// Interval kinds.
const (
	ivScreening = iota
	ivTreatment
	ivEOS
)

func (st *Study) genIntervals() {
	var scr, trt, eos, logs []int
	for i := range st.forms {
		f := &st.forms[i]
		if f.disabled {
			continue
		}
		s := f.spec.sched
		if s&inScreening != 0 {
			scr = append(scr, i)
		}
		if s&inTreatment != 0 {
			trt = append(trt, i)
		}
		if s&inEOS != 0 {
			eos = append(eos, i)
		}
		if s&asLog != 0 {
			logs = append(logs, i)
		}
	}
	formsOf := [...][]int{scr, trt, eos}
	kinds := func(n int) []int {
		k := make([]int, n)
		for i := range k {
			switch {
			case i == 0:
				k[i] = ivScreening
			case i == n-1:
				k[i] = ivEOS
			default:
				k[i] = ivTreatment
			}
		}
		return k
	}
	logSlot := 0
	if len(logs) > 0 {
		logSlot = 1
	}
	capacity := func(n int) int {
		c := 0
		for _, k := range kinds(n) {
			c += len(formsOf[k]) + logSlot
		}
		return c
	}
	n := st.cfg.Intervals
	if n == 0 {
		n = 4
		for capacity(n) < st.cfg.RecordsPerSubject && n < maxIntervals {
			n++
		}
	}
	ks := kinds(n)
	step := int64(14)
	if int64(n)*14 > 600 {
		step = max(1, 600/int64(n))
	}
	actualForm, actualVar := "", ""
	if st.regForm >= 0 {
		actualForm, actualVar = st.forms[st.regForm].name(), st.forms[st.regForm].spec.vars[0].name
	}
	trtForm, trtVar := actualForm, actualVar
	if vs, ok := st.formByKey["VS"]; ok {
		trtForm, trtVar = st.forms[vs].name(), "VSDT"
	}
	offset := int64(0)
	for i, k := range ks {
		iv := interval{
			id:       st.intervalID(i),
			seq:      (i + 1) * 10,
			forms:    formsOf[k],
			created:  st.created + 2*3600 + int64(i)*60,
			negSlack: 3, posSlack: 3,
		}
		iv.modified = iv.created
		switch {
		case k == ivScreening:
			iv.name, iv.desc = "Screening", "Screening visit"
			iv.groupID, iv.groupName = 10, "Screening"
			iv.timeline = "None"
			iv.actualForm, iv.actualVar = actualForm, actualVar
			iv.negSlack, iv.posSlack = 0, 0
		case k == ivTreatment && i == 1:
			offset = 14
			iv.name, iv.desc = "Baseline", "Baseline visit (Day 1)"
			iv.groupID, iv.groupName = 20, "Treatment"
		case k == ivTreatment:
			offset += step
			day := itoa(int(offset - 14 + 1))
			iv.name, iv.desc = "Day "+day, "Treatment visit, day "+day
			iv.groupID, iv.groupName = 20, "Treatment"
		default:
			offset += 14
			iv.name, iv.desc = "End of Study", "End of study visit"
			iv.groupID, iv.groupName = 30, "Follow-up"
		}
		if k != ivScreening {
			iv.timeline = "Due Date"
			iv.definedUsing = "Screening"
			iv.winForm, iv.winVar = actualForm, actualVar
			iv.actualForm, iv.actualVar = trtForm, trtVar
			iv.due = int(offset)
			if step < 7 {
				iv.negSlack, iv.posSlack = int(step/2), int(step/2)
			}
			if i > 1 {
				iv.definedUsing = "Baseline"
				iv.due = int(offset - 14)
			}
		}
		st.intervals = append(st.intervals, iv)
	}
	// A retired interval, disabled and without forms.
	retired := len(st.intervals)
	st.intervals = append(st.intervals, interval{
		id: st.intervalID(retired), name: "Unscheduled (retired)", desc: "Retired unscheduled visit",
		seq: (retired + 1) * 10, groupID: 30, groupName: "Follow-up", timeline: "None",
		disabled: true, created: st.created + 2*3600 + int64(retired)*60,
		modified: st.created + 200*86400,
	})
	st.intervalByName = make(map[string]int, len(st.intervals))
	for i := range st.intervals {
		st.intervalByName[st.intervals[i].name] = i
	}

	// The plan every generated subject follows.
	for i := range n {
		for _, f := range st.intervals[i].forms {
			st.slots = append(st.slots, slot{form: f, interval: i})
		}
		if len(logs) > 0 {
			st.slots = append(st.slots, slot{form: logs[i%len(logs)], interval: -1, after: i})
		}
		if len(st.slots) >= st.cfg.RecordsPerSubject {
			break
		}
	}
	for j := 1; len(logs) > 0 && len(st.slots) < st.cfg.RecordsPerSubject; j++ {
		st.slots = append(st.slots, slot{form: logs[(n+j)%len(logs)], interval: -1, after: n - 1, extra: j})
	}
	if len(st.slots) > st.cfg.RecordsPerSubject {
		st.slots = st.slots[:st.cfg.RecordsPerSubject]
	}
	st.perSubject = len(st.slots)
}

// intervalOffset returns the day offset of scheduled interval i from a subject's enrolment.
func (st *Study) intervalOffset(i int) int64 {
	if i == 0 {
		return 0
	}
	iv := &st.intervals[i]
	if iv.definedUsing == "Baseline" {
		return 14 + int64(iv.due)
	}
	return int64(iv.due)
}

func (st *Study) genUsers() {
	n := st.cfg.Users
	st.users = make([]user, n)
	for i := range st.users {
		h := h2(st.seed, saltUser, uint64(i))
		first := firstNames[pick(h, len(firstNames))]
		last := lastNames[pick(h>>8, len(lastNames))]
		login := asciiFold(first[:1]+last) + itoa(i+1)
		u := user{
			id:     uuid(h, h2(st.seed, saltUser, uint64(i)+1<<32)),
			login:  login,
			first:  first,
			last:   last,
			email:  login + "@example.com",
			active: i%4 != 3,
		}
		nroles := 1 + int(h>>16%3)/2
		for k := range nroles {
			hr := h3(st.seed, saltRole, uint64(i), uint64(k))
			created := (st.created+int64(i)*3600+int64(k)*60)*1e9 + int64(hr%1000)*1e6
			u.roles = append(u.roles, role{
				created:  created,
				modified: created + int64(hr>>10%(30*86400))*1e9,
				id:       uuid(hr, h3(st.seed, saltRole, uint64(i), uint64(k)+1<<32)),
				def:      (i + k*2 + int(hr>>40%2)) % len(roleDefs),
				inactive: !u.active,
			})
		}
		st.users[i] = u
	}
}

// asciiFold lower-cases s and keeps only ASCII letters, folding a few accented ones.
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == 'é' || r == 'è':
			b.WriteByte('e')
		case r == 'ü':
			b.WriteByte('u')
		case r == 'á':
			b.WriteByte('a')
		}
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

// uuid formats two hashes as a version-4 UUID.
func uuid(a, b uint64) string {
	var buf [36]byte
	a = a&^(0xF<<12) | 4<<12         // version 4
	b = b&^(0x3<<62) | uint64(2)<<62 // variant 10
	hex := func(dst []byte, v uint64, n int) {
		for i := n - 1; i >= 0; i-- {
			dst[i] = hexDigits[v&0xF]
			v >>= 4
		}
	}
	hex(buf[0:8], a>>32, 8)
	buf[8] = '-'
	hex(buf[9:13], a>>16, 4)
	buf[13] = '-'
	hex(buf[14:18], a, 4)
	buf[18] = '-'
	hex(buf[19:23], b>>48, 4)
	buf[23] = '-'
	hex(buf[24:36], b, 12)
	return string(buf[:])
}

func (st *Study) genSubjects() {
	ns := st.cfg.Subjects
	per := st.perSubject
	visPer := 0
	for _, s := range st.slots {
		visPer = max(visPer, s.interval+1, s.after+1)
	}
	if per == 0 {
		visPer = 0
	}
	span := int64(0)
	if visPer > 0 {
		span = st.intervalOffset(visPer-1) + 40
	}
	lastEnrol := max(enrolFirstDay, dataEndDay-span)
	width := lastEnrol - enrolFirstDay

	st.subjects = make([]subject, ns)
	st.subjByKey = make(map[string]int32, ns)
	st.subjByOID = make(map[string]int32, ns)
	st.visits = make([]visit, 0, ns*visPer)
	st.records = make([]record, 0, ns*per+len(st.sites))
	visitDays := make([]int64, visPer)
	for s := range ns {
		h := h2(st.seed, saltSubject, uint64(s))
		si := pick(h2(st.seed, saltSubjectSite, uint64(s)), len(st.sites))
		site := &st.sites[si]
		key := site.number + "-" + padInt(site.nextSeq, 3)
		site.nextSeq++
		enrolDay := enrolFirstDay + int64(s)*width/int64(max(ns, 1)) + int64(h%3)
		enrolled := enrolDay*86400 + 9*3600 + int64(h>>8%(8*3600))
		sub := subject{
			key:      key,
			site:     int32(si),
			status:   subjectStatus(h2(st.seed, saltSubjectStatus, uint64(s))),
			deleted:  unit(h2(st.seed, saltSubjectDeleted, uint64(s))) < st.cfg.DeletedFraction/2,
			kw:       keywordMask(h2(st.seed, saltKeyword, uint64(s))),
			enrolled: enrolled,
			created:  enrolled,
			recStart: int32(len(st.records)),
			recN:     int32(per),
			visStart: int32(len(st.visits)),
			visN:     int32(visPer),
		}
		sub.modified = clampT(enrolled + int64(h>>24%(60*86400)))
		sub.oid = st.subjectOID(int32(s))
		st.subjByKey[key] = int32(s)
		st.subjByOID[sub.oid] = int32(s)

		for k := range visPer {
			hv := h3(st.seed, saltVisit, uint64(s), uint64(k))
			off := st.intervalOffset(k)
			day := enrolDay + off
			due := int32(-1)
			if k > 0 {
				due = int32(day)
				day += int64(hv%5) - 2
			}
			day = min(day, dataEndDay)
			visitDays[k] = day
			created := day*86400 + 8*3600 + int64(hv>>8%1800)
			st.visits = append(st.visits, visit{
				created: created, modified: created,
				subj: int32(s), visitDay: int32(day), dueDay: due, interval: int16(k),
				deleted: unit(hv>>1) < st.cfg.DeletedFraction/4,
			})
		}
		for _, sl := range st.slots {
			ri := int32(len(st.records))
			rid := uint64(st.recordID(ri))
			hr := h2(st.seed, saltRecordTime, rid)
			var day int64
			vi := int32(-1)
			if sl.interval >= 0 {
				day = visitDays[sl.interval]
				vi = sub.visStart + int32(sl.interval)
			} else {
				day = visitDays[sl.after] + 1 + int64(hr%5) + 7*int64(sl.extra)
			}
			created := clampT(min(day, dataEndDay)*86400 + 8*3600 + int64(hr>>8%(10*3600)))
			st.records = append(st.records, st.genRecord(ri, sl.form, int32(s), vi, int16(sl.interval), created))
		}
		st.subjects[s] = sub
	}
}

// genRecord makes the row of generated record ri.
func (st *Study) genRecord(ri int32, fi int, owner, vi int32, iv int16, created int64) record {
	rid := uint64(st.recordID(ri))
	hm := h2(st.seed, saltRecordModified, rid)
	modified := created
	if unit(hm) < 0.3 {
		modified = clampT(created + 3600 + int64(hm>>12%(30*86400)))
	}
	r := record{created: created, modified: modified, owner: owner, visit: vi, form: uint16(fi), interval: iv}
	if unit(h2(st.seed, saltRecordDeleted, rid)) < st.cfg.DeletedFraction {
		r.flags |= recDeleted
		if r.modified == r.created {
			r.modified = clampT(created + 86400 + int64(hm>>20%(20*86400)))
		}
	}
	if unit(h2(st.seed, saltRecordKeyword, rid)) < 0.01 {
		r.flags |= recKeyword
	}
	if st.genComplete(ri, &st.forms[fi]) {
		r.flags |= recComplete
	}
	return r
}

func subjectStatus(h uint64) uint8 {
	switch p := h % 100; {
	case p < 10:
		return 0 // Screened
	case p < 70:
		return 1 // Enrolled
	case p < 88:
		return 2 // Completed
	}
	return 3 // Withdrawn
}

func keywordMask(h uint64) uint8 {
	switch p := h % 100; {
	case p < 10:
		return 1 << (h >> 8 % uint64(len(keywords)))
	case p < 13:
		return 1<<(h>>8%uint64(len(keywords))) | 1<<(h>>16%uint64(len(keywords)))
	}
	return 0
}

func (st *Study) genSiteRecords() {
	fi, ok := st.formByKey["SITE"]
	if !ok || st.forms[fi].disabled {
		return
	}
	for s := range st.sites {
		ri := int32(len(st.records))
		hr := h2(st.seed, saltRecordTime, uint64(st.recordID(ri)))
		created := clampT(st.sites[s].created + 7*86400 + int64(hr%(30*86400)))
		st.records = append(st.records, st.genRecord(ri, fi, int32(-s-1), -1, -1, created))
	}
}

// genBlank reports whether generated variable v of record ri is blank.
func (st *Study) genBlank(ri int32, v *variable) bool {
	return !v.spec.required && h3(st.seed, saltBlank, uint64(st.recordID(ri)), uint64(v.id))%1000 < 40
}

// genComplete reports whether every variable of generated record ri has a value.
func (st *Study) genComplete(ri int32, f *form) bool {
	for j := range f.varN {
		if st.genBlank(ri, &st.vars[f.varStart+j]) {
			return false
		}
	}
	return true
}

// appendGenValue appends the generated (unescaped) text of variable v of record ri.
func (st *Study) appendGenValue(b []byte, ri int32, r *record, v *variable) []byte {
	if st.genBlank(ri, v) {
		return b
	}
	sp := v.spec
	h := h3(st.seed, saltValue, uint64(st.recordID(ri)), uint64(v.id))
	switch sp.typ {
	case vNumber:
		return appendFixed(b, sp.lo+int64(h%uint64(sp.hi-sp.lo+1)), sp.dec)
	case vDate:
		day := floorDiv(r.created, 86400)
		switch sp.special {
		case specBirth:
			day -= 365*int64(18+h%60) + int64(h>>8%365)
		case specEnd:
			day += int64(h % 15)
		default:
			day -= int64(h % 4)
		}
		return appendDay(b, day)
	case vCheckbox:
		return appendBool(b, h&1 == 1)
	case vRadio, vDropdown:
		return append(b, choiceValue(int(h%uint64(len(sp.choices))))...)
	}
	switch sp.special {
	case specInitials:
		return append(b, byte('A'+h%26), byte('A'+h>>8%26), byte('A'+h>>16%26))
	case specKit:
		b = append(b, "KIT-"...)
		return append(b, padInt(int(h%10000), 4)...)
	}
	return append(b, sp.pool[h%uint64(len(sp.pool))]...)
}

func (st *Study) genRevisions() {
	total := 0
	for ri := range st.records {
		r := &st.records[ri]
		h := h2(st.seed, saltRevision, uint64(st.recordID(int32(ri))))
		n := 1
		if r.deleted() || r.modified > r.created {
			n = 2 + int(h%3)/2
		}
		r.nrev = uint16(n)
		total += n
	}
	st.revisions = make([]revision, 0, total)
	for ri := range st.records {
		r := &st.records[ri]
		n := int(r.nrev)
		for k := 1; k <= n; k++ {
			h := h3(st.seed, saltRevision, uint64(st.recordID(int32(ri))), uint64(k))
			rv := revision{rec: int32(ri), num: uint16(k), user: st.pickUser(h), created: r.created}
			if k == n {
				rv.created = r.modified
			} else if k > 1 {
				rv.created = r.created + (r.modified-r.created)*int64(k-1)/int64(n-1)
			}
			if k == n && r.complete() {
				rv.flags |= revComplete
			}
			switch {
			case k == n && r.deleted():
				rv.flags |= revDeleted
				rv.reason = reasonDeleted
			case k > 1:
				rv.reason = uint8(1 + h>>20%uint64(len(revisionReasons)-2))
			}
			st.revisions = append(st.revisions, rv)
		}
	}
	// Ids in chronological order, as in the real audit trail: sort stably by time (the
	// revisions are generated by record, then number).
	radixSort(st.revisions, func(r *revision) int64 { return r.created })
}

// reasonDeleted is the index of the reason for a deletion in revisionReasons.
var reasonDeleted = func() uint8 {
	revisionReasons = append(revisionReasons, "Record deleted")
	return uint8(len(revisionReasons) - 1)
}()

// pickUser returns a user index from a hash, or -1 when the study has no users.
func (st *Study) pickUser(h uint64) int16 {
	if len(st.users) == 0 {
		return -1
	}
	return int16(h % uint64(len(st.users)))
}

func (st *Study) genQueries() {
	if st.cfg.QueryFraction == 0 {
		return
	}
	for ri := range st.records {
		r := &st.records[ri]
		if r.deleted() {
			continue
		}
		h := h2(st.seed, saltQuery, uint64(st.recordID(int32(ri))))
		if unit(h) >= st.cfg.QueryFraction {
			continue
		}
		f := &st.forms[r.form]
		q := query{rec: int32(ri), subj: r.owner, v: -1, desc: uint8(h >> 40 % uint64(len(queryDescs)))}
		switch p := h >> 8 % 10; {
		case p < 7 && f.varN > 0:
			q.kind = 0
			q.v = int32(f.varStart + int(h>>16%uint64(f.varN)))
		case p < 9 || r.owner < 0:
			q.kind = 1
		default:
			q.kind = 2
			q.rec = -1
		}
		q.created = clampT(r.modified + 3600*int64(1+h>>24%240))
		q.ncom = uint8(1 + h>>32%4)
		q.closed = q.ncom >= 2 && h>>36&1 == 1
		q.modified = clampT(q.created + int64(q.ncom-1)*2*86400)
		st.queries = append(st.queries, q)
	}
	radixSort(st.queries, func(q *query) int64 { return q.created })
}

func (st *Study) genCodings() {
	if st.cfg.CodedFraction == 0 {
		return
	}
	for ri := range st.records {
		r := &st.records[ri]
		if r.deleted() || st.forms[r.form].codedVar < 0 {
			continue
		}
		h := h2(st.seed, saltCoding, uint64(st.recordID(int32(ri))))
		if unit(h) >= st.cfg.CodedFraction {
			continue
		}
		st.codings = append(st.codings, coding{
			coded:    clampT(r.modified + 3600*int64(2+h>>8%120)),
			rec:      int32(ri),
			revision: uint8(1 + h>>20%2),
			user:     st.pickUser(h >> 24),
			reason:   uint8(h >> 32 % uint64(len(codingReasons))),
		})
	}
	radixSort(st.codings, func(c *coding) int64 { return c.coded })
}

func (st *Study) buildIndexes() {
	counts := make([]int, len(st.forms))
	for i := range st.records {
		counts[st.records[i].form]++
	}
	st.formRecs = make([][]int32, len(st.forms))
	for f, n := range counts {
		st.formRecs[f] = make([]int32, 0, n)
	}
	for i := range st.records {
		f := st.records[i].form
		st.formRecs[f] = append(st.formRecs[f], int32(i))
	}
}
