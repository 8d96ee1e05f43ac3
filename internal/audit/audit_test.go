package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/testutil"
)

func appendN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, audit.Actor{UserID: 1, Name: "a@example.org", IP: "192.0.2.1"}.Entry(int64(i%3+1), "member.role", fmt.Sprintf("user:%d", i), map[string]string{"to": "editor"}))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		tamper  string
		wantSeq int64
	}{
		{"intact", "", 0},
		{"altered detail", "UPDATE audit_log SET detail = '{\"to\":\"admin\"}' WHERE seq = 4", 4},
		{"altered actor", "UPDATE audit_log SET actor = 'someone@else.org' WHERE seq = 2", 2},
		{"removed middle row", "DELETE FROM audit_log WHERE seq = 5", 5},
		{"removed last row", "DELETE FROM audit_log WHERE seq = 8", 8},
		{"rehashed row breaks the next link", "UPDATE audit_log SET hash = 'ff' WHERE seq = 3", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
				appendN(t, e.DB, 8)
				if c.tamper != "" {
					if _, err := e.DB.W().ExecContext(ctx, c.tamper); err != nil {
						t.Fatal(err)
					}
				}
				n, err := audit.Verify(ctx, e.DB.R())
				if c.wantSeq == 0 {
					if err != nil || n != 8 {
						t.Fatalf("intact chain: n=%d err=%v", n, err)
					}
					return
				}
				var p *audit.Problem
				if !errors.As(err, &p) {
					t.Fatalf("tampering not detected: n=%d err=%v", n, err)
				}
				if p.Seq != c.wantSeq {
					t.Fatalf("first bad entry = %d (%s), want %d", p.Seq, p.Reason, c.wantSeq)
				}
			})
		})
	}
}

func TestListIsScopedToOrganisation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, e testutil.Engine) {
		appendN(t, e.DB, 9)
		es, err := audit.List(context.Background(), e.DB.R(), 2, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 3 {
			t.Fatalf("org 2 has %d entries, want 3", len(es))
		}
		for _, en := range es {
			if en.OrgID != 2 {
				t.Fatalf("entry of org %d leaked into org 2's list", en.OrgID)
			}
		}
		if es[0].Seq < es[1].Seq {
			t.Fatal("entries are not newest first")
		}
	})
}
