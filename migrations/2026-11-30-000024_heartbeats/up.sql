-- Heartbeat monitors: the monitored job calls /ping/{token}; the server
-- declares it late when no ping came by the deadline. The token is stored
-- hashed (it is shown once, like other secrets). A schedule is either a
-- period or a cron expression in a time zone, plus a grace time.
ALTER TABLE monitors DROP CONSTRAINT monitors_kind_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_kind_check CHECK (kind IN ('http', 'tcp', 'heartbeat'));
ALTER TABLE monitors
    ADD COLUMN ping_token_hash BYTEA UNIQUE,
    ADD COLUMN ping_token_hint TEXT CHECK (length(ping_token_hint) <= 8),
    ADD COLUMN period_seconds INTEGER CHECK (period_seconds BETWEEN 1 AND 31536000),
    ADD COLUMN cron TEXT CHECK (length(cron) <= 200),
    ADD COLUMN timezone TEXT CHECK (length(timezone) <= 64),
    ADD COLUMN grace_seconds INTEGER CHECK (grace_seconds BETWEEN 1 AND 2678400),
    -- When the job last said it started (`/ping/{token}/start`) without
    -- finishing yet: its run's duration is measured from here.
    ADD COLUMN run_started_at TIMESTAMPTZ;
ALTER TABLE monitors DROP CONSTRAINT monitors_check1;
ALTER TABLE monitors ADD CONSTRAINT monitors_target_check CHECK (
    (kind = 'http' AND url IS NOT NULL)
    OR (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL)
    OR (kind = 'heartbeat' AND ping_token_hash IS NOT NULL AND grace_seconds IS NOT NULL
        AND ((period_seconds IS NOT NULL) <> (cron IS NOT NULL))));

-- What a ping tells beyond up or down: the job's exit code and where the
-- ping came from.
ALTER TABLE checks ADD COLUMN exit_code INTEGER, ADD COLUMN source TEXT CHECK (length(source) <= 64);

-- New failure kinds are plain text in `checks.failure`: `late`, `job_failed`.
