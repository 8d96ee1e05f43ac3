package campaign

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/notify"
)

// MaxComment is the longest comment, in characters.
const MaxComment = 5000

// Comment is a plain-text remark on an item. Bodies are never HTML: the
// UI escapes them and keeps their line breaks.
type Comment struct {
	ID         int64     `json:"id"`
	ItemID     int64     `json:"item_id"`
	AuthorID   int64     `json:"author_id,omitempty"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	// Mentioned lists who the comment notified (set when it is created).
	Mentioned []Participant `json:"mentioned,omitempty"`
}

// mentionRE finds "@handle" or "@full@email.address" not preceded by a
// character that would make it part of a word or an email address.
var mentionRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.@+-])@([\p{L}\p{N}_.+-]+(?:@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+)?)`)

// Mentions returns the handles (or full email addresses) mentioned in a
// text, lower-cased, once each.
func Mentions(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		h := strings.ToLower(strings.TrimRight(m[1], ".-+_"))
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// resolveMentions keeps the participants a text mentions: by handle (every
// participant with that handle) or by full email. Anyone else mentioned is
// ignored, so a comment reveals nothing about who exists.
func resolveMentions(body string, ps []Participant) []Participant {
	var out []Participant
	for _, h := range Mentions(body) {
		for _, x := range ps {
			if x.Handle == h || strings.Contains(h, "@") && strings.ToLower(x.email) == h {
				if _, dup := findParticipant(out, x.UserID); !dup {
					out = append(out, x)
				}
			}
		}
	}
	return out
}

// Comments lists an item's comments, oldest first.
func (s *Service) Comments(ctx context.Context, p *authz.Principal, itemID int64) ([]Comment, error) {
	if _, _, err := s.GetItem(ctx, p, itemID); err != nil {
		return nil, err
	}
	return listComments(ctx, s.DB.R(), itemID)
}

// AddComment adds a comment to an item. Everyone who can read the
// campaign may discuss it. Mentioned participants are notified.
func (s *Service) AddComment(ctx context.Context, p *authz.Principal, itemID int64, body string) (Comment, error) {
	it, ac, err := s.GetItem(ctx, p, itemID)
	if err != nil {
		return Comment{}, err
	}
	c := Comment{ItemID: itemID, AuthorID: p.UserID}
	if c.Body, err = cleanText("body", body, MaxComment, true); err != nil {
		return c, err
	}
	ps, err := listParticipants(ctx, s.DB.R(), ac.Campaign)
	if err != nil {
		return c, err
	}
	if me, ok := findParticipant(ps, p.UserID); ok {
		c.AuthorName = me.Name
	}
	title := it.Title
	if title == "" {
		title = notify.Snippet(it.Text)
	}
	for _, x := range resolveMentions(c.Body, ps) {
		if x.UserID != p.UserID {
			c.Mentioned = append(c.Mentioned, x)
		}
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertComment(ctx, tx, &c); err != nil {
			return err
		}
		for _, x := range c.Mentioned {
			err := notify.Notify(ctx, tx, notify.Notification{UserID: x.UserID, OrgID: x.OrgID, Kind: notify.Mentioned,
				Title: title + " · " + c.AuthorName, Link: "/o/" + x.OrgSlug + "/items/" + strconv.FormatInt(itemID, 10) + "/comments#comment-" + strconv.FormatInt(c.ID, 10)})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(c.Mentioned) > 0 {
		s.Notify.Wake()
	}
	return c, err
}
