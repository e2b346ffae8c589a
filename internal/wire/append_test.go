package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// appendStringCases mix plain text with every kind of byte AppendString escapes or checks,
// at every offset of an eight-byte word.
var appendStringCases = []string{
	"", "a", "plain ASCII text that is longer than a word", `quote " and backslash \ `, "tab\tnew\nline\r",
	"\x00\x01\x1f\x7f", "<&>", "é ü 中文", "\u2028\u2029", "\xff\xfe invalid", "abcdefg\xe2\x80\xa8", "12345678\"",
	strings.Repeat("x", 15) + "\\", strings.Repeat("y", 16) + "é",
}

// TestAppendString compares AppendString with encoding/json (HTML escaping off).
func TestAppendString(t *testing.T) {
	for _, s := range appendStringCases {
		for pad := range 9 {
			checkAppendString(t, strings.Repeat("p", pad)+s)
		}
	}
}

// FuzzAppendString compares AppendString with encoding/json (HTML escaping off).
func FuzzAppendString(f *testing.F) {
	for _, s := range appendStringCases {
		f.Add(s)
	}
	f.Fuzz(checkAppendString)
}

func checkAppendString(t *testing.T, s string) {
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	if got := string(AppendString([]byte("x"), s)); got != "x"+strings.TrimSuffix(want.String(), "\n") {
		t.Fatalf("AppendString(%q) = %s, encoding/json writes %s", s, got[1:], want.String())
	}
}
