package campaign

import (
	"context"
	"time"

	"github.com/attache-project/attache/internal/authz"
)

// Reschedule moves a variant to a new time (dragging it on the calendar).
// It is an edit like any other: a new version by p, refused to those who
// may not edit the variant, and an approved variant moves only with
// reopen, which sends it back for approval (EditVariant's rule).
func (s *Service) Reschedule(ctx context.Context, p *authz.Principal, id int64, at time.Time, reopen bool) (Variant, error) {
	v, _, err := s.variantAccess(ctx, p, id)
	if err != nil {
		return v, err
	}
	if !authz.Can(p, v.OrgID, authz.EditCampaigns) {
		return v, authz.ErrForbidden
	}
	if at.Before(time.Now().Add(-time.Minute)) {
		return v, &FieldError{Field: "scheduled_at", Reason: "is in the past"}
	}
	return s.EditVariant(ctx, p, id, VariantInput{ChannelAccountID: v.ChannelAccountID, Language: v.Language, Text: v.Text, ScheduledAt: &at}, reopen)
}
