package imednetotel

import (
	"context"
	"errors"
	"net/url"

	imednet "github.com/imednet/imednet-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// observer makes the request span: one per call of Client.Do.
type observer struct{ t *tracing }

func (o *observer) StartRequest(ctx context.Context, info imednet.RequestInfo, u *url.URL) (context.Context, func(*imednet.Response, error)) {
	tg := newTarget(info.Method, info.Pattern, u)
	attrs := append(tg.attrs(), pageAttrs(u.Query())...)
	ctx, span := o.t.tracer.Start(ctx, "imednet "+tg.methodName()+" "+info.Pattern,
		trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...))
	rawQuery := u.RawQuery
	return ctx, func(resp *imednet.Response, err error) {
		defer span.End()
		if !span.IsRecording() {
			return
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		if n := attempts(resp, err); n > 0 {
			span.SetAttributes(AttemptsKey.Int(n))
		}
		if status > 0 {
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		}
		if err != nil {
			span.SetAttributes(attribute.String(string(semconv.ErrorTypeKey), errorType(err, status)))
			span.SetStatus(codes.Error, statusDescription(err, rawQuery))
		}
	}
}

// attempts is how many attempts the call made, from its response or its error.
func attempts(resp *imednet.Response, err error) int {
	if resp != nil && resp.Attempts > 0 {
		return resp.Attempts
	}
	var apiErr *imednet.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Attempts
	}
	var re *imednet.RequestError
	if errors.As(err, &re) {
		return re.Attempts
	}
	return 0
}
