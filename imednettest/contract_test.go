package imednettest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The contract test checks every endpoint's answers, normal and error, against the API's
// OpenAPI document (../shared/reference/spec/mednet.yaml beside the repository, or the file
// named by IMEDNET_SPEC).

// specEnv names the variable that overrides the location of the OpenAPI document.
const specEnv = "IMEDNET_SPEC"

// specPath returns where the OpenAPI document should be: $IMEDNET_SPEC, or
// ../shared/reference/spec/mednet.yaml from the module root.
func specPath(t *testing.T) string {
	if p := os.Getenv(specEnv); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "reference", "spec", "mednet.yaml")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// specException is a place where the OpenAPI document is wrong and the service (which the
// fake follows) is right; the document is corrected there, and only there, before validating.
type specException struct {
	where  string // schema and property, as named in the document
	field  string // the JSON field of the answers
	reason string
	fix    func(doc *openapi3.T) error
}

var specExceptions = []specException{
	{"Query.type", "/studies/{studyKey}/queries: data[].type",
		"the service sends null (the document's example too); the document marks it with the OpenAPI 3.0 keyword nullable, which an OpenAPI 3.1 document does not have",
		allowNull("Query", "type")},
	{"Visit.dueDate", "/studies/{studyKey}/visits: data[].dueDate",
		"null for a visit without a due date (the document's example too), marked with the 3.0 keyword nullable likewise",
		allowNull("Visit", "dueDate")},
	{"paths.*.get.responses", "429 on every GET",
		"the document gives only POST /records a 429, but the service's rate limit (api.md §11) applies to every request",
		addTooManyRequests},
}

// Where the document and the service agree although other sources disagree (api.md §13),
// nothing needs correcting, and the answers are validated as they are: timestamps are plain
// strings without a format ("YYYY-MM-DD HH:MM:SS"), role dates are arrays of integers,
// recordData allows any values (the fake sends strings), and metadata.error allows any
// members (the vendor's code, description and field). Answers that are not the service's
// own are not validated: 405 (not in the document), and the 502 and 503 of proxies that
// Faults injects.

// addTooManyRequests gives every GET operation the document's 429 answer.
func addTooManyRequests(doc *openapi3.T) error {
	resp := doc.Components.Responses["TooManyRequests"]
	if resp == nil {
		return errors.New("no response TooManyRequests in the document")
	}
	n := 0
	for _, item := range doc.Paths.Map() {
		if op := item.Get; op != nil && op.Responses.Value("429") == nil {
			op.Responses.Set("429", &openapi3.ResponseRef{Ref: "#/components/responses/TooManyRequests", Value: resp.Value})
			n++
		}
	}
	if n == 0 {
		return errors.New("every GET already has a 429: remove the exception")
	}
	return nil
}

// property returns the schema of a property of a component schema.
func property(doc *openapi3.T, schema, prop string) (*openapi3.Schema, error) {
	ref := doc.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		return nil, fmt.Errorf("no schema %s in the document", schema)
	}
	p := ref.Value.Properties[prop]
	if p == nil || p.Value == nil {
		return nil, fmt.Errorf("schema %s has no property %s", schema, prop)
	}
	return p.Value, nil
}

// allowNull lets a property be null as well.
func allowNull(schema, prop string) func(*openapi3.T) error {
	return func(doc *openapi3.T) error {
		p, err := property(doc, schema, prop)
		if err != nil {
			return err
		}
		if p.Type.IncludesNull() {
			return fmt.Errorf("%s.%s already allows null: remove the exception", schema, prop)
		}
		p.Type.With(openapi3.TypeNull)
		return nil
	}
}

