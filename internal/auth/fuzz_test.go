package auth_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/attache-project/attache/internal/auth"
)

func FuzzNormaliseEmail(f *testing.F) {
	for _, s := range []string{"a@b.co", " A@B.CO ", "x", "a@b", "a b@c.d", "<a@b.c>", "\"a b\"@c.d", "a@[127.0.0.1]", "İ@x.io", "a@b.c\x00", "Ana <a@b.c>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := auth.NormaliseEmail(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "email: ") {
				t.Fatalf("error does not name the field: %v", err)
			}
			return
		}
		if got == "" || len(got) > 254 || got != strings.ToLower(got) || strings.TrimSpace(got) != got || !utf8.ValidString(got) {
			t.Fatalf("NormaliseEmail(%q) = %q: not a normal form", in, got)
		}
		if strings.ContainsAny(got, "<>, \x00\n\r") && !strings.HasPrefix(got, `"`) {
			t.Fatalf("NormaliseEmail(%q) = %q: not a bare address", in, got)
		}
		again, err := auth.NormaliseEmail(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, got, again, err)
		}
	})
}

// FuzzVerifyPassword feeds arbitrary stored-hash strings: no panic, and
// no match unless the hash really is of the password.
func FuzzVerifyPassword(f *testing.F) {
	f.Add(smallHash+"x2V5", "pw")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5a2V5", "pw")
	f.Add("$argon2id$v=19$m=64,t=0,p=1$c2FsdA$a2V5a2V5", "pw")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		// Cap the memory parameter so the fuzzer does not allocate
		// gigabytes; the cap in VerifyPassword itself is tested above.
		parts := strings.Split(hash, "$")
		if len(parts) == 6 {
			var m, tt uint32
			var p uint8
			if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tt, &p); err == nil && (m > 4096 || tt > 4 || p > 4 || len(parts[5]) > 200) {
				t.Skip()
			}
		}
		// A panic would take the whole test binary down: report it instead.
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("VerifyPassword(%q) panicked: %v", hash, r)
			}
		}()
		if auth.VerifyPassword(hash, pw) && !strings.HasPrefix(hash, "$argon2id$") {
			t.Fatalf("VerifyPassword(%q, %q) accepted a non-argon2id hash", hash, pw)
		}
	})
}
