-- Webhook subscribers are also told when a component's public state
-- changes (Statuspage's `component_update`). This is the state last told,
-- per page and component: a server that sees another one, under the row's
-- lock, writes the notice; a second server seeing the same change finds the
-- row already moved.
CREATE TABLE subscriber_component_states (
    page_id BIGINT NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
    monitor_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (page_id, monitor_id)
);

-- A component's notice is about no incident; its message is written with it.
ALTER TABLE subscriber_notices ALTER COLUMN incident_id DROP NOT NULL;
ALTER TABLE subscriber_notices DROP CONSTRAINT subscriber_notices_kind_check;
ALTER TABLE subscriber_notices ADD CONSTRAINT subscriber_notices_kind_check CHECK (kind IN (
    'incident_published', 'incident_updated', 'incident_resolved',
    'maintenance_scheduled', 'maintenance_changed', 'maintenance_started',
    'maintenance_completed', 'maintenance_cancelled', 'component_update'));
