package imednettest

// radixSort sorts s stably by key (ascending), with a least-significant-digit radix sort in
// 11-bit digits: a few linear passes instead of an O(n log n) comparison sort, which matters
// when a generated study has millions of revisions.
func radixSort[T any](s []T, key func(*T) int64) {
	if len(s) < 2 {
		return
	}
	lo, hi := key(&s[0]), key(&s[0])
	for i := range s {
		k := key(&s[i])
		lo, hi = min(lo, k), max(hi, k)
	}
	span := uint64(hi - lo)
	if span == 0 {
		return
	}
	const bits = 11
	const buckets = 1 << bits
	tmp := make([]T, len(s))
	src, dst := s, tmp
	for shift := uint(0); shift < 64 && span>>shift != 0; shift += bits {
		var count [buckets + 1]int
		for i := range src {
			count[(uint64(key(&src[i])-lo)>>shift)&(buckets-1)+1]++
		}
		for b := 1; b <= buckets; b++ {
			count[b] += count[b-1]
		}
		for i := range src {
			d := (uint64(key(&src[i])-lo) >> shift) & (buckets - 1)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
}
