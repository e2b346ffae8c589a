package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFilesAreCurrent regenerates the files into memory and compares them with the
// committed ones, so that a struct or models.go changed without go generate fails the tests
// (and CI).
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	files, err := generate(root, models)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range sortedPaths(files) {
		committed, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
		if err != nil {
			t.Errorf("%s: %v (run go generate ./... at the module's root)", path, err)
			continue
		}
		if !bytes.Equal(committed, files[path]) {
			t.Errorf("%s is stale: run go generate ./... at the module's root (go run ./internal/gen/models)", path)
		}
	}
}

// testSource is a package imednet for the tests of the description: a site with a list of
// tags, a tag, and a struct the generator cannot read.
const testSource = `package imednet

import "encoding/json"

type Site struct {
	StudyKey string    ` + "`json:\"studyKey\"`" + `
	SiteID   int       ` + "`json:\"siteId\"`" + `
	Name     string    ` + "`json:\"siteName\"`" + `
	Open     bool      ` + "`json:\"open\"`" + `
	Score    float64   ` + "`json:\"score\"`" + `
	Opened   Timestamp ` + "`json:\"opened\"`" + `
	Tags     []Tag     ` + "`json:\"tags\"`" + `
	Raw      json.RawMessage ` + "`json:\"raw,omitempty\"`" + `
	Data     Blob      ` + "`json:\"data\"`" + `
	note     string
	Status   string    ` + "`json:\"-\"`" + `
	Extra    Extra     ` + "`json:\"-\"`" + `
}

func (x *Site) decodeData(f *wire.Field) {}
func (x *Site) derive()                  {}
func (x *Site) readDataAt(f *wire.Field, data []byte, at int) (int, error) { return 0, nil }

type Tag struct {
	TagID int    ` + "`json:\"tagId\"`" + `
	Label string ` + "`json:\"label\"`" + `
	Extra Extra  ` + "`json:\"-\"`" + `
}

type Untagged struct {
	Name  string
	Extra Extra ` + "`json:\"-\"`" + `
}

type Embeds struct {
	Tag
	Extra Extra ` + "`json:\"-\"`" + `
}

type NoExtra struct {
	Name string ` + "`json:\"name\"`" + `
}
`

func parseTestSource(t *testing.T) *source {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "site.go", testSource, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	return readSource([]*ast.File{f})
}

// validSite is a description of testSource that generates.
func validSite() []Model {
	return []Model{
		{
			Type: "Site", Decode: map[string]string{"data": "decodeData"}, After: "derive",
			CLI: &CLI{Shown: []string{"siteId", "siteName"}, Order: []string{"siteId", "siteName", "studyKey", "open", "score",
				"opened", "tags", "raw", "data"}},
			Tables: []Table{
				{Name: "sites", Key: []string{"siteId"}, Omit: []string{"studyKey", "raw", "data"}, Dates: []string{"opened"}},
				{Name: "site_tags", Key: []string{"siteId", "position"}, List: "tags", Parent: []string{"siteId"}, Position: "position"},
			},
		},
		{Type: "Tag"},
	}
}

func TestReadStruct(t *testing.T) {
	src := parseTestSource(t)
	site := src.structs["Site"]
	if site.err != nil || !site.hasExtra {
		t.Fatalf("Site: err %v, hasExtra %v", site.err, site.hasExtra)
	}
	want := []struct {
		goName, name string
		kind         kind
	}{
		{"StudyKey", "studyKey", kString}, {"SiteID", "siteId", kInt}, {"Name", "siteName", kString}, {"Open", "open", kBool},
		{"Score", "score", kFloat}, {"Opened", "opened", kTime}, {"Tags", "tags", kList}, {"Raw", "raw", kRaw},
		{"Data", "data", kOther},
	}
	if len(site.fields) != len(want) {
		t.Fatalf("Site has fields %v, want %d (unexported and json:\"-\" fields left out)", site.names(), len(want))
	}
	for i, w := range want {
		if f := site.fields[i]; f.goName != w.goName || f.name != w.name || f.kind != w.kind {
			t.Errorf("field %d = %s %q kind %d, want %s %q kind %d", i, f.goName, f.name, f.kind, w.goName, w.name, w.kind)
		}
	}
	if f := site.field("tags"); f.elem != "Tag" {
		t.Errorf("tags: element %q, want Tag", f.elem)
	}
	if methods := src.methods["Site"]; !methods["decodeData"] || !methods["derive"] {
		t.Errorf("Site's methods %v", methods)
	}
}

