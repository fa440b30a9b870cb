ALTER TABLE incidents DROP COLUMN held_open;
ALTER TABLE monitors DROP COLUMN outage_closed_at;
