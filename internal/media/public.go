package media

// Public addresses for attachments. Instagram, Threads and Viber fetch an
// image themselves from a URL, while Attaché serves its media only to
// signed-in members. A public URL is therefore a capability: a token that
// names one stored file (its SHA-256 and content type) until an expiry,
// signed with HMAC-SHA256 under a key derived from the instance's secret
// key (secret.Derive with PublicKeyLabel). Nothing else is reachable: the
// token carries the hash, so no id can be guessed, and a token whose
// signature, expiry or type does not check out is a 404, as is a file that
// is no longer stored.
//
// URL: BaseURL + "/media/p/" + token + "/attache-<hash prefix>.<ext>". The
// last path segment ends in the type's extension because Viber requires
// one (".jpg", ".png" …); the server checks it against the signed type.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strconv"
	"time"
)

// PublicKeyLabel is the secret.Derive label of the signing key.
const PublicKeyLabel = "public-media-url"

// PublicTTL is how long a public URL works unless Public.TTL says
// otherwise: long enough for a network to fetch the file on a retry days
// later, short enough that an address copied from a network's request log
// stops working.
const PublicTTL = 7 * 24 * time.Hour

// PublicPath is the route pattern of public media (GET; its first
// segment, "media", is a reserved organisation slug).
const PublicPath = "/media/p/{token}/{file}"

// publicVersion is the first byte of every token; a new layout gets a new
// version.
const publicVersion = 1

// maxToken bounds what Verify decodes (a token is about 115 characters).
const maxToken = 256

// ErrBadToken is the one answer to a malformed, tampered, expired or
// foreign token: callers answer 404 whatever the reason.
var ErrBadToken = errors.New("media: invalid or expired public media token")

// extensions are the file name extensions of the accepted types.
var extensions = map[string]string{
	"image/jpeg": ".jpg",
	"image/png":  ".png",
	"image/gif":  ".gif",
	"image/webp": ".webp",
	"video/mp4":  ".mp4",
}

// Public mints and checks public media URLs and serves their files.
type Public struct {
	Key     []byte // from secret.Derive(instance key, PublicKeyLabel); at least 32 bytes
	BaseURL string // the instance's public base URL (config BaseURL), without a trailing slash
	Store   *Store
	TTL     time.Duration    // 0: PublicTTL
	Now     func() time.Time // nil: time.Now
}

// PublicFile is what a valid token names.
type PublicFile struct {
	SHA256      string
	ContentType string
	Expires     time.Time
}

func (p *Public) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Public) ttl() time.Duration {
	if p.TTL > 0 {
		return p.TTL
	}
	return PublicTTL
}

// payload is the signed part of a token: version, expiry (Unix seconds),
// the file's hash and its content type.
func payload(sum []byte, contentType string, expires time.Time) []byte {
	b := make([]byte, 0, 1+8+len(sum)+1+len(contentType))
	b = append(b, publicVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(expires.Unix()))
	b = append(b, sum...)
	b = append(b, byte(len(contentType)))
	return append(b, contentType...)
}

func (p *Public) mac(data []byte) []byte {
	m := hmac.New(sha256.New, p.Key)
	m.Write(data)
	return m.Sum(nil)
}

// Mint makes the token of a stored file (hex SHA-256) of an accepted
// content type, valid until expires.
func (p *Public) Mint(sum, contentType string, expires time.Time) (string, error) {
	if len(p.Key) < 32 {
		return "", errors.New("media: public URLs need a signing key of at least 32 bytes")
	}
	raw, err := hex.DecodeString(sum)
	if err != nil || len(raw) != sha256.Size {
		return "", fmt.Errorf("media: %q is not a SHA-256", sum)
	}
	if _, ok := accepted[contentType]; !ok {
		return "", fmt.Errorf("media: %q is not a type Attaché stores", contentType)
	}
	data := payload(raw, contentType, expires)
	return base64.RawURLEncoding.EncodeToString(append(data, p.mac(data)...)), nil
}

