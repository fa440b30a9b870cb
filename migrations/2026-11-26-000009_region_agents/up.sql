-- When a region's agent last called the server (fetching monitors or
-- sending results): the console shows it, so a stopped agent is noticed.
ALTER TABLE regions ADD COLUMN last_seen_at TIMESTAMPTZ;
CREATE UNIQUE INDEX regions_token_hash_key ON regions (token_hash) WHERE token_hash IS NOT NULL;
