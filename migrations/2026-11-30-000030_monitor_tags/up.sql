-- Tags sort monitors into groups a team chooses (a service, a team, an
-- environment): the list filters by one and bulk actions set them. An
-- array on the monitor, found through a GIN index, keeps the list's
-- queries to one table.
ALTER TABLE monitors ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT monitors_tags_count CHECK (cardinality(tags) <= 20);
CREATE INDEX monitors_tags_idx ON monitors USING gin (tags);
