package imednetotel

import (
	"io"
	"net/http"
	"sync"

	imednet "github.com/imednet/imednet-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// middleware makes the attempt span and injects its context into the request's headers.
func (t *tracing) middleware(next http.RoundTripper) http.RoundTripper {
	return &transport{t: t, next: next}
}

type transport struct {
	t    *tracing
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	info, ok := imednet.RequestInfoFrom(req.Context())
	if !ok { // not sent by Client.Do: describe it from the request alone
		info = imednet.RequestInfo{Method: req.Method, Attempt: 1}
	}
	tg := newTarget(req.Method, info.Pattern, req.URL)
	if info.Pattern == "" {
		tg.template = "" // never a raw path: it would make one span name per resource
	}
	attrs := append(tg.attrs(), AttemptKey.Int(info.Attempt))
	if info.Attempt > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(info.Attempt-1))
	}
	name := tg.methodName()
	if tg.template != "" {
		name += " " + tg.template
	}
	ctx, span := tr.t.tracer.Start(req.Context(), name,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))

	// A RoundTripper must not modify the request it is given: send a copy with the trace
	// context in its headers.
	out := req.Clone(ctx)
	tr.t.propagators.Inject(ctx, propagation.HeaderCarrier(out.Header))

	resp, err := tr.next.RoundTrip(out)
	if err != nil {
		span.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), errorType(err, 0)))
		span.SetStatus(codes.Error, statusDescription(err, req.URL.RawQuery))
		span.End()
		return resp, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), errorType(nil, resp.StatusCode)))
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		span.End()
		return resp, nil
	}
	// The attempt lasts until its body is read: end the span at EOF, at a read error or at
	// Close, whichever comes first.
	resp.Body = &spanBody{ReadCloser: resp.Body, span: span, rawQuery: req.URL.RawQuery}
	return resp, nil
}

// spanBody ends an attempt's span when the response body is done with.
type spanBody struct {
	io.ReadCloser
	span     trace.Span
	rawQuery string
	once     sync.Once
}

func (b *spanBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	switch {
	case err == io.EOF:
		b.end(nil)
	case err != nil:
		b.end(err)
	}
	return n, err
}

func (b *spanBody) Close() error {
	err := b.ReadCloser.Close()
	b.end(nil)
	return err
}

func (b *spanBody) end(err error) {
	b.once.Do(func() {
		if err != nil {
			b.span.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), errorType(err, 0)))
			b.span.SetStatus(codes.Error, "reading the response body: "+statusDescription(err, b.rawQuery))
		}
		b.span.End()
	})
}
