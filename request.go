package imednet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/imednet/imednet-go/internal/wire"
)

// Request is one call to the API, as handled by [Client.Do]. Every service of the SDK goes
// through it; it is exported for endpoints the SDK does not cover yet.
type Request struct {
	Method string // HTTP method; GET when empty
	// Path is the URL path under the API prefix /api/v1/edc, starting with "/", with each
	// segment escaped (see [PathEscape]).
	Path string
	// Pattern is Path's template, such as "/studies/{studyKey}/records", for logs and traces.
	// Path is used when it is empty.
	Pattern string
	Query   url.Values  // query parameters, if any
	Header  http.Header // extra headers, if any
	Body    any         // encoded as JSON once and replayed on every attempt; nil for none
	// RetryPolicy overrides the client's policy for this request (record submissions use it
	// to retry only on 429, whatever the client's policy says).
	RetryPolicy RetryPolicy
}

// Response describes the HTTP response to a [Request].
type Response struct {
	StatusCode int
	Header     http.Header
	Attempts   int // attempts made, 1 when the first succeeded
}

// RequestInfo describes the attempt a request belongs to. [Middleware] reads it with
// [RequestInfoFrom].
type RequestInfo struct {
	Method  string
	Pattern string // the path template, e.g. "/studies/{studyKey}/records"
	Path    string // the URL path actually requested
	Attempt int    // 1 for the first attempt
}

type requestInfoKey struct{}

// RequestInfoFrom returns the description of the attempt that ctx (a request's context)
// belongs to, if the request was made by a Client.
func RequestInfoFrom(ctx context.Context) (RequestInfo, bool) {
	info, ok := ctx.Value(requestInfoKey{}).(RequestInfo)
	return info, ok
}

// PathEscape escapes one path segment (a study key, a batch id) for [Request.Path].
func PathEscape(segment string) string { return url.PathEscape(segment) }

// Do sends r with retries and decodes a successful response's JSON body into v (which may be
// nil to discard it). A v that implements json.Unmarshaler receives the body directly.
//
// It returns an [*APIError] for an error status (after retries), a [*RequestError] when no
// usable response arrived, and otherwise whatever v's decoding returned (for example a
// [*PaginationError]). The Response is returned whenever one arrived, errors included.
func (c *Client) Do(ctx context.Context, r *Request, v any) (*Response, error) {
	method := strings.ToUpper(r.Method)
	if method == "" {
		method = http.MethodGet
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, fmt.Errorf("imednet: request path %q must start with /", r.Path)
	}
	u, err := url.Parse(c.apiURL + r.Path)
	if err != nil {
		return nil, fmt.Errorf("imednet: request path %q: %w", r.Path, err)
	}
	if len(r.Query) > 0 {
		u.RawQuery = r.Query.Encode()
	}
	var body []byte
	if r.Body != nil {
		if body, err = json.Marshal(r.Body); err != nil {
			return nil, fmt.Errorf("imednet: %s %s: encode request body: %w", method, u.Path, err)
		}
	}
	info := RequestInfo{Method: method, Pattern: r.Pattern, Path: u.Path}
	if info.Pattern == "" {
		info.Pattern = r.Path
	}
	ctx, end := c.startObservers(ctx, info, u)
	resp, err := c.send(ctx, r, info, u, body, v)
	if end != nil {
		end(resp, err)
	}
	return resp, err
}

