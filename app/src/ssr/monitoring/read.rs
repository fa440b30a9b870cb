//! Monitors as the rest of the server reads them: stored rows made into the
//! model, with their regions. Shared by the team's side (`monitors`), the
//! recording of results, the monitor page and the incident reactions, so
//! that none of them has to call another's module to load a monitor.

use crate::model::{Monitor, MonitorStatus};
use crate::ssr::db::monitors as db;
use diesel::prelude::*;

/// Where heartbeats are pinged: `/ping/{token}`. A monitor read back shows
/// it masked; only the answer that makes a token holds it whole.
pub const PING_PATH: &str = "/ping/";

pub fn to_model(row: db::MonitorRow, regions: Vec<String>) -> Monitor {
    let status = if row.paused { MonitorStatus::Paused } else { row.status };
    Monitor {
        id: row.id,
        name: row.name,
        kind: row.kind,
        url: row.url,
        host: row.host,
        port: row.port.and_then(|p| u16::try_from(p).ok()),
        ping_url: row.ping_token_hint.map(|hint| format!("{PING_PATH}{}{hint}", crate::ssr::text::MASK)),
        period_seconds: row.period_seconds.map(i32::unsigned_abs),
        cron: row.cron,
        timezone: row.timezone,
        grace_seconds: row.grace_seconds.map(i32::unsigned_abs),
        record_type: row.dns_record_type,
        dns_server: row.dns_server,
        dns_protocol: row.dns_protocol,
        expected_values: serde_json::from_value(row.expected_values).unwrap_or_default(),
        expected_match: row.expected_match,
        ping_count: row.ping_count.map(i32::unsigned_abs),
        max_loss_percent: row.max_loss_percent.map(i32::unsigned_abs),
        degraded_after_ms: row.degraded_after_ms.map(i32::unsigned_abs),
        degraded_incident: row.degraded_incident,
        parent_id: row.parent_id,
        method: row.method,
        headers: serde_json::from_value(row.headers).unwrap_or_default(),
        body: row.body,
        accepted_status: row.accepted_status,
        keyword: row.keyword,
        keyword_mode: row.keyword_mode,
        follow_redirects: row.follow_redirects,
        interval_seconds: row.interval_seconds.unsigned_abs(),
        timeout_seconds: row.timeout_seconds.unsigned_abs(),
        regions,
        tags: row.tags,
        region_threshold: row.region_threshold.unsigned_abs(),
        incident_confirmations: row.incident_confirmations.unsigned_abs(),
        recovery_confirmations: row.recovery_confirmations.unsigned_abs(),
        ssl_expiry_days: row.ssl_expiry_days.unsigned_abs(),
        paused: row.paused,
        status,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The monitors behind these ids (those that still exist), with their regions.
pub fn load(conn: &mut PgConnection, ids: &[i64]) -> QueryResult<Vec<Monitor>> {
    let rows = db::find_many(conn, ids)?;
    with_regions(conn, rows)
}

pub fn with_regions(conn: &mut PgConnection, rows: Vec<db::MonitorRow>) -> QueryResult<Vec<Monitor>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut names = db::region_names(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let regions = names.remove(&row.id).unwrap_or_default();
            to_model(row, regions)
        })
        .collect())
}
