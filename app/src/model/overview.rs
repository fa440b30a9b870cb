//! The console's landing page: what a person opening an uptime tool wants
//! to see first, at any number of monitors.

use super::{Incident, MonitorRef, MonitorStatus, Region, StatusCounts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Everything the overview shows, each part bounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewReport {
    /// Monitors in each status.
    pub counts: StatusCounts,
    /// Ongoing incidents (maintenance apart), newest first.
    pub incidents: Vec<Incident>,
    /// How many incidents are ongoing in all (the list may hold fewer).
    pub incidents_total: u32,
    /// Maintenance in progress, then announced (soonest first).
    pub maintenance: Vec<Incident>,
    /// The latest changes of monitors' statuses, newest first.
    pub changes: Vec<StatusChange>,
    /// Every region, with when its agent was last heard from.
    pub regions: Vec<Region>,
    /// Certificates expiring within their monitor's warning window (or
    /// expired, still served), soonest first.
    pub certificates: Vec<CertificateExpiry>,
}

/// A monitor's status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub monitor: MonitorRef,
    pub status: MonitorStatus,
    pub at: DateTime<Utc>,
}

/// A monitor's certificate, and when it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateExpiry {
    pub monitor: MonitorRef,
    pub expires_at: DateTime<Utc>,
}
