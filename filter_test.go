package imednet

import (
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/internal/filterexpr"
)

func TestFilterPrinting(t *testing.T) {
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	cases := []struct {
		f    Filter
		want string
	}{
		{Filter{}, ""},
		{Eq("siteId", 48), "siteId==48"},
		{Eq("subjectKey", "111-005"), "subjectKey==111-005"},
		{Eq("siteName", "My Site"), `siteName=="My Site"`},
		{Eq("comment", `say "hi" \ bye`), `comment=="say \"hi\" \\ bye"`},
		{Eq("x", ""), `x==""`},
		{Ne("deleted", true), "deleted!=true"},
		{Lt("formId", int64(10)), "formId<10"},
		{Le("score", 2.5), "score<=2.5"},
		{Gt("dateModified", when), "dateModified>2024-01-02T02:04:05Z"},
		{Ge("visitDate", Timestamp{Time: time.Date(2019, 3, 19, 0, 0, 0, 0, time.UTC), DateOnly: true}), "visitDate>=2019-03-19"},
		{Contains("AETERM", "bronch"), "AETERM=~bronch"},
		{Eq("queryComments.closed", false), "queryComments.closed==false"},
		{Eq("a", 1).And(Eq("b", 2)), "a==1;b==2"},
		{Eq("a", 1).Or(Eq("b", 2)), "a==1,b==2"},
		{Eq("a", 1).Or(Eq("b", 2)).And(Eq("c", 3)), "a==1;c==3,b==2;c==3"},
		{Eq("a", 1).And(Eq("b", 2).Or(Eq("c", 3))), "a==1;b==2,a==1;c==3"},
		{Filter{}.And(Eq("a", 1)), "a==1"},
		{Eq("a", 1).And(Filter{}), "a==1"},
		{Filter{}.Or(Eq("a", 1)), "a==1"},
		{RawFilter(" siteName==Chicago Hope Hospital "), "siteName==Chicago Hope Hospital"},
	}
	for _, tc := range cases {
		if err := tc.f.Err(); err != nil {
			t.Errorf("%q: unexpected error %v", tc.want, err)
			continue
		}
		if got := tc.f.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
		if tc.want == "" || tc.f.raw != "" {
			continue
		}
		// What the client prints, the grammar reads back as the same expression.
		back, err := filterexpr.Parse(tc.f.String())
		if err != nil || back.String() != tc.want {
			t.Errorf("%q does not round-trip: %v %q", tc.want, err, back.String())
		}
	}
}

func TestFilterErrors(t *testing.T) {
	cases := map[string]Filter{
		"attribute with a space":    Eq("site name", 1),
		"attribute with an op":      Eq("a==b", 1),
		"empty attribute":           Eq("", 1),
		"unsupported value":         Eq("a", []int{1}),
		"nil value":                 Eq("a", nil),
		"unparsed timestamp":        Eq("a", Timestamp{Raw: "soon"}),
		"error carried through And": Eq("a", 1).And(Eq("b c", 2)),
		"error carried through Or":  Eq("b c", 2).Or(Eq("a", 1)),
		"raw combined":              RawFilter("a==1").And(Eq("b", 2)),
	}
	for name, f := range cases {
		if f.Err() == nil {
			t.Errorf("%s: no error", name)
		}
		if f.String() != "" {
			t.Errorf("%s: a filter with an error prints %q", name, f.String())
		}
		if f.IsZero() {
			t.Errorf("%s: a filter with an error is zero, so it would silently match everything", name)
		}
	}
	if err := Eq("site name", 1).Err(); !strings.Contains(err.Error(), `"site name"`) {
		t.Errorf("error does not name the attribute: %v", err)
	}
}

func TestSortStrings(t *testing.T) {
	if Asc("siteId").String() != "siteId,ASC" || Desc("dateModified").String() != "dateModified,DESC" {
		t.Fatal(Asc("siteId"), Desc("dateModified"))
	}
}
