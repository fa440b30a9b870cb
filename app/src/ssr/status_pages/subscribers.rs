//! Subscribing to a status page, without an account: checking what the
//! visitor asked for, double opt-in for email (nothing is sent to an address
//! before it confirms), the links subscribers manage their subscription with,
//! and forgetting what was never confirmed. Answers never tell whether an
//! address was already subscribed: the caller says the same thing either way.
//! Tokens are random and only their SHA-256 is stored.

use crate::error::AppError;
use crate::model::status_page_limits::{SUBSCRIBER_CONFIRM_DAYS, URL_MAX};
use crate::model::{
    AuditAction, ImportReport, NoticeKind, SentNotice, Subscriber, SubscriberCounts, SubscriberDeliveryState,
    SubscriberInput, SubscriberKind, SubscriberList, SubscriberState,
};
use crate::ssr::alerts::mask_url;
use crate::ssr::db::login_failures::{self as limits, SCOPE_SUBSCRIBE_ADDRESS, SCOPE_SUBSCRIBE_EMAIL};
use crate::ssr::db::subscribers::{self as db, NewSubscriber, SubscriberRow};
use crate::ssr::db::{notifications, status_pages as page_rows, subscriber_notices};
use crate::ssr::team::audit::{self, Actor};
use crate::ssr::team::auth::{Limit, check_limit, new_secret, normalize_email, secret_hash};
use crate::ssr::text::MASK;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

/// Where PostgreSQL tells the dispatchers that notices were written.
pub const WAKE_CHANNEL: &str = "vigie_subscribers";

/// Subscription requests one client address may make per hour.
pub const ADDRESS_LIMIT: Limit = Limit { max: 10, window: Duration::hours(1) };
/// Subscription requests for one email address or URL per hour (so nobody
/// fills someone else's inbox with confirmation links).
pub const TARGET_LIMIT: Limit = Limit { max: 3, window: Duration::hours(1) };

/// Records, in the caller's transaction, that subscribers of the pages
/// showing the incident must be told of `kind`; the dispatchers fan it out.
pub fn tell_subscribers(
    conn: &mut PgConnection,
    incident_id: i64,
    kind: NoticeKind,
    update_id: Option<i64>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    if subscriber_notices::announce(conn, incident_id, kind, update_id, at)? > 0 {
        notifications::notify(conn, WAKE_CHANNEL)?;
    }
    Ok(())
}

/// What a visitor asked for: an email address or an https URL, and the
/// components (by their monitor) to follow; none or empty: the whole page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeRequest {
    pub kind: SubscriberKind,
    pub address: String,
    pub monitor_ids: Vec<i64>,
}

/// What to send after a subscription request. The visitor is told the same
/// ("check your inbox") whichever it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribed {
    /// A new or still pending email: send the confirmation link (`confirm`)
    /// and nothing else.
    ConfirmationDue { subscriber: SubscriberRow, confirm: String },
    /// An email already confirmed: tell its owner, with a link (`link`) to
    /// manage the subscription; nothing changes.
    AlreadyConfirmed { subscriber: SubscriberRow, link: String },
    /// A webhook, active at once (a machine has no inbox to confirm from).
    Active { subscriber: SubscriberRow, link: String },
}

fn check_address(kind: SubscriberKind, address: &str) -> Result<String, AppError> {
    match kind {
        SubscriberKind::Email => {
            let email = normalize_email(address)?;
            if email.parse::<lettre::Address>().is_err() {
                return Err(AppError::validation("email", "Enter a valid email address, like name@example.com."));
            }
            Ok(email)
        }
        SubscriberKind::Webhook => {
            let url = address.trim();
            let https = url::Url::parse(url).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some());
            if url.len() > URL_MAX || !https {
                return Err(AppError::validation(
                    "url",
                    format!("Enter an https:// URL of at most {URL_MAX} characters."),
                ));
            }
            Ok(url.to_owned())
        }
    }
}

