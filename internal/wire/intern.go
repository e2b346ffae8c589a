package wire

import (
	"encoding/binary"
	"sync/atomic"
)

// Member names repeat: every record of a page carries the same twenty or so names, and the
// same variable names. memberName returns them from a shared cache instead of allocating a
// string per member per object, which was a third of the allocations of a page of records.
//
// The cache is direct-mapped: a name's hash picks one slot, which holds the last name stored
// there. Reading it takes no lock, and its size is fixed, so hostile input cannot grow it;
// names that collide merely cost an allocation, as they would without a cache.
const (
	internSlots    = 4096 // a power of two
	maxInternedLen = 64
)

var internCache [internSlots]atomic.Pointer[string]

// memberName returns the text of the member name in the JSON string key (quotes included).
func memberName(key []byte) string {
	if len(key) < 2 || len(key) > maxInternedLen+2 || key[len(key)-1] != '"' {
		s, _ := Value(key).Text()
		return s
	}
	inner := key[1 : len(key)-1]
	h, plain := hashPlain(inner)
	if !plain {
		// Escapes and non-ASCII text take the general path, which also validates and
		// replaces invalid UTF-8.
		s, _ := Value(key).Text()
		return s
	}
	slot := &internCache[h&(internSlots-1)]
	if p := slot.Load(); p != nil && *p == string(inner) {
		return *p
	}
	s := string(inner)
	slot.Store(&s)
	return s
}

// hashPlain returns a hash of b, the inside of a JSON string that skipString accepted, and
// whether b is plain ASCII text without escapes (no backslash, no byte of 0x80 or more: its
// bytes are then its text). It reads eight bytes at a time.
func hashPlain(b []byte) (h uint64, plain bool) {
	const prime = 0x100000001b3 // FNV-1a's, 64 bits
	h = 0xcbf29ce484222325
	var flags uint64 // the high bit of a byte set for a backslash or a non-ASCII byte
	for len(b) >= 8 {
		x := binary.LittleEndian.Uint64(b)
		backslash := x ^ (ones * '\\')
		flags |= x | (backslash-ones)&^backslash
		h = (h ^ x) * prime
		b = b[8:]
	}
	for _, c := range b {
		flags |= uint64(c)
		if c == '\\' {
			flags |= 0x80
		}
		h = (h ^ uint64(c)) * prime
	}
	h ^= h >> 32
	return h, flags&highs == 0
}

// Short text values repeat too: a page's records share their study key, form key, record
// type and status, and a subject's records its key and OID. internText returns them from a
// second cache of the same kind (apart, so that values do not push names out).
const maxInternedText = 32

var internTextCache [internSlots]atomic.Pointer[string]

// internText returns the text of the JSON string v (quotes included, as skipString accepted
// it: no control characters, no quote but behind a backslash) from the cache, and false when
// v is not a short string of ASCII without escapes, which the caller then reads the general
// way.
func internText(v []byte) (string, bool) {
	if len(v) < 2 || len(v) > maxInternedText+2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	h, plain := hashPlain(inner)
	if !plain {
		return "", false
	}
	slot := &internTextCache[h&(internSlots-1)]
	if p := slot.Load(); p != nil && *p == string(inner) {
		return *p, true
	}
	s := string(inner)
	slot.Store(&s)
	return s, true
}
