package exportcmd

// Schemes returns the schemes --to takes (sqlite, postgres, ...), in the help's order: for
// the completion of --to.
func Schemes() []string { return schemes() }

// Layouts are the values --layout takes.
var Layouts = []string{"wide", "long", "both"}