// loadSpec loads and checks the document, applies the exceptions, and returns a router.
func loadSpec(t *testing.T) routers.Router {
	path := specPath(t)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("contract test: the OpenAPI document %s is missing in CI (set %s to its path): %v", path, specEnv, err)
		}
		t.Skipf("contract test skipped: the OpenAPI document %s is not there (set %s to its path)", path, specEnv)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	for _, e := range specExceptions {
		if err := e.fix(doc); err != nil {
			t.Fatalf("exception %s: %v", e.where, err)
		}
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", path, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// specBase is the server URL of the document; requests are validated as if sent there.
const specBase = "https://edc.prod.imednetapi.com/api/v1/edc"

type contractCase struct {
	name         string
	method, path string // path under the API prefix, with its query
	body         string
	header       map[string]string // "" removes a header
	status       int
	badRequest   bool     // the request itself breaks the contract (a page of "XX")
	contains     []string // what the answer must contain, so that the case tests what it says
}

func TestContract(t *testing.T) {
	router := loadSpec(t)
	clk := &manualClock{t: DefaultStart}
	s := newSmall(t, WithJobDelay(time.Second), WithClock(clk.now))

	// A submission whose job completed, and one whose job is still "created".
	serve := func(c contractCase) (*http.Request, *httptest.ResponseRecorder) {
		var rd io.Reader
		if c.body != "" {
			rd = strings.NewReader(c.body)
		}
		req := httptest.NewRequest(c.method, specBase+c.path, rd)
		api, sec := s.Keys()
		req.Header.Set("x-api-key", api)
		req.Header.Set("x-imn-security-key", sec)
		req.Header.Set("Accept", "application/json")
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range c.header {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return req, w
	}
	postBody := `[{"formKey":"REG","siteName":"Chicago Hope Hospital","data":{"AGE":61,"CONSENT":true}},` +
		`{"formKey":"AE","subjectKey":"01-001","data":{"AETERM":"Fatigue"}}]`
	_, w := serve(contractCase{method: "POST", path: "/studies/DEMO/records", body: postBody})
	var created struct{ BatchID string }
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil || w.Code != 202 {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	clk.add(2 * time.Second) // the job runs
	_, w = serve(contractCase{method: "GET", path: "/studies/DEMO/jobs/" + created.BatchID})
	clk.add(-time.Second) // back, so that a later job is still "created"
	_, w = serve(contractCase{method: "POST", path: "/studies/DEMO/records", body: postBody})
	var fresh struct{ BatchID string }
	json.Unmarshal(w.Body.Bytes(), &fresh)

	cases := []contractCase{
		{name: "studies", method: "GET", path: "/studies", status: 200},
		{name: "sites", method: "GET", path: "/studies/DEMO/sites?size=500", status: 200},
		{name: "forms", method: "GET", path: "/studies/DEMO/forms?size=500", status: 200},
		{name: "intervals", method: "GET", path: "/studies/DEMO/intervals?size=500", status: 200},
		{name: "visits", method: "GET", path: "/studies/DEMO/visits?size=500", status: 200, contains: []string{`"dueDate":null`, `"dueDate":"`}},
		{name: "subjects", method: "GET", path: "/studies/DEMO/subjects?size=500&sort=subjectKey,desc", status: 200},
		{name: "users", method: "GET", path: "/studies/DEMO/users?size=500", status: 200},
		{name: "users including inactive", method: "GET", path: "/studies/DEMO/users?size=500&includeInactive=true", status: 200, contains: []string{`"roles":[{"dateCreated":[`, `"userActiveInStudy":false`}},
		{name: "variables", method: "GET", path: "/studies/DEMO/variables?size=500", status: 200},
		{name: "codings", method: "GET", path: "/studies/DEMO/codings?size=500", status: 200},
		{name: "queries", method: "GET", path: "/studies/DEMO/queries?size=500", status: 200, contains: []string{`"type":null`, `"queryComments":[{`}},
		{name: "record revisions", method: "GET", path: "/studies/DEMO/recordRevisions?size=500", status: 200},
		{name: "records", method: "GET", path: "/studies/DEMO/records?size=500", status: 200, contains: []string{`"recordData":{`, `"keywords":[`, `"deleted":true`}},
		{name: "records filtered", method: "GET", path: "/studies/DEMO/records?size=10&filter=formKey%3D%3DAE&recordDataFilter=AETERM%3D~a", status: 200},
		{name: "empty page", method: "GET", path: "/studies/DEMO/sites?page=9", status: 200},
		{name: "submission", method: "POST", path: "/studies/DEMO/records", body: postBody, status: 202, contains: []string{`"state":"created"`, `"batchId":"`}},
		{name: "job completed", method: "GET", path: "/studies/DEMO/jobs/" + created.BatchID, status: 200, contains: []string{`"state":"completed"`, `"dateFinished":"`}},
		{name: "job created", method: "GET", path: "/studies/DEMO/jobs/" + fresh.BatchID, status: 200, contains: []string{`"state":"created"`}},

		{name: "page not a number", method: "GET", path: "/studies/DEMO/sites?page=XX", status: 400, badRequest: true, contains: []string{`"code":"1000"`, `"field":{"attribute":"page","value":"XX"}`}},
		{name: "size above 500", method: "GET", path: "/studies/DEMO/records?size=501", status: 400},
		{name: "size 0", method: "GET", path: "/studies?size=0", status: 400},
		{name: "malformed filter", method: "GET", path: "/studies/DEMO/subjects?filter=subjectKey%3D%3D", status: 400},
		{name: "unknown sort property", method: "GET", path: "/studies/DEMO/forms?sort=nope,ASC", status: 400},
		{name: "malformed submission", method: "POST", path: "/studies/DEMO/records", body: `[{"formKey":"AE"}]`, status: 400, badRequest: true},
		{name: "no keys", method: "GET", path: "/studies", header: map[string]string{"x-api-key": "", "x-imn-security-key": ""}, status: 401, badRequest: true},
		{name: "wrong security key", method: "GET", path: "/studies/DEMO/records", header: map[string]string{"x-imn-security-key": "nope"}, status: 401},
		{name: "submission without keys", method: "POST", path: "/studies/DEMO/records", body: postBody, header: map[string]string{"x-api-key": ""}, status: 401, badRequest: true},
		{name: "unknown study", method: "GET", path: "/studies/NOPE/subjects", status: 403},
		{name: "unknown study, job", method: "GET", path: "/studies/NOPE/jobs/" + created.BatchID, status: 403},
		{name: "submission to unknown study", method: "POST", path: "/studies/NOPE/records", body: postBody, status: 403},
		{name: "unknown batch", method: "GET", path: "/studies/DEMO/jobs/00000000-0000-0000-0000-000000000000", status: 404},
	}
	// The validator rejects what breaks the contract.
	t.Run("self-check", func(t *testing.T) {
		req, w := serve(contractCase{method: "GET", path: "/studies/DEMO/sites"})
		broken := bytes.Replace(w.Body.Bytes(), []byte(`"siteId":`), []byte(`"siteId":"x`), 1)
		broken = bytes.Replace(broken, []byte(`,"siteName"`), []byte(`","siteName"`), 1)
		if !json.Valid(broken) {
			t.Fatalf("broken body is not JSON: %s", broken)
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 200, Header: w.Header(), Body: io.NopCloser(bytes.NewReader(broken)),
		})
		if err == nil || !strings.Contains(err.Error(), "siteId") {
			t.Fatalf("a string siteId passed validation: %v", err)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, w := serve(c)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			for _, want := range c.contains {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("the answer has no %s", want)
				}
			}
			validate(t, router, req, c.body, w, !c.badRequest)
		})
	}

	// Faults: 429 (random on POST, from the rate limit on GET), and a 500 in the vendor's
	// shape.
	t.Run("429 rate limit", func(t *testing.T) {
		s.SetFaults(Faults{RateLimit: 1})
		defer s.SetFaults(Faults{})
		serve(contractCase{method: "GET", path: "/studies"})
		for _, path := range []string{"/studies", "/studies/DEMO/records", "/studies/DEMO/jobs/" + created.BatchID} {
			req, w := serve(contractCase{method: "GET", path: path})
			if w.Code != 429 {
				t.Fatalf("%s: %d", path, w.Code)
			}
			validate(t, router, req, "", w, true)
		}
	})
	t.Run("429", func(t *testing.T) {
		s.SetFaults(Faults{TooManyRequestsRate: 1})
		defer s.SetFaults(Faults{})
		c := contractCase{method: "POST", path: "/studies/DEMO/records", body: postBody}
		req, w := serve(c)
		if w.Code != 429 || w.Header().Get("Retry-After") == "" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		validate(t, router, req, c.body, w, true)
	})
	t.Run("500", func(t *testing.T) {
		s.SetFaults(Faults{ServerErrorRate: 1})
		defer s.SetFaults(Faults{})
		n := 0
		for i := range 30 {
			c := contractCase{method: "GET", path: "/studies/DEMO/sites?page=" + itoa(i)}
			req, w := serve(c)
			if w.Code != 500 {
				continue
			}
			n++
			validate(t, router, req, "", w, true)
		}
		if n == 0 {
			t.Fatal("no 500 in 30 requests")
		}
	})
}

// validate checks an answer (and, when checkRequest, the request) against the document.
func validate(t *testing.T, router routers.Router, req *http.Request, body string, w *httptest.ResponseRecorder, checkRequest bool) {
	t.Helper()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s: no operation in the document: %v", req.Method, req.URL, err)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true,
			SkipSettingDefaults: true}}
	if checkRequest {
		req.Body = io.NopCloser(strings.NewReader(body))
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("the request breaks the contract: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 w.Code,
		Header:                 w.Header(),
		Body:                   io.NopCloser(bytes.NewReader(w.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				t.Errorf("%s %s: %d: %v", req.Method, req.URL.RequestURI(), w.Code, e)
			}
			return
		}
		t.Errorf("%s %s: %d: %v", req.Method, req.URL.RequestURI(), w.Code, err)
	}
}
