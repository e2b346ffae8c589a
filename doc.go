// Package imednet is a client for the iMednet EDC REST API, the electronic data capture
// service used to collect patient data in clinical trials.
//
// It is built on the standard library only. A [Client] is safe for concurrent use, retries
// what can safely be retried, pages through lists with iterators, and turns every failure
// into an error you can inspect with errors.Is and errors.As.
//
// # Getting started
//
// Build a client from the environment (IMEDNET_API_KEY and IMEDNET_SECURITY_KEY, optionally
// IMEDNET_BASE_URL and IMEDNET_TIMEOUT) or from explicit options:
//
//	c, err := imednet.NewFromEnv()
//	// or
//	c, err := imednet.New(
//		imednet.WithAPIKey(apiKey, securityKey),
//		imednet.WithTimeout(20*time.Second),
//	)
//
// The base URL defaults to https://edc.prod.imednetapi.com; every resource lives under
// /api/v1/edc, which the client adds itself (a base URL that already ends in /api or
// /api/v1/edc is accepted and normalised).
//
// # The environment
//
// [ReadEnv] is the one reader of the environment, used by NewFromEnv and by the imednet
// command alike: IMEDNET_API_KEY and IMEDNET_SECURITY_KEY (the keys), IMEDNET_BASE_URL and
// IMEDNET_TIMEOUT (seconds such as "30" or "2.5", or a Go duration such as "45s"; above 0 and
// at most 24h). It takes a lookup function (os.Getenv, or a map in a test), removes
// surrounding space, and refuses an invalid value with an error that names the variable and
// what it should hold, never a key. [Env.Options] turns what it read into options; options
// after them win, which is how NewFromEnv's arguments and the command's flags override the
// environment:
//
//	env, err := imednet.ReadEnv(os.Getenv)
//	if err != nil {
//		return err // imednet: IMEDNET_TIMEOUT="100000": want a timeout above 0 and at most 24h ...
//	}
//	c, err := imednet.New(append(env.Options(), imednet.WithTimeout(time.Minute))...)
//
// # Resources
//
// Each of the API's resources has a service on the client: Studies, Sites, Subjects, Forms,
// Intervals, Visits, Variables, Records, RecordRevisions, Queries, Users, Codings and Jobs.
// Every list has List (one page, with its pagination), All (an iterator over every item) and
// Get (one item by id; the API has no single-item paths, so Get lists with an id filter and
// returns an error matching [ErrNotFound] when nothing matches):
//
//	for rec, err := range c.Records.All(ctx, "PHARMADEMO", &imednet.RecordListOptions{
//		ListOptions: imednet.ListOptions{
//			Filter: imednet.Eq("formKey", "AE").And(imednet.Gt("dateModified", since)),
//			Sort:   []imednet.Sort{imednet.Asc("recordId")},
//		},
//		RecordDataFilter: imednet.Contains("AETERM", "headache"),
//	}) { ... }
//
// Filters are built with [Eq], [Ne], [Lt], [Le], [Gt], [Ge], [Contains], [Filter.And] and
// [Filter.Or], which print the API's grammar and check attribute names before anything is
// sent; [RawFilter] passes an expression through unchanged.
//
// Models keep the API's field names in their JSON tags, read every documented field with a Go
// type that fits (ids as int, keys such as "01-001" as string, dates as [Timestamp]) and keep
// whatever else arrives in their Extra map. A record's data is a [RecordData]: raw JSON values
// by variable name, read with typed accessors (Text, Number, Bool, Date, Raw), because the API
// sends them as strings or numbers.
//
// # Submitting records
//
// [RecordsService.Create] posts record requests built with [RegisterSubject], [NewRecord],
// [UpdateScheduledRecord] or [UpdateRecord]. Every request is checked first (and, with
// CreateOptions.Validator, against the study's data dictionary, see package dictionary), so
// invalid input is never sent. Large batches go in chunks, one job each; a chunk is retried
// only after a 429, never after the server may have acted on it. [JobsService.Wait] polls a
// job until it finishes, fails ([*JobFailedError]) or times out ([*JobTimeoutError]).
//
// # Authentication
//
// The API authenticates every request with two headers, x-api-key and x-imn-security-key,
// set by [WithAPIKey]. Another scheme plugs in through the [Authenticator] interface and
// [WithAuthenticator]; [BearerTokenAuth] sends an OAuth access token.
//
// Credentials are added to each attempt after any [Middleware] has run, and only for requests
// to the configured host and scheme, so they never follow a redirect elsewhere. A plain
// http:// base URL is refused unless it points at a loopback address (a local test server)
// or [WithInsecureHTTP] is given. The keys never appear in error messages, log records or
// the String form of an authenticator.
//
// # Errors
//
// A call returns one of three error types:
//
//   - [*APIError]: the API answered with an error status. It carries the HTTP status, the
//     API's own status and code ("1000" invalid value, "9000" unknown error, "9001"
//     insufficient permission), the description, the offending field, the request's method
//     and path, and the start of the body. Test its class with errors.Is: [ErrBadRequest]
//     (400), [ErrUnauthorized] (401), [ErrForbidden] (403, often an unknown study key),
//     [ErrNotFound] (404), [ErrConflict] (409), [ErrRateLimited] (429, with RetryAfter) and
//     [ErrServer] (5xx). [ErrValidation] is narrower than ErrBadRequest: a 400 that names
//     an invalid value (code "1000" or an offending field), and also a record submission
//     refused before sending ([*CreateValidationError]); a 400 that does not say what was
//     invalid is not one.
//   - [*RequestError]: no usable response arrived after the allowed attempts (network
//     failure, timeout, malformed or oversized body, cancelled context). It records the
//     number of attempts and wraps the cause, so errors.Is(err, context.Canceled) works.
//   - [*PaginationError]: a list response could not be paged through safely.
//
// For example:
//
//	var apiErr *imednet.APIError
//	switch {
//	case errors.Is(err, imednet.ErrForbidden):
//		// wrong study key, or the key may not see this study
//	case errors.As(err, &apiErr):
//		log.Printf("API error %s: %s", apiErr.Code, apiErr.Description)
//	}
//
// # Retries
//
// Each request is attempted up to 1 + [WithMaxRetries] times (default 3 retries). The
// [DefaultRetryPolicy] retries every method after a 429, and idempotent methods (GET, PUT,
// DELETE, HEAD, OPTIONS) after a network error, a timeout, a malformed body or a 5xx. A POST
// is never retried after a network error or a 5xx, because the server may already have
// acted on it: record submissions happen at most once.
//
// Between attempts the client waits as the server's Retry-After header says (seconds or an
// HTTP date, capped by [WithMaxRetryAfter]), or else a full-jitter exponential backoff:
// a random wait in [0, min(cap, base·2^(n-1))) ([WithBackoff], default base 1 s, cap 30 s).
// Every wait ends at once when the context is cancelled. A custom [RetryPolicy] decides from
// a [RetryState]; the clock and the random source can be replaced for tests ([WithClock],
// [WithRandom]). Each attempt has its own timeout ([WithTimeout], default 30 s); bound the
// whole call with the context.
//
// # Pagination
//
// List endpoints answer with an envelope of metadata, pagination and data. A [Pager] fetches
// one page with [Pager.Page] (items, pagination and metadata), or every item with
// [Pager.All], a range-over-func iterator:
//
//	for site, err := range pager.All(ctx) {
//		if err != nil {
//			return err // yielded once; the loop ends
//		}
//		fmt.Println(site.SiteName)
//	}
//
// One options type, [ListOptions], configures every listing: the services' List, All and
// Pages and a Pager built with [NewPager]. Pages are requested 0, 1, ... up to totalPages-1, 100
// items at a time by default (ListOptions.PageSize, at most 500); invalid options are an
// error naming the field, before anything is sent. Anything that could make the loop skip or
// repeat items (a missing or non-integer totalPages after a full page, a page number that
// does not match, data that is not a list) stops it with a [*PaginationError]. Breaking out
// of the loop makes no further request. With ListOptions.Prefetch the pager fetches several
// pages concurrently once the first one has told how many there are, and still yields them
// in order while holding at most that many pages in memory. A page is decoded in one pass
// over its body; with ListOptions.KeepRaw each page also carries its items' JSON exactly as
// the API sent it ([Page].Raw), and ListOptions.Gate lets a caller that runs many listings
// hold each page request back (to bound or pace them; see [Gate]). [ArrayPager] reads endpoints that
// answer with a bare JSON array. Logs and traces name a listing's requests by its path's
// template, the study key written {studyKey}.
//
// # Study context
//
// Nearly every call is about one study. Pass its key explicitly, or attach a default to the
// context with [WithStudy] and let calls without an explicit key use it:
//
//	ctx = imednet.WithStudy(ctx, "PHARMADEMO")
//
// An explicit key always wins; a call that needs a study and has none fails with
// [ErrNoStudy]. [StudyFrom] reads the default back and [ResolveStudy] applies the rule.
//
// # Logging and tracing
//
// The client logs nothing unless given a *slog.Logger with [WithLogger]: then each attempt is
// logged at Debug level (method, path, status, duration, attempt) and each retry at Warn
// level. [Middleware] wraps every HTTP attempt for tracing or metrics;
// [RequestInfoFrom] tells it the operation's path template and the attempt number.
//
// # Decoding
//
// The API's responses do not always match its documents: numbers and booleans arrive as
// strings, timestamps come in several layouts, lists are null. Models decode tolerantly:
// [Timestamp] reads every known layout and keeps unparsable text, and fields a model does not
// know are kept in its [Extra] map rather than dropped.
package imednet

// The models' decoders (decode_gen.go), the export's reference tables and the CLI's columns are
// generated from the model structs; see internal/gen/models.
//
//go:generate go run ./internal/gen/models
