-- The calendar asks for the variants in a time range visible to an
-- organisation (its own, its campaigns', its joint campaigns'). That
-- condition is an OR over three tables, which no per-organisation index
-- serves, so without this index every calendar query scans every variant
-- of the installation; with it, only the range is read.
CREATE INDEX variants_scheduled ON variants(scheduled_at);
