package config_test

import (
	"strings"
	"testing"
)

// The OAuth apps for connecting channel accounts: from flags or the
// environment, complete or refused at start, never echoed.
func TestOAuthApps(t *testing.T) {
	c, err := load(t, []string{"--oauth-x-client-id", "x-id"}, map[string]string{
		"ATTACHE_OAUTH_META_APP_ID": "meta-id", "ATTACHE_OAUTH_META_APP_SECRET": "meta-secret-value",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.OAuthXID != "x-id" || c.OAuthMetaID != "meta-id" || c.OAuthMetaSecret != "meta-secret-value" {
		t.Fatalf("read %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("an X public client and a Meta app: %v", err)
	}
	c, _ = load(t, []string{"--oauth-linkedin-client-id", "li", "--oauth-threads-app-secret", "th-secret-value"}, nil)
	err = c.Validate()
	if err == nil || !strings.Contains(err.Error(), "--oauth-linkedin-client-secret") || !strings.Contains(err.Error(), "--oauth-threads-app-id") {
		t.Fatalf("incomplete apps: %v", err)
	}
	if strings.Contains(err.Error(), "th-secret-value") {
		t.Fatalf("the error shows a secret: %v", err)
	}
}
