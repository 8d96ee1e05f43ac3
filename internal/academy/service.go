package academy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/campaign"
	"github.com/attache-project/attache/internal/db"
	"github.com/attache-project/attache/internal/media"
	"github.com/attache-project/attache/internal/notify"
	"github.com/attache-project/attache/internal/org"
	"github.com/attache-project/attache/internal/secret"
)

// Service applies the academy's rules. Every method that reads or changes
// something of a cohort takes the acting principal and decides through the
// Can* functions of access.go.
type Service struct {
	DB   *db.DB
	Auth *auth.Service // sends invitations to people enrolled by email; may be nil (then only existing accounts can be enrolled)
	// Box seals the certificates' signing key; nil: certificates are
	// issued without a signed credential (see issuer.go).
	Box *secret.Box
	// BaseURL is the public address: it names credentials, the
	// verification page and xAPI activities.
	BaseURL string
	Log     *slog.Logger // nil: slog.Default()
	// unsigned logs once why this instance cannot sign credentials.
	unsigned sync.Once
	// Course work: Campaigns reads sandboxes' campaign plans for their
	// snapshots (StudioFiles is the studio's media store, for the
	// attachments they list); Files keeps handed-in files; Notify is woken
	// after a submission or decision notifies someone. Each may be nil.
	Campaigns   *campaign.Service
	StudioFiles *media.Store
	Files       *media.Store
	Notify      *notify.Service
}

// Errors callers turn into responses.
var (
	ErrNoAccount = errors.New("no account has this email address and invitations are not available here")
)

// Standing returns p's standing in orgID and, when cohortID is not 0, in
// that cohort.
func (s *Service) Standing(ctx context.Context, p *authz.Principal, orgID, cohortID int64) (Standing, error) {
	return standing(ctx, s.DB.R(), p, orgID, cohortID)
}

// refuse is the error for someone the rule turned away: 404 outside the
// organisation, 403 inside it.
func refuse(st Standing) error {
	if !st.InOrg {
		return authz.ErrNotMember
	}
	return authz.ErrForbidden
}

// Cohort returns a cohort that p may see, with p's standing in it. Unknown
// cohorts and cohorts p may not see are both authz.ErrNotMember.
func (s *Service) Cohort(ctx context.Context, p *authz.Principal, id int64) (Cohort, Standing, error) {
	h, err := GetCohort(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return h, Standing{}, authz.ErrNotMember
	}
	if err != nil {
		return h, Standing{}, err
	}
	st, err := s.Standing(ctx, p, h.OrgID, h.ID)
	if err != nil {
		return h, st, err
	}
	if !CanSeeCohort(st) {
		return Cohort{}, st, authz.ErrNotMember
	}
	return h, st, nil
}

// CohortFor is Cohort with a further rule (403 when it refuses).
func (s *Service) CohortFor(ctx context.Context, p *authz.Principal, id int64, allowed func(Standing) bool) (Cohort, Standing, error) {
	h, st, err := s.Cohort(ctx, p, id)
	if err != nil {
		return h, st, err
	}
	if err := RequireCohort(st, allowed); err != nil {
		return Cohort{}, st, err
	}
	return h, st, nil
}

// Cohorts returns the cohorts of orgID that p sees: all of them for an
// organiser, their own for everyone else. Enrolments waiting for p's
// account are claimed first.
func (s *Service) Cohorts(ctx context.Context, p *authz.Principal, orgID int64) ([]MyCohort, error) {
	st, _ := s.Standing(ctx, p, orgID, 0)
	if err := RequireCatalogue(st); err != nil {
		return nil, err
	}
	if err := s.ClaimInvites(ctx, p, orgID); err != nil {
		return nil, err
	}
	mine, err := ListCohortsOfUser(ctx, s.DB.R(), orgID, p.UserID)
	if err != nil || !st.Organiser() {
		return mine, err
	}
	all, err := ListCohortsOfOrg(ctx, s.DB.R(), orgID)
	if err != nil {
		return nil, err
	}
	role := map[int64]CohortRole{}
	for _, m := range mine {
		role[m.ID] = m.Role
	}
	out := make([]MyCohort, len(all))
	for i, h := range all {
		out[i] = MyCohort{Cohort: h, Role: role[h.ID]}
	}
	return out, nil
}

