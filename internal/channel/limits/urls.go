package limits

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// URLs returns the URLs in text, in order, as X (twitter-text) finds them:
// http:// and https:// URLs, and bare domains such as mfa.gov.ua/news whose
// top-level domain is a common generic one or a country code. Trailing
// sentence punctuation is not part of a URL ("see https://mfa.gov.ua." gives
// "https://mfa.gov.ua"), and a closing parenthesis is kept only when the URL
// opened one. A domain right after "@" (an e-mail address or a mention) is
// not a URL.
//
// X counts every URL found here as 23 characters; Mastodon does so only for
// those with a scheme.
func URLs(text string) []string {
	spans := urlSpans(text)
	if len(spans) == 0 {
		return nil
	}
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = text[sp.start:sp.end]
	}
	return out
}

type urlSpan struct {
	start, end int // byte offsets
	scheme     bool
}

func urlSpans(s string) []urlSpan {
	var spans []urlSpan
	prev := rune(-1)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z' || r >= '0' && r <= '9') {
			if end, scheme, ok := matchURL(s, i, prev); ok {
				spans = append(spans, urlSpan{start: i, end: end, scheme: scheme})
				last, _ := utf8.DecodeLastRuneInString(s[:end])
				prev = last
				i = end
				continue
			}
		}
		prev = r
		i += size
	}
	return spans
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// matchURL tries to match a URL starting at byte i, where prev is the rune
// before it (-1 at the start of the text).
func matchURL(s string, i int, prev rune) (end int, scheme bool, ok bool) {
	if prev >= 0 && (unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '_' ||
		prev == '@' || prev == '＠' || prev == '$' || prev == '#' || prev == '＃') {
		return 0, false, false
	}
	j := i
	switch {
	case hasPrefixFold(s[i:], "https://"):
		j, scheme = i+len("https://"), true
	case hasPrefixFold(s[i:], "http://"):
		j, scheme = i+len("http://"), true
	default:
		// A bare domain may not continue a dotted or hyphenated word
		// ("a.b.mfa.gov.ua" is matched whole at "a", not again at "b"),
		// nor a path.
		if prev == '.' || prev == '-' || prev == '/' || prev == '\\' {
			return 0, false, false
		}
	}
	hostEnd, ok := matchHost(s, j, scheme)
	if !ok {
		return 0, false, false
	}
	k := hostEnd
	// port
	if k < len(s) && s[k] == ':' {
		p := k + 1
		for p < len(s) && s[p] >= '0' && s[p] <= '9' {
			p++
		}
		if p > k+1 {
			k = p
		}
	}
	hasPath := false
	if k < len(s) && (s[k] == '/' || s[k] == '?' || s[k] == '#') {
		k = matchPath(s, k)
		hasPath = true
	}
	// A bare domain must not run into a word: "mfa.gov.uafoo" failed in
	// matchHost, but "mfa.gov.ua@x" is an e-mail-like thing.
	if !hasPath && k < len(s) {
		r, _ := utf8.DecodeRuneInString(s[k:])
		if r == '@' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			return 0, false, false
		}
	}
	if !scheme && !hasPath && isShortCCDomain(s[i:hostEnd]) {
		return 0, false, false
	}
	return k, scheme, true
}

// matchHost matches a host name at s[j:]. After a scheme it accepts any
// letters and digits (internationalised names such as мзс.укр) and IPv4
// addresses; without one it accepts only ASCII names with a known top-level
// domain, as twitter-text does.
func matchHost(s string, j int, scheme bool) (int, bool) {
	k := j
	labels := 0
	lastStart := j
	for {
		start := k
		for k < len(s) {
			r, size := utf8.DecodeRuneInString(s[k:])
			if r == '-' || r == '_' && scheme || r < utf8.RuneSelf && (r|0x20 >= 'a' && r|0x20 <= 'z' || r >= '0' && r <= '9') ||
				scheme && r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)) {
				k += size
				continue
			}
			break
		}
		if k == start {
			// empty label: back off the dot that led here
			if labels > 0 {
				k = start - 1
			}
			break
		}
		labels++
		lastStart = start
		if k+1 < len(s) && s[k] == '.' {
			k++
			continue
		}
		break
	}
	if labels < 2 {
		return 0, false
	}
	host := s[j:k]
	tld := s[lastStart:k]
	if scheme {
		if isIPv4(host) {
			return k, true
		}
		// The last label must be a plausible top-level domain: two or more
		// letters, or punycode.
		if hasPrefixFold(tld, "xn--") {
			return k, true
		}
		n := 0
		for _, r := range tld {
			if !unicode.IsLetter(r) {
				return 0, false
			}
			n++
		}
		return k, n >= 2
	}
	if strings.HasPrefix(host, "-") || !isKnownTLD(tld) {
		return 0, false
	}
	return k, true
}

func isIPv4(h string) bool {
	parts := strings.Split(h, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// isShortCCDomain is twitter-text's invalid_short_domain: without a scheme
// or a path, a name of at most two characters under a country code
// ("ab.ua") is not linked.
func isShortCCDomain(host string) bool {
	dot := strings.IndexByte(host, '.')
	if dot < 0 || strings.IndexByte(host[dot+1:], '.') >= 0 {
		return false
	}
	return dot <= 2 && len(host)-dot-1 == 2
}

func isPathRune(r rune) bool {
	if r < utf8.RuneSelf {
		if r|0x20 >= 'a' && r|0x20 <= 'z' || r >= '0' && r <= '9' {
			return true
		}
		return strings.ContainsRune("!*';:=+,.$/%#[]-_~|&@?()", r)
	}
	// twitter-text also allows Cyrillic and accented Latin letters in paths.
	return r == '–' || unicode.Is(unicode.Cyrillic, r) || r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7
}

// matchPath matches a path, query and fragment from s[k] ('/', '?' or '#')
// and trims what twitter-text would not end a URL with.
func matchPath(s string, k int) int {
	end := k
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if !isPathRune(r) {
			break
		}
		end += size
	}
	// Trim trailing punctuation; keep a ')' that closes a '(' in the URL.
	opens := strings.Count(s[k:end], "(")
	closes := strings.Count(s[k:end], ")")
	for end > k+1 {
		c := s[end-1]
		switch {
		case c == ')':
			if opens >= closes {
				return end
			}
			closes--
		case c == '(':
			opens--
		case strings.IndexByte(".,;:!?'*~|[]$%@", c) < 0:
			return end
		}
		end--
	}
	return end
}

func isKnownTLD(tld string) bool {
	t := strings.ToLower(tld)
	if len(t) == 2 {
		return strings.Contains(ccTLDs, " "+t+" ")
	}
	return strings.Contains(gTLDs, " "+t+" ")
}

// ccTLDs are the delegated country-code top-level domains (IANA root zone).
const ccTLDs = " ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bv bw by bz" +
	" ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr" +
	" ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp" +
	" ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu" +
	" mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa" +
	" sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug" +
	" uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw "

// gTLDs are the common generic top-level domains; twitter-text's full list
// is longer, but a bare domain under a rare one is rare in a ministry's post
// (and with https:// any domain is found).
const gTLDs = " com net org edu gov mil int info biz name pro mobi aero asia cat coop jobs museum tel travel" +
	" app blog cloud dev digital eco global green news online org press site social space store tech today website world" +
	" africa berlin brussels london moscow paris tokyo wien "
