-- A certificate seen expiring within the monitor's warning window: one row
-- per monitor and certificate expiry, so a warning is raised once, not at
-- every check. The alerts dispatcher reads these as `ssl_expiring` events.
CREATE TABLE ssl_expiry_events (
    id BIGSERIAL PRIMARY KEY,
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    region_id BIGINT NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    raised_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX ssl_expiry_events_monitor_expiry_key ON ssl_expiry_events (monitor_id, expires_at);
