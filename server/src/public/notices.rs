//! What subscribers are sent: a notice rendered once, from what the page
//! shows the public (the read model: public titles, component names, public
//! updates — never comments, details, monitor names or targets), as an email
//! (plain text and HTML in the page's name and accent colour) and as a
//! webhook body in Atlassian Statuspage's subscriber shapes. The links that
//! differ per subscriber are written in at sending time ([`personal`]).

use super::statuspage::{components_json, incident_json, status_json};
use app::error::AppError;
use app::model::{Impact, IncidentKind, NoticeKind, UpdateStatus};
use app::ssr::alerts::notify::escape;
use app::ssr::db::status_pages as pages;
use app::ssr::db::subscriber_notices::NoticeRow;
use app::ssr::status_pages::read_model::{self as public_status, Face, PageInfo, PublicIncident, public_face};
use app::ssr::status_pages::subscriber_mail::DEFAULT_ACCENT;
pub use app::ssr::status_pages::subscriber_mail::links;
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Stand-ins for a subscriber's own links in the stored message.
const MANAGE: &str = "{{manage_url}}";
const UNSUBSCRIBE: &str = "{{unsubscribe_url}}";

/// A notice's message, as stored with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Statuspage's `page` and `incident` (`meta` is added per subscriber).
    pub webhook: Value,
    /// The monitors behind the page's components the incident affects:
    /// who follows one of them (or the whole page) is told.
    pub monitor_ids: Vec<i64>,
    /// The Message-ID of the incident's first message on this page.
    pub thread: String,
    /// This message starts the thread.
    pub first: bool,
    pub page_slug: String,
}

/// The message for one subscriber: `(subject, text, html)` with its links.
pub fn personal(content: &Content, manage: &str, unsubscribe: &str) -> (String, String) {
    let fill = |s: &str| s.replace(MANAGE, manage).replace(UNSUBSCRIBE, unsubscribe);
    (fill(&content.text), fill(&content.html))
}

/// The webhook body for one subscriber.
pub fn webhook_body(content: &Content, unsubscribe: &str, base: &str, now: DateTime<Utc>) -> Value {
    let mut body = content.webhook.clone();
    body["meta"] = json!({
        "unsubscribe": unsubscribe,
        "documentation": format!("{base}/status/{}/subscribe", content.page_slug),
        "generated_at": now,
    });
    body
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn status_label(status: UpdateStatus) -> &'static str {
    match status {
        UpdateStatus::Investigating => "Investigating",
        UpdateStatus::Identified => "Identified",
        UpdateStatus::Monitoring => "Monitoring",
        UpdateStatus::Resolved => "Resolved",
    }
}

fn impact_label(impact: Impact) -> &'static str {
    app::model::ComponentStatus::of_impact(impact).label()
}

/// What a message says.
struct Wording {
    subject: String,
    headline: String,
    lines: Vec<String>,
    /// The public update told of: (plain text, sanitized HTML).
    update: Option<(String, String)>,
}

fn wording(notice: &NoticeRow, incident: &PublicIncident) -> Option<Wording> {
    let (kind, update_id) = (notice.kind, notice.update_id);
    let window = match (incident.scheduled_start, incident.scheduled_end) {
        (Some(start), Some(end)) => Some(format!("From {} to {}", when(start), when(end))),
        _ => None,
    };
    let latest = incident.updates.first();
    let update_of = |u: &public_status::PublicUpdate| (app::ssr::markdown::to_text(&u.body), u.body_html.clone());
    let title = incident.title.clone();
    let affected = format!("Affected: {}", incident.components.join(", "));
    let (subject, headline, mut lines, update) = match kind {
        NoticeKind::IncidentPublished => {
            (title.clone(), format!("New incident: {}", impact_label(incident.impact)), vec![], latest.map(update_of))
        }
        NoticeKind::IncidentUpdated => {
            let update = incident.updates.iter().find(|u| Some(u.id) == update_id)?;
            let label = status_label(update.status);
            let subject = match incident.kind {
                IncidentKind::Maintenance => format!("{title}: update"),
                _ => format!("{title}: {label}"),
            };
            (subject, label.to_owned(), vec![], Some(update_of(update)))
        }
        NoticeKind::IncidentResolved => (
            format!("Resolved: {title}"),
            "Resolved".to_owned(),
            vec![],
            latest.filter(|u| u.status == UpdateStatus::Resolved).map(update_of),
        ),
        NoticeKind::MaintenanceScheduled => {
            (format!("Scheduled maintenance: {title}"), "Scheduled maintenance".to_owned(), vec![], None)
        }
        NoticeKind::MaintenanceChanged => {
            (format!("Maintenance rescheduled: {title}"), "Maintenance rescheduled".to_owned(), vec![], None)
        }
        NoticeKind::MaintenanceStarted => {
            (format!("Maintenance in progress: {title}"), "Maintenance in progress".to_owned(), vec![], None)
        }
        NoticeKind::MaintenanceCompleted => {
            (format!("Maintenance completed: {title}"), "Maintenance completed".to_owned(), vec![], None)
        }
        NoticeKind::MaintenanceCancelled => {
            (format!("Maintenance cancelled: {title}"), "Maintenance cancelled".to_owned(), vec![], None)
        }
        // Written when the change is seen, by `component_changes`.
        NoticeKind::ComponentUpdate => return None,
    };
    if incident.kind == IncidentKind::Maintenance {
        lines.extend(window);
    } else {
        lines.push(format!("Impact: {}", impact_label(incident.impact)));
    }
    lines.push(affected);
    Some(Wording { subject, headline, lines, update })
}

