package imednetotel

import (
	imednet "github.com/imednet/imednet-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the spans this package makes.
const ScopeName = "github.com/imednet/imednet-go/imednetotel"

// Attributes that this package adds to the OpenTelemetry HTTP client conventions.
const (
	// StudyKey is the study key of a study-scoped request ("DEMO").
	StudyKey = attribute.Key("imednet.study")
	// PageKey is the 0-based page number of a list request.
	PageKey = attribute.Key("imednet.page")
	// PageSizeKey is the page size of a list request.
	PageSizeKey = attribute.Key("imednet.page_size")
	// AttemptsKey is the number of HTTP attempts a request took, retries included.
	AttemptsKey = attribute.Key("imednet.attempts")
	// AttemptKey is the number of an attempt, 1 for the first.
	AttemptKey = attribute.Key("imednet.attempt")
)

// Option configures the tracing set up by [ClientOptions], [NewObserver] and
// [NewMiddleware].
type Option func(*config)

type config struct {
	provider    trace.TracerProvider
	propagators propagation.TextMapPropagator
}

// WithTracerProvider makes the spans with tp. The default is the global provider
// (otel.GetTracerProvider), which records nothing until one is installed with
// otel.SetTracerProvider. A nil tp keeps the default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.provider = tp
		}
	}
}

// WithPropagators sends the trace context to the server with p, for example
// propagation.TraceContext{} for the W3C traceparent header. The default is the global
// propagator (otel.GetTextMapPropagator), which sends nothing until one is installed with
// otel.SetTextMapPropagator. A nil p keeps the default; to send nothing, pass
// propagation.NewCompositeTextMapPropagator() with no propagators.
func WithPropagators(p propagation.TextMapPropagator) Option {
	return func(c *config) {
		if p != nil {
			c.propagators = p
		}
	}
}

// tracing is the resolved configuration shared by the observer and the middleware.
type tracing struct {
	tracer      trace.Tracer
	propagators propagation.TextMapPropagator
}

func newTracing(opts []Option) *tracing {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.provider == nil {
		c.provider = otel.GetTracerProvider()
	}
	if c.propagators == nil {
		c.propagators = otel.GetTextMapPropagator()
	}
	return &tracing{
		tracer:      c.provider.Tracer(ScopeName, trace.WithInstrumentationVersion(imednet.Version)),
		propagators: c.propagators,
	}
}

// ClientOptions returns the options that trace a client: an [imednet.WithObserver] that
// makes a span per request and an [imednet.WithMiddleware] that makes a span per attempt
// and propagates the trace context. Pass them to [imednet.New] or [imednet.NewFromEnv].
func ClientOptions(opts ...Option) []imednet.Option {
	t := newTracing(opts)
	return []imednet.Option{
		imednet.WithObserver(&observer{t: t}),
		imednet.WithMiddleware(t.middleware),
	}
}

// NewObserver returns the observer that [ClientOptions] installs: a span per call of
// [imednet.Client.Do]. Use it on its own to trace requests without attempt spans.
func NewObserver(opts ...Option) imednet.Observer {
	return &observer{t: newTracing(opts)}
}

// NewMiddleware returns the middleware that [ClientOptions] installs: a span per HTTP
// attempt, with the trace context injected into the request's headers. Use it on its own,
// or to place it among other middleware.
func NewMiddleware(opts ...Option) imednet.Middleware {
	return newTracing(opts).middleware
}
