//! Status pages: their configuration, and the states the public sees.

use super::Impact;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One monitor shown on a page, under the name the public sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PageComponent {
    pub monitor_id: i64,
    pub name: String,
    /// Components with the same group are shown together under it.
    #[serde(default)]
    pub group: Option<String>,
}

/// A status page's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusPage {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Served at `/`.
    #[serde(rename = "default")]
    pub is_default: bool,
    /// Unpublished pages answer 404 to the public.
    pub published: bool,
    /// Visitors may subscribe to the page by email or webhook.
    pub allow_subscriptions: bool,
    /// Requests whose Host is this domain are served this page at `/`.
    pub custom_domain: Option<String>,
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    pub components: Vec<PageComponent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new page, or changes to one: fields left out stay as they are; `null`
/// clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusPageInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "default")]
    pub is_default: Option<bool>,
    pub published: Option<bool>,
    pub allow_subscriptions: Option<bool>,
    #[serde(default, deserialize_with = "super::present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub custom_domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub logo_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub accent_color: Option<Option<String>>,
    /// The whole list, in order (replaces the current one).
    pub components: Option<Vec<PageComponent>>,
}

text_enum! {
    /// A component's state as the public sees it (Statuspage's names).
    ComponentStatus {
        Operational => "operational",
        UnderMaintenance => "under_maintenance",
        DegradedPerformance => "degraded_performance",
        PartialOutage => "partial_outage",
        MajorOutage => "major_outage",
    }
}

impl ComponentStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::UnderMaintenance => "Under maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }

    /// How bad: the worst state wins where several apply.
    pub fn severity(self) -> u8 {
        match self {
            Self::Operational => 0,
            Self::UnderMaintenance => 1,
            Self::DegradedPerformance => 2,
            Self::PartialOutage => 3,
            Self::MajorOutage => 4,
        }
    }

    /// What an ongoing incident of this impact makes of the components it
    /// covers. `unknown` shows them simply as down, with no details.
    pub fn of_impact(impact: Impact) -> Self {
        match impact {
            Impact::Operational => Self::Operational,
            Impact::Maintenance => Self::UnderMaintenance,
            Impact::DegradedPerformance => Self::DegradedPerformance,
            Impact::PartialOutage => Self::PartialOutage,
            Impact::MajorOutage | Impact::Unknown => Self::MajorOutage,
        }
    }

    /// A component's state: the worst of the ongoing incidents covering it.
    pub fn of_incidents(impacts: impl IntoIterator<Item = Impact>) -> Self {
        impacts.into_iter().map(Self::of_impact).max_by_key(|s| s.severity()).unwrap_or(Self::Operational)
    }

    /// A component's state from the ongoing incidents covering it (they
    /// decide when there are any) and else its monitor: `partial` (some
    /// regions fail, not enough for an outage) and `degraded` (slow) are
    /// degraded performance.
    pub fn of_monitor(impacts: Vec<Impact>, monitor: super::MonitorStatus) -> Self {
        match (impacts.is_empty(), monitor) {
            (true, super::MonitorStatus::Partial | super::MonitorStatus::Degraded) => Self::DegradedPerformance,
            _ => Self::of_incidents(impacts),
        }
    }
}

text_enum! {
    /// The page's banner, from its worst component.
    PageStatus {
        AllOperational => "all_operational",
        Maintenance => "maintenance",
        Degraded => "degraded",
        PartialOutage => "partial_outage",
        MajorOutage => "major_outage",
    }
}

