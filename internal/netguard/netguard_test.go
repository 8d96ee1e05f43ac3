package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	refused := []string{"127.0.0.1", "127.5.6.7", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "fc00::1", "fd12::1",
		"169.254.169.254", "169.254.1.1", "fe80::1", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "100.64.0.1", "100.127.255.254",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "255.255.255.255"}
	for _, s := range refused {
		if Classify(netip.MustParseAddr(s)) == "" {
			t.Errorf("%s should be refused", s)
		}
	}
	public := []string{"1.1.1.1", "203.0.113.5", "100.128.0.1", "2001:4860:4860::8888", "172.32.0.1"}
	for _, s := range public {
		if r := Classify(netip.MustParseAddr(s)); r != "" {
			t.Errorf("%s refused as %s", s, r)
		}
	}
	err := Check(netip.MustParseAddr("169.254.169.254"), false)
	if err == nil || !strings.Contains(err.Error(), "metadata") || !errors.Is(err, ErrRefused) {
		t.Errorf("metadata: %v", err)
	}
	if Check(netip.MustParseAddr("127.0.0.1"), true) != nil {
		t.Error("allowPrivate should allow loopback")
	}
}

func TestControl(t *testing.T) {
	c := Control(false)
	err := c("tcp4", "127.0.0.1:8080", nil)
	want := "refusing to connect to 127.0.0.1: loopback address; set --allow-private-endpoints"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	if err := c("tcp6", "[fe80::1%eth0]:443", nil); err == nil {
		t.Error("link-local with zone allowed")
	}
	if err := c("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("public refused: %v", err)
	}
	if err := Control(true)("tcp4", "127.0.0.1:80", nil); err != nil {
		t.Errorf("allowPrivate refused: %v", err)
	}
}

func TestClientRefusesLoopbackByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	_, err := Client(false, 5*time.Second).Get(srv.URL)
	if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("loopback allowed or wrong error: %v", err)
	}
	// localhost resolves to loopback: refused after resolution.
	_, err = Client(false, 5*time.Second).Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	if err == nil || !errors.Is(err, ErrRefused) {
		t.Fatalf("localhost allowed: %v", err)
	}
	resp, err := Client(true, 5*time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("allowPrivate: %v", err)
	}
	resp.Body.Close()
}

// A redirect from an allowed host to a loopback one is refused at dial
// time. The "allowed" host is simulated by a client whose dialer treats
// the first server's port as public and checks everything else.
func TestRedirectToLoopbackRefused(t *testing.T) {
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer inner.Close()
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/latest/meta-data/", http.StatusFound)
	}))
	defer outer.Close()
	outerAddr := outer.Listener.Addr().String()
	c := Client(false, 5*time.Second)
	guard := Control(false)
	d := &net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
		if address == outerAddr {
			return nil // stands for a public host
		}
		return guard(network, address, rc)
	}}
	c.Transport.(*http.Transport).DialContext = d.DialContext
	_, err := c.Get(outer.URL)
	if err == nil || !errors.Is(err, ErrRefused) {
		t.Fatalf("redirect to loopback followed: %v", err)
	}
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, errors.New("no such host")
}

func TestCheckURL(t *testing.T) {
	old := Resolver
	defer func() { Resolver = old }()
	Resolver = fakeResolver{
		"mastodon.example": {netip.MustParseAddr("203.0.113.10")},
		"rebind.example":   {netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("10.0.0.5")},
		"meta.example":     {netip.MustParseAddr("169.254.169.254")},
	}
	cases := []struct {
		url     string
		allow   bool
		wantErr string
	}{
		{"https://mastodon.example", false, ""},
		{"https://203.0.113.7:8443/", false, ""},
		{"http://127.0.0.1:8080", false, "loopback"},
		{"http://127.0.0.1:8080", true, ""},
		{"http://[::1]/", false, "loopback"},
		{"http://192.168.0.10", false, "private"},
		{"http://meta.example/", false, "metadata"},
		{"http://rebind.example/", false, "private"},
		{"http://nowhere.example/", false, "could not be resolved"},
		{"ftp://mastodon.example", false, "http(s)"},
		{"not a url", false, "http(s)"},
	}
	for _, c := range cases {
		err := CheckURL(c.url, c.allow)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: %v", c.url, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: got %v, want %q", c.url, err, c.wantErr)
		}
	}
}
