-- What the public sees of an incident: a title of its own, set by the team
-- (NULL: made from the public names of the components it affects for a
-- programmatic incident, the title for one written by the team).
ALTER TABLE incidents ADD COLUMN public_title TEXT;

-- Checks that fell inside a planned maintenance window of their monitor:
-- left out of `checks` and `failures` (maintenance is not downtime) and
-- counted here, so the day can be shown as maintenance.
ALTER TABLE daily_rollups ADD COLUMN maintenance_checks INTEGER NOT NULL DEFAULT 0;
