// Package media stores uploaded files (images and videos attached to
// content items) under DATA/media, content-addressed by SHA-256: a file is
// written once to DATA/media/<first two hex digits>/<sha256>, identical
// uploads share it, and it is never overwritten.
//
// What a file is comes from its bytes, never from its name or the type the
// browser claims: http.DetectContentType sniffs the first 512 bytes, and an
// image must also decode its header (image.DecodeConfig) as the same
// format. Only the types the networks accept are taken: JPEG, PNG, GIF,
// WebP and MP4.
package media

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register the decoders DecodeConfig needs
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	_ "golang.org/x/image/webp"

	"github.com/attache-project/attache/internal/channel/limits"
)

// Size limits. Images: 8 MiB covers what every network takes except
// Bluesky (see NetworkLimits); videos: 100 MiB.
const (
	MaxImageBytes = 8 << 20
	MaxVideoBytes = 100 << 20
	// MaxPixels refuses images whose header announces more than 100
	// megapixels: decoding one for a thumbnail would exhaust memory.
	MaxPixels = 100_000_000
)

// Accepted content types and the image.DecodeConfig format each must
// decode as ("" for video, which is only sniffed).
var accepted = map[string]string{
	"image/jpeg": "jpeg",
	"image/png":  "png",
	"image/gif":  "gif",
	"image/webp": "webp",
	"video/mp4":  "",
}

// IsImage reports whether a stored content type is an image.
func IsImage(contentType string) bool {
	f, ok := accepted[contentType]
	return ok && f != ""
}

// Info describes a stored file.
type Info struct {
	SHA256      string
	Size        int64
	ContentType string
	Width       int // images only
	Height      int
}

// TooLargeError refuses a file over the limit of its kind.
type TooLargeError struct {
	ContentType string
	Limit       int64
}

func (e *TooLargeError) Error() string {
	kind := "a video"
	if IsImage(e.ContentType) {
		kind = "an image"
	}
	return fmt.Sprintf("the file is too large: %s may be at most %d MiB", kind, e.Limit>>20)
}

// UnsupportedError refuses a file that is not one of the accepted types,
// or that claims to be an image but does not decode as one.
type UnsupportedError struct {
	Detected string // what the bytes look like
	Reason   string
}

func (e *UnsupportedError) Error() string {
	return "the file is not a JPEG, PNG, GIF or WebP image or an MP4 video (" + e.Reason + ")"
}

// Store keeps files under Dir (DATA/media).
type Store struct {
	Dir string
	mu  sync.Mutex
}

// Exclusive runs f while no other Exclusive call runs. Callers wrap
// "store a file and record a row" and "delete a row and remove the file
// when nothing references it" in it, so that a file is never removed
// between another upload finding it and recording its row.
func (s *Store) Exclusive(f func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f()
}

// path returns where a file with this hash lives. The hash is checked, so
// that no caller can build a path outside Dir.
func (s *Store) path(sum string) (string, error) {
	if len(sum) != sha256.Size*2 {
		return "", fs.ErrNotExist
	}
	if _, err := hex.DecodeString(sum); err != nil {
		return "", fs.ErrNotExist
	}
	return filepath.Join(s.Dir, sum[:2], sum), nil
}

// Staged is a checked upload waiting in DATA/media/tmp to be committed.
type Staged struct {
	Info
	tmp string
}

// Discard removes the staged copy (a no-op after Commit linked it, as the
// stored file is another name for the same bytes).
func (st *Staged) Discard() { os.Remove(st.tmp) }

// Stage checks the file read from r and copies it to a temporary file,
// hashing it on the way. It reads at most the limit of the file's kind plus
// one byte. The caller commits it (inside Exclusive, with its row) and
// discards it in any case.
func (s *Store) Stage(r io.Reader) (*Staged, error) {
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(head) == 0 {
		return nil, &UnsupportedError{Reason: "the file is empty"}
	}
	ct := http.DetectContentType(head)
	format, ok := accepted[ct]
	if !ok {
		return nil, &UnsupportedError{Detected: ct, Reason: "its content is " + ct}
	}
	limit := int64(MaxVideoBytes)
	if format != "" {
		limit = MaxImageBytes
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "tmp"), 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.Dir, "tmp"), "upload-*")
	if err != nil {
		return nil, err
	}
	st := &Staged{tmp: tmp.Name()}
	defer tmp.Close()
	fail := func(err error) (*Staged, error) {
		tmp.Close()
		st.Discard()
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(br, limit+1))
	if err != nil {
		return fail(err)
	}
	if n > limit {
		return fail(&TooLargeError{ContentType: ct, Limit: limit})
	}
	st.Info = Info{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: ct}
	if format != "" {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return fail(err)
		}
		cfg, got, err := image.DecodeConfig(bufio.NewReader(tmp))
		if err != nil || got != format {
			return fail(&UnsupportedError{Detected: ct, Reason: "it starts like " + ct + " but does not decode as one"})
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
			return fail(&UnsupportedError{Detected: ct, Reason: fmt.Sprintf("%d×%d pixels is more than 100 megapixels", cfg.Width, cfg.Height)})
		}
		st.Width, st.Height = cfg.Width, cfg.Height
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	return st, nil
}

// Commit puts a staged file in its place. An existing file with the same
// hash has the same bytes: it is shared, never replaced.
func (s *Store) Commit(st *Staged) error {
	dst, err := s.path(st.SHA256)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	err = os.Link(st.tmp, dst)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return nil
	}
	if _, serr := os.Stat(dst); serr == nil {
		return nil
	}
	// A file system without hard links: rename (dst does not exist, and
	// Exclusive keeps another commit from racing this one).
	return os.Rename(st.tmp, dst)
}

// Put stages and commits a file in one step (for tools and tests; the
// service uses Stage and Commit around its database row).
func (s *Store) Put(r io.Reader) (Info, error) {
	st, err := s.Stage(r)
	if err != nil {
		return Info{}, err
	}
	defer st.Discard()
	return st.Info, s.Exclusive(func() error { return s.Commit(st) })
}

// Open opens a stored file.
func (s *Store) Open(sum string) (*os.File, error) {
	p, err := s.path(sum)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Exists reports whether a file with this hash is stored.
func (s *Store) Exists(sum string) bool {
	p, err := s.path(sum)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// Remove deletes a stored file (no error when it is already gone).
func (s *Store) Remove(sum string) error {
	p, err := s.path(sum)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Dimensions reads an image's width and height from its stored header (0,
// 0 for a video or an unreadable file).
func (s *Store) Dimensions(sum string) (int, int) {
	f, err := s.Open(sum)
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}

// NetworkLimit is the largest file of this type a network takes when it is
// below our own limits (0: our limit is the stricter one). Sources, as of
// 2026: Bluesky's blob lexicon (app.bsky.embed.images: 1,000,000 bytes per
// image); X's media upload (5 MB per image, 15 MB per GIF); Telegram's Bot
// API (sendVideo uploads up to 50 MB). These are warnings, not errors: the
// publishing engine may resize, and the file still serves other networks.
func NetworkLimit(network limits.Network, contentType string) int64 {
	switch {
	case network == limits.Bluesky && IsImage(contentType):
		return 1_000_000
	case network == limits.X && contentType == "image/gif":
		return 15 << 20
	case network == limits.X && IsImage(contentType):
		return 5 << 20
	case network == limits.Telegram && contentType == "video/mp4":
		return 50 << 20
	}
	return 0
}
