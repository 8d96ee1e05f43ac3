package secret

import (
	"bytes"
	"testing"
)

func TestDerive(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	a, err := Derive(key, "public-media-url")
	if err != nil || len(a) != 32 {
		t.Fatalf("%x %v", a, err)
	}
	again, _ := Derive(key, "public-media-url")
	other, _ := Derive(key, "something-else")
	rotated, _ := Derive(bytes.Repeat([]byte{8}, 32), "public-media-url")
	switch {
	case !bytes.Equal(a, again):
		t.Error("not deterministic")
	case bytes.Equal(a, other):
		t.Error("labels do not separate keys")
	case bytes.Equal(a, rotated):
		t.Error("another instance key gives the same sub-key")
	case bytes.Equal(a, key):
		t.Error("the sub-key is the key")
	}
	if _, err := Derive(key[:16], "x"); err == nil {
		t.Error("a short key derives")
	}
	if _, err := Derive(key, ""); err == nil {
		t.Error("an empty label derives")
	}
}