// send makes the attempts of a request, with retries.
func (c *Client) send(ctx context.Context, r *Request, info RequestInfo, u *url.URL, body []byte, v any) (*Response, error) {
	method := info.Method
	for attempt := 1; ; attempt++ {
		info.Attempt = attempt
		resp, err := c.attempt(ctx, info, u, r.Header, body, v)
		if err == nil {
			resp.Attempts = attempt
			return resp, nil
		}
		if resp != nil {
			resp.Attempts = attempt
		}
		if ctx.Err() != nil {
			return resp, &RequestError{Method: method, Path: u.Path, Attempts: attempt, Err: ctx.Err()}
		}
		state := RetryState{Attempt: attempt, Method: method, Path: u.Path, Err: err}
		var header http.Header
		if resp != nil {
			state.StatusCode, header = resp.StatusCode, resp.Header
		}
		policy := c.policy
		if r.RetryPolicy != nil {
			policy = r.RetryPolicy
		}
		if isFinal(err) || attempt > c.maxRetries || !policy.ShouldRetry(state) {
			return resp, c.finalError(info, attempt, err)
		}
		wait := c.retryDelay(attempt, header)
		if c.logger != nil {
			c.logger.LogAttrs(ctx, slog.LevelWarn, "imednet: retrying request",
				slog.String("method", method), slog.String("path", u.Path),
				slog.Int("attempt", attempt), slog.Duration("wait", wait),
				slog.String("reason", c.redact(err.Error())))
		}
		if serr := c.clock.Sleep(ctx, wait); serr != nil {
			return resp, &RequestError{Method: method, Path: u.Path, Attempts: attempt,
				Err: fmt.Errorf("%w while waiting to retry after: %s", serr, c.redact(err.Error()))}
		}
	}
}

// attempt makes one HTTP round trip and decodes the result.
func (c *Client) attempt(ctx context.Context, info RequestInfo, u *url.URL, header http.Header, body []byte, v any) (*Response, error) {
	if err := c.limiter.wait(ctx, c.clock); err != nil {
		return nil, err
	}
	c.counts.requests.Add(1)
	if info.Attempt > 1 {
		c.counts.retries.Add(1)
	}
	actx, cancel := context.WithTimeout(context.WithValue(ctx, requestInfoKey{}, info), c.timeout)
	defer cancel()
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body) // NewRequest sets GetBody, so redirects can replay it too
	}
	req, err := http.NewRequestWithContext(actx, info.Method, u.String(), rdr)
	if err != nil {
		return nil, &finalErr{err}
	}
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	start := time.Now()
	hresp, err := c.http.Do(req)
	if err != nil {
		c.logAttempt(ctx, info, 0, start, err)
		var ae *authError
		if errors.As(err, &ae) {
			return nil, &finalErr{ae}
		}
		if actx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return nil, fmt.Errorf("no response within %s: %w", c.timeout, context.DeadlineExceeded)
		}
		return nil, err
	}
	defer hresp.Body.Close()
	if hresp.StatusCode == http.StatusTooManyRequests {
		c.counts.rateLimited.Add(1)
	}
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header}
	// A decoder that keeps nothing of the body once it has read it (a page read without
	// KeepRaw) reads it into a buffer of the pool, and gives the buffer back afterwards: the
	// pages of a listing then reuse a few buffers instead of each allocating its own.
	var pooled *[]byte
	if r, ok := v.(bodyReuser); ok && r.reusesBody() {
		pooled = bodies.Get().(*[]byte)
		defer func() {
			if cap(*pooled) <= maxPooledBody {
				bodies.Put(pooled)
			}
		}()
	}
	data, err := readBody(hresp.Body, hresp.ContentLength, c.maxResponseBytes, pooled)
	if err == nil && int64(len(data)) > c.maxResponseBytes {
		err = &finalErr{fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, c.maxResponseBytes)}
	}
	c.logAttempt(ctx, info, hresp.StatusCode, start, err)
	if err != nil {
		if actx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			err = fmt.Errorf("response not read within %s: %w", c.timeout, err)
		}
		return resp, err
	}
	if hresp.StatusCode >= 400 {
		return resp, c.newAPIError(info.Method, info.Path, hresp.StatusCode, hresp.Header, data)
	}
	if v == nil || len(bytes.TrimSpace(data)) == 0 && hresp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	if err := decodeBody(data, v); err != nil {
		if isSyntaxError(err) {
			// Truncated or corrupted in transit: worth another attempt for a read.
			return resp, fmt.Errorf("malformed response body: %w", err)
		}
		return resp, &finalErr{err}
	}
	return resp, nil
}

