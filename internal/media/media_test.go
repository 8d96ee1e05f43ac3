package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/channel/limits"
)

// Test files, made here rather than kept as binaries.

func pngFile(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 30, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 3)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifFile(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 2, 2), []color.Color{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpFile is a 1×1 lossless WebP.
var webpFile = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

// mp4File starts with an ISO BMFF ftyp box, which is what is sniffed.
var mp4File = append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free"), make([]byte, 64)...)

func newStore(t *testing.T) *Store { return &Store{Dir: filepath.Join(t.TempDir(), "media")} }

func TestStageAcceptsByContent(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		name, ct string
		body     []byte
		w, h     int
	}{
		{"png", "image/png", pngFile(t, 3, 2), 3, 2},
		{"jpeg", "image/jpeg", jpegFile(t), 4, 3},
		{"gif", "image/gif", gifFile(t), 2, 2},
		{"webp", "image/webp", webpFile, 1, 1},
		{"mp4", "video/mp4", mp4File, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := s.Put(bytes.NewReader(tc.body))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if info.ContentType != tc.ct || info.Width != tc.w || info.Height != tc.h || info.Size != int64(len(tc.body)) {
				t.Errorf("got %+v, want %s %d×%d", info, tc.ct, tc.w, tc.h)
			}
			if !s.Exists(info.SHA256) {
				t.Error("the file is not stored")
			}
			p := filepath.Join(s.Dir, info.SHA256[:2], info.SHA256)
			if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, tc.body) {
				t.Errorf("stored bytes differ (%v)", err)
			}
		})
	}
}

func TestStageRefuses(t *testing.T) {
	s := newStore(t)
	pngHead := pngFile(t, 2, 2)[:40] // a PNG signature and a cut-off header
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"html", []byte("<!doctype html><html><script>alert(1)</script></html>")},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"text", []byte("just text")},
		{"empty", nil},
		{"pdf", []byte("%PDF-1.7\n...")},
		{"truncated png", append([]byte{}, pngHead[:20]...)},
		{"png signature, garbage after", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(bytes.NewReader(tc.body))
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("want UnsupportedError, got %v", err)
			}
		})
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Dir, "tmp")); len(ents) != 0 {
		t.Errorf("refused uploads left %d temporary files", len(ents))
	}
}

func TestStageSizeLimits(t *testing.T) {
	s := newStore(t)
	// A PNG padded past 8 MiB (bytes after IEND do not stop it decoding).
	big := append(pngFile(t, 2, 2), make([]byte, MaxImageBytes)...)
	_, err := s.Put(bytes.NewReader(big))
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Limit != MaxImageBytes || !strings.Contains(tl.Error(), "8 MiB") {
		t.Fatalf("want TooLargeError for 8 MiB, got %v", err)
	}
	// Exactly at the limit is fine.
	exact := append(pngFile(t, 2, 2), make([]byte, 0)...)
	exact = append(exact, make([]byte, MaxImageBytes-len(exact))...)
	if _, err := s.Put(bytes.NewReader(exact)); err != nil {
		t.Errorf("an image of exactly 8 MiB: %v", err)
	}
	// A video may be larger than an image.
	if _, err := s.Put(bytes.NewReader(append(mp4File, make([]byte, MaxImageBytes)...))); err != nil {
		t.Errorf("a 8 MiB video: %v", err)
	}
}

func TestDedupAndRemove(t *testing.T) {
	s := newStore(t)
	body := pngFile(t, 5, 5)
	a, err := s.Put(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Dir, a.SHA256[:2], a.SHA256)
	st1, _ := os.Stat(p)
	b, err := s.Put(bytes.NewReader(body))
	if err != nil || b.SHA256 != a.SHA256 {
		t.Fatalf("second put: %v %s", err, b.SHA256)
	}
	st2, _ := os.Stat(p)
	if !os.SameFile(st1, st2) {
		t.Error("the stored file was replaced by the identical upload")
	}
	if w, h := s.Dimensions(a.SHA256); w != 5 || h != 5 {
		t.Errorf("Dimensions = %d×%d", w, h)
	}
	if err := s.Remove(a.SHA256); err != nil || s.Exists(a.SHA256) {
		t.Errorf("Remove: %v, exists %v", err, s.Exists(a.SHA256))
	}
	if err := s.Remove(a.SHA256); err != nil {
		t.Errorf("removing again: %v", err)
	}
}

func TestPathRejectsNonHashes(t *testing.T) {
	s := newStore(t)
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("g", 64), strings.Repeat("a", 63), "../" + strings.Repeat("a", 61)} {
		if _, err := s.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
}

func TestNetworkLimit(t *testing.T) {
	if NetworkLimit(limits.Bluesky, "image/jpeg") != 1_000_000 || NetworkLimit(limits.Bluesky, "video/mp4") != 0 ||
		NetworkLimit(limits.X, "image/png") != 5<<20 || NetworkLimit(limits.X, "image/gif") != 15<<20 || NetworkLimit(limits.Mastodon, "image/png") != 0 {
		t.Error("network limits changed")
	}
}
