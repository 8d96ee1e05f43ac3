-- Values a connector must not lose between attempts of one variant
-- version (the container id of an Instagram or Threads post), written
-- before the network is asked to publish.
CREATE TABLE publish_checkpoints (
	variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	key TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (variant_id, version, key)
);
