//! Alerts: channels and rules (checked, with secrets masked on the way out),
//! the outbox writer that turns an event into notifications in the event's
//! own transaction, and what each delivery attempt leaves behind (its row,
//! the notification's next step, the incident's timeline). Sending is in
//! `notify`; the loop that claims due notifications is the server's
//! dispatcher.

pub mod notify;

use crate::error::AppError;
use crate::model::alert_limits::{
    NAME_MAX, PAGE_SIZE, PER_HOUR_MAX, RECIPIENTS_MAX, RULE_MONITORS_MAX, SECRET_MAX, SECRET_MIN, URL_MAX,
};
use crate::model::{
    AlertEvent, AlertRule, AlertRuleInput, AuditAction, Channel, ChannelInput, ChannelKind, Delivery, DeliveryAttempt,
    DeliveryList, EventKind, NotificationState,
};
use crate::ssr::db::alert_rules::{self as rule_rows, RuleRow, RuleValues};
use crate::ssr::db::channels::{self as channel_rows, ChannelRow, ChannelValues};
use crate::ssr::db::delivery_attempts::{self as attempt_rows, AttemptRow};
use crate::ssr::db::notifications::{self as notification_rows, NewNotification, NotificationRow};
use crate::ssr::db::{incident_events, incidents as incident_rows, monitors as monitor_rows};
use crate::ssr::team::audit::{self, Actor};
use crate::ssr::team::auth::new_secret;
use crate::ssr::text::{MASK, mask};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

/// The PostgreSQL channel the dispatcher listens on.
pub const WAKE_CHANNEL: &str = "vigie_alerts";
/// A notification still failing this long after its event is given up.
pub const GIVE_UP_AFTER: Duration = Duration::hours(24);
/// The first retry comes this soon after a failure; each next one three
/// times later, up to [`RETRY_CAP`].
const FIRST_RETRY: Duration = Duration::seconds(5);
const RETRY_CAP: Duration = Duration::hours(1);

// ---- channels -------------------------------------------------------------------

/// A Slack or Discord URL with its secret path hidden: scheme and host only.
pub fn mask_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => format!("{}://{}/{MASK}{}", parsed.scheme(), parsed.host_str().unwrap_or(""), {
            let path = parsed.path();
            let tail: String = path.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            tail
        }),
        Err(_) => mask(url),
    }
}

pub fn to_channel(row: ChannelRow) -> Channel {
    let kind = row.kind;
    Channel {
        id: row.id,
        kind,
        name: row.name,
        url: match kind {
            ChannelKind::Webhook => row.url,
            ChannelKind::Slack | ChannelKind::Discord => row.url.as_deref().map(mask_url),
            ChannelKind::Email => None,
        },
        secret: row.secret.as_deref().map(mask),
        to: row.recipients,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn check_name(name: &str) -> Result<String, AppError> {
    crate::ssr::text::required_line("name", name, NAME_MAX, "Enter a name.")
}

fn check_url(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(AppError::validation("url", "Enter the URL to send to."));
    }
    if url.len() > URL_MAX {
        return Err(AppError::validation("url", format!("At most {URL_MAX} characters.")));
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() => Ok(url.to_owned()),
        _ => Err(AppError::validation("url", "Enter an http:// or https:// URL.")),
    }
}

fn check_secret(secret: &str) -> Result<String, AppError> {
    let length = secret.chars().count();
    if !(SECRET_MIN..=SECRET_MAX).contains(&length) {
        return Err(AppError::validation("secret", format!("Use {SECRET_MIN} to {SECRET_MAX} characters.")));
    }
    if secret.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::validation("secret", "Spaces and control characters are not allowed."));
    }
    Ok(secret.to_owned())
}

fn check_recipients(to: &[String]) -> Result<Vec<String>, AppError> {
    if to.is_empty() {
        return Err(AppError::validation("to", "Enter at least one address."));
    }
    if to.len() > RECIPIENTS_MAX {
        return Err(AppError::validation("to", format!("At most {RECIPIENTS_MAX} addresses.")));
    }
    let mut checked = Vec::with_capacity(to.len());
    for address in to {
        if address.parse::<lettre::Address>().is_err() {
            return Err(AppError::validation("to", format!("`{address}` is not an email address.")));
        }
        if !checked.contains(address) {
            checked.push(address.clone());
        }
    }
    Ok(checked)
}