// TestPlanGeneratesReadAt: a model decoded in place with a ReadAt field hands that member to
// its method in decodeAt, and still decodes it with its Decode hook in member.
func TestPlanGeneratesReadAt(t *testing.T) {
	models := validSite()
	models[0].InPlace, models[0].ReadAt = true, map[string]string{"data": "readDataAt"}
	plans, err := plan(parseTestSource(t), models)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := writeDecoders(plans).bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"func (x *Site) decodeAt(data []byte, i int) (int, error) {\n\t*x = Site{}\n\tend, err := wire.DecodeObjectAtOwn(data, i, &x.Extra, x.member(), \"data\", func(f *wire.Field, at int) (int, error) {\n\t\treturn x.readDataAt(f, data, at)\n\t})\n\tx.derive()\n\treturn end, err",
		"case \"data\":\n\t\tx.decodeData(f)",
	} {
		if !strings.Contains(squash(string(dec)), squash(w)) {
			t.Errorf("the generated decoder lacks\n%s\n--- it is:\n%s", w, dec)
		}
	}
}

func TestPlanGenerates(t *testing.T) {
	plans, err := plan(parseTestSource(t), validSite())
	if err != nil {
		t.Fatal(err)
	}
	dec, err := writeDecoders(plans).bytes()
	if err != nil {
		t.Fatal(err)
	}
	exp, err := writeExport(plans).bytes()
	if err != nil {
		t.Fatal(err)
	}
	cols, err := writeColumns(plans).bytes()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, text string
		want       []string
	}{
		{"decoder", string(dec), []string{
			"err := wire.DecodeObject(data, &x.Extra, x.member())\n\tx.derive()\n\treturn err",
			"case \"siteId\":\n\t\tf.Int(&x.SiteID)",
			"case \"score\":\n\t\tf.Float(&x.Score)",
			"case \"opened\":\n\t\tf.Time(&x.Opened)",
			"case \"tags\":\n\t\twire.List(f, &x.Tags)",
			"case \"raw\":\n\t\tif !f.Value.IsAbsent() {\n\t\t\tf.Raw(&x.Raw)\n\t\t}",
			"case \"data\":\n\t\tx.decodeData(f)",
			"default:\n\t\tf.Keep()",
		}},
		{"export", string(exp), []string{
			// The description's omissions and date, the list's table after its parent's id
			// and position.
			"sitesTable = Table{Name: \"sites\", Key: []string{\"siteId\"}, Columns: []Column{\n\t\t{\"siteId\", ColumnInteger},\n\t\t{\"siteName\", ColumnText},\n\t\t{\"open\", ColumnBoolean},\n\t\t{\"score\", ColumnReal},\n\t\t{\"opened\", ColumnDate},\n\t}}",
			"siteTagsTable = Table{Name: \"site_tags\", Key: []string{\"siteId\", \"position\"}, Columns: []Column{\n\t\t{\"siteId\", ColumnInteger},\n\t\t{\"position\", ColumnInteger},\n\t\t{\"tagId\", ColumnInteger},\n\t\t{\"label\", ColumnText},\n\t}}",
			"return Row{\n\t\ti64(x.SiteID),\n\t\tx.Name,\n\t\tx.Open,\n\t\tx.Score,\n\t\tdateValue(x.Opened),\n\t}",
			"emit(1, Row{\n\t\t\ti64(x.SiteID),\n\t\t\ti64(i + 1),\n\t\t\ti64(y.TagID),\n\t\t\ty.Label,\n\t\t})",
			"var siteTables = []Table{sitesTable, siteTagsTable}",
		}},
		{"columns", string(cols), []string{
			"{Name: \"siteId\", Table: true, Value: func(x *imednet.Site) string { return itoa(x.SiteID) }, Append: func(b []byte, x *imednet.Site) []byte { return strconv.AppendInt(b, int64(x.SiteID), 10) }},\n\t{Name: \"siteName\", Table: true,",
			"{Name: \"score\", Value: func(x *imednet.Site) string { return strconv.FormatFloat(x.Score, 'g', -1, 64) }, Append: func(b []byte, x *imednet.Site) []byte { return strconv.AppendFloat(b, x.Score, 'g', -1, 64) }}",
			"{Name: \"opened\", Value: func(x *imednet.Site) string { return ts(x.Opened) }, Append: func(b []byte, x *imednet.Site) []byte { return appendTS(b, x.Opened) }}",
			"{Name: \"tags\", Value: func(x *imednet.Site) string { return compact(x.Tags) }, Append: func(b []byte, x *imednet.Site) []byte { return append(b, compact(x.Tags)...) }}",
			"{Name: \"open\", Value: func(x *imednet.Site) string { return btoa(x.Open) }, Append: func(b []byte, x *imednet.Site) []byte { return strconv.AppendBool(b, x.Open) }}",
			"\"strconv\"",
		}},
	} {
		for _, w := range c.want {
			if !strings.Contains(squash(c.text), squash(w)) {
				t.Errorf("the generated %s lacks\n%s\n--- it is:\n%s", c.file, w, c.text)
			}
		}
	}
}