// Verify checks a token: its signature first (in constant time), then its
// expiry and type. Every failure is ErrBadToken.
func (p *Public) Verify(token string) (PublicFile, error) {
	if len(p.Key) < 32 || len(token) > maxToken || !urlSafe(token) {
		return PublicFile{}, ErrBadToken
	}
	// Strict: one spelling per token (no stray bits in the last character).
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	const fixed = 1 + 8 + sha256.Size + 1
	if err != nil || len(raw) < fixed+sha256.Size {
		return PublicFile{}, ErrBadToken
	}
	data, sig := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(sig, p.mac(data)) {
		return PublicFile{}, ErrBadToken
	}
	// Signed by us: the layout holds, but check it rather than trust it.
	if data[0] != publicVersion || len(data) != fixed+int(data[fixed-1]) {
		return PublicFile{}, ErrBadToken
	}
	exp := binary.BigEndian.Uint64(data[1:9])
	if exp > 1<<62 {
		return PublicFile{}, ErrBadToken
	}
	f := PublicFile{SHA256: hex.EncodeToString(data[9 : 9+sha256.Size]), ContentType: string(data[fixed:]), Expires: time.Unix(int64(exp), 0).UTC()}
	if _, ok := accepted[f.ContentType]; !ok || !p.now().Before(f.Expires) {
		return PublicFile{}, ErrBadToken
	}
	return f, nil
}

// urlSafe reports whether s holds only the unpadded base64url alphabet
// (the decoder would skip line breaks).
func urlSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// FileName is the last path segment of a public URL: a name with the
// type's extension (Viber wants .jpg, .png or .gif at the end).
func FileName(sum, contentType string) string {
	prefix := sum
	if len(prefix) > 12 {
		prefix = prefix[:12]
	}
	return "attache-" + prefix + extensions[contentType]
}

// URL returns the public address of a stored file, valid for TTL from
// now.
func (p *Public) URL(sum, contentType string) (string, error) {
	if p.BaseURL == "" {
		return "", errors.New("media: public URLs need the instance's base URL")
	}
	tok, err := p.Mint(sum, contentType, p.now().Add(p.ttl()).Truncate(time.Second))
	if err != nil {
		return "", err
	}
	return p.BaseURL + "/media/p/" + tok + "/" + FileName(sum, contentType), nil
}

// URLOf is URL for callers that only want an address or nothing (a
// connector's MediaURL hook): "" when none can be made.
func (p *Public) URLOf(sum, contentType string) string {
	if p == nil || sum == "" {
		return ""
	}
	u, err := p.URL(sum, contentType)
	if err != nil {
		return ""
	}
	return u
}

// ServeHTTP answers GET PublicPath: the file a valid token names, with its
// signed type, nosniff and the sandboxing CSP of every served file, and
// cacheable by anyone until the token expires. Anything else is a plain
// 404 (never a 5xx: a caller cannot tell a bad token from a missing file).
func (p *Public) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, err := p.Verify(r.PathValue("token"))
	if err != nil || path.Ext(r.PathValue("file")) != extensions[f.ContentType] || p.Store == nil {
		publicNotFound(w)
		return
	}
	file, err := p.Store.Open(f.SHA256)
	if err != nil {
		publicNotFound(w)
		return
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() {
		publicNotFound(w)
		return
	}
	left := int64(f.Expires.Sub(p.now()) / time.Second)
	disp := "attachment"
	if IsImage(f.ContentType) {
		disp = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", ContentCSP)
	// Public by design: a network's servers (and browsers showing its
	// post) load it from another origin.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(max(left, 0), 10))
	h.Set("Expires", f.Expires.Format(http.TimeFormat))
	h.Set("ETag", `"`+f.SHA256+`"`)
	if v := mime.FormatMediaType(disp, map[string]string{"filename": FileName(f.SHA256, f.ContentType)}); v != "" {
		h.Set("Content-Disposition", v)
	}
	http.ServeContent(w, r, "", st.ModTime(), file)
}

func publicNotFound(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("not found\n"))
}