/// A channel as it will be stored: `current` is the stored one when editing
/// (fields left out keep their value; the kind never changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidChannel {
    pub kind: ChannelKind,
    pub name: String,
    pub url: Option<String>,
    pub secret: Option<String>,
    pub recipients: Vec<String>,
}

pub fn validate_channel(input: ChannelInput, current: Option<&ChannelRow>) -> Result<ValidChannel, AppError> {
    let kind = match (current, input.kind) {
        (Some(row), Some(kind)) if kind != row.kind => {
            return Err(AppError::validation("kind", "A channel's kind cannot change: create another channel."));
        }
        (Some(row), _) => row.kind,
        (None, Some(kind)) => kind,
        (None, None) => return Err(AppError::validation("kind", "Choose webhook, slack, discord or email.")),
    };
    let name = match (input.name, current) {
        (Some(name), _) => check_name(&name)?,
        (None, Some(row)) => row.name.clone(),
        (None, None) => return Err(AppError::validation("name", "Enter a name.")),
    };
    let uses_url = kind != ChannelKind::Email;
    let url = match (input.url, current) {
        (Some(_), _) if !uses_url => return Err(AppError::validation("url", "An email channel has no URL.")),
        // A masked URL sent back unchanged keeps the stored one.
        (Some(url), Some(row)) if url.contains('•') => row.url.clone(),
        (Some(url), _) => Some(check_url(&url)?),
        (None, Some(row)) => row.url.clone(),
        (None, None) if uses_url => return Err(AppError::validation("url", "Enter the URL to send to.")),
        (None, None) => None,
    };
    let secret = match (input.secret.filter(|s| !s.is_empty()), current) {
        (Some(_), _) if kind != ChannelKind::Webhook => {
            return Err(AppError::validation("secret", "Only a webhook has a signing secret."));
        }
        (Some(secret), _) => Some(check_secret(&secret)?),
        (None, Some(row)) => row.secret.clone(),
        (None, None) if kind == ChannelKind::Webhook => {
            return Err(AppError::validation(
                "secret",
                format!("Enter a signing secret of at least {SECRET_MIN} characters."),
            ));
        }
        (None, None) => None,
    };
    let recipients = match (input.to, current) {
        (Some(_), _) if kind != ChannelKind::Email => {
            return Err(AppError::validation("to", "Only an email channel has recipients."));
        }
        (Some(to), _) => check_recipients(&to.addresses())?,
        (None, Some(row)) => row.recipients.clone(),
        (None, None) if kind == ChannelKind::Email => {
            return Err(AppError::validation("to", "Enter at least one address."));
        }
        (None, None) => Vec::new(),
    };
    Ok(ValidChannel { kind, name, url, secret, recipients })
}

fn channel_values<'a>(valid: &'a ValidChannel, now: DateTime<Utc>) -> ChannelValues<'a> {
    ChannelValues {
        kind: valid.kind,
        name: &valid.name,
        url: valid.url.as_deref(),
        secret: valid.secret.as_deref(),
        recipients: &valid.recipients,
        updated_at: now,
    }
}

pub fn list_channels(conn: &mut PgConnection) -> Result<Vec<Channel>, AppError> {
    Ok(channel_rows::list(conn)?.into_iter().map(to_channel).collect())
}

pub fn get_channel(conn: &mut PgConnection, id: i64) -> Result<Channel, AppError> {
    channel_rows::find(conn, id)?.map(to_channel).ok_or_else(|| AppError::not_found("channel"))
}

/// A channel as the audit log names it.
fn channel_subject(kind: ChannelKind, name: &str) -> String {
    format!("{name} ({kind})")
}

pub fn create_channel(
    conn: &mut PgConnection,
    actor: &Actor,
    input: ChannelInput,
    now: DateTime<Utc>,
) -> Result<Channel, AppError> {
    let valid = validate_channel(input, None)?;
    conn.transaction(|conn| {
        let row = channel_rows::insert(conn, &channel_values(&valid, now))?;
        audit::record(conn, actor, AuditAction::ChannelCreated, &channel_subject(row.kind, &row.name), None)?;
        Ok(to_channel(row))
    })
}

