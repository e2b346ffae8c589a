// Package dictionary is a study's data dictionary: its forms (eCRFs) and each form's
// variables (fields) with their types, as the iMednet API lists them. The export engine uses
// it to lay out records; integrations use it to validate record submissions before anything
// is sent.
//
// [Load] fetches the forms and variables of a study; [New] builds a dictionary from lists
// already fetched. Look forms up by key or id and variables by name (case-sensitive):
//
//	dict, err := dictionary.Load(ctx, client, "PHARMADEMO")
//	if err != nil {
//		return err
//	}
//	ae, ok := dict.Form("AE")
//	if ok {
//		sev, ok := ae.Variable("AESEV")
//		...
//	}
//
// A *Dictionary is an [imednet.Validator]: [Dictionary.Validate] checks every request's
// structure, form and data, and returns all problems at once as a [*ValidationError]:
//
//	reqs := []imednet.RecordRequest{
//		imednet.NewRecord("AE", "01-001", map[string]any{"AETERM": "Headache", "AESEV": "2"}),
//	}
//	if err := dict.Validate(reqs); err != nil {
//		var verr *dictionary.ValidationError
//		if errors.As(err, &verr) {
//			for _, p := range verr.Problems {
//				fmt.Println(p) // request 0 (form AE): field AESEV: ...
//			}
//		}
//		return err
//	}
//
// or, so that [imednet.RecordsService.Create] refuses invalid requests with nothing sent:
//
//	jobs, err := client.Records.Create(ctx, "PHARMADEMO", reqs, &imednet.CreateOptions{Validator: dict})
//
// # The vendor's dictionary files
//
// The API lists variables but not their choice lists. iMednet exports a study's full data
// dictionary as four CSV files (FORMS.csv, QUESTIONS.csv, CHOICES.csv, BUSINESS_LOGIC.csv);
// [LoadFiles] reads them from a folder or a ZIP and [ParseFiles] from readers. A malformed
// file gives [*FileError] values naming the file, line and column:
//
//	files, err := dictionary.LoadFiles("dictionary.zip")
//	sev, _ := files.Variable("AE", "AESEV")
//	for _, c := range sev.Choices {
//		fmt.Println(c.Value, "=", c.Text) // 1 = Grade 1
//	}
//
// Variable types arrive as an open vocabulary (TEXT, TEXTAREA, RADIO, CHECKBOX, DROPDOWN, DATE,
// NUMBER, and "memo" in the vendor's own tables); [KindOf] normalises them to a [Kind].
package dictionary
