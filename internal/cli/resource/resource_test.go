package resource

import (
	"context"
	"fmt"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

func TestListFlags(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}}
	var got *ListOptions[imednet.Record]
	cmd := NewListCmd(f, Records, func(_ context.Context, o *ListOptions[imednet.Record]) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--study", "S1", "--filter", "formKey==AE", "--record-data-filter", "AESER==1",
		"--sort", "dateModified,desc", "--sort", "recordId", "--page-size", "50", "--limit", "7"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Study != "S1" || got.Filter != "formKey==AE" || got.RecordDataFilter != "AESER==1" ||
		fmt.Sprint(got.Sort) != "[dateModified,desc recordId]" || got.PageSize != 50 || got.Limit != 7 {
		t.Fatalf("options: %+v", got)
	}
	q, err := got.query()
	if err != nil {
		t.Fatal(err)
	}
	if q.PageSize != 50 || len(q.Sort) != 2 || !q.Sort[0].Descending || q.Filter.String() != "formKey==AE" || q.RecordDataFilter.String() != "AESER==1" {
		t.Errorf("query: %+v", q)
	}
	// A limit below the default page size asks for no more than it needs.
	o := &ListOptions[imednet.Record]{Limit: 3}
	if q, _ := o.query(); q.PageSize != 3 {
		t.Errorf("--limit 3: page size %d", q.PageSize)
	}
}

func TestFlagsPerResource(t *testing.T) {
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{}}
	studies := NewListCmd(f, Studies, nil)
	if studies.Flags().Lookup("study") != nil {
		t.Error("studies list takes --study")
	}
	users := NewListCmd(f, Users, nil)
	if users.Flags().Lookup("filter") != nil || users.Flags().Lookup("include-inactive") == nil {
		t.Error("users list: --filter present or --include-inactive missing")
	}
	sites := NewListCmd(f, Sites, nil)
	if sites.Flags().Lookup("record-data-filter") != nil || sites.Flags().Lookup("include-inactive") != nil {
		t.Error("sites list has the flags of records or users")
	}
}
