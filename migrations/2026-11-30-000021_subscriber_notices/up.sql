-- Whether visitors may subscribe to a page (on by default).
ALTER TABLE status_pages ADD COLUMN allow_subscriptions BOOLEAN NOT NULL DEFAULT true;

-- The rate limits of subscribing share the memory of sign-in's.
ALTER TABLE login_failures DROP CONSTRAINT login_failures_scope_check;
ALTER TABLE login_failures ADD CONSTRAINT login_failures_scope_check
    CHECK (scope IN ('account', 'address', 'subscribe_address', 'subscribe_email'));

-- What a page published that its subscribers are told of: one row per event
-- and page, written in the transaction that published it (a few rows,
-- however many subscribers). The dispatcher renders its message once from
-- what the page shows the public (`content`), then fans it out to the
-- subscribers in batches (`fanned_out_to`: the last subscriber id done).
CREATE TABLE subscriber_notices (
    id BIGSERIAL PRIMARY KEY,
    page_id BIGINT NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN (
        'incident_published', 'incident_updated', 'incident_resolved',
        'maintenance_scheduled', 'maintenance_changed', 'maintenance_started',
        'maintenance_completed', 'maintenance_cancelled')),
    -- The update told of, for `incident_updated`.
    update_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    content JSONB,
    fanned_out_to BIGINT NOT NULL DEFAULT 0,
    fanned_out_at TIMESTAMPTZ
);
CREATE INDEX subscriber_notices_due_idx ON subscriber_notices (id) WHERE fanned_out_at IS NULL;
CREATE INDEX subscriber_notices_created_idx ON subscriber_notices (created_at);

-- One notice to one subscriber: sent at least once, retried with backoff,
-- its last error kept (the delivery log).
CREATE TABLE subscriber_deliveries (
    id BIGSERIAL PRIMARY KEY,
    notice_id BIGINT NOT NULL REFERENCES subscriber_notices (id) ON DELETE CASCADE,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    error TEXT,
    UNIQUE (notice_id, subscriber_id)
);
CREATE INDEX subscriber_deliveries_due_idx ON subscriber_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX subscriber_deliveries_subscriber_idx ON subscriber_deliveries (subscriber_id);

-- Links older than a year are forgotten in batches.
CREATE INDEX subscriber_links_created_idx ON subscriber_links (created_at);
