package imednet

import (
	"context"
	"time"
)

// A Gate bounds and paces the page requests of the listings that share it: at most a fixed
// number in flight at once, and, with a rate, no more than that rate started. Give its Enter
// to each listing as [ListOptions.Gate]:
//
//	gate := imednet.NewGate(4, imednet.Rate{})
//	opts := &imednet.ListOptions{Prefetch: 4, Gate: gate.Enter}
//
// Listings of several studies (or several tables) that share one Gate then keep together to
// its bounds, however many run at once and however far each fetches ahead. The export
// engine runs every listing of a run, or of a run of many studies, through one Gate.
//
// A Gate counts page requests, each with its retries: to keep every HTTP attempt under a
// budget the server enforces, give the client [WithRateLimit] as well or instead. A Gate is
// safe for concurrent use.
type Gate struct {
	slots chan struct{}
	lim   *limiter // nil when the gate does not pace
}

// NewGate returns a Gate that lets n page requests be in flight at once (n below 1 counts as
// 1) and, when r has a positive N and Per, starts them no faster than r, spaced evenly at 3%
// under it as [WithRateLimit] spaces attempts. A zero Rate does not pace.
func NewGate(n int, r Rate) *Gate {
	g := &Gate{slots: make(chan struct{}, max(n, 1))}
	if r.N > 0 && r.Per > 0 {
		g.lim = &limiter{interval: time.Duration(float64(r.Per) / r.N * rateMargin)}
	}
	return g
}

// Cap returns how many requests the gate lets in flight at once.
func (g *Gate) Cap() int { return cap(g.slots) }

// Enter waits until a request may go: a slot is free and, when the gate paces, the request's
// turn has come. The function it returns frees the slot: call it once, when the request is
// done. Enter returns ctx's error, holding nothing, when ctx ends first. Its signature is
// that of [ListOptions.Gate].
func (g *Gate) Enter(ctx context.Context) (done func(), err error) {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := g.lim.wait(ctx, systemClock{}); err != nil {
		<-g.slots
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		<-g.slots
		return nil, err
	}
	return func() { <-g.slots }, nil
}
