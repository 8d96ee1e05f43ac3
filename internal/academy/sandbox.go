package academy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/channel"
	"github.com/attache-project/attache/internal/channel/limits"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// A sandbox is a training organisation of one participant of one cohort:
// a ministry of their own (orgs.sandbox set) in which the campaign studio
// works as for real — campaigns, plans, items, variants, approvals,
// calendar — while the publishing engine never sends anything of it. The
// participant is its admin; the cohort's trainers are its reviewers, so
// they can read it and approve in it like a press office's approver would.
// Campaign-plan assignments are built there and handed in as a snapshot.

// Sandbox is the record that ties a sandbox organisation to its
// participant and cohort.
type Sandbox struct {
	OrgID     int64     `json:"org_id"`
	CohortID  int64     `json:"cohort_id"`
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// ErrNoCampaignPlan refuses a sandbox in a course without campaign-plan
// assignments (there is nothing to build in it).
var ErrNoCampaignPlan = errors.New("this course has no campaign-plan assignment")

// practiceAccounts are the channel accounts a new sandbox starts with, so
// that variants can be written at once; the participant may add others.
var practiceAccounts = []limits.Network{limits.X, limits.Facebook, limits.Telegram, limits.LinkedIn, limits.Instagram}

func getSandbox(ctx context.Context, q db.Queryer, cohortID, userID int64) (Sandbox, error) {
	var s Sandbox
	err := q.QueryRowContext(ctx, "SELECT org_id, cohort_id, user_id, created_at FROM sandboxes WHERE cohort_id = ? AND user_id = ?",
		cohortID, userID).Scan(&s.OrgID, &s.CohortID, &s.UserID, &s.CreatedAt)
	if isNoRows(err) {
		return s, db.ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("get sandbox: %w", err)
	}
	return s, nil
}

// SandboxOf returns the sandbox of a participant in a cohort, or
// db.ErrNotFound when they have none yet.
func SandboxOf(ctx context.Context, q db.Queryer, cohortID, userID int64) (Sandbox, error) {
	return getSandbox(ctx, q, cohortID, userID)
}

// hasCampaignPlan reports whether a course asks for a campaign plan.
func hasCampaignPlan(c *Course) bool {
	for _, m := range c.Modules {
		if m.Assignment != nil && m.Assignment.Kind == AssignCampaignPlan {
			return true
		}
	}
	return false
}

// OpenSandbox returns the participant's sandbox in a cohort, creating it
// on first use, and makes sure the cohort's current trainers can read it.
// Only participants of a course with a campaign-plan assignment have one.
func (s *Service) OpenSandbox(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID int64) (org.Org, error) {
	h, c, _, err := s.participantIn(ctx, p, cohortID, 0)
	if err != nil {
		return org.Org{}, err
	}
	if !hasCampaignPlan(&c) {
		return org.Org{}, ErrNoCampaignPlan
	}
	var o org.Org
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		sb, err := getSandbox(ctx, tx, h.ID, p.UserID)
		if errors.Is(err, db.ErrNotFound) {
			o, err = createSandbox(ctx, tx, a, h, &c, p.UserID)
			return err
		}
		if err != nil {
			return err
		}
		if o, err = org.GetOrg(ctx, tx, sb.OrgID); err != nil {
			return err
		}
		return syncSandboxTrainers(ctx, tx, a, o, h.ID)
	})
	return o, err
}

// createSandbox makes the organisation, its membership, practice accounts
// and the record, inside tx.
func createSandbox(ctx context.Context, tx *db.Tx, a audit.Actor, h Cohort, c *Course, userID int64) (org.Org, error) {
	u, err := auth.GetUser(ctx, tx, userID)
	if err != nil {
		return org.Org{}, err
	}
	programme, err := org.GetOrg(ctx, tx, h.OrgID)
	if err != nil {
		return org.Org{}, err
	}
	o := org.Org{Kind: org.Ministry, Sandbox: true, TimeZone: programme.TimeZone, Country: programme.Country,
		Name: clipRunes("Training sandbox: "+u.Name+" ("+h.Name+")", 200)}
	// The participant's ministry gives the sandbox its place and time.
	var ministryID int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(org_id, 0) FROM cohort_members WHERE cohort_id = ? AND user_id = ?", h.ID, userID).Scan(&ministryID); err != nil && !isNoRows(err) {
		return o, fmt.Errorf("sandbox ministry: %w", err)
	}
	if ministryID != 0 {
		if m, err := org.GetOrg(ctx, tx, ministryID); err == nil {
			o.TimeZone, o.Country = m.TimeZone, m.Country
		}
	}
	base := "training-" + strconv.FormatInt(h.ID, 10) + "-" + strconv.FormatInt(userID, 10)
	o.Slug = base
	for try := 0; ; try++ {
		err = org.InsertOrg(ctx, tx, &o)
		var fe *FieldError
		if err == nil || !errors.As(err, &fe) || fe.Field != "slug" || try == 3 {
			break
		}
		// Taken by an organisation someone named so: add a random tail.
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		o.Slug = base + "-" + hex.EncodeToString(b)
	}
	if err != nil {
		return o, fmt.Errorf("create sandbox: %w", err)
	}
	if err := org.AddMember(ctx, tx, o.ID, userID, authz.Admin); err != nil {
		return o, err
	}
	lang := c.Language
	if channel.CheckLanguage("language", lang) != nil {
		lang = "en"
	}
	for _, n := range practiceAccounts {
		acc := channel.Account{OrgID: o.ID, Network: n, Name: "Practice " + limits.Label(n), Handle: "practice-" + string(n), Language: lang}
		if err := channel.Insert(ctx, tx, &acc); err != nil {
			return o, err
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO sandboxes (org_id, cohort_id, user_id, created_at) VALUES (?, ?, ?, ?)", o.ID, h.ID, userID, now()); err != nil {
		return o, fmt.Errorf("record sandbox: %w", err)
	}
	if err := audit.Append(ctx, tx, a.Entry(o.ID, "org.create", "org:"+o.Slug, map[string]string{"name": o.Name, "kind": string(o.Kind), "sandbox": "true"})); err != nil {
		return o, err
	}
	if err := audit.Append(ctx, tx, a.Entry(h.OrgID, "sandbox.create", "cohort:"+strconv.FormatInt(h.ID, 10),
		map[string]string{"user": strconv.FormatInt(userID, 10), "org": o.Slug})); err != nil {
		return o, err
	}
	return o, syncSandboxTrainers(ctx, tx, a, o, h.ID)
}

// syncSandboxTrainers makes the cohort's trainers reviewers of the sandbox
// when they are not members yet (trainers enrolled after it was made).
func syncSandboxTrainers(ctx context.Context, tx *db.Tx, a audit.Actor, o org.Org, cohortID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT m.user_id FROM cohort_members m
		WHERE m.cohort_id = ? AND m.role = ? AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.org_id = ? AND x.user_id = m.user_id)`,
		cohortID, RoleTrainer, o.ID)
	if err != nil {
		return fmt.Errorf("sandbox trainers: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := org.AddMember(ctx, tx, o.ID, id, authz.Reviewer); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, a.Entry(o.ID, "member.add", "user:"+strconv.FormatInt(id, 10), map[string]string{"role": string(authz.Reviewer), "via": "cohort trainer"})); err != nil {
			return err
		}
	}
	return nil
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
