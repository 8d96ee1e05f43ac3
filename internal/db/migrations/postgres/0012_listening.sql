-- Listening: mentions becomes the one table of everything listening
-- collects (replies pulled through connected accounts, feeds, timelines,
-- imports), deduplicated exactly by (organisation, source, external id) and
-- indexed for full-text search over its analysed keys. Topics are the
-- standing queries; topic_matches records which mentions each one matched.

-- The source of a mention pulled through an account is the account's
-- network. A mention pulled through two accounts of one organisation on
-- the same network keeps its first row.
ALTER TABLE mentions ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown';
UPDATE mentions m SET source = a.network FROM channel_accounts a WHERE a.id = m.account_id;
ALTER TABLE mentions ALTER COLUMN source DROP DEFAULT;
DELETE FROM mentions m USING mentions d
	WHERE d.org_id = m.org_id AND d.source = m.source AND d.external_id = m.external_id AND d.id < m.id;
DROP INDEX mentions_once;
CREATE UNIQUE INDEX mentions_once ON mentions (org_id, source, external_id);

ALTER TABLE mentions ALTER COLUMN account_id DROP NOT NULL;
ALTER TABLE mentions
	ADD COLUMN country TEXT NOT NULL DEFAULT '',
	ADD COLUMN script TEXT NOT NULL DEFAULT '',
	ADD COLUMN likes BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN reposts BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN replies BIGINT NOT NULL DEFAULT 0,
	ADD COLUMN keys TEXT NOT NULL DEFAULT '';

-- id ends the time indexes so that ORDER BY at DESC, id DESC reads them
-- in order (SQLite gets this from the rowid).
DROP INDEX mentions_org_at;
CREATE INDEX mentions_org_at ON mentions (org_id, at, id);
CREATE INDEX mentions_org_lang_at ON mentions (org_id, language, at, id);
CREATE INDEX mentions_account ON mentions (account_id) WHERE account_id IS NOT NULL;

-- Full text over the keys column (internal/db/fts.go builds the queries).
-- Keys are already analysed by internal/text, so they become lexemes as
-- they are: array_to_tsvector does no parsing and no normalisation, unlike
-- to_tsvector, whose parser splits or adds lexemes (hyphenated words,
-- e-mail addresses, URLs) and depends on the server's locale. This
-- matches SQLite's FTS5 table, which splits on spaces only. The vector is
-- stored rather than an expression index: the planner counts an
-- expression as nearly free, yet rebuilding a vector costs microseconds a
-- row, so it chose to filter thousands of rows with it over reading the
-- index; a stored vector is cheap to test and carries its own statistics.
ALTER TABLE mentions ADD COLUMN keys_tsv tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(keys, ' '))) STORED;
CREATE INDEX mentions_keys ON mentions USING gin (keys_tsv);
-- The planner weighs the index against walking the time index by how
-- common the keys are: keep statistics on the 10,000 commonest keys rather
-- than the default 1,000.
ALTER TABLE mentions ALTER COLUMN keys_tsv SET STATISTICS 1000;

CREATE TABLE topics (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	org_id BIGINT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	query TEXT NOT NULL,
	created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	archived_at TIMESTAMPTZ
);
-- Names are unique among an organisation's active topics; an archived
-- topic frees its name.
CREATE UNIQUE INDEX topics_name ON topics (org_id, name) WHERE archived_at IS NULL;
CREATE INDEX topics_org ON topics (org_id);

-- org_id and at are copies of the mention's (listen.InsertMatches takes
-- them from the mention and only pairs a topic with a mention of its own
-- organisation), so that dashboards and the topic stream read one index
-- without touching mentions. Rows go when their topic or mention goes.
CREATE TABLE topic_matches (
	topic_id BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
	mention_id BIGINT NOT NULL REFERENCES mentions(id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL,
	at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (topic_id, mention_id)
);
CREATE INDEX topic_matches_topic_at ON topic_matches (topic_id, at, mention_id);
CREATE INDEX topic_matches_mention ON topic_matches (mention_id);
