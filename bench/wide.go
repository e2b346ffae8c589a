package main

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/imednet/imednet-go/internal/wire"
)

// The wide profile: a server of records shaped like those of a real study's larger forms,
// 20 recordData variables each (text, numbers sent as strings, dates and choice codes) and
// about 850 bytes per record, instead of the test server's catalogue forms of 2 to 10
// variables. It serves only what the listing stages read: the records' pages, in the API's
// envelope. The pages of the benchmark's page size are encoded once, before the stages, into
// memory outside the Go heap: serving them costs what the real API's network would, and the
// client's heap and garbage collection are measured alone. Pages of another size are encoded
// on request.

// wideVars are the variables of a wide record: name and kind ('t' text, 'n' number, 'd' date,
// 'c' choice code).
var wideVars = []struct {
	name string
	kind byte
}{
	{"VISDAT", 'd'}, {"HEIGHT", 'n'}, {"WEIGHT", 'n'}, {"BMI", 'n'}, {"SYSBP", 'n'},
	{"DIABP", 'n'}, {"PULSE", 'n'}, {"TEMP", 'n'}, {"RESP", 'n'}, {"SPO2", 'n'},
	{"AETERM", 't'}, {"AESEV", 'c'}, {"AESER", 'c'}, {"AESTDAT", 'd'}, {"AEENDAT", 'd'},
	{"CMTRT", 't'}, {"CMDOSE", 'n'}, {"CMROUTE", 'c'}, {"COMMENT", 't'}, {"INVDAT", 'd'},
}

var wideTexts = []string{
	"Headache, mild, resolved without treatment", "Nausea after the morning dose",
	"Paracetamol 500 mg as needed", "Subject reports feeling well; no complaints",
	"Rash on the left forearm, itching", "Ibuprofen", "Dizziness on standing",
	"Blood pressure repeated after 5 minutes of rest", "", "Amoxicillin 250 mg three times a day",
}

// wideServer serves the records' pages of the wide profile.
type wideServer struct {
	records int
	size    int      // the page size of pages
	pages   [][]byte // the pre-encoded pages of that size
	pool    sync.Pool
}

// maxPreEncoded bounds the records whose pages are encoded ahead (about 880 MB).
const maxPreEncoded = 1_000_000

