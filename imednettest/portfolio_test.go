package imednettest

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestPortfolio(t *testing.T) {
	s, err := New(WithPortfolio(4, StudyConfig{Subjects: 6, RecordsPerSubject: 12}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.StudyKeys(), []string{"DEMO", "CARDIO", "ONCO", "NEURO"}; !slices.Equal(got, want) {
		t.Fatalf("study keys %v, want %v", got, want)
	}
	// The studies differ in size and forms.
	type shape struct{ subjects, forms, records int }
	seen := map[shape]string{}
	for _, key := range s.StudyKeys() {
		c := s.Study(key).Counts()
		sh := shape{c.Subjects, c.Forms, c.Records}
		if other, dup := seen[sh]; dup {
			t.Errorf("studies %s and %s have the same shape %+v", other, key, sh)
		}
		seen[sh] = key
	}
	if c := s.Study("CARDIO").Config(); c.Subjects != 12 || c.RecordsPerSubject != 8 || c.Forms != 8 {
		t.Errorf("CARDIO %+v: want 12 subjects of 8 records, 8 forms", c)
	}
	if c := s.Study("ONCO").Config(); c.Subjects != 3 || c.RecordsPerSubject != 18 || c.Forms != 14 {
		t.Errorf("ONCO %+v: want 3 subjects of 18 records, 14 forms", c)
	}
	// The studies listing names them all, in order.
	code, body, _ := call(t, s, "GET", "/studies", url.Values{"size": {"100"}}, "", nil)
	if code != 200 {
		t.Fatalf("GET /studies: %d %s", code, body)
	}
	for i, key := range []string{`"DEMO"`, `"CARDIO"`, `"ONCO"`, `"NEURO"`} {
		if at := bytes.Index(body, []byte(`"studyKey":`+key)); at < 0 {
			t.Errorf("study %d %s is not listed: %s", i, key, body)
		}
	}

	// The first study's data is that of a server with it alone, byte for byte; a second
	// portfolio built the same way has the same data for every study.
	alone, err := New(WithStudy(StudyConfig{Key: DemoStudyKey, Subjects: 6, RecordsPerSubject: 12}))
	if err != nil {
		t.Fatal(err)
	}
	again, err := New(WithPortfolio(4, StudyConfig{Subjects: 6, RecordsPerSubject: 12}))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"size": {"500"}}
	for _, path := range []string{"/studies/DEMO/records", "/studies/DEMO/subjects", "/studies/DEMO/forms"} {
		_, a, _ := call(t, s, "GET", path, q, "", nil)
		_, b, _ := call(t, alone, "GET", path, q, "", nil)
		if !bytes.Equal(withoutTimestamp(a), withoutTimestamp(b)) {
			t.Errorf("%s differs between the portfolio and DEMO alone", path)
		}
	}
	for _, key := range s.StudyKeys() {
		path := "/studies/" + key + "/records"
		_, a, _ := call(t, s, "GET", path, q, "", nil)
		_, b, _ := call(t, again, "GET", path, q, "", nil)
		if !bytes.Equal(withoutTimestamp(a), withoutTimestamp(b)) {
			t.Errorf("%s differs between two portfolios built alike", path)
		}
	}

	// Past the named shapes the keys are numbered.
	big, err := New(WithPortfolio(8, StudyConfig{Subjects: 2, RecordsPerSubject: 2, Users: None}))
	if err != nil {
		t.Fatal(err)
	}
	if keys := big.StudyKeys(); keys[6] != "STUDY07" || keys[7] != "STUDY08" {
		t.Errorf("keys %v", keys)
	}
	for _, bad := range []int{0, MaxPortfolio + 1} {
		if _, err := New(WithPortfolio(bad, StudyConfig{})); err == nil || !strings.Contains(err.Error(), "outside 1..") {
			t.Errorf("WithPortfolio(%d): %v", bad, err)
		}
	}
	if _, err := New(WithPortfolio(2, StudyConfig{Key: "CARDIO"})); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a base key equal to a portfolio key: %v", err)
	}
}

// withoutTimestamp drops the metadata's timestamp, which the clock advances between calls.
func withoutTimestamp(b []byte) []byte {
	i := bytes.Index(b, []byte(`"timestamp":"`))
	if i < 0 {
		return b
	}
	j := bytes.IndexByte(b[i+len(`"timestamp":"`):], '"')
	return append(slices.Clone(b[:i]), b[i+len(`"timestamp":"`)+j+1:]...)
}

func TestFaultsStudyScope(t *testing.T) {
	s, err := New(WithPortfolio(3, StudyConfig{Subjects: 2, RecordsPerSubject: 3}),
		WithFaults(Faults{ServerErrorRate: 1, Studies: []string{"ONCO"}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		fail bool
	}{
		{"/studies/ONCO/records", true}, {"/studies/ONCO/sites", true},
		{"/studies/DEMO/records", false}, {"/studies/CARDIO/records", false}, {"/studies", false},
	} {
		code, body, _ := call(t, s, "GET", tc.path, nil, "", nil)
		if failed := code >= 500; failed != tc.fail {
			t.Errorf("%s: %d %s; want failing %v", tc.path, code, body, tc.fail)
		}
	}
	if err := s.SetFaults(Faults{ServerErrorRate: 1, ExceptStudies: []string{"DEMO"}}); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(t, s, "GET", "/studies/DEMO/records", nil, "", nil); code != 200 {
		t.Errorf("excepted study: %d", code)
	}
	if code, _, _ := call(t, s, "GET", "/studies/CARDIO/records", nil, "", nil); code < 500 {
		t.Errorf("study not excepted: %d", code)
	}
	if code, _, _ := call(t, s, "GET", "/studies", nil, "", nil); code < 500 {
		t.Errorf("the studies listing with ExceptStudies alone: %d", code)
	}
	if err := s.SetFaults(Faults{ServerErrorRate: 1, Studies: []string{""}}); err == nil {
		t.Error("an empty study key was accepted")
	}
}
