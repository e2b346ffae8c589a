package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

var update = flag.Bool("update", os.Getenv("UPDATE_GOLDEN") != "", "rewrite the golden files in testdata/golden")

// result is what one run of the command gave.
type result struct {
	code        int
	out, errOut string
}

// env is the setting of one run.
type env struct {
	tty  bool              // stdout and stderr are terminals
	vars map[string]string // the environment
	srv  *imednettest.Server
	in   string // stdin
}

// testNow is the clock of the commands that measure ages, so that their output is stable.
var testNow = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// newSandbox starts the server that --sandbox uses in a test, with a short job delay.
func newSandbox(t *testing.T, opts ...imednettest.Option) *imednettest.Server {
	t.Helper()
	srv, err := imednettest.New(append([]imednettest.Option{imednettest.WithJobDelay(10 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// run runs the command in-process with args.
func run(t *testing.T, e env, args ...string) result {
	t.Helper()
	io, in, out, errOut := cmdutil.TestStreams()
	in.WriteString(e.in)
	io.OutTTY, io.ErrTTY = e.tty, e.tty
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(k string) string { return e.vars[k] },
		Now: func() time.Time { return testNow }}
	if e.srv != nil {
		srv := e.srv
		f.NewSandbox = func() (*imednettest.Server, error) { return srv, nil }
	}
	code := Run(context.Background(), f, args)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

// sbx runs the command with --sandbox on srv, output piped.
func sbx(t *testing.T, srv *imednettest.Server, args ...string) result {
	t.Helper()
	return run(t, env{srv: srv}, append([]string{"--sandbox"}, args...)...)
}

func mustOK(t *testing.T, r result, args ...string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%v: exit %d, stderr:\n%s", args, r.code, r.errOut)
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run UPDATE_GOLDEN=1 go test ./internal/cli/ to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (UPDATE_GOLDEN=1 rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

var nouns = []string{"studies", "sites", "subjects", "forms", "intervals", "visits", "variables",
	"records", "revisions", "queries", "users", "codings"}

// idField is the field "<noun> get" takes.
var idField = map[string]string{
	"studies": "studyKey", "sites": "siteId", "subjects": "subjectKey", "forms": "formKey",
	"intervals": "intervalId", "visits": "visitId", "variables": "variableId", "records": "recordId",
	"revisions": "recordRevisionId", "queries": "annotationId", "users": "userId", "codings": "codingId",
}

// threeStudies are the options of a sandbox with DEMO and two small studies more, so that
// the studies list has several items.
var threeStudies = []imednettest.Option{
	imednettest.WithStudy(imednettest.StudyConfig{Key: imednettest.DemoStudyKey}),
	imednettest.WithStudy(imednettest.StudyConfig{Key: "ONC-2", Subjects: 2, Sites: 1}),
	imednettest.WithStudy(imednettest.StudyConfig{Key: "CARD-3", Subjects: 2, Sites: 1}),
}

func TestListEveryNounEveryFormat(t *testing.T) {
	srv := newSandbox(t, threeStudies...)
	for _, noun := range nouns {
		t.Run(noun, func(t *testing.T) {
			// JSON Lines is the reference: every other format must show the same items.
			jl := sbx(t, srv, noun, "list", "--limit", "3", "-o", "jsonl")
			mustOK(t, jl)
			lines := strings.Split(strings.TrimSuffix(jl.out, "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("jsonl: %d lines, want 3 (--limit 3):\n%s", len(lines), jl.out)
			}
			var items []map[string]any
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("jsonl line %q: %v", l, err)
				}
				if _, ok := m[idField[noun]]; !ok {
					t.Errorf("jsonl item lacks the API field %s: %s", idField[noun], l)
				}
				items = append(items, m)
			}

			js := sbx(t, srv, noun, "list", "--limit", "3", "-o", "json")
			mustOK(t, js)
			var arr []map[string]any
			if err := json.Unmarshal([]byte(js.out), &arr); err != nil {
				t.Fatalf("json is not one array: %v\n%s", err, js.out)
			}
			if len(arr) != 3 || arr[0][idField[noun]] != items[0][idField[noun]] || arr[2][idField[noun]] != items[2][idField[noun]] {
				t.Errorf("json items differ from jsonl")
			}

			cs := sbx(t, srv, noun, "list", "--limit", "3", "-o", "csv")
			mustOK(t, cs)
			rows, err := csv.NewReader(strings.NewReader(cs.out)).ReadAll()
			if err != nil {
				t.Fatalf("csv: %v", err)
			}
			if len(rows) != 4 {
				t.Fatalf("csv: %d rows, want a header and 3", len(rows))
			}
			col := -1
			for i, h := range rows[0] {
				if h == idField[noun] {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("csv header %v lacks %s", rows[0], idField[noun])
			}
			for i, it := range items {
				if want := jsonText(it[idField[noun]]); rows[i+1][col] != want {
					t.Errorf("csv row %d: %s = %q, jsonl has %q", i+1, idField[noun], rows[i+1][col], want)
				}
			}

			tb := run(t, env{srv: srv, tty: true}, "--sandbox", noun, "list", "--limit", "3")
			mustOK(t, tb)
			tl := strings.Split(strings.TrimSuffix(tb.out, "\n"), "\n")
			if len(tl) != 5 || !strings.HasPrefix(tl[4], "3 ") {
				t.Errorf("table on a terminal: want a header, 3 rows and a count line, got:\n%s", tb.out)
			}
			if tb.errOut != "" {
				t.Errorf("stderr: %q", tb.errOut)
			}

			golden(t, noun+"_list.jsonl", jl.out)
			golden(t, noun+"_list.json", js.out)
			golden(t, noun+"_list.csv", cs.out)
			golden(t, noun+"_list.table", tb.out)
		})
	}
}

// jsonText prints a decoded JSON scalar as the CSV does.
func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return ""
}

func TestGetEveryNoun(t *testing.T) {
	srv := newSandbox(t, threeStudies...)
	for _, noun := range nouns {
		t.Run(noun, func(t *testing.T) {
			// The second item, so that a get that returns the first item it finds fails.
			l := sbx(t, srv, noun, "list", "--limit", "2", "-o", "jsonl")
			mustOK(t, l)
			line := strings.Split(l.out, "\n")[1]
			var want map[string]any
			if err := json.Unmarshal([]byte(line), &want); err != nil {
				t.Fatal(err)
			}
			id := jsonText(want[idField[noun]])
			for _, format := range []string{"json", "jsonl"} {
				g := sbx(t, srv, noun, "get", id, "-o", format)
				mustOK(t, g)
				var got map[string]any
				if err := json.Unmarshal([]byte(g.out), &got); err != nil {
					t.Fatalf("%s: %v\n%s", format, err, g.out)
				}
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(want)
				if !bytes.Equal(a, b) {
					t.Errorf("get %s -o %s:\n%s\nlist gave:\n%s", id, format, a, b)
				}
			}
			tb := run(t, env{srv: srv, tty: true}, "--sandbox", noun, "get", id)
			mustOK(t, tb)
			if !strings.Contains(tb.out, idField[noun]) || !strings.Contains(tb.out, id) {
				t.Errorf("table get: %s", tb.out)
			}
			golden(t, noun+"_get.table", tb.out)
			cs := sbx(t, srv, noun, "get", id, "-o", "csv")
			mustOK(t, cs)
			if rows, err := csv.NewReader(strings.NewReader(cs.out)).ReadAll(); err != nil || len(rows) != 2 {
				t.Errorf("csv get: %v, %q", err, cs.out)
			}
		})
	}
}

func TestGetSubjectByIDAndKey(t *testing.T) {
	srv := newSandbox(t)
	byKey := sbx(t, srv, "subjects", "get", "01-002")
	mustOK(t, byKey)
	var s imednet.Subject
	if err := json.Unmarshal([]byte(byKey.out), &s); err != nil || s.SubjectKey != "01-002" {
		t.Fatalf("by key: %v %+v", err, s)
	}
	byID := sbx(t, srv, "subjects", "get", jsonText(float64(s.SubjectID)))
	mustOK(t, byID)
	if byID.out != byKey.out {
		t.Errorf("by id:\n%s\nby key:\n%s", byID.out, byKey.out)
	}
}

func TestDefaultOutputFormat(t *testing.T) {
	srv := newSandbox(t)
	piped := sbx(t, srv, "sites", "list")
	mustOK(t, piped)
	for _, l := range strings.Split(strings.TrimSpace(piped.out), "\n") {
		if !json.Valid([]byte(l)) {
			t.Fatalf("piped output is not JSON Lines: %q", l)
		}
	}
	tty := run(t, env{srv: srv, tty: true}, "--sandbox", "sites", "list")
	mustOK(t, tty)
	if !strings.HasPrefix(tty.out, "siteId") || !strings.HasSuffix(tty.out, "4 sites\n") {
		t.Errorf("terminal output is not a table:\n%s", tty.out)
	}
	bad := sbx(t, srv, "sites", "list", "-o", "xml")
	if bad.code != 2 || !strings.Contains(bad.errOut, "xml") {
		t.Errorf("-o xml: exit %d, %q", bad.code, bad.errOut)
	}
}

// records decodes JSON Lines of records.
func decodeLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var items []T
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var it T
		if err := dec.Decode(&it); err != nil {
			t.Fatalf("%v in %q", err, out)
		}
		items = append(items, it)
	}
	return items
}

func TestListFiltersSortsAndPaging(t *testing.T) {
	srv := newSandbox(t)
	all := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--page-size", "500").out)
	if len(all) < 500 {
		t.Fatalf("only %d records", len(all))
	}
	// Small pages give the same items in the same order.
	paged := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--page-size", "97").out)
	if len(paged) != len(all) {
		t.Fatalf("--page-size 97: %d records, want %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i].RecordID != all[i].RecordID {
			t.Fatalf("record %d: %d with pages of 97, %d with pages of 500", i, paged[i].RecordID, all[i].RecordID)
		}
	}

	wantAE := 0
	for _, r := range all {
		if r.FormKey == "AE" {
			wantAE++
		}
	}
	ae := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--filter", "formKey==AE").out)
	if len(ae) != wantAE || wantAE == 0 {
		t.Errorf("--filter formKey==AE: %d records, want %d", len(ae), wantAE)
	}

	desc := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--sort", "recordId,DESC", "--limit", "10").out)
	if len(desc) != 10 {
		t.Fatalf("--limit 10: %d", len(desc))
	}
	for i := 1; i < len(desc); i++ {
		if desc[i].RecordID >= desc[i-1].RecordID {
			t.Fatalf("--sort recordId,desc: %d after %d", desc[i].RecordID, desc[i-1].RecordID)
		}
	}
	// Two sort keys: formKey ascending, then recordId descending within a form.
	two := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--sort", "formKey", "--sort", "recordId,desc").out)
	for i := 1; i < len(two); i++ {
		a, b := two[i-1], two[i]
		if a.FormKey > b.FormKey || a.FormKey == b.FormKey && a.RecordID < b.RecordID {
			t.Fatalf("two sort keys: %s/%d before %s/%d", a.FormKey, a.RecordID, b.FormKey, b.RecordID)
		}
	}

	// recordDataFilter selects on the data.
	sexes := decodeLines[imednet.Record](t, sbx(t, srv, "records", "list", "--filter", "formKey==REG", "--record-data-filter", "SEX==2").out)
	if len(sexes) == 0 {
		t.Fatal("--record-data-filter SEX==2: nothing")
	}
	for _, r := range sexes {
		if v, _ := r.RecordData.Text("SEX"); v != "2" || r.FormKey != "REG" {
			t.Errorf("record %d: form %s, SEX %q", r.RecordID, r.FormKey, v)
		}
	}

	active := decodeLines[imednet.User](t, sbx(t, srv, "users", "list").out)
	everyone := decodeLines[imednet.User](t, sbx(t, srv, "users", "list", "--include-inactive").out)
	if len(everyone) <= len(active) {
		t.Errorf("--include-inactive: %d users, without: %d", len(everyone), len(active))
	}
	for _, u := range active {
		if !u.UserActiveInStudy {
			t.Errorf("user %s is inactive but listed without --include-inactive", u.Login)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	srv := newSandbox(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"records", "list", "--sort", "recordId,sideways"}, "sideways"},
		{[]string{"records", "list", "--sort", ",asc"}, "--sort"},
		{[]string{"records", "list", "--page-size", "501"}, "--page-size 501"},
		{[]string{"records", "list", "--limit", "-1"}, "--limit"},
		{[]string{"records", "list", "--filter", "nosuchfield==1"}, "nosuchfield"},
		{[]string{"records", "list", "--filter", "formKey=="}, "filter"},
		{[]string{"records", "list", "--record-data-filter", "A==1;B==2,C==3"}, "record"},
		{[]string{"records", "list", "--bogus"}, "--bogus"},
		{[]string{"records", "frobnicate"}, "frobnicate"},
		{[]string{"frobnicate"}, "frobnicate"},
		{[]string{"records", "get"}, "recordId"},
		{[]string{"records", "get", "abc"}, `recordId "abc" is not a number`},
		{[]string{"sites", "list", "extra"}, "extra"},
		{[]string{"jobs", "wait"}, "batch id"},
		{[]string{"records", "create"}, "--file"},
		{[]string{"records", "create", "--file", "/nonexistent/x.json"}, "/nonexistent/x.json"},
		{[]string{"records", "create", "--file", "x.json", "--chunk-size", "0"}, "--chunk-size"},
		{[]string{"users", "list", "--filter", "login==x"}, "--filter"},
	} {
		r := sbx(t, srv, tc.args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2; stderr %q", tc.args, r.code, r.errOut)
		}
		if !strings.Contains(r.errOut, tc.want) {
			t.Errorf("%v: stderr %q does not mention %q", tc.args, r.errOut, tc.want)
		}
		if n := strings.Count(strings.TrimSpace(r.errOut), "\n"); n > 0 {
			t.Errorf("%v: the error takes %d lines: %q", tc.args, n+1, r.errOut)
		}
	}
}

// A malformed filter is refused by the command itself, in the grammar the API and the
// sandbox share: exit 2, nothing on stdout (not even a CSV header) and no request sent.
func TestMalformedFilterRefusedBeforeAnyRequest(t *testing.T) {
	srv := newSandbox(t)
	requests := func() int {
		n := 0
		for _, c := range srv.Stats().Requests {
			n += c
		}
		return n
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"records", "list", "-o", "csv", "--filter", "formKey=="}, `--filter "formKey==": expected a value after "=="`},
		{[]string{"records", "list", "-o", "csv", "--filter", "formKey==AE;"}, "expected an attribute name"},
		{[]string{"sites", "list", "-o", "csv", "--filter", "siteName"}, "expected an operator"},
		{[]string{"subjects", "list", "--filter", `subjectKey=="01-001`}, "closing"},
		{[]string{"queries", "list", "--filter", "==x"}, "at character 1"},
		{[]string{"records", "list", "-o", "csv", "--record-data-filter", "A==1;B==2,C==3"}, `--record-data-filter "A==1;B==2,C==3": cannot mix`},
		{[]string{"records", "list", "--record-data-filter", "AESER=="}, "--record-data-filter"},
	} {
		before := requests()
		r := sbx(t, srv, tc.args...)
		if r.code != cmdutil.ExitUsage || r.out != "" {
			t.Errorf("%v: exit %d, stdout %q; want 2 and nothing", tc.args, r.code, r.out)
		}
		if !strings.Contains(r.errOut, tc.want) || !strings.Contains(r.errOut, "imednet help filter") {
			t.Errorf("%v: stderr %q, want %q and a pointer to the grammar", tc.args, r.errOut, tc.want)
		}
		if n := requests() - before; n != 0 {
			t.Errorf("%v: %d requests sent for a malformed filter", tc.args, n)
		}
	}
	// A well-formed filter goes to the server, which the counter sees.
	before := requests()
	mustOK(t, sbx(t, srv, "records", "list", "--filter", "formKey==AE", "--record-data-filter", "AESER==true", "--limit", "1"))
	if requests() == before {
		t.Fatal("the request counter saw no request for a good filter")
	}
}

func TestNotFoundExitsOne(t *testing.T) {
	srv := newSandbox(t)
	r := sbx(t, srv, "sites", "get", "99999")
	if r.code != 1 || !strings.Contains(r.errOut, "not found") {
		t.Errorf("exit %d, %q", r.code, r.errOut)
	}
}

func TestMissingCredentials(t *testing.T) {
	r := run(t, env{}, "studies", "list")
	if r.code != 2 || strings.TrimSpace(r.errOut) != "imednet: "+imednet.EnvAPIKey+" is not set: export it with your API key (or a profile that names where the keys come from: see 'imednet config --help'; or use --sandbox to try the command)" {
		t.Errorf("no keys: exit %d, %q", r.code, r.errOut)
	}
	r = run(t, env{vars: map[string]string{imednet.EnvAPIKey: "k"}}, "sites", "list", "--study", "X")
	if r.code != 2 || !strings.Contains(r.errOut, imednet.EnvSecurityKey+" is not set") || strings.Contains(r.errOut, "\n ") {
		t.Errorf("no security key: exit %d, %q", r.code, r.errOut)
	}
	// The keys come before the study: a missing key is reported even without a study.
	r = run(t, env{}, "sites", "list")
	if r.code != 2 || !strings.Contains(r.errOut, imednet.EnvAPIKey) {
		t.Errorf("no keys, no study: exit %d, %q", r.code, r.errOut)
	}
	r = run(t, env{vars: map[string]string{imednet.EnvAPIKey: "k", imednet.EnvSecurityKey: "s"}}, "sites", "list")
	if r.code != 2 || !strings.Contains(r.errOut, cmdutil.EnvStudy) {
		t.Errorf("no study: exit %d, %q", r.code, r.errOut)
	}
}

// remote starts a listening sandbox with keys of its own, and returns the environment that
// points the command at it.
func remote(t *testing.T, apiKey, secKey string) (*imednettest.Server, map[string]string) {
	t.Helper()
	srv, err := imednettest.NewServer(imednettest.WithKeys(apiKey, secKey), imednettest.WithJobDelay(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv, map[string]string{imednet.EnvBaseURL: srv.URL(), imednet.EnvAPIKey: apiKey, imednet.EnvSecurityKey: secKey}
}

func TestAuthErrorsExitThree(t *testing.T) {
	_, vars := remote(t, "right-api-key-123", "right-sec-key-456")
	vars[imednet.EnvAPIKey] = "wrong-api-key-789"
	r := run(t, env{vars: vars}, "studies", "list")
	if r.code != 3 {
		t.Fatalf("wrong key: exit %d, %q", r.code, r.errOut)
	}
	if !strings.Contains(r.errOut, "401") || !strings.Contains(r.errOut, "9001") || !strings.Contains(r.errOut, "hint: check "+imednet.EnvAPIKey) {
		t.Errorf("401 message: %q", r.errOut)
	}
	if strings.Contains(r.errOut, "wrong-api-key") || strings.Contains(r.errOut, "right-sec-key") {
		t.Errorf("a key in the message: %q", r.errOut)
	}
	r = run(t, env{vars: vars}, "auth", "check")
	if r.code != 3 {
		t.Errorf("auth check with a wrong key: exit %d", r.code)
	}

	srv := newSandbox(t)
	r = sbx(t, srv, "sites", "list", "--study", "NOPE")
	if r.code != 3 || !strings.Contains(r.errOut, "403") || !strings.Contains(r.errOut, "hint: check the study key") {
		t.Errorf("unknown study: exit %d, %q", r.code, r.errOut)
	}
}

func TestRemoteWithFlagsAndEnv(t *testing.T) {
	_, vars := remote(t, "flag-api-key", "flag-sec-key")
	base := vars[imednet.EnvBaseURL]
	// Keys and base URL from flags, study from the environment.
	r := run(t, env{vars: map[string]string{cmdutil.EnvStudy: "DEMO"}}, "--base-url", base, "--api-key", "flag-api-key",
		"--security-key", "flag-sec-key", "--timeout", "5s", "sites", "list", "-o", "csv")
	mustOK(t, r)
	if !strings.HasPrefix(r.out, "studyKey,siteId,") || strings.Count(r.out, "\n") != 5 {
		t.Errorf("csv:\n%s", r.out)
	}
	vars[imednet.EnvTimeout] = "soon"
	r = run(t, env{vars: vars}, "studies", "list")
	if r.code != 2 || !strings.Contains(r.errOut, imednet.EnvTimeout) {
		t.Errorf("bad %s: exit %d, %q", imednet.EnvTimeout, r.code, r.errOut)
	}
}

func TestDebugLogsRequestsWithoutKeys(t *testing.T) {
	const apiKey, secKey = "sekrit-api-key-0123456789", "sekrit-security-key-9876543210"
	_, vars := remote(t, apiKey, secKey)
	dir := t.TempDir()
	file := filepath.Join(dir, "new.json")
	os.WriteFile(file, []byte(`[{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Cough"}}]`), 0o644)
	for _, args := range [][]string{
		{"--debug", "studies", "list"},
		{"--debug", "records", "list", "--study", "DEMO", "--limit", "3", "-o", "csv"},
		{"--debug", "sites", "list", "--study", "NOPE"},
		{"--debug", "records", "list", "--study", "DEMO", "--filter", "nosuchfield==1"},
		{"--debug", "auth", "check", "-o", "json"},
		{"--debug", "records", "create", "--study", "DEMO", "--file", file, "--poll-interval", "5ms"},
	} {
		r := run(t, env{vars: vars}, args...)
		all := r.out + r.errOut
		if !strings.Contains(r.errOut, "imednet: request") {
			t.Errorf("%v: no request log on stderr: %q", args, r.errOut)
		}
		if strings.Contains(all, "sekrit") {
			t.Errorf("%v: a key in the output:\n%s", args, all)
		}
	}
	// Without --debug, nothing is logged.
	r := run(t, env{vars: vars}, "studies", "list")
	if r.errOut != "" {
		t.Errorf("stderr without --debug: %q", r.errOut)
	}
}
