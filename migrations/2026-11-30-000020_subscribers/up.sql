-- Subscribers of a status page: people told by email (once they confirm
-- through a link) and machines told by webhook of what the page publishes,
-- for the whole page or some of its components.
CREATE TABLE subscribers (
    id BIGSERIAL PRIMARY KEY,
    page_id BIGINT NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    -- The lower-cased email address, or the https URL.
    address TEXT NOT NULL,
    -- The monitors (components of the page) followed; NULL: the whole page.
    monitor_ids BIGINT[],
    state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'bounced')),
    -- The SHA-256 of the confirmation link's token, while pending.
    confirm_hash BYTEA UNIQUE,
    confirm_sent_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    confirmed_at TIMESTAMPTZ,
    UNIQUE (page_id, kind, address)
);
CREATE INDEX subscribers_pending_idx ON subscribers (confirm_sent_at) WHERE state = 'pending';
CREATE INDEX subscribers_page_idx ON subscribers (page_id, id) WHERE state = 'confirmed';

-- The links in what subscribers receive (manage, unsubscribe): one random
-- token per message, stored hashed, valid while the subscription lasts.
CREATE TABLE subscriber_links (
    token_hash BYTEA PRIMARY KEY,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscriber_links_subscriber_idx ON subscriber_links (subscriber_id);
