package records

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// mustRead reads data as the file name with a live context.
func mustRead(t testing.TB, name string, data []byte) *input {
	t.Helper()
	in, err := readInput(context.Background(), name, data)
	if err != nil {
		t.Fatalf("readInput(%s): %v", name, err)
	}
	return in
}

// jsonItems is a JSON array of n requests, item i spread over 1 + i%3 lines so that the
// line numbers do not follow the item numbers.
func jsonItems(n int) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"formKey": "AE",` + strings.Repeat("\n", i%3) + fmt.Sprintf(`"data": {"N": %d}}`, i))
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

// Every item gets the line its object starts on, counted independently here.
func TestReadJSONLines(t *testing.T) {
	data := jsonItems(500)
	in := mustRead(t, "in.json", data)
	if len(in.issues) > 0 || len(in.reqs) != 500 {
		t.Fatalf("%d requests, issues %v", len(in.reqs), in.issues)
	}
	off := 0
	for i := range in.reqs {
		k := bytes.Index(data[off:], []byte(`{"formKey"`))
		off += k
		want := bytes.Count(data[:off], []byte("\n")) + 1
		off++
		if in.line[i] != want || in.where[i] != fmt.Sprintf("item %d (line %d)", i+1, want) {
			t.Fatalf("request %d: line %d, %q; want line %d", i, in.line[i], in.where[i], want)
		}
	}
}

// A done context stops the reading of a large file with its cause, in either format.
func TestReadInputInterrupted(t *testing.T) {
	var csvData bytes.Buffer
	csvData.WriteString("formKey,N\n")
	for i := range 5000 {
		fmt.Fprintf(&csvData, "AE,%d\n", i)
	}
	stop := errors.New("stopped")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(stop)
	for name, data := range map[string][]byte{"in.json": jsonItems(5000), "in.csv": csvData.Bytes()} {
		in, err := readInput(ctx, name, data)
		if !errors.Is(err, stop) || in != nil {
			t.Errorf("%s: readInput = %v, %v; want the context's cause", name, in, err)
		}
	}
	// A file shorter than one check reads whole even so: nothing is half-reported.
	if in, err := readInput(ctx, "small.json", jsonItems(3)); err != nil || len(in.reqs) != 3 {
		t.Errorf("small file under a done context: %v", err)
	}
}

// BenchmarkReadJSON reads files of 20,000 and 80,000 requests: the time per request should
// not grow with the file's size.
func BenchmarkReadJSON(b *testing.B) {
	for _, n := range []int{20_000, 80_000} {
		data := jsonItems(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if in := mustRead(b, "in.json", data); len(in.reqs) != n {
					b.Fatalf("%d requests", len(in.reqs))
				}
			}
		})
	}
}