func decodeBody(data []byte, v any) error {
	if u, ok := v.(json.Unmarshaler); ok {
		data = bytes.TrimSpace(data)
		if len(data) == 0 {
			return &wire.SyntaxError{Msg: "empty body, expected JSON"}
		}
		return u.UnmarshalJSON(data)
	}
	return json.Unmarshal(data, v)
}

func isSyntaxError(err error) bool {
	var se *wire.SyntaxError
	var jse *json.SyntaxError
	return errors.As(err, &se) || errors.As(err, &jse) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (c *Client) logAttempt(ctx context.Context, info RequestInfo, status int, start time.Time, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", info.Method), slog.String("path", info.Path),
		slog.Int("status", status), slog.Duration("duration", time.Since(start)),
		slog.Int("attempt", info.Attempt),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.redact(err.Error())))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "imednet: request", attrs...)
}

// finalErr marks an error that no retry can fix.
type finalErr struct{ err error }

func (e *finalErr) Error() string { return e.err.Error() }
func (e *finalErr) Unwrap() error { return e.err }

func isFinal(err error) bool {
	var f *finalErr
	return errors.As(err, &f)
}

// finalError shapes the error returned after the last attempt: an API error as it is (with
// the attempt count), a decoding error of the caller's value as it is, anything else as a
// RequestError.
func (c *Client) finalError(info RequestInfo, attempts int, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Attempts = attempts
		return apiErr
	}
	var f *finalErr
	if errors.As(err, &f) {
		var pe *PaginationError
		if errors.As(f.err, &pe) {
			return pe
		}
		err = f.err
	}
	return &RequestError{Method: info.Method, Path: info.Path, Attempts: attempts, Err: describeNetworkError(err)}
}

// maxPrealloc caps the buffer that a declared Content-Length sizes up front. A page of 500
// records is about 300 kB; a larger body grows the buffer as it arrives.
const maxPrealloc = 4 << 20

// bodyReuser is implemented by the decoders that keep nothing of the body they decode (no
// slice of it outlives their UnmarshalJSON), so that Client.Do may reuse its memory.
type bodyReuser interface {
	reusesBody() bool
}

// bodies holds *[]byte: response bodies' buffers, for decoders that are bodyReusers. A
// buffer larger than maxPooledBody is left to the garbage collector.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 8 << 20

// readBody reads a response body of at most max bytes (one more tells the caller it was
// larger). A declared length sizes the buffer at once, instead of growing it by doubling,
// which for a page of 500 records would copy the body several times; the length is only a
// hint, capped by max and by maxPrealloc, so that a wrong or hostile one (a huge length,
// then a few bytes) costs at most maxPrealloc up front; beyond that, memory follows the bytes
// that actually arrive.
//
// With pooled, the body is read into *pooled when it has room (else into a new buffer), and
// *pooled is left holding the buffer read into, for the caller to put back in the pool once
// it no longer reads data.
func readBody(r io.Reader, declared, max int64, pooled *[]byte) ([]byte, error) {
	var buf []byte
	if pooled != nil {
		buf = (*pooled)[:0]
	}
	if declared > 0 && declared <= max {
		if want := int(min(declared, maxPrealloc)) + bytes.MinRead; cap(buf) < want {
			buf = make([]byte, 0, want)
		}
	}
	if buf == nil {
		if pooled == nil {
			return io.ReadAll(io.LimitReader(r, max+1))
		}
		buf = make([]byte, 0, 64<<10)
	}
	b := bytes.NewBuffer(buf)
	_, err := b.ReadFrom(io.LimitReader(r, max+1))
	if pooled != nil {
		*pooled = b.Bytes()[:0]
	}
	return b.Bytes(), err
}
