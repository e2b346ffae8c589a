package imednet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"

	imednet "github.com/imednet/imednet-go"
)

// exampleServer is a tiny stand-in for the iMednet API: five studies, paged, and a study the
// key may not see.
func exampleServer() *httptest.Server {
	studies := []string{"CARDIO-01", "DERM-02", "NEURO-03", "ONCO-04", "PHARMADEMO"}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/edc/studies":
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			size, err := strconv.Atoi(r.URL.Query().Get("size"))
			if err != nil || size < 1 {
				size = 25 // the API's default
			}
			total := (len(studies) + size - 1) / size
			fmt.Fprintf(w, `{"metadata":{"status":"OK","path":%q,"timestamp":"2025-06-05 21:12:08","error":{}},`+
				`"pagination":{"currentPage":%d,"size":%d,"totalPages":%d,"totalElements":%d},"data":[`,
				r.URL.Path, page, size, total, len(studies))
			for i := page * size; i < min((page+1)*size, len(studies)); i++ {
				if i > page*size {
					io.WriteString(w, ",")
				}
				fmt.Fprintf(w, `{"studyKey":%q,"studyId":%d,"dateCreated":"2025-06-05 21:12:08"}`, studies[i], 100+i)
			}
			io.WriteString(w, "]}")
		default:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"metadata":{"status":"FORBIDDEN","path":%q,"error":{"code":"9001","description":"Unauthorized error. Insufficient permission to retrieve data."}}}`, r.URL.Path)
		}
	}))
}

// study is the part of a study this example reads.
type study struct {
	StudyKey    string            `json:"studyKey"`
	StudyID     int               `json:"studyId"`
	DateCreated imednet.Timestamp `json:"dateCreated"`
}

// Page through a list with an iterator. Pages are fetched as the loop needs them.
func Example() {
	srv := exampleServer()
	defer srv.Close()

	c, err := imednet.New(
		imednet.WithAPIKey("my-api-key", "my-security-key"),
		imednet.WithBaseURL(srv.URL), // default: https://edc.prod.imednetapi.com
	)
	if err != nil {
		log.Fatal(err)
	}
	pager, err := imednet.NewPager[study](c, "/studies", nil, &imednet.ListOptions{PageSize: 2})
	if err != nil {
		log.Fatal(err)
	}
	for s, err := range pager.All(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.StudyKey, s.StudyID, s.DateCreated)
	}
	// Output:
	// CARDIO-01 100 2025-06-05T21:12:08Z
	// DERM-02 101 2025-06-05T21:12:08Z
	// NEURO-03 102 2025-06-05T21:12:08Z
	// ONCO-04 103 2025-06-05T21:12:08Z
	// PHARMADEMO 104 2025-06-05T21:12:08Z
}

// Read the credentials from IMEDNET_API_KEY and IMEDNET_SECURITY_KEY (and optionally
// IMEDNET_BASE_URL and IMEDNET_TIMEOUT).
func ExampleNewFromEnv() {
	c, err := imednet.NewFromEnv()
	if err != nil {
		log.Fatal(err) // e.g. "imednet: IMEDNET_API_KEY not set: ..."
	}
	_ = c
}

// Fetch one page and look at its pagination.
func ExamplePager_Page() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithBaseURL(srv.URL))

	pager, _ := imednet.NewPager[study](c, "/studies", nil, &imednet.ListOptions{PageSize: 2})
	page, err := pager.Page(context.Background(), 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("page %d of %d, %d studies in all, more: %v\n",
		page.Number+1, page.Pagination.TotalPages, page.Pagination.TotalElements, page.HasNext())
	for _, s := range page.Items {
		fmt.Println(s.StudyKey)
	}
	// Output:
	// page 2 of 3, 5 studies in all, more: true
	// NEURO-03
	// ONCO-04
}

// One ListOptions configures a service's List and All and a Pager made with NewPager alike.
func ExampleListOptions() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithBaseURL(srv.URL))
	ctx := context.Background()

	opts := &imednet.ListOptions{PageSize: 2}
	page, err := c.Studies.List(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first page:", len(page.Items), "studies of", page.Pagination.TotalElements)

	pager, err := imednet.NewPager[study](c, "/studies", nil, opts)
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, err := range pager.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println("all pages:", n, "studies")

	_, err = c.Studies.List(ctx, &imednet.ListOptions{PageSize: 1000})
	fmt.Println(err)
	// Output:
	// first page: 2 studies of 5
	// all pages: 5 studies
	// imednet: ListOptions.PageSize 1000 is outside 1..500
}

// Keep each item's JSON exactly as the API sent it, beside its decoded form, for an archive
// or an audit trail.
func ExampleListOptions_keepRaw() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithBaseURL(srv.URL))

	for page, err := range c.Studies.Pages(context.Background(), &imednet.ListOptions{PageSize: 2, KeepRaw: true}) {
		if err != nil {
			log.Fatal(err)
		}
		for i, s := range page.Items {
			fmt.Printf("%s: %s\n", s.StudyKey, page.Raw[i])
		}
	}
	// Output:
	// CARDIO-01: {"studyKey":"CARDIO-01","studyId":100,"dateCreated":"2025-06-05 21:12:08"}
	// DERM-02: {"studyKey":"DERM-02","studyId":101,"dateCreated":"2025-06-05 21:12:08"}
	// NEURO-03: {"studyKey":"NEURO-03","studyId":102,"dateCreated":"2025-06-05 21:12:08"}
	// ONCO-04: {"studyKey":"ONCO-04","studyId":103,"dateCreated":"2025-06-05 21:12:08"}
	// PHARMADEMO: {"studyKey":"PHARMADEMO","studyId":104,"dateCreated":"2025-06-05 21:12:08"}
}

// Several listings that share one Gate keep together to its bounds: here never more than two
// page requests in flight, however many listings run and however far each fetches ahead.
func ExampleGate() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithBaseURL(srv.URL))

	gate := imednet.NewGate(2, imednet.Rate{}) // imednet.Rate{N: 100, Per: time.Minute} would pace them too
	opts := &imednet.ListOptions{PageSize: 1, Prefetch: 4, Gate: gate.Enter}
	var wg sync.WaitGroup
	counts := make([]int, 3)
	for i := range counts {
		wg.Go(func() {
			for page, err := range c.Studies.Pages(context.Background(), opts) {
				if err != nil {
					log.Fatal(err)
				}
				counts[i] += len(page.Items)
			}
		})
	}
	wg.Wait()
	fmt.Println(counts)
	// Output: [5 5 5]
}

// Tell error classes apart with errors.Is, and read the API's details with errors.As.
func ExampleAPIError() {
	srv := exampleServer()
	defer srv.Close()
	c, _ := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithBaseURL(srv.URL))

	_, err := c.Do(context.Background(), &imednet.Request{Path: "/studies/SECRET-STUDY/sites"}, nil)

	var apiErr *imednet.APIError
	if errors.Is(err, imednet.ErrForbidden) && errors.As(err, &apiErr) {
		fmt.Println("code:", apiErr.Code)
		fmt.Println("description:", apiErr.Description)
	}
	fmt.Println(err)
	// Output:
	// code: 9001
	// description: Unauthorized error. Insufficient permission to retrieve data.
	// imednet: GET /api/v1/edc/studies/SECRET-STUDY/sites: 403 Forbidden: code 9001: Unauthorized error. Insufficient permission to retrieve data.
}

// Attach a default study to a context; an explicit key still wins.
func ExampleWithStudy() {
	ctx := imednet.WithStudy(context.Background(), "PHARMADEMO")

	key, _ := imednet.ResolveStudy(ctx, "")
	fmt.Println(key)
	key, _ = imednet.ResolveStudy(ctx, "CARDIO-01")
	fmt.Println(key)
	_, err := imednet.ResolveStudy(context.Background(), "")
	fmt.Println(err)
	// Output:
	// PHARMADEMO
	// CARDIO-01
	// imednet: no study key: pass one or attach one to the context with imednet.WithStudy
}

// Wrap every attempt, for tracing or metrics. The request the middleware sees carries no
// credentials.
func ExampleWithMiddleware() {
	srv := exampleServer()
	defer srv.Close()

	var attempts atomic.Int64
	count := func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			info, _ := imednet.RequestInfoFrom(r.Context())
			attempts.Add(1)
			fmt.Println(info.Method, info.Pattern, "attempt", info.Attempt, "key sent:", r.Header.Get(imednet.HeaderAPIKey) != "")
			return next.RoundTrip(r)
		})
	}
	c, _ := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"),
		imednet.WithBaseURL(srv.URL), imednet.WithMiddleware(count))

	_, err := c.Do(context.Background(), &imednet.Request{Path: "/studies", Pattern: "/studies"}, nil)
	fmt.Println(err, attempts.Load())
	// Output:
	// GET /studies attempt 1 key sent: false
	// <nil> 1
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Retry with your own rule: here, 404s too, because a job may not be visible at once.
func ExampleWithRetryPolicy() {
	policy := imednet.RetryPolicyFunc(func(s imednet.RetryState) bool {
		return errors.Is(s.Err, imednet.ErrNotFound) || imednet.DefaultRetryPolicy{}.ShouldRetry(s)
	})
	c, err := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithRetryPolicy(policy))
	fmt.Println(c != nil, err)
	// Output:
	// true <nil>
}
