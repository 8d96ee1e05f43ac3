-- Listening: mentions becomes the one table of everything listening
-- collects (replies pulled through connected accounts, feeds, timelines,
-- imports), deduplicated exactly by (organisation, source, external id) and
-- indexed for full-text search over its analysed keys. Topics are the
-- standing queries; topic_matches records which mentions each one matched.
--
-- SQLite cannot drop NOT NULL from account_id, so the table is rebuilt:
-- create the new shape, copy (source = the account's network; a mention
-- pulled through two accounts of one organisation keeps its first row),
-- drop the old table, rename.
DROP INDEX mentions_once;
DROP INDEX mentions_org_at;

CREATE TABLE mentions_new (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	source TEXT NOT NULL,
	account_id INTEGER REFERENCES channel_accounts(id) ON DELETE CASCADE,
	external_id TEXT NOT NULL,
	url TEXT NOT NULL DEFAULT '',
	author_id TEXT NOT NULL DEFAULT '',
	author_handle TEXT NOT NULL DEFAULT '',
	author_name TEXT NOT NULL DEFAULT '',
	country TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	script TEXT NOT NULL DEFAULT '',
	in_reply_to TEXT NOT NULL DEFAULT '',
	at TIMESTAMP NOT NULL,
	likes INTEGER NOT NULL DEFAULT 0,
	reposts INTEGER NOT NULL DEFAULT 0,
	replies INTEGER NOT NULL DEFAULT 0,
	fetched_at TIMESTAMP NOT NULL,
	keys TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX mentions_once ON mentions_new(org_id, source, external_id);

-- "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint.
INSERT INTO mentions_new (id, org_id, source, account_id, external_id, url, author_id, author_handle, author_name,
	text, language, in_reply_to, at, fetched_at)
SELECT m.id, m.org_id, COALESCE(a.network, 'unknown'), m.account_id, m.external_id, m.url, m.author_id, m.author_handle,
	m.author_name, m.text, m.language, m.in_reply_to, m.at, m.fetched_at
FROM mentions m LEFT JOIN channel_accounts a ON a.id = m.account_id
WHERE true
ORDER BY m.id
ON CONFLICT DO NOTHING;

DROP TABLE mentions;
ALTER TABLE mentions_new RENAME TO mentions;

-- The rowid ends every index, so (org_id, at) also serves ORDER BY at, id.
CREATE INDEX mentions_org_at ON mentions(org_id, at);
CREATE INDEX mentions_org_lang_at ON mentions(org_id, language, at);
CREATE INDEX mentions_account ON mentions(account_id) WHERE account_id IS NOT NULL;

-- Full text over the keys column (internal/db/fts.go builds the queries).
-- Keys are already analysed (lower case, folded, transliterated) by
-- internal/text, so the tokenizer must only split on spaces: the ascii
-- tokenizer treats every non-ASCII character as part of a token, and every
-- ASCII punctuation character is declared a token character below, which
-- leaves only spaces and control characters as separators. That is exactly
-- what PostgreSQL's string_to_array(keys, ' ') does with keys that
-- db.IndexKey accepted. detail=none: searches need no positions (phrases
-- and NEAR are checked in Go), and the index is several times smaller;
-- columnsize=0: no ranking, so no per-row size table to write at ingest.
CREATE VIRTUAL TABLE mentions_fts USING fts5(
	keys,
	content = 'mentions',
	content_rowid = 'id',
	tokenize = "ascii tokenchars '!""#$%&''()*+,-./:;<=>?@[\]^_`{|}~'",
	detail = none,
	columnsize = 0
);

CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN
	INSERT INTO mentions_fts(rowid, keys) VALUES (new.id, new.keys);
END;
CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN
	INSERT INTO mentions_fts(mentions_fts, rowid, keys) VALUES ('delete', old.id, old.keys);
END;
CREATE TRIGGER mentions_fts_update AFTER UPDATE OF keys ON mentions BEGIN
	INSERT INTO mentions_fts(mentions_fts, rowid, keys) VALUES ('delete', old.id, old.keys);
	INSERT INTO mentions_fts(rowid, keys) VALUES (new.id, new.keys);
END;

INSERT INTO mentions_fts(mentions_fts) VALUES ('rebuild');

CREATE TABLE topics (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	query TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	archived_at TIMESTAMP
);
-- Names are unique among an organisation's active topics; an archived
-- topic frees its name.
CREATE UNIQUE INDEX topics_name ON topics(org_id, name) WHERE archived_at IS NULL;
CREATE INDEX topics_org ON topics(org_id);

-- org_id and at are copies of the mention's (listen.InsertMatches takes
-- them from the mention and only pairs a topic with a mention of its own
-- organisation), so that dashboards and the topic stream read one index
-- without touching mentions. Rows go when their topic or mention goes.
CREATE TABLE topic_matches (
	topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
	mention_id INTEGER NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL,
	at TIMESTAMP NOT NULL,
	PRIMARY KEY (topic_id, mention_id)
);
CREATE INDEX topic_matches_topic_at ON topic_matches(topic_id, at, mention_id);
CREATE INDEX topic_matches_mention ON topic_matches(mention_id);