impl PageStatus {
    pub fn of_components(components: impl IntoIterator<Item = ComponentStatus>) -> Self {
        match components.into_iter().max_by_key(|s| s.severity()) {
            None | Some(ComponentStatus::Operational) => Self::AllOperational,
            Some(ComponentStatus::UnderMaintenance) => Self::Maintenance,
            Some(ComponentStatus::DegradedPerformance) => Self::Degraded,
            Some(ComponentStatus::PartialOutage) => Self::PartialOutage,
            Some(ComponentStatus::MajorOutage) => Self::MajorOutage,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::AllOperational => "All systems operational",
            Self::Maintenance => "Maintenance in progress",
            Self::Degraded => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }

    /// Statuspage's `status.indicator`.
    pub fn indicator(self) -> &'static str {
        match self {
            Self::AllOperational => "none",
            Self::Maintenance => "maintenance",
            Self::Degraded => "minor",
            Self::PartialOutage => "major",
            Self::MajorOutage => "critical",
        }
    }
}

/// The shape of a page's slug, said the same way in forms and errors.
pub const SLUG_RULE: &str = "Use 1 to 63 lowercase letters, digits or dashes, starting with a letter or digit.";

/// Whether `slug` is a valid page slug (`^[a-z0-9][a-z0-9-]{0,62}$`).
pub fn is_slug(slug: &str) -> bool {
    let mut chars = slug.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

text_enum! {
    /// How a subscriber is told: by email, or by a webhook (Statuspage's shapes).
    SubscriberKind {
        Email => "email",
        Webhook => "webhook",
    }
}

text_enum! {
    /// Where a subscription stands: an email waits for its confirmation link;
    /// one whose mail bounced for good is skipped.
    SubscriberState {
        Pending => "pending",
        Confirmed => "confirmed",
        Bounced => "bounced",
    }
}

text_enum! {
    /// What a page published that its subscribers are told of.
    NoticeKind {
        IncidentPublished => "incident_published",
        IncidentUpdated => "incident_updated",
        IncidentResolved => "incident_resolved",
        MaintenanceScheduled => "maintenance_scheduled",
        MaintenanceChanged => "maintenance_changed",
        MaintenanceStarted => "maintenance_started",
        MaintenanceCompleted => "maintenance_completed",
        MaintenanceCancelled => "maintenance_cancelled",
        /// A component's public state changed (webhooks only).
        ComponentUpdate => "component_update",
    }
}

text_enum! {
    /// Where one message to one subscriber stands.
    SubscriberDeliveryState {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
}

/// A subscriber of a status page, as the team sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Subscriber {
    pub id: i64,
    pub kind: SubscriberKind,
    /// The email address, or the webhook URL with its path hidden.
    pub address: String,
    /// The monitors (components) followed; `null`: the whole page.
    pub monitor_ids: Option<Vec<i64>>,
    pub state: SubscriberState,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// One page of a page's subscribers, newest first; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriberList {
    pub items: Vec<Subscriber>,
    /// Pass as `before` for the next (older) page.
    pub next: Option<i64>,
}

/// How many subscribers a page has, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriberCounts {
    pub confirmed: i64,
    pub pending: i64,
    pub bounced: i64,
}

/// A page's subscribers as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberOverview {
    pub page_title: String,
    pub page_slug: String,
    pub components: Vec<PageComponent>,
    pub counts: SubscriberCounts,
    pub list: SubscriberList,
    /// The latest messages to the page's subscribers, newest first.
    pub sent: Vec<SentNotice>,
}

/// One message to a page's subscribers and where its deliveries stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentNotice {
    pub id: i64,
    pub kind: NoticeKind,
    pub created_at: DateTime<Utc>,
    /// The email's subject, or what changed (a component's notice); `None`
    /// while it is being written, or when there was nothing public to say.
    pub subject: Option<String>,
    pub delivered: i64,
    pub waiting: i64,
    pub failed: i64,
}

/// A subscriber the team adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubscriberInput {
    pub kind: SubscriberKind,
    /// An email address, or an `https://` URL.
    pub address: String,
    /// The monitors (components of the page) to follow; none: the whole page.
    #[serde(default)]
    pub monitor_ids: Vec<i64>,
    /// The person already agreed: no confirmation email, confirmed at once.
    /// Without it an email address gets a link to confirm.
    #[serde(default)]
    pub skip_confirmation: bool,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub added: u32,
    /// Already subscribed: left as they were.
    pub existing: u32,
    /// `(line, what is wrong)`, for lines not imported.
    pub errors: Vec<(u32, String)>,
}

