package imednet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport counts the attempts that reach the transport under it.
type countingTransport struct {
	next  http.RoundTripper
	calls atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.RoundTrip(r)
}

// fakeDNS answers every query on a loopback UDP socket with rcode, echoing the question: a
// resolver for tests that sends nothing beyond this machine.
func fakeDNS(t *testing.T, rcode byte) (addr string, queries *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	queries = &atomic.Int32{}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 12 {
				continue
			}
			queries.Add(1)
			msg := append([]byte(nil), buf[:n]...)
			msg[2] |= 0x80                                // QR: a response
			msg[3] = 0x80 | rcode                         // RA, and the answer's code
			msg[6], msg[7] = 0, 0                         // no answers
			msg[8], msg[9], msg[10], msg[11] = 0, 0, 0, 0 // no authority, no additional records
			// Cut what follows the question (an EDNS record the resolver may add).
			end := 12
			for end < len(msg) && msg[end] != 0 {
				end += int(msg[end]) + 1
			}
			end += 5 // the root label, QTYPE, QCLASS
			if end <= len(msg) {
				msg = msg[:end]
			}
			pc.WriteTo(msg, from)
		}
	}()
	return pc.LocalAddr().String(), queries
}

// resolvingClient returns a client for baseURL whose host names are resolved by the DNS
// server at dnsAddr only, and the transport that counts its attempts.
func resolvingClient(t *testing.T, baseURL, dnsAddr string, maxRetries int) (*Client, *countingTransport) {
	t.Helper()
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dnsAddr)
	}}
	dialer := &net.Dialer{Resolver: resolver, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: dialer.DialContext}
	ct := &countingTransport{next: tr}
	c, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(baseURL),
		WithHTTPClient(&http.Client{Transport: ct}), WithMaxRetries(maxRetries),
		WithClock(&fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}))
	if err != nil {
		t.Fatal(err)
	}
	return c, ct
}

func TestUnknownHostIsNotRetried(t *testing.T) {
	dnsAddr, queries := fakeDNS(t, 3) // NXDOMAIN
	c, ct := resolvingClient(t, "https://api.example.invalid", dnsAddr, 4)
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if queries.Load() == 0 {
		t.Fatal("the fake DNS server was not asked: the test does not test what it claims")
	}
	if got := ct.calls.Load(); got != 1 {
		t.Fatalf("%d attempts for a host name that does not exist, want 1 (err %v)", got, err)
	}
	var re *RequestError
	var dnsErr *net.DNSError
	if !errors.As(err, &re) || re.Attempts != 1 || !errors.As(err, &dnsErr) {
		t.Fatalf("got %#v, want a RequestError after 1 attempt wrapping the *net.DNSError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `host name "api.example.invalid" does not resolve`) {
		t.Fatalf("message %q does not say the name does not resolve", msg)
	}
}

func TestFailingResolverIsRetried(t *testing.T) {
	// SERVFAIL: the resolver failed, not the name; another attempt may succeed.
	dnsAddr, _ := fakeDNS(t, 2)
	c, ct := resolvingClient(t, "https://api.example.invalid", dnsAddr, 2)
	_, err := c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if got := ct.calls.Load(); got != 3 {
		t.Fatalf("%d attempts after a resolver failure, want 3 (err %v)", got, err)
	}
	if strings.Contains(err.Error(), "does not resolve") {
		t.Fatalf("a resolver failure reported as a missing name: %v", err)
	}
}

func TestUntrustedCertificateIsNotRetried(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	defer srv.Close()
	srv.Config.ErrorLog = discardLogger() // the refused handshakes
	// No authority is trusted, so the test server's own certificate is not.
	ct := &countingTransport{next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}
	c, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(srv.URL),
		WithHTTPClient(&http.Client{Transport: ct}), WithMaxRetries(4),
		WithClock(&fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(t.Context(), &Request{Path: "/studies"}, nil)
	if got := ct.calls.Load(); got != 1 {
		t.Fatalf("%d attempts with an untrusted certificate, want 1 (err %v)", got, err)
	}
	if served.Load() != 0 {
		t.Fatal("the request reached the server despite the untrusted certificate")
	}
	var re *RequestError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Fatalf("got %#v, want a RequestError after 1 attempt", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "TLS certificate is signed by an unknown authority") {
		t.Fatalf("message %q does not say the certificate is not trusted", msg)
	}

	// The same server trusted: the request goes through.
	c2, err := New(WithAPIKey(testAPIKey, testSecurityKey), WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Do(t.Context(), &Request{Path: "/studies"}, nil); err != nil {
		t.Fatalf("trusted: %v", err)
	}
}

func TestPermanentNetworkReason(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string // a part of the reason; "" for none
	}{
		{"no such host", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, "does not resolve"},
		{"dns timeout", &net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}, ""},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}, ""},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, ""},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, ""},
		{"deadline", context.DeadlineExceeded, ""},
	}
	for _, tc := range cases {
		got := permanentNetworkReason(tc.err)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: reason %q, want %q", tc.name, got, tc.want)
		}
		retried := DefaultRetryPolicy{}.ShouldRetry(RetryState{Attempt: 1, Method: "GET", Err: tc.err})
		if retried != (tc.want == "") {
			t.Errorf("%s: retried %v", tc.name, retried)
		}
	}
}

// discardLogger is a server's error log that drops what it is given.
func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
