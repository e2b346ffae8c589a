package imednetotel_test

import (
	"context"
	"fmt"
	"log"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednetotel"
	"github.com/imednet/imednet-go/imednettest"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A client traced with a tracer provider of its own. A real program would give the provider
// an exporter (sdktrace.WithBatcher(exporter)) and shut it down on exit; here an in-memory
// recorder shows the spans of one list page.
func Example() {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	defer tp.Shutdown(context.Background())

	tracing := imednetotel.ClientOptions(
		imednetotel.WithTracerProvider(tp),
		imednetotel.WithPropagators(propagation.TraceContext{}), // send traceparent
	)

	// With the real service: imednet.NewFromEnv(tracing...). Here, the fake server.
	srv, err := imednettest.New()
	if err != nil {
		log.Fatal(err)
	}
	client, err := srv.Client(tracing...)
	if err != nil {
		log.Fatal(err)
	}
	page, err := client.Sites.List(context.Background(), "DEMO", &imednet.ListOptions{PageSize: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sites on the page:", len(page.Items))

	for _, span := range recorder.Ended() {
		fmt.Printf("%s %q\n", span.SpanKind(), span.Name())
		for _, kv := range span.Attributes() {
			switch kv.Key {
			case "imednet.study", "imednet.page", "imednet.page_size", "imednet.attempts",
				"imednet.attempt", "http.response.status_code":
				fmt.Printf("  %s=%s\n", kv.Key, kv.Value.Emit())
			}
		}
	}
	// Output:
	// sites on the page: 2
	// client "GET /api/v1/edc/studies/{studyKey}/sites"
	//   imednet.study=DEMO
	//   imednet.attempt=1
	//   http.response.status_code=200
	// internal "imednet GET /studies/{studyKey}/sites"
	//   imednet.study=DEMO
	//   imednet.page=0
	//   imednet.page_size=2
	//   imednet.attempts=1
	//   http.response.status_code=200
}
