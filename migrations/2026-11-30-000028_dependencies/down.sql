ALTER TABLE monitors DROP COLUMN parent_id;
