package media

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// MaxDocumentBytes is the limit of a document handed in as course work.
const MaxDocumentBytes = 20 << 20

// Document types taken as course work (academy assignments), besides the
// images of accepted. OOXML and OpenDocument files are ZIP archives: what
// they are comes from the parts inside, never from the file name.
const (
	PDF  = "application/pdf"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODP  = "application/vnd.oasis.opendocument.presentation"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
)

var documentTypes = map[string]bool{PDF: true, DOCX: true, PPTX: true, XLSX: true, ODT: true, ODP: true, ODS: true}

// IsDocument reports whether a stored content type is a document type.
func IsDocument(contentType string) bool { return documentTypes[contentType] }

// DocumentError refuses a file that is not an accepted document.
type DocumentError struct{ Reason string }

func (e *DocumentError) Error() string {
	return "the file is not a PDF, Word, PowerPoint, Excel or OpenDocument file, or a JPEG, PNG, GIF or WebP image (" + e.Reason + ")"
}

// DocumentTooLargeError refuses a document over MaxDocumentBytes.
type DocumentTooLargeError struct{}

func (DocumentTooLargeError) Error() string {
	return fmt.Sprintf("the file is too large: a document may be at most %d MiB", MaxDocumentBytes>>20)
}

// StageDocument is Stage for course work: PDF, Office Open XML and
// OpenDocument files and images, at most MaxDocumentBytes, checked by
// content. The caller commits and discards it as with Stage.
func (s *Store) StageDocument(r io.Reader) (*Staged, error) {
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(head) == 0 {
		return nil, &DocumentError{Reason: "the file is empty"}
	}
	sniffed := http.DetectContentType(head)
	switch {
	case sniffed == PDF, sniffed == "application/zip", accepted[sniffed] != "":
	default:
		return nil, &DocumentError{Reason: "its content is " + sniffed}
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
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(br, MaxDocumentBytes+1))
	if err != nil {
		return fail(err)
	}
	if n > MaxDocumentBytes {
		return fail(DocumentTooLargeError{})
	}
	st.Info = Info{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, ContentType: sniffed}
	switch {
	case sniffed == "application/zip":
		ct, err := officeType(tmp, n)
		if err != nil {
			return fail(err)
		}
		st.ContentType = ct
	case sniffed != PDF:
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return fail(err)
		}
		cfg, got, err := image.DecodeConfig(bufio.NewReader(tmp))
		if err != nil || got != accepted[sniffed] || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
			return fail(&DocumentError{Reason: "it starts like " + sniffed + " but does not decode as one"})
		}
		st.Width, st.Height = cfg.Width, cfg.Height
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	return st, nil
}

// officeType tells an OOXML or OpenDocument file from its parts: the
// "mimetype" entry of OpenDocument, the main part of Word, PowerPoint and
// Excel files. Any other archive is refused.
func officeType(f *os.File, size int64) (string, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return "", &DocumentError{Reason: "it starts like a ZIP archive but is not a readable one"}
	}
	parts := map[string]*zip.File{}
	for _, e := range zr.File {
		parts[e.Name] = e
	}
	if m := parts["mimetype"]; m != nil && m.UncompressedSize64 < 100 {
		rc, err := m.Open()
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			if t := strings.TrimSpace(string(b)); t == ODT || t == ODP || t == ODS {
				return t, nil
			}
		}
	}
	if parts["[Content_Types].xml"] != nil {
		switch {
		case parts["word/document.xml"] != nil:
			return DOCX, nil
		case parts["ppt/presentation.xml"] != nil:
			return PPTX, nil
		case parts["xl/workbook.xml"] != nil:
			return XLSX, nil
		}
	}
	return "", &DocumentError{Reason: "it is a ZIP archive, not a Word, PowerPoint, Excel or OpenDocument file"}
}