pub fn update_channel(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    input: ChannelInput,
    now: DateTime<Utc>,
) -> Result<Channel, AppError> {
    conn.transaction(|conn| {
        let current = channel_rows::find(conn, id)?.ok_or_else(|| AppError::not_found("channel"))?;
        let valid = validate_channel(input, Some(&current))?;
        let row = channel_rows::update(conn, id, &channel_values(&valid, now))?
            .ok_or_else(|| AppError::internal("read back a channel"))?;
        // Which fields changed, never their values: the URL and secret are secrets.
        let changed = audit::changed_fields(&[
            ("name", current.name != valid.name),
            ("url", current.url != valid.url),
            ("secret", current.secret != valid.secret),
            ("recipients", current.recipients != valid.recipients),
        ]);
        if let Some(changed) = changed {
            let subject = channel_subject(row.kind, &current.name);
            audit::record(conn, actor, AuditAction::ChannelChanged, &subject, Some(&changed))?;
        }
        Ok(to_channel(row))
    })
}

/// Deletes a channel with its rules and deliveries.
pub fn delete_channel(conn: &mut PgConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let name = channel_rows::delete(conn, id)?.ok_or_else(|| AppError::not_found("channel"))?;
        audit::record(conn, actor, AuditAction::ChannelDeleted, &name, None)?;
        Ok(())
    })
}

// ---- rules ----------------------------------------------------------------------------

fn to_rule(row: RuleRow, channel_name: String) -> AlertRule {
    AlertRule {
        id: row.id,
        name: row.name,
        events: row.events.iter().filter_map(|e| AlertEvent::parse(e)).collect(),
        channel_id: row.channel_id,
        channel_name,
        monitor_ids: row.monitor_ids,
        enabled: row.enabled,
        max_per_hour: row.max_per_hour.and_then(|n| u32::try_from(n).ok()),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub fn list_rules(conn: &mut PgConnection) -> Result<Vec<AlertRule>, AppError> {
    Ok(rule_rows::list(conn)?.into_iter().map(|(row, channel)| to_rule(row, channel)).collect())
}

pub fn get_rule(conn: &mut PgConnection, id: i64) -> Result<AlertRule, AppError> {
    let (row, channel) = rule_rows::find(conn, id)?.ok_or_else(|| AppError::not_found("alert rule"))?;
    Ok(to_rule(row, channel))
}

/// A rule as it will be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRule {
    pub name: String,
    pub events: Vec<String>,
    pub channel_id: i64,
    pub monitor_ids: Option<Vec<i64>>,
    pub enabled: bool,
    pub max_per_hour: Option<i32>,
}

/// Checks a rule (channel and monitors' existence are checked apart).
pub fn validate_rule(input: AlertRuleInput, current: Option<&RuleRow>) -> Result<ValidRule, AppError> {
    let name = match (input.name, current) {
        (Some(name), _) => check_name(&name)?,
        (None, Some(row)) => row.name.clone(),
        (None, None) => return Err(AppError::validation("name", "Enter a name.")),
    };
    let events = match (input.events, current) {
        (Some(mut events), _) => {
            // In the order of the list, each once.
            events.sort_by_key(|e| AlertEvent::ALL.iter().position(|a| a == e));
            events.dedup();
            if events.is_empty() {
                return Err(AppError::validation("events", "Choose at least one event."));
            }
            events.into_iter().map(|e| e.as_str().to_owned()).collect()
        }
        (None, Some(row)) => row.events.clone(),
        (None, None) => return Err(AppError::validation("events", "Choose at least one event.")),
    };
    let channel_id = match (input.channel_id, current) {
        (Some(id), _) => id,
        (None, Some(row)) => row.channel_id,
        (None, None) => return Err(AppError::validation("channel_id", "Choose a channel.")),
    };
    let monitor_ids = match (input.monitor_ids, current) {
        (Some(Some(mut ids)), _) => {
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Err(AppError::validation("monitor_ids", "Choose at least one monitor, or null for all."));
            }
            if ids.len() > RULE_MONITORS_MAX {
                return Err(AppError::validation("monitor_ids", format!("At most {RULE_MONITORS_MAX} monitors.")));
            }
            Some(ids)
        }
        (Some(None), _) => None,
        (None, Some(row)) => row.monitor_ids.clone(),
        (None, None) => None,
    };
    let enabled = input.enabled.or(current.map(|r| r.enabled)).unwrap_or(true);
    let max_per_hour = match (input.max_per_hour, current) {
        (Some(Some(n)), _) if !(1..=PER_HOUR_MAX).contains(&n) => {
            return Err(AppError::validation("max_per_hour", format!("Between 1 and {PER_HOUR_MAX}, or null.")));
        }
        (Some(n), _) => n.and_then(|n| i32::try_from(n).ok()),
        (None, Some(row)) => row.max_per_hour,
        (None, None) => None,
    };
    Ok(ValidRule { name, events, channel_id, monitor_ids, enabled, max_per_hour })
}

