package cmdutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

func TestExitCode(t *testing.T) {
	api := func(status int) error {
		return fmt.Errorf("listing: %w", &imednet.APIError{StatusCode: status, Method: "GET", Path: "/api/v1/edc/studies"})
	}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitFailure},
		{api(401), ExitAuth},
		{api(403), ExitAuth},
		{api(400), ExitUsage},
		{api(404), ExitFailure},
		{api(500), ExitFailure},
		{UsageErrorf("bad"), ExitUsage},
		{&SilentError{Code: 2}, 2},
		{&ExitError{Code: 1, Err: api(401)}, 1},
		{&imednet.CreateValidationError{Total: 1}, ExitUsage},
		{&dictionary.ValidationError{}, ExitUsage},
		{imednet.ErrNoStudy, ExitUsage},
		{&imednet.RequestError{Method: "GET", Path: "/x", Attempts: 4, Err: errors.New("refused")}, ExitFailure},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	msg := ErrorMessage(&imednet.APIError{StatusCode: 401, Method: "GET", Path: "/api/v1/edc/studies", Code: "9001", Description: "Invalid key"})
	if msg != "GET /api/v1/edc/studies: 401 Unauthorized: code 9001: Invalid key (hint: check IMEDNET_API_KEY and IMEDNET_SECURITY_KEY)" {
		t.Errorf("401: %q", msg)
	}
	msg = ErrorMessage(&imednet.APIError{StatusCode: 403, Method: "GET", Path: "/api/v1/edc/studies/X/sites"})
	if !strings.Contains(msg, "403 Forbidden") || !strings.Contains(msg, "hint: check the study key") {
		t.Errorf("403: %q", msg)
	}
	if got := ErrorMessage(errors.New("imednet: imednet: x")); got != "x" {
		t.Errorf("prefix: %q", got)
	}
}

func TestParseSort(t *testing.T) {
	got, err := ParseSort([]string{"a", "b,DESC", " c , asc "})
	if err != nil {
		t.Fatal(err)
	}
	want := []imednet.Sort{{Property: "a"}, {Property: "b", Descending: true}, {Property: "c"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", got, want)
	}
	for _, bad := range []string{"", ",desc", "a,up"} {
		if _, err := ParseSort([]string{bad}); ExitCode(err) != ExitUsage {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestStudyAndFormat(t *testing.T) {
	env := map[string]string{}
	f := &Factory{IO: &IOStreams{}, Getenv: func(k string) string { return env[k] }}
	if _, err := f.Study(""); ExitCode(err) != ExitUsage {
		t.Errorf("no study: %v", err)
	}
	env[EnvStudy] = "ENV"
	if s, _ := f.Study(""); s != "ENV" {
		t.Errorf("env: %q", s)
	}
	if s, _ := f.Study("FLAG"); s != "FLAG" {
		t.Errorf("flag: %q", s)
	}
	f.Flags.Sandbox = true
	if s, _ := f.Study(""); s != "DEMO" {
		t.Errorf("sandbox: %q", s)
	}
	if format, _ := f.Format(); format != "jsonl" {
		t.Errorf("piped: %s", format)
	}
	f.IO.OutTTY = true
	if format, _ := f.Format(); format != "table" {
		t.Errorf("terminal: %s", format)
	}
	f.Flags.Output = "csv"
	if format, _ := f.Format(); format != "csv" {
		t.Errorf("--output csv: %s", format)
	}
}

func TestTerminalWidth(t *testing.T) {
	for _, tc := range []struct {
		columns string
		asked   int
		want    int
	}{
		{"", 132, 132},
		{"100", 132, 100},
		{" 90 ", 0, 90},
		{"0", 80, 80},
		{"-5", 80, 80},
		{"wide", 80, 80},
		{"", 0, 0},
		{"", -1, 0},
	} {
		if got := terminalWidth(tc.columns, func() int { return tc.asked }); got != tc.want {
			t.Errorf("terminalWidth(%q, %d) = %d, want %d", tc.columns, tc.asked, got, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"records", "revisions", "sites", "studies", "filter"}
	for typed, want := range map[string]string{
		"recrods": "records", "reocrds": "records", "REC": "records", "fliter": "filter",
		"sties": "sites,studies", "xyz": "", "": "",
	} {
		if got := strings.Join(Suggest(typed, names), ","); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", typed, got, want)
		}
	}
	if got := DidYouMean([]string{"a", "b", "c"}); got != "; did you mean 'a', 'b' or 'c'?" {
		t.Errorf("DidYouMean: %q", got)
	}
	if DidYouMean(nil) != "" {
		t.Error("DidYouMean(nil) is not empty")
	}
}

func TestCheckFilter(t *testing.T) {
	for _, ok := range []string{"", "  ", "formKey==AE", "a==1;b==2,c==3", `siteName=="A, B"`, "x=~head and y>=2"} {
		if err := CheckFilter("--filter", ok, false); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for in, want := range map[string]string{
		"formKey==":   `--filter "formKey==": expected a value after "==", at the end`,
		"==AE":        "at character 1",
		"a==1;;b==2":  "at character 6",
		`a=="open`:    "closing",
		"formKey ~ x": "expected an operator",
	} {
		err := CheckFilter("--filter", in, false)
		if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want a usage error with %q", in, err, want)
		}
	}
	if err := CheckFilter("--record-data-filter", "a==1;b==2,c==3", true); ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), "cannot mix") {
		t.Errorf("record data filter mixing connectors: %v", err)
	}
}
