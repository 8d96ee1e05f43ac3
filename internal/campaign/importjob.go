package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attache-project/attache/internal/authz"
)

// ImportState is where an import job stands.
type ImportState string

const (
	ImportValidating ImportState = "validating"
	ImportImporting  ImportState = "importing"
	ImportDone       ImportState = "done"   // imported; Report counts what
	ImportFailed     ImportState = "failed" // nothing imported; Report says why
)

// ImportJob is one CSV import and its progress.
type ImportJob struct {
	ID         int64         `json:"id"`
	OrgID      int64         `json:"org_id"`
	CampaignID int64         `json:"campaign_id"`
	UserID     int64         `json:"user_id,omitempty"`
	FileName   string        `json:"file_name"`
	State      ImportState   `json:"state"`
	Total      int           `json:"total"`
	Processed  int           `json:"processed"`
	Report     *ImportReport `json:"report"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

// Finished reports whether the job will not change any more.
func (j ImportJob) Finished() bool { return j.State == ImportDone || j.State == ImportFailed }

// Percent is the progress from 0 to 100 (validation is the first half,
// inserting the second).
func (j ImportJob) Percent() int {
	if j.Finished() {
		return 100
	}
	if j.Total == 0 {
		return 0
	}
	p := j.Processed * 50 / j.Total
	if j.State == ImportImporting {
		p += 50
	}
	return min(p, 99)
}

// staleAfter is how long a job may go without progress before it is
// shown as interrupted (its server stopped; the transaction rolled back).
const staleAfter = 10 * time.Minute

// Importer runs CSV imports in the background, for as long as the
// application runs: Close stops them (their transactions roll back, so
// nothing is half-imported) and waits for them.
type Importer struct {
	Svc    *Service
	Log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewImporter returns an importer whose jobs live until Close.
func NewImporter(svc *Service, log *slog.Logger) *Importer {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Importer{Svc: svc, Log: log, ctx: ctx, cancel: cancel}
}

// Close stops running imports and waits for them.
func (im *Importer) Close() {
	im.cancel()
	im.wg.Wait()
}

// Wait waits for the running imports (tests).
func (im *Importer) Wait() { im.wg.Wait() }

// Start checks that p may import into the campaign, reads the file and
// starts the import. A file that cannot be read at all is refused with a
// *FieldError on "file"; rows that fail are reported by the job.
func (im *Importer) Start(ctx context.Context, p *authz.Principal, campaignID, orgID int64, fileName string, data []byte) (ImportJob, error) {
	s := im.Svc
	ac, err := s.access(ctx, p, campaignID, authz.EditCampaigns)
	if err != nil {
		return ImportJob{}, err
	}
	if orgID, err = actingOrg(p, ac, orgID); err != nil {
		return ImportJob{}, err
	}
	if fileName, err = cleanText("file", fileName, 200, false); err != nil {
		fileName = ""
	}
	rows, bad, err := ParseImportCSV(data)
	if err != nil {
		return ImportJob{}, err
	}
	j := ImportJob{OrgID: orgID, CampaignID: campaignID, UserID: p.UserID, FileName: fileName, State: ImportValidating, Total: len(rows) + len(bad)}
	if len(bad) > 0 {
		// Rows that are not even CSV: report them without going further.
		j.State, j.Processed = ImportFailed, j.Total
		j.Report = &ImportReport{Rows: j.Total, Rejected: bad}
	}
	if err := insertImportJob(ctx, s.DB.W(), &j); err != nil {
		return j, err
	}
	if j.Finished() {
		return j, nil
	}
	im.wg.Add(1)
	go func() {
		defer im.wg.Done()
		im.run(j, p, rows)
	}()
	return j, nil
}

// run imports the rows. Progress goes to the job row from a goroutine of
// its own: while the import transaction holds SQLite's only write
// connection, that update waits instead of blocking the import.
func (im *Importer) run(j ImportJob, p *authz.Principal, rows []ImportRow) {
	var state atomic.Value
	var processed atomic.Int64
	state.Store(ImportValidating)
	kick := make(chan struct{}, 1)
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		for {
			select {
			case <-stop:
				return
			case <-kick:
				ctx, cancel := context.WithTimeout(im.ctx, time.Minute)
				if err := updateImportProgress(ctx, im.Svc.DB.W(), j.ID, state.Load().(ImportState), int(processed.Load())); err != nil && im.ctx.Err() == nil {
					im.Log.Warn("import progress", "job", j.ID, "err", err)
				}
				cancel()
			}
		}
	}()
	progress := func(phase string, done int) {
		state.Store(ImportState(phase))
		processed.Store(int64(done))
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	rep, err := im.Svc.ImportItems(im.ctx, p, j.CampaignID, j.OrgID, rows, progress)
	close(stop)
	<-flushed
	final := ImportDone
	switch {
	case err != nil:
		final = ImportFailed
		rep.Error = "the import failed; nothing was imported"
		var fe *FieldError
		if errors.As(err, &fe) {
			rep.Error = fe.Error()
		} else if errors.Is(err, authz.ErrForbidden) || errors.Is(err, authz.ErrNotMember) {
			rep.Error = "you may no longer add content to this campaign; nothing was imported"
		} else {
			im.Log.Error("import", "job", j.ID, "err", err)
		}
	case len(rep.Rejected) > 0:
		final = ImportFailed
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := finishImportJob(ctx, im.Svc.DB.W(), j.ID, final, j.Total, rep); err != nil {
		im.Log.Error("import: save report", "job", j.ID, "err", err)
	}
}

// GetImport returns a job to a member of its organisation who may use
// campaigns; anyone else cannot tell it exists.
func (s *Service) GetImport(ctx context.Context, p *authz.Principal, id int64) (ImportJob, error) {
	j, err := getImportJob(ctx, s.DB.R(), id)
	if err != nil {
		return j, err
	}
	if err := authz.Require(p, j.OrgID, authz.UseCampaigns); err != nil {
		return ImportJob{}, err
	}
	if !j.Finished() && time.Since(j.UpdatedAt) > staleAfter {
		j.State = ImportFailed
		j.Report = &ImportReport{Rows: j.Total, Rejected: []RowError{}, Error: "the import was interrupted (the server stopped); nothing was imported"}
	}
	return j, nil
}

// Imports lists a campaign's recent import jobs made through orgID.
func (s *Service) Imports(ctx context.Context, p *authz.Principal, campaignID, orgID int64) ([]ImportJob, error) {
	if _, err := s.access(ctx, p, campaignID, authz.UseCampaigns); err != nil {
		return nil, err
	}
	if err := authz.Require(p, orgID, authz.UseCampaigns); err != nil {
		return nil, err
	}
	js, err := listImportJobs(ctx, s.DB.R(), campaignID, orgID, 10)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return js, nil
}

// CheckImport says whether p may import into a campaign (for orgID, 0:
// the organisation access comes through), before an upload is read.
func (s *Service) CheckImport(ctx context.Context, p *authz.Principal, campaignID, orgID int64) error {
	ac, err := s.access(ctx, p, campaignID, authz.EditCampaigns)
	if err != nil {
		return err
	}
	_, err = actingOrg(p, ac, orgID)
	return err
}
