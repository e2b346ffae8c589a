package imednetotel

import (
	"context"
	"errors"
	"sync"

	"github.com/imednet/imednet-go/export"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Attributes of the spans of an export run.
const (
	// FormKey is the form key of a form's span ("AE").
	FormKey = attribute.Key("imednet.form")
	// ExportFormsKey is the number of forms in a run.
	ExportFormsKey = attribute.Key("imednet.export.forms")
	// ExportRecordsKey is the number of records written: by a form, or by the whole run.
	ExportRecordsKey = attribute.Key("imednet.export.records")
	// ExportTotalKey is the number of records the server said a form's listing holds.
	ExportTotalKey = attribute.Key("imednet.export.total")
	// ExportSkippedKey is true on the span of a form that a resumed run did not fetch again.
	ExportSkippedKey = attribute.Key("imednet.export.skipped")
	// ExportRunIDKey is the run's id in the ledger.
	ExportRunIDKey = attribute.Key("imednet.export.run_id")
	// ExportModeKey is "export" or "sync".
	ExportModeKey = attribute.Key("imednet.export.mode")
	// ExportFailedKey is the number of forms and reference tables that failed.
	ExportFailedKey = attribute.Key("imednet.export.failed")
	// ExportTableKey is the reference table of a "table written" or "table failed" event.
	ExportTableKey = attribute.Key("imednet.export.table")
)

// ExportSpans turns the progress events of an export run ([export.Run] or [export.Sync])
// into spans: one span "imednet export" for the run, and under it one span
// "imednet export form" per form (imednet.form), from its start to its end, with an event
// per page written and the records written; reference tables appear as events of the run
// span. Start one with [StartExport], pass its OnEvent as [export.Options].OnEvent and the
// context it returns to the run, and call End when the run returns:
//
//	ctx, spans := imednetotel.StartExport(ctx, study, imednetotel.WithTracerProvider(tp))
//	sum, err := export.Run(ctx, client, study, sink, export.Options{OnEvent: spans.OnEvent})
//	spans.End(sum, err)
//
// With a client traced by [ClientOptions], the requests of the run are children of the run
// span, beside the form spans rather than under them: the engine's events carry no context
// to place them there. ExportSpans is safe for concurrent use.
type ExportSpans struct {
	tracer trace.Tracer
	ctx    context.Context // holds the run span

	mu    sync.Mutex
	run   trace.Span
	forms map[string]trace.Span
	ended bool
}

// StartExport starts the run span of an export of study and returns the context to run
// the export with, and the ExportSpans that receives its events.
func StartExport(ctx context.Context, study string, opts ...Option) (context.Context, *ExportSpans) {
	t := newTracing(opts)
	ctx, run := t.tracer.Start(ctx, "imednet export",
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(StudyKey.String(study)))
	return ctx, &ExportSpans{tracer: t.tracer, ctx: ctx, run: run, forms: map[string]trace.Span{}}
}

// OnEvent records an event of the run; pass it as [export.Options].OnEvent.
func (x *ExportSpans) OnEvent(e export.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended {
		return
	}
	switch e.Kind {
	case export.RunStarted:
		x.run.SetAttributes(ExportFormsKey.Int64(e.Total))
	case export.FormStarted:
		x.startForm(e.Form)
	case export.PageWritten:
		if s := x.forms[e.Form]; s != nil {
			s.AddEvent("page written", trace.WithAttributes(ExportRecordsKey.Int64(e.Records), ExportTotalKey.Int64(e.Total)))
		}
	case export.FormFinished:
		s := x.takeForm(e.Form)
		s.SetAttributes(ExportRecordsKey.Int64(e.Records), ExportTotalKey.Int64(e.Total))
		s.End()
	case export.FormSkipped:
		s := x.takeForm(e.Form)
		s.SetAttributes(ExportSkippedKey.Bool(true), ExportRecordsKey.Int64(e.Records))
		s.End()
	case export.FormFailed:
		s := x.takeForm(e.Form)
		s.SetAttributes(ExportRecordsKey.Int64(e.Records))
		setError(s, e.Err)
		s.End()
	case export.TableWritten:
		x.run.AddEvent("table written", trace.WithAttributes(ExportTableKey.String(e.Table), ExportRecordsKey.Int64(e.Records)))
	case export.TableFailed:
		attrs := []attribute.KeyValue{ExportTableKey.String(e.Table), ExportRecordsKey.Int64(e.Records)}
		if e.Err != nil {
			attrs = append(attrs, attribute.String(string(semconv.ErrorTypeKey), errorType(e.Err, 0)),
				semconv.ExceptionMessageKey.String(scrubURLs(e.Err.Error())))
		}
		x.run.AddEvent("table failed", trace.WithAttributes(attrs...))
	case export.RunFinished:
		x.run.SetAttributes(ExportRecordsKey.Int64(e.Records))
		if e.Err != nil {
			setRunError(x.run, e.Err)
		}
	}
}

func (x *ExportSpans) startForm(key string) trace.Span {
	if s := x.forms[key]; s != nil { // a form is started once per run; never leak a span
		s.End()
	}
	_, s := x.tracer.Start(x.ctx, "imednet export form",
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(FormKey.String(key)))
	x.forms[key] = s
	return s
}

// takeForm removes the form's span from the open ones, starting it if no FormStarted came
// (a form skipped, or failed before its start).
func (x *ExportSpans) takeForm(key string) trace.Span {
	s := x.forms[key]
	if s == nil {
		s = x.startForm(key)
	}
	delete(x.forms, key)
	return s
}

// End ends the run span (and any form span still open), with what [export.Run] or
// [export.Sync] returned: the summary's run id, mode, records and failures, and the error.
// Either may be nil. Events received after End are ignored; a second End does nothing.
func (x *ExportSpans) End(sum *export.Summary, err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ended {
		return
	}
	x.ended = true
	for key, s := range x.forms {
		if err != nil {
			setError(s, err)
		}
		s.End()
		delete(x.forms, key)
	}
	if sum != nil {
		x.run.SetAttributes(ExportRunIDKey.String(sum.RunID), ExportModeKey.String(string(sum.Mode)),
			ExportRecordsKey.Int64(sum.Records), ExportFailedKey.Int(len(sum.Failed())))
	}
	if err != nil {
		setRunError(x.run, err)
	}
	x.run.End()
}

func setError(s trace.Span, err error) {
	if err == nil {
		s.SetStatus(codes.Error, "")
		return
	}
	s.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), errorType(err, 0)))
	s.SetStatus(codes.Error, scrubURLs(err.Error()))
}

// setRunError marks the run span failed: error.type is the run error's type when forms or
// tables failed (their spans and events say why), and the cause's otherwise.
func setRunError(s trace.Span, err error) {
	var re *export.RunError
	if errors.As(err, &re) {
		s.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), semconv.ErrorType(re).Value.AsString()))
		s.SetStatus(codes.Error, scrubURLs(err.Error()))
		return
	}
	setError(s, err)
}
