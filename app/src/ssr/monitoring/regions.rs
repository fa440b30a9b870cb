//! Regions and their agents: admins create agent regions (each with a token
//! shown once), agents fetch the monitors of their region and send back
//! results, which go through the same recording as the built-in region's.

use crate::error::AppError;
use crate::model::{
    AuditAction, CreatedRegion, FailureKind, Monitor, MonitorStatus, REGION_NAME_RULE, Region, is_region_name,
};
use crate::ssr::db::regions::{self as db, RegionRow};
use crate::ssr::monitoring::probe::ProbeResult;
use crate::ssr::monitoring::{read::load as load_monitors, results::record_results};
use crate::ssr::team::audit::{self, Actor};
use crate::ssr::team::auth::{new_secret, secret_hash};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Agent tokens start with this, so they are told apart from API tokens.
pub const AGENT_TOKEN_PREFIX: &str = "vigie_agent_";
/// The most results one batch may carry.
pub const MAX_BATCH: usize = 1000;
/// How far ahead of the server's clock a result may be dated (clock skew).
const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

fn to_model(row: RegionRow, monitors: u32) -> Region {
    Region {
        id: row.id,
        name: row.name,
        builtin: row.token_hash.is_none(),
        monitors,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
    }
}

pub fn list_regions(conn: &mut PgConnection) -> Result<Vec<Region>, AppError> {
    let counts: HashMap<i64, i64> = db::monitor_counts(conn)?.into_iter().collect();
    Ok(db::list(conn)?
        .into_iter()
        .map(|row| {
            let count = counts.get(&row.id).copied().unwrap_or(0);
            to_model(row, u32::try_from(count).unwrap_or(u32::MAX))
        })
        .collect())
}

/// Creates an agent region; the answer carries its token, shown only now.
pub fn create_region(conn: &mut PgConnection, actor: &Actor, name: &str) -> Result<CreatedRegion, AppError> {
    let name = name.trim();
    if !is_region_name(name) {
        return Err(AppError::validation("name", REGION_NAME_RULE));
    }
    let token = new_secret(AGENT_TOKEN_PREFIX);
    conn.transaction(|conn| {
        let row = db::insert_agent(conn, name, &secret_hash(&token))?
            .ok_or_else(|| AppError::conflict(Some("name"), format!("There is already a region named `{name}`.")))?;
        audit::record(conn, actor, AuditAction::RegionCreated, name, None)?;
        Ok(CreatedRegion { region: to_model(row, 0), token: token.clone() })
    })
}

/// Gives an agent region a new token; the old one stops working at once.
pub fn rotate_region_token(conn: &mut PgConnection, actor: &Actor, id: i64) -> Result<CreatedRegion, AppError> {
    conn.transaction(|conn| {
        let row = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("region"))?;
        if row.token_hash.is_none() {
            return Err(AppError::conflict(None, "A built-in region is probed by the server itself and has no token."));
        }
        let token = new_secret(AGENT_TOKEN_PREFIX);
        let row = db::set_token_hash(conn, id, &secret_hash(&token))?.ok_or_else(|| AppError::not_found("region"))?;
        let count = db::monitor_count(conn, id)?;
        audit::record(conn, actor, AuditAction::RegionTokenRotated, &row.name, None)?;
        Ok(CreatedRegion { region: to_model(row, u32::try_from(count).unwrap_or(u32::MAX)), token })
    })
}

/// Deletes an agent region that no monitor uses (with its recorded checks).
pub fn delete_region(conn: &mut PgConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let row = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("region"))?;
        if row.token_hash.is_none() {
            return Err(AppError::conflict(None, "A built-in region cannot be deleted."));
        }
        let used = db::monitor_count(conn, id)?;
        if used > 0 {
            return Err(AppError::conflict(
                None,
                format!("{used} monitor(s) are probed from `{}`: remove the region from them first.", row.name),
            ));
        }
        db::delete(conn, id)?;
        audit::record(conn, actor, AuditAction::RegionDeleted, &row.name, None)?;
        Ok(())
    })
}

// ---- the agent protocol -------------------------------------------------------

