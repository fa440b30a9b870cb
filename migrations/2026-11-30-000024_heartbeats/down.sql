ALTER TABLE checks DROP COLUMN exit_code, DROP COLUMN source;
DELETE FROM monitors WHERE kind = 'heartbeat';
ALTER TABLE monitors DROP CONSTRAINT monitors_target_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_check1 CHECK (
    (kind = 'http' AND url IS NOT NULL) OR (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL));
ALTER TABLE monitors
    DROP COLUMN ping_token_hash,
    DROP COLUMN ping_token_hint,
    DROP COLUMN period_seconds,
    DROP COLUMN cron,
    DROP COLUMN timezone,
    DROP COLUMN grace_seconds,
    DROP COLUMN run_started_at;
ALTER TABLE monitors DROP CONSTRAINT monitors_kind_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_kind_check CHECK (kind IN ('http', 'tcp'));
