package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/org"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation asks someone to join an organisation with a role.
type Invitation struct {
	ID         int64      `json:"id"`
	OrgID      int64      `json:"org_id"`
	Email      string     `json:"email"`
	Role       authz.Role `json:"role"`
	InvitedBy  int64      `json:"invited_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// State is pending, accepted, revoked or expired.
func (i Invitation) State(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case now.After(i.ExpiresAt):
		return "expired"
	}
	return "pending"
}

const invitationColumns = "id, org_id, email, role, COALESCE(invited_by, 0), created_at, expires_at, accepted_at, revoked_at"

func scanInvitation(row interface{ Scan(...any) error }) (Invitation, error) {
	var i Invitation
	err := row.Scan(&i.ID, &i.OrgID, &i.Email, &i.Role, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt, &i.AcceptedAt, &i.RevokedAt)
	return i, err
}

// Invite creates an invitation to o and emails its link. It returns the
// invitation and the link (shown to the admin when no mail is configured).
func (s *Service) Invite(ctx context.Context, a audit.Actor, o org.Org, email string, role authz.Role) (Invitation, string, error) {
	var inv Invitation
	email, err := NormaliseEmail(email)
	if err != nil {
		return inv, "", err
	}
	if !authz.ValidRole(string(role)) {
		return inv, "", &FieldError{Field: "role", Reason: "must be one of admin, editor, reviewer, analyst, trainer, participant, alumni"}
	}
	if u, err := GetUserByEmail(ctx, s.DB.R(), email); err == nil {
		if _, err := org.MemberRole(ctx, s.DB.R(), o.ID, u.ID); err == nil {
			return inv, "", &FieldError{Field: "email", Reason: "this person is already a member"}
		}
	}
	secret := newSecret("")
	now := s.now()
	inv = Invitation{OrgID: o.ID, Email: email, Role: role, InvitedBy: a.UserID, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO invitations (org_id, email, role, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, o.ID, email, role, hashSecret(secret), by, now, inv.ExpiresAt).Scan(&inv.ID); err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "invitation.create", "invitation:"+strconv.FormatInt(inv.ID, 10), map[string]string{"email": email, "role": string(role)}))
	})
	if err != nil {
		return inv, "", err
	}
	link := s.BaseURL + "/invite/" + secret
	body := fmt.Sprintf("%s has invited you to join %s in Attaché as %s.\n\nAccept the invitation (the link works for 7 days):\n%s\n\nIf you did not expect this, ignore this email.\n", a.Name, o.Name, role, link)
	if err := s.send(ctx, email, "Invitation to "+o.Name+" in Attaché", body); err != nil {
		s.Log.Warn("invitation email not sent", "email", email, "err", err)
	}
	return inv, link, nil
}

// ListInvitations returns an organisation's invitations, newest first.
func ListInvitations(ctx context.Context, q db.Queryer, orgID int64) ([]Invitation, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE org_id = ? ORDER BY id DESC LIMIT 200", orgID)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// RevokeInvitation revokes a pending invitation of o.
func (s *Service) RevokeInvitation(ctx context.Context, a audit.Actor, o org.Org, id int64) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE invitations SET revoked_at = ? WHERE id = ? AND org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL", s.now(), id, o.ID)
		if err != nil {
			return fmt.Errorf("revoke invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.ErrNotFound
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "invitation.revoke", "invitation:"+strconv.FormatInt(id, 10), nil))
	})
}

// ErrInvitationUnusable covers unknown, expired, revoked and used links.
var ErrInvitationUnusable = errors.New("this invitation link is not valid any more: it was used, revoked or has expired; ask for a new one")

// InvitationBySecret looks up a usable invitation and its organisation.
func (s *Service) InvitationBySecret(ctx context.Context, secret string) (Invitation, org.Org, error) {
	if len(secret) > 100 {
		return Invitation{}, org.Org{}, ErrInvitationUnusable
	}
	inv, err := scanInvitation(s.DB.R().QueryRowContext(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE token_hash = ?", hashSecret(secret)))
	if err != nil || inv.State(s.now()) != "pending" {
		return inv, org.Org{}, ErrInvitationUnusable
	}
	o, err := org.GetOrg(ctx, s.DB.R(), inv.OrgID)
	return inv, o, err
}

// AcceptInvitation adds the invited person to the organisation. When no
// account exists for the email, one is created with name and password.
func (s *Service) AcceptInvitation(ctx context.Context, secret, name, password, ip string) (User, error) {
	inv, o, err := s.InvitationBySecret(ctx, secret)
	if err != nil {
		return User{}, err
	}
	u, err := GetUserByEmail(ctx, s.DB.R(), inv.Email)
	newUser := errors.Is(err, db.ErrNotFound)
	if err != nil && !newUser {
		return u, err
	}
	if newUser {
		if name, err = CheckName(name); err != nil {
			return u, err
		}
		if err := CheckPasswordPolicy(password, inv.Email); err != nil {
			return u, err
		}
		u = User{Email: inv.Email, Name: name}
		if u.passwordHash, err = HashPassword(password); err != nil {
			return u, err
		}
	}
	a := audit.Actor{Name: inv.Email, IP: ip}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL AND revoked_at IS NULL", s.now(), inv.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrInvitationUnusable
		}
		if newUser {
			if err := insertUser(ctx, tx, &u); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, a.Entry(0, "user.create", "user:"+u.Email, map[string]string{"via": "invitation"})); err != nil {
				return err
			}
		}
		a.UserID = u.ID
		if err := org.AddMember(ctx, tx, o.ID, u.ID, inv.Role); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(o.ID, "invitation.accept", "invitation:"+strconv.FormatInt(inv.ID, 10), map[string]string{"role": string(inv.Role)}))
	})
	return u, err
}

func (s *Service) send(ctx context.Context, to, subject, body string) error {
	if s.Mailer == nil {
		s.Log.Info("email (no SMTP configured)", "to", to, "subject", subject, "body", body)
		return nil
	}
	return s.Mailer.Send(ctx, to, subject, body)
}
