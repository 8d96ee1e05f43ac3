package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testKey = bytes.Repeat([]byte{0x5a}, 32)

func newPublic(t *testing.T, now time.Time) *Public {
	t.Helper()
	return &Public{Key: testKey, BaseURL: "https://attache.example", Store: newStore(t), Now: func() time.Time { return now }}
}

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func someSum() string {
	s := sha256.Sum256([]byte("a file"))
	return hex.EncodeToString(s[:])
}

func TestPublicTokenRoundTrip(t *testing.T) {
	p := newPublic(t, t0)
	sum := someSum()
	exp := t0.Add(PublicTTL)
	tok, err := p.Mint(sum, "image/jpeg", exp)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(tok, "+/=") || len(tok) > maxToken {
		t.Fatalf("token %q is not URL-safe or too long", tok)
	}
	f, err := p.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if f.SHA256 != sum || f.ContentType != "image/jpeg" || !f.Expires.Equal(exp) {
		t.Fatalf("verified %+v", f)
	}
	// Deterministic: the same file, type and expiry give the same token.
	if again, _ := p.Mint(sum, "image/jpeg", exp); again != tok {
		t.Fatal("minting is not deterministic")
	}
	// Valid until the second before it expires.
	p.Now = func() time.Time { return exp.Add(-time.Second) }
	if _, err := p.Verify(tok); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
}

func TestPublicTokenRefused(t *testing.T) {
	p := newPublic(t, t0)
	sum := someSum()
	tok, err := p.Mint(sum, "image/png", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	bad := func(name, token string) {
		t.Helper()
		if f, err := p.Verify(token); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: accepted (%+v, %v)", name, f, err)
		}
	}
	// Any flipped bit, in the payload or the signature.
	for i := range raw {
		x := bytes.Clone(raw)
		x[i] ^= 0x01
		bad("bit flipped at byte "+strconv.Itoa(i), base64.RawURLEncoding.EncodeToString(x))
	}
	// Another type under the same signature (a PNG served as a video).
	swapped := bytes.Replace(bytes.Clone(raw), []byte("image/png"), []byte("video/mp4"), 1)
	bad("type swapped", base64.RawURLEncoding.EncodeToString(swapped))
	bad("truncated", tok[:len(tok)-1])
	bad("cut in half", tok[:len(tok)/2])
	bad("extended", tok+"AA")
	bad("empty", "")
	bad("not base64", "not*a*token")
	bad("padded", tok+"=")
	bad("line break", tok[:20]+"\n"+tok[20:])
	bad("too long", strings.Repeat("A", maxToken+4))

	// Expired: at and after the expiry.
	p.Now = func() time.Time { return t0.Add(time.Hour) }
	bad("at expiry", tok)
	p.Now = func() time.Time { return t0.Add(30 * 24 * time.Hour) }
	bad("a month later", tok)
	p.Now = func() time.Time { return t0 }

	// Another instance's key (or this one's after `attache secret rotate`).
	other := &Public{Key: bytes.Repeat([]byte{0x5b}, 32), Now: p.Now}
	if _, err := other.Verify(tok); !errors.Is(err, ErrBadToken) {
		t.Errorf("wrong key: %v", err)
	}
	// No key, no tokens.
	if _, err := (&Public{}).Verify(tok); !errors.Is(err, ErrBadToken) {
		t.Errorf("no key: %v", err)
	}
	if _, err := (&Public{Key: []byte("short")}).Mint(sum, "image/png", t0); err == nil {
		t.Error("a short key mints")
	}
	// Only stored hashes of accepted types.
	for _, c := range []struct{ sum, ct string }{{"abc", "image/png"}, {strings.Repeat("z", 64), "image/png"}, {sum, "text/html"}, {sum, ""}} {
		if _, err := p.Mint(c.sum, c.ct, t0.Add(time.Hour)); err == nil {
			t.Errorf("minted for %q %q", c.sum, c.ct)
		}
	}
}

