package imednet

import (
	"context"
	"errors"
	"net/url"
)

// Observer watches each call of [Client.Do] as a whole, retries included, for tracing or
// metrics; a [Middleware] sees each HTTP attempt instead. A list page is one call.
//
// StartRequest is called once per call, before the first attempt, with info (whose Attempt
// is 0) and a copy of the URL to be requested (scheme, host, path and query; it never holds
// credentials, which travel in headers). It returns the context the attempts run with, which
// therefore reaches the middleware (a tracer returns one holding the request's span, so
// that attempt spans nest under it), and a function that Do calls exactly once, after the
// last attempt, with what Do returns. Either result may be nil: a nil context keeps ctx, a
// nil function is not called.
//
// Calls made before anything is sent (a path without a leading "/", a body that cannot be
// encoded) are not observed. An Observer must be safe for concurrent use.
type Observer interface {
	StartRequest(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error))
}

// ObserverFunc adapts a function to the [Observer] interface.
type ObserverFunc func(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error))

// StartRequest calls f.
func (f ObserverFunc) StartRequest(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error)) {
	return f(ctx, info, u)
}

// WithObserver adds observers of every call of [Client.Do]; see [Observer]. Observers given
// first run outermost: each receives the context returned by the one before it, and their
// end functions are called in reverse order.
func WithObserver(o ...Observer) Option {
	return func(c *config) error {
		for _, ob := range o {
			if ob == nil {
				return errors.New("imednet: WithObserver: nil observer")
			}
		}
		c.observers = append(c.observers, o...)
		return nil
	}
}

// startObservers calls every observer's StartRequest and returns the context for the
// attempts and a function that ends the observation (nil when there are no observers).
func (c *Client) startObservers(ctx context.Context, info RequestInfo, u *url.URL) (context.Context, func(*Response, error)) {
	if len(c.observers) == 0 {
		return ctx, nil
	}
	ends := make([]func(*Response, error), 0, len(c.observers))
	for _, o := range c.observers {
		uc := *u // each observer gets its own copy
		octx, end := o.StartRequest(ctx, info, &uc)
		if octx != nil {
			ctx = octx
		}
		if end != nil {
			ends = append(ends, end)
		}
	}
	return ctx, func(resp *Response, err error) {
		for i := len(ends) - 1; i >= 0; i-- {
			ends[i](resp, err)
		}
	}
}
