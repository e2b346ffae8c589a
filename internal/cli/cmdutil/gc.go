package cmdutil

import (
	"os"
	"runtime/debug"
	"sync"
)

// StreamingGCPercent is the garbage collector's target (as GOGC sets it) while a command
// streams a listing: such a command keeps little alive (the pages in flight), so letting the
// heap grow to five times that before collecting costs a few megabytes and saves much of the
// time the collector would spend (a fifth of a wide records listing's, at the default 100).
const StreamingGCPercent = 400

var streaming struct {
	sync.Mutex
	n       int // commands streaming now (tests run several at once in one process)
	percent int // the target before the first of them
}

// StreamingGC raises the garbage collector's target to StreamingGCPercent for a command that
// streams, until the function it returns is called. It leaves the collector alone when the
// user set GOGC. Calls may overlap: the target is restored when the last one ends.
func StreamingGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	streaming.Lock()
	defer streaming.Unlock()
	if streaming.n == 0 {
		streaming.percent = debug.SetGCPercent(StreamingGCPercent)
	}
	streaming.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			streaming.Lock()
			defer streaming.Unlock()
			if streaming.n--; streaming.n == 0 {
				debug.SetGCPercent(streaming.percent)
			}
		})
	}
}
