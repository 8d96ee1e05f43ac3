package academy

// Certificates: issued once per participant and cohort when every module
// of the course is complete (IssueIfComplete, idempotent), with a random
// human-friendly verification code, a random bit in the revocation status
// list and, when this instance can sign (issuer.go), an Open Badges 3.0
// credential signed in the name of the programme organisation. The signed
// bytes are stored as they were signed and served unchanged: any change
// would break their proof. Organisers revoke a certificate with a reason;
// the status list is then signed again. Anyone can check a code on the
// public verification page.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/attache-project/attache/internal/audit"
	"github.com/attache-project/attache/internal/auth"
	"github.com/attache-project/attache/internal/authz"
	"github.com/attache-project/attache/internal/credential"
	"github.com/attache-project/attache/internal/db"
)

// ErrRevoked refuses revoking a certificate twice.
var ErrRevoked = errors.New("this certificate has been revoked already")

// Certificate is a participant's certificate of a course, with what the
// pages show about it.
type Certificate struct {
	ID            int64      `json:"id"`
	Code          string     `json:"code"`
	CohortID      int64      `json:"cohort_id"`
	UserID        int64      `json:"user_id"`
	CourseID      int64      `json:"course_id"`
	IssuedAt      time.Time  `json:"issued_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
	StatusIndex   int        `json:"-"`
	Credential    string     `json:"-"` // the signed credential as issued; "" when this instance could not sign

	Name           string `json:"name"` // the participant's, as on the credential when there is one
	CourseTitle    string `json:"course_title"`
	CourseSlug     string `json:"-"`
	CourseSummary  string `json:"-"`
	CourseLanguage string `json:"-"`
	CohortName     string `json:"cohort_name"`
	StartsOn       string `json:"starts_on"`
	EndsOn         string `json:"ends_on"`
	OrgID          int64  `json:"org_id"`
	OrgName        string `json:"org_name"`
	OrgSlug        string `json:"-"`
	email          string
}

// Revoked reports whether the certificate was revoked.
func (k Certificate) Revoked() bool { return k.RevokedAt != nil }

// codeAlphabet is Crockford's base 32: digits and letters without I, L, O
// and U, which are misread or misspelt when typed from paper.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLength is 12 characters (60 random bits), written in groups of four.
const codeLength = 12

// newCode makes a verification code such as "7K3M-Q9XD-2HVA".
func newCode() (string, error) {
	var b [codeLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	out := make([]byte, 0, codeLength+2)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, codeAlphabet[int(c)%len(codeAlphabet)]) // 256 is a multiple of 32: uniform
	}
	return string(out), nil
}

// NormaliseCode reads a code as people type it: any case, with or without
// hyphens and spaces, O for 0 and I or L for 1. It returns the code as
// stored, or false when it cannot be one.
func NormaliseCode(s string) (string, bool) {
	if len(s) > 40 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(codeAlphabet, r) {
			return "", false
		}
		if b.Len() > 0 && b.Len()%5 == 4 {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	if b.Len() != codeLength+2 {
		return "", false
	}
	return b.String(), true
}

// randomIndex picks a bit of the status list.
func randomIndex() (int, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint32(b[:]) % credential.MinStatusListSize), nil // 2^17 divides 2^32: uniform
}

const certificateColumns = `k.id, k.code, k.cohort_id, k.user_id, k.course_id, k.issued_at, k.revoked_at, k.revoked_reason, k.status_index, k.credential,
	u.name, u.email, c.title, c.slug, c.summary, c.language, h.name, h.starts_on, h.ends_on, c.org_id, o.name, o.slug`

const certificateFrom = ` FROM certificates k JOIN users u ON u.id = k.user_id JOIN cohorts h ON h.id = k.cohort_id
	JOIN courses c ON c.id = k.course_id JOIN orgs o ON o.id = c.org_id`

func scanCertificate(row interface{ Scan(...any) error }) (Certificate, error) {
	var k Certificate
	err := row.Scan(&k.ID, &k.Code, &k.CohortID, &k.UserID, &k.CourseID, &k.IssuedAt, &k.RevokedAt, &k.RevokedReason, &k.StatusIndex, &k.Credential,
		&k.Name, &k.email, &k.CourseTitle, &k.CourseSlug, &k.CourseSummary, &k.CourseLanguage, &k.CohortName, &k.StartsOn, &k.EndsOn, &k.OrgID, &k.OrgName, &k.OrgSlug)
	if isNoRows(err) {
		return k, db.ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("certificate: %w", err)
	}
	// The name as certified, not as the account says today.
	if k.Credential != "" {
		if c, err := credential.Parse([]byte(k.Credential)); err == nil && c.CredentialSubject.Name != "" {
			k.Name = c.CredentialSubject.Name
		}
	}
	return k, nil
}

func getCertificateWhere(ctx context.Context, q db.Queryer, where string, args ...any) (Certificate, error) {
	return scanCertificate(q.QueryRowContext(ctx, "SELECT "+certificateColumns+certificateFrom+" WHERE "+where, args...))
}

// GetCertificateByCode finds a certificate by its verification code (in
// any of the forms NormaliseCode accepts).
func GetCertificateByCode(ctx context.Context, q db.Queryer, code string) (Certificate, error) {
	norm, ok := NormaliseCode(code)
	if !ok {
		return Certificate{}, db.ErrNotFound
	}
	return getCertificateWhere(ctx, q, "k.code = ?", norm)
}

func certificateOf(ctx context.Context, q db.Queryer, cohortID, userID int64) (Certificate, error) {
	return getCertificateWhere(ctx, q, "k.cohort_id = ? AND k.user_id = ?", cohortID, userID)
}

// ListCertificates returns a cohort's certificates by participant name.
func ListCertificates(ctx context.Context, q db.Queryer, cohortID int64) ([]Certificate, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+certificateColumns+certificateFrom+" WHERE k.cohort_id = ? ORDER BY u.name, k.id", cohortID)
	if err != nil {
		return nil, fmt.Errorf("list certificates: %w", err)
	}
	defer rows.Close()
	out := []Certificate{}
	for rows.Next() {
		k, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func insertCertificate(ctx context.Context, q db.Queryer, k *Certificate) error {
	err := q.QueryRowContext(ctx, `INSERT INTO certificates (code, cohort_id, user_id, course_id, issued_at, status_index, credential)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, k.Code, k.CohortID, k.UserID, k.CourseID, k.IssuedAt, k.StatusIndex, k.Credential).Scan(&k.ID)
	if err != nil {
		return fmt.Errorf("insert certificate: %w", err)
	}
	return nil
}

