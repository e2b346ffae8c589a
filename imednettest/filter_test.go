package imednettest

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/filterexpr"
)

func TestFiltersMatchBruteForce(t *testing.T) {
	s := newSmall(t)
	// A login and a site that exist, for filters on them.
	users := fetchAll(t, s, "/studies/DEMO/users", url.Values{"includeInactive": {"true"}})
	login := users[0]["login"].(string)
	cases := map[string][]string{
		"/studies/DEMO/records": {
			"formKey==AE",
			"formKey==AE;dateModified>2024-01-01T00:00:00Z",
			"formKey==VS;dateModified>=2023-06-01",
			"formId==1003",
			"formId==1003.0",
			"formKey!=AE",
			"formKey==ae",
			"formKey=~^v",
			"recordId==10",
			"recordId==10,recordId==11,recordId==400",
			"recordId<=5,recordId>=355",
			"recordId==abc",
			"recordId>-1;recordId<3",
			"deleted==true",
			"deleted==false;recordStatus==\"Record Incomplete\"",
			"subjectKey==01-001",
			"subjectKey==\"01-002\" and formKey==VS",
			"subjectKey==02-001 or subjectKey==03-001",
			"subjectKey==\"\"",
			"subjectId==5003;formKey==VS",
			"subjectId==0",
			"dateCreated>=2024-01-01",
			"dateCreated==2024-03-05",
			"dateModified<\"2023-06-01 00:00:00\"",
			"dateModified>2024-01-01T00:00:00+02:00",
			"dateModified<=2023-04-01T12:00:00-06:00",
			"dateModified!=2023-02-03",
			"dateModified>notadate",
			"dateModified>2023",
			"siteId>102,formKey==SITE",
			"recordType==SITE",
			"intervalId==0;deleted==false",
			"visitId>0;intervalId!=201",
			"studyKey==DEMO;formKey==LAB",
			"studyKey==OTHER",
			"keywords.keywordKey==DEE",
			"recordOid==REC-5",
			"recordOid>REC-9",
			"parentRecordId==0;formKey==EOS",
			"formKey==AE;formKey==VS",
		},
		"/studies/DEMO/subjects": {
			"subjectStatus==Enrolled,subjectStatus==Screened",
			`siteName=="Chicago Hope Hospital"`,
			"siteName==Chicago Hope Hospital",
			"deleted==false",
			"enrollmentStartDate<2024-01-01",
			`keywords.keywordName=="Protocol Deviation"`,
			"keywords.keywordId>=15363",
			"subjectKey>=02-000;subjectKey<03",
		},
		"/studies/DEMO/queries": {
			"queryComments.user==" + login,
			"queryComments.closed==true",
			"queryComments.closed==false",
			"queryComments.sequence>=3",
			"annotationType==question;variable!=\"\"",
			`description=="Monitor Query"`,
			"queryComments.date>2024-01-01",
		},
		"/studies/DEMO/visits": {
			"visitDate<2024-01-01",
			"dueDate>=2024-01-01;dueDate!=2024-03-01",
			"dueDate!=2024-03-01",
			"dueDate==2023-03-01",
			"intervalName==Baseline;deleted==false",
			"startDate<=2023-06-01T10:00:00Z",
		},
		"/studies/DEMO/intervals": {"forms.formKey==EX", "disabled==true", "intervalSequence>30;intervalGroupName==Treatment"},
		"/studies/DEMO/forms":     {"formType==Site", "disabled==false;otherForms==true", `formName=="Vital Signs"`},
		"/studies/DEMO/variables": {"variableType==NUMBER;formKey==VS", "label=~blood", "blinded==true", "formId==1002,variableName==AETERM"},
		"/studies/DEMO/codings":   {"dictionaryName==MedDRA", `value=="Back pain"`, "dateCoded>2024-06-01T00:00:00Z", "siteName=~Chicago"},
		"/studies/DEMO/recordRevisions": {
			"user==" + login, "deleted==true", "dateCreated>2024-06-01T00:00:00Z",
			"recordRevision>=2;dataRevision==1", "recordId==7", "reasonForChange==\"\"", "recordStatus==\"Record Complete\";formKey==DM",
		},
		"/studies/DEMO/sites": {`siteEnrollmentStatus=="Enrollment Open"`, "siteId!=102"},
		"/studies":            {"studyKey==DEMO", "studyType==STUDY;dateCreated<2023-01-03"},
	}
	idOf := map[string]string{"/studies/DEMO/records": "recordId", "/studies/DEMO/subjects": "subjectId",
		"/studies/DEMO/queries": "annotationId", "/studies/DEMO/visits": "visitId", "/studies/DEMO/intervals": "intervalId",
		"/studies/DEMO/forms": "formId", "/studies/DEMO/variables": "variableId", "/studies/DEMO/codings": "codingId",
		"/studies/DEMO/recordRevisions": "recordRevisionId", "/studies/DEMO/sites": "siteId", "/studies": "studyId"}
	for path, filters := range cases {
		all := fetchAll(t, s, path, nil)
		for _, f := range filters {
			got := fetchAll(t, s, path, url.Values{"filter": {f}})
			want := bruteFilter(t, all, f, false)
			if !slices.Equal(ids(got, idOf[path]), ids(want, idOf[path])) {
				t.Errorf("%s filter %s: got %d items, brute force %d", path, f, len(got), len(want))
			}
		}
	}
	// Some filters must select something, or the comparison above proves little.
	for _, f := range []string{"formKey==AE;dateModified>2024-01-01T00:00:00Z", "keywords.keywordKey==DEE", "deleted==true", "recordType==SITE"} {
		if len(fetchAll(t, s, "/studies/DEMO/records", url.Values{"filter": {f}})) == 0 {
			t.Errorf("filter %s selects nothing", f)
		}
	}
	if len(fetchAll(t, s, "/studies/DEMO/queries", url.Values{"filter": {"queryComments.closed==true"}})) == 0 {
		t.Error("no closed queries")
	}
}