/// The followed monitors as stored: `None` for the whole page; only the
/// page's own components.
fn check_monitors(wanted: &[i64], on_page: &[i64]) -> Result<Option<Vec<i64>>, AppError> {
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut chosen: Vec<i64> = Vec::with_capacity(wanted.len());
    for id in wanted {
        if !on_page.contains(id) {
            return Err(AppError::validation("components", "Choose among the components of this page."));
        }
        if !chosen.contains(id) {
            chosen.push(*id);
        }
    }
    chosen.sort_unstable();
    // Every component chosen is the whole page, which also covers components added later.
    Ok((chosen.len() < on_page.len()).then_some(chosen))
}

/// The monitors shown as components of a page.
fn page_monitors(conn: &mut PgConnection, page_id: i64) -> QueryResult<Vec<i64>> {
    let components = page_rows::components_of(conn, &[page_id])?.remove(&page_id).unwrap_or_default();
    Ok(components.into_iter().map(|(monitor_id, _, _)| monitor_id).collect())
}

/// A new link for a subscriber's messages; returns its token.
pub fn issue_link(conn: &mut PgConnection, subscriber_id: i64, now: DateTime<Utc>) -> QueryResult<String> {
    let token = new_secret("");
    db::insert_link(conn, subscriber_id, &secret_hash(&token), now)?;
    Ok(token)
}