// trainerNames lists a cohort's trainers by name.
func trainerNames(ctx context.Context, q db.Queryer, cohortID int64) ([]string, error) {
	ms, err := ListCohortMembers(ctx, q, cohortID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if m.Role == RoleTrainer {
			out = append(out, m.Name)
		}
	}
	return out, nil
}

// credentialURL is where a certificate's credential is served; the code
// (random) rather than the row id, so that certificates cannot be listed
// by counting.
func (s *Service) credentialURL(code string) string { return s.BaseURL + "/credentials/" + code }

// VerifyURL is the public verification page of a code.
func (s *Service) VerifyURL(code string) string { return s.BaseURL + "/verify/" + code }

// certificateTexts are the credential's description and criteria in the
// course's language (English or Ukrainian; English otherwise).
func certificateTexts(k Certificate, modules int, trainers []string) (description, criteria string) {
	if k.CourseLanguage == "uk" {
		description = fmt.Sprintf("Група «%s», %s – %s.", k.CohortName, k.StartsOn, k.EndsOn)
		if len(trainers) > 0 {
			description += " Тренери: " + strings.Join(trainers, ", ") + "."
		}
		return description, fmt.Sprintf("Виконано всі модулі курсу (%d): кожен урок, тест і завдання; завдання прийняв тренер.", modules)
	}
	description = fmt.Sprintf("Cohort “%s”, %s – %s.", k.CohortName, k.StartsOn, k.EndsOn)
	if len(trainers) > 0 {
		description += " Trainers: " + strings.Join(trainers, ", ") + "."
	}
	return description, fmt.Sprintf("Completed all %d modules of the course: every lesson, quiz and assignment, the assignments accepted by a trainer.", modules)
}

