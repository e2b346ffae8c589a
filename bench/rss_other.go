//go:build !linux

package main

import "time"

// peakRSSMB is not measured on this system.
func peakRSSMB() (float64, bool) { return 0, false }

// offHeap returns n bytes of memory; on this system they are on the Go heap.
func offHeap(n int) []byte { return make([]byte, 0, n) }

// cpuTime is not measured on this system.
func cpuTime() (time.Duration, bool) { return 0, false }
