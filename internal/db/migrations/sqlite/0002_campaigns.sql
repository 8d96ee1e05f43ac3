-- Campaign studio: campaigns and their plan, channel accounts, content items
-- and variants with versions and approvals, coordination, templates.
CREATE TABLE campaigns (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	brief TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'completed', 'archived')),
	period_start TEXT NOT NULL,
	period_end TEXT NOT NULL,
	tags TEXT NOT NULL DEFAULT '[]',
	utm_source TEXT NOT NULL DEFAULT '',
	utm_medium TEXT NOT NULL DEFAULT '',
	utm_campaign TEXT NOT NULL DEFAULT '',
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_org ON campaigns(org_id, period_start);

-- Joint campaigns: other organisations invited by the owner see and
-- contribute to this campaign only.
CREATE TABLE campaign_partners (
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (campaign_id, org_id)
);
CREATE INDEX campaign_partners_org ON campaign_partners(org_id);

CREATE TABLE objectives (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	metric TEXT NOT NULL,
	target_value DOUBLE PRECISION NOT NULL,
	current_value DOUBLE PRECISION NOT NULL DEFAULT 0,
	due_date TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX objectives_campaign ON objectives(campaign_id, position);

CREATE TABLE audiences (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	country TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX audiences_campaign ON audiences(campaign_id, position);

CREATE TABLE key_messages (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	line_to_take BOOLEAN NOT NULL DEFAULT 0,
	position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX key_messages_campaign ON key_messages(campaign_id, position);

CREATE TABLE key_message_translations (
	message_id INTEGER NOT NULL REFERENCES key_messages(id) ON DELETE CASCADE,
	language TEXT NOT NULL,
	text TEXT NOT NULL,
	PRIMARY KEY (message_id, language)
);

CREATE TABLE channel_accounts (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	network TEXT NOT NULL,
	name TEXT NOT NULL,
	handle TEXT NOT NULL,
	language TEXT NOT NULL,
	max_chars INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL,
	archived_at TIMESTAMP
);
CREATE UNIQUE INDEX channel_accounts_handle ON channel_accounts(org_id, network, handle);

CREATE TABLE approval_policies (
	org_id INTEGER PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
	steps INTEGER NOT NULL CHECK (steps BETWEEN 1 AND 5),
	roles TEXT NOT NULL
);

CREATE TABLE items (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	title TEXT NOT NULL DEFAULT '',
	master_text TEXT NOT NULL,
	link_url TEXT NOT NULL DEFAULT '',
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX items_campaign ON items(campaign_id);

CREATE TABLE variants (
	id INTEGER PRIMARY KEY,
	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
	language TEXT NOT NULL,
	text TEXT NOT NULL,
	scheduled_at TIMESTAMP,
	state TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'changes_requested', 'approved', 'scheduled', 'publishing', 'published', 'failed')),
	version INTEGER NOT NULL,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX variants_item ON variants(item_id);
CREATE INDEX variants_org_scheduled ON variants(org_id, scheduled_at);
CREATE INDEX variants_campaign_scheduled ON variants(campaign_id, scheduled_at);
CREATE INDEX variants_state ON variants(org_id, state);

-- Every version of a variant, with its author and time.
CREATE TABLE variant_versions (
	variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	text TEXT NOT NULL,
	language TEXT NOT NULL,
	channel_account_id INTEGER NOT NULL,
	scheduled_at TIMESTAMP,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (variant_id, version)
);

CREATE TABLE approvals (
	id INTEGER PRIMARY KEY,
	variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	decision TEXT NOT NULL CHECK (decision IN ('approve', 'request_changes')),
	comment TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX approvals_once ON approvals(variant_id, version, user_id);

CREATE TABLE media (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	alt_text TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_item ON media(item_id);

CREATE TABLE tasks (
	id INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('drafting', 'translating', 'designing', 'other')),
	assignee_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	due_date TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('todo', 'doing', 'done')),
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_campaign ON tasks(campaign_id);
CREATE INDEX tasks_assignee ON tasks(assignee_id, status);

CREATE TABLE comments (
	id INTEGER PRIMARY KEY,
	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	body TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_item ON comments(item_id, id);

CREATE TABLE notifications (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	org_id INTEGER REFERENCES orgs(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	link TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	read_at TIMESTAMP,
	emailed_at TIMESTAMP
);
CREATE INDEX notifications_user ON notifications(user_id, id);

-- Headquarters asks its missions to publish a localised variant of an item.
CREATE TABLE amplification_requests (
	id INTEGER PRIMARY KEY,
	item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
	from_org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	to_org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'adapted', 'declined')),
	note TEXT NOT NULL DEFAULT '',
	response_note TEXT NOT NULL DEFAULT '',
	variant_id INTEGER REFERENCES variants(id) ON DELETE SET NULL,
	requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	responded_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	responded_at TIMESTAMP
);
CREATE UNIQUE INDEX amplification_once ON amplification_requests(item_id, to_org_id);
CREATE INDEX amplification_to ON amplification_requests(to_org_id, state);

CREATE TABLE campaign_templates (
	id INTEGER PRIMARY KEY,
	org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX campaign_templates_org ON campaign_templates(org_id);

-- A per-user secret for the ICS calendar feed.
CREATE TABLE calendar_feeds (
	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL
);
