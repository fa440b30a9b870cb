-- Ping monitors: ICMP echo requests to `host`, `ping_count` of them per
-- check, down when more than `max_loss_percent` go unanswered.
ALTER TABLE monitors DROP CONSTRAINT monitors_kind_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_kind_check CHECK (kind IN ('http', 'tcp', 'heartbeat', 'dns', 'ping'));
ALTER TABLE monitors
    ADD COLUMN ping_count INTEGER CHECK (ping_count BETWEEN 1 AND 10),
    ADD COLUMN max_loss_percent INTEGER CHECK (max_loss_percent BETWEEN 0 AND 100);
ALTER TABLE monitors DROP CONSTRAINT monitors_target_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_target_check CHECK (
    (kind = 'http' AND url IS NOT NULL)
    OR (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL)
    OR (kind = 'heartbeat' AND ping_token_hash IS NOT NULL AND grace_seconds IS NOT NULL
        AND ((period_seconds IS NOT NULL) <> (cron IS NOT NULL)))
    OR (kind = 'dns' AND host IS NOT NULL AND dns_record_type IS NOT NULL AND dns_protocol IS NOT NULL
        AND expected_match IS NOT NULL)
    OR (kind = 'ping' AND host IS NOT NULL AND ping_count IS NOT NULL AND max_loss_percent IS NOT NULL));