// TestPlanRefuses checks that each kind of mistake in a description fails with an error that
// says where and what.
func TestPlanRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(d []Model) []Model
		want   string
	}{
		{"unknown type", func(d []Model) []Model { return append(d, Model{Type: "Nope"}) },
			"Nope: not a struct of package imednet"},
		{"described twice", func(d []Model) []Model { return append(d, Model{Type: "Tag"}) }, "Tag: described twice"},
		{"unknown field in CLI.Shown", func(d []Model) []Model { d[0].CLI.Shown = []string{"siteStatus"}; return d },
			`Site: CLI.Shown: "siteStatus" is not a field of Site (its fields: studyKey, siteId, siteName,`},
		{"field missing from CLI.Order", func(d []Model) []Model { d[0].CLI.Order = d[0].CLI.Order[1:]; return d },
			"Site: CLI.Order: siteId is not placed"},
		{"field named twice in CLI.Order", func(d []Model) []Model { d[0].CLI.Order = append(d[0].CLI.Order, "open"); return d },
			`Site: CLI.Order: "open" is named twice`},
		{"unknown field in CLI.Text", func(d []Model) []Model { d[0].CLI.Text = map[string]string{"nope": "f"}; return d },
			`Site: CLI.Text: "nope" is not a field of Site`},
		{"unknown field in Key", func(d []Model) []Model { d[0].Tables[0].Key = []string{"id"}; return d },
			`Site: table sites: Key: "id" is not a column (the columns: siteId, siteName, open, score, opened)`},
		{"omitted key", func(d []Model) []Model { d[0].Tables[0].Omit = append(d[0].Tables[0].Omit, "siteId"); return d },
			`Site: table sites: Key: "siteId" is not a column`},
		{"unknown field in Omit", func(d []Model) []Model { d[0].Tables[0].Omit = []string{"studyKey", "siteKey"}; return d },
			`Site: table sites: Omit: "siteKey" is not a field of Site`},
		{"unknown field in Columns", func(d []Model) []Model {
			d[0].Tables[0].Columns = []string{"siteId", "siteName", "open", "score", "opened", "closed"}
			return d
		}, `Site: table sites: Columns: "closed" is not a field of Site`},
		{"field missing from Columns", func(d []Model) []Model {
			d[0].Tables[0].Columns = []string{"siteId", "siteName", "open", "opened"}
			return d
		}, "Site: table sites: score is not placed: add it to Columns, or omit it"},
		{"list without a table", func(d []Model) []Model { d[0].Tables = d[0].Tables[:1]; return d },
			`Site: table sites: tags is a list, which cannot be a column: give it a table of its own (List: "tags"), or omit it`},
		{"unsupported type as a column", func(d []Model) []Model { d[0].Tables[0].Omit = []string{"studyKey", "raw"}; return d },
			"Site: table sites: data (Blob) has no column type: omit it"},
		{"date that is not a timestamp", func(d []Model) []Model { d[0].Tables[0].Dates = []string{"siteName"}; return d },
			"Site: table sites: Dates: siteName is a string, not a Timestamp"},
		{"unknown field in Dates", func(d []Model) []Model { d[0].Tables[0].Dates = []string{"closed"}; return d },
			`Site: table sites: Dates: "closed" is not a field of Site`},
		{"unknown list", func(d []Model) []Model { d[0].Tables[1].List = "labels"; return d },
			`Site: table site_tags: List: "labels" is not a field of Site`},
		{"list that is not a list", func(d []Model) []Model { d[0].Tables[1].List = "siteName"; return d },
			"Site: table site_tags: List: siteName is not a list of a model"},
		{"unknown parent field", func(d []Model) []Model { d[0].Tables[1].Parent = []string{"id"}; return d },
			`Site: table site_tags: Parent: "id" is not a field of Site`},
		{"column named twice", func(d []Model) []Model { d[0].Tables[1].Position = "label"; return d },
			"Site: table site_tags: two columns are named label"},
		{"table named twice", func(d []Model) []Model { d[0].Tables[1].Name = "sites"; return d },
			"Site: table sites is described twice"},
		{"list of an undescribed model", func(d []Model) []Model { return d[:1] },
			`Site: Site.Tags: Tag is not a described model: add {Type: "Tag"} to models`},
		{"unsupported type without a hook", func(d []Model) []Model { d[0].Decode = nil; return d },
			"Site: Site.Data: type Blob is not supported (string, int, bool, float64, Timestamp, json.RawMessage, or a list of a model); give it a decode hook"},
		{"hook that is not a method", func(d []Model) []Model { d[0].Decode = map[string]string{"data": "readData"}; return d },
			"Site: the decode hook of data, readData, is not a method of *Site"},
		{"hook of an unknown field", func(d []Model) []Model { d[0].Decode["blob"] = "decodeData"; return d },
			`Site: Decode: "blob" is not a field of Site`},
		{"After that is not a method", func(d []Model) []Model { d[0].After = "finish"; return d },
			"Site: After: finish is not a method of *Site"},
		{"ReadAt without InPlace", func(d []Model) []Model { d[0].ReadAt = map[string]string{"data": "derive"}; return d },
			"Site: ReadAt is for a model decoded in place (InPlace)"},
		{"ReadAt without a Decode hook", func(d []Model) []Model {
			d[0].InPlace, d[0].ReadAt = true, map[string]string{"raw": "derive"}
			return d
		}, "Site: ReadAt: raw has no Decode hook, with which UnmarshalJSON decodes it"},
		{"ReadAt that is not a method", func(d []Model) []Model {
			d[0].InPlace, d[0].ReadAt = true, map[string]string{"data": "readData"}
			return d
		}, "Site: the ReadAt method of data, readData, is not a method of *Site"},
		{"no json tag", func(d []Model) []Model { return append(d, Model{Type: "Untagged"}) },
			`Untagged.Name: no json tag: name the field's JSON member, or json:"-"`},
		{"embedded field", func(d []Model) []Model { return append(d, Model{Type: "Embeds"}) },
			"Embeds: embedded field Tag: the generator reads only named fields"},
		{"no Extra", func(d []Model) []Model { return append(d, Model{Type: "NoExtra"}) },
			"NoExtra: no field Extra of type Extra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plan(parseTestSource(t), tc.change(validSite()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("plan: %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
}

// squash collapses each run of spaces in s into one space, so that the expected code may be
// written without gofmt's indentation.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
