package imednetotel

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/exporttest"
	"github.com/imednet/imednet-go/imednettest"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestExportSpans(t *testing.T) {
	const failing = "AE" // its records listing answers 400, so the form fails
	ts := fakeServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/records") && strings.Contains(r.URL.Query().Get("filter"), "formKey=="+failing) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"metadata":{"status":"BAD_REQUEST","error":{"code":"1000","description":"refused by the test"}}}`))
			return true
		}
		return false
	}, imednettest.WithStudy(imednettest.StudyConfig{Key: "DEMO", Sites: 2, Subjects: 3, RecordsPerSubject: 6}))
	sr, tp := newRecorder()
	c := newClient(t, ts.URL, tp)

	ctx, spans := StartExport(context.Background(), "DEMO", WithTracerProvider(tp))
	sum, err := export.Run(ctx, c, "DEMO", &exporttest.Recorder{}, export.Options{OnEvent: spans.OnEvent, PageSize: 5, Concurrency: 2})
	spans.End(sum, err)
	var runErr *export.RunError
	if !errors.As(err, &runErr) || sum == nil {
		t.Fatalf("want a RunError for form %s, got %v", failing, err)
	}
	spans.End(sum, nil)                                              // a second End does nothing
	spans.OnEvent(export.Event{Kind: export.FormStarted, Form: "X"}) // nor does a late event

	ended := sr.Ended()
	var run sdktrace.ReadOnlySpan
	forms := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		switch s.Name() {
		case "imednet export":
			if run != nil {
				t.Fatal("two run spans")
			}
			run = s
		case "imednet export form":
			key := attrMap(s.Attributes())[FormKey].AsString()
			if forms[key] != nil {
				t.Errorf("two spans for form %s", key)
			}
			forms[key] = s
		}
	}
	if run == nil {
		t.Fatal("no run span")
	}
	wantAttr(t, run, StudyKey, "DEMO")
	wantAttr(t, run, ExportRunIDKey, sum.RunID)
	wantAttr(t, run, ExportModeKey, "export")
	wantAttr(t, run, ExportRecordsKey, sum.Records)
	wantAttr(t, run, ExportFormsKey, len(sum.Forms))
	wantAttr(t, run, ExportFailedKey, len(sum.Failed()))
	wantAttr(t, run, "error.type", "*export.RunError")
	if run.Status().Code != codes.Error {
		t.Errorf("run span status %v", run.Status())
	}
	tablesWritten := 0
	for _, e := range run.Events() {
		if e.Name == "table written" {
			tablesWritten++
		}
	}
	if tablesWritten != len(sum.Tables) {
		t.Errorf("%d table events for %d reference tables", tablesWritten, len(sum.Tables))
	}

	if len(forms) != len(sum.Forms) {
		t.Errorf("%d form spans for %d forms", len(forms), len(sum.Forms))
	}
	withRecords := 0
	for _, f := range sum.Forms {
		s := forms[f.FormKey]
		if s == nil {
			t.Errorf("no span for form %s", f.FormKey)
			continue
		}
		if s.Parent().SpanID() != run.SpanContext().SpanID() {
			t.Errorf("form %s: span not under the run span", f.FormKey)
		}
		wantAttr(t, s, ExportRecordsKey, f.Records)
		if f.FormKey == failing {
			if f.Status != export.Failed || s.Status().Code != codes.Error || !strings.Contains(s.Status().Description, "refused by the test") {
				t.Errorf("form %s: status %s, span status %+v", f.FormKey, f.Status, s.Status())
			}
			wantAttr(t, s, "error.type", "400")
			continue
		}
		if s.Status().Code != codes.Unset {
			t.Errorf("form %s: span status %+v", f.FormKey, s.Status())
		}
		if f.Records > 0 {
			withRecords++
			var ev []sdktrace.Event
			for _, e := range s.Events() {
				if e.Name == "page written" {
					ev = append(ev, e)
				}
			}
			if len(ev) == 0 {
				t.Errorf("form %s: no page events for %d records", f.FormKey, f.Records)
				continue
			}
			if got := attrMap(ev[len(ev)-1].Attributes)[ExportRecordsKey].AsInt64(); got != f.Records {
				t.Errorf("form %s: last page event says %d records, the form wrote %d", f.FormKey, got, f.Records)
			}
		}
	}
	if withRecords < 2 {
		t.Errorf("only %d forms with records: the test study is too small to check anything", withRecords)
	}

	// The run's requests are children of the run span.
	requests, _ := split(ended)
	if len(requests) == 0 {
		t.Fatal("no request spans")
	}
	// The engine's pagers name each listing by its template, as the services do.
	listed := map[string]bool{}
	for _, rs := range requests {
		if rs.Parent().SpanID() != run.SpanContext().SpanID() {
			t.Errorf("request span %q is not under the run span", rs.Name())
		}
		tmpl := strings.TrimPrefix(attrMap(rs.Attributes())["url.template"].AsString(), imednet.APIPrefix)
		listed[tmpl] = true
		if rs.Name() != "imednet GET "+tmpl {
			t.Errorf("request span %q has url.template %s", rs.Name(), tmpl)
		}
		if tmpl != "/studies" {
			wantAttr(t, rs, StudyKey, "DEMO")
		}
	}
	for _, want := range []string{"/studies", "/studies/{studyKey}/forms", "/studies/{studyKey}/variables", "/studies/{studyKey}/records"} {
		if !listed[want] {
			t.Errorf("no request span for %s; spans for %v", want, listed)
		}
	}
	checkNoSecrets(t, ended, testAPIKey, testSecurityKey, "formKey==")
}