/// Records a subscription request to a published page that allows them,
/// from `client` (its address), within the hourly limits per client and per
/// email or URL.
pub fn subscribe(
    conn: &mut PgConnection,
    page_id: i64,
    request: &SubscribeRequest,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Subscribed, AppError> {
    let address = check_address(request.kind, &request.address)?;
    check_limit(conn, SCOPE_SUBSCRIBE_ADDRESS, client, ADDRESS_LIMIT, now)?;
    check_limit(conn, SCOPE_SUBSCRIBE_EMAIL, &address, TARGET_LIMIT, now)?;
    conn.transaction(|conn| {
        let page = page_rows::find(conn, page_id)?
            .filter(|p| p.published && p.allow_subscriptions)
            .ok_or_else(|| AppError::not_found("status page"))?;
        limits::record(conn, SCOPE_SUBSCRIBE_ADDRESS, client, now)?;
        limits::record(conn, SCOPE_SUBSCRIBE_EMAIL, &address, now)?;
        let monitors = check_monitors(&request.monitor_ids, &page_monitors(conn, page.id)?)?;
        let existing = match db::lock_by_address(conn, page.id, request.kind, &address)? {
            Some(row) => Some(row),
            None => {
                let (state, confirmed_at) = match request.kind {
                    SubscriberKind::Email => (SubscriberState::Pending, None),
                    SubscriberKind::Webhook => (SubscriberState::Confirmed, Some(now)),
                };
                let new = NewSubscriber {
                    page_id: page.id,
                    kind: request.kind,
                    address: &address,
                    monitor_ids: monitors.as_deref(),
                    state,
                    confirm_hash: None,
                    confirm_sent_at: None,
                    created_at: now,
                    confirmed_at,
                };
                match db::insert(conn, &new)? {
                    Some(row) if request.kind == SubscriberKind::Webhook => {
                        let link = issue_link(conn, row.id, now)?;
                        return Ok(Subscribed::Active { subscriber: row, link });
                    }
                    Some(row) => Some(row),
                    // A concurrent request for the same address won: take its row.
                    None => db::lock_by_address(conn, page.id, request.kind, &address)?,
                }
            }
        };
        let subscriber = existing.ok_or_else(|| AppError::internal("read back a subscriber"))?;
        match subscriber.state {
            SubscriberState::Confirmed => {
                let link = issue_link(conn, subscriber.id, now)?;
                Ok(match subscriber.kind {
                    SubscriberKind::Email => Subscribed::AlreadyConfirmed { subscriber, link },
                    SubscriberKind::Webhook => Subscribed::Active { subscriber, link },
                })
            }
            // Pending, or bounced and asking again: (re)confirm first.
            SubscriberState::Pending | SubscriberState::Bounced => {
                let confirm = new_secret("");
                db::reissue_confirmation(conn, subscriber.id, monitors.as_deref(), &secret_hash(&confirm), now)?;
                Ok(Subscribed::ConfirmationDue { subscriber, confirm })
            }
        }
    })
}

/// Confirms an email subscription from its link (valid for
/// [`SUBSCRIBER_CONFIRM_DAYS`]); answers the subscription and a link to manage it.
pub fn confirm(conn: &mut PgConnection, token: &str, now: DateTime<Utc>) -> Result<(SubscriberRow, String), AppError> {
    conn.transaction(|conn| {
        let since = now - Duration::days(SUBSCRIBER_CONFIRM_DAYS);
        let row = db::confirm(conn, &secret_hash(token), since, now)?
            .ok_or_else(|| AppError::not_found("confirmation link"))?;
        let link = issue_link(conn, row.id, now)?;
        Ok((row, link))
    })
}

/// The subscription a confirmation link is for, while it may be confirmed.
pub fn pending(conn: &mut PgConnection, token: &str, now: DateTime<Utc>) -> Result<SubscriberRow, AppError> {
    let since = now - Duration::days(SUBSCRIBER_CONFIRM_DAYS);
    db::find_pending(conn, &secret_hash(token), since)?.ok_or_else(|| AppError::not_found("confirmation link"))
}

/// Whether a link's token has the shape of one (64 hexadecimal digits): the
/// others are not looked up.
pub fn is_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The subscription behind a link of one of its messages.
pub fn by_link(conn: &mut PgConnection, token: &str) -> Result<SubscriberRow, AppError> {
    db::find_by_link(conn, &secret_hash(token))?.ok_or_else(|| AppError::not_found("subscription"))
}

/// Changes what a subscription follows, from one of its links.
pub fn change_components(conn: &mut PgConnection, token: &str, monitor_ids: &[i64]) -> Result<SubscriberRow, AppError> {
    conn.transaction(|conn| {
        let row = by_link(conn, token)?;
        let monitors = check_monitors(monitor_ids, &page_monitors(conn, row.page_id)?)?;
        db::set_monitors(conn, row.id, monitors.as_deref())?;
        Ok(SubscriberRow { monitor_ids: monitors, ..row })
    })
}

/// Ends a subscription from one of its links (one-click unsubscribe). A link
/// of a subscription already gone is not an error: the visitor's wish holds.
pub fn unsubscribe(conn: &mut PgConnection, token: &str) -> Result<(), AppError> {
    if let Some(row) = db::find_by_link(conn, &secret_hash(token))? {
        db::delete(conn, row.id)?;
    }
    Ok(())
}

/// Days what was sent to subscribers is kept (the delivery log).
pub const SENT_KEPT_DAYS: i64 = 30;
/// Days the links in messages keep working.
pub const LINKS_KEPT_DAYS: i64 = 365;

/// Forgets notices (with their deliveries) older than [`SENT_KEPT_DAYS`]
/// and links older than [`LINKS_KEPT_DAYS`], in batches; returns how many rows.
pub fn purge_sent(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let mut total = 0;
    loop {
        // A notice may have thousands of deliveries: a few notices at a time.
        let deleted = subscriber_notices::delete_older_than(conn, now - Duration::days(SENT_KEPT_DAYS), 10)?;
        total += deleted;
        if deleted < 10 {
            break;
        }
    }
    loop {
        let deleted = db::delete_links_older_than(conn, now - Duration::days(LINKS_KEPT_DAYS), 5_000)?;
        total += deleted;
        if deleted < 5_000 {
            return Ok(total);
        }
    }
}

/// Forgets the email subscriptions not confirmed within [`SUBSCRIBER_CONFIRM_DAYS`].
pub fn purge_unconfirmed(conn: &mut PgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    db::delete_unconfirmed(conn, now - Duration::days(SUBSCRIBER_CONFIRM_DAYS))
}

// ---- the team's side ---------------------------------------------------------------

/// The most subscribers listed at once.
pub const LIST_MAX: u32 = 100;
/// The most lines one import takes.
pub const IMPORT_MAX: usize = 5_000;

fn to_model(row: SubscriberRow) -> Subscriber {
    Subscriber {
        id: row.id,
        kind: row.kind,
        // A webhook's URL may hold its receiver's secret: never shown in full.
        address: match row.kind {
            SubscriberKind::Email => row.address,
            SubscriberKind::Webhook => mask_url(&row.address),
        },
        monitor_ids: row.monitor_ids,
        state: row.state,
        created_at: row.created_at,
        confirmed_at: row.confirmed_at,
    }
}

fn page_row(conn: &mut PgConnection, page_id: i64) -> Result<page_rows::PageRow, AppError> {
    page_rows::find(conn, page_id)?.ok_or_else(|| AppError::not_found("status page"))
}

/// A page's subscribers, newest first, `limit` (at most [`LIST_MAX`]) before
/// `before`, whose address contains `search`, in `state`.
pub fn list(
    conn: &mut PgConnection,
    page_id: i64,
    search: Option<&str>,
    state: Option<SubscriberState>,
    before: Option<i64>,
    limit: u32,
) -> Result<SubscriberList, AppError> {
    page_row(conn, page_id)?;
    let limit = limit.clamp(1, LIST_MAX) as usize;
    let search = search.map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 254) {
        return Err(AppError::validation("search", "Search with at most 254 characters."));
    }
    let mut rows = db::page_of_list(conn, page_id, search, state, before, limit as i64 + 1)?;
    let next = (rows.len() > limit).then(|| rows[limit - 1].id);
    rows.truncate(limit);
    Ok(SubscriberList { items: rows.into_iter().map(to_model).collect(), next })
}

