-- CSV imports of content items run in the background; the job row holds
-- their progress and, at the end, the report of what was rejected and why.
CREATE TABLE import_jobs (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	campaign_id BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
	file_name TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('validating', 'importing', 'done', 'failed')),
	total INTEGER NOT NULL DEFAULT 0,
	processed INTEGER NOT NULL DEFAULT 0,
	report TEXT NOT NULL DEFAULT '{}',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_jobs_campaign ON import_jobs(campaign_id, id);