/// Renders a notice once, from what its page shows now; `None` when there
/// is nothing public to say (the page was unpublished, the incident is a
/// false alarm or its impact is still unknown, the update was withdrawn).
pub fn compose(
    conn: &mut PgConnection,
    notice: &NoticeRow,
    base: &str,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> Result<Option<Content>, AppError> {
    let Some(row) = pages::find(conn, notice.page_id)?.filter(|p| p.published && p.allow_subscriptions) else {
        return Ok(None);
    };
    let info = PageInfo::from(row);
    let Some(incident_id) = notice.incident_id else { return Ok(None) };
    let Some(mut incident) = public_status::load_incident(conn, &info, incident_id)? else { return Ok(None) };
    // As it stood when the notice was written: a later update has a notice
    // of its own (or was published without telling anyone).
    incident.updates.retain(|u| u.published_at <= notice.created_at);
    if public_face(incident.impact) != Face::Full {
        return Ok(None);
    }
    let Some(Wording { subject, headline, lines, update }) = wording(notice, &incident) else {
        return Ok(None);
    };
    let page = public_status::load(conn, info, now)?;
    let name = page.page.title.clone();
    let slug = page.page.slug.clone();
    let link = format!("{base}/status/{slug}/incidents/{}", incident.id);
    let status = status_json(page.status);
    let mut incident_body = incident_json(&incident, &page, base);
    // Statuspage's incidents always hold an update, and receivers read the
    // first: one without any gets a line made of the facts above.
    if incident.updates.is_empty() {
        let first = json!({
            "id": format!("i{}-0", incident.id),
            "status": incident_body["status"],
            "body": format!("{headline}. {}", lines.join(". ")),
            "incident_id": format!("i{}", incident.id),
            "created_at": notice.created_at,
            "updated_at": notice.created_at,
            "display_at": notice.created_at,
            "affected_components": null,
            "deliver_notifications": true,
            "custom_tweet": null,
            "tweet_id": null,
        });
        incident_body["incident_updates"] = json!([first]);
    }
    let webhook = json!({
        "page": {
            "id": slug,
            "status_indicator": status["indicator"],
            "status_description": status["description"],
        },
        "incident": incident_body,
    });
    let subject = format!("[{name}] {subject}");

    let mut text = format!("{}\n{headline}\n\n", incident.title);
    for line in &lines {
        text.push_str(line);
        text.push('\n');
    }
    if let Some((body, _)) = &update {
        text.push('\n');
        text.push_str(body.trim());
        text.push('\n');
    }
    text.push_str(&format!(
        "\nFollow it on the status page: {link}\n\n-- \nYou receive this because you subscribed to {name}.\n\
         Change what you follow: {MANAGE}\nUnsubscribe: {UNSUBSCRIBE}\n"
    ));

    let accent = page.page.accent_color.clone().unwrap_or_else(|| DEFAULT_ACCENT.to_owned());
    let accent = escape(&accent);
    let lines_html: String = lines.iter().map(|l| format!("<p style=\"margin:0 0 4px\">{}</p>", escape(l))).collect();
    let update_html = update
        .as_ref()
        .map(|(_, html)| format!("<div style=\"margin:16px 0;padding:12px 16px;border-left:4px solid {accent};background:#f6f7f9\">{html}</div>"))
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{subject_html}</title></head>\
         <body style=\"margin:0;padding:0;background:#f6f7f9;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2933\">\
         <div style=\"max-width:600px;margin:0 auto;padding:24px 16px\">\n\
         <div style=\"background:{accent};color:#ffffff;padding:12px 16px;border-radius:6px 6px 0 0;font-weight:600\">{name_html}</div>\n\
         <div style=\"background:#ffffff;padding:16px;border-radius:0 0 6px 6px;border:1px solid #e4e7eb;border-top:0\">\
         <h1 style=\"font-size:20px;margin:0 0 4px\">{title_html}</h1>\n\
         <p style=\"margin:0 0 12px;font-weight:600;color:{accent}\">{headline_html}</p>\n\
         {lines_html}\n{update_html}\n\
         <p style=\"margin:16px 0 0\"><a href=\"{link_html}\" style=\"color:{accent}\">Follow it on the status page</a></p>\n\
         </div>\n\
         <p style=\"font-size:12px;color:#616e7c;margin:16px 0 0\">You receive this because you subscribed to {name_html}. \
         <a href=\"{MANAGE}\" style=\"color:#616e7c\">Change what you follow</a> &middot; \
         <a href=\"{UNSUBSCRIBE}\" style=\"color:#616e7c\">Unsubscribe</a></p>\
         </div></body></html>",
        subject_html = escape(&subject),
        name_html = escape(&name),
        title_html = escape(&incident.title),
        headline_html = escape(&headline),
        link_html = escape(&link),
    );
    let first = matches!(notice.kind, NoticeKind::IncidentPublished | NoticeKind::MaintenanceScheduled);
    Ok(Some(Content {
        subject,
        text,
        html,
        webhook,
        monitor_ids: incident.monitor_ids.clone(),
        thread: format!("<incident-{}.page-{}@{mail_domain}>", incident.id, notice.page_id),
        first,
        page_slug: slug,
    }))
}

