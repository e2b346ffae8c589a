package wire

import "sync"

// Member names repeat: every record of a page carries the same twenty or so names, and the
// same variable names. memberName returns them from a shared table instead of allocating a
// string per member per object, which was a third of the allocations of a page of records.
// The table is bounded (names seen after it is full are allocated as before) and holds only
// short, plain names, so hostile input cannot grow it without limit.
const (
	maxInterned    = 8192
	maxInternedLen = 64
)

var interned struct {
	sync.RWMutex
	m map[string]string
}

// memberName returns the text of the member name in the JSON string key (quotes included).
func memberName(key []byte) string {
	if len(key) < 2 || len(key) > maxInternedLen+2 || key[len(key)-1] != '"' || !plainString(key[1:len(key)-1]) {
		s, _ := Value(key).Text()
		return s
	}
	inner := key[1 : len(key)-1]
	interned.RLock()
	s, ok := interned.m[string(inner)] // no allocation: the compiler converts in place for a lookup
	interned.RUnlock()
	if ok {
		return s
	}
	s = string(inner)
	interned.Lock()
	if interned.m == nil {
		interned.m = make(map[string]string)
	}
	if len(interned.m) < maxInterned {
		interned.m[s] = s
	}
	interned.Unlock()
	return s
}
