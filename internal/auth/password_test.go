package auth_test

import (
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/auth"
)

func TestPasswordRoundTrip(t *testing.T) {
	for _, pw := range []string{"correct horse battery staple", "пароль-достатньо-довгий", strings.Repeat("x", 1024)} {
		h, err := auth.HashPassword(pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
			t.Errorf("hash %q is not the expected PHC argon2id form", h)
		}
		if !auth.VerifyPassword(h, pw) {
			t.Errorf("VerifyPassword rejects the right password %.20q", pw)
		}
		if auth.VerifyPassword(h, pw+"x") || auth.VerifyPassword(h, "") {
			t.Errorf("VerifyPassword accepts a wrong password")
		}
		h2, _ := auth.HashPassword(pw)
		if h == h2 {
			t.Error("two hashes of one password are equal: no salt?")
		}
	}
}

// A valid hash of "pw" with tiny parameters, for tampering.
const smallHash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{
		"",
		"$",
		"$argon2id$",
		"plain-text-password",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$a2V5a2V5$extra",
		"$argon2id$v=19$m=x,t=1,p=1$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=300$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=64,t=99,p=1$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=-1,t=1,p=1$c2FsdA$a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$a2V5a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$!!!",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA==$a2V5a2V5",
		// t=0 must be refused, not passed on to argon2 (which panics).
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdA$a2V5a2V5",
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("VerifyPassword(%q) panicked: %v", h, r)
				}
			}()
			if auth.VerifyPassword(h, "pw") {
				t.Errorf("VerifyPassword(%q) accepted", h)
			}
		}()
	}
}

func TestPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		pw, email string
		ok        bool
	}{
		{"twelve chars", "", true},
		{"eleven char", "", false},
		{"дванадцять!!", "", true}, // 12 runes, more bytes
		{strings.Repeat("x", 1025), "", false},
		{"Someone@Example.org", "someone@example.org", false},
	} {
		err := auth.CheckPasswordPolicy(c.pw, c.email)
		if (err == nil) != c.ok {
			t.Errorf("CheckPasswordPolicy(%.20q) = %v, want ok=%v", c.pw, err, c.ok)
		}
		if err != nil && authField(err) != "password" {
			t.Errorf("policy error does not name the password field: %v", err)
		}
	}
}
