DROP INDEX subscriber_links_created_idx;
DROP TABLE subscriber_deliveries;
DROP TABLE subscriber_notices;
DELETE FROM login_failures WHERE scope IN ('subscribe_address', 'subscribe_email');
ALTER TABLE login_failures DROP CONSTRAINT login_failures_scope_check;
ALTER TABLE login_failures ADD CONSTRAINT login_failures_scope_check CHECK (scope IN ('account', 'address'));
ALTER TABLE status_pages DROP COLUMN allow_subscriptions;
