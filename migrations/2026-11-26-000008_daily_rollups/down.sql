DROP INDEX checks_checked_at_idx;
DROP TABLE daily_rollups;
