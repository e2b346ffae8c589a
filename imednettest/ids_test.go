package imednettest

import (
	"fmt"
	"testing"
)

// idKind is one kind of numbered item of a study: how many the study has, and its id and
// index functions.
type idKind struct {
	name  string
	n     int
	id    func(i int) int64
	index func(id int64) int
}

func idKinds(st *Study) []idKind {
	return []idKind{
		{"site", len(st.sites), st.siteID, st.siteIndex},
		{"interval", len(st.intervals), st.intervalID, st.intervalIndex},
		{"form", len(st.forms), st.formID, st.formIndex},
		{"variable", len(st.vars), st.variableID, st.variableIndex},
		{"subject", len(st.subjects), func(i int) int64 { return st.subjectID(int32(i)) },
			func(id int64) int { return int(st.subjectIndex(id)) }},
		{"visit", len(st.visits), func(i int) int64 { return st.visitID(int32(i)) },
			func(id int64) int { return int(st.visitIndex(id)) }},
		{"record", len(st.records), func(i int) int64 { return st.recordID(int32(i)) },
			func(id int64) int { return int(st.recordIndex(id)) }},
		{"revision", len(st.revisions), st.revisionID, st.revisionIndex},
		{"query", len(st.queries), st.queryID, st.queryIndex},
		{"coding", len(st.codings), st.codingID, st.codingIndex},
	}
}

// twoStudies is a server with two small studies, the second with non-zero id bases.
func twoStudies(t *testing.T) (*Study, *Study) {
	t.Helper()
	second := small
	second.Key = "SECOND"
	s, err := New(WithStudy(small), WithStudy(second))
	if err != nil {
		t.Fatal(err)
	}
	a, b := s.Study(small.Key), s.Study(second.Key)
	if a.smallBase != 0 || b.smallBase == 0 || b.bigBase == 0 {
		t.Fatalf("id bases: first study %d/%d, second %d/%d", a.smallBase, a.bigBase, b.smallBase, b.bigBase)
	}
	return a, b
}

// TestIDIndexInvertsID checks, for every kind of item of both studies, that index(id(i)) == i
// over the study's items, and that the ids just outside them are rejected.
func TestIDIndexInvertsID(t *testing.T) {
	a, b := twoStudies(t)
	for _, st := range []*Study{a, b} {
		for _, k := range idKinds(st) {
			if k.n == 0 {
				t.Fatalf("study %s has no %s: the test proves nothing for it", st.cfg.Key, k.name)
			}
			for i := range k.n {
				if got := k.index(k.id(i)); got != i {
					t.Fatalf("study %s, %s %d: id %d decodes to %d", st.cfg.Key, k.name, i, k.id(i), got)
				}
			}
			for _, id := range []int64{k.id(0) - 1, k.id(k.n-1) + 1, 0, -1} {
				if got := k.index(id); got != -1 {
					t.Errorf("study %s: %s id %d (items have %d..%d) decodes to %d, want -1",
						st.cfg.Key, k.name, id, k.id(0), k.id(k.n-1), got)
				}
			}
		}
	}
}

// TestIDsDoNotCrossStudies checks that no id of one study's items names an item of the
// other study.
func TestIDsDoNotCrossStudies(t *testing.T) {
	a, b := twoStudies(t)
	ka, kb := idKinds(a), idKinds(b)
	for x := range ka {
		for _, pair := range [][2]idKind{{ka[x], kb[x]}, {kb[x], ka[x]}} {
			from, in := pair[0], pair[1]
			for _, i := range []int{0, from.n - 1} {
				if got := in.index(from.id(i)); got != -1 {
					t.Errorf("%s id %d of one study decodes to %d in the other", from.name, from.id(i), got)
				}
			}
		}
	}
}

// TestRecordOIDIndexInvertsRecordOID checks that recordOIDIndex finds every record by its OID
// and no record by a string that is not one of the study's record OIDs.
func TestRecordOIDIndexInvertsRecordOID(t *testing.T) {
	a, b := twoStudies(t)
	for _, st := range []*Study{a, b} {
		for i := range int32(len(st.records)) {
			if got := st.recordOIDIndex(st.recordOID(i)); got != i {
				t.Fatalf("study %s: record %d's OID %s decodes to %d", st.cfg.Key, i, st.recordOID(i), got)
			}
		}
	}
	last := int32(len(a.records) - 1)
	for _, oid := range []string{
		"", "REC-", "REC-x", "rec-1", "OID-1", " REC-1", "REC-+1", "REC-01", "REC-0", "REC--1",
		fmt.Sprintf("REC-%d", a.recordID(last)+1),
		b.recordOID(0), // another study's record
	} {
		if got := a.recordOIDIndex(oid); got != -1 {
			t.Errorf("recordOIDIndex(%q) = %d, want -1", oid, got)
		}
	}
}

// TestIDBasesHoldTheLimits checks that at the configuration's limits a study's ids stay
// below the next study's base, so that ids are unique across the server.
func TestIDBasesHoldTheLimits(t *testing.T) {
	for _, c := range []struct {
		kind        string
		first, most int64
		step        int64
	}{
		{"site", firstSiteID, maxSites, smallBaseStep},
		{"interval", firstIntervalID, maxIntervals + 1, smallBaseStep}, // and the retired one
		{"form", firstFormID, maxForms, smallBaseStep},
		{"subject", firstSubjectID, maxRecords, bigBaseStep},
		{"record", firstRecordID, maxRecords + maxSites, bigBaseStep}, // and the site records
	} {
		if c.first+c.most > c.step {
			t.Errorf("%s ids reach %d, past the next study's base %d", c.kind, c.first+c.most-1, c.step)
		}
	}
}
