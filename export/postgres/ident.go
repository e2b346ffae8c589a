package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxIdent is the longest identifier PostgreSQL keeps, in bytes (NAMEDATALEN - 1); it cuts
// longer ones silently, which could make two names one.
const maxIdent = 63

// quoteIdent returns name as a quoted SQL identifier. The name holds no NUL (checkName).
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// checkName rejects names PostgreSQL cannot hold as identifiers.
func checkName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("postgres: %s name is empty", what)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("postgres: %s name %q holds a NUL character", what, name)
	case !utf8.ValidString(name):
		return fmt.Errorf("postgres: %s name %q is not valid UTF-8", what, name)
	}
	return nil
}

// shortHash is 8 hexadecimal digits of the SHA-256 of s.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// identName returns the identifier that stands for an export table or column name: the name
// itself when it fits in maxIdent bytes, else its first 54 bytes (cut at a character
// boundary) followed by "_" and 8 hex digits of the name's hash.
func identName(name string) string {
	if len(name) <= maxIdent {
		return name
	}
	return cutUTF8(name, maxIdent-9) + "_" + shortHash(name)
}

// cutUTF8 returns the longest prefix of s of at most n bytes that ends at a character boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// SchemaName returns the name of the schema that holds a study's export: the study key in
// lower case with every character other than a-z, 0-9 and _ replaced by _, followed by "_"
// and 8 hex digits of the key's hash when characters were replaced or the name had to be
// shortened to PostgreSQL's 63 bytes. Names that PostgreSQL reserves ("public",
// "information_schema", "pg_...") get the prefix "study_".
func SchemaName(study string) string {
	var b strings.Builder
	replaced := false
	for _, r := range strings.ToLower(study) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
			replaced = true
		}
	}
	name := b.String()
	if name == "" {
		name, replaced = "study", true
	}
	if name == "public" || name == "information_schema" || strings.HasPrefix(name, "pg_") {
		name = "study_" + name
	}
	if replaced || len(name) > maxIdent {
		name = cutUTF8(name, maxIdent-9) + "_" + shortHash(study)
	}
	return name
}
