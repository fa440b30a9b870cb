DROP INDEX monitors_tags_idx;
ALTER TABLE monitors DROP CONSTRAINT monitors_tags_count, DROP COLUMN tags;
