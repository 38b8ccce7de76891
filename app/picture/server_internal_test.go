package picture

import (
	"net"
	"strings"
	"testing"
)

func TestPublicBase(t *testing.T) {
	tests := []struct {
		name       string
		configured string
		addr       *net.TCPAddr
		want       string
	}{
		{"configured wins", "http://192.168.1.20:8765/", &net.TCPAddr{IP: net.IPv4zero, Port: 9000}, "http://192.168.1.20:8765"},
		{"bound host", "", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 8765}, "http://10.0.0.7:8765"},
		{"ipv6 host bracketed", "", &net.TCPAddr{IP: net.ParseIP("fd00::7"), Port: 8765}, "http://[fd00::7]:8765"},
	}
	for _, tt := range tests {
		got, err := publicBase(tt.configured, tt.addr)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	// Every interface: the URL must name an address a phone can reach, never
	// loopback. Which one depends on this machine; none at all is an error.
	got, err := publicBase("", &net.TCPAddr{IP: net.IPv4zero, Port: 8765})
	if err != nil {
		if !strings.Contains(err.Error(), "PublicURL") {
			t.Errorf("no address, unhelpful error: %v", err)
		}
		return
	}
	if strings.Contains(got, "127.0.0.1") || !strings.HasSuffix(got, ":8765") {
		t.Errorf("derived %q", got)
	}
	t.Logf("phones would use %s", got)
}
