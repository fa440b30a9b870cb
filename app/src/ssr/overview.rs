//! The console's overview: counts, incidents, maintenance, the latest
//! changes, regions and certificates, each read with a bounded query so the
//! page costs the same with 10 monitors or 100,000.

use crate::error::AppError;
use crate::model::{CertificateExpiry, IncidentKind, MonitorRef, OverviewReport, StatusChange};
use crate::ssr::db::{incidents as incident_rows, schedule, ssl_expiry_events};
use crate::ssr::{incidents, monitoring};
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use std::collections::HashMap;

/// The most status changes shown.
pub const CHANGES_SHOWN: i64 = 10;
/// The most certificates shown.
pub const CERTIFICATES_SHOWN: usize = 10;
/// Certificates warned of that are looked at to find those shown (a warned
/// one may have been renewed since).
const CERTIFICATES_READ: i64 = 200;
/// How long an expired certificate still served stays on the overview.
const EXPIRED_SHOWN_DAYS: i64 = 30;

pub fn report(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<OverviewReport, AppError> {
    let every = monitoring::monitors::ListQuery::new(Default::default(), None)?;
    let counts = monitoring::monitors::counts(conn, &every)?;
    let ongoing = incidents::list(conn, &incidents::ListQuery::new(Some("ongoing"), None, None, 1)?)?;
    let scheduled = incidents::list(conn, &incidents::ListQuery::new(Some("scheduled"), None, None, 1)?)?;
    let (maintenance, incidents): (Vec<_>, Vec<_>) =
        ongoing.items.into_iter().partition(|incident| incident.kind == IncidentKind::Maintenance);
    let incidents_total = u32::try_from(incident_rows::count_ongoing_outages(conn)?).unwrap_or(u32::MAX);
    let maintenance = maintenance.into_iter().chain(scheduled.items).collect();
    let changes = schedule::recent_changes(conn, CHANGES_SHOWN)?
        .into_iter()
        .map(|(id, name, status, at)| StatusChange { monitor: MonitorRef { id, name }, status, at })
        .collect();
    Ok(OverviewReport {
        counts,
        incidents,
        incidents_total,
        maintenance,
        changes,
        regions: monitoring::regions::list_regions(conn)?,
        certificates: certificates(conn, now)?,
    })
}

/// Certificates warned of whose monitor's latest check still sees them.
fn certificates(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<CertificateExpiry>, AppError> {
    let warned = ssl_expiry_events::expiring_after(conn, now - Duration::days(EXPIRED_SHOWN_DAYS), CERTIFICATES_READ)?;
    let ids: Vec<i64> = warned.iter().map(|(id, _, _)| *id).collect();
    let current: HashMap<i64, DateTime<Utc>> = schedule::latest_certificates(conn, &ids)?.into_iter().collect();
    let mut shown: Vec<CertificateExpiry> = Vec::new();
    for (id, name, expires_at) in warned {
        let still_served = current.get(&id) == Some(&expires_at);
        if still_served && !shown.iter().any(|c| c.monitor.id == id) {
            shown.push(CertificateExpiry { monitor: MonitorRef { id, name }, expires_at });
        }
    }
    shown.truncate(CERTIFICATES_SHOWN);
    Ok(shown)
}