fn check_references(conn: &mut PgConnection, valid: &ValidRule) -> Result<(), AppError> {
    if channel_rows::find(conn, valid.channel_id)?.is_none() {
        return Err(AppError::validation("channel_id", format!("There is no channel {}.", valid.channel_id)));
    }
    if let Some(ids) = &valid.monitor_ids {
        let found = monitor_rows::find_many(conn, ids)?;
        if let Some(missing) = ids.iter().find(|id| !found.iter().any(|m| m.id == **id)) {
            return Err(AppError::validation("monitor_ids", format!("There is no monitor {missing}.")));
        }
    }
    Ok(())
}

fn rule_values<'a>(valid: &'a ValidRule, now: DateTime<Utc>) -> RuleValues<'a> {
    RuleValues {
        name: &valid.name,
        events: &valid.events,
        channel_id: valid.channel_id,
        monitor_ids: valid.monitor_ids.as_deref(),
        enabled: valid.enabled,
        max_per_hour: valid.max_per_hour,
        updated_at: now,
    }
}

pub fn create_rule(conn: &mut PgConnection, input: AlertRuleInput, now: DateTime<Utc>) -> Result<AlertRule, AppError> {
    let valid = validate_rule(input, None)?;
    conn.transaction(|conn| {
        check_references(conn, &valid)?;
        let id = rule_rows::insert(conn, &rule_values(&valid, now))?;
        get_rule(conn, id)
    })
}

pub fn update_rule(
    conn: &mut PgConnection,
    id: i64,
    input: AlertRuleInput,
    now: DateTime<Utc>,
) -> Result<AlertRule, AppError> {
    conn.transaction(|conn| {
        let (current, _) = rule_rows::find(conn, id)?.ok_or_else(|| AppError::not_found("alert rule"))?;
        let valid = validate_rule(input, Some(&current))?;
        check_references(conn, &valid)?;
        rule_rows::update(conn, id, &rule_values(&valid, now))?;
        get_rule(conn, id)
    })
}

pub fn delete_rule(conn: &mut PgConnection, id: i64) -> Result<(), AppError> {
    if rule_rows::delete(conn, id)? { Ok(()) } else { Err(AppError::not_found("alert rule")) }
}

// ---- the outbox -------------------------------------------------------------------------

/// An event that alert rules may fire on.
#[derive(Debug, Clone)]
pub struct Trigger<'a> {
    pub event: AlertEvent,
    pub at: DateTime<Utc>,
    pub incident_id: Option<i64>,
    /// The monitors it concerns (a rule's scope is matched against them).
    pub monitor_ids: &'a [i64],
    /// Added to the payload: the update, the certificate, the impact change.
    pub extra: Value,
    /// The parent monitor whose outage holds this event back: its
    /// notifications are recorded as suppressed by the dependency, not sent.
    pub held_by: Option<&'a str>,
}

