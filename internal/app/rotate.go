package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/secret"
)

// sealedColumns lists every column holding secret.Box values, as
// table.id-column.value-column. Later features add their columns here.
var sealedColumns = [][3]string{
	{"users", "id", "totp_secret"},
	{"channel_accounts", "id", "credentials"},
	{"oauth_states", "id", "verifier"},
	{"oauth_states", "id", "pending"},
	{"credential_keys", "id", "private_key"}, // the academy's certificate signing keys
}

// RotateSecretKey re-encrypts every secret at rest under newKey (a random
// one when nil) in one transaction and returns the new key. When the current
// key comes from DATA/secret.key, the file is replaced too: the new key is
// written beside it first and renamed over it after the commit.
func (a *App) RotateSecretKey(ctx context.Context, newKey []byte) ([]byte, int, error) {
	if newKey == nil {
		newKey = make([]byte, 32)
		if _, err := rand.Read(newKey); err != nil {
			return nil, 0, err
		}
	}
	nb, err := secret.New(newKey)
	if err != nil {
		return nil, 0, err
	}
	keyFile := filepath.Join(a.Config.Data, "secret.key")
	fromFile := a.Config.SecretKey == ""
	if fromFile {
		if err := os.WriteFile(keyFile+".new", []byte(base64.StdEncoding.EncodeToString(newKey)+"\n"), 0o600); err != nil {
			return nil, 0, fmt.Errorf("write new key file: %w", err)
		}
	}
	n := 0
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range sealedColumns {
			rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s <> ''", c[1], c[2], c[0], c[2]))
			if err != nil {
				return err
			}
			type row struct {
				id  int64
				val string
			}
			var rs []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.val); err != nil {
					rows.Close()
					return err
				}
				rs = append(rs, r)
			}
			rows.Close()
			for _, r := range rs {
				plain, err := a.Auth.Box.Open(r.val)
				if err != nil {
					return fmt.Errorf("%s %d: %w", c[0], r.id, err)
				}
				sealed, err := nb.Seal(plain)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", c[0], c[2], c[1]), sealed, r.id); err != nil {
					return err
				}
				n++
			}
		}
		return audit.Append(ctx, tx, audit.CLI.Entry(0, "secret.rotate", "secret-key", map[string]string{"values": fmt.Sprint(n)}))
	})
	if err != nil {
		if fromFile {
			os.Remove(keyFile + ".new")
		}
		return nil, 0, fmt.Errorf("rotate secret key: %w", err)
	}
	if fromFile {
		if err := os.Rename(keyFile+".new", keyFile); err != nil {
			return newKey, n, fmt.Errorf("secrets are re-encrypted but %s.new could not replace %s: rename it by hand: %w", keyFile, keyFile, err)
		}
	}
	a.Auth.Box = nb
	return newKey, n, nil
}
