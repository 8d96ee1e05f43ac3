-- The email newsletter: subscribers of an email channel account (double
-- opt-in; the confirmation token is stored hashed) and one row per
-- recipient of each newsletter, claimed before the message is sent, so a
-- retry after a crash never mails anyone twice. Each delivery carries the
-- hash of its recipient's own unsubscribe token.
CREATE TABLE newsletter_subscribers (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id BIGINT NOT NULL REFERENCES channel_accounts(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed')),
	token_hash TEXT,
	token_sent_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL,
	confirmed_at TIMESTAMPTZ,
	unsubscribed_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX newsletter_subscribers_email ON newsletter_subscribers(account_id, email);
CREATE UNIQUE INDEX newsletter_subscribers_token ON newsletter_subscribers(token_hash);
CREATE INDEX newsletter_subscribers_state ON newsletter_subscribers(account_id, state);

-- variant_id has no foreign key: the record of who was mailed outlives
-- the variant.
CREATE TABLE newsletter_deliveries (
	variant_id BIGINT NOT NULL,
	subscriber_id BIGINT NOT NULL REFERENCES newsletter_subscribers(id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
	unsubscribe_hash TEXT NOT NULL,
	claimed_at TIMESTAMPTZ NOT NULL,
	sent_at TIMESTAMPTZ,
	error TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (variant_id, subscriber_id)
);
CREATE UNIQUE INDEX newsletter_deliveries_unsubscribe ON newsletter_deliveries(unsubscribe_hash);
CREATE INDEX newsletter_deliveries_subscriber ON newsletter_deliveries(subscriber_id);