/// What an event says about its incident and monitors, as of now.
fn payload(conn: &mut PgConnection, trigger: &Trigger<'_>) -> QueryResult<Value> {
    let mut body = json!({ "event": trigger.event, "occurred_at": trigger.at });
    if let Some(id) = trigger.incident_id
        && let Some(row) = incident_rows::find(conn, id)?
    {
        body["incident"] = json!({
            "id": row.id,
            "title": row.title,
            "impact": row.impact,
            "state": row.state,
            "kind": row.kind,
            "started_at": row.started_at,
            "resolved_at": row.resolved_at,
            "scheduled_start": row.scheduled_start,
            "scheduled_end": row.scheduled_end,
        });
    }
    let monitors: Vec<Value> = monitor_rows::find_many(conn, trigger.monitor_ids)?
        .into_iter()
        .map(|m| {
            let target = match (&m.url, &m.host, m.port) {
                (Some(url), _, _) => url.clone(),
                (None, Some(host), Some(port)) => format!("{host}:{port}"),
                _ => String::new(),
            };
            json!({ "id": m.id, "name": m.name, "status": m.status, "target": target })
        })
        .collect();
    body["monitors"] = Value::Array(monitors);
    if let Value::Object(extra) = &trigger.extra {
        for (key, value) in extra {
            body[key] = value.clone();
        }
    }
    Ok(body)
}

