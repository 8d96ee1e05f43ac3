// Package demo loads the demonstration data set: the programme, the nine
// ministries with their missions, a partner ministry and the demo accounts.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// ErrNotEmpty refuses to load demo data over real data.
var ErrNotEmpty = errors.New("the database already holds organisations; demo data is only loaded into an empty database")

type ministry struct {
	slug, name, country, tz string
	missions                [][2]string // slug, name
}

var ministries = []ministry{
	{"mfa-al", "Ministry for Europe and Foreign Affairs of Albania", "AL", "Europe/Tirane", [][2]string{{"al-emb-rome", "Embassy of Albania in Rome"}}},
	{"mfa-ba", "Ministry of Foreign Affairs of Bosnia and Herzegovina", "BA", "Europe/Sarajevo", [][2]string{{"ba-emb-vienna", "Embassy of Bosnia and Herzegovina in Vienna"}}},
	{"mfa-ge", "Ministry of Foreign Affairs of Georgia", "GE", "Asia/Tbilisi", [][2]string{{"ge-emb-berlin", "Embassy of Georgia in Berlin"}, {"ge-emb-warsaw", "Embassy of Georgia in Warsaw"}}},
	{"mfa-xk", "Ministry of Foreign Affairs and Diaspora of Kosovo", "XK", "Europe/Belgrade", [][2]string{{"xk-emb-washington", "Embassy of Kosovo in Washington"}}},
	{"mfa-mk", "Ministry of Foreign Affairs and Foreign Trade of North Macedonia", "MK", "Europe/Skopje", [][2]string{{"mk-emb-athens", "Embassy of North Macedonia in Athens"}}},
	{"mfa-md", "Ministry of Foreign Affairs of the Republic of Moldova", "MD", "Europe/Chisinau", [][2]string{{"md-emb-bucharest", "Embassy of Moldova in Bucharest"}, {"md-emb-brussels", "Mission of Moldova to the EU in Brussels"}}},
	{"mfa-me", "Ministry of Foreign Affairs of Montenegro", "ME", "Europe/Podgorica", [][2]string{{"me-emb-brussels", "Mission of Montenegro to the EU in Brussels"}}},
	{"mfa-rs", "Ministry of Foreign Affairs of the Republic of Serbia", "RS", "Europe/Belgrade", [][2]string{{"rs-emb-vienna", "Embassy of Serbia in Vienna"}}},
	{"mfa-ua", "Ministry of Foreign Affairs of Ukraine", "UA", "Europe/Kyiv", [][2]string{{"ua-emb-warsaw", "Embassy of Ukraine in Poland"}, {"ua-emb-berlin", "Embassy of Ukraine in Germany"}}},
}

type account struct {
	email, name string
	roles       map[string]authz.Role // org slug → role
}

// Accounts lists the demo accounts (all share one password).
var accounts = []account{
	{"organiser@demo.attache.test", "Ana Organiser", map[string]authz.Role{"programme": authz.Admin, "partner-fi": authz.Admin}},
	{"trainer@demo.attache.test", "Tomas Trainer", map[string]authz.Role{"programme": authz.Trainer}},
	{"admin.ua@demo.attache.test", "Olena Kovalenko", map[string]authz.Role{"mfa-ua": authz.Admin, "ua-emb-warsaw": authz.Admin, "ua-emb-berlin": authz.Admin}},
	{"editor.ua@demo.attache.test", "Iryna Shevchenko", map[string]authz.Role{"mfa-ua": authz.Editor, "ua-emb-warsaw": authz.Editor}},
	{"reviewer.ua@demo.attache.test", "Andrii Melnyk", map[string]authz.Role{"mfa-ua": authz.Reviewer}},
	{"analyst.ua@demo.attache.test", "Taras Hnatiuk", map[string]authz.Role{"mfa-ua": authz.Analyst}},
	{"editor.rs@demo.attache.test", "Milica Jovanović", map[string]authz.Role{"mfa-rs": authz.Editor, "rs-emb-vienna": authz.Editor}},
	{"participant.ge@demo.attache.test", "Nino Beridze", map[string]authz.Role{"mfa-ge": authz.Participant, "programme": authz.Participant}},
	{"participant.ua@demo.attache.test", "Oksana Bondarenko", map[string]authz.Role{"mfa-ua": authz.Participant, "programme": authz.Participant}},
	{"participant.md@demo.attache.test", "Mihaela Lungu", map[string]authz.Role{"mfa-md": authz.Participant, "programme": authz.Participant}},
}

// Emails returns the demo account addresses.
func Emails() []string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.email
	}
	return out
}

// Load fills an empty database. When password is empty a random one is
// generated; the password used is returned so the caller can print it once.
func Load(ctx context.Context, d *db.DB, orgs *org.Service, users *auth.Service, password string) (string, error) {
	n, err := org.CountOrgs(ctx, d.R())
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", ErrNotEmpty
	}
	if password == "" {
		b := make([]byte, 10)
		_, _ = rand.Read(b)
		password = "demo-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	}
	a := audit.Actor{Name: "demo"}
	slugs := map[string]int64{}
	add := func(o org.Org) error {
		if err := orgs.CreateBootstrap(ctx, a, &o); err != nil {
			return fmt.Errorf("demo org %s: %w", o.Slug, err)
		}
		slugs[o.Slug] = o.ID
		return nil
	}
	if err := add(org.Org{Slug: "programme", Name: "Regional Digital Diplomacy Programme", Kind: org.Programme, TimeZone: "Europe/Belgrade"}); err != nil {
		return "", err
	}
	for _, m := range ministries {
		if err := add(org.Org{Slug: m.slug, Name: m.name, Kind: org.Ministry, Country: m.country, TimeZone: m.tz}); err != nil {
			return "", err
		}
		for _, ms := range m.missions {
			if err := add(org.Org{Slug: ms[0], Name: ms[1], Kind: org.Mission, ParentID: slugs[m.slug], Country: m.country, TimeZone: m.tz}); err != nil {
				return "", err
			}
		}
	}
	if err := add(org.Org{Slug: "partner-fi", Name: "Ministry for Foreign Affairs of Finland", Kind: org.Partner, Country: "FI", TimeZone: "Europe/Helsinki"}); err != nil {
		return "", err
	}
	for _, acc := range accounts {
		u, err := users.CreateUser(ctx, a, acc.email, acc.name, password)
		if err != nil {
			return "", fmt.Errorf("demo user %s: %w", acc.email, err)
		}
		for slug, role := range acc.roles {
			o := org.Org{ID: slugs[slug], Slug: slug}
			if err := orgs.AddMemberAudited(ctx, a, o, u.ID, role); err != nil {
				return "", fmt.Errorf("demo membership %s in %s: %w", acc.email, slug, err)
			}
		}
	}
	return password, nil
}
