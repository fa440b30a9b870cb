UPDATE monitor_region_state SET verdict = 'up' WHERE verdict = 'degraded';
ALTER TABLE monitor_region_state DROP CONSTRAINT monitor_region_state_verdict_check;
ALTER TABLE monitor_region_state ADD CONSTRAINT monitor_region_state_verdict_check
    CHECK (verdict IN ('unknown', 'up', 'down'));
ALTER TABLE monitor_region_state DROP COLUMN consecutive_slow, DROP COLUMN consecutive_fast;
UPDATE monitors SET status = 'up' WHERE status = 'degraded';
ALTER TABLE monitors DROP CONSTRAINT monitors_status_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_status_check
    CHECK (status IN ('up', 'down', 'partial', 'maintenance', 'pending'));
ALTER TABLE monitors DROP COLUMN degraded_after_ms, DROP COLUMN degraded_incident;