/// Whether every monitor of the event is in an ongoing maintenance: its
/// alerts are muted (maintenance's own start and end are not).
fn muted(conn: &mut PgConnection, trigger: &Trigger<'_>) -> QueryResult<bool> {
    if matches!(trigger.event, AlertEvent::MaintenanceStarted | AlertEvent::MaintenanceCompleted)
        || trigger.monitor_ids.is_empty()
    {
        return Ok(false);
    }
    for id in trigger.monitor_ids {
        if !incident_rows::in_maintenance(conn, *id)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Writes a notification for every enabled rule that fires on this event,
/// in the caller's transaction, and wakes the dispatchers when it commits.
/// Over a rule's hourly limit or held back by a dependency, or with all its
/// monitors in maintenance, the notification is recorded as `suppressed` or
/// `muted` and never sent. (The
/// limit counts committed notifications: events raised at the same instant
/// in concurrent transactions may pass it by one each.) Returns how many
/// will be sent.
pub fn raise(conn: &mut PgConnection, trigger: Trigger<'_>) -> QueryResult<usize> {
    let rules = rule_rows::lock_matching(conn, trigger.event.as_str(), trigger.monitor_ids)?;
    if rules.is_empty() {
        return Ok(0);
    }
    let payload = payload(conn, &trigger)?;
    let muted = muted(conn, &trigger)?;
    let channel_ids: Vec<i64> = rules.iter().map(|r| r.channel_id).collect();
    let channels = channel_rows::find_many(conn, &channel_ids)?;
    let mut pending = 0;
    for rule in rules {
        let state = if muted {
            NotificationState::Muted
        } else if trigger.held_by.is_some() {
            NotificationState::Suppressed
        } else if let Some(limit) = rule.max_per_hour
            && notification_rows::sent_since(conn, rule.id, trigger.at - Duration::hours(1))? >= i64::from(limit)
        {
            NotificationState::Suppressed
        } else {
            NotificationState::Pending
        };
        let delivery_id = new_delivery_id();
        notification_rows::insert(
            conn,
            &NewNotification {
                delivery_id: &delivery_id,
                rule_id: Some(rule.id),
                rule_name: &rule.name,
                channel_id: rule.channel_id,
                event: trigger.event.as_str(),
                incident_id: trigger.incident_id,
                payload: &payload,
                state,
                next_attempt_at: trigger.at,
                created_at: trigger.at,
                finished_at: (state != NotificationState::Pending).then_some(trigger.at),
            },
        )?;
        if state == NotificationState::Pending {
            pending += 1;
        } else if let Some(incident_id) = trigger.incident_id {
            let channel = channels.iter().find(|c| c.id == rule.channel_id).map_or("", |c| c.name.as_str());
            let kind =
                if state == NotificationState::Muted { EventKind::AlertMuted } else { EventKind::AlertSuppressed };
            let summary = if state == NotificationState::Muted {
                format!("{} → {channel}: not sent, its monitors are in maintenance", rule.name)
            } else if let Some(parent) = trigger.held_by {
                format!("{} → {channel}: not sent, this monitor depends on {parent}, which is down", rule.name)
            } else {
                format!(
                    "{} → {channel}: not sent, over its limit of {} per hour",
                    rule.name,
                    rule.max_per_hour.unwrap_or(0)
                )
            };
            let details = json!({ "rule": rule.name, "channel": channel, "event": trigger.event, "summary": summary });
            incident_events::insert(conn, incident_id, trigger.at, kind, None, &details)?;
        }
    }
    if pending > 0 {
        notification_rows::notify(conn, WAKE_CHANNEL)?;
    }
    Ok(pending)
}

// ---- attempts ------------------------------------------------------------------------------

/// How long after its `attempt`-th failed attempt a notification is tried
/// again: 5 s, 15 s, 45 s… up to an hour. `jitter` in [0, 1) adds up to 10 %
/// so that notifications failing together do not retry in step.
pub fn retry_delay(attempt: u32, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(10);
    let base = FIRST_RETRY.num_milliseconds().saturating_mul(3_i64.pow(exponent));
    let capped = base.min(RETRY_CAP.num_milliseconds());
    Duration::milliseconds(capped + (capped as f64 * 0.1 * jitter.clamp(0.0, 1.0)) as i64)
}

/// What one attempt to send got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    pub status_code: Option<u16>,
    pub reply: String,
    pub error: Option<String>,
    pub duration_ms: u32,
}

impl Outcome {
    /// A line for the timeline: "delivered (HTTP 200)", "failed: timeout".
    pub fn describe(&self) -> String {
        let mut text = String::from(if self.ok { "delivered" } else { "failed" });
        if let Some(code) = self.status_code {
            text.push_str(&format!(" (HTTP {code})"));
        } else if !self.reply.is_empty() {
            text.push_str(&format!(" ({})", self.reply.lines().next().unwrap_or_default()));
        }
        if let Some(error) = &self.error {
            text.push_str(&format!(": {error}"));
        }
        text
    }
}

pub fn jitter() -> f64 {
    use rand_core::{OsRng, RngCore};
    f64::from(OsRng.next_u32() % 1000) / 1000.0
}

/// Records an attempt on a claimed notification: the attempt itself, the
/// notification's next step (delivered, retry at…, or failed after
/// [`GIVE_UP_AFTER`]) and, for an incident, the timeline event. Returns the
/// state it is left in (`None` if the notification is gone, with its channel).
pub fn record_attempt(
    conn: &mut PgConnection,
    notification_id: i64,
    channel_name: &str,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> QueryResult<Option<NotificationState>> {
    conn.transaction(|conn| {
        let Some(row) = notification_rows::lock(conn, notification_id)? else { return Ok(None) };
        if row.state != NotificationState::Pending {
            return Ok(Some(row.state));
        }
        let attempt = u32::try_from(row.attempts).unwrap_or(1).max(1);
        let retry_at = (!outcome.ok)
            .then(|| now + retry_delay(attempt, jitter()))
            .filter(|at| *at <= row.created_at + GIVE_UP_AFTER);
        let state = match (outcome.ok, retry_at) {
            (true, _) => NotificationState::Delivered,
            (false, Some(_)) => NotificationState::Pending,
            (false, None) => NotificationState::Failed,
        };
        attempt_rows::insert(
            conn,
            &AttemptRow {
                notification_id,
                at: now,
                duration_ms: i32::try_from(outcome.duration_ms).unwrap_or(i32::MAX),
                ok: outcome.ok,
                status_code: outcome.status_code.map(i32::from),
                reply: outcome.reply.clone(),
                error: outcome.error.clone(),
                retry_at,
            },
        )?;
        let finished = (state != NotificationState::Pending).then_some(now);
        notification_rows::set_state(conn, notification_id, state.as_str(), retry_at.unwrap_or(now), finished)?;
        if let Some(incident_id) = row.incident_id {
            let mut summary = format!("{} → {channel_name}: {}", row.rule_name, outcome.describe());
            match (state, retry_at) {
                (NotificationState::Pending, Some(at)) => {
                    summary.push_str(&format!(", retrying at {}", at.format("%H:%M:%S UTC")));
                }
                (NotificationState::Failed, _) => summary.push_str(", given up"),
                _ => {}
            }
            let kind = if outcome.ok { EventKind::AlertDelivered } else { EventKind::AlertFailed };
            let details = json!({
                "rule": row.rule_name,
                "channel": channel_name,
                "event": row.event,
                "delivery_id": row.delivery_id,
                "attempt": attempt,
                "status_code": outcome.status_code,
                "reply": outcome.reply,
                "error": outcome.error,
                "retry_at": retry_at,
                "summary": summary,
            });
            incident_events::insert(conn, incident_id, now, kind, None, &details)?;
        }
        Ok(Some(state))
    })
}

/// Records a test sent by hand to a channel as a delivered or failed
/// notification with its one attempt, so it shows among the deliveries.
pub fn record_test(
    conn: &mut PgConnection,
    channel_id: i64,
    delivery_id: &str,
    payload: &Value,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let state = if outcome.ok { NotificationState::Delivered } else { NotificationState::Failed };
    let id = notification_rows::insert(
        conn,
        &NewNotification {
            delivery_id,
            rule_id: None,
            rule_name: "test",
            channel_id,
            event: "test",
            incident_id: None,
            payload,
            state,
            next_attempt_at: now,
            created_at: now,
            finished_at: Some(now),
        },
    )?;
    attempt_rows::insert(
        conn,
        &AttemptRow {
            notification_id: id,
            at: now,
            duration_ms: i32::try_from(outcome.duration_ms).unwrap_or(i32::MAX),
            ok: outcome.ok,
            status_code: outcome.status_code.map(i32::from),
            reply: outcome.reply.clone(),
            error: outcome.error.clone(),
            retry_at: None,
        },
    )
}

/// A new delivery id (the `X-Vigie-Delivery` header).
pub fn new_delivery_id() -> String {
    new_secret("dlv_")[..36].to_owned()
}

// ---- deliveries -----------------------------------------------------------------------------

fn to_attempt(row: AttemptRow) -> DeliveryAttempt {
    DeliveryAttempt {
        at: row.at,
        duration_ms: row.duration_ms.unsigned_abs(),
        ok: row.ok,
        status_code: row.status_code.and_then(|c| u16::try_from(c).ok()),
        reply: row.reply,
        error: row.error,
        retry_at: row.retry_at,
    }
}

fn to_delivery(row: NotificationRow, attempts: Vec<AttemptRow>) -> Delivery {
    let state = row.state;
    Delivery {
        id: row.id,
        delivery_id: row.delivery_id,
        event: row.event,
        state,
        rule_id: row.rule_id,
        rule_name: row.rule_name,
        channel_id: row.channel_id,
        incident_id: row.incident_id,
        created_at: row.created_at,
        next_attempt_at: (state == NotificationState::Pending).then_some(row.next_attempt_at),
        finished_at: row.finished_at,
        attempts: attempts.into_iter().map(to_attempt).collect(),
    }
}

/// A channel's deliveries, newest first; `page` counts from 1.
pub fn deliveries(conn: &mut PgConnection, channel_id: i64, page: u32) -> Result<DeliveryList, AppError> {
    channel_rows::find(conn, channel_id)?.ok_or_else(|| AppError::not_found("channel"))?;
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let mut rows = notification_rows::for_channel(conn, channel_id, offset, i64::from(PAGE_SIZE) + 1)?;
    let next = (rows.len() > PAGE_SIZE as usize).then_some(page + 1);
    rows.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut attempts = attempt_rows::for_notifications(conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let tried = attempts.remove(&row.id).unwrap_or_default();
            to_delivery(row, tried)
        })
        .collect();
    Ok(DeliveryList { items, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Recipients;

    #[test]
    fn retries_back_off_to_a_cap() {
        let seconds = |n| retry_delay(n, 0.0).num_seconds();
        assert_eq!([1, 2, 3, 4].map(seconds), [5, 15, 45, 135]);
        assert_eq!(seconds(9), 3600, "capped at an hour");
        assert_eq!(seconds(1000), 3600);
        let jittered = retry_delay(1, 0.999).num_milliseconds();
        assert!((5000..5500).contains(&jittered), "{jittered}");
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask("abcdefghijklmnopqrst"), "••••qrst");
        assert_eq!(mask("ab"), "••••", "a short secret shows nothing of itself");
        let url = mask_url("https://hooks.slack.com/services/T000/B000/XXXXsecretZZZZ");
        assert_eq!(url, "https://hooks.slack.com/••••ZZZZ");
        assert!(!url.contains("secret"));
    }

    fn webhook() -> ChannelInput {
        ChannelInput {
            kind: Some(ChannelKind::Webhook),
            name: Some("Ops".into()),
            url: Some("https://example.com/hook".into()),
            secret: Some("0123456789abcdef".into()),
            to: None,
        }
    }

    #[test]
    fn bad_channels_name_their_field() {
        let email = ChannelInput {
            kind: Some(ChannelKind::Email),
            name: Some("Mail".into()),
            to: Some(Recipients::One("ops@example.com".into())),
            ..Default::default()
        };
        assert!(validate_channel(webhook(), None).is_ok());
        assert_eq!(validate_channel(email.clone(), None).unwrap().recipients, ["ops@example.com"]);
        let cases = [
            (ChannelInput { kind: None, ..webhook() }, "kind"),
            (ChannelInput { name: Some(" ".into()), ..webhook() }, "name"),
            (ChannelInput { name: Some("x".repeat(NAME_MAX + 1)), ..webhook() }, "name"),
            (ChannelInput { url: None, ..webhook() }, "url"),
            (ChannelInput { url: Some("ftp://example.com".into()), ..webhook() }, "url"),
            (ChannelInput { url: Some("not a url".into()), ..webhook() }, "url"),
            (ChannelInput { secret: None, ..webhook() }, "secret"),
            (ChannelInput { secret: Some("short".into()), ..webhook() }, "secret"),
            (ChannelInput { to: Some(Recipients::One("a@example.com".into())), ..webhook() }, "to"),
            (ChannelInput { to: Some(Recipients::One("not-an-address".into())), ..email.clone() }, "to"),
            (ChannelInput { to: Some(Recipients::Many(vec![])), ..email.clone() }, "to"),
            (ChannelInput { url: Some("https://example.com".into()), ..email.clone() }, "url"),
            (ChannelInput { secret: Some("0123456789abcdef".into()), ..email }, "secret"),
        ];
        for (input, field) in cases {
            let error = validate_channel(input.clone(), None).unwrap_err();
            assert_eq!(error.field(), Some(field), "{input:?}: {error}");
        }
    }

    #[test]
    fn editing_a_channel_keeps_what_is_left_out() {
        let now = Utc::now();
        let stored = ChannelRow {
            id: 1,
            kind: ChannelKind::Webhook,
            name: "Ops".into(),
            url: Some("https://example.com/hook".into()),
            secret: Some("0123456789abcdef".into()),
            recipients: vec![],
            created_at: now,
            updated_at: now,
        };
        let renamed = ChannelInput { name: Some("Ops 2".into()), secret: Some(String::new()), ..Default::default() };
        let valid = validate_channel(renamed, Some(&stored)).unwrap();
        assert_eq!((valid.name.as_str(), valid.secret.as_deref()), ("Ops 2", Some("0123456789abcdef")));
        let kind = ChannelInput { kind: Some(ChannelKind::Slack), ..Default::default() };
        assert_eq!(validate_channel(kind, Some(&stored)).unwrap_err().field(), Some("kind"));
    }

    #[test]
    fn bad_rules_name_their_field() {
        let rule = || AlertRuleInput {
            name: Some("Pager".into()),
            events: Some(vec![AlertEvent::IncidentResolved, AlertEvent::IncidentCreated, AlertEvent::IncidentCreated]),
            channel_id: Some(1),
            ..Default::default()
        };
        let valid = validate_rule(rule(), None).unwrap();
        assert_eq!(valid.events, ["incident_created", "incident_resolved"]);
        assert_eq!((valid.monitor_ids, valid.enabled, valid.max_per_hour), (None, true, None));
        let cases = [
            (AlertRuleInput { name: None, ..rule() }, "name"),
            (AlertRuleInput { events: Some(vec![]), ..rule() }, "events"),
            (AlertRuleInput { events: None, ..rule() }, "events"),
            (AlertRuleInput { channel_id: None, ..rule() }, "channel_id"),
            (AlertRuleInput { monitor_ids: Some(Some(vec![])), ..rule() }, "monitor_ids"),
            (AlertRuleInput { max_per_hour: Some(Some(0)), ..rule() }, "max_per_hour"),
            (AlertRuleInput { max_per_hour: Some(Some(PER_HOUR_MAX + 1)), ..rule() }, "max_per_hour"),
        ];
        for (input, field) in cases {
            let error = validate_rule(input.clone(), None).unwrap_err();
            assert_eq!(error.field(), Some(field), "{input:?}: {error}");
        }
    }
}
