-- Where alerts go. A webhook's `secret` signs its bodies, so it is kept as
-- written (it cannot be hashed); the API and console never show it back.
-- Slack and Discord webhook URLs carry their own secret and are masked too.
CREATE TABLE channels (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'discord', 'email')),
    name TEXT NOT NULL,
    url TEXT,
    secret TEXT,
    recipients TEXT[] NOT NULL DEFAULT '{}',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind = 'email' OR url IS NOT NULL),
    CHECK (kind <> 'webhook' OR secret IS NOT NULL),
    CHECK (kind <> 'email' OR cardinality(recipients) > 0)
);

-- Which events, for which monitors (NULL: all), go to which channel, at most
-- `max_per_hour` notifications per hour (NULL: no limit).
CREATE TABLE alert_rules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    events TEXT[] NOT NULL CHECK (cardinality(events) > 0),
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    monitor_ids BIGINT[],
    enabled BOOLEAN NOT NULL DEFAULT true,
    max_per_hour INTEGER CHECK (max_per_hour > 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_rules_channel_idx ON alert_rules (channel_id);

-- The outbox: one row per rule that fired, written in the transaction of the
-- event, with the event as it was then (`payload`). The dispatcher claims
-- due `pending` rows with SKIP LOCKED and moves `next_attempt_at` forward
-- while it delivers, so a crashed attempt is retried, with the same
-- `delivery_id`. `suppressed` (over the rule's hourly limit) and `muted`
-- (its monitors in maintenance) rows are never sent.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    delivery_id TEXT NOT NULL UNIQUE,
    rule_id BIGINT REFERENCES alert_rules (id) ON DELETE SET NULL,
    rule_name TEXT NOT NULL,
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    incident_id BIGINT REFERENCES incidents (id) ON DELETE SET NULL,
    payload JSONB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'suppressed', 'muted')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_channel_idx ON notifications (channel_id, created_at DESC);
CREATE INDEX notifications_rule_idx ON notifications (rule_id, created_at);

-- Every attempt to deliver a notification and what came back.
CREATE TABLE delivery_attempts (
    id BIGSERIAL PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    duration_ms INTEGER NOT NULL,
    ok BOOLEAN NOT NULL,
    status_code INTEGER,
    reply TEXT NOT NULL DEFAULT '',
    error TEXT,
    retry_at TIMESTAMPTZ
);
CREATE INDEX delivery_attempts_notification_idx ON delivery_attempts (notification_id, at);
