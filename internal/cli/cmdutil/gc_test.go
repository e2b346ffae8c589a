package cmdutil

import (
	"runtime/debug"
	"testing"
)

// Overlapping streaming commands keep the raised target until the last one ends, which
// restores the one before; a restore called twice counts once.
func TestStreamingGC(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)

	first := StreamingGC()
	second := StreamingGC()
	if got := debug.SetGCPercent(StreamingGCPercent); got != StreamingGCPercent {
		t.Errorf("while streaming: GOGC %d, want %d", got, StreamingGCPercent)
	}
	first()
	first()
	if got := debug.SetGCPercent(StreamingGCPercent); got != StreamingGCPercent {
		t.Errorf("after the first of two ended (its restore called twice): GOGC %d, want %d", got, StreamingGCPercent)
	}
	second()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("after both ended: GOGC %d, want 150 as before", got)
	}

	t.Setenv("GOGC", "50")
	restore := StreamingGC()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("with GOGC set by the user: GOGC %d, want it left at 150", got)
	}
	restore()
}
