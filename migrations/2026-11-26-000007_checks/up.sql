-- The scheduler's memory, per monitor and region: when the next check is
-- due and the confirmation progress, so a restart resumes where it stopped.
CREATE TABLE monitor_region_state (
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    region_id BIGINT NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
    next_due_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    verdict TEXT NOT NULL DEFAULT 'unknown' CHECK (verdict IN ('unknown', 'up', 'down')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    consecutive_successes INTEGER NOT NULL DEFAULT 0,
    last_result_at TIMESTAMPTZ,
    PRIMARY KEY (monitor_id, region_id)
);
CREATE INDEX monitor_region_state_due_idx ON monitor_region_state (region_id, next_due_at);

-- Raw check results (kept for a bounded time; rolled up daily).
CREATE TABLE checks (
    id BIGSERIAL PRIMARY KEY,
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    region_id BIGINT NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
    checked_at TIMESTAMPTZ NOT NULL,
    duration_ms INTEGER NOT NULL,
    up BOOLEAN NOT NULL,
    status_code INTEGER,
    failure TEXT,
    message TEXT NOT NULL,
    cert_expires_at TIMESTAMPTZ
);
CREATE INDEX checks_monitor_time_idx ON checks (monitor_id, checked_at DESC);

-- Every change of a monitor's status, with its time.
CREATE TABLE monitor_status_changes (
    id BIGSERIAL PRIMARY KEY,
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX monitor_status_changes_monitor_idx ON monitor_status_changes (monitor_id, changed_at);
