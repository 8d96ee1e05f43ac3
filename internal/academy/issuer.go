package academy

// The signing side of certificates: the instance's Ed25519 key (generated
// once, sealed with the secret box in credential_keys), the did:web issuer
// it makes, the DID document and JWKS that publish every key, and the
// revocation status list, signed again after each change.
//
// did:web names a domain. An instance whose base URL is a loopback address
// (the default http://127.0.0.1:8080) is the same machine as "localhost",
// so its DID is did:web:localhost%3A8080 and a resolver fetching
// http://localhost:8080/.well-known/did.json reaches it. Any other IP
// address, or a base URL with a path (Attaché serves from the root of its
// host), cannot be a did:web: such an instance still issues certificates
// with their verification code, PDF and public verification page, but
// without a signed credential, and says why in its log; the credential is
// signed the first time it is needed once --base-url names a domain.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/credential"
	"github.com/attache-project/attache/internal/db"
)

// StatusListID is the number of the one revocation list; its URL is
// {base}/credentials/status/1. One list of 131,072 entries holds the
// certificates of a programme for many years.
const StatusListID = 1

// SigningUnavailable says why this instance cannot sign credentials; the
// reason is for the operator.
type SigningUnavailable struct{ Reason string }

func (e *SigningUnavailable) Error() string {
	return "certificates are issued without a signed credential: " + e.Reason
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// DIDBase is the base URL that names the instance's did:web: the base URL
// itself, with a loopback IP address replaced by "localhost". Other IP
// addresses and base URLs with a path are refused with the reason.
func DIDBase(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(baseURL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &SigningUnavailable{Reason: fmt.Sprintf("the base URL %q is not an http(s) URL", baseURL)}
	}
	if strings.Trim(u.Path, "/") != "" {
		return "", &SigningUnavailable{Reason: fmt.Sprintf("the base URL %q has a path; Attaché serves its did:web document from the root of its host (set --base-url to https://your.domain)", baseURL)}
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil {
		if !ip.IsLoopback() {
			return "", &SigningUnavailable{Reason: fmt.Sprintf("the base URL %q names an IP address, and did:web needs a domain name (set --base-url to https://your.domain)", baseURL)}
		}
		host := "localhost"
		if p := u.Port(); p != "" {
			host += ":" + p
		}
		u.Host = host
	}
	u.Path, u.RawPath = "", ""
	return u.String(), nil
}

// signingKey is a row of credential_keys.
type signingKey struct {
	ID       int64
	Fragment string
	Public   string // publicKeyMultibase
	Sealed   string
	Retired  *time.Time
}

func listSigningKeys(ctx context.Context, q db.Queryer) ([]signingKey, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, fragment, public_key, private_key, retired_at FROM credential_keys ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	defer rows.Close()
	var out []signingKey
	for rows.Next() {
		var k signingKey
		if err := rows.Scan(&k.ID, &k.Fragment, &k.Public, &k.Sealed, &k.Retired); err != nil {
			return nil, fmt.Errorf("list signing keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// current is the newest key not retired.
func current(keys []signingKey) (signingKey, bool) {
	for i := len(keys) - 1; i >= 0; i-- {
		if keys[i].Retired == nil {
			return keys[i], true
		}
	}
	return signingKey{}, false
}

// insertKey generates a key under the fragment key-{n}. Two instances
// creating the first key at once both insert "key-1": one wins, and both
// then read the same key.
func (s *Service) insertKey(ctx context.Context, q db.Queryer, n int) (string, error) {
	priv, err := credential.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	seed, err := credential.MarshalPrivateKey(priv)
	if err != nil {
		return "", err
	}
	sealed, err := s.Box.Seal(seed)
	if err != nil {
		return "", fmt.Errorf("seal signing key: %w", err)
	}
	fragment := "key-" + strconv.Itoa(n)
	_, err = q.ExecContext(ctx, `INSERT INTO credential_keys (fragment, public_key, private_key, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (fragment) DO NOTHING`, fragment, credential.PublicKeyMultibase(priv.Public().(ed25519.PublicKey)), sealed, now())
	if err != nil {
		return "", fmt.Errorf("store signing key: %w", err)
	}
	return fragment, nil
}

// Issuer returns the issuer that signs in the name of the programme
// organisation called name, generating the instance's key the first time.
// It is a *SigningUnavailable when this instance cannot sign.
func (s *Service) Issuer(ctx context.Context, name string) (*credential.Issuer, error) {
	if s.Box == nil {
		return nil, &SigningUnavailable{Reason: "no secret key is configured to seal the signing key"}
	}
	base, err := DIDBase(s.BaseURL)
	if err != nil {
		return nil, err
	}
	keys, err := listSigningKeys(ctx, s.DB.R())
	if err != nil {
		return nil, err
	}
	cur, ok := current(keys)
	if !ok {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			keys, err := listSigningKeys(ctx, tx)
			if err != nil {
				return err
			}
			if _, ok := current(keys); ok {
				return nil
			}
			fragment, err := s.insertKey(ctx, tx, len(keys)+1)
			if err != nil {
				return err
			}
			return audit.Append(ctx, tx, audit.System.Entry(0, "credential.key.create", "credential-key:"+fragment, nil))
		})
		if err != nil {
			return nil, err
		}
		if keys, err = listSigningKeys(ctx, s.DB.R()); err != nil {
			return nil, err
		}
		if cur, ok = current(keys); !ok {
			return nil, errors.New("signing key: none after creating one")
		}
	}
	seed, err := s.Box.Open(cur.Sealed)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", cur.Fragment, err)
	}
	priv, err := credential.UnmarshalPrivateKey(seed)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", cur.Fragment, err)
	}
	if strings.TrimSpace(name) == "" {
		name = "Attaché"
	}
	is, err := credential.NewIssuer(base, name, priv)
	if err != nil {
		return nil, &SigningUnavailable{Reason: err.Error()}
	}
	is.KeyFragment = cur.Fragment
	is.URL = s.BaseURL
	for _, k := range keys {
		if k.ID == cur.ID {
			continue
		}
		pub, err := credential.ParsePublicKeyMultibase(k.Public)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", k.Fragment, err)
		}
		is.Retired = append(is.Retired, credential.PublicKey{Fragment: k.Fragment, Key: pub})
	}
	return is, nil
}

// RotateSigningKey retires the current key and signs from now on with a
// new one under the next fragment; the retired key stays in the DID
// document and the JWKS, so that what it signed keeps verifying. The
// status list is signed again with the new key. It returns the new key's
// fragment.
func (s *Service) RotateSigningKey(ctx context.Context, a audit.Actor) (string, error) {
	if _, err := s.Issuer(ctx, ""); err != nil { // makes sure there is a key to retire
		return "", err
	}
	var fragment string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		keys, err := listSigningKeys(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE credential_keys SET retired_at = ? WHERE retired_at IS NULL", now()); err != nil {
			return fmt.Errorf("retire signing key: %w", err)
		}
		if fragment, err = s.insertKey(ctx, tx, len(keys)+1); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(0, "credential.key.rotate", "credential-key:"+fragment, nil))
	})
	if err != nil {
		return "", err
	}
	is, err := s.Issuer(ctx, "")
	if err != nil {
		return fragment, err
	}
	return fragment, s.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := s.signStatusList(ctx, tx, is)
		return err
	})
}

