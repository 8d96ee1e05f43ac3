package limits

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Count measures text as network n counts it. The text is measured as given
// (it is not trimmed); an empty text fits every network, since a post with
// media may carry none. Bytes is always len(text).
func Count(n Network, text string, o Options) Measure {
	m := Measure{Network: n, Bytes: len(text)}
	switch n {
	case X:
		m.Unit, m.Limit = UnitWeighted, XMaxWeighted
		m.Length = xWeightedLength(text)
	case Bluesky:
		m.Unit, m.Limit = UnitGraphemes, BlueskyMaxGraphemes
		m.ByteLimit = BlueskyMaxBytes
		m.Length = uniseg.GraphemeClusterCount(text)
	case Mastodon:
		m.Unit, m.Limit = UnitGraphemes, MastodonDefaultMax
		if o.MastodonMaxChars > 0 {
			m.Limit = o.MastodonMaxChars
		}
		m.Length = uniseg.GraphemeClusterCount(mastodonCountable(text))
	case Telegram:
		m.Unit, m.Limit = UnitUTF16, TelegramMaxText
		if o.HasMedia {
			m.Limit = TelegramMaxCaption
		}
		m.Length = utf16Length(text)
	case Instagram:
		m.Unit, m.Limit = UnitUTF16, InstagramMaxCaption
		m.Length = utf16Length(text)
		m.Hashtags, m.HashtagLimit = countHashtags(text), InstagramMaxHashtags
	case Facebook:
		m.Unit, m.Limit = UnitUTF16, FacebookMaxMessage
		m.Length = utf16Length(text)
	case LinkedIn:
		m.Unit, m.Limit = UnitUTF16, LinkedInMaxCommentary
		m.Length = utf16Length(text)
	case Viber:
		m.Unit, m.Limit = UnitUTF16, ViberMaxText
		if o.HasMedia {
			m.Limit = ViberMaxCaption
		}
		m.Length = utf16Length(text)
	case Threads:
		m.Unit, m.Limit = UnitCharacters, ThreadsMaxText
		m.Length = threadsLength(text)
	case Email, Website:
		m.Unit, m.Limit = UnitCharacters, NoPracticalLimit
		m.Length = utf8.RuneCountInString(text)
	default:
		// Unknown network: report code points against no limit; OK is false
		// and Problems names the network.
		m.Unit = UnitCharacters
		m.Length = utf8.RuneCountInString(text)
	}
	return m
}

