package exporttest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
)

// testBlankIsNull: an unanswered variable is NULL in the target whatever its type and
// whichever of "" (what the test server sends, as the API does), whitespace or null the API
// sends for it. The study is exported again with every blank value of the records' data
// turned into null on its way to the client: every table but the raw JSON must equal the
// reference's, so a text or radio variable's "" cannot land as an empty text where a
// number's or a date's lands as NULL.
func testBlankIsNull(t *testing.T, h Harness, ref *reference) {
	var nulled atomic.Int64
	c := newClient(t, ref.srv, imednet.WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			resp, err := next.RoundTrip(r)
			if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(r.URL.Path, "/records") {
				return resp, err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			body, n, err := blanksToNull(body)
			if err != nil {
				t.Errorf("rewriting %s: %v", r.URL.Path, err)
				return nil, err
			}
			nulled.Add(n)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return resp, nil
		})
	}))
	tg := target(t, "nulls", false)
	mustRun(t, h, tg, c, ref.opts)
	if nulled.Load() == 0 {
		t.Fatal("the study's records have no blank value: the scenario checks nothing")
	}
	got, want := h.Dump(t, tg), maps.Clone(ref.dump)
	delete(got, export.RawTable) // the raw JSON keeps what was sent
	delete(want, export.RawTable)
	SameTables(t, got, want)
}

// blanksToNull replaces every blank string ("" or whitespace) among the variables of the
// records in a list response with null, and returns how many it replaced.
func blanksToNull(body []byte) ([]byte, int64, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var page map[string]any
	if err := dec.Decode(&page); err != nil {
		return nil, 0, err
	}
	items, _ := page["data"].([]any)
	var n int64
	for _, item := range items {
		rec, _ := item.(map[string]any)
		data, _ := rec["recordData"].(map[string]any)
		for name, v := range data {
			if s, ok := v.(string); ok && strings.TrimSpace(s) == "" && name != "dateCreated" && name != "dateModified" {
				data[name] = nil
				n++
			}
		}
	}
	out, err := json.Marshal(page)
	return out, n, err
}