// startWide starts the wide profile's server on a loopback port.
func startWide(records, size int) (server, func(), error) {
	ws := &wideServer{records: records, size: size}
	if records <= maxPreEncoded {
		n := (records + size - 1) / size
		arena := offHeap(records*(wideRecordSize(1000)+64) + n*512)
		for p := range n {
			start := len(arena)
			arena = ws.appendPage(arena, p, size)
			ws.pages = append(ws.pages, arena[start:len(arena):len(arena)])
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return server{}, nil, err
	}
	hs := &http.Server{Handler: ws, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	srv := server{URL: "http://" + ln.Addr().String(), APIKey: "bench-api-key", SecurityKey: "bench-security-key", Records: records}
	return srv, func() { hs.Close() }, nil
}

func (ws *wideServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/edc/studies/"+studyKey+"/records" || r.Method != http.MethodGet {
		http.Error(w, `{"metadata":{"status":"ERROR"}}`, http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("size"))
	if size <= 0 {
		size = 25
	}
	w.Header().Set("Content-Type", "application/json")
	if size == ws.size && page >= 0 && page < len(ws.pages) {
		w.Header().Set("Content-Length", strconv.Itoa(len(ws.pages[page])))
		w.Write(ws.pages[page])
		return
	}
	bp, _ := ws.pool.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := ws.appendPage((*bp)[:0], page, size)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
	*bp = b
	ws.pool.Put(bp)
}

// appendPage appends page number page of the records in pages of size.
func (ws *wideServer) appendPage(b []byte, page, size int) []byte {
	totalPages := (ws.records + size - 1) / size
	b = append(b, `{"metadata":{"status":"OK","method":"GET","path":"/api/v1/edc/studies/`+studyKey+`/records","timestamp":"2026-01-01 00:00:00","error":{}},"pagination":{"currentPage":`...)
	b = strconv.AppendInt(b, int64(page), 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, `,"totalPages":`...)
	b = strconv.AppendInt(b, int64(totalPages), 10)
	b = append(b, `,"totalElements":`...)
	b = strconv.AppendInt(b, int64(ws.records), 10)
	b = append(b, `,"sort":[{"property":"recordId","direction":"ASC"}]},"data":[`...)
	for i := page * size; i < min((page+1)*size, ws.records); i++ {
		if i > page*size {
			b = append(b, ',')
		}
		b = appendWideRecord(b, i+1)
	}
	return append(b, "]}"...)
}

// mix is a small deterministic hash of a record id and a salt.
func mix(id, salt int) uint64 {
	h := uint64(id)*0x9E3779B97F4A7C15 ^ uint64(salt)*0xC2B2AE3D27D4EB4F
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	return h ^ h>>32
}

// appendWideRecord appends record id of the wide profile.
func appendWideRecord(b []byte, id int) []byte {
	subject := (id-1)/30 + 1
	created := time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(id) * 7 * time.Minute)
	modified := created.Add(time.Duration(mix(id, 99)%5000) * time.Minute)
	apiTime := func(t time.Time) string { return t.Format("2006-01-02 15:04:05") }
	b = append(b, `{"studyKey":"`+studyKey+`","intervalId":`...)
	b = strconv.AppendInt(b, int64(200+id%12), 10)
	b = append(b, `,"formId":1020,"formKey":"WIDE","siteId":`...)
	b = strconv.AppendInt(b, int64(101+subject%8), 10)
	b = append(b, `,"recordId":`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `,"recordOid":"REC-`...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `","recordType":"SUBJECT","recordStatus":"Record Complete","deleted":false,"dateCreated":"`...)
	b = append(b, apiTime(created)...)
	b = append(b, `","dateModified":"`...)
	b = append(b, apiTime(modified)...)
	b = append(b, `","subjectId":`...)
	b = strconv.AppendInt(b, int64(5000+subject), 10)
	b = append(b, `,"subjectOid":"OID-`...)
	b = strconv.AppendInt(b, int64(5000+subject), 10)
	b = append(b, `","subjectKey":"01-`...)
	if subject < 100 {
		b = append(b, '0')
	}
	if subject < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(subject), 10)
	b = append(b, `","visitId":`...)
	b = strconv.AppendInt(b, int64(7000+id/3), 10)
	b = append(b, `,"parentRecordId":0,"keywords":[`...)
	if mix(id, 98)%10 == 0 {
		b = append(b, `{"keywordName":"Data Entry Error","keywordKey":"DEE","keywordId":15362,"dateAdded":"`...)
		b = append(b, apiTime(modified)...)
		b = append(b, `"}`...)
	}
	b = append(b, `],"recordData":{`...)
	for j, v := range wideVars {
		h := mix(id, j)
		b = wire.AppendString(b, v.name)
		b = append(b, ':')
		var s string
		switch v.kind {
		case 't':
			s = wideTexts[h%uint64(len(wideTexts))]
		case 'n':
			s = strconv.FormatFloat(float64(h%100000)/100, 'f', -1, 64)
		case 'd':
			s = created.AddDate(0, 0, -int(h%30)).Format("2006-01-02")
		case 'c':
			s = strconv.Itoa(int(1 + h%4))
		}
		if h%23 == 0 {
			s = "" // a blank answer
		}
		b = wire.AppendString(b, s)
		b = append(b, ',')
	}
	b = append(b, `"dateCreated":"`...)
	b = append(b, apiTime(created)...)
	b = append(b, `","dateModified":"`...)
	b = append(b, apiTime(modified)...)
	return append(b, `"}}`...)
}

// wideRecordSize returns the mean size in bytes of the first n records of the wide profile.
func wideRecordSize(n int) int {
	var b []byte
	total := 0
	for id := 1; id <= n; id++ {
		b = appendWideRecord(b[:0], id)
		total += len(b)
	}
	return total / n
}
