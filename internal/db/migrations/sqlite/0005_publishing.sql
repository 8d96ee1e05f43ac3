-- Publishing: connected channel accounts (API base URL, sealed credentials,
-- health), the outcome of publishing on each variant, every attempt
-- recorded before the network is called, and metrics over time.
ALTER TABLE channel_accounts ADD COLUMN base_url TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN credentials TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN token_expires_at TIMESTAMP;
ALTER TABLE channel_accounts ADD COLUMN last_success_at TIMESTAMP;
ALTER TABLE channel_accounts ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE channel_accounts ADD COLUMN last_error_at TIMESTAMP;

ALTER TABLE variants ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN url TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN published_at TIMESTAMP;

CREATE TABLE publish_attempts (
	id INTEGER PRIMARY KEY,
	variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	attempt INTEGER NOT NULL,
	started_at TIMESTAMP NOT NULL,
	finished_at TIMESTAMP,
	outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'published', 'found', 'transient', 'permanent')),
	external_id TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX publish_attempts_once ON publish_attempts(variant_id, version, attempt);

CREATE TABLE post_metrics (
	variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	at TIMESTAMP NOT NULL,
	likes INTEGER NOT NULL DEFAULT 0,
	reposts INTEGER NOT NULL DEFAULT 0,
	replies INTEGER NOT NULL DEFAULT 0,
	quotes INTEGER NOT NULL DEFAULT 0,
	views INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (variant_id, at)
);
