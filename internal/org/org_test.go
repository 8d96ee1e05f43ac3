package org_test

import (
	"strings"
	"testing"

	"github.com/attache-project/attache/internal/org"
)

func TestValidate(t *testing.T) {
	ok := func() org.Org { return org.Org{Slug: "mfa-ua", Name: "Ministry", Kind: org.Ministry} }
	cases := []struct {
		name  string
		edit  func(o *org.Org)
		field string // "" when valid
	}{
		{"valid", func(o *org.Org) {}, ""},
		{"valid mission", func(o *org.Org) { o.Kind, o.ParentID = org.Mission, 1 }, ""},
		{"valid long name", func(o *org.Org) { o.Name = strings.Repeat("ж", 200) }, ""},
		{"empty name", func(o *org.Org) { o.Name = "  " }, "name"},
		{"long name", func(o *org.Org) { o.Name = strings.Repeat("a", 201) }, "name"},
		{"control character in name", func(o *org.Org) { o.Name = "a\x00b" }, "name"},
		{"newline in name", func(o *org.Org) { o.Name = "a\nb" }, "name"},
		{"empty slug", func(o *org.Org) { o.Slug = "" }, "slug"},
		{"upper-case slug", func(o *org.Org) { o.Slug = "MFA" }, "slug"},
		{"slug with underscore", func(o *org.Org) { o.Slug = "a_b" }, "slug"},
		{"slug leading hyphen", func(o *org.Org) { o.Slug = "-a" }, "slug"},
		{"slug trailing hyphen", func(o *org.Org) { o.Slug = "a-" }, "slug"},
		{"slug 65 chars", func(o *org.Org) { o.Slug = strings.Repeat("a", 65) }, "slug"},
		{"slug 64 chars", func(o *org.Org) { o.Slug = strings.Repeat("a", 64) }, ""},
		{"slug path", func(o *org.Org) { o.Slug = "../x" }, "slug"},
		{"unknown kind", func(o *org.Org) { o.Kind = "embassy" }, "kind"},
		{"empty kind", func(o *org.Org) { o.Kind = "" }, "kind"},
		{"mission without parent", func(o *org.Org) { o.Kind = org.Mission }, "parent_id"},
		{"ministry with parent", func(o *org.Org) { o.ParentID = 3 }, "parent_id"},
		{"bad time zone", func(o *org.Org) { o.TimeZone = "Mars/Base" }, "time_zone"},
		{"time zone path", func(o *org.Org) { o.TimeZone = "../../etc/passwd" }, "time_zone"},
		{"time zone Local", func(o *org.Org) { o.TimeZone = "Local" }, "time_zone"},
		{"long country", func(o *org.Org) { o.Country = "UKR" }, "country"},
		{"country digits", func(o *org.Org) { o.Country = "1!" }, "country"},
		{"country non-ASCII", func(o *org.Org) { o.Country = "é" }, "country"},
	}
	for _, c := range cases {
		o := ok()
		c.edit(&o)
		err := o.Validate()
		if got := fieldOf(err); got != c.field {
			t.Errorf("%s: Validate() = %v, want field %q", c.name, err, c.field)
		}
	}
	o := ok()
	o.Country = "ua"
	if err := o.Validate(); err != nil || o.Country != "UA" || o.TimeZone != "UTC" {
		t.Errorf("defaults: %+v %v", o, err)
	}
}

func TestSlugify(t *testing.T) {
	cases := map[string]string{
		"Ministry of Foreign Affairs": "ministry-of-foreign-affairs",
		"  --Hello,  World!-- ":       "hello-world",
		"Київ":                        "",
		"":                            "",
		strings.Repeat("ab ", 50):     "",
	}
	for in, want := range cases {
		got := org.Slugify(in)
		if want != "" && got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
		if got != "" {
			o := org.Org{Slug: got, Name: "x", Kind: org.Ministry}
			if err := o.Validate(); err != nil {
				t.Errorf("Slugify(%q) = %q, which is not a valid slug: %v", in, got, err)
			}
		}
	}
}
