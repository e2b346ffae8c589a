package imednettest

import (
	"github.com/imednet/imednet-go/internal/wire"

	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/imednet/imednet-go/internal/filterexpr"
)

// Page sizes of the API.
const (
	defaultPageSize = 25
	maxPageSize     = 500
)

// listParams are the parsed query parameters of a list request.
type listParams struct {
	page, size      int
	sort            []sortKey
	filter, rdf     string
	fm, rdm         *matcher
	includeInactive bool
}

// parseList reads and checks the query parameters of a list request on ep; a *apiError is a
// 400 to send.
func parseList(c *fieldCtx, ep *endpoint, q url.Values) (*listParams, *apiError) {
	p := &listParams{size: defaultPageSize, sort: ep.defSort}
	if raw, ok := first(q, "page"); ok && raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return nil, badField("page", raw, "")
		}
		p.page = n
	}
	if raw, ok := first(q, "size"); ok && raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxPageSize {
			return nil, badField("size", raw, "")
		}
		p.size = n
	}
	if vals := q["sort"]; len(vals) > 0 {
		var keys []sortKey
		for _, raw := range vals {
			ks, err := parseSort(ep, raw)
			if err != nil {
				return nil, err
			}
			keys = append(keys, ks...)
		}
		if len(keys) > 0 {
			p.sort = keys
		}
	}
	if raw, ok := first(q, "filter"); ok && strings.TrimSpace(raw) != "" {
		e, err := filterexpr.Parse(raw)
		var m *matcher
		if err == nil {
			m, err = compileFilter(c, ep, e, false)
		}
		switch {
		case err == nil:
			p.filter, p.fm = raw, m
		case !ep.lenientFilter:
			return nil, badField("filter", raw, err.Error())
		}
	}
	if ep.recordDataFilter {
		if raw, ok := first(q, "recordDataFilter"); ok && strings.TrimSpace(raw) != "" {
			e, err := filterexpr.ParseRecordData(raw)
			if err != nil {
				return nil, badField("recordDataFilter", raw, err.Error())
			}
			p.rdf = raw
			p.rdm, _ = compileFilter(c, ep, e, true)
		}
	}
	if ep.inactive != nil {
		if raw, ok := first(q, "includeInactive"); ok && raw != "" {
			switch strings.ToLower(raw) {
			case "true":
				p.includeInactive = true
			case "false":
			default:
				return nil, badField("includeInactive", raw, "includeInactive must be true or false")
			}
		}
	}
	return p, nil
}