pub mod status_page_limits {
    pub const TITLE_MAX: usize = 100;
    pub const DESCRIPTION_MAX: usize = 2_000;
    pub const COMPONENTS_MAX: usize = 200;
    /// Component and group names.
    pub const NAME_MAX: usize = 100;
    pub const URL_MAX: usize = 2_000;
    /// An unconfirmed subscription is forgotten this long after its link was sent.
    pub const SUBSCRIBER_CONFIRM_DAYS: i64 = 7;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_covering_incident_sets_a_component() {
        use ComponentStatus as C;
        use Impact as I;
        let cases: &[(&[Impact], ComponentStatus)] = &[
            (&[], C::Operational),
            (&[I::Operational], C::Operational),
            (&[I::Unknown], C::MajorOutage),
            (&[I::Maintenance], C::UnderMaintenance),
            (&[I::Maintenance, I::DegradedPerformance], C::DegradedPerformance),
            (&[I::PartialOutage, I::DegradedPerformance], C::PartialOutage),
            (&[I::Operational, I::MajorOutage, I::Maintenance], C::MajorOutage),
            (&[I::Unknown, I::PartialOutage], C::MajorOutage),
        ];
        for (impacts, expected) in cases {
            assert_eq!(C::of_incidents(impacts.iter().copied()), *expected, "{impacts:?}");
        }
    }

    #[test]
    fn a_partial_or_slow_monitor_is_degraded_unless_an_incident_says_otherwise() {
        use super::super::MonitorStatus as M;
        use ComponentStatus as C;
        use Impact as I;
        #[rustfmt::skip]
        let cases: &[(&[Impact], M, ComponentStatus)] = &[
            (&[],                 M::Partial,     C::DegradedPerformance),
            (&[],                 M::Degraded,    C::DegradedPerformance),
            (&[],                 M::Up,          C::Operational),
            (&[],                 M::Down,        C::Operational),   // a person closed the outage
            (&[I::Unknown],       M::Degraded,    C::MajorOutage),   // an outage still open
            (&[],                 M::Pending,     C::Operational),
            (&[I::Operational],   M::Partial,     C::Operational),   // a false alarm says so
            (&[I::MajorOutage],   M::Partial,     C::MajorOutage),
            (&[I::Maintenance],   M::Maintenance, C::UnderMaintenance),
        ];
        for (impacts, monitor, expected) in cases {
            assert_eq!(C::of_monitor(impacts.to_vec(), *monitor), *expected, "{impacts:?} {monitor:?}");
        }
    }

    #[test]
    fn the_worst_component_sets_the_banner() {
        use ComponentStatus as C;
        let cases: &[(&[ComponentStatus], PageStatus, &str)] = &[
            (&[], PageStatus::AllOperational, "none"),
            (&[C::Operational, C::Operational], PageStatus::AllOperational, "none"),
            (&[C::Operational, C::UnderMaintenance], PageStatus::Maintenance, "maintenance"),
            (&[C::UnderMaintenance, C::DegradedPerformance], PageStatus::Degraded, "minor"),
            (&[C::PartialOutage, C::DegradedPerformance], PageStatus::PartialOutage, "major"),
            (&[C::MajorOutage, C::Operational], PageStatus::MajorOutage, "critical"),
        ];
        for (components, banner, indicator) in cases {
            let status = PageStatus::of_components(components.iter().copied());
            assert_eq!((status, status.indicator()), (*banner, *indicator), "{components:?}");
        }
    }

    #[test]
    fn slugs_follow_the_rule() {
        for good in ["status", "acme-prod", "9", &"x".repeat(63)] {
            assert!(is_slug(good), "{good}");
        }
        for bad in ["", "-x", "Status", "a b", "a_b", &"x".repeat(64)] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}
