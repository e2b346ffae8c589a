package dictionary_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// exampleServer is a tiny stand-in for the iMednet API: a study with two forms, their
// variables, and a records endpoint that accepts submissions.
func exampleServer() *httptest.Server {
	const envelope = `{"metadata":{"status":"OK","error":{}},"pagination":{"currentPage":0,"size":500,"totalPages":1,"totalElements":%d},"data":%s}`
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /api/v1/edc/studies/PHARMADEMO/forms":
			fmt.Fprintf(w, envelope, 2, `[
				{"formId":1,"formKey":"REG","formName":"Registration","formType":"Subject"},
				{"formId":2,"formKey":"AE","formName":"Adverse Events","formType":"Subject"}]`)
		case "GET /api/v1/edc/studies/PHARMADEMO/variables":
			fmt.Fprintf(w, envelope, 6, `[
				{"variableId":10,"variableName":"BRTHDAT","variableType":"DATE","sequence":1,"formId":1,"formKey":"REG"},
				{"variableId":11,"variableName":"SEX","variableType":"RADIO","sequence":2,"formId":1,"formKey":"REG"},
				{"variableId":20,"variableName":"AETERM","variableType":"TEXT","sequence":1,"formId":2,"formKey":"AE"},
				{"variableId":21,"variableName":"AESTDAT","variableType":"DATE","sequence":2,"formId":2,"formKey":"AE"},
				{"variableId":22,"variableName":"AEDUR","variableType":"NUMBER","sequence":3,"formId":2,"formKey":"AE"},
				{"variableId":23,"variableName":"AESER","variableType":"CHECKBOX","sequence":4,"formId":2,"formKey":"AE"}]`)
		case "POST /api/v1/edc/studies/PHARMADEMO/records":
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"jobId":"9663fe34","batchId":"c3q191e4","state":"created"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"metadata":{"status":"NOT_FOUND","error":{"code":"9000","description":"Not found."}}}`)
		}
	}))
}

// Load a study's dictionary, then let it check record submissions before they are sent.
func Example() {
	srv := exampleServer()
	defer srv.Close()
	c, err := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	dict, err := dictionary.Load(ctx, c, "PHARMADEMO")
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range dict.Forms() {
		fmt.Printf("%s (%s):", f.Key, f.Name)
		for _, v := range f.Variables {
			fmt.Printf(" %s=%s", v.Name, v.Kind)
		}
		fmt.Println()
	}

	reqs := []imednet.RecordRequest{
		imednet.RegisterSubject("REG", "Minneapolis", map[string]any{"BRTHDAT": "1980-05-17", "SEX": "1"}),
		imednet.NewRecord("AE", "01-001", map[string]any{
			"AETERM": "Headache", "AESTDAT": "05/03/2024", "AEDUR": "two days", "aeser": true,
		}),
	}
	// With the dictionary as Validator, Create sends nothing unless every request is valid.
	_, err = c.Records.Create(ctx, "PHARMADEMO", reqs, &imednet.CreateOptions{Validator: dict})
	var verr *dictionary.ValidationError
	if errors.As(err, &verr) {
		for _, p := range verr.Problems {
			fmt.Println(p)
		}
	}

	reqs[1] = imednet.NewRecord("AE", "01-001", map[string]any{
		"AETERM": "Headache", "AESTDAT": "2024-03-05", "AEDUR": 2, "AESER": true,
	})
	jobs, err := c.Records.Create(ctx, "PHARMADEMO", reqs, &imednet.CreateOptions{Validator: dict})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("submitted: batch", jobs[0].BatchID, jobs[0].State)
	// Output:
	// REG (Registration): BRTHDAT=date SEX=radio
	// AE (Adverse Events): AETERM=text AESTDAT=date AEDUR=number AESER=checkbox
	// request 1 (form AE): field AEDUR: "two days" is not a number (want a JSON number such as 12.5, or a numeric string such as "12.5")
	// request 1 (form AE): field AESTDAT: "05/03/2024" is not a date: the layout is not YYYY-MM-DD (want a string YYYY-MM-DD, such as "2024-01-31")
	// request 1 (form AE): field aeser: form AE has no such variable (variable names are case-sensitive: did you mean "AESER"?)
	// submitted: batch c3q191e4 created
}

// KindOf normalises the API's variable types, whatever their spelling.
func ExampleKindOf() {
	for _, t := range []string{"TEXTAREA", "memo", "Number", "checkbox", "SIGNATURE"} {
		fmt.Println(t, "->", dictionary.KindOf(t))
	}
	// Output:
	// TEXTAREA -> textarea
	// memo -> textarea
	// Number -> number
	// checkbox -> checkbox
	// SIGNATURE -> unknown
}

// Read the vendor's dictionary files (a folder or a ZIP) and list a variable's choices.
func ExampleLoadFiles() {
	files, err := dictionary.LoadFiles("testdata/files/good")
	if err != nil {
		log.Fatal(err) // a *dictionary.FileError: FILE:LINE:COLUMN: what is wrong
	}
	sev, ok := files.Variable("AE", "AESEV")
	if !ok {
		log.Fatal("no AE.AESEV")
	}
	fmt.Printf("%s (%s, %s)\n", sev.Name, sev.Label, sev.Kind)
	for _, c := range sev.Choices {
		fmt.Printf("  %s = %s\n", c.Value, c.Text)
	}
	// Output:
	// AESEV (Severity ("CTCAE"):, radio)
	//   1 = Grade 1
	//   2 = Grade 2
	//   3 = Grade 3
}

// Compare two versions of a study's dictionary files, as a CI check of a study build would.
func ExampleDiff() {
	prod, err := dictionary.LoadFiles("testdata/files/good")
	if err != nil {
		log.Fatal(err)
	}
	uat, err := dictionary.LoadFiles("testdata/files/v2")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range dictionary.Diff(prod, uat) {
		fmt.Println(c)
	}
	// Output:
	// ~ variable DM.RACE type: Dropdown -> Radio
	// ~ form AE name: "Adverse Event" -> "Adverse Events"
	// ~ variable AE.AETERM label: "Adverse event term:" -> "Adverse event (verbatim):"
	// ~ choice AE.AESEV=3 text: "Grade 3" -> "Grade 3 (severe)"
	// + choice AE.AESEV=4 (Grade 4)
	// - choice AE.AESER=0 (No)
	// - form VS (Vital Signs, screening)
	// + form EX (Exposure)
}
