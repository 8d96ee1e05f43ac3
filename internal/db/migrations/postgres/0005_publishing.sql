-- Publishing: connected channel accounts (API base URL, sealed credentials,
-- health), the outcome of publishing on each variant, every attempt
-- recorded before the network is called, and metrics over time.
ALTER TABLE channel_accounts ADD COLUMN base_url TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN credentials TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN token_expires_at TIMESTAMPTZ;
ALTER TABLE channel_accounts ADD COLUMN last_success_at TIMESTAMPTZ;
ALTER TABLE channel_accounts ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN last_error_at TIMESTAMPTZ;

ALTER TABLE variants ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN published_at TIMESTAMPTZ;

CREATE TABLE publish_attempts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	variant_id BIGINT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	attempt INTEGER NOT NULL,
	started_at TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ,
	outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'published', 'found', 'transient', 'permanent')),
	external_id TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX publish_attempts_once ON publish_attempts(variant_id, version, attempt);

CREATE TABLE post_metrics (
	variant_id BIGINT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	at TIMESTAMPTZ NOT NULL,
	likes BIGINT NOT NULL DEFAULT 0,
	reposts BIGINT NOT NULL DEFAULT 0,
	replies BIGINT NOT NULL DEFAULT 0,
	quotes BIGINT NOT NULL DEFAULT 0,
	views BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (variant_id, at)
);
