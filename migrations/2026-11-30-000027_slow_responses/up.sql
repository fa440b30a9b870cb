-- Slow responses: a check that succeeds slower than `degraded_after_ms` is
-- slow; enough slow checks in a row make a region say `degraded`, and the
-- monitor `degraded`. `degraded_incident` makes that open a programmatic
-- incident of impact `degraded_performance`.
ALTER TABLE monitors
    ADD COLUMN degraded_after_ms INTEGER CHECK (degraded_after_ms BETWEEN 1 AND 30000),
    ADD COLUMN degraded_incident BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE monitors DROP CONSTRAINT monitors_status_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_status_check
    CHECK (status IN ('up', 'degraded', 'down', 'partial', 'maintenance', 'pending'));

-- The runs of slow and of fast good checks, beside those of failures and
-- successes, so that a restart resumes the confirmations where they were.
ALTER TABLE monitor_region_state
    ADD COLUMN consecutive_slow INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN consecutive_fast INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitor_region_state DROP CONSTRAINT monitor_region_state_verdict_check;
ALTER TABLE monitor_region_state ADD CONSTRAINT monitor_region_state_verdict_check
    CHECK (verdict IN ('unknown', 'up', 'degraded', 'down'));
