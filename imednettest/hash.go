package imednettest

// Deterministic hashing: every generated value is a pure function of the server's seed, the
// study, and the item it belongs to, so that the same seed and configuration always give the
// same bytes, and record data can be derived on demand instead of stored.

// mix is the SplitMix64 finaliser: a bijective 64-bit mixer.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// h2 hashes a salt and one value under seed.
func h2(seed, salt, a uint64) uint64 {
	return mix(seed ^ mix(salt*0x9e3779b97f4a7c15^a))
}

// h3 hashes a salt and two values under seed.
func h3(seed, salt, a, b uint64) uint64 {
	return mix(h2(seed, salt, a) ^ mix(b+0x632be59bd9b4e019))
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// pick returns h modulo n (n > 0) as an int.
func pick(h uint64, n int) int { return int(h % uint64(n)) }

// Salts for the different generated quantities.
const (
	saltStudy uint64 = iota + 1
	saltSite
	saltSubject
	saltSubjectSite
	saltSubjectStatus
	saltSubjectDeleted
	saltKeyword
	saltVisit
	saltRecordTime
	saltRecordModified
	saltRecordDeleted
	saltRecordKeyword
	saltRevision
	saltValue
	saltBlank
	saltQuery
	saltComment
	saltCoding
	saltUser
	saltRole
	saltForm
	saltJob
	saltFault
)
