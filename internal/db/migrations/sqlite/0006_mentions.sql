-- Replies, comments and mentions pulled from the networks for the inbox,
-- and where each account's pull stands.
CREATE TABLE mentions (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	account_id INTEGER NOT NULL REFERENCES channel_accounts(id) ON DELETE CASCADE,
	external_id TEXT NOT NULL,
	url TEXT NOT NULL DEFAULT '',
	author_id TEXT NOT NULL DEFAULT '',
	author_handle TEXT NOT NULL DEFAULT '',
	author_name TEXT NOT NULL DEFAULT '',
	text TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	in_reply_to TEXT NOT NULL DEFAULT '',
	at TIMESTAMP NOT NULL,
	fetched_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX mentions_once ON mentions(account_id, external_id);
CREATE INDEX mentions_org_at ON mentions(org_id, at);

CREATE TABLE mention_cursors (
	account_id INTEGER PRIMARY KEY REFERENCES channel_accounts(id) ON DELETE CASCADE,
	cursor TEXT NOT NULL DEFAULT '',
	fetched_at TIMESTAMP NOT NULL
);