// sign makes the signed credential of a certificate.
func (s *Service) sign(k Certificate, modules int, trainers []string, is *credential.Issuer) (string, error) {
	description, criteria := certificateTexts(k, modules, trainers)
	summary := k.CourseSummary
	if strings.TrimSpace(summary) == "" {
		summary = k.CourseTitle
	}
	b, err := is.Issue(credential.Award{
		ID:                     s.credentialURL(k.Code),
		Name:                   k.CourseTitle,
		Description:            description,
		ValidFrom:              k.IssuedAt,
		RecipientEmail:         k.email,
		RecipientName:          k.Name,
		AchievementID:          s.BaseURL + "/o/" + k.OrgSlug + "/academy/courses/" + k.CourseSlug,
		AchievementName:        k.CourseTitle,
		AchievementDescription: summary,
		AchievementCriteria:    criteria,
		AchievementType:        credential.AchievementCertificate,
		StatusListCredential:   s.StatusListURL(),
		StatusListIndex:        k.StatusIndex,
	}, now())
	if err != nil {
		return "", fmt.Errorf("sign certificate %s: %w", k.Code, err)
	}
	return string(b), nil
}

// issuerOrNil is the issuer for an organisation, or nil (logged) when this
// instance cannot sign.
func (s *Service) issuerOrNil(ctx context.Context, orgName string) (*credential.Issuer, error) {
	is, err := s.Issuer(ctx, orgName)
	var su *SigningUnavailable
	if errors.As(err, &su) {
		s.unsigned.Do(func() { s.log().Warn("academy: "+su.Error(), "base_url", s.BaseURL) })
		return nil, nil
	}
	return is, err
}

// ensureSigned signs a certificate issued while this instance could not
// sign, now that it can; otherwise it returns the certificate unchanged.
func (s *Service) ensureSigned(ctx context.Context, k Certificate) (Certificate, error) {
	if k.Credential != "" {
		return k, nil
	}
	is, err := s.issuerOrNil(ctx, k.OrgName)
	if err != nil || is == nil {
		return k, err
	}
	h := Cohort{ID: k.CohortID, CourseID: k.CourseID}
	c, err := s.outline(ctx, h)
	if err != nil {
		return k, err
	}
	trainers, err := trainerNames(ctx, s.DB.R(), k.CohortID)
	if err != nil {
		return k, err
	}
	signed, err := s.sign(k, len(c.Modules), trainers, is)
	if err != nil {
		return k, err
	}
	if _, err := s.DB.W().ExecContext(ctx, "UPDATE certificates SET credential = ? WHERE id = ? AND credential = ''", signed, k.ID); err != nil {
		return k, fmt.Errorf("store credential: %w", err)
	}
	return getCertificateWhere(ctx, s.DB.R(), "k.id = ?", k.ID)
}