// ClaimInvites makes p a member of the cohorts of orgID they were enrolled
// in by email before they had an account.
func (s *Service) ClaimInvites(ctx context.Context, p *authz.Principal, orgID int64) error {
	if _, in := p.RoleIn(orgID); !in || p.Email == "" {
		return nil
	}
	if ok, err := hasInvites(ctx, s.DB.R(), orgID, p.Email); err != nil || !ok {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := claimInvites(ctx, tx, orgID, p.UserID, p.Email)
		if err != nil || n == 0 {
			return err
		}
		a := audit.Actor{UserID: p.UserID, Name: p.Email}
		return audit.Append(ctx, tx, a.Entry(orgID, "cohort.join", "user:"+strconv.FormatInt(p.UserID, 10), map[string]string{"cohorts": strconv.Itoa(n)}))
	})
}

// CreateCohort starts a run of a course. Organisers only.
func (s *Service) CreateCohort(ctx context.Context, p *authz.Principal, a audit.Actor, h *Cohort) error {
	c, err := GetCourse(ctx, s.DB.R(), h.CourseID)
	if errors.Is(err, db.ErrNotFound) {
		return &FieldError{Field: "course_id", Reason: "is not a course of this organisation"}
	}
	if err != nil {
		return err
	}
	st, _ := s.Standing(ctx, p, c.OrgID, 0)
	if !CanManageCohort(st) {
		return refuse(st)
	}
	if err := h.Validate(); err != nil {
		return err
	}
	h.CreatedBy, h.OrgID, h.CourseSlug, h.CourseTitle = p.UserID, c.OrgID, c.Slug, c.Title
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := insertCohort(ctx, tx, h); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(c.OrgID, "cohort.create", "cohort:"+strconv.FormatInt(h.ID, 10), map[string]string{"name": h.Name, "course": c.Slug}))
	})
}

// UpdateCohort changes a cohort's name and dates. Organisers only.
func (s *Service) UpdateCohort(ctx context.Context, p *authz.Principal, a audit.Actor, id int64, change func(*Cohort)) (Cohort, error) {
	h, _, err := s.CohortFor(ctx, p, id, CanManageCohort)
	if err != nil {
		return h, err
	}
	change(&h)
	if err := h.Validate(); err != nil {
		return h, err
	}
	return h, s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := updateCohort(ctx, tx, &h); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(h.OrgID, "cohort.update", "cohort:"+strconv.FormatInt(h.ID, 10), map[string]string{"name": h.Name}))
	})
}

// Members returns a cohort's members for someone who may see the cohort.
// Participants see each other's names and ministries, not email addresses.
func (s *Service) Members(ctx context.Context, p *authz.Principal, cohortID int64) ([]Member, Standing, error) {
	_, st, err := s.Cohort(ctx, p, cohortID)
	if err != nil {
		return nil, st, err
	}
	ms, err := ListCohortMembers(ctx, s.DB.R(), cohortID)
	if err != nil {
		return nil, st, err
	}
	if !CanManageCohort(st) && !st.Trainer() {
		for i := range ms {
			ms[i].Email = ""
		}
	}
	return ms, st, nil
}

// Enrolment is what enrolling by email did.
type Enrolment struct {
	Member  *Member `json:"member,omitempty"` // enrolled now
	Invited bool    `json:"invited"`          // no account yet: invited, joins on acceptance
	Link    string  `json:"-"`                // the invitation link (shown when no mail is configured)
}

