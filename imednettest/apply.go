package imednettest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Planning and applying changes: jobs of POST /records and the Study methods share this.

type opKind uint8

const (
	opUpdate   opKind = iota // update record rec
	opCreate                 // new unscheduled record for subject subj (or site record)
	opSchedule               // the subject's record of form in interval: update or create
	opRegister               // new subject at site, with its registration record
)

type setVal struct {
	j int // local variable index
	s string
}

type op struct {
	kind     opKind
	rec      int32
	form     int
	owner    int32 // subject index, or -(site)-1 for a site record
	site     int
	interval int
	vals     []setVal
}

// plan checks every item against the current data and returns the changes to make, or the
// first problem found. Nothing is changed.
func (st *Study) plan(items []item) ([]op, error) {
	ops := make([]op, 0, len(items))
	for i := range items {
		o, err := st.planItem(&items[i])
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		ops = append(ops, o)
	}
	return ops, nil
}

func (st *Study) planItem(it *item) (op, error) {
	var o op
	// The form.
	fi, err := resolve(it.formID, it.formKey, st.formIndex, byName(st.formByKey), "formId", "formKey", "forms")
	if err != nil {
		return o, err
	}
	f := &st.forms[fi]
	if f.disabled {
		return o, fmt.Errorf("form %s is disabled", f.key())
	}
	o.form = fi
	// The data.
	seen := map[string]bool{}
	for _, d := range it.data {
		j, ok := f.varByName[d.name]
		if !ok {
			return o, fmt.Errorf("form %s has no variable %q", f.key(), d.name)
		}
		if seen[d.name] {
			return o, fmt.Errorf("variable %q given twice", d.name)
		}
		seen[d.name] = true
		v := &st.vars[f.varStart+j]
		s, err := convertValue(v, d)
		if err != nil {
			return o, fmt.Errorf("variable %s (%s): %w", d.name, v.spec.typ, err)
		}
		o.vals = append(o.vals, setVal{j: j, s: s})
	}
	// The target.
	subj, hasSubj, err := st.findSubject(it)
	if err != nil {
		return o, err
	}
	switch {
	case it.recordID.ok || it.recordOID.ok:
		ri, err := st.findRecord(it)
		if err != nil {
			return o, err
		}
		r := &st.records[ri]
		if r.deleted() {
			return o, fmt.Errorf("record %d is deleted", st.recordID(ri))
		}
		if int(r.form) != fi {
			return o, fmt.Errorf("record %d belongs to form %s, not %s", st.recordID(ri), st.forms[r.form].key(), f.key())
		}
		if hasSubj && r.owner != subj {
			return o, fmt.Errorf("record %d does not belong to that subject", st.recordID(ri))
		}
		o.kind, o.rec = opUpdate, ri
	case hasSubj:
		if f.typ != "Subject" {
			return o, fmt.Errorf("form %s is a %s form, not a subject form", f.key(), f.typ)
		}
		o.owner = subj
		if it.intervalName.ok || it.intervalID.ok {
			iv, err := st.findInterval(it)
			if err != nil {
				return o, err
			}
			if !contains(st.intervals[iv].forms, fi) {
				return o, fmt.Errorf("interval %q does not schedule form %s", st.intervals[iv].name, f.key())
			}
			o.kind, o.interval = opSchedule, iv
		} else {
			o.kind, o.interval = opCreate, -1
		}
	case it.siteName.ok || it.siteID.ok:
		si, err := st.findSite(it)
		if err != nil {
			return o, err
		}
		o.site = si
		switch {
		case f.typ == "Site":
			o.kind, o.owner, o.interval = opCreate, int32(-si-1), -1
		case fi == st.regForm:
			if !st.sites[si].open {
				return o, fmt.Errorf("site %q is closed for enrollment", st.sites[si].name)
			}
			o.kind = opRegister
		default:
			return o, fmt.Errorf("form %s is not the registration form (%s); give a subject to add a record", f.key(), st.forms[max(st.regForm, 0)].key())
		}
	default:
		return o, fmt.Errorf("no target: give a site (to register a subject), a subject, or a record")
	}
	return o, nil
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// findSubject resolves subjectKey, subjectId and subjectOid, which must agree.
func (st *Study) findSubject(it *item) (int32, bool, error) {
	found := int32(-1)
	set := func(s int32, what string) error {
		if s < 0 {
			return fmt.Errorf("unknown subject %s", what)
		}
		if found >= 0 && found != s {
			return fmt.Errorf("the subject identifiers name different subjects")
		}
		found = s
		return nil
	}
	if it.subjectKey.ok {
		s, ok := st.subjByKey[it.subjectKey.v]
		if !ok {
			s = -1
		}
		if err := set(s, "key "+strconv.Quote(it.subjectKey.v)); err != nil {
			return 0, false, err
		}
	}
	if it.subjectID.ok {
		if err := set(st.subjectIndex(it.subjectID.v), "id "+strconv.FormatInt(it.subjectID.v, 10)); err != nil {
			return 0, false, err
		}
	}
	if it.subjectOID.ok {
		s, ok := st.subjByOID[it.subjectOID.v]
		if !ok {
			s = -1
		}
		if err := set(s, "OID "+strconv.Quote(it.subjectOID.v)); err != nil {
			return 0, false, err
		}
	}
	if found < 0 {
		return 0, false, nil
	}
	if st.subjects[found].deleted {
		return 0, false, fmt.Errorf("subject %s is deleted", st.subjects[found].key)
	}
	return found, true, nil
}

func (st *Study) findRecord(it *item) (int32, error) {
	return resolve(it.recordID, it.recordOID, st.recordIndex, st.recordOIDIndex, "recordId", "recordOid", "records")
}

func (st *Study) findInterval(it *item) (int, error) {
	iv, err := resolve(it.intervalID, it.intervalName, st.intervalIndex, byName(st.intervalByName), "intervalId", "intervalName", "intervals")
	if err != nil || iv < 0 {
		return iv, err
	}
	if st.intervals[iv].disabled {
		return 0, fmt.Errorf("interval %q is disabled", st.intervals[iv].name)
	}
	return iv, nil
}

func (st *Study) findSite(it *item) (int, error) {
	return resolve(it.siteID, it.siteName, st.siteIndex, byName(st.siteByName), "siteId", "siteName", "sites")
}

// resolve finds the item of a study (a form, a site, a record, ...) that a request names by
// its id, by a name (a key, a name or an OID), or by both: -1 when it names neither. byID and
// byName return -1 for an unknown id or name. The errors name the attribute and the value,
// and both values when they name different items.
func resolve[I int | int32](id optInt, name optStr, byID func(int64) I, byName func(string) I, idAttr, nameAttr, plural string) (I, error) {
	found := I(-1)
	if id.ok {
		if found = byID(id.v); found < 0 {
			return 0, fmt.Errorf("unknown %s %d", idAttr, id.v)
		}
	}
	if name.ok {
		k := byName(name.v)
		switch {
		case k < 0:
			return 0, fmt.Errorf("unknown %s %q", nameAttr, name.v)
		case found >= 0 && found != k:
			return 0, fmt.Errorf("%s %q and %s %d name different %s", nameAttr, name.v, idAttr, id.v, plural)
		}
		found = k
	}
	return found, nil
}

// byName looks names up in m, -1 for a name m does not hold.
func byName(m map[string]int) func(string) int {
	return func(name string) int {
		if i, ok := m[name]; ok {
			return i
		}
		return -1
	}
}

// convertValue checks a submitted value against its variable's type and returns the text
// stored (and printed) for it. null and "" are a blank answer.
func convertValue(v *variable, d datum) (string, error) {
	switch d.kind {
	case jsNull:
		return "", nil
	case jsOther:
		return "", fmt.Errorf("%s is not a string, number or boolean", d.text)
	}
	if d.kind == jsString && d.text == "" {
		return "", nil
	}
	switch v.spec.typ {
	case vNumber:
		if d.kind == jsBool || !isDecimal(d.text) {
			return "", fmt.Errorf("%q is not a number", d.text)
		}
		return d.text, nil
	case vDate:
		if d.kind != jsString || len(d.text) != 10 {
			return "", fmt.Errorf("%q is not a date (YYYY-MM-DD)", d.text)
		}
		if _, err := time.Parse(time.DateOnly, d.text); err != nil {
			return "", fmt.Errorf("%q is not a date (YYYY-MM-DD)", d.text)
		}
		return d.text, nil
	case vCheckbox:
		switch {
		case d.kind == jsBool:
			return d.text, nil
		case d.kind == jsString && strings.EqualFold(d.text, "true"):
			return "true", nil
		case d.kind == jsString && strings.EqualFold(d.text, "false"):
			return "false", nil
		}
		return "", fmt.Errorf("%q is not a boolean", d.text)
	}
	return d.text, nil
}

// isDecimal reports whether s is a finite decimal number ("12", "-1.5", "2e3").
func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// apply makes a planned change at time t and returns the record created or updated; the
// caller holds the write lock.
func (st *Study) apply(o op, t int64) int32 {
	st.version++
	switch o.kind {
	case opUpdate:
		st.updateRecord(o.rec, o.vals, t)
		return o.rec
	case opSchedule:
		sub := &st.subjects[o.owner]
		for _, ri := range st.subjectRecords(sub) {
			r := &st.records[ri]
			if int(r.form) == o.form && int(r.interval) == o.interval && !r.deleted() {
				st.updateRecord(ri, o.vals, t)
				return ri
			}
		}
		return st.createRecord(o.form, o.owner, o.interval, o.vals, t)
	case opRegister:
		s := st.createSubject(o.site, t)
		iv := -1
		for k := range st.intervals {
			if !st.intervals[k].disabled && contains(st.intervals[k].forms, o.form) {
				iv = k
				break
			}
		}
		return st.createRecord(o.form, s, iv, o.vals, t)
	}
	return st.createRecord(o.form, o.owner, -1, o.vals, t)
}

// subjectRecords returns the indices of a subject's records.
func (st *Study) subjectRecords(sub *subject) []int32 {
	out := make([]int32, 0, int(sub.recN)+len(sub.extraRecs))
	for r := sub.recStart; r < sub.recStart+sub.recN; r++ {
		out = append(out, r)
	}
	return append(out, sub.extraRecs...)
}

func (st *Study) updateRecord(ri int32, vals []setVal, t int64) {
	cur := st.recordValues(ri)
	for _, v := range vals {
		cur[v.j] = v.s
	}
	st.overlay[ri] = cur
	r := &st.records[ri]
	r.modified = t
	r.flags &^= recComplete
	if allFilled(cur) {
		r.flags |= recComplete
	}
	r.nrev++
	st.addRevision(ri, t, reasonUpdated, 0)
	st.srv.count(func(x *Stats) { x.RecordsUpdated++ })
}

func allFilled(vals []string) bool {
	for _, v := range vals {
		if v == "" {
			return false
		}
	}
	return true
}

func (st *Study) createRecord(fi int, owner int32, iv int, vals []setVal, t int64) int32 {
	f := &st.forms[fi]
	cur := make([]string, f.varN)
	for _, v := range vals {
		cur[v.j] = v.s
	}
	ri := int32(len(st.records))
	r := record{created: t, modified: t, owner: owner, visit: -1, form: uint16(fi), interval: int16(iv), nrev: 1}
	if iv >= 0 && owner >= 0 {
		r.visit = st.findOrCreateVisit(owner, iv, t)
	}
	if allFilled(cur) {
		r.flags |= recComplete
	}
	st.records = append(st.records, r)
	st.overlay[ri] = cur
	st.formRecs[fi] = append(st.formRecs[fi], ri)
	if owner >= 0 {
		st.subjects[owner].extraRecs = append(st.subjects[owner].extraRecs, ri)
	}
	st.addRevision(ri, t, 0, 0)
	st.srv.count(func(x *Stats) { x.RecordsCreated++ })
	return ri
}

func (st *Study) addRevision(ri int32, t int64, reason, flags uint8) {
	r := &st.records[ri]
	if r.complete() {
		flags |= revComplete
	}
	st.revisions = append(st.revisions, revision{created: t, rec: ri, num: r.nrev, user: -1, flags: flags, reason: reason})
}

// reasonUpdated is the reasonForChange of an update made through the API.
var reasonUpdated = func() uint8 {
	revisionReasons = append(revisionReasons, "Updated via API")
	return uint8(len(revisionReasons) - 1)
}()

func (st *Study) findOrCreateVisit(s int32, iv int, t int64) int32 {
	sub := &st.subjects[s]
	if iv < int(sub.visN) {
		return sub.visStart + int32(iv)
	}
	for _, v := range sub.extraVisits {
		if int(st.visits[v].interval) == iv {
			return v
		}
	}
	day := floorDiv(t, 86400)
	due := int32(-1)
	if st.intervals[iv].timeline != "None" {
		due = int32(floorDiv(sub.enrolled, 86400) + st.intervalOffset(iv))
	}
	vi := int32(len(st.visits))
	st.visits = append(st.visits, visit{created: t, modified: t, subj: s, visitDay: int32(day), dueDay: due, interval: int16(iv)})
	sub.extraVisits = append(sub.extraVisits, vi)
	return vi
}

func (st *Study) createSubject(si int, t int64) int32 {
	site := &st.sites[si]
	s := int32(len(st.subjects))
	key := site.number + "-" + padInt(site.nextSeq, 3)
	for {
		if _, taken := st.subjByKey[key]; !taken {
			break
		}
		site.nextSeq++
		key = site.number + "-" + padInt(site.nextSeq, 3)
	}
	site.nextSeq++
	sub := subject{key: key, site: int32(si), enrolled: t, created: t, modified: t}
	sub.oid = st.subjectOID(s)
	st.subjects = append(st.subjects, sub)
	st.subjByKey[key] = s
	st.subjByOID[sub.oid] = s
	st.srv.count(func(x *Stats) { x.SubjectsCreated++ })
	return s
}
