package records

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
	"github.com/imednet/imednet-go/internal/cli/jobs"
)

// The JSON of the help's example is valid for the sandbox and creates its records.
func TestHelpExampleFile(t *testing.T) {
	_, body, ok := strings.Cut(createExample, "<<'JSON'\n")
	body, _, ok2 := strings.Cut(body, "\n  JSON\n")
	if !ok || !ok2 {
		t.Fatal("no JSON in the example")
	}
	file := filepath.Join(t.TempDir(), "new.json")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := imednettest.New(imednettest.WithJobDelay(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Getenv: func(string) string { return "" },
		NewSandbox: func() (*imednettest.Server, error) { return srv, nil }}
	f.Flags.Sandbox = true
	o := &CreateOptions{Factory: f, File: file, ChunkSize: 500, Wait: jobs.WaitParams{Interval: 5 * time.Millisecond}}
	if err := CreateRun(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if st := srv.Stats(); st.ItemsApplied != 2 || st.SubjectsCreated != 1 {
		t.Errorf("%+v\n%s", st, out)
	}
}
