// Package imednetotel traces the calls of an [imednet.Client] with OpenTelemetry. It lives
// apart from the SDK so that the SDK itself depends on the standard library only.
//
// [ClientOptions] returns the options to pass to [imednet.New] (or to
// imednettest's Server.Client):
//
//	client, err := imednet.NewFromEnv(imednetotel.ClientOptions(
//		imednetotel.WithTracerProvider(tp),
//	)...)
//
// Each call of [imednet.Client.Do] (every Get, every List, every page of an iterator) then
// makes one span, and each HTTP attempt of it (the first try and every retry) a child span:
//
//   - the request span, of kind Internal, named "imednet GET /studies/{studyKey}/records",
//     covers the call with its retries and backoff waits. It carries http.request.method,
//     url.template, server.address and server.port, imednet.study when the path has a study
//     key, imednet.page and imednet.page_size for a list page, and at the end
//     http.response.status_code and imednet.attempts.
//   - the attempt span, of kind Client, named "GET /api/v1/edc/studies/{studyKey}/records"
//     as the HTTP client conventions ask, covers one round trip until its body is read or
//     closed. It carries the same request attributes (without the page), imednet.attempt,
//     http.request.resend_count from the second attempt on, and
//     http.response.status_code. Its context is sent to the server through the configured
//     propagators (the W3C traceparent header with the usual setup).
//
// A failed call or attempt sets its span's status to Error with error.type: the HTTP
// status ("503") for an error response, "timeout" or "canceled" when a deadline or a
// cancellation ended it, and otherwise the type of the underlying error, such as
// "net.OpError".
//
// What is never recorded: headers (the API keys travel in them), the query string (filters
// may hold clinical data; only the page number and size are kept), request and response
// bodies. For the same reason the attempt spans carry url.template but no url.full.
// Error messages in span statuses have the request's query string removed.
//
// An export run ([export.Run], [export.Sync]) is traced by [StartExport]: a span for the run
// and one per form, made from the engine's progress events.
package imednetotel