/// Messages listed in the console.
pub const SENT_SHOWN: i64 = 10;

/// What a notice said, for the team: its subject, or a component's change.
fn notice_subject(content: &serde_json::Value) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    match text(&content["subject"]).filter(|s| !s.is_empty()) {
        Some(subject) => Some(subject),
        None => {
            let webhook = &content["webhook"];
            let name = text(&webhook["component"]["name"])?;
            let old = text(&webhook["component_update"]["old_status"])?;
            let new = text(&webhook["component_update"]["new_status"])?;
            Some(format!("{name}: {old} → {new} (webhooks)"))
        }
    }
}

/// A page's latest messages to its subscribers, with their deliveries' states.
pub fn sent(conn: &mut PgConnection, page_id: i64) -> Result<Vec<SentNotice>, AppError> {
    let rows = subscriber_notices::recent_for_page(conn, page_id, SENT_SHOWN)?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let counts = subscriber_notices::counts_for(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let count = |state: SubscriberDeliveryState| {
                counts.iter().find(|(id, s, _)| *id == row.id && *s == state).map_or(0, |(_, _, n)| *n)
            };
            SentNotice {
                id: row.id,
                kind: row.kind,
                created_at: row.created_at,
                subject: row.content.as_ref().and_then(notice_subject),
                delivered: count(SubscriberDeliveryState::Delivered),
                waiting: count(SubscriberDeliveryState::Pending),
                failed: count(SubscriberDeliveryState::Failed),
            }
        })
        .collect())
}

/// How many subscribers a page has, by state.
pub fn counts(conn: &mut PgConnection, page_id: i64) -> Result<SubscriberCounts, AppError> {
    page_row(conn, page_id)?;
    let mut counts = SubscriberCounts::default();
    for (state, count) in db::counts(conn, page_id)? {
        match state {
            SubscriberState::Confirmed => counts.confirmed = count,
            SubscriberState::Pending => counts.pending = count,
            SubscriberState::Bounced => counts.bounced = count,
        }
    }
    Ok(counts)
}

/// Adds a subscriber for the team: confirmed at once when it is a webhook or
/// `skip_confirmation`, else pending, with the token of the confirmation
/// link to send (the second value).
pub fn add(
    conn: &mut PgConnection,
    actor: &Actor,
    page_id: i64,
    input: &SubscriberInput,
    now: DateTime<Utc>,
) -> Result<(Subscriber, Option<String>), AppError> {
    let address = check_address(input.kind, &input.address)?;
    conn.transaction(|conn| {
        let page = page_row(conn, page_id)?;
        let monitors = check_monitors(&input.monitor_ids, &page_monitors(conn, page.id)?)?;
        let (row, confirm) =
            insert_for_team(conn, page.id, input.kind, &address, monitors.as_deref(), input.skip_confirmation, now)?;
        let field = if input.kind == SubscriberKind::Email { "email" } else { "url" };
        let row = row.ok_or_else(|| AppError::conflict(Some(field), "This address already subscribes to the page."))?;
        let state = if confirm.is_none() { "confirmed" } else { "confirmation sent" };
        let details = format!("{} ({state})", to_model(row.clone()).address);
        audit::record(conn, actor, AuditAction::SubscriberAdded, &page.slug, Some(&details))?;
        Ok((to_model(row), confirm))
    })
}

