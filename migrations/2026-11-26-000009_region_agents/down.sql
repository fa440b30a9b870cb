DROP INDEX regions_token_hash_key;
ALTER TABLE regions DROP COLUMN last_seen_at;
