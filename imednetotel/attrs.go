package imednetotel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	imednet "github.com/imednet/imednet-go"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// target describes where a request goes, in the terms of the HTTP client conventions.
type target struct {
	method   string // as sent
	template string // url.template: the path template with the base path and API prefix
	study    string // the study key, when the template has {studyKey}
	host     string
	port     int
}

func newTarget(method, pattern string, u *url.URL) target {
	t := target{method: method, host: u.Hostname(), port: port(u)}
	escaped := u.EscapedPath()
	rel := escaped
	t.template = pattern
	if i := strings.Index(escaped, imednet.APIPrefix); i >= 0 {
		rel = escaped[i+len(imednet.APIPrefix):]
		t.template = escaped[:i+len(imednet.APIPrefix)] + pattern
	}
	t.study = studyFrom(pattern, rel)
	return t
}

// port is the URL's port, or the scheme's default.
func port(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if u.Scheme == "http" {
		return 80
	}
	return 443
}

// studyFrom returns the segment of path (escaped, under the API prefix) that stands where
// the pattern has {studyKey}, unescaped; "" when there is none.
func studyFrom(pattern, path string) string {
	ps := strings.Split(pattern, "/")
	k := -1
	for i, s := range ps {
		if s == "{studyKey}" {
			k = i
			break
		}
	}
	if k < 0 {
		return ""
	}
	segs := strings.Split(path, "/")
	if len(segs) != len(ps) {
		return ""
	}
	key, err := url.PathUnescape(segs[k])
	if err != nil {
		return ""
	}
	return key
}

// knownMethods are the methods the conventions allow as http.request.method.
var knownMethods = map[string]bool{
	http.MethodConnect: true, http.MethodDelete: true, http.MethodGet: true, http.MethodHead: true,
	http.MethodOptions: true, http.MethodPatch: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodTrace: true,
}

// attrs returns the attributes that every span of the request carries.
func (t target) attrs() []attribute.KeyValue {
	a := make([]attribute.KeyValue, 0, 8)
	if knownMethods[t.method] {
		a = append(a, semconv.HTTPRequestMethodKey.String(t.method))
	} else {
		a = append(a, semconv.HTTPRequestMethodOther, semconv.HTTPRequestMethodOriginal(t.method))
	}
	if t.template != "" {
		a = append(a, semconv.URLTemplate(t.template))
	}
	a = append(a, semconv.ServerAddress(t.host), semconv.ServerPort(t.port))
	if t.study != "" {
		a = append(a, StudyKey.String(t.study))
	}
	return a
}

// methodName is the method as it appears in span names.
func (t target) methodName() string {
	if knownMethods[t.method] {
		return t.method
	}
	return "HTTP"
}

// errorType classifies a failure for error.type: the status code of an error response,
// "timeout" or "canceled" when a deadline or a cancellation ended the request, otherwise the
// type of the underlying error.
func errorType(err error, status int) string {
	var apiErr *imednet.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode > 0 {
		return strconv.Itoa(apiErr.StatusCode)
	}
	if err == nil {
		if status >= 400 {
			return strconv.Itoa(status)
		}
		return semconv.ErrorTypeOther.Value.AsString()
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	// Look through the wrappers that say nothing about the cause.
	for {
		switch e := err.(type) {
		case *imednet.RequestError:
			if e.Err != nil {
				err = e.Err
				continue
			}
		case *url.Error:
			if e.Err != nil {
				err = e.Err
				continue
			}
		}
		break
	}
	return semconv.ErrorType(err).Value.AsString()
}

// statusDescription is err's message with the request's query string removed: filters may
// hold clinical data, and a transport error quotes the whole URL.
func statusDescription(err error, rawQuery string) string {
	msg := err.Error()
	if rawQuery != "" {
		msg = strings.ReplaceAll(msg, "?"+rawQuery, "")
	}
	return scrubURLs(msg)
}

// urlQuery matches the query string of a URL quoted in a message.
var urlQuery = regexp.MustCompile(`(https?://[^\s"?]*)\?[^\s"]*`)

// scrubURLs removes the query strings of the URLs in msg.
func scrubURLs(msg string) string {
	if !strings.Contains(msg, "://") {
		return msg
	}
	return urlQuery.ReplaceAllString(msg, "$1")
}

// pageAttrs returns imednet.page and imednet.page_size when the query has them.
func pageAttrs(q url.Values) []attribute.KeyValue {
	var a []attribute.KeyValue
	if n, err := strconv.Atoi(q.Get("page")); err == nil {
		a = append(a, PageKey.Int(n))
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil {
		a = append(a, PageSizeKey.Int(n))
	}
	return a
}