/// Stores a subscription the team adds (one by one or imported): confirmed
/// at once when it is a webhook or the person `agreed`, else pending.
/// Answers the row (`None`: the address was there already) and the token of
/// the confirmation link to send.
fn insert_for_team(
    conn: &mut PgConnection,
    page_id: i64,
    kind: SubscriberKind,
    address: &str,
    monitor_ids: Option<&[i64]>,
    agreed: bool,
    now: DateTime<Utc>,
) -> QueryResult<(Option<SubscriberRow>, Option<String>)> {
    let confirmed = kind == SubscriberKind::Webhook || agreed;
    let confirm = (!confirmed).then(|| new_secret(""));
    let hash = confirm.as_deref().map(secret_hash);
    let new = NewSubscriber {
        page_id,
        kind,
        address,
        monitor_ids,
        state: if confirmed { SubscriberState::Confirmed } else { SubscriberState::Pending },
        confirm_hash: hash.as_deref(),
        confirm_sent_at: confirm.as_ref().map(|_| now),
        created_at: now,
        confirmed_at: confirmed.then_some(now),
    };
    Ok((db::insert(conn, &new)?, confirm))
}

/// Removes a subscriber of a page.
pub fn remove(conn: &mut PgConnection, actor: &Actor, page_id: i64, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let page = page_row(conn, page_id)?;
        let row = db::find_in_page(conn, page.id, id)?.ok_or_else(|| AppError::not_found("subscriber"))?;
        db::delete(conn, row.id)?;
        let address = to_model(row).address;
        audit::record(conn, actor, AuditAction::SubscriberRemoved, &page.slug, Some(&address))?;
        Ok(())
    })
}

/// The CSV columns of an export, which an import reads back.
const CSV_HEADER: [&str; 6] = ["kind", "address", "state", "components", "created_at", "confirmed_at"];

/// A page's subscribers as CSV (components by public name, `; `-separated;
/// empty: the whole page; webhook URLs masked), read in batches.
pub fn export(conn: &mut PgConnection, actor: &Actor, page_id: i64) -> Result<String, AppError> {
    let page = page_row(conn, page_id)?;
    let names: std::collections::HashMap<i64, String> = page_rows::components_of(conn, &[page.id])?
        .remove(&page.id)
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let failed = |_| AppError::internal("write CSV");
    out.write_record(CSV_HEADER).map_err(failed)?;
    let (mut after, mut count) = (0, 0);
    loop {
        let rows = db::all_after(conn, page.id, after, 1_000)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            count += 1;
            let components =
                row.monitor_ids.iter().flatten().filter_map(|id| names.get(id).cloned()).collect::<Vec<_>>().join("; ");
            let model = to_model(row);
            out.write_record([
                model.kind.as_str(),
                &model.address,
                model.state.as_str(),
                &components,
                &model.created_at.to_rfc3339(),
                &model.confirmed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            ])
            .map_err(failed)?;
        }
    }
    audit::record(conn, actor, AuditAction::SubscribersExported, &page.slug, Some(&format!("{count} subscribers")))?;
    String::from_utf8(out.into_inner().map_err(|_| AppError::internal("write CSV"))?)
        .map_err(|_| AppError::internal("write CSV"))
}

