package campaign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/media"
)

// Alt text is required on every attachment. The limit is Mastodon's 1,500
// characters, the most any network takes; X takes 1,000, so longer alt
// text on an item with an X variant gets a warning (the publishing engine
// has to shorten it there). Bluesky's apps accept 2,000.
const (
	MaxAltText  = 1500
	XMaxAltText = 1000
)

// Media is a file attached to an item.
type Media struct {
	ID          int64     `json:"id"`
	OrgID       int64     `json:"org_id"`
	ItemID      int64     `json:"item_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	AltText     string    `json:"alt_text"`
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	CreatedBy   int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Warnings name the networks of the item's variants this file will
	// not suit as it is (never an error: the file serves the others).
	Warnings []MediaWarning `json:"warnings"`
}

// IsImage reports whether the file is an image (else a video).
func (m Media) IsImage() bool { return media.IsImage(m.ContentType) }

// Warning codes.
const (
	WarnFileTooLarge = "file_too_large_for_network"
	WarnAltTooLong   = "alt_text_too_long_for_network"
	WarnCaption      = "caption_too_long"
)

// MediaWarning says that an attachment does not suit one network.
type MediaWarning struct {
	Code      string         `json:"code"`
	Network   limits.Network `json:"network"`
	Limit     int64          `json:"limit"`
	Length    int64          `json:"length"`
	MediaID   int64          `json:"media_id,omitempty"`
	VariantID int64          `json:"variant_id,omitempty"`
	Detail    string         `json:"detail"`
}

// ItemHasMedia reports whether an item has attachments: a Telegram post
// with media is a caption, limited to 1,024 characters.
func (s *Service) ItemHasMedia(ctx context.Context, itemID int64) (bool, error) {
	if itemID == 0 {
		return false, nil
	}
	return itemHasMedia(ctx, s.DB.R(), itemID)
}

// cleanFileName keeps the last element of the name a browser sent
// ("C:\fakepath\photo.jpg" → "photo.jpg") without control characters or
// quotes, at most 200 characters; it is only shown and offered as the
// download name.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" || name == "." || name == ".." {
		name = "file"
	}
	return name
}

func checkAlt(alt string) (string, error) {
	alt, err := cleanText("alt_text", alt, MaxAltText, true)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) && fe.Reason == "is required" {
			fe.Reason = "is required: describe the image or video for people who cannot see it"
		}
	}
	return alt, err
}

// editableItem loads an item the principal may attach files to: editors of
// the item's organisation.
func (s *Service) editableItem(ctx context.Context, p *authz.Principal, itemID int64) (Item, Access, error) {
	it, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return it, ac, err
	}
	if !authz.Can(p, it.OrgID, authz.EditCampaigns) {
		return it, ac, authz.ErrForbidden
	}
	return it, ac, nil
}

// CheckAttach reports whether the principal may attach files to an item
// (authz.ErrNotMember, authz.ErrForbidden), so that handlers refuse before
// reading a large body.
func (s *Service) CheckAttach(ctx context.Context, p *authz.Principal, itemID int64) error {
	_, _, err := s.editableItem(ctx, p, itemID)
	return err
}

// AddMedia checks the file read from r by its content (media.Store.Stage),
// stores it once per hash, and attaches it to the item with its alt text.
// A file of an unaccepted type is a FieldError on "file"; one over its
// size limit a *media.TooLargeError.
func (s *Service) AddMedia(ctx context.Context, p *authz.Principal, a audit.Actor, files *media.Store, itemID int64, fileName, alt string, r io.Reader) (Media, error) {
	it, ac, err := s.editableItem(ctx, p, itemID)
	if err != nil {
		return Media{}, err
	}
	if alt, err = checkAlt(alt); err != nil {
		return Media{}, err
	}
	st, err := files.Stage(r)
	var ue *media.UnsupportedError
	if errors.As(err, &ue) {
		return Media{}, &FieldError{Field: "file", Reason: ue.Error()}
	}
	if err != nil {
		return Media{}, err
	}
	defer st.Discard()
	m := Media{OrgID: it.OrgID, ItemID: it.ID, FileName: cleanFileName(fileName), ContentType: st.ContentType, Size: st.Size,
		SHA256: st.SHA256, AltText: alt, Width: st.Width, Height: st.Height, CreatedBy: p.UserID}
	err = files.Exclusive(func() error {
		if err := files.Commit(st); err != nil {
			return err
		}
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := insertMedia(ctx, tx, &m); err != nil {
				return err
			}
			if err := reopenApproved(ctx, tx, it.ID, p.UserID); err != nil {
				return err
			}
			return audit.Append(ctx, tx, a.Entry(it.OrgID, "media.add", "item:"+strconv.FormatInt(it.ID, 10),
				map[string]string{"media_id": strconv.FormatInt(m.ID, 10), "sha256": m.SHA256, "content_type": m.ContentType}))
		})
		if err != nil {
			// Not recorded: remove the file unless another row shares it.
			if used, uerr := mediaHashUsed(ctx, s.DB.W(), m.SHA256); uerr == nil && !used {
				_ = files.Remove(m.SHA256)
			}
		}
		return err
	})
	if err != nil {
		return Media{}, err
	}
	ms, err := listMedia(ctx, s.DB.R(), it.ID)
	if err != nil {
		return m, err
	}
	for _, w := range mediaWarnings(ac.Campaign, it, ms) {
		if w.MediaID == m.ID || w.MediaID == 0 {
			m.Warnings = append(m.Warnings, w)
		}
	}
	if m.Warnings == nil {
		m.Warnings = []MediaWarning{}
	}
	return m, nil
}

// ItemMedia lists an item's attachments (with each one's warnings) and the
// warnings about the item as a whole (captions over Telegram's limit).
func (s *Service) ItemMedia(ctx context.Context, p *authz.Principal, files *media.Store, itemID int64) (Item, []Media, []MediaWarning, error) {
	it, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return it, nil, nil, err
	}
	ms, err := listMedia(ctx, s.DB.R(), itemID)
	if err != nil {
		return it, nil, nil, err
	}
	ws := mediaWarnings(ac.Campaign, it, ms)
	item := []MediaWarning{}
	byID := map[int64]int{}
	for i := range ms {
		byID[ms[i].ID] = i
		ms[i].Warnings = []MediaWarning{}
		if ms[i].IsImage() {
			ms[i].Width, ms[i].Height = files.Dimensions(ms[i].SHA256)
		}
	}
	for _, w := range ws {
		if i, ok := byID[w.MediaID]; ok {
			ms[i].Warnings = append(ms[i].Warnings, w)
		} else {
			item = append(item, w)
		}
	}
	return it, ms, item, nil
}

// GetMedia returns one attachment to anyone who can see its campaign (the
// owner's and the partners' members). Strangers get authz.ErrNotMember
// whether or not it exists.
func (s *Service) GetMedia(ctx context.Context, p *authz.Principal, id int64) (Media, error) {
	m, err := getMedia(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return m, authz.ErrNotMember
	}
	if err != nil {
		return m, err
	}
	if _, _, err := s.GetItem(ctx, p, m.ItemID); err != nil {
		return Media{}, err
	}
	m.Warnings = []MediaWarning{}
	return m, nil
}

// editableMedia loads an attachment the principal may change.
func (s *Service) editableMedia(ctx context.Context, p *authz.Principal, id int64) (Media, Item, Access, error) {
	m, err := s.GetMedia(ctx, p, id)
	if err != nil {
		return m, Item{}, Access{}, err
	}
	it, ac, err := s.editableItem(ctx, p, m.ItemID)
	return m, it, ac, err
}

// SetMediaAlt changes an attachment's alt text.
func (s *Service) SetMediaAlt(ctx context.Context, p *authz.Principal, a audit.Actor, id int64, alt string) (Media, error) {
	m, it, ac, err := s.editableMedia(ctx, p, id)
	if err != nil {
		return m, err
	}
	if alt, err = checkAlt(alt); err != nil {
		return m, err
	}
	m.AltText = alt
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := updateMediaAlt(ctx, tx, id, alt); err != nil {
			return err
		}
		if err := reopenApproved(ctx, tx, m.ItemID, p.UserID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(m.OrgID, "media.alt_text", "item:"+strconv.FormatInt(m.ItemID, 10),
			map[string]string{"media_id": strconv.FormatInt(id, 10)}))
	})
	if err != nil {
		return m, err
	}
	for _, w := range mediaWarnings(ac.Campaign, it, []Media{m}) {
		if w.MediaID == m.ID {
			m.Warnings = append(m.Warnings, w)
		}
	}
	return m, nil
}

// DeleteMedia detaches a file from its item. The stored file goes when no
// attachment references its hash any more.
func (s *Service) DeleteMedia(ctx context.Context, p *authz.Principal, a audit.Actor, files *media.Store, id int64) error {
	m, _, _, err := s.editableMedia(ctx, p, id)
	if err != nil {
		return err
	}
	return files.Exclusive(func() error {
		used := true
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := deleteMedia(ctx, tx, id); err != nil {
				return err
			}
			if err := reopenApproved(ctx, tx, m.ItemID, p.UserID); err != nil {
				return err
			}
			var err error
			if used, err = mediaHashUsed(ctx, tx, m.SHA256); err != nil {
				return err
			}
			return audit.Append(ctx, tx, a.Entry(m.OrgID, "media.delete", "item:"+strconv.FormatInt(m.ItemID, 10),
				map[string]string{"media_id": strconv.FormatInt(id, 10), "sha256": m.SHA256}))
		})
		if err != nil || used {
			return err
		}
		return files.Remove(m.SHA256)
	})
}

// mediaWarnings checks an item's attachments against the networks of its
// variants: file sizes a network refuses, alt text X cuts, and Telegram
// texts too long for a caption.
func mediaWarnings(c Campaign, it Item, ms []Media) []MediaWarning {
	out := []MediaWarning{}
	if len(ms) == 0 {
		return out
	}
	seen := map[limits.Network]bool{}
	for _, v := range it.Variants {
		if v.Network == limits.Telegram {
			if m := measurePublished(c, v.Network, v.Text, limits.Options{HasMedia: true}); !m.OK() {
				out = append(out, MediaWarning{Code: WarnCaption, Network: v.Network, Limit: int64(m.Limit), Length: int64(m.Length), VariantID: v.ID,
					Detail: fmt.Sprintf("with media, the Telegram variant %d is a caption: %s", v.ID, strings.Join(m.Problems(), "; "))})
			}
		}
		if seen[v.Network] {
			continue
		}
		seen[v.Network] = true
		for _, f := range ms {
			if lim := media.NetworkLimit(v.Network, f.ContentType); lim > 0 && f.Size > lim {
				out = append(out, MediaWarning{Code: WarnFileTooLarge, Network: v.Network, Limit: lim, Length: f.Size, MediaID: f.ID,
					Detail: fmt.Sprintf("%s takes files of this type up to %s; %q has %s", limits.Label(v.Network), byteSize(lim), f.FileName, byteSize(f.Size))})
			}
			if n := utf8.RuneCountInString(f.AltText); v.Network == limits.X && n > XMaxAltText {
				out = append(out, MediaWarning{Code: WarnAltTooLong, Network: v.Network, Limit: XMaxAltText, Length: int64(n), MediaID: f.ID,
					Detail: fmt.Sprintf("X takes alt text up to %d characters; the alt text of %q has %d", XMaxAltText, f.FileName, n)})
			}
		}
	}
	return out
}

// byteSize formats a size for people: "1.0 MB" (decimal, as networks state
// their limits), "5.0 MiB" for binary multiples.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1000:
		return fmt.Sprintf("%d kB", n/1000)
	}
	return fmt.Sprintf("%d bytes", n)
}