func TestPublicURL(t *testing.T) {
	p := newPublic(t, t0)
	sum := someSum()
	u, err := p.URL(sum, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	rest, ok := strings.CutPrefix(u, "https://attache.example/media/p/")
	if !ok || !strings.HasSuffix(u, "/attache-"+sum[:12]+".jpg") {
		t.Fatalf("url %q", u)
	}
	tok, _, _ := strings.Cut(rest, "/")
	f, err := p.Verify(tok)
	if err != nil || !f.Expires.Equal(t0.Add(PublicTTL)) {
		t.Fatalf("%+v %v: the default expiry is 7 days", f, err)
	}
	p.TTL = time.Hour
	if u2 := p.URLOf(sum, "image/jpeg"); u2 == u || u2 == "" {
		t.Fatalf("TTL ignored: %q", u2)
	}
	if p.URLOf("", "image/jpeg") != "" || p.URLOf(sum, "application/pdf") != "" || (*Public)(nil).URLOf(sum, "image/jpeg") != "" {
		t.Fatal("URLOf made an address it should not")
	}
	if _, err := (&Public{Key: testKey}).URL(sum, "image/jpeg"); err == nil {
		t.Fatal("an address without a base URL")
	}
}

func TestPublicServe(t *testing.T) {
	p := newPublic(t, t0)
	body := pngFile(t, 5, 4)
	info, err := p.Store.Put(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+PublicPath, p)
	get := func(method, u string) *http.Response {
		t.Helper()
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, strings.TrimPrefix(u, p.BaseURL), nil))
		return rec.Result()
	}
	u, err := p.URL(info.SHA256, info.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	resp := get("GET", u)
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(got, body) {
		t.Fatalf("GET: %d, %d bytes", resp.StatusCode, len(got))
	}
	h := resp.Header
	if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != ContentCSP ||
		h.Get("Cache-Control") != "public, max-age=604800" || h.Get("ETag") != `"`+info.SHA256+`"` || h.Get("Set-Cookie") != "" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "inline") || h.Get("Expires") != t0.Add(PublicTTL).Format(http.TimeFormat) {
		t.Fatalf("headers %v", h)
	}
	if resp := get("HEAD", u); resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("HEAD: %d %v", resp.StatusCode, resp.Header)
	}
	// The cache lifetime shrinks with the token's.
	p.Now = func() time.Time { return t0.Add(PublicTTL - time.Minute) }
	if cc := get("GET", u).Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Fatalf("near expiry: %q", cc)
	}

	i := strings.LastIndexByte(u, '/')
	j := strings.LastIndexByte(u[:i], '/')
	tok := u[j+1 : i]
	for name, path := range map[string]string{
		"wrong extension": u[:i] + "/attache.html",
		"no extension":    u[:i] + "/attache",
		"tampered":        u[:j+1] + tok[:10] + flip(tok[10]) + tok[11:] + u[i:],
		"not a token":     "/media/p/abc/x.png",
		"another hash":    mustURL(t, p, someSum(), "image/png"),
	} {
		if resp := get("GET", path); resp.StatusCode != http.StatusNotFound || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	if resp := get("GET", "/media/p/"+tok); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no file name: %d", resp.StatusCode)
	}
	p.Now = func() time.Time { return t0.Add(PublicTTL) }
	if resp := get("GET", u); resp.StatusCode != http.StatusNotFound {
		t.Errorf("expired: %d", resp.StatusCode)
	}
	p.Now = func() time.Time { return t0 }
	// A file removed from the store is gone from its public address too.
	if err := p.Store.Remove(info.SHA256); err != nil {
		t.Fatal(err)
	}
	if resp := get("GET", u); resp.StatusCode != http.StatusNotFound {
		t.Errorf("removed file: %d", resp.StatusCode)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func mustURL(t *testing.T, p *Public, sum, ct string) string {
	t.Helper()
	u, err := p.URL(sum, ct)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u, p.BaseURL)
}

// FuzzPublicVerify: no input makes Verify panic, and an accepted token is
// exactly the one Mint makes for what it names (nothing but a signed,
// canonical token passes).
func FuzzPublicVerify(f *testing.F) {
	p := &Public{Key: testKey, Now: func() time.Time { return t0 }}
	for _, ct := range []string{"image/jpeg", "video/mp4"} {
		tok, err := p.Mint(someSum(), ct, t0.Add(time.Hour))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		f.Add(tok[:len(tok)-3])
	}
	f.Add("")
	f.Add("AQAAAABp")
	f.Add(strings.Repeat("_", 120))
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := p.Verify(tok)
		if err != nil {
			if !errors.Is(err, ErrBadToken) {
				t.Fatalf("error %v is not ErrBadToken", err)
			}
			return
		}
		again, err := p.Mint(got.SHA256, got.ContentType, got.Expires)
		if err != nil || again != tok {
			t.Fatalf("accepted %q naming %+v, which mints %q (%v)", tok, got, again, err)
		}
	})
}
