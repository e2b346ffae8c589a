package output

import "github.com/mattn/go-runewidth"

// cells measures text as a terminal shows it: a wide character (Chinese, Japanese, Korean,
// most emoji) takes two columns, a combining mark none. Characters of ambiguous width count
// one, whatever the locale, so that a table is laid out the same everywhere.
var cells = func() *runewidth.Condition {
	c := runewidth.NewCondition()
	c.EastAsianWidth = false
	c.StrictEmojiNeutral = true
	return c
}()

// Width returns the number of terminal columns s takes.
func Width(s string) int { return cells.StringWidth(s) }

// cutWidth returns s when it takes at most n columns, else its start and "…", n columns at
// most.
func cutWidth(s string, n int) string {
	if Width(s) <= n {
		return s
	}
	return cells.Truncate(s, n, "…")
}
