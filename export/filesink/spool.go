package filesink

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/maphash"
	"io"
	"math"
	"time"
	"unsafe"

	"github.com/imednet/imednet-go/export"
)

// A spool file holds the rows of a table written since its last commit, in a compact binary
// form that keeps their Go types. It is a sequence of frames, each its payload's length (a
// uvarint), the payload's CRC-32C (4 bytes, little-endian) and the payload: first a header (the
// JSON of a spoolHeader), then one frame per batch given to Write: per row the number of
// values, then per value a tag and its bytes. A crash leaves at most a torn last frame, which
// the CRC tells from a whole one.
const (
	tagNull byte = iota
	tagString
	tagInt
	tagFloat
	tagFalse
	tagTrue
	tagTime
	tagJSON
)

// appendValue appends the spool form of a valid value.
func appendValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, tagNull)
	case string:
		dst = append(dst, tagString)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		return append(dst, v...)
	case int64:
		dst = append(dst, tagInt)
		return binary.AppendVarint(dst, v)
	case float64:
		dst = append(dst, tagFloat)
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	case bool:
		if v {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case time.Time:
		dst = append(dst, tagTime)
		dst = binary.AppendVarint(dst, v.Unix())
		return binary.AppendUvarint(dst, uint64(v.Nanosecond()))
	case json.RawMessage:
		dst = append(dst, tagJSON)
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		return append(dst, v...)
	}
	panic(fmt.Sprintf("filesink: unchecked value of type %T", v))
}

// appendRow appends the spool form of a valid row.
func appendRow(dst []byte, row export.Row) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(row)))
	for _, v := range row {
		dst = appendValue(dst, v)
	}
	return dst
}

// keyHash identifies a row's key: two 64-bit hashes of its spool form, under two random seeds.
// Two different keys of one run share a keyHash with a probability below 10^-24 for ten
// million keys, and a keyHash takes 16 bytes whatever the key's size.
type keyHash [2]uint64

// keyHasher computes the keyHash of rows.
type keyHasher struct {
	seeds [2]maphash.Seed
	buf   []byte
}

func newKeyHasher() *keyHasher {
	return &keyHasher{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// key returns the keyHash of a row, whose key columns are at the indexes key. The empty text is
// taken as NULL (CSV cannot tell them apart).
func (h *keyHasher) key(row export.Row, key []int) keyHash {
	b := h.buf[:0]
	for _, i := range key {
		v := row[i]
		if s, ok := v.(string); ok && s == "" {
			v = nil
		}
		b = appendValue(b, v)
	}
	h.buf = b
	return keyHash{maphash.Bytes(h.seeds[0], b), maphash.Bytes(h.seeds[1], b)}
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameReserve is the room kept before a payload for its frame's header.
const frameReserve = binary.MaxVarintLen64 + 4

// newFrame returns a buffer for a payload appended after frameReserve bytes.
func newFrame(buf []byte) []byte {
	return append(buf[:0], make([]byte, frameReserve)...)
}

// sealFrame writes the frame header before the payload of buf (made by newFrame) and returns
// the frame.
func sealFrame(buf []byte) []byte {
	payload := buf[frameReserve:]
	var hdr [frameReserve]byte
	n := binary.PutUvarint(hdr[:], uint64(len(payload)))
	binary.LittleEndian.PutUint32(hdr[n:], crc32.Checksum(payload, castagnoli))
	n += 4
	start := frameReserve - n
	copy(buf[start:], hdr[:n])
	return buf[start:]
}

// frameReader reads the frames of a spool file.
type frameReader struct {
	r       *bufio.Reader
	payload []byte
	off     int64 // bytes of whole frames read
}

// next returns the next frame's payload, valid until the next call, or io.EOF at the end of the
// file or at a torn or damaged frame.
func (f *frameReader) next() ([]byte, error) {
	n, err := binary.ReadUvarint(f.r)
	if err != nil || n > 1<<34 {
		return nil, io.EOF
	}
	var crc [4]byte
	if _, err := io.ReadFull(f.r, crc[:]); err != nil {
		return nil, io.EOF
	}
	if uint64(cap(f.payload)) < n {
		f.payload = make([]byte, n)
	}
	p := f.payload[:n]
	if _, err := io.ReadFull(f.r, p); err != nil {
		return nil, io.EOF
	}
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(crc[:]) {
		return nil, io.EOF
	}
	var lenBuf [binary.MaxVarintLen64]byte
	f.off += int64(binary.PutUvarint(lenBuf[:], n)) + 4 + int64(n)
	return p, nil
}

// stable returns a copy of p that is never written to: the bytes of a string, so that
// decodeRow can return text values that share them, one allocation per frame rather than per
// value.
func stable(p []byte) []byte {
	s := string(p)
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// decodeRow decodes the row at the start of p, which stable returned, into dst, which has the
// table's number of columns, and returns the rest of p. Text values share p's bytes.
func decodeRow(p []byte, dst export.Row) ([]byte, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n != uint64(len(dst)) {
		return nil, errCorruptSpool
	}
	p = p[k:]
	for i := range dst {
		if len(p) == 0 {
			return nil, errCorruptSpool
		}
		tag := p[0]
		p = p[1:]
		switch tag {
		case tagNull:
			dst[i] = nil
		case tagString, tagJSON:
			n, k := binary.Uvarint(p)
			if k <= 0 || n > uint64(len(p)-k) {
				return nil, errCorruptSpool
			}
			b := p[k : k+int(n)]
			p = p[k+int(n):]
			if tag == tagString {
				dst[i] = unsafe.String(unsafe.SliceData(b), len(b))
			} else {
				dst[i] = json.RawMessage(append([]byte(nil), b...))
			}
		case tagInt:
			n, k := binary.Varint(p)
			if k <= 0 {
				return nil, errCorruptSpool
			}
			p = p[k:]
			dst[i] = n
		case tagFloat:
			if len(p) < 8 {
				return nil, errCorruptSpool
			}
			dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(p))
			p = p[8:]
		case tagFalse:
			dst[i] = false
		case tagTrue:
			dst[i] = true
		case tagTime:
			sec, k := binary.Varint(p)
			if k <= 0 {
				return nil, errCorruptSpool
			}
			p = p[k:]
			nsec, k := binary.Uvarint(p)
			if k <= 0 || nsec >= 1e9 {
				return nil, errCorruptSpool
			}
			p = p[k:]
			dst[i] = time.Unix(sec, int64(nsec)).UTC()
		default:
			return nil, errCorruptSpool
		}
	}
	return p, nil
}

var errCorruptSpool = errors.New("corrupt spool file")
