-- The audit log: who did what to the team's access and settings, kept 90 days.
-- Rows are never changed; the actor's email and the subject are copied in, so
-- an entry still reads the same after the member or object is gone.
CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    action TEXT NOT NULL CHECK (action IN (
        'sign_in', 'sign_in_failed', 'password_changed',
        'member_added', 'role_changed', 'member_removed',
        'token_created', 'token_revoked',
        'region_created', 'region_token_rotated', 'region_deleted',
        'channel_created', 'channel_changed', 'channel_deleted',
        'status_page_created', 'status_page_changed', 'status_page_deleted'
    )),
    -- The member who acted (no foreign key: the entry outlives them).
    actor_id BIGINT,
    actor_email TEXT,
    via TEXT NOT NULL CHECK (via IN ('console', 'api', 'command_line')),
    address TEXT,
    subject TEXT NOT NULL,
    details TEXT
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_action_idx ON audit_events (action, id);
