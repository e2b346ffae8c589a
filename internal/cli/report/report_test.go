package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

type result struct {
	code        int
	out, errOut string
}

// run runs imednet in-process with args; --sandbox uses a fresh test server.
func run(t *testing.T, args ...string) result {
	t.Helper()
	srv, err := imednettest.New(imednettest.WithJobDelay(10 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return runOn(t, srv, args...)
}

// runOn runs imednet in-process with args; --sandbox uses srv.
func runOn(t *testing.T, srv *imednettest.Server, args ...string) result {
	t.Helper()
	io, _, out, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" }}
	f.NewSandbox = func() (*imednettest.Server, error) { return srv, nil }
	code := cli.Run(context.Background(), f, args)
	return result{code, out.String(), errOut.String()}
}

func TestSandboxReportJSON(t *testing.T) {
	r := run(t, "--sandbox", "report", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.out, "{\n  \"study\": \"DEMO\",\n  \"dataCut\": ") {
		t.Errorf("the output does not begin with the study and the data cut:\n%.200s", r.out)
	}
	totals := map[string][]string{
		"enrollment": {"subjects"}, "queries": {"total", "open", "closed", "openOver30Days"},
		"completeness": {"expected", "received", "missing", "percentComplete"}, "sites": {"sites"},
		"activity": {"revisions", "users"}, "changes": {"available"},
	}
	for sec, members := range totals {
		var m map[string]any
		if err := json.Unmarshal(doc[sec], &m); err != nil {
			t.Fatalf("%s: %v", sec, err)
		}
		for _, k := range members {
			if _, ok := m[k]; !ok {
				t.Errorf("%s has no member %s", sec, k)
			}
		}
		// The totals come first in the section.
		if !strings.HasPrefix(strings.TrimSpace(string(doc[sec])), "{\n    \""+members[0]+"\"") {
			t.Errorf("%s does not begin with its total %s", sec, members[0])
		}
	}
	var q struct{ Open, Closed, Total int }
	json.Unmarshal(doc["queries"], &q)
	if q.Total == 0 || q.Open+q.Closed != q.Total {
		t.Errorf("queries: %+v", q)
	}
}

func TestSectionAloneAndFormats(t *testing.T) {
	r := run(t, "--sandbox", "report", "queries", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var doc map[string]any
	json.Unmarshal([]byte(r.out), &doc)
	if len(doc) != 3 || doc["queries"] == nil {
		t.Errorf("report queries: members %v, want study, dataCut and queries", keys(doc))
	}
	r = run(t, "--sandbox", "report", "completeness", "-o", "csv")
	if r.code != 0 || !strings.HasPrefix(r.out, "# study DEMO, data cut ") || !strings.Contains(r.out, "# completeness-missing\nsiteName,subjectKey,") {
		t.Errorf("csv: exit %d\n%.300s", r.code, r.out)
	}
	r = run(t, "--sandbox", "report", "sites", "-o", "table")
	if r.code != 0 || !strings.HasPrefix(r.out, "Study DEMO, data cut ") || !strings.Contains(r.out, "medianDaysOpen") {
		t.Errorf("table: exit %d\n%.300s", r.code, r.out)
	}
	if r := run(t, "--sandbox", "report", "nosuch"); r.code != 2 || !strings.Contains(r.errOut, "unknown section") {
		t.Errorf("an unknown section: exit %d %s", r.code, r.errOut)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFailIf(t *testing.T) {
	r := run(t, "--sandbox", "report", "sites", "-o", "json", "--fail-if", "queries.open>100000", "--fail-if", "queries.openOver30Days>0")
	if r.code != 1 || !strings.Contains(r.errOut, "threshold breached: queries.openOver30Days>0 (queries.openOver30Days is ") ||
		strings.Contains(r.errOut, "queries.open>100000") {
		t.Errorf("a breached threshold: exit %d, stderr %s", r.code, r.errOut)
	}
	var doc map[string]any
	json.Unmarshal([]byte(r.out), &doc)
	if doc["sites"] == nil || doc["queries"] != nil {
		t.Errorf("the output shows %v, want the section asked for only", keys(doc))
	}
	if r := run(t, "--sandbox", "report", "-o", "json", "--fail-if", "queries.open>100000"); r.code != 0 {
		t.Errorf("a threshold not breached: exit %d %s", r.code, r.errOut)
	}
	if r := run(t, "--sandbox", "report", "--fail-if", "queries.open>>1"); r.code != 2 {
		t.Errorf("a bad threshold: exit %d %s", r.code, r.errOut)
	}
}

func TestTargetWithoutExportExitsTwo(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	for _, from := range []string{"sqlite:" + filepath.Join(dir, "none.db"), "sqlite:" + empty, "csv:" + dir, "nosuch:x"} {
		r := run(t, "report", "--study", "X", "--from", from)
		if r.code != 2 {
			t.Errorf("--from %s: exit %d, want 2: %s", from, r.code, r.errOut)
		}
		if from == "sqlite:"+empty && !strings.Contains(r.errOut, "holds no export") {
			t.Errorf("--from %s: %s", from, r.errOut)
		}
	}
}

func TestOutWritesOneOwnerOnlyPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	r := run(t, "--sandbox", "report", "--out", path)
	if r.code != 0 || r.out != "" || !strings.Contains(r.errOut, "Wrote "+path) {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.out, r.errOut)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	page := string(b)
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "Data cut: ") || strings.Contains(page, "<script") || !strings.Contains(page, "<svg") {
		t.Errorf("not a self-contained page:\n%.400s", page)
	}
}

func TestServeWarnsOffLoopback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	io, _, _, _ := cmdutil.TestStreams()
	errOut := &syncBuf{}
	io.ErrOut = errOut
	srv, _ := imednettest.New()
	defer srv.Close()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" }}
	f.NewSandbox = func() (*imednettest.Server, error) { return srv, nil }
	done := make(chan int)
	go func() { done <- cli.Run(ctx, f, []string{"--sandbox", "report", "--serve", "0.0.0.0:0"}) }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(errOut.String(), "Serving") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(errOut.String(), "Warning: 0.0.0.0:0 is reachable from other machines") {
		t.Errorf("no warning for a non-loopback address:\n%s", errOut.String())
	}
}

// syncBuf is a buffer that the command writes while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A report over a target exported with --names snake says plainly that it reads --names api
// targets, and exits 2.
func TestSnakeNamesTargetExitsTwo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "snake.db")
	if r := run(t, "--sandbox", "export", "--names", "snake", "--to", "sqlite:"+db); r.code != 0 {
		t.Fatalf("export --names snake: exit %d: %s", r.code, r.errOut)
	}
	r := run(t, "--sandbox", "report", "--from", "sqlite:"+db)
	if r.code != 2 || r.out != "" {
		t.Errorf("report of a snake_case target: exit %d, stdout %q; want 2 and nothing", r.code, r.out)
	}
	for _, want := range []string{"snake_case", "--names api"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr %q lacks %q", r.errOut, want)
		}
	}
}