/// Imports subscribers from CSV with a header naming `address` and
/// optionally `kind` (`email` by default) and `components` (public names,
/// `;`-separated; empty: the whole page). With `agreed`, emails are
/// confirmed at once; without, each new one gets a confirmation link: the
/// `(address, token)` pairs to send. Lines in error are reported and skipped;
/// addresses already subscribed are left as they are.
pub fn import(
    conn: &mut PgConnection,
    actor: &Actor,
    page_id: i64,
    text: &str,
    agreed: bool,
    now: DateTime<Utc>,
) -> Result<(ImportReport, Vec<(String, String)>), AppError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| AppError::validation("csv", format!("Cannot read the header line: {e}.")))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(address_at) = column("address").or_else(|| column("email")) else {
        return Err(AppError::validation("csv", "The first line must name the columns, among them `address`."));
    };
    let (kind_at, components_at) = (column("kind"), column("components"));
    conn.transaction(|conn| {
        let page = page_row(conn, page_id)?;
        let components = page_rows::components_of(conn, &[page.id])?.remove(&page.id).unwrap_or_default();
        let on_page: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
        let mut report = ImportReport::default();
        let mut confirmations = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let line = u32::try_from(index + 2).unwrap_or(u32::MAX);
            if index >= IMPORT_MAX {
                return Err(AppError::validation("csv", format!("Import at most {IMPORT_MAX} lines at once.")));
            }
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    report.errors.push((line, format!("unreadable: {error}")));
                    continue;
                }
            };
            let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("");
            let kind = match cell(kind_at) {
                "" | "email" => SubscriberKind::Email,
                "webhook" => SubscriberKind::Webhook,
                other => {
                    report.errors.push((line, format!("kind `{other}`: email or webhook")));
                    continue;
                }
            };
            if cell(Some(address_at)).contains(MASK) {
                report.errors.push((line, "a masked URL: the webhook must subscribe again".to_owned()));
                continue;
            }
            let address = match check_address(kind, cell(Some(address_at))) {
                Ok(address) => address,
                Err(error) => {
                    report.errors.push((line, error.to_string()));
                    continue;
                }
            };
            let mut wanted = Vec::new();
            let mut unknown = None;
            for name in cell(components_at).split(';').map(str::trim).filter(|n| !n.is_empty()) {
                match components.iter().find(|(_, n, _)| n.eq_ignore_ascii_case(name)) {
                    Some((id, _, _)) => wanted.push(*id),
                    None => unknown = Some(name.to_owned()),
                }
            }
            if let Some(name) = unknown {
                report.errors.push((line, format!("no component named `{name}` on this page")));
                continue;
            }
            let monitors = check_monitors(&wanted, &on_page)?;
            match insert_for_team(conn, page.id, kind, &address, monitors.as_deref(), agreed, now)? {
                (Some(_), confirm) => {
                    report.added += 1;
                    if let Some(token) = confirm {
                        confirmations.push((address, token));
                    }
                }
                (None, _) => report.existing += 1,
            }
        }
        let details = format!(
            "{} added, {} already there, {} lines in error; {}",
            report.added,
            report.existing,
            report.errors.len(),
            if agreed { "confirmed by the team" } else { "confirmation links sent" }
        );
        audit::record(conn, actor, AuditAction::SubscribersImported, &page.slug, Some(&details))?;
        Ok((report, confirmations))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_the_page_s_own_and_all_of_them_is_the_whole_page() {
        let page = [3, 5, 8];
        assert_eq!(check_monitors(&[], &page), Ok(None));
        assert_eq!(check_monitors(&[8, 3, 8], &page), Ok(Some(vec![3, 8])));
        assert_eq!(check_monitors(&[5, 3, 8], &page), Ok(None));
        assert_eq!(check_monitors(&[4], &page).unwrap_err().field(), Some("components"));
    }

    #[test]
    fn addresses_are_emails_or_https_urls() {
        assert_eq!(check_address(SubscriberKind::Email, " Ada@Example.com ").unwrap(), "ada@example.com");
        assert!(check_address(SubscriberKind::Email, "not an address").is_err());
        assert_eq!(
            check_address(SubscriberKind::Webhook, "https://hooks.example/s").unwrap(),
            "https://hooks.example/s"
        );
        for bad in ["http://hooks.example/s", "ftp://x", "https://", "hooks.example"] {
            assert_eq!(check_address(SubscriberKind::Webhook, bad).unwrap_err().field(), Some("url"), "{bad}");
        }
    }
}
