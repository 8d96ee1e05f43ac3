package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/attache-project/attache/internal/db"
)

const importJobColumns = "id, org_id, campaign_id, COALESCE(user_id, 0), file_name, state, total, processed, report, created_at, updated_at"

func scanImportJob(row interface{ Scan(...any) error }) (ImportJob, error) {
	var j ImportJob
	var report string
	err := row.Scan(&j.ID, &j.OrgID, &j.CampaignID, &j.UserID, &j.FileName, &j.State, &j.Total, &j.Processed, &report, &j.CreatedAt, &j.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return j, db.ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("scan import job: %w", err)
	}
	if j.Finished() {
		var rep ImportReport
		if json.Unmarshal([]byte(report), &rep) == nil {
			if rep.Rejected == nil {
				rep.Rejected = []RowError{}
			}
			j.Report = &rep
		}
	}
	return j, nil
}

func insertImportJob(ctx context.Context, q db.Queryer, j *ImportJob) error {
	j.CreatedAt, j.UpdatedAt = now(), now()
	report := "{}"
	if j.Report != nil {
		b, _ := json.Marshal(j.Report)
		report = string(b)
	}
	var user any
	if j.UserID != 0 {
		user = j.UserID
	}
	err := q.QueryRowContext(ctx, `INSERT INTO import_jobs (org_id, campaign_id, user_id, file_name, state, total, processed, report, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.OrgID, j.CampaignID, user, j.FileName, j.State, j.Total, j.Processed, report, j.CreatedAt, j.UpdatedAt).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("insert import job: %w", err)
	}
	return nil
}

// updateImportProgress moves a running job on; a finished job is left as
// it is.
func updateImportProgress(ctx context.Context, q db.Queryer, id int64, state ImportState, processed int) error {
	_, err := q.ExecContext(ctx, "UPDATE import_jobs SET state = ?, processed = ?, updated_at = ? WHERE id = ? AND state IN ('validating', 'importing')",
		state, processed, now(), id)
	if err != nil {
		return fmt.Errorf("update import progress: %w", err)
	}
	return nil
}

func finishImportJob(ctx context.Context, q db.Queryer, id int64, state ImportState, total int, rep ImportReport) error {
	if rep.Rejected == nil {
		rep.Rejected = []RowError{}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, "UPDATE import_jobs SET state = ?, processed = ?, report = ?, updated_at = ? WHERE id = ?", state, total, string(b), now(), id)
	if err != nil {
		return fmt.Errorf("finish import job: %w", err)
	}
	return nil
}

func getImportJob(ctx context.Context, q db.Queryer, id int64) (ImportJob, error) {
	return scanImportJob(q.QueryRowContext(ctx, "SELECT "+importJobColumns+" FROM import_jobs WHERE id = ?", id))
}

func listImportJobs(ctx context.Context, q db.Queryer, campaignID, orgID int64, limit int) ([]ImportJob, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+importJobColumns+" FROM import_jobs WHERE campaign_id = ? AND org_id = ? ORDER BY id DESC LIMIT ?", campaignID, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ImportJob{}
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
