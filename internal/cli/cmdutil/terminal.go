package cmdutil

import (
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// isTerminal reports whether f is a terminal (a Windows console included), or a Cygwin or
// MSYS terminal, which shows as a pipe.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd())) || isatty.IsCygwinTerminal(f.Fd())
}

// ttyWidth asks the terminal f is for its width in columns; 0 when it cannot tell.
func ttyWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
