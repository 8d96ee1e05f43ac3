// Package netguard guards outgoing HTTP requests to user-supplied addresses
// (a channel account's API base URL) against server-side request forgery.
//
// The real guard is at connection time: the dialer's Control function sees
// the address actually being connected to, after DNS resolution, so it also
// covers redirects and DNS rebinding. CheckURL is a friendly early check for
// when an account is saved.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Hint tells the operator how to lift the guard.
const Hint = "set --allow-private-endpoints (ATTACHE_ALLOW_PRIVATE_ENDPOINTS=1) for servers on your own network"

// ErrRefused is wrapped by every refusal.
var ErrRefused = errors.New("refused by the private-address guard")

// RefusedError says which address was refused and why.
type RefusedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refusing to connect to %s: %s; %s", e.Addr, e.Reason, Hint)
}

func (e *RefusedError) Unwrap() error { return ErrRefused }

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	benchmark = netip.MustParsePrefix("198.18.0.0/15")
	reserved  = netip.MustParsePrefix("240.0.0.0/4")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
)

// Classify returns why ip is not a public address, or "" when it is.
func Classify(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "invalid address"
	case ip.IsLoopback():
		return "loopback address"
	case ip.IsUnspecified():
		return "unspecified address"
	case ip.IsLinkLocalUnicast():
		if ip == netip.MustParseAddr("169.254.169.254") {
			return "link-local address (cloud metadata service)"
		}
		return "link-local address"
	case ip.IsPrivate():
		return "private address"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast address"
	case cgnat.Contains(ip):
		return "carrier-grade NAT address"
	case thisNet.Contains(ip), benchmark.Contains(ip), reserved.Contains(ip):
		return "reserved address"
	case ip == netip.MustParseAddr("255.255.255.255"):
		return "broadcast address"
	case nat64.Contains(ip):
		// 64:ff9b::a.b.c.d reaches a.b.c.d through a NAT64 gateway.
		b := ip.As16()
		if r := Classify(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
			return r + " (through NAT64)"
		}
	}
	return ""
}

// Check returns a *RefusedError when ip may not be connected to.
func Check(ip netip.Addr, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	if r := Classify(ip); r != "" {
		return &RefusedError{Addr: ip.Unmap(), Reason: r}
	}
	return nil
}

// Control is a net.Dialer Control function refusing non-public addresses.
// address is the resolved "ip:port" being connected to.
func Control(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("refusing to connect to %q: not an IP address: %w", address, ErrRefused)
		}
		return Check(ap.Addr(), false)
	}
}

// Dialer returns a dialer that refuses non-public addresses (unless
// allowPrivate).
func Dialer(allowPrivate bool, timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: Control(allowPrivate)}
}

// Client returns an HTTP client for user-supplied addresses: every
// connection (redirects included) is checked at dial time; proxies from the
// environment are not used (a proxy would hide the real destination).
func Client(allowPrivate bool, timeout time.Duration) *http.Client {
	dialTimeout := 10 * time.Second
	if timeout > 0 && timeout < dialTimeout {
		dialTimeout = timeout
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           Dialer(allowPrivate, dialTimeout).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing to follow a redirect to %s", req.URL.Scheme)
			}
			return nil
		},
	}
}

// Resolver looks up a host's addresses; tests replace it.
var Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
} = net.DefaultResolver

// CheckURL is the early check of a base URL when it is saved: an http(s)
// URL whose host resolves only to addresses that may be connected to. The
// dial-time check of Client stays the real guard (DNS may change).
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return errors.New("must be an http(s) URL such as https://mastodon.social")
	}
	if allowPrivate {
		return nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return Check(ip, false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("the host %s could not be resolved", host)
	}
	for _, ip := range ips {
		if err := Check(ip, false); err != nil {
			return err
		}
	}
	return nil
}
