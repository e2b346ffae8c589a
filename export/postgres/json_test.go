package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go/export"
)

// rawRecords has the layout of the export's records_raw table.
var rawRecords = export.Table{
	Name: export.RawTable,
	Columns: []export.Column{
		{Name: "recordId", Type: export.ColumnInteger},
		{Name: "formKey", Type: export.ColumnText},
		{Name: "dateModified", Type: export.ColumnTimestamp},
		{Name: "deleted", Type: export.ColumnBoolean},
		{Name: "json", Type: export.ColumnJSON},
	},
	Key: []string{"recordId"},
}

// hostileJSON is valid JSON whose bytes jsonb would not keep (or would refuse), by record
// id: PostgreSQL's json keeps each byte for byte.
var hostileJSON = map[int64]string{
	1:  ` { "b" : 1 ,  "a" : [ 1 , 2 ] } `,
	2:  `{"z":1,"y":2,"a":3}`,
	3:  `{"a":1,"a":2,"a":{"a":3,"a":4}}`,
	4:  `{"nul":"\u0000","k\u0000":"x\\u0000"}`,
	5:  `["\ud800","\udc00","\udbff\udfff","\ud800\ud800","x\uDFFFy"]`,
	6:  `[1e400, -1e-400, 0.10, 1.0E+2, -0, 12345678901234567890123456789, 1.5e-7]`,
	7:  `"\u00e9\/\"\\\b\f\n\r\t\uD83E\uDDEA"`,
	8:  "\"raw é 🧪 \u2028 \uFFFF\"",
	9:  "\t\n[ ]\r\n",
	10: `null`,
	11: `{"recordData":{"HEIGHT":"180.50","WEIGHT":" 70 "},"deleted":false}`,
}

