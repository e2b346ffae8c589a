// Package soak holds the fault soak of the whole SDK path: tests, and nothing to import.
//
// Its tests run an export into SQLite through a test server that fails, throttles, resets,
// cuts and corrupts answers, then compare the target with the server's data; they submit
// records under the same faults and check, through the server's counters and its data, that
// every accepted submission was applied exactly once and that nothing the caller believes
// done is missing or doubled; and they check that a hostile response body (endless, or
// declaring a huge length) fails cleanly without exhausting memory.
//
// In CI the tests take a few seconds each. Longer runs are chosen with flags:
//
//	go test ./soak -soak.duration=5m            # loop changes, syncs and submissions for 5 minutes
//	go test ./soak -soak.records=100000         # export a study of about 100,000 records
//	go test ./soak -soak.submissions=5000       # submit 5,000 record requests per round
//	go test ./soak -soak.seed=7                 # another sequence of random changes and faults
package soak
