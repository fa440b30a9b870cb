-- Incidents: programmatic (opened by the scheduler when a monitor goes down),
-- manual (created by a team member) and planned maintenance (manual, with a
-- window). A programmatic incident names its monitor in `monitor_id`; at most
-- one per monitor is ongoing, which the unique index enforces, so a retried
-- or concurrent transition can never open a second one.
CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('programmatic', 'manual', 'maintenance')),
    title TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    impact TEXT NOT NULL CHECK (impact IN ('unknown', 'operational', 'maintenance',
                                           'degraded_performance', 'partial_outage', 'major_outage')),
    state TEXT NOT NULL CHECK (state IN ('scheduled', 'ongoing', 'resolved', 'cancelled')),
    monitor_id BIGINT REFERENCES monitors (id) ON DELETE SET NULL,
    started_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    scheduled_start TIMESTAMPTZ,
    scheduled_end TIMESTAMPTZ,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind <> 'maintenance' OR (scheduled_start IS NOT NULL AND scheduled_end > scheduled_start)),
    CHECK (kind = 'programmatic' OR monitor_id IS NULL)
);
CREATE UNIQUE INDEX incidents_one_ongoing_per_monitor ON incidents (monitor_id)
    WHERE kind = 'programmatic' AND state = 'ongoing';
CREATE INDEX incidents_state_idx ON incidents (state, started_at DESC);
CREATE INDEX incidents_maintenance_idx ON incidents (scheduled_start, scheduled_end)
    WHERE kind = 'maintenance' AND state IN ('scheduled', 'ongoing');

-- The monitors an incident affects (for a programmatic one: its monitor).
CREATE TABLE incident_monitors (
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    monitor_id BIGINT NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, monitor_id)
);
CREATE INDEX incident_monitors_monitor_idx ON incident_monitors (monitor_id);

-- The timeline: every event, with its time and actor (NULL: the system).
CREATE TABLE incident_events (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    details JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at, id);
