package cmdutil

import (
	"slices"
	"testing"
)

func TestNormalizeSelectArgs(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"sites", "list", "--json"}, []string{"sites", "list", "--json="}},
		{[]string{"sites", "list", "--json", "--limit", "2"}, []string{"sites", "list", "--json=", "--limit", "2"}},
		{[]string{"sites", "list", "--json", "-o", "csv"}, []string{"sites", "list", "--json=", "-o", "csv"}},
		{[]string{"sites", "list", "--json", "siteId", "--limit", "2"}, []string{"sites", "list", "--json", "siteId", "--limit", "2"}},
		{[]string{"sites", "list", "--json=siteId"}, []string{"sites", "list", "--json=siteId"}},
		{[]string{"x", "--", "--json"}, []string{"x", "--", "--json"}},
		{[]string{"__complete", "sites", "list", "--json"}, []string{"__complete", "sites", "list", "--json"}},
	} {
		if got := NormalizeSelectArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("NormalizeSelectArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseFields(t *testing.T) {
	avail := []string{"siteId", "siteName", "dateCreated"}
	got, err := ParseFields(" siteName , siteId,siteName", avail)
	if err != nil || !slices.Equal(got, []string{"siteName", "siteId"}) {
		t.Errorf("%q %v", got, err)
	}
	if _, err := ParseFields("siteid", avail); err == nil || ExitCode(err) != ExitUsage {
		t.Errorf("case matters: %v", err)
	}
}
