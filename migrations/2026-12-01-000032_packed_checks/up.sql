-- Checks stored near their real size, and retention without a DELETE.
--
-- `checks` becomes partitioned by time: results land in one partition per
-- UTC hour (made ahead by the server's upkeep), or in the default partition
-- when their hour has none (late results of agents, rows written before
-- this migration: the former table becomes that default partition as it
-- is, without a copy, so a server of the previous release goes on reading
-- and writing it). Once an hour is over, the upkeep packs its checks into
-- `packed_checks` and drops the hour's partition.
--
-- A packed row holds the checks of one monitor, region and hour that share
-- everything but their time and latency (a run of good checks with the same
-- status code and certificate, or of failures with the same message): the
-- milliseconds after the hour and the latencies as two arrays. Packed rows
-- are partitioned by UTC day, so a day past the retention goes as one
-- `DROP TABLE`.
--
-- `all_checks` reads both as rows of checks; `hour` lets a reader bounded in
-- time reach only the packed rows it needs (through their index).
ALTER TABLE checks RENAME TO checks_default;

CREATE TABLE checks (
    id BIGINT NOT NULL DEFAULT nextval('checks_id_seq'),
    monitor_id BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    duration_ms INTEGER NOT NULL,
    up BOOLEAN NOT NULL,
    status_code INTEGER,
    failure TEXT,
    message TEXT NOT NULL,
    cert_expires_at TIMESTAMPTZ,
    exit_code INTEGER,
    source TEXT,
    CONSTRAINT checks_monitor_fk FOREIGN KEY (monitor_id) REFERENCES monitors (id) ON DELETE CASCADE,
    CONSTRAINT checks_region_fk FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE CASCADE
) PARTITION BY RANGE (checked_at);
ALTER TABLE checks ATTACH PARTITION checks_default DEFAULT;
CREATE INDEX checks_recent_idx ON checks (monitor_id, checked_at DESC);

CREATE TABLE packed_checks (
    monitor_id BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    hour TIMESTAMPTZ NOT NULL,
    up BOOLEAN NOT NULL,
    status_code INTEGER,
    failure TEXT,
    message TEXT NOT NULL,
    cert_expires_at TIMESTAMPTZ,
    exit_code INTEGER,
    source TEXT,
    offsets_ms INTEGER[] NOT NULL,
    durations_ms INTEGER[] NOT NULL,
    CONSTRAINT packed_checks_monitor_fk FOREIGN KEY (monitor_id) REFERENCES monitors (id) ON DELETE CASCADE,
    CONSTRAINT packed_checks_region_fk FOREIGN KEY (region_id) REFERENCES regions (id) ON DELETE CASCADE,
    CONSTRAINT packed_checks_arrays CHECK (
        cardinality(offsets_ms) >= 1 AND cardinality(offsets_ms) = cardinality(durations_ms))
) PARTITION BY RANGE (hour);
CREATE TABLE packed_checks_default PARTITION OF packed_checks DEFAULT;
CREATE INDEX packed_checks_monitor_idx ON packed_checks (monitor_id, hour DESC);

CREATE VIEW all_checks AS
    SELECT monitor_id, region_id, date_trunc('hour', checked_at, 'UTC') AS hour, checked_at, duration_ms, up,
           status_code, failure, message, cert_expires_at, exit_code, source
    FROM checks
    UNION ALL
    SELECT p.monitor_id, p.region_id, p.hour, p.hour + o.offset_ms * interval '1 millisecond', o.duration_ms, p.up,
           p.status_code, p.failure, p.message, p.cert_expires_at, p.exit_code, p.source
    FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms, p.durations_ms) AS o (offset_ms, duration_ms);
