package sandbox

import (
	"net"
	"testing"
)

func TestClientURL(t *testing.T) {
	cases := []struct {
		addr  string
		url   string
		local bool
	}{
		{"0.0.0.0:8774", "http://127.0.0.1:8774", true},
		{"[::]:8774", "http://127.0.0.1:8774", true},
		{"127.0.0.1:8774", "http://127.0.0.1:8774", true},
		{"[::1]:8774", "http://[::1]:8774", true},
		{"192.0.2.7:8774", "http://192.0.2.7:8774", false},
		{"[2001:db8::1]:8774", "http://[2001:db8::1]:8774", false},
	}
	for _, c := range cases {
		addr, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		url, local := clientURL(addr)
		if url != c.url || local != c.local {
			t.Errorf("%s: %q, %v; want %q, %v", c.addr, url, local, c.url, c.local)
		}
	}
}