// readRaw returns the json column of records_raw as text, by record id.
func readRaw(t *testing.T, s *Sink) map[int64]string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `SELECT "recordId", json::text FROM `+quoteIdent(s.schema)+`.records_raw`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	var id int64
	var js *string
	_, err = pgx.ForEachRow(rows, []any{&id, &js}, func() error {
		if js == nil {
			got[id] = "<NULL>"
		} else {
			got[id] = *js
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// compareRaw reports each record whose JSON text differs from what is wanted.
func compareRaw(t *testing.T, got, want map[int64]string, when string) {
	t.Helper()
	for id, w := range want {
		if g, ok := got[id]; !ok {
			t.Errorf("%s: record %d is missing", when, id)
		} else if g != w {
			t.Errorf("%s: record %d holds\n %q\nwant %q", when, id, g, w)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: record %d should not be there", when, id)
		}
	}
}

// rawRow is a row of records_raw.
func rawRow(id int64, js string) export.Row {
	return export.Row{id, "VS", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), false, json.RawMessage(js)}
}

// TestJSONKeepsBytes writes JSON that jsonb would rewrite through both write paths, inserted
// and then upserted, and reads each value back as text: the same bytes, but for invalid UTF-8,
// which is replaced and counted.
func TestJSONKeepsBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			s := newSink(t, uniqueStudy("JSONBYTES"), p.opt)
			prepare(t, s, rawRecords)
			want := map[int64]string{}
			var batch []export.Row
			for id, js := range hostileJSON {
				batch = append(batch, rawRow(id, js))
				want[id] = js
			}
			// Invalid UTF-8 cannot be stored at all: each bad byte becomes U+FFFD.
			batch = append(batch, rawRow(20, "{\"k\xff\": \"\xc3(\", \"ok\": \"é\"}"))
			want[20] = "{\"k\uFFFD\": \"\uFFFD(\", \"ok\": \"é\"}"
			// A text value with a NUL is cleaned and counted too.
			nul := rawRow(21, `{}`)
			nul[1] = "V\x00S"
			batch = append(batch, nul)
			want[21] = `{}`
			write(t, s, rawRecords.Name, batch)
			compareRaw(t, readRaw(t, s), want, "after the insert")
			if r := s.Replaced(); r != 2 {
				t.Errorf("Replaced() = %d after one JSON and one text value were cleaned, want 2", r)
			}

			// Upserts replace the bytes, even when the value is the same: the last row of a key
			// wins, and the replaced value of a row that lost is not counted.
			write(t, s, rawRecords.Name, []export.Row{
				rawRow(1, "{\"lost\xff\": 1}"),
				rawRow(1, `{"b":1,"a":[1,2]}`),
				rawRow(2, `{"z" : 1, "y" : 2, "a" : 3}`),
				rawRow(6, `[1E400,0.1]`),
				rawRow(9, `null`),
				rawRow(10, ``), // empty: SQL NULL
				rawRow(30, `  "new"  `),
			})
			want[1], want[2], want[6], want[9], want[10], want[30] = `{"b":1,"a":[1,2]}`, `{"z" : 1, "y" : 2, "a" : 3}`, `[1E400,0.1]`, `null`, "<NULL>", `  "new"  `
			compareRaw(t, readRaw(t, s), want, "after the upsert")
			if r := s.Replaced(); r != 2 {
				t.Errorf("Replaced() = %d, want still 2", r)
			}

			// A batch that fails counts nothing.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if err := s.Write(cctx, rawRecords.Name, []export.Row{rawRow(40, "\"\xff\"")}); err == nil {
				t.Error("Write with a cancelled context succeeded")
			}
			if err := s.Write(ctx, rawRecords.Name, []export.Row{rawRow(41, "\"\xff\""), rawRow(42, `{"a":}`)}); err == nil ||
				!strings.Contains(err.Error(), "not valid JSON") {
				t.Errorf("invalid JSON: got error %v", err)
			}
			if r := s.Replaced(); r != 2 {
				t.Errorf("Replaced() = %d after failed batches, want still 2", r)
			}

			// What the package documentation says of the escapes json keeps: PostgreSQL's
			// JSON operators refuse the values that hold them, and read the others.
			var a string
			if err := s.pool.QueryRow(ctx, `SELECT json->>'ok' FROM `+quoteIdent(s.schema)+`.records_raw WHERE "recordId" = 20`).Scan(&a); err != nil || a != "é" {
				t.Errorf(`json->>'ok' of record 20: %q, %v`, a, err)
			}
			for _, id := range []int64{4, 5} {
				var v *string
				err := s.pool.QueryRow(ctx, `SELECT json->>0 FROM `+quoteIdent(s.schema)+`.records_raw WHERE "recordId" = $1`, id).Scan(&v)
				if err == nil {
					t.Errorf("record %d: PostgreSQL's ->> read a value holding \\u0000 or an unpaired surrogate; update the package documentation", id)
				}
			}
		})
	}
}

