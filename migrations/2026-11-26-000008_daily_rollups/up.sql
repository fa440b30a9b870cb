-- Per monitor and day (UTC): what the raw checks said, kept long after the
-- checks themselves are deleted.
CREATE TABLE daily_rollups (
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    checks INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    downtime_seconds INTEGER NOT NULL DEFAULT 0,
    p50_ms INTEGER,
    p95_ms INTEGER,
    PRIMARY KEY (monitor_id, day)
);
CREATE INDEX checks_checked_at_idx ON checks (checked_at);
