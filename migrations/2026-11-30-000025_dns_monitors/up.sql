-- DNS monitors: resolve `host` for one record type, with the system's
-- resolver or a given server, and compare with the expected values.
ALTER TABLE monitors DROP CONSTRAINT monitors_kind_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_kind_check CHECK (kind IN ('http', 'tcp', 'heartbeat', 'dns'));
ALTER TABLE monitors
    ADD COLUMN dns_record_type TEXT CHECK (dns_record_type IN ('a', 'aaaa', 'cname', 'mx', 'txt', 'ns', 'soa')),
    -- `ip` or `ip:port`; none: the system's resolver.
    ADD COLUMN dns_server TEXT CHECK (length(dns_server) <= 64),
    ADD COLUMN dns_protocol TEXT CHECK (dns_protocol IN ('udp', 'tcp')),
    ADD COLUMN expected_values JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(expected_values) = 'array'),
    ADD COLUMN expected_match TEXT CHECK (expected_match IN ('any', 'all', 'none'));
ALTER TABLE monitors DROP CONSTRAINT monitors_target_check;
ALTER TABLE monitors ADD CONSTRAINT monitors_target_check CHECK (
    (kind = 'http' AND url IS NOT NULL)
    OR (kind = 'tcp' AND host IS NOT NULL AND port IS NOT NULL)
    OR (kind = 'heartbeat' AND ping_token_hash IS NOT NULL AND grace_seconds IS NOT NULL
        AND ((period_seconds IS NOT NULL) <> (cron IS NOT NULL)))
    OR (kind = 'dns' AND host IS NOT NULL AND dns_record_type IS NOT NULL AND dns_protocol IS NOT NULL
        AND expected_match IS NOT NULL));
