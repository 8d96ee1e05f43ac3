package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every message must exist in every language.
func TestLanguagesHaveTheSameKeys(t *testing.T) {
	en, err := MessageIDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Supported[1:] {
		other, err := MessageIDs(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range en {
			if !slices.Contains(other, id) {
				t.Errorf("%q is in en.json but not in %s.json", id, lang)
			}
		}
		for _, id := range other {
			if !slices.Contains(en, id) {
				t.Errorf("%q is in %s.json but not in en.json", id, lang)
			}
		}
	}
}

// Every message ID the web templates and handlers use exists in English,
// including the ones built at run time from roles, kinds and areas.
func TestUsedMessagesExist(t *testing.T) {
	en, err := MessageIDs("en")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, id := range en {
		have[id] = true
	}
	used := map[string]string{}
	tmpl := regexp.MustCompile(`\.L\.[TN] "([a-z0-9_.]+)"`)
	code := regexp.MustCompile(`L\.[TN]\("([a-z0-9_.]+)"`)
	keys := regexp.MustCompile(`"((?:nav|coming|role|kind|invitations\.state|tokens\.state)\.[a-z0-9_]+|[a-z0-9]+\.[a-z0-9_.]+)"`)
	web := filepath.Join("..", "web")
	files, _ := filepath.Glob(filepath.Join(web, "templates", "*.html"))
	gofiles, _ := filepath.Glob(filepath.Join(web, "*.go"))
	if len(files) == 0 || len(gofiles) == 0 {
		t.Fatal("no templates or Go files found in ../web")
	}
	for _, f := range append(files, gofiles...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		re := tmpl
		if strings.HasSuffix(f, ".go") {
			re = code
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = f
		}
		// knownReasons in the handlers maps to message IDs too.
		if strings.HasSuffix(f, "pages_auth.go") {
			for _, m := range keys.FindAllStringSubmatch(string(b), -1) {
				if strings.HasPrefix(m[1], "form.") || strings.HasPrefix(m[1], "account.") {
					used[m[1]] = f
				}
			}
		}
	}
	// IDs built at run time.
	for _, s := range []string{"campaigns", "calendar", "inbox", "listening", "analytics", "academy", "alumni", "library"} {
		used["nav."+s] = "nav.go"
		used["coming."+s] = "nav.go"
	}
	used["nav.admin"] = "nav.go"
	for _, r := range []string{"admin", "editor", "reviewer", "analyst", "trainer", "participant", "alumni"} {
		used["role."+r] = "roleKey"
	}
	for _, k := range []string{"programme", "ministry", "mission", "partner"} {
		used["kind."+k] = "kindKey"
	}
	for _, s := range []string{"pending", "accepted", "revoked", "expired"} {
		used["invitations.state."+s] = "invitations.html"
	}
	delete(used, "nav.") // the prefix of the run-time IDs above
	for id, where := range used {
		if !have[id] {
			t.Errorf("message %q (used in %s) is missing from en.json", id, where)
		}
	}
	if len(used) < 100 {
		t.Errorf("found only %d used message IDs; is the scan broken?", len(used))
	}
}

func TestMatchAndPlurals(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"uk-UA,uk;q=0.9,en;q=0.5": "uk", "de-DE": "en", "": "en", "en-GB": "en", "ru;q=0.9, uk;q=0.8": "uk"} {
		if got := b.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
	uk := b.For("uk")
	for n, want := range map[int]string{1: "1 день", 3: "3 дні", 5: "5 днів", 21: "21 день"} {
		if got := uk.N("tokens.days", n); got != want {
			t.Errorf("uk tokens.days %d = %q, want %q", n, got, want)
		}
	}
	if got := b.For("en").T("login.oidc", "Name", "EU Login"); got != "Sign in with EU Login" {
		t.Errorf("en login.oidc = %q", got)
	}
	if got := b.For("xx").T("login.title"); got != "Sign in" {
		t.Errorf("unsupported language falls back to English: got %q", got)
	}
}
