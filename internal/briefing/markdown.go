package briefing

import (
	"regexp"
	"strings"
)

// paragraph is a block of the brief: a heading or running text.
type paragraph struct {
	text    string
	heading bool
}

var (
	mdLink   = regexp.MustCompile(`!?\[([^\]]*)\]\(([^)\s]+)[^)]*\)`)
	mdStrong = regexp.MustCompile(`(\*\*|__)(.+?)(\*\*|__)`)
	mdEm     = regexp.MustCompile(`(^|[\s(])[*_]([^*_\s][^*_]*?)[*_]`)
	mdCode   = regexp.MustCompile("`([^`]*)`")
)

// markdownParagraphs turns a Markdown brief into plain paragraphs: headings
// stay headings, list items become bulleted lines, emphasis and code marks
// are dropped and links keep their address in brackets.
func markdownParagraphs(md string) []paragraph {
	var out []paragraph
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, paragraph{text: strings.Join(cur, " ")})
			cur = nil
		}
	}
	fence := false
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			flush()
			fence = !fence
			continue
		}
		if fence {
			if t != "" {
				out = append(out, paragraph{text: t})
			}
			continue
		}
		switch {
		case t == "":
			flush()
		case strings.HasPrefix(t, "#"):
			flush()
			out = append(out, paragraph{text: inline(strings.TrimSpace(strings.TrimLeft(t, "#"))), heading: true})
		case t == "---" || t == "***" || t == "___":
			flush()
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "+ "):
			flush()
			out = append(out, paragraph{text: "• " + inline(strings.TrimSpace(t[2:]))})
		case isOrdered(t):
			flush()
			out = append(out, paragraph{text: inline(t)})
		case strings.HasPrefix(t, ">"):
			cur = append(cur, inline(strings.TrimSpace(strings.TrimLeft(t, ">"))))
		default:
			cur = append(cur, inline(t))
		}
	}
	flush()
	return out
}

func isOrdered(t string) bool {
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i < len(t)-1 && (t[i] == '.' || t[i] == ')') && t[i+1] == ' '
}

func inline(s string) string {
	s = mdLink.ReplaceAllStringFunc(s, func(m string) string {
		sm := mdLink.FindStringSubmatch(m)
		if sm[1] == "" || sm[1] == sm[2] {
			return sm[2]
		}
		return sm[1] + " (" + sm[2] + ")"
	})
	s = mdStrong.ReplaceAllString(s, "$2")
	s = mdEm.ReplaceAllString(s, "$1$2")
	s = mdCode.ReplaceAllString(s, "$1")
	return s
}
