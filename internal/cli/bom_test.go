package cli

import (
	"strings"
	"testing"

	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

func TestBOM(t *testing.T) {
	srv := newSandbox(t)
	for _, args := range [][]string{
		{"subjects", "list", "-o", "csv"},
		{"study", "structure", "-o", "csv"},
		{"records", "list", "--form", "DM", "-o", "csv", "--limit", "3"},
		{"sites", "list", "--filter", "siteId==999", "-o", "csv"}, // no items: the header alone
	} {
		plain := sbx(t, srv, args...)
		mustOK(t, plain)
		bom := sbx(t, srv, append(args, "--bom")...)
		mustOK(t, bom)
		if !strings.HasPrefix(bom.out, cmdutil.BOM) || bom.out[len(cmdutil.BOM):] != plain.out || strings.Count(bom.out, cmdutil.BOM) != 1 {
			t.Errorf("%v --bom: %q, want the BOM then %q", args, head(bom.out), head(plain.out))
		}
	}
	for _, args := range [][]string{{"sites", "list", "--bom"}, {"sites", "list", "--bom", "-o", "json"}} {
		r := sbx(t, srv, args...)
		if r.code != cmdutil.ExitUsage || r.out != "" || !strings.Contains(r.errOut, "--bom is for CSV output") {
			t.Errorf("%v: exit %d %q %q", args, r.code, r.out, r.errOut)
		}
	}
}

func head(s string) string { return s[:min(len(s), 40)] }