// IssueIfComplete issues a participant's certificate of a cohort when
// every module of the course is complete, and returns it; false when the
// course is not complete (or the user is no participant). Calling it
// again returns the same certificate. Call it after anything that may
// complete a course (a lesson done, a quiz passed, an assignment
// accepted); the certificate page calls it too.
func (s *Service) IssueIfComplete(ctx context.Context, cohortID, userID int64) (Certificate, bool, error) {
	k, err := certificateOf(ctx, s.DB.R(), cohortID, userID)
	if err == nil {
		k, err = s.ensureSigned(ctx, k)
		return k, true, err
	}
	if !errors.Is(err, db.ErrNotFound) {
		return k, false, err
	}
	h, err := GetCohort(ctx, s.DB.R(), cohortID)
	if err != nil {
		return k, false, err
	}
	if role, err := CohortMemberRole(ctx, s.DB.R(), cohortID, userID); errors.Is(err, db.ErrNotFound) || role != RoleParticipant {
		return k, false, nil
	} else if err != nil {
		return k, false, err
	}
	c, err := s.outline(ctx, h)
	if err != nil {
		return k, false, err
	}
	pr, err := s.progressOf(ctx, h, &c, userID)
	if err != nil || !pr.Complete {
		return k, false, err
	}
	u, err := auth.GetUser(ctx, s.DB.R(), userID)
	if err != nil {
		return k, false, err
	}
	trainers, err := trainerNames(ctx, s.DB.R(), cohortID)
	if err != nil {
		return k, false, err
	}
	var orgName, orgSlug string
	if err := s.DB.R().QueryRowContext(ctx, "SELECT name, slug FROM orgs WHERE id = ?", h.OrgID).Scan(&orgName, &orgSlug); err != nil {
		return k, false, fmt.Errorf("issue certificate: %w", err)
	}
	is, err := s.issuerOrNil(ctx, orgName)
	if err != nil {
		return k, false, err
	}
	for range 8 {
		k = Certificate{CohortID: h.ID, UserID: userID, CourseID: h.CourseID,
			// validFrom has whole seconds: the stored time is the one signed.
			IssuedAt: now().Truncate(time.Second),
			Name:     u.Name, email: u.Email, CourseTitle: c.Title, CourseSlug: c.Slug, CourseSummary: c.Summary, CourseLanguage: c.Language,
			CohortName: h.Name, StartsOn: h.StartsOn, EndsOn: h.EndsOn, OrgID: h.OrgID, OrgName: orgName, OrgSlug: orgSlug}
		if k.Code, err = newCode(); err != nil {
			return k, false, err
		}
		if k.StatusIndex, err = randomIndex(); err != nil {
			return k, false, err
		}
		if is != nil {
			if k.Credential, err = s.sign(k, len(c.Modules), trainers, is); err != nil {
				return k, false, err
			}
		}
		err = s.DB.InTx(ctx, func(tx *db.Tx) error {
			if err := insertCertificate(ctx, tx, &k); err != nil {
				return err
			}
			course := s.courseActivity(c.ID, c.Title, c.Language)
			if err := s.RecordXAPI(ctx, tx, XAPIEvent{UserID: userID, Cohort: h, Verb: VerbCompleted, Object: course,
				Result: &XResult{Completion: boolPtr(true), Success: boolPtr(true)}, Language: c.Language, At: k.IssuedAt}); err != nil {
				return err
			}
			badge := s.activity("/credentials/"+k.Code, ActivityBadge, c.Title, c.Language) // = credentialURL
			if err := s.RecordXAPI(ctx, tx, XAPIEvent{UserID: userID, Cohort: h, Verb: VerbEarned, Object: badge,
				Parent: []Activity{course}, Language: c.Language, At: k.IssuedAt}); err != nil {
				return err
			}
			return audit.Append(ctx, tx, audit.System.Entry(h.OrgID, "certificate.issue", "certificate:"+strconv.FormatInt(k.ID, 10),
				map[string]string{"user": strconv.FormatInt(userID, 10), "cohort": strconv.FormatInt(h.ID, 10), "code": k.Code, "signed": strconv.FormatBool(k.Credential != "")}))
		})
		if err == nil {
			return k, true, nil
		}
		if !db.IsUniqueViolation(err) {
			return k, false, err
		}
		// Issued meanwhile by another request, or a code or status index
		// already taken (then try others).
		if got, err := certificateOf(ctx, s.DB.R(), cohortID, userID); err == nil {
			return got, true, nil
		}
	}
	return k, false, errors.New("issue certificate: no free verification code or status index after 8 tries")
}