/// The region behind an agent token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRegion {
    pub id: i64,
    pub name: String,
}

/// Finds the region of an agent token and marks it as seen.
pub fn resolve_agent(conn: &mut PgConnection, token: &str, now: DateTime<Utc>) -> QueryResult<Option<AgentRegion>> {
    if !token.starts_with(AGENT_TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(db::touch_by_token_hash(conn, &secret_hash(token), now)?.map(|(id, name)| AgentRegion { id, name }))
}

/// What an agent probes: its region's monitors, paused ones left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentAssignment {
    pub region: String,
    pub monitors: Vec<Monitor>,
}

pub fn agent_assignment(conn: &mut PgConnection, region: &AgentRegion) -> QueryResult<AgentAssignment> {
    let ids = db::active_monitor_ids(conn, region.id)?;
    let mut monitors = load_monitors(conn, &ids)?;
    monitors.sort_by_key(|m| m.id);
    // The status changes all the time; it is no business of the agent's and
    // would make every answer differ.
    for monitor in &mut monitors {
        monitor.status = MonitorStatus::Pending;
    }
    Ok(AgentAssignment { region: region.name.clone(), monitors })
}

/// One result an agent sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentResult {
    pub monitor_id: i64,
    pub checked_at: DateTime<Utc>,
    pub duration_ms: u32,
    pub up: bool,
    pub status_code: Option<u16>,
    pub failure: Option<FailureKind>,
    pub message: String,
    pub cert_expires_at: Option<DateTime<Utc>>,
}

impl AgentResult {
    pub fn new(monitor_id: i64, result: ProbeResult) -> Self {
        Self {
            monitor_id,
            checked_at: result.checked_at,
            duration_ms: result.duration_ms,
            up: result.up,
            status_code: result.status_code,
            failure: result.failure,
            message: result.message,
            cert_expires_at: result.cert_expires_at,
        }
    }

    fn into_probe_result(self) -> ProbeResult {
        let message: String = self.message.chars().take(crate::ssr::monitoring::probe::MESSAGE_MAX).collect();
        ProbeResult {
            checked_at: self.checked_at,
            duration_ms: self.duration_ms,
            // A failure kind always means down, whatever the agent said.
            up: self.up && self.failure.is_none(),
            status_code: self.status_code,
            failure: self.failure,
            message,
            cert_expires_at: self.cert_expires_at,
            exit_code: None,
            source: None,
        }
    }
}

/// A batch of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultBatch {
    pub results: Vec<AgentResult>,
}

/// What became of a batch: results for monitors the region no longer probes,
/// or dated too far in the future or past retention, are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReceipt {
    pub accepted: usize,
    pub ignored: usize,
}

/// Records a batch from an agent region, oldest result first.
pub fn record_agent_results(
    conn: &mut PgConnection,
    region: &AgentRegion,
    batch: ResultBatch,
    retention_days: u32,
    now: DateTime<Utc>,
) -> Result<BatchReceipt, AppError> {
    if batch.results.len() > MAX_BATCH {
        return Err(AppError::validation("results", format!("Send at most {MAX_BATCH} results per batch.")));
    }
    let total = batch.results.len();
    let oldest = now - Duration::days(i64::from(retention_days));
    let ids = db::active_monitor_ids(conn, region.id)?;
    let monitors: HashMap<i64, Monitor> = load_monitors(conn, &ids)?.into_iter().map(|m| (m.id, m)).collect();
    let mut results: Vec<_> = batch
        .results
        .into_iter()
        .filter(|r| r.checked_at <= now + MAX_CLOCK_SKEW && r.checked_at > oldest)
        .filter_map(|r| monitors.get(&r.monitor_id).map(|m| (m.clone(), r.into_probe_result())))
        .collect();
    results.sort_by_key(|(_, result)| result.checked_at);
    let accepted = results.len();
    let changed = record_results(conn, region.id, &results, now)?;
    for (monitor_id, status) in changed {
        tracing::info!(monitor_id, region = region.name, status = status.as_str(), "monitor status changed");
    }
    Ok(BatchReceipt { accepted, ignored: total - accepted })
}
