-- Places probes run from. The server's built-in region is created at start
-- (VIGIE_REGION); remote regions get an agent token, stored hashed.
CREATE TABLE regions (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    token_hash BYTEA,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX regions_name_key ON regions (name);