// utf16Length is the number of UTF-16 code units of text: 2 for a code point
// above U+FFFF (most emoji), 1 otherwise. Invalid UTF-8 bytes count 1 each
// (they arrive as U+FFFD).
func utf16Length(text string) int {
	n := 0
	for _, r := range text {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// twitter-text config v3: weights are in hundredths of a character.
const (
	xScale         = 100
	xDefaultWeight = 200
)

// xRanges are the code point ranges of weight 100 in twitter-text config v3;
// every other code point weighs defaultWeight 200.
var xRanges = [...][2]rune{
	{0x0000, 0x10FF},
	{0x2000, 0x200D},
	{0x2010, 0x201F},
	{0x2032, 0x2037},
}

func xWeight(r rune) int {
	for _, rg := range xRanges {
		if r >= rg[0] && r <= rg[1] {
			return 100
		}
	}
	return xDefaultWeight
}

// xWeightedLength follows twitter-text's parseTweet with config v3: NFC
// normalisation; each URL counts transformedURLLength (23) whatever its
// length; each emoji (a whole sequence: ZWJ family, flag, skin tone, keycap)
// counts defaultWeight (2); every other code point counts its range weight.
func xWeightedLength(text string) int {
	t := norm.NFC.String(text)
	total := 0
	pos := 0
	for _, sp := range urlSpans(t) {
		total += xSegment(t[pos:sp.start])
		total += XURLLength * xScale
		pos = sp.end
	}
	total += xSegment(t[pos:])
	return total / xScale
}

func xSegment(s string) int {
	total := 0
	state := -1
	var cluster string
	for s != "" {
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if isEmojiCluster(cluster) {
			total += xDefaultWeight
			continue
		}
		for _, r := range cluster {
			total += xWeight(r)
		}
	}
	return total
}

// threadsLength follows the Threads API's rule "Emojis are counted as the
// number of UTF-8 bytes": an emoji sequence counts its UTF-8 bytes (🌾 4,
// 👨‍👩‍👧‍👦 25); other text counts UTF-16 code units (the conservative
// reading of "characters": Meta does not say which).
func threadsLength(text string) int {
	total := 0
	state := -1
	var cluster string
	for text != "" {
		cluster, text, _, state = uniseg.FirstGraphemeClusterInString(text, state)
		if isEmojiCluster(cluster) {
			total += len(cluster)
			continue
		}
		total += utf16Length(cluster)
	}
	return total
}

// mastodonCountable rewrites text as Mastodon's StatusLengthValidator does
// before counting: every URL with a scheme becomes 23 characters, and a
// remote mention @user@domain becomes its local part @user. Bare domains
// (no scheme) are counted as written.
func mastodonCountable(text string) string {
	var b strings.Builder
	pos := 0
	for _, sp := range urlSpans(text) {
		if !sp.scheme {
			continue
		}
		b.WriteString(stripMentionDomains(text[pos:sp.start]))
		b.WriteString("xxxxxxxxxxxxxxxxxxxxxxx") // 23
		pos = sp.end
	}
	b.WriteString(stripMentionDomains(text[pos:]))
	return b.String()
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isMentionUserByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// stripMentionDomains drops the "@domain" of each remote mention, after
// Mastodon's Account::MENTION_RE: "@" not preceded by "=", "/" or a word
// character; a username [a-z0-9_]+([.-]+[a-z0-9_]+)*; then "@" and a domain
// of at least two characters ending in a letter or digit.
func stripMentionDomains(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		at := strings.IndexByte(s[i:], '@')
		if at < 0 {
			break
		}
		at += i
		b.WriteString(s[i:at])
		i = at
		if at > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:at])
			if prev == '=' || prev == '/' || isWordRune(prev) {
				b.WriteByte('@')
				i = at + 1
				continue
			}
		}
		// username
		j := at + 1
		for j < len(s) && isMentionUserByte(s[j]) {
			j++
		}
		if j == at+1 {
			b.WriteByte('@')
			i = at + 1
			continue
		}
		for {
			k := j
			for k < len(s) && (s[k] == '.' || s[k] == '-') {
				k++
			}
			if k == j || k >= len(s) || !isMentionUserByte(s[k]) {
				break
			}
			for k < len(s) && isMentionUserByte(s[k]) {
				k++
			}
			j = k
		}
		b.WriteString(s[at:j]) // "@user"
		i = j
		// remote part
		if j < len(s) && s[j] == '@' {
			k := j + 1
			last := k
			for k < len(s) {
				r, size := utf8.DecodeRuneInString(s[k:])
				if r == '.' || r == '-' {
					k += size
					continue
				}
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					k += size
					last = k
					continue
				}
				break
			}
			// The domain is [[:alnum:].-]+[[:alnum:]]+: at least two
			// characters, ending in a letter or digit.
			if last-(j+1) >= 2 {
				i = last
			}
		}
	}
	b.WriteString(s[i:])
	return b.String()
}

// countHashtags counts Instagram hashtags: "#" (or fullwidth "＃") not
// preceded by a word character, "&" or another "#", followed by at least one
// letter, digit, mark or "_". Every occurrence counts, repeated or not (the
// conservative reading).
func countHashtags(text string) int {
	n := 0
	prev := rune(-1)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r == '#' || r == '＃') && !(prev >= 0 && (isWordRune(prev) || prev == '&' || prev == '#' || prev == '＃')) {
			j := i + size
			k := j
			for k < len(text) {
				q, qs := utf8.DecodeRuneInString(text[k:])
				if !(isWordRune(q) || unicode.Is(unicode.M, q)) {
					break
				}
				k += qs
			}
			if k > j {
				n++
				last, _ := utf8.DecodeLastRuneInString(text[:k])
				prev = last
				i = k
				continue
			}
		}
		prev = r
		i += size
	}
	return n
}
