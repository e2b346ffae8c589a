//go:build !linux && !darwin

package cmdutil

import "os"

// ttyWidth returns 0 (unknown) where the terminal is not asked: tables are then as wide as
// their values, unless $COLUMNS says otherwise.
func ttyWidth(*os.File) int { return 0 }