// The dashboard's pages reload themselves every --refresh (a minute by default, never with
// 0); --refresh without --serve, or a negative one, is a usage error.
func TestServeRefresh(t *testing.T) {
	for _, c := range []struct {
		flags []string
		want  string // the page's refresh metadata, "" for none
	}{
		{nil, `<meta http-equiv="refresh" content="60">`},
		{[]string{"--refresh", "45s"}, `<meta http-equiv="refresh" content="45">`},
		{[]string{"--refresh", "0"}, ""},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		streams, _, _, _ := cmdutil.TestStreams()
		errOut := &syncBuf{}
		streams.ErrOut = errOut
		srv, _ := imednettest.New()
		f := &cmdutil.Factory{IO: streams, Version: "test", Getenv: func(string) string { return "" }}
		f.NewSandbox = func() (*imednettest.Server, error) { return srv, nil }
		done := make(chan int)
		go func() {
			done <- cli.Run(ctx, f, append([]string{"--sandbox", "report", "--serve", "127.0.0.1:0"}, c.flags...))
		}()
		var url string
		for deadline := time.Now().Add(20 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, after, ok := strings.Cut(errOut.String(), " on http://"); ok {
				url = "http://" + strings.Fields(after)[0]
			}
		}
		if url == "" {
			cancel()
			t.Fatalf("%v: the dashboard did not start: %s", c.flags, errOut.String())
		}
		res, err := http.Get(url + "queries")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		head, _, _ := strings.Cut(string(b), "</head>")
		if c.want == "" && strings.Contains(head, "refresh") || c.want != "" && !strings.Contains(head, c.want) {
			t.Errorf("%v: the page's head %q lacks %q", c.flags, head, c.want)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("%v: exit %d: %s", c.flags, code, errOut.String())
		}
		srv.Close()
	}
	for _, args := range [][]string{{"--refresh", "30s"}, {"--serve", "127.0.0.1:0", "--refresh", "-1s"}} {
		if r := run(t, append([]string{"--sandbox", "report"}, args...)...); r.code != cmdutil.ExitUsage || !strings.Contains(r.errOut, "--refresh") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming --refresh", args, r.code, r.errOut)
		}
	}
}

// reportLine is a line of the report of several studies, as its JSON has it.
type reportLine struct {
	Study                         string
	DataCut                       *time.Time
	Subjects, OpenQueries         int64
	Missing, Records              int64
	PercentComplete               float64
	RecordsAdded, RecordsModified *int64
	Breached                      []string
	Error                         string
}

