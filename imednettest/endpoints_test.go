package imednettest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestEveryDeclaredEndpointIsListed checks that every endpoint declared in endpoints.go is
// in allEndpoints: one left out would compile, and never be served.
func TestEveryDeclaredEndpointIsListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "endpoints.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared, listed []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				switch v := vs.Values[i].(type) {
				case *ast.CallExpr:
					if fn, ok := v.Fun.(*ast.Ident); ok && fn.Name == "newEndpoint" {
						declared = append(declared, name.Name)
					}
				case *ast.CompositeLit:
					if name.Name == "allEndpoints" {
						for _, e := range v.Elts {
							listed = append(listed, e.(*ast.Ident).Name)
						}
					}
				}
			}
		}
	}
	slices.Sort(declared)
	slices.Sort(listed)
	if len(declared) == 0 || !slices.Equal(declared, listed) {
		t.Errorf("endpoints.go declares %v, allEndpoints lists %v", declared, listed)
	}
}

// TestEveryEndpointIsRouted checks that the server routes each endpoint's path to it.
func TestEveryEndpointIsRouted(t *testing.T) {
	for _, ep := range allEndpoints {
		path := strings.Replace(ep.pattern, "{studyKey}", "DEMO", 1)
		rt := parseRoute(httptest.NewRequest("GET", prefix+path, nil))
		if rt.ep != ep || rt.pattern != ep.pattern {
			t.Errorf("GET %s: routed to %+v, want the endpoint %s", path, rt, ep.pattern)
		}
	}
}

// TestEndpointPropertiesNeedNoCode declares an endpoint over the sites with the properties
// that set /users apart, and checks that listings honour them on it as on /users: nothing in
// the listing code may single out an endpoint by identity.
func TestEndpointPropertiesNeedNoCode(t *testing.T) {
	s := newSmall(t)
	st := s.Study("DEMO")
	ep := newEndpoint(endpointSpec{
		pattern:       "/studies/{studyKey}/sitesLikeUsers",
		count:         sitesEP.count,
		fields:        sitesEP.fields,
		sortBy:        "siteId",
		idField:       "siteId",
		lenientFilter: true,
		unsortedIDs:   true,
		inactive:      func(c *fieldCtx, i int) bool { return i%2 == 1 },
	})
	list := func(q url.Values) (result, *apiError) {
		c := &fieldCtx{srv: s, st: st}
		st.mu.RLock()
		defer st.mu.RUnlock()
		p, aerr := parseList(c, ep, q)
		if aerr != nil {
			return result{}, aerr
		}
		return compute(c, ep, p), nil
	}
	indexes := func(r result) []int {
		var out []int
		for k := range r.n {
			out = append(out, r.at(k))
		}
		return out
	}
	n := len(st.sites)
	if n < 3 {
		t.Fatalf("the study has %d sites; the test needs 3", n)
	}
	var active, all []int
	for i := range n {
		all = append(all, i)
		if i%2 == 0 {
			active = append(active, i)
		}
	}

	r, aerr := list(url.Values{"filter": {"nosuch==1"}})
	if aerr != nil {
		t.Fatalf("lenientFilter: an unknown attribute is refused: %+v", aerr)
	}
	if got := indexes(r); !slices.Equal(got, active) {
		t.Errorf("inactive: listed %v, want %v", got, active)
	}
	if r.natural {
		t.Errorf("unsortedIDs: the stored order stood for the sort by id")
	}
	r, _ = list(url.Values{"includeInactive": {"true"}})
	if got := indexes(r); !slices.Equal(got, all) {
		t.Errorf("includeInactive=true: listed %v, want %v", got, all)
	}
	if _, aerr := list(url.Values{"includeInactive": {"maybe"}}); aerr == nil {
		t.Errorf("includeInactive=maybe was accepted")
	}
	if _, aerr := parseList(&fieldCtx{srv: s, st: st}, sitesEP, url.Values{"filter": {"nosuch==1"}}); aerr == nil {
		t.Errorf("sites (no lenientFilter): a filter on an unknown attribute was accepted")
	}
}