// afterWork issues the certificate when the work just recorded completed
// the course. A failure is logged, not returned: the work itself is saved.
func (s *Service) afterWork(ctx context.Context, cohortID, userID int64) {
	if _, _, err := s.IssueIfComplete(ctx, cohortID, userID); err != nil {
		s.log().Error("academy: issue certificate", "cohort", cohortID, "user", userID, "err", err)
	}
}

// CertificateView is a participant's page of their certificate.
type CertificateView struct {
	Cohort      Cohort
	Course      Course
	Progress    Progress
	Certificate *Certificate // nil until the course is complete
	// AssessEnd: the course has self-assessment statements and the
	// participant has neither answered nor skipped the end one; the page
	// asks first.
	AssessEnd bool
}

// MyCertificate returns a participant's certificate of a cohort, issuing
// it when the course is complete.
func (s *Service) MyCertificate(ctx context.Context, p *authz.Principal, cohortID int64) (CertificateView, error) {
	h, c, pr, err := s.participantIn(ctx, p, cohortID, 0)
	if err != nil {
		return CertificateView{}, err
	}
	v := CertificateView{Cohort: h, Course: c, Progress: pr}
	if !pr.Complete {
		return v, nil
	}
	k, ok, err := s.IssueIfComplete(ctx, h.ID, p.UserID)
	if err != nil {
		return v, err
	}
	if ok {
		v.Certificate = &k
	}
	if len(c.SelfAssessment) > 0 {
		_, found, err := getAssessment(ctx, s.DB.R(), h.ID, p.UserID, PhaseEnd)
		if err != nil {
			return v, err
		}
		v.AssessEnd = !found
	}
	return v, nil
}

// CertificateDocument is what the PDF of a certificate shows.
type CertificateDocument struct {
	Certificate Certificate
	Trainers    []string
	VerifyURL   string
}

// MyCertificateDocument returns what a participant's PDF certificate
// shows; db.ErrNotFound before it is issued.
func (s *Service) MyCertificateDocument(ctx context.Context, p *authz.Principal, cohortID int64) (CertificateDocument, error) {
	v, err := s.MyCertificate(ctx, p, cohortID)
	if err != nil {
		return CertificateDocument{}, err
	}
	if v.Certificate == nil {
		return CertificateDocument{}, db.ErrNotFound
	}
	trainers, err := trainerNames(ctx, s.DB.R(), cohortID)
	return CertificateDocument{Certificate: *v.Certificate, Trainers: trainers, VerifyURL: s.VerifyURL(v.Certificate.Code)}, err
}

// CohortCertificates lists a cohort's certificates for its trainers and
// the organisers.
func (s *Service) CohortCertificates(ctx context.Context, p *authz.Principal, cohortID int64) (Cohort, Standing, []Certificate, error) {
	h, st, err := s.CohortFor(ctx, p, cohortID, CanSeeCohortProgress)
	if err != nil {
		return h, st, nil, err
	}
	ks, err := ListCertificates(ctx, s.DB.R(), h.ID)
	return h, st, ks, err
}

// CertificateOfCohort returns one certificate of a cohort for the
// organisers (the revocation page).
func (s *Service) CertificateOfCohort(ctx context.Context, p *authz.Principal, cohortID, certID int64) (Cohort, Certificate, error) {
	h, _, err := s.CohortFor(ctx, p, cohortID, CanRevokeCertificate)
	if err != nil {
		return h, Certificate{}, err
	}
	k, err := getCertificateWhere(ctx, s.DB.R(), "k.id = ? AND k.cohort_id = ?", certID, h.ID)
	return h, k, err
}

