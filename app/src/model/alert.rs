//! Alerts: channels (where notifications go), rules (which events go where)
//! and deliveries (the notifications and every attempt to send them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

text_enum! {
    /// How a channel delivers.
    ChannelKind {
        /// JSON POSTed to a URL, signed with the channel's secret.
        Webhook => "webhook",
        /// A Slack incoming webhook.
        Slack => "slack",
        /// A Discord webhook.
        Discord => "discord",
        /// Email over SMTP (`VIGIE_SMTP_URL`).
        Email => "email",
    }
}

impl ChannelKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Webhook => "Webhook",
            Self::Slack => "Slack",
            Self::Discord => "Discord",
            Self::Email => "Email",
        }
    }
}

text_enum! {
    /// What a rule can fire on.
    AlertEvent {
        IncidentCreated => "incident_created",
        IncidentResolved => "incident_resolved",
        IncidentUpdatePublished => "incident_update_published",
        ImpactChanged => "impact_changed",
        SslExpiring => "ssl_expiring",
        /// A monitor became slow (`degraded`).
        MonitorDegraded => "monitor_degraded",
        /// A degraded monitor is fast again.
        MonitorRecovered => "monitor_recovered",
        MaintenanceStarted => "maintenance_started",
        MaintenanceCompleted => "maintenance_completed",
    }
}

impl AlertEvent {
    pub fn label(self) -> &'static str {
        match self {
            Self::IncidentCreated => "Incident created",
            Self::IncidentResolved => "Incident resolved",
            Self::IncidentUpdatePublished => "Update published",
            Self::ImpactChanged => "Impact changed",
            Self::SslExpiring => "Certificate expiring",
            Self::MonitorDegraded => "Monitor slow",
            Self::MonitorRecovered => "Monitor fast again",
            Self::MaintenanceStarted => "Maintenance started",
            Self::MaintenanceCompleted => "Maintenance completed",
        }
    }
}

text_enum! {
    /// Where a notification stands.
    NotificationState {
        /// Waiting for its first or next attempt.
        Pending => "pending",
        Delivered => "delivered",
        /// Given up on (24 hours of failed attempts).
        Failed => "failed",
        /// Over the rule's hourly limit: not sent.
        Suppressed => "suppressed",
        /// Its monitors were in maintenance: not sent.
        Muted => "muted",
    }
}

/// A channel as shown: secrets masked, never in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Channel {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    /// Webhooks: the URL. Slack and Discord: masked (their URL is a secret).
    pub url: Option<String>,
    /// Webhooks: the signing secret, masked (`••••` and its last 4 characters).
    pub secret: Option<String>,
    /// Email: the recipients.
    pub to: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One address or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Recipients {
    One(String),
    Many(Vec<String>),
}

impl Recipients {
    /// The addresses, split on commas and whitespace.
    pub fn addresses(&self) -> Vec<String> {
        let all = match self {
            Self::One(one) => vec![one.as_str()],
            Self::Many(many) => many.iter().map(String::as_str).collect(),
        };
        all.into_iter()
            .flat_map(|a| a.split(|c: char| c == ',' || c == ';' || c.is_whitespace()))
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A new channel, or changes to one (fields left out stay as they are; the
/// kind cannot change).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    pub kind: Option<ChannelKind>,
    pub name: Option<String>,
    /// Webhook, Slack and Discord: where to POST.
    pub url: Option<String>,
    /// Webhooks: the signing secret (16 to 256 characters). Write-only.
    pub secret: Option<String>,
    /// Email: one address or a list.
    pub to: Option<Recipients>,
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertRule {
    pub id: i64,
    pub name: String,
    pub events: Vec<AlertEvent>,
    pub channel_id: i64,
    pub channel_name: String,
    /// `null`: every monitor.
    pub monitor_ids: Option<Vec<i64>>,
    pub enabled: bool,
    /// At most this many notifications per hour; `null`: no limit.
    pub max_per_hour: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new rule, or changes to one (fields left out stay as they are; a
/// `null` `monitor_ids` or `max_per_hour` means all monitors / no limit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertRuleInput {
    pub name: Option<String>,
    pub events: Option<Vec<AlertEvent>>,
    pub channel_id: Option<i64>,
    #[serde(default, deserialize_with = "super::present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Vec<i64>>))]
    pub monitor_ids: Option<Option<Vec<i64>>>,
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "super::present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<u32>))]
    pub max_per_hour: Option<Option<u32>>,
}

/// One attempt to deliver a notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    pub duration_ms: u32,
    pub ok: bool,
    /// The HTTP status the receiver answered (webhooks, Slack, Discord).
    pub status_code: Option<u16>,
    /// The SMTP server's reply, or the start of the HTTP answer.
    pub reply: String,
    pub error: Option<String>,
    /// When the next attempt is due, after a failure.
    pub retry_at: Option<DateTime<Utc>>,
}

/// A notification: one rule that fired, sent (or not) to its channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    /// The `X-Vigie-Delivery` id, the same on every attempt.
    pub delivery_id: String,
    /// An [`AlertEvent`], or `test`.
    pub event: String,
    pub state: NotificationState,
    pub rule_id: Option<i64>,
    pub rule_name: String,
    pub channel_id: i64,
    pub incident_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// While pending: when the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: Vec<DeliveryAttempt>,
}

/// A page of a channel's deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    pub next: Option<u32>,
}

pub mod alert_limits {
    /// Channel and rule names, in characters.
    pub const NAME_MAX: usize = 100;
    pub const URL_MAX: usize = 2_000;
    pub const SECRET_MIN: usize = 16;
    pub const SECRET_MAX: usize = 256;
    pub const RECIPIENTS_MAX: usize = 20;
    /// Monitors one rule can name.
    pub const RULE_MONITORS_MAX: usize = 1_000;
    pub const PER_HOUR_MAX: u32 = 10_000;
    /// Deliveries per page.
    pub const PAGE_SIZE: u32 = 50;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_one_address_or_a_list() {
        let one: ChannelInput = serde_json::from_str(r#"{"to": "a@example.com, b@example.com"}"#).unwrap();
        assert_eq!(one.to.unwrap().addresses(), ["a@example.com", "b@example.com"]);
        let many: ChannelInput = serde_json::from_str(r#"{"to": ["a@example.com", "c@example.com"]}"#).unwrap();
        assert_eq!(many.to.unwrap().addresses(), ["a@example.com", "c@example.com"]);
    }

    #[test]
    fn rule_changes_tell_null_from_absent() {
        let absent: AlertRuleInput = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!((absent.monitor_ids, absent.max_per_hour), (None, None));
        let null: AlertRuleInput = serde_json::from_str(r#"{"monitor_ids": null, "max_per_hour": null}"#).unwrap();
        assert_eq!((null.monitor_ids, null.max_per_hour), (Some(None), Some(None)));
        let set: AlertRuleInput = serde_json::from_str(r#"{"monitor_ids": [3], "max_per_hour": 5}"#).unwrap();
        assert_eq!((set.monitor_ids, set.max_per_hour), (Some(Some(vec![3])), Some(Some(5))));
        assert!(serde_json::from_str::<AlertRuleInput>(r#"{"event": ["x"]}"#).is_err(), "unknown fields");
    }
}
