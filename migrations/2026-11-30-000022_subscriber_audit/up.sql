-- The team's actions on a page's subscribers are audited: they are people's
-- addresses.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check CHECK (action IN (
    'sign_in', 'sign_in_failed', 'password_changed',
    'member_added', 'role_changed', 'member_removed',
    'token_created', 'token_revoked',
    'region_created', 'region_token_rotated', 'region_deleted',
    'channel_created', 'channel_changed', 'channel_deleted',
    'status_page_created', 'status_page_changed', 'status_page_deleted',
    'subscriber_added', 'subscriber_removed', 'subscribers_imported', 'subscribers_exported'
));