// RevokeCertificate revokes a certificate with a reason (organisers
// only): its bit is set in the status list, which is signed again in the
// same transaction, so that verifiers see it at once.
func (s *Service) RevokeCertificate(ctx context.Context, p *authz.Principal, a audit.Actor, cohortID, certID int64, reason string) (Certificate, error) {
	h, k, err := s.CertificateOfCohort(ctx, p, cohortID, certID)
	if err != nil {
		return k, err
	}
	if reason, err = cleanText("reason", reason, 500, true); err != nil {
		return k, err
	}
	if k.Revoked() {
		return k, ErrRevoked
	}
	is, err := s.issuerOrNil(ctx, k.OrgName)
	if err != nil {
		return k, err
	}
	at := now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE certificates SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL", at, reason, k.ID)
		if err != nil {
			return fmt.Errorf("revoke certificate: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrRevoked
		}
		if is != nil {
			if _, err := s.signStatusList(ctx, tx, is); err != nil {
				return err
			}
		}
		return audit.Append(ctx, tx, a.Entry(h.OrgID, "certificate.revoke", "certificate:"+strconv.FormatInt(k.ID, 10),
			map[string]string{"code": k.Code, "user": strconv.FormatInt(k.UserID, 10), "reason": reason}))
	})
	if err != nil {
		return k, err
	}
	k.RevokedAt, k.RevokedReason = &at, reason
	return k, nil
}

// RevokeCertificateByID is RevokeCertificate for a certificate named by
// its id alone (the API); an id the caller may not see is db.ErrNotFound
// or authz.ErrNotMember, as for one that does not exist.
func (s *Service) RevokeCertificateByID(ctx context.Context, p *authz.Principal, a audit.Actor, certID int64, reason string) (Certificate, error) {
	var cohortID int64
	if err := s.DB.R().QueryRowContext(ctx, "SELECT cohort_id FROM certificates WHERE id = ?", certID).Scan(&cohortID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Certificate{}, db.ErrNotFound
		}
		return Certificate{}, fmt.Errorf("revoke certificate: %w", err)
	}
	return s.RevokeCertificate(ctx, p, a, cohortID, certID, reason)
}

// Verification is what the public verification page shows.
type Verification struct {
	Certificate Certificate
	Trainers    []string
	// Signed: there is a signed credential; SignatureValid: it verifies
	// with the instance's published keys (false means it was altered).
	Signed         bool
	SignatureValid bool
	CredentialURL  string
}

// Verify looks a code up for the public verification page; unknown codes
// are db.ErrNotFound.
func (s *Service) Verify(ctx context.Context, code string) (Verification, error) {
	k, err := GetCertificateByCode(ctx, s.DB.R(), code)
	if err != nil {
		return Verification{}, err
	}
	if k, err = s.ensureSigned(ctx, k); err != nil {
		s.log().Error("academy: sign certificate", "code", k.Code, "err", err)
	}
	v := Verification{Certificate: k}
	if v.Trainers, err = trainerNames(ctx, s.DB.R(), k.CohortID); err != nil {
		return v, err
	}
	if k.Credential == "" {
		return v, nil
	}
	v.Signed, v.CredentialURL = true, s.credentialURL(k.Code)
	is, err := s.issuerOrNil(ctx, k.OrgName)
	if err != nil || is == nil {
		return v, err
	}
	v.SignatureValid = credential.Verify([]byte(k.Credential), is.Resolver()) == nil
	return v, nil
}

// CredentialOf returns the signed credential of a code, as stored, for
// GET /credentials/{code}; db.ErrNotFound for unknown codes and
// certificates without one.
func (s *Service) CredentialOf(ctx context.Context, code string) ([]byte, error) {
	k, err := GetCertificateByCode(ctx, s.DB.R(), code)
	if err != nil {
		return nil, err
	}
	if k, err = s.ensureSigned(ctx, k); err != nil {
		return nil, err
	}
	if k.Credential == "" {
		return nil, db.ErrNotFound
	}
	return []byte(k.Credential), nil
}
