//! Incidents: their kind, impact and state, the timeline, private comments
//! and public updates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

text_enum! {
    /// How an incident came to be.
    IncidentKind {
        /// Opened by the scheduler when a monitor went down.
        Programmatic => "programmatic",
        /// Created by a team member.
        Manual => "manual",
        /// Planned maintenance: manual, with a window.
        Maintenance => "maintenance",
    }
}

text_enum! {
    /// How bad it is, from the least to the most severe outage.
    Impact {
        /// Still investigating: status pages show the monitor simply as down.
        Unknown => "unknown",
        /// A false alarm: everything works.
        Operational => "operational",
        /// Planned downtime.
        Maintenance => "maintenance",
        DegradedPerformance => "degraded_performance",
        PartialOutage => "partial_outage",
        MajorOutage => "major_outage",
    }
}

impl Impact {
    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Operational => "Operational (false alarm)",
            Self::Maintenance => "Maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }
}

text_enum! {
    IncidentState {
        /// Maintenance announced, not started.
        Scheduled => "scheduled",
        Ongoing => "ongoing",
        Resolved => "resolved",
        /// Maintenance called off before it started.
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// The label of a public update.
    UpdateStatus {
        Investigating => "investigating",
        Identified => "identified",
        Monitoring => "monitoring",
        Resolved => "resolved",
    }
}

text_enum! {
    /// What a timeline entry records.
    EventKind {
        Opened => "opened",
        Scheduled => "scheduled",
        RegionDown => "region_down",
        RegionUp => "region_up",
        /// A region says the monitor answers, slowly.
        RegionDegraded => "region_degraded",
        StatusChanged => "status_changed",
        ImpactChanged => "impact_changed",
        TitleChanged => "title_changed",
        PublicTitleChanged => "public_title_changed",
        DetailsChanged => "details_changed",
        MonitorsChanged => "monitors_changed",
        /// A monitor that depends on this incident's monitor went down and
        /// joined it instead of opening its own.
        MonitorJoined => "monitor_joined",
        WindowChanged => "window_changed",
        CommentAdded => "comment_added",
        CommentEdited => "comment_edited",
        CommentDeleted => "comment_deleted",
        UpdatePublished => "update_published",
        UpdateEdited => "update_edited",
        UpdateDeleted => "update_deleted",
        AlertDelivered => "alert_delivered",
        AlertFailed => "alert_failed",
        AlertSuppressed => "alert_suppressed",
        AlertMuted => "alert_muted",
        MaintenanceStarted => "maintenance_started",
        MaintenanceCompleted => "maintenance_completed",
        Cancelled => "cancelled",
        Resolved => "resolved",
        Reopened => "reopened",
    }
}

/// An incident as the API and the console show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: i64,
    pub kind: IncidentKind,
    /// The team's title.
    pub title: String,
    /// The title the public sees, when the team set one. Otherwise status
    /// pages show the title of a manual incident or maintenance, and make
    /// one from the public names of the components a programmatic incident
    /// affects (never from monitor names).
    pub public_title: Option<String>,
    /// Markdown.
    pub details: String,
    /// The details rendered and sanitized.
    pub details_html: String,
    pub impact: Impact,
    pub state: IncidentState,
    pub monitor_ids: Vec<i64>,
    pub started_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub scheduled_start: Option<DateTime<Utc>>,
    pub scheduled_end: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who did something: a team member, or `None` for the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Actor {
    pub id: i64,
    pub name: String,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    /// `None` when the system did it.
    pub actor: Option<Actor>,
    /// What changed (e.g. `{"from": "unknown", "to": "major_outage"}`).
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub details: serde_json::Value,
}

/// A private team note. Never shown on a public surface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: i64,
    pub incident_id: i64,
    pub author: Option<Actor>,
    /// Markdown.
    pub body: String,
    /// Rendered and sanitized.
    pub body_html: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// A public message about an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentUpdate {
    pub id: i64,
    pub incident_id: i64,
    pub status: UpdateStatus,
    /// Markdown.
    pub body: String,
    /// Rendered and sanitized.
    pub body_html: String,
    pub author: Option<Actor>,
    pub published_at: DateTime<Utc>,
    /// When it was last corrected.
    pub edited_at: Option<DateTime<Utc>>,
}

/// A monitor an incident affects, with its current status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AffectedMonitor {
    pub id: i64,
    pub name: String,
    pub status: super::MonitorStatus,
}

/// An incident with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentDetails {
    #[serde(flatten)]
    pub incident: Incident,
    pub monitors: Vec<AffectedMonitor>,
    /// The timeline, oldest first.
    pub events: Vec<IncidentEvent>,
    pub comments: Vec<Comment>,
    pub updates: Vec<IncidentUpdate>,
}

/// A new manual incident or planned maintenance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// `manual` (default) or `maintenance`.
    #[serde(default)]
    pub kind: Option<IncidentKind>,
    pub title: String,
    /// What status pages show instead of `title`.
    #[serde(default)]
    pub public_title: Option<String>,
    #[serde(default)]
    pub details: String,
    /// Default `unknown` (`maintenance` for a maintenance).
    #[serde(default)]
    pub impact: Option<Impact>,
    #[serde(default)]
    pub monitor_ids: Vec<i64>,
    /// Maintenance only: the window.
    #[serde(default)]
    pub scheduled_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub scheduled_end: Option<DateTime<Utc>>,
}

/// Changes to an incident; fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentChanges {
    pub title: Option<String>,
    /// `null` or `""` goes back to the title made for the public.
    #[serde(default, deserialize_with = "super::present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub public_title: Option<Option<String>>,
    pub details: Option<String>,
    pub impact: Option<Impact>,
    /// The whole list of affected monitors (a programmatic incident keeps
    /// its own).
    #[serde(default)]
    pub monitor_ids: Option<Vec<i64>>,
    /// Maintenance only: before it starts both ends may move, once it has
    /// started only its end.
    #[serde(default)]
    pub scheduled_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub scheduled_end: Option<DateTime<Utc>>,
}

/// Incidents of one page of a list, and the page after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentList {
    pub items: Vec<Incident>,
    /// The `page` to ask for next; `None` on the last page.
    pub next: Option<u32>,
}

/// How many incidents are ongoing and scheduled (the navigation shows them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentCounts {
    pub ongoing: u32,
    pub scheduled: u32,
}

/// Limits on what people type.
pub mod incident_limits {
    pub const TITLE_MAX: usize = 200;
    /// Details, comments and updates, in characters.
    pub const BODY_MAX: usize = 20_000;
    pub const MONITORS_MAX: usize = 100;
    pub const PAGE_SIZE: u32 = 25;
}
