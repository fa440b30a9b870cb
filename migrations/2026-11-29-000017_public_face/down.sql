ALTER TABLE daily_rollups DROP COLUMN maintenance_checks;
ALTER TABLE incidents DROP COLUMN public_title;
