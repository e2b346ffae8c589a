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
// Variable types arrive as an open vocabulary (TEXT, TEXTAREA, RADIO, CHECKBOX, DROPDOWN, DATE,
// NUMBER, and "memo" in the vendor's own tables); [KindOf] normalises them to a [Kind].
package dictionary