func TestFilterErrors(t *testing.T) {
	s := newSmall(t)
	for _, tc := range []struct{ path, filter string }{
		{"/studies/DEMO/records", "nope==1"},
		{"/studies/DEMO/records", "siteId=="},
		{"/studies/DEMO/records", "siteId==1;"},
		{"/studies/DEMO/records", `siteName=="unterminated`},
		{"/studies/DEMO/records", "==3"},
		{"/studies/DEMO/records", "keywords==DEE"},
		{"/studies/DEMO/records", "recordData.AETERM==x"},
		{"/studies/DEMO/records", "formKey.x==1"},
		{"/studies/DEMO/queries", "queryComments.nope==1"},
		{"/studies", "siteId==1"},
	} {
		code, body, _ := call(t, s, "GET", tc.path, url.Values{"filter": {tc.filter}}, "", nil)
		e := checkError(t, code, body, http.StatusBadRequest, "BAD_REQUEST", "1000")
		if f := e["field"].(obj); f["attribute"] != "filter" || f["value"] != tc.filter {
			t.Errorf("%s %q: field %v", tc.path, tc.filter, f)
		}
	}
}

func TestRecordDataFilter(t *testing.T) {
	s := newSmall(t)
	all := fetchAll(t, s, "/studies/DEMO/records", nil)
	for _, tc := range []struct{ filter, rdf string }{
		{"", "AETERM==Headache"},
		{"", "AETERM=~head"},
		{"", "AETERM=~^(nau|diz)"},
		{"", "AETERM=~[unclosed"},
		{"", "AESEV>=2;AESER==true"},
		{"", "AETERM==Headache,AETERM==Nausea"},
		{"", "SYSBP>150"},
		{"", "SYSBP>99;SYSBP<=100.5"},
		{"", "TEMP>=38.5"},
		{"", "AESTDT<2024-01-01"},
		{"", "AEENDT==\"\""},
		{"", "NOSUCHVAR==x"},
		{"", "NOSUCHVAR!=x"},
		{"", "dateModified>2025-01-01T00:00:00Z"},
		{"", `AECOMM=~"mild"`},
		{"", "AECOMM=~température"},
		{"formKey==AE", "AESER==true"},
		{"formKey==VS;deleted==false", "VSPERF==false or PULSE<60"},
	} {
		q := url.Values{"recordDataFilter": {tc.rdf}}
		base := all
		if tc.filter != "" {
			q.Set("filter", tc.filter)
			base = bruteFilter(t, all, tc.filter, false)
		}
		got := fetchAll(t, s, "/studies/DEMO/records", q)
		want := bruteFilter(t, base, tc.rdf, true)
		if !slices.Equal(ids(got, "recordId"), ids(want, "recordId")) {
			t.Errorf("filter %q recordDataFilter %q: got %d, brute force %d", tc.filter, tc.rdf, len(got), len(want))
		}
	}
	if len(fetchAll(t, s, "/studies/DEMO/records", url.Values{"recordDataFilter": {"AETERM=~a"}})) == 0 {
		t.Error("=~ matched nothing")
	}
	for _, rdf := range []string{"AESER==true;AESEV==1,AESEV==2", "AESER==true,AESEV==1 and AESEV==2", "AESER=="} {
		code, body, _ := call(t, s, "GET", "/studies/DEMO/records", url.Values{"recordDataFilter": {rdf}}, "", nil)
		e := checkError(t, code, body, http.StatusBadRequest, "BAD_REQUEST", "1000")
		if f := e["field"].(obj); f["attribute"] != "recordDataFilter" || f["value"] != rdf {
			t.Errorf("%q: field %v", rdf, f)
		}
	}
	// Through the SDK.
	c, _ := s.Client()
	n := 0
	for r, err := range c.Records.All(t.Context(), "DEMO", &imednet.RecordListOptions{
		ListOptions:      imednet.ListOptions{PageSize: 100, Filter: imednet.Eq("formKey", "AE")},
		RecordDataFilter: imednet.Contains("AETERM", "ache"),
	}) {
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := r.RecordData.Text("AETERM"); v != "Headache" && v != "Back pain" {
			t.Fatalf("AETERM %q", v)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no AE records contain 'ache'")
	}
}

func TestUsersIncludeInactiveAndLenientFilter(t *testing.T) {
	s := newSmall(t)
	active := fetchAll(t, s, "/studies/DEMO/users", nil)
	every := fetchAll(t, s, "/studies/DEMO/users", url.Values{"includeInactive": {"true"}})
	explicit := fetchAll(t, s, "/studies/DEMO/users", url.Values{"includeInactive": {"FALSE"}})
	if len(every) != 8 || len(active) >= len(every) || len(active) != len(explicit) {
		t.Fatalf("active %d, all %d, explicit false %d", len(active), len(every), len(explicit))
	}
	for _, u := range active {
		if u["userActiveInStudy"] != true {
			t.Fatalf("inactive user listed: %v", u["login"])
		}
	}
	code, body, _ := call(t, s, "GET", "/studies/DEMO/users", url.Values{"includeInactive": {"yes"}}, "", nil)
	checkError(t, code, body, http.StatusBadRequest, "BAD_REQUEST", "1000")
	// A filter the users endpoint understands is applied; one it does not is ignored.
	login := active[1]["login"].(string)
	if got := fetchAll(t, s, "/studies/DEMO/users", url.Values{"filter": {"login==" + login}}); len(got) != 1 {
		t.Fatalf("login filter: %d users", len(got))
	}
	if got := fetchAll(t, s, "/studies/DEMO/users", url.Values{"filter": {"studyKey==DEMO;roles.name=~a"}}); len(got) == 0 {
		t.Fatal("studyKey/roles filter selected nothing")
	}
	for _, f := range []string{"nope==1", "login=="} {
		if got := fetchAll(t, s, "/studies/DEMO/users", url.Values{"filter": {f}}); len(got) != len(active) {
			t.Fatalf("lenient filter %q: %d users", f, len(got))
		}
	}
	// Through the SDK.
	c, _ := s.Client()
	page, err := c.Users.List(t.Context(), "DEMO", &imednet.UserListOptions{IncludeInactive: true})
	if err != nil || len(page.Items) != 8 {
		t.Fatalf("SDK users: %v %d", err, len(page.Items))
	}
}

// TestTimestampFastPath checks the integer evaluation of timestamp comparisons against
// filterexpr's own evaluation of the printed value.
func TestTimestampFastPath(t *testing.T) {
	values := []string{"2024-01-02", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05", "2024-01-02T03:04:05-06:00",
		"2024-01-02T03:04:05.5Z", "2024-01-02 03:04:05+00:00", "abc", "2024", "true", "99999", "", "2024-13-45",
		"2023-12-31T23:59:59Z", "0001-01-01", "9999-12-31 23:59:59", "2024-01-02 03:04", "2024-01-02 03:04:05 ", "Z"}
	ops := []filterexpr.Op{filterexpr.Eq, filterexpr.Ne, filterexpr.Lt, filterexpr.Le, filterexpr.Gt, filterexpr.Ge}
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Unix()
	rng := rand.New(rand.NewPCG(1, 2))
	times := []int64{base, base - 1, base + 1, base - 6*3600, base + 6*3600, base - 3*3600 - 245, base + 86400, minUnix, maxUnix}
	for range 300 {
		times = append(times, base+rng.Int64N(4*86400)-2*86400)
	}
	ep := recordsEP
	for _, v := range values {
		for _, op := range ops {
			term := filterexpr.Term{Attr: "dateModified", Op: op, Value: v}
			ct := &cterm{t: term}
			if err := ct.resolve(ep); err != nil || !ct.fast {
				t.Fatalf("resolve: %v fast=%v", err, ct.fast)
			}
			lo, hi := firstTime(v, false), firstTime(v, true)
			for _, x := range times {
				want := term.Match([]string{apiTime(x)}, true)
				var c int
				switch {
				case x < lo:
					c = -1
				case x < hi:
					c = 0
				default:
					c = 1
				}
				var got bool
				switch op {
				case filterexpr.Eq:
					got = c == 0
				case filterexpr.Ne:
					got = c != 0
				case filterexpr.Lt:
					got = c < 0
				case filterexpr.Le:
					got = c <= 0
				case filterexpr.Gt:
					got = c > 0
				case filterexpr.Ge:
					got = c >= 0
				}
				if got != want {
					t.Fatalf("dateModified%s%q at %s: fast %v, filterexpr %v", op, v, apiTime(x), got, want)
				}
			}
		}
	}
}
