package export

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
	"github.com/imednet/imednet-go/imednettest"
)

// BenchmarkFlattenRecord turns generated records of the widest forms into their wide, long
// and raw rows, as the engine does for every record it fetches; ns/record and allocs/record
// are per record. The decoded variants add the dictionary files' labels (Options.Dictionary).
func BenchmarkFlattenRecord(b *testing.B) {
	srv, err := imednettest.New(imednettest.WithStudy(imednettest.StudyConfig{Key: "B", Subjects: 20}))
	if err != nil {
		b.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dict, err := dictionary.Load(ctx, c, "B")
	if err != nil {
		b.Fatal(err)
	}
	files := srv.Study("B").DictionaryFiles()
	decode, err := dictionary.ParseFiles(dictionary.Files{Forms: bytes.NewReader(files[imednettest.FormsFile]),
		Questions: bytes.NewReader(files[imednettest.QuestionsFile]), Choices: bytes.NewReader(files[imednettest.ChoicesFile])})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		formKey string
		files   *dictionary.Dictionary
	}{{"VS", nil}, {"LAB", nil}, {"AE", nil}, {"LAB", decode}, {"AE", decode}} {
		formKey, name := bc.formKey, bc.formKey
		if bc.files != nil {
			name += "-decoded"
		}
		b.Run(name, func(b *testing.B) {
			form, ok := dict.Form(formKey)
			if !ok {
				b.Fatalf("no form %s", formKey)
			}
			plan := planForm(form, WideTablePrefix+formKey, false, 0, bc.files, Both)
			var records []imednet.Record
			var raws []json.RawMessage
			for r, err := range c.Records.ForForm(ctx, "B", formKey, nil) {
				if err != nil {
					b.Fatal(err)
				}
				raw, err := json.Marshal(r)
				if err != nil {
					b.Fatal(err)
				}
				records, raws = append(records, r), append(raws, raw)
			}
			if len(records) == 0 {
				b.Fatalf("no %s records", formKey)
			}
			var long []Row
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				i := n % len(records)
				n++
				wide := plan.wideRows(&records[i])
				long = plan.longRows(long[:0], &records[i])
				raw := plan.rawRow(&records[i], raws[i])
				if len(wide[0]) != len(plan.parts[0].Columns) || len(long) < len(plan.vars) || raw[0] == nil {
					b.Fatalf("record %d: %d wide values, %d long rows", records[i].RecordID, len(wide[0]), len(long))
				}
			}
		})
	}
}