// StatusListURL is the URL of the revocation list.
func (s *Service) StatusListURL() string {
	return s.BaseURL + "/credentials/status/" + strconv.Itoa(StatusListID)
}

// signStatusList builds the revocation list from the revoked certificates
// as q sees them, signs it and stores it.
func (s *Service) signStatusList(ctx context.Context, q db.Queryer, is *credential.Issuer) ([]byte, error) {
	list, err := credential.NewStatusList(credential.MinStatusListSize)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT status_index FROM certificates WHERE revoked_at IS NOT NULL")
	if err != nil {
		return nil, fmt.Errorf("status list: %w", err)
	}
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			rows.Close()
			return nil, fmt.Errorf("status list: %w", err)
		}
		if err := list.Set(i, true); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t := now()
	signed, err := is.StatusListCredential(s.StatusListURL(), list, t)
	if err != nil {
		return nil, err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO credential_status_lists (id, credential, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET credential = excluded.credential, updated_at = excluded.updated_at`, StatusListID, string(signed), t)
	if err != nil {
		return nil, fmt.Errorf("store status list: %w", err)
	}
	return signed, nil
}

// StatusList returns the signed revocation list to serve at
// /credentials/status/{id}: as stored, or signed now the first time.
// Unknown lists, and lists of an instance that cannot sign, are
// db.ErrNotFound.
func (s *Service) StatusList(ctx context.Context, id int64) ([]byte, error) {
	if id != StatusListID {
		return nil, db.ErrNotFound
	}
	var stored string
	err := s.DB.R().QueryRowContext(ctx, "SELECT credential FROM credential_status_lists WHERE id = ?", id).Scan(&stored)
	if err != nil && !isNoRows(err) {
		return nil, fmt.Errorf("status list: %w", err)
	}
	if err == nil {
		// As stored, unless it was signed for another base URL (the
		// operator changed --base-url): then it is signed again below.
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal([]byte(stored), &head) == nil && head.ID == s.StatusListURL() {
			return []byte(stored), nil
		}
	}
	is, err := s.Issuer(ctx, "")
	var su *SigningUnavailable
	if errors.As(err, &su) {
		return nil, db.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var signed []byte
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		signed, err = s.signStatusList(ctx, tx, is)
		return err
	})
	return signed, err
}

// DIDDocument returns the instance's DID document (every key, current and
// retired); db.ErrNotFound when it cannot sign.
func (s *Service) DIDDocument(ctx context.Context) ([]byte, error) {
	is, err := s.publicIssuer(ctx)
	if err != nil {
		return nil, err
	}
	return is.DIDDocument()
}

// JWKS returns the same keys as a JSON Web Key Set.
func (s *Service) JWKS(ctx context.Context) ([]byte, error) {
	is, err := s.publicIssuer(ctx)
	if err != nil {
		return nil, err
	}
	return is.JWKS()
}

func (s *Service) publicIssuer(ctx context.Context) (*credential.Issuer, error) {
	is, err := s.Issuer(ctx, "")
	var su *SigningUnavailable
	if errors.As(err, &su) {
		return nil, db.ErrNotFound
	}
	return is, err
}
