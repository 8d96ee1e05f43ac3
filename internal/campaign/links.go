package campaign

import (
	"context"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/channel/limits"
)

// TagLinks returns text as it will be published on network: every http(s)
// URL in it (as limits.URLs finds them, so trailing punctuation stays
// outside and a URL glued to a word is not one) carries the campaign's UTM
// parameters. URLs that already have a utm_ parameter are kept as written,
// and so are bare domains ("mfa.gov.ua/news"): adding a query to a link
// the author did not write as a link would be a surprise.
//
// X and Mastodon count every URL as 23 characters, so tagging does not
// change a variant's length there; on the other networks the tagged text is
// longer, which is why lengths are measured on the result.
func TagLinks(c Campaign, network limits.Network, text string) string {
	urls := limits.URLs(text)
	if len(urls) == 0 {
		return text
	}
	var b strings.Builder
	pos := 0
	for _, u := range urls {
		i := findURL(text, pos, u)
		if i < 0 {
			continue
		}
		b.WriteString(text[pos:i])
		b.WriteString(TagURL(c, network, u))
		pos = i + len(u)
	}
	b.WriteString(text[pos:])
	return b.String()
}

// findURL returns the byte offset of the URL u at or after from: the first
// occurrence that starts where limits.URLs starts one (not right after a
// letter, a digit, "_", "@", "$" or "#"), so that "foohttps://a.org" earlier
// in the text is not mistaken for it.
func findURL(text string, from int, u string) int {
	for from <= len(text) {
		i := strings.Index(text[from:], u)
		if i < 0 {
			return -1
		}
		i += from
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		if i == 0 || !(unicode.IsLetter(prev) || unicode.IsDigit(prev) || strings.ContainsRune("_@＠$#＃", prev)) {
			return i
		}
		from = i + 1
	}
	return -1
}

// TagURL adds the campaign's UTM parameters (Campaign.TagLink: source the
// network unless the campaign sets one, medium, campaign) to one http(s)
// link, keeping the link exactly as written otherwise: its query keeps its
// order and encoding, a fragment stays last, an internationalised host or
// path is not percent-encoded. A link with any utm_ parameter, or one that
// is not an absolute http(s) URL, is returned unchanged.
func TagURL(c Campaign, network limits.Network, link string) string {
	lower := strings.ToLower(link)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		return link
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return link
	}
	for k := range u.Query() {
		if strings.HasPrefix(strings.ToLower(k), "utm_") {
			return link
		}
	}
	// TagLink decides the parameters; they are spliced into the link as
	// written rather than taking TagLink's re-encoded URL.
	tagged, err := url.Parse(c.TagLink("https://tag.invalid/", string(network)))
	if err != nil || tagged.RawQuery == "" {
		return link
	}
	base, frag, hasFrag := strings.Cut(link, "#")
	switch {
	case !strings.Contains(base, "?"):
		base += "?" + tagged.RawQuery
	case strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&"):
		base += tagged.RawQuery
	default:
		base += "&" + tagged.RawQuery
	}
	if hasFrag {
		return base + "#" + frag
	}
	return base
}

// PublishText returns a variant's text as it will be published: with the
// campaign's UTM parameters on its links. It checks no access: previews
// call it after reading the variant, the publishing engine as the system.
func (s *Service) PublishText(ctx context.Context, variantID int64) (string, error) {
	v, err := getVariant(ctx, s.DB.R(), variantID)
	if err != nil {
		return "", err
	}
	c, err := getCampaign(ctx, s.DB.R(), v.CampaignID)
	if err != nil {
		return "", err
	}
	return TagLinks(c, v.Network, v.Text), nil
}

// PublishLink returns the item's link (link_url) as it will be published
// with a variant: tagged for the variant's network ("" when the item has
// none). Like PublishText, it checks no access.
func (s *Service) PublishLink(ctx context.Context, variantID int64) (string, error) {
	v, err := getVariant(ctx, s.DB.R(), variantID)
	if err != nil {
		return "", err
	}
	var link string
	if err := s.DB.R().QueryRowContext(ctx, "SELECT link_url FROM items WHERE id = ?", v.ItemID).Scan(&link); err != nil {
		return "", err
	}
	if link == "" {
		return "", nil
	}
	c, err := getCampaign(ctx, s.DB.R(), v.CampaignID)
	if err != nil {
		return "", err
	}
	return TagURL(c, v.Network, link), nil
}

// measurePublished measures a variant's text as it will be published on
// acc's network: links tagged, and as a caption when the item has media.
// A zero Campaign (the item is not stored yet) tags nothing.
func measurePublished(c Campaign, network limits.Network, text string, o limits.Options) limits.Measure {
	if c.ID == 0 {
		return limits.Count(network, text, o)
	}
	return limits.Count(network, TagLinks(c, network, text), o)
}