// Enrol adds a person to a cohort by email. An existing account is
// enrolled at once (and made a member of the programme organisation with
// the matching role if it was not one); for a new address an invitation to
// the programme organisation is sent and the enrolment waits for it.
// ministryID is a participant's ministry; 0 infers it from their
// memberships.
func (s *Service) Enrol(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID int64, email string, role CohortRole, ministryID int64) (Enrolment, error) {
	var res Enrolment
	h, _, err := s.CohortFor(ctx, p, cohortID, CanManageCohort)
	if err != nil {
		return res, err
	}
	if !ValidCohortRole(string(role)) {
		return res, &FieldError{Field: "role", Reason: "must be participant or trainer"}
	}
	email, err = auth.NormaliseEmail(email)
	if err != nil {
		return res, err
	}
	if ministryID != 0 {
		if ministryID, err = s.ministryOf(ctx, ministryID); err != nil {
			return res, err
		}
	}
	programme, err := org.GetOrg(ctx, s.DB.R(), h.OrgID)
	if err != nil {
		return res, err
	}
	u, err := auth.GetUserByEmail(ctx, s.DB.R(), email)
	if errors.Is(err, db.ErrNotFound) {
		if s.Auth == nil {
			return res, &FieldError{Field: "email", Reason: ErrNoAccount.Error()}
		}
		// The invitation first (it has its own transaction and email),
		// then the waiting enrolment it will turn into.
		_, link, err := s.Auth.Invite(ctx, a, programme, email, role.OrgRole())
		if err != nil {
			return res, err
		}
		inv := Invite{CohortID: h.ID, Email: email, Role: role, OrgID: ministryID}
		err = s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := saveInvite(ctx, tx, &inv, p.UserID); err != nil {
				return err
			}
			return audit.Append(ctx, tx, a.Entry(h.OrgID, "cohort.invite", "cohort:"+strconv.FormatInt(h.ID, 10), map[string]string{"email": email, "role": string(role)}))
		})
		return Enrolment{Invited: true, Link: link}, err
	}
	if err != nil {
		return res, err
	}
	if role == RoleParticipant && ministryID == 0 {
		if ministryID, err = s.inferMinistry(ctx, u.ID); err != nil {
			return res, err
		}
	}
	m := Member{CohortID: h.ID, UserID: u.ID, Role: role, OrgID: ministryID, Name: u.Name, Email: u.Email}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := org.MemberRole(ctx, tx, h.OrgID, u.ID); errors.Is(err, db.ErrNotFound) {
			if err := org.AddMember(ctx, tx, h.OrgID, u.ID, role.OrgRole()); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, a.Entry(h.OrgID, "member.add", "user:"+strconv.FormatInt(u.ID, 10), map[string]string{"role": string(role.OrgRole()), "via": "cohort"})); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if err := AddCohortMember(ctx, tx, &m); err != nil {
			return err
		}
		return audit.Append(ctx, tx, a.Entry(h.OrgID, "cohort.enrol", "cohort:"+strconv.FormatInt(h.ID, 10), map[string]string{"user": strconv.FormatInt(u.ID, 10), "role": string(role)}))
	})
	res.Member = &m
	return res, err
}

// ministryOf checks a chosen ministry: a ministry or partner, or a
// mission (counted under its ministry).
func (s *Service) ministryOf(ctx context.Context, id int64) (int64, error) {
	o, err := org.GetOrg(ctx, s.DB.R(), id)
	if errors.Is(err, db.ErrNotFound) {
		return 0, &FieldError{Field: "org_id", Reason: "is not an organisation"}
	}
	if err != nil {
		return 0, err
	}
	switch o.Kind {
	case org.Ministry, org.Partner:
		return o.ID, nil
	case org.Mission:
		if o.ParentID != 0 {
			return o.ParentID, nil
		}
		return o.ID, nil
	}
	return 0, &FieldError{Field: "org_id", Reason: "must be a ministry, mission or partner organisation"}
}

// inferMinistry picks a participant's ministry from their memberships: the
// first ministry, else a mission's ministry, else a partner; 0 when none.
func (s *Service) inferMinistry(ctx context.Context, userID int64) (int64, error) {
	ms, err := org.ListMemberships(ctx, s.DB.R(), userID)
	if err != nil {
		return 0, fmt.Errorf("infer ministry: %w", err)
	}
	for _, kind := range []org.Kind{org.Ministry, org.Mission, org.Partner} {
		for _, m := range ms {
			if m.Org.Kind != kind {
				continue
			}
			if kind == org.Mission && m.Org.ParentID != 0 {
				return m.Org.ParentID, nil
			}
			return m.Org.ID, nil
		}
	}
	return 0, nil
}

// RemoveFromCohort takes a person out of a cohort (their work is kept).
// Organisers only.
func (s *Service) RemoveFromCohort(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID, userID int64) error {
	h, _, err := s.CohortFor(ctx, p, cohortID, CanManageCohort)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		ok, err := RemoveCohortMember(ctx, tx, h.ID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return db.ErrNotFound
		}
		return audit.Append(ctx, tx, a.Entry(h.OrgID, "cohort.remove", "cohort:"+strconv.FormatInt(h.ID, 10), map[string]string{"user": strconv.FormatInt(userID, 10)}))
	})
}
