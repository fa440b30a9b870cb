-- Unpacks every check into the former plain table.
DROP VIEW all_checks;
ALTER TABLE checks DETACH PARTITION checks_default;
INSERT INTO checks_default (monitor_id, region_id, checked_at, duration_ms, up, status_code, failure, message,
                            cert_expires_at, exit_code, source)
SELECT monitor_id, region_id, checked_at, duration_ms, up, status_code, failure, message, cert_expires_at,
       exit_code, source
FROM checks
UNION ALL
SELECT p.monitor_id, p.region_id, p.hour + o.offset_ms * interval '1 millisecond', o.duration_ms, p.up,
       p.status_code, p.failure, p.message, p.cert_expires_at, p.exit_code, p.source
FROM packed_checks p CROSS JOIN LATERAL unnest(p.offsets_ms, p.durations_ms) AS o (offset_ms, duration_ms);
DROP TABLE packed_checks;
DROP TABLE checks;
ALTER TABLE checks_default RENAME TO checks;