/// Compares a page's components with the states last told to its webhook
/// subscribers and writes a `component_update` notice (Statuspage's shape)
/// for each one that changed; the first look only records them. Under the
/// states' row locks, so two servers never tell the same change twice.
/// Returns how many notices were written.
pub fn component_changes(conn: &mut PgConnection, page_id: i64, now: DateTime<Utc>) -> Result<usize, AppError> {
    conn.transaction(|conn| {
        let told: std::collections::HashMap<i64, String> =
            app::ssr::db::subscriber_notices::lock_component_states(conn, page_id)?.into_iter().collect();
        let Some(row) = pages::find(conn, page_id)?.filter(|p| p.published && p.allow_subscriptions) else {
            return Ok(0);
        };
        let page = public_status::load(conn, PageInfo::from(row), now)?;
        let status = status_json(page.status);
        let shapes = components_json(&page);
        let mut written = 0;
        for component in &page.components {
            let new = component.status.as_str();
            let old = told.get(&component.monitor_id);
            if old.is_some_and(|old| old == new) {
                continue;
            }
            app::ssr::db::subscriber_notices::set_component_state(conn, page_id, component.monitor_id, new, now)?;
            // The first look is what the subscribers already see.
            let Some(old) = old else { continue };
            let id = format!("c{}", component.monitor_id);
            let mut shape = shapes.iter().find(|c| c["id"] == id.as_str()).cloned().unwrap_or_default();
            shape["updated_at"] = json!(now);
            let webhook = json!({
                "page": {
                    "id": page.page.slug,
                    "status_indicator": status["indicator"],
                    "status_description": status["description"],
                },
                "component_update": {
                    "id": format!("cu{}-{}-{}", page_id, component.monitor_id, now.timestamp_millis()),
                    "component_id": id,
                    "component_type": "Component",
                    "old_status": old,
                    "new_status": new,
                    "created_at": now,
                },
                "component": shape,
            });
            let content = Content {
                subject: String::new(),
                text: String::new(),
                html: String::new(),
                webhook,
                monitor_ids: vec![component.monitor_id],
                thread: String::new(),
                first: false,
                page_slug: page.page.slug.clone(),
            };
            let value = serde_json::to_value(&content).map_err(|_| AppError::internal("store a notice"))?;
            app::ssr::db::subscriber_notices::insert_written(conn, page_id, NoticeKind::ComponentUpdate, &value, now)?;
            written += 1;
        }
        Ok(written)
    })
}

/// The Message-ID of one subscriber's copy of a notice: the thread's own for
/// its first message (every copy of it is the same message), else one of its own.
pub fn message_id(content: &Content, notice_id: i64, subscriber_id: i64, mail_domain: &str) -> String {
    if content.first {
        content.thread.clone()
    } else {
        format!("<notice-{notice_id}.to-{subscriber_id}@{mail_domain}>")
    }
}