// TestPrepareConvertsJSONB prepares a schema whose records_raw has its JSON column as jsonb,
// as an earlier version of the sink created it: the column becomes json, keeping each value
// as jsonb printed it, and later writes through both paths keep their bytes.
func TestPrepareConvertsJSONB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	study := uniqueStudy("JSONB")
	old := newSharedSink(t, study)
	tab := quoteIdent(old.schema) + ".records_raw"
	_, err := old.pool.Exec(ctx, `CREATE TABLE `+tab+` ("recordId" bigint NOT NULL, "formKey" text, "dateModified" timestamptz,
		deleted boolean, json jsonb, PRIMARY KEY ("recordId"));
		INSERT INTO `+tab+` ("recordId", "formKey", json) VALUES
			(1, 'VS', '{"b" : 2, "a":1, "a": 3, "n": 1.50}'), (2, 'VS', NULL), (3, 'VS', '"\u00e9"'), (4, 'VS', '[1,  2]')`)
	if err != nil {
		t.Fatal(err)
	}
	typeOf := func() string {
		t.Helper()
		var typ string
		if err := old.pool.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
			WHERE attrelid = $1::regclass AND attname = 'json'`, tab).Scan(&typ); err != nil {
			t.Fatal(err)
		}
		return typ
	}

	s := newSharedSink(t, study, WithCopyThreshold(1))
	prepare(t, s, rawRecords)
	if typ := typeOf(); typ != "json" {
		t.Fatalf("after Prepare, the column is %s, want json", typ)
	}
	// The old values as jsonb printed them: no more was kept.
	want := map[int64]string{1: `{"a": 3, "b": 2, "n": 1.50}`, 2: "<NULL>", 3: `"é"`, 4: `[1, 2]`}
	compareRaw(t, readRaw(t, s), want, "after the conversion")
	write(t, s, rawRecords.Name, []export.Row{rawRow(1, hostileJSON[1]), rawRow(5, hostileJSON[4])})
	ins := newSink(t, study, WithCopyThreshold(1<<30))
	prepare(t, ins, rawRecords) // the column is json already: nothing changes
	if typ := typeOf(); typ != "json" {
		t.Fatalf("after a second Prepare, the column is %s, want json", typ)
	}
	write(t, ins, rawRecords.Name, []export.Row{rawRow(4, hostileJSON[5]), rawRow(6, hostileJSON[6])})
	want[1], want[5], want[4], want[6] = hostileJSON[1], hostileJSON[4], hostileJSON[5], hostileJSON[6]
	compareRaw(t, readRaw(t, s), want, "after writing through both paths")
}

// TestJSONKeyRefused checks that a JSON key column is refused before anything is sent:
// PostgreSQL's json has no equality, so it cannot be a primary key.
func TestJSONKeyRefused(t *testing.T) {
	t.Parallel()
	s := newSink(t, uniqueStudy("JSONKEY"))
	bad := export.Table{Name: "records_J", Columns: []export.Column{{Name: "k", Type: export.ColumnInteger}, {Name: "j", Type: export.ColumnJSON}},
		Key: []string{"k", "j"}}
	err := s.Prepare(context.Background(), []export.Table{bad})
	if err == nil || !strings.Contains(err.Error(), `key column "j" is JSON`) {
		t.Errorf("got error %v, want one about the JSON key column", err)
	}
}

// FuzzJSONStored writes each input to PostgreSQL through both write paths and reads it
// back: valid JSON is stored as cleanJSON returns it (byte for byte when it is valid UTF-8),
// anything else is refused before it is sent.
func FuzzJSONStored(f *testing.F) {
	for _, js := range hostileJSON {
		f.Add([]byte(js))
	}
	for _, js := range []string{"\"\xff\"", "{\"\xc3\": \"\xe2\x82\"}", `{"a":`, "\"\x00\"", `01`, ``, ` `} {
		f.Add([]byte(js))
	}
	ctx := context.Background()
	study := uniqueStudy("FUZZJSON")
	sinks := []*Sink{newSharedSink(f, study, WithCopyThreshold(1)), newSharedSink(f, study, WithCopyThreshold(1<<30))}
	table := export.Table{Name: "fuzz", Columns: []export.Column{{Name: "k", Type: export.ColumnInteger}, {Name: "j", Type: export.ColumnJSON}},
		Key: []string{"k"}}
	prepare(f, sinks[0], table)
	prepare(f, sinks[1], table)
	f.Fuzz(func(t *testing.T, in []byte) {
		want, _, cerr := cleanJSON(in)
		if len(in) == 0 {
			want, cerr = nil, nil // empty is SQL NULL
		}
		for k, s := range sinks {
			err := s.Write(ctx, table.Name, []export.Row{{int64(k), json.RawMessage(in)}})
			if cerr != nil {
				if err == nil {
					t.Fatalf("sink %d stored invalid JSON %q", k, in)
				}
				continue
			}
			if err != nil {
				t.Fatalf("sink %d refused %q: %v", k, in, err)
			}
			var got []byte
			if err := s.pool.QueryRow(ctx, "SELECT j::text FROM "+quoteIdent(s.schema)+".fuzz WHERE k = $1", k).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) || (got == nil) != (want == nil) {
				t.Fatalf("sink %d stored %q as %q, want %q", k, in, got, want)
			}
		}
	})
}