// The report of several studies gives a line of totals per study, each read from its own
// target and equal to that study's own report; a study without an export is marked while the
// others go on, and --fail-if is checked for each study.
func TestReportOfSeveralStudies(t *testing.T) {
	srv, err := imednettest.New(imednettest.WithPortfolio(cmdutil.SandboxStudies, imednettest.StudyConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	run := func(t *testing.T, args ...string) result { return runOn(t, srv, args...) }
	r := run(t, "--sandbox", "report", "--study", "DEMO,CARDIO,ONCO", "-o", "json", "--fail-if", "queries.open>10")
	var lines []reportLine
	if err := json.Unmarshal([]byte(r.out), &lines); err != nil {
		t.Fatalf("%v\n%s", err, r.out)
	}
	if len(lines) != 3 || lines[0].Study != "DEMO" || lines[1].Study != "CARDIO" || lines[2].Study != "ONCO" {
		t.Fatalf("lines %+v: want DEMO, CARDIO and ONCO in that order", lines)
	}
	for _, l := range lines {
		one := run(t, "--sandbox", "report", "--study", l.Study, "-o", "json")
		var rep struct {
			Enrollment   struct{ Subjects int64 }
			Queries      struct{ Open int64 }
			Completeness struct {
				Missing, Records int64
				PercentComplete  float64
			}
		}
		if err := json.Unmarshal([]byte(one.out), &rep); err != nil {
			t.Fatal(err)
		}
		if l.Subjects != rep.Enrollment.Subjects || l.OpenQueries != rep.Queries.Open || l.Missing != rep.Completeness.Missing ||
			l.Records != rep.Completeness.Records || l.PercentComplete != rep.Completeness.PercentComplete {
			t.Errorf("%s's line %+v differs from its own report %+v", l.Study, l, rep)
		}
		if l.Subjects == 0 || l.DataCut == nil || l.Error != "" || l.RecordsAdded != nil {
			t.Errorf("%s's line %+v: want figures, a data cut, no error, and no changes after one run", l.Study, l)
		}
		if breached := l.OpenQueries > 10; breached != (len(l.Breached) == 1) {
			t.Errorf("%s: %d open queries, breached %q", l.Study, l.OpenQueries, l.Breached)
		}
	}
	if lines[0].Subjects == lines[1].Subjects && lines[1].Subjects == lines[2].Subjects {
		t.Errorf("every study has %d subjects: one target was read for all", lines[0].Subjects)
	}
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "threshold breached: CARDIO: queries.open>10") {
		t.Errorf("exit %d, stderr %q; want 1 naming CARDIO's breach", r.code, r.errOut)
	}

	// A target per study from a template; one study has no export.
	dir := t.TempDir()
	for _, key := range []string{"DEMO", "ONCO"} {
		if e := run(t, "--sandbox", "export", "--study", key, "--to", "sqlite:"+filepath.Join(dir, key+".db")); e.code != 0 {
			t.Fatalf("export %s: %s", key, e.errOut)
		}
	}
	r = run(t, "--sandbox", "report", "--study", "DEMO,CARDIO,ONCO", "--from", "sqlite:"+filepath.Join(dir, "{study}.db"), "-o", "csv")
	if r.code != cmdutil.ExitFailure || !strings.Contains(r.errOut, "1 study of 3 without figures: CARDIO") {
		t.Errorf("a study without an export: exit %d, stderr %q", r.code, r.errOut)
	}
	if out := strings.Split(strings.TrimSpace(r.out), "\n"); len(out) != 4 || !strings.HasPrefix(out[2], "CARDIO,") ||
		!strings.Contains(out[2], "export the study into it first") || strings.Contains(out[1], "export the study") {
		t.Errorf("CSV:\n%s", r.out)
	}

	for _, args := range [][]string{{"queries"}, {"--out", filepath.Join(dir, "x.html")}, {"--serve", "127.0.0.1:0"}} {
		r := run(t, append([]string{"--sandbox", "report", "--study", "DEMO,ONCO"}, args...)...)
		if r.code != cmdutil.ExitUsage {
			t.Errorf("%v with two studies: exit %d, stderr %q; want 2", args, r.code, r.errOut)
		}
	}
	if r := run(t, "--sandbox", "report", "--study", "DEMO,ONCO", "--from", "sqlite:"+filepath.Join(dir, "one.db")); r.code != cmdutil.ExitUsage ||
		!strings.Contains(r.errOut, "{study}") {
		t.Errorf("one SQLite file for two studies: exit %d, stderr %q; want 2 asking for {study}", r.code, r.errOut)
	}
}
