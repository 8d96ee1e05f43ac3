-- Listening, second part: narratives, collection sources, signals (alerts)
-- and file imports with progress.
--
-- A narrative is a topic with a claim: it is matched, stored and charted
-- exactly like a topic (topic_matches), and carries the case record an
-- analyst keeps in the style of EUvsDisinfo (claim, disproof, counter-lines,
-- targeted countries, languages). kind is 'topic' or 'narrative'.
ALTER TABLE topics ADD COLUMN kind TEXT NOT NULL DEFAULT 'topic';
ALTER TABLE topics ADD COLUMN claim TEXT NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN disproof TEXT NOT NULL DEFAULT '';
ALTER TABLE topics ADD COLUMN counter_lines TEXT NOT NULL DEFAULT ''; -- one line each
ALTER TABLE topics ADD COLUMN countries TEXT NOT NULL DEFAULT '';     -- ISO 3166 alpha-2, space-separated
ALTER TABLE topics ADD COLUMN languages TEXT NOT NULL DEFAULT '';     -- ISO 639, space-separated

-- A source that listening polls or follows for an organisation: an RSS or
-- Atom feed, a Mastodon hashtag or public timeline, the Bluesky Jetstream,
-- the Telegram channels a connected bot reads. config is the kind's JSON
-- settings (no secrets: a Telegram source names the connected account whose
-- encrypted token it uses); state is what the poller keeps between runs
-- (ETag and Last-Modified, since_id, a Jetstream cursor).
CREATE TABLE listen_sources (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	config TEXT NOT NULL DEFAULT '{}',
	account_id INTEGER REFERENCES channel_accounts(id) ON DELETE CASCADE,
	interval_seconds INTEGER NOT NULL DEFAULT 900,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	state TEXT NOT NULL DEFAULT '{}',
	next_run_at TIMESTAMP NOT NULL,
	last_run_at TIMESTAMP,
	last_ok_at TIMESTAMP,
	last_error TEXT NOT NULL DEFAULT '',
	failures INTEGER NOT NULL DEFAULT 0,
	items_total INTEGER NOT NULL DEFAULT 0,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX listen_sources_org ON listen_sources(org_id);
CREATE INDEX listen_sources_due ON listen_sources(next_run_at) WHERE enabled;

-- A signal raised for an organisation: a volume spike of a topic, or a
-- cluster of near-identical texts posted by many authors within minutes.
-- key makes raising idempotent (one spike alert per topic and hour, one
-- coordination alert per cluster), also when several instances detect.
-- detail is the kind's JSON (counts and baseline; the cluster's mentions).
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	key TEXT NOT NULL,
	topic_id INTEGER REFERENCES topics(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '{}',
	window_start TIMESTAMP NOT NULL,
	window_end TIMESTAMP NOT NULL,
	created_at TIMESTAMP NOT NULL,
	acknowledged_at TIMESTAMP,
	acknowledged_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX alerts_once ON alerts(org_id, key);
CREATE INDEX alerts_org_created ON alerts(org_id, created_at);

-- A file import run from the web: the progress any instance can show while
-- the instance that received the file reads it.
CREATE TABLE listen_imports (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	filename TEXT NOT NULL,
	format TEXT NOT NULL,
	source TEXT NOT NULL,
	status TEXT NOT NULL,
	size_bytes INTEGER NOT NULL DEFAULT 0,
	read_bytes INTEGER NOT NULL DEFAULT 0,
	received INTEGER NOT NULL DEFAULT 0,
	inserted INTEGER NOT NULL DEFAULT 0,
	duplicates INTEGER NOT NULL DEFAULT 0,
	invalid INTEGER NOT NULL DEFAULT 0,
	matches INTEGER NOT NULL DEFAULT 0,
	problems TEXT NOT NULL DEFAULT '',
	error TEXT NOT NULL DEFAULT '',
	started_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	finished_at TIMESTAMP
);
CREATE INDEX listen_imports_org ON listen_imports(org_id, started_at);
