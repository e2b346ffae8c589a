// Package imednettest is a fake iMednet EDC REST API server for tests, benchmarks and
// sandboxes. It serves the API's 14 operations under /api/v1/edc from deterministic,
// generated studies, and behaves like the real service: the same envelope, errors, paging,
// sorting, filter grammar and asynchronous record jobs.
//
// # Use
//
// In a test:
//
//	srv := imednettest.MustNewServer(t) // one study, "DEMO"; closed when the test ends
//	client, err := srv.Client()          // an *imednet.Client with the server's keys
//	if err != nil {
//		t.Fatal(err)
//	}
//	page, err := client.Records.List(ctx, imednettest.DemoStudyKey, nil)
//
// Other HTTP clients use [Server.URL] with the keys [DemoAPIKey] and [DemoSecurityKey] (or
// those given to [WithKeys]) in the x-api-key and x-imn-security-key headers. [New] builds a
// server without a listener: mount [Server.Handler], or use [Server.Client], which then calls
// the handler in-process.
//
// The package imports the SDK (package imednet), so the SDK's own in-package tests cannot
// import it; its external tests (package imednet_test) can.
//
// Studies are configured with [WithStudy] and a [StudyConfig] (sites, subjects, records per
// subject, intervals, forms, users, and the shares of deleted records, queries and codings).
// Each study has sites (open or closed for enrollment), subjects with keys such as "01-001"
// and keywords, intervals (Screening, Baseline, Day 15, ..., End of Study, plus a disabled
// one) with their forms, forms (REG registration, VS, AE, DM, LAB, CM, MH, PE, EX, EOS, SITE,
// a disabled RETIRED form) with variables of every type (TEXT, TEXTAREA, NUMBER, DATE, RADIO,
// DROPDOWN, CHECKBOX), visits, records whose data fits the variables' types (with blanks and
// text that needs JSON escaping), the audit trail (at least one revision per record, ids in
// chronological order), queries with comments, MedDRA and WHODrug codings of the AE and CM
// terms, and users with roles, some inactive.
//
// # Changing data
//
// POST /studies/{studyKey}/records answers 202 with a job; the job is "created" for the
// first half of the job delay ([WithJobDelay], default 50 ms), "running" for the second half,
// then "completed" (every item applied) or "failed" (nothing applied). Jobs advance lazily
// when the study is next used, without goroutines. Items are checked as the service checks
// them: the form, site, subject, interval and record must exist, the variables must belong
// to the form, and values must fit their type (a number for NUMBER, YYYY-MM-DD for DATE, a
// boolean for CHECKBOX). Registration (site without subject) creates a subject with the next
// key of its site. Every change gets a new dateModified and a new record revision.
//
// [Study.UpdateRecord], [Study.AddRecord] and [Study.DeleteRecord] change data directly, for
// tests of incremental synchronisation; [Server.Stats] counts requests (by method and path
// template), submissions received, accepted and refused, the records they carried and those
// applied, jobs, changes and injected faults, so that a test can check that each accepted
// submission was applied exactly once (ItemsApplied == ItemsAccepted, JobsCompleted ==
// Submissions).
//
// # Faults
//
// [WithFaults] makes the server slow and unreliable as a real service behind a real network
// is, to test a client's retries, timeouts and idempotence; [Server.SetFaults] changes the
// faults while it runs (turn them off to read the data back and compare). A [Faults] gives:
//
//   - latency per request, fixed or drawn from a range ([WithLatency]);
//   - a rate limit: past N requests per window, 429 with Retry-After (the seconds left in the
//     window) and the API's error body ([WithRateLimit]);
//   - at given rates: 429 with Retry-After; 500 in the API's error shape, 502 with a proxy's
//     HTML page, 503 in the API's shape or as plain text; connection resets; bodies cut short
//     (the full Content-Length is declared, then the connection ends); success answers whose
//     body is not JSON (cut JSON, or an HTML page); bodies written slowly in pieces;
//   - for POST /records, resets after the submission was accepted: the job runs and is
//     applied, the client sees a network error. This is the case that makes resending a
//     submission after a 5xx or a network error unsafe; a test can check that its client does
//     not resend (Stats.SubmissionsReceived) and find the job the client never heard of
//     ([JobInfo.Acknowledged] is false).
//
// Faults can be restricted to methods and path templates, or exclude some (for example all
// but POST). Faults before the handler (429, 5xx, reset) leave the data untouched; faults on
// the answer (reset after accept, truncated, malformed, slow) come after the handler acted and
// only on success answers. Each request's fate is a hash of the seed, the request (method,
// path and query) and how many identical requests came before it, so the same requests meet
// the same faults in every run, concurrent or not; the rate limit alone depends on timing.
// Over a listener a reset is a TCP RST and a truncation a closed connection (Go's transport
// may silently resend a GET once when a kept-alive connection is reset); in-process
// ([Server.Client] of a server built with [New]) a reset is an error wrapping
// syscall.ECONNRESET and a truncated body ends with io.ErrUnexpectedEOF.
//
// # Determinism
//
// The same seed ([WithSeed]) and the same configuration give the same data, byte for byte:
// every value is a hash of the seed and the item. The default clock starts at
// [DefaultStart] (2025-06-05 21:12:08 UTC, after all generated data) and advances one second
// per change, so responses (metadata.timestamp included) are reproducible; [WithClock]
// replaces it. Job ids are derived from the seed and the job's sequence number.
//
// # Scale
//
// Records are stored as 32-byte rows (ids, indices, Unix times, flags); their data is
// derived on demand from the seed, the record id and the form, and only records changed after
// start keep their values. A study of 1,000,000 records (BenchmarkGenerate1M) generates in
// about 0.3 s with 83 MB of live heap, and a page of 500 records (about 290 kB) is served in
// about 0.5 ms (BenchmarkServeRecordsPage500). Records are
// indexed by form and subject, so that the export's access pattern (formKey==X or formId==N,
// with dateModified>T) reads only that form's records, and timestamp comparisons run on
// integers. The result of a filtered or sorted list is cached while the study is unchanged,
// so paging through it costs one evaluation. Responses are written with append-style encoders,
// without reflection.
//
// # Behaviour in detail
//
//   - Both key headers are required on every request: a missing or wrong one gives 401
//     (status UNAUTHORIZED, code "9001"). Then: an unknown path 404, a wrong method 405, an
//     unknown study 403, an unknown batch id 404.
//   - page and size default to 0 and 25; a page that is not a non-negative integer, or a size
//     outside 1..500, gives 400 with code "1000" and the parameter in error.field.
//   - sort may be repeated ("a,ASC&sort=b,desc"; "a,b,DESC" sorts by both); direction is
//     case-insensitive and echoed upper-case in pagination.sort; a property that is not a
//     field of the item, or is a list, gives 400. Defaults are those of the API (§4 of the
//     reference); variables and codings sort by formId. Ties are broken by the item's id, so
//     every order is total. Nulls sort first.
//   - filter is parsed and evaluated with the SDK's own grammar (internal/filterexpr), on the
//     attributes as they are printed: any top-level field, dotted fields of lists
//     (queryComments.user, keywords.keywordKey, roles.name, forms.formKey; true when any
//     element matches), and studyKey on every study-scoped endpoint. An unknown attribute or
//     a malformed filter gives 400 with the filter in error.field.value. /users applies a
//     filter when it can and ignores it otherwise; it lists only users active in the study
//     unless includeInactive=true.
//   - recordDataFilter (on /records) applies to recordData, including =~ (case-insensitive
//     regular expression or substring); mixing ";" and "," gives 400.
//   - recordData holds every variable of the form, as strings ("" when blank), followed by
//     the system keys dateCreated and dateModified.
//
// # Differences from the real service
//
// The fake follows the public documentation (see the reference in the repository); where the
// documentation is silent it makes a choice, which may differ from the real service:
//
//   - error codes and descriptions other than the documented 1000/9000/9001 examples (404,
//     405 and 403 bodies, the detail added to filter and sort errors) are invented in the
//     documented shape;
//   - a size above 500 is refused with 400 (the documentation does not say whether the
//     service refuses or clamps it);
//   - unscheduled records have intervalId and visitId 0, site records subjectId 0 and an
//     empty subjectKey; parentRecordId is always 0 (no subrecords); Query.type is always null;
//   - the semantics of the job states are taken from a secondary source; a failed job only
//     says "failed" (the reason is in [JobInfo.Error], not in the API's answer); jobs never
//     send the x-email-notify mail (the address is kept in [JobInfo.Email]);
//   - registering at a site closed for enrollment fails the job; a RADIO or DROPDOWN value
//     submitted is not checked against its choices (the API does not publish them; the
//     study's [Study.DictionaryFiles] do, and generated values are always among them); submitted values are stored as
//     text (a JSON number as written, a boolean as true/false);
//   - sorting and comparison follow the printed values' types (numbers numerically, strings
//     byte-wise, timestamps chronologically), which a database collation may not;
//   - the real service's rate limits are not published: without [Faults] the fake never
//     answers 429, 5xx or fails a connection, and with them the limits, rates and the error
//     codes and descriptions of 429, 500 and 503 (code "9000") are the fake's own; the 429
//     body uses the vendor's shape, not the {"status":"ERROR","error":{"message":...}} of
//     the OpenAPI document;
//   - the OpenAPI document gives only POST /records a 429; the fake (with a rate limit)
//     answers 429 on any request, as the service's documented limit applies to all; the
//     contract test lists this and the document's other mistakes;
//   - the unverified endpoints GET /studies/{studyKey} and GET /studies/{studyKey}/jobs are
//     not served (404);
//   - a user's roles, the keys' permissions, ePRO, subrecords, and record keywords beyond one
//     generated keyword are not modelled.
package imednettest