func TestExportSpansFromEventsAlone(t *testing.T) {
	sr, tp := newRecorder()
	ctx, spans := StartExport(context.Background(), "S1", WithTracerProvider(tp))
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		t.Fatal("the context holds no run span")
	}
	spans.OnEvent(export.Event{Kind: export.RunStarted, Total: 3})
	spans.OnEvent(export.Event{Kind: export.FormSkipped, Form: "A", Records: 7})
	spans.OnEvent(export.Event{Kind: export.FormFailed, Form: "B", Err: errors.New(`Get "https://h/x?filter=secret%3D1": boom`)})
	spans.OnEvent(export.Event{Kind: export.FormStarted, Form: "C"})
	spans.OnEvent(export.Event{Kind: export.TableFailed, Table: "sites", Err: &imednet.APIError{StatusCode: 500}})
	if n := len(sr.Ended()); n != 2 {
		t.Fatalf("%d spans ended before End, want the skipped and the failed form", n)
	}
	cause := context.Canceled
	spans.End(nil, cause)

	byForm := map[string]sdktrace.ReadOnlySpan{}
	var run sdktrace.ReadOnlySpan
	for _, s := range sr.Ended() {
		if s.Name() == "imednet export" {
			run = s
			continue
		}
		byForm[attrMap(s.Attributes())[FormKey].AsString()] = s
	}
	if run == nil || len(byForm) != 3 {
		t.Fatalf("run %v, forms %v", run, byForm)
	}
	wantAttr(t, byForm["A"], ExportSkippedKey, true)
	wantAttr(t, byForm["A"], ExportRecordsKey, 7)
	if s := byForm["B"]; s.Status().Code != codes.Error || strings.Contains(s.Status().Description, "secret") || !strings.Contains(s.Status().Description, "boom") {
		t.Errorf("failed form status %+v", s.Status())
	}
	// A form still open at End is ended with the run's error.
	wantAttr(t, byForm["C"], "error.type", "canceled")
	wantAttr(t, run, "error.type", "canceled")
	wantAttr(t, run, ExportFormsKey, 3)
	var tableEvents int
	for _, e := range run.Events() {
		if e.Name == "table failed" {
			tableEvents++
			wantEventAttr(t, e, "error.type", "500")
			wantEventAttr(t, e, string(ExportTableKey), "sites")
		}
	}
	if tableEvents != 1 {
		t.Errorf("%d table-failed events", tableEvents)
	}
}

func wantEventAttr(t *testing.T, e sdktrace.Event, key, want string) {
	t.Helper()
	for _, kv := range e.Attributes {
		if string(kv.Key) == key {
			if kv.Value.Emit() != want {
				t.Errorf("event %q: %s = %s, want %s", e.Name, key, kv.Value.Emit(), want)
			}
			return
		}
	}
	t.Errorf("event %q: no %s", e.Name, key)
}
