DELETE FROM monitors WHERE kind = 'ping';
ALTER TABLE monitors DROP CONSTRAINT monitors_target_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_target_check CHECK (
    (kind = 'http' AND url IS NOT NULL)
    OR (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL)
    OR (kind = 'heartbeat' AND ping_token_hash IS NOT NULL AND grace_seconds IS NOT NULL
        AND ((period_seconds IS NOT NULL) <> (cron IS NOT NULL)))
    OR (kind = 'dns' AND host IS NOT NULL AND dns_record_type IS NOT NULL AND dns_protocol IS NOT NULL
        AND expected_match IS NOT NULL));
ALTER TABLE monitors DROP COLUMN ping_count, DROP COLUMN max_loss_percent;
ALTER TABLE monitors DROP CONSTRAINT monitors_kind_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_kind_check CHECK (kind IN ('http', 'tcp', 'heartbeat', 'dns'));
