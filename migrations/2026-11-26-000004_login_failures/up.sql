-- Failed sign-ins, kept for the rate-limit window. `scope` is 'account' or
-- 'address'; `key` the lower-cased email or the client address. Kept in the
-- database so several server processes share one limit.
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_lookup_idx ON login_failures (scope, key, failed_at);
