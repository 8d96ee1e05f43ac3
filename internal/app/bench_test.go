package app_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/testutil"
)

// BenchmarkAPI measures requests through the whole handler (middleware,
// token lookup, authorisation, store) on both engines, with /healthz as the
// side-by-side baseline of pure HTTP and middleware cost.
func BenchmarkAPI(b *testing.B) {
	for _, e := range testutil.Engines(b) {
		f := NewFixture(b, e)
		tok := f.Members["editor"].Token
		for _, c := range []struct{ name, path, token string }{
			{"healthz", "/healthz", ""},
			{"me", "/api/v1/me", tok},
			{"members", "/api/v1/orgs/" + f.A.Slug + "/members", tok},
		} {
			b.Run(e.Name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req := httptest.NewRequest("GET", c.path, nil)
						if c.token != "" {
							req.Header.Set("Authorization", "Bearer "+c.token)
						}
						rec := httptest.NewRecorder()
						f.H.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body.String())
						}
					}
				})
			})
		}
	}
}

// BenchmarkPasswordHash is the cost of one sign-in's argon2id check.
func BenchmarkPasswordHash(b *testing.B) {
	h, err := auth.HashPassword("benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if !auth.VerifyPassword(h, "benchmark password") {
			b.Fatal("verify failed")
		}
	}
}
