package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/dictionary"
)

// DictionaryVersion is one version of the study's data dictionary (its forms and variables
// as the API lists them) that runs into a target saw. A run whose dictionary differs from
// the last version the target keeps records a new one, and its summary lists the changes
// (Summary.DictionaryChanges): a CRF amendment between two syncs.
type DictionaryVersion struct {
	Version     int       // 1 for the first version the target saw, then 2, 3, ...
	FirstSeen   time.Time // when the run that first saw it started
	RunID       string    // that run
	Fingerprint string    // the SHA-256 of Dictionary, in hex
	// Dictionary is the version as JSON: {"forms": [...], "variables": [...]}, each form
	// with formId, formKey, formName, formType and disabled, each variable with variableId,
	// formId, formKey, variableName, label, variableType, variableOid, sequence, disabled,
	// deleted and blinded: what the dictionary is built from, without the dates and revision
	// counters that change with no change of content.
	Dictionary json.RawMessage
}

// DictionaryLedger is implemented by sinks that keep the versions of the study's dictionary
// their target saw (SQLite in _imednet_dictionary_versions, the file sinks in their ledger
// directory): LoadLedger returns them in Ledger.Dictionaries, oldest first, and
// SaveDictionaryVersion adds one. A sink without it keeps none, and its runs report no
// dictionary changes.
type DictionaryLedger interface {
	SaveDictionaryVersion(ctx context.Context, v DictionaryVersion) error
}

// versionForm and versionVariable are what a DictionaryVersion keeps of a form and a
// variable.
type versionForm struct {
	FormID   int    `json:"formId"`
	FormKey  string `json:"formKey"`
	FormName string `json:"formName"`
	FormType string `json:"formType"`
	Disabled bool   `json:"disabled"`
}

type versionVariable struct {
	VariableID   int    `json:"variableId"`
	FormID       int    `json:"formId"`
	FormKey      string `json:"formKey"`
	VariableName string `json:"variableName"`
	Label        string `json:"label"`
	VariableType string `json:"variableType"`
	VariableOID  string `json:"variableOid"`
	Sequence     int    `json:"sequence"`
	Disabled     bool   `json:"disabled"`
	Deleted      bool   `json:"deleted"`
	Blinded      bool   `json:"blinded"`
}

type versionDoc struct {
	Forms     []versionForm     `json:"forms"`
	Variables []versionVariable `json:"variables"`
}

// dictionaryVersionOf returns the JSON of a version of the dictionary listed as forms and
// variables (each sorted by id, as the engine lists them), and its fingerprint.
func dictionaryVersionOf(forms []imednet.Form, vars []imednet.Variable) (json.RawMessage, string, error) {
	doc := versionDoc{Forms: make([]versionForm, len(forms)), Variables: make([]versionVariable, len(vars))}
	for i, f := range forms {
		doc.Forms[i] = versionForm{f.FormID, f.FormKey, f.FormName, f.FormType, f.Disabled}
	}
	for i, v := range vars {
		doc.Variables[i] = versionVariable{v.VariableID, v.FormID, v.FormKey, v.VariableName, v.Label, v.VariableType,
			v.VariableOID, v.Sequence, v.Disabled, v.Deleted, v.Blinded}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// DictionaryOf builds the dictionary a version holds, for the given study.
func (v *DictionaryVersion) DictionaryOf(study string) (*dictionary.Dictionary, error) {
	var doc versionDoc
	if err := json.Unmarshal(v.Dictionary, &doc); err != nil {
		return nil, fmt.Errorf("export: dictionary version %d: %w", v.Version, err)
	}
	forms := make([]imednet.Form, len(doc.Forms))
	for i, f := range doc.Forms {
		forms[i] = imednet.Form{FormID: f.FormID, FormKey: f.FormKey, FormName: f.FormName, FormType: f.FormType, Disabled: f.Disabled}
	}
	vars := make([]imednet.Variable, len(doc.Variables))
	for i, x := range doc.Variables {
		vars[i] = imednet.Variable{VariableID: x.VariableID, FormID: x.FormID, FormKey: x.FormKey, VariableName: x.VariableName,
			Label: x.Label, VariableType: x.VariableType, VariableOID: x.VariableOID, Sequence: x.Sequence,
			Disabled: x.Disabled, Deleted: x.Deleted, Blinded: x.Blinded}
	}
	d, err := dictionary.New(study, forms, vars)
	if err != nil {
		return nil, fmt.Errorf("export: dictionary version %d: %w", v.Version, err)
	}
	return d, nil
}

// noteDictionary records the run's dictionary as a new version in the target when it differs
// from the last one kept, and puts the changes from that one into the summary.
func (e *engine) noteDictionary(ctx context.Context, ledger *Ledger, d *studyDictionary, sum *Summary) error {
	dl, keeps := e.sink.(DictionaryLedger)
	if !keeps {
		return nil
	}
	doc, fp, err := dictionaryVersionOf(d.forms, d.vars)
	if err != nil {
		return fmt.Errorf("export: the dictionary's version: %w", err)
	}
	v := DictionaryVersion{Version: 1, FirstSeen: sum.Started, RunID: e.runID, Fingerprint: fp, Dictionary: doc}
	if n := len(ledger.Dictionaries); n > 0 {
		last := &ledger.Dictionaries[n-1]
		sum.DictionaryVersion = last.Version
		if last.Fingerprint == fp {
			return nil
		}
		prev, err := last.DictionaryOf(e.study)
		if err != nil {
			return err
		}
		sum.DictionaryChanges = dictionary.Diff(prev, d.dict)
		v.Version = last.Version + 1
	}
	if err := dl.SaveDictionaryVersion(ctx, v); err != nil {
		return fmt.Errorf("export: save the dictionary's version: %w", err)
	}
	sum.DictionaryVersion = v.Version
	return nil
}