func first(q url.Values, name string) (string, bool) {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// parseSort reads one sort parameter: "property", "property,ASC", "property,desc", or
// several properties with one direction, "a,b,DESC" (as Spring Data reads it). An empty value
// is ignored.
func parseSort(ep *endpoint, raw string) ([]sortKey, *apiError) {
	parts := strings.Split(raw, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	desc := false
	if n := len(parts); n > 1 {
		switch strings.ToUpper(parts[n-1]) {
		case "ASC":
			parts = parts[:n-1]
		case "DESC":
			desc = true
			parts = parts[:n-1]
		}
	}
	var keys []sortKey
	for _, prop := range parts {
		if prop == "" {
			continue
		}
		f := ep.byName[prop]
		if f == nil {
			return nil, badField("sort", raw, "unknown sort property "+strconv.Quote(prop))
		}
		if f.kind == kList || f.kind == kRaw {
			return nil, badField("sort", raw, "cannot sort by "+strconv.Quote(prop)+": it is a list or object")
		}
		keys = append(keys, sortKey{f: f, desc: desc})
	}
	if len(keys) == 0 && strings.TrimSpace(raw) != "" {
		return nil, badField("sort", raw, "sort must be property,ASC or property,DESC")
	}
	return keys, nil
}

// sortIsNatural reports whether keys is the order items are stored in (their id, ascending).
func sortIsNatural(ep *endpoint, keys []sortKey) bool {
	return !ep.unsortedIDs && len(keys) == 1 && keys[0].f == ep.id && !keys[0].desc
}

// cacheKey identifies a result: what was asked, in a canonical form.
func (p *listParams) cacheKey(ep *endpoint) string {
	var b strings.Builder
	b.WriteString(ep.name)
	b.WriteByte(0)
	b.WriteString(p.filter)
	b.WriteByte(0)
	b.WriteString(p.rdf)
	b.WriteByte(0)
	for _, k := range p.sort {
		b.WriteString(k.f.name)
		if k.desc {
			b.WriteString(",D;")
		} else {
			b.WriteString(",A;")
		}
	}
	if p.includeInactive {
		b.WriteString("\x00inactive")
	}
	return b.String()
}

// result is the ordered list of matching items: idx, or all items in stored order.
type result struct {
	idx     []int32
	natural bool
	n       int
}

func (r *result) at(k int) int {
	if r.natural {
		return k
	}
	return int(r.idx[k])
}

// compute evaluates a list request; the caller holds the study's read lock (or there is no
// study, for /studies).
func compute(c *fieldCtx, ep *endpoint, p *listParams) result {
	n := ep.count(c)
	hide := ep.inactive
	if p.includeInactive {
		hide = nil
	}
	natural := sortIsNatural(ep, p.sort)
	if p.fm == nil && p.rdm == nil && hide == nil && natural {
		return result{natural: true, n: n}
	}
	var idx []int32
	keep := func(i int) bool {
		if hide != nil && hide(c, i) {
			return false
		}
		return p.fm.match(i) && p.rdm.match(i)
	}
	var cands []int32
	indexed := false
	if ep.candidates != nil {
		cands, indexed = ep.candidates(c.st, p.fm)
	}
	if indexed {
		for _, i := range cands {
			if keep(int(i)) {
				idx = append(idx, i)
			}
		}
	} else {
		for i := range n {
			if keep(i) {
				idx = append(idx, int32(i))
			}
		}
	}
	if !natural {
		sortItems(c, ep, idx, p.sort)
	}
	return result{idx: idx, n: len(idx)}
}

// sortItems orders idx by keys, then by the item's id, ascending, so that the order is total.
func sortItems(c *fieldCtx, ep *endpoint, idx []int32, keys []sortKey) {
	if len(idx) < 2 {
		return
	}
	if len(keys) == 1 && !ep.unsortedIDs && sortByNumber(c, idx, keys[0]) {
		return
	}
	if keys[len(keys)-1].f != ep.id {
		keys = append(slices.Clip(keys), sortKey{f: ep.id})
	}
	type column struct {
		str   bool
		desc  bool
		nums  []int64
		strs  []string
		nulls []bool
	}
	cols := make([]column, len(keys))
	for k, key := range keys {
		col := column{desc: key.desc, nulls: make([]bool, len(idx))}
		col.str = key.f.kind == kStr || key.f.kind == kDate || key.f.kind == kOID
		if col.str {
			col.strs = make([]string, len(idx))
		} else {
			col.nums = make([]int64, len(idx))
		}
		for p, i := range idx {
			v := key.f.get(c, int(i), 0)
			col.nulls[p] = v.null
			switch {
			case key.f.kind == kOID:
				col.strs[p], _ = printed(kOID, v)
			case col.str:
				col.strs[p] = v.s
			default:
				col.nums[p] = v.n
			}
		}
		cols[k] = col
	}
	perm := make([]int32, len(idx))
	for p := range perm {
		perm[p] = int32(p)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		for k := range cols {
			col := &cols[k]
			var r int
			switch na, nb := col.nulls[a], col.nulls[b]; {
			case na && nb:
				r = 0
			case na:
				r = -1 // null first ascending
			case nb:
				r = 1
			case col.str:
				r = strings.Compare(col.strs[a], col.strs[b])
			default:
				r = cmp.Compare(col.nums[a], col.nums[b])
			}
			if r != 0 {
				if col.desc {
					return -r
				}
				return r
			}
		}
		return cmp.Compare(idx[a], idx[b])
	})
	sorted := make([]int32, len(idx))
	for p, q := range perm {
		sorted[p] = idx[q]
	}
	copy(idx, sorted)
}

// sortByNumber sorts idx by a single numeric key with a stable radix sort, the common case of
// sorting a large list by a date. idx is ascending and, on an endpoint without unsortedIDs,
// item order is id order, so stability breaks ties by id as sortItems does. It reports false,
// leaving idx alone, when the key is not numeric or has nulls.
func sortByNumber(c *fieldCtx, idx []int32, key sortKey) bool {
	switch key.f.kind {
	case kInt, kBool, kTime, kTime7:
	default:
		return false
	}
	type pair struct {
		k int64
		i int32
	}
	pairs := make([]pair, len(idx))
	for p, i := range idx {
		v := key.f.get(c, int(i), 0)
		if v.null {
			return false
		}
		if key.desc {
			v.n = -v.n
		}
		pairs[p] = pair{v.n, i}
	}
	radixSort(pairs, func(p *pair) int64 { return p.k })
	for p := range pairs {
		idx[p] = pairs[p].i
	}
	return true
}

// resultCache keeps recent results per study, so that paging through a filtered or sorted
// list evaluates it once. An entry is valid while the study's version is unchanged.
type resultCache struct {
	mu      sync.Mutex
	entries map[string]*cacheEntry
	tick    uint64
	held    int // total indices held
}

type cacheEntry struct {
	version uint64
	res     result
	used    uint64
}

const (
	cacheMaxEntries = 64
	cacheMaxHeld    = 16 << 20 // indices (64 MB)
)

func (rc *resultCache) get(key string, version uint64) (result, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok || e.version != version {
		return result{}, false
	}
	rc.tick++
	e.used = rc.tick
	return e.res, true
}

func (rc *resultCache) put(key string, version uint64, res result) {
	if res.natural || len(res.idx) > cacheMaxHeld/2 {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil {
		rc.entries = map[string]*cacheEntry{}
	}
	if old, ok := rc.entries[key]; ok {
		rc.held -= len(old.res.idx)
	}
	rc.tick++
	rc.entries[key] = &cacheEntry{version: version, res: res, used: rc.tick}
	rc.held += len(res.idx)
	for len(rc.entries) > cacheMaxEntries || rc.held > cacheMaxHeld {
		var oldest string
		var ot uint64 = ^uint64(0)
		for k, e := range rc.entries {
			if e.used < ot {
				oldest, ot = k, e.used
			}
		}
		rc.held -= len(rc.entries[oldest].res.idx)
		delete(rc.entries, oldest)
	}
}

// serveList answers a GET on a list endpoint.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, ep *endpoint, st *Study) {
	c := &fieldCtx{srv: s, st: st}
	if st != nil {
		st.settle()
		st.mu.RLock()
	}
	p, aerr := parseList(c, ep, r.URL.Query())
	if aerr != nil {
		if st != nil {
			st.mu.RUnlock()
		}
		s.writeError(w, r, aerr)
		return
	}
	var res result
	if st != nil {
		key := p.cacheKey(ep)
		var ok bool
		if res, ok = st.cache.get(key, st.version); !ok {
			res = compute(c, ep, p)
			st.cache.put(key, st.version, res)
		}
	} else {
		res = compute(c, ep, p)
	}
	buf := getBuf()
	b := s.appendMetadataOK(*buf, r)
	b = appendPagination(b, p, res.n)
	b = append(b, `,"data":[`...)
	start := min(int64(p.page)*int64(p.size), int64(res.n))
	end := min(start+int64(p.size), int64(res.n))
	for k := int(start); k < int(end); k++ {
		if k > int(start) {
			b = append(b, ',')
		}
		b = appendItem(b, c, ep.fields, res.at(k), 0)
	}
	b = append(b, "]}"...)
	if st != nil {
		st.mu.RUnlock()
	}
	*buf = b
	writeJSON(w, http.StatusOK, b)
	putBuf(buf)
}

// appendPagination appends the pagination object.
func appendPagination(b []byte, p *listParams, total int) []byte {
	pages := (total + p.size - 1) / p.size
	b = append(b, `,"pagination":{"currentPage":`...)
	b = appendInt(b, int64(p.page))
	b = append(b, `,"size":`...)
	b = appendInt(b, int64(p.size))
	b = append(b, `,"totalPages":`...)
	b = appendInt(b, int64(pages))
	b = append(b, `,"totalElements":`...)
	b = appendInt(b, int64(total))
	b = append(b, `,"sort":[`...)
	for k, key := range p.sort {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"property":`...)
		b = wire.AppendString(b, key.f.name)
		if key.desc {
			b = append(b, `,"direction":"DESC"}`...)
		} else {
			b = append(b, `,"direction":"ASC"}`...)
		}
	}
	return append(b, "]}"...)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 16<<20 {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
