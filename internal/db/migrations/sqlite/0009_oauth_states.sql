-- OAuth connections in progress: the state sent to the network (stored as
-- its SHA-256), who started it for which account, the PKCE verifier and,
-- while a Facebook Page or Instagram account is being chosen, the pages
-- offered (both sealed with the secret box). Single use, ten minutes.
CREATE TABLE oauth_states (
	id INTEGER PRIMARY KEY,
	state_hash TEXT NOT NULL UNIQUE,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	account_id INTEGER NOT NULL REFERENCES channel_accounts(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	network TEXT NOT NULL,
	verifier TEXT NOT NULL DEFAULT '',
	pending TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL
);
CREATE INDEX oauth_states_expires ON oauth_states(expires_at);
