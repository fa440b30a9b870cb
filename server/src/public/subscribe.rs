//! The public's subscription routes, plain HTML forms (no script):
//! `/status/{slug}/subscribe` (GET the form, POST a request), and the links
//! of the messages subscribers get: `/subscriptions/confirm/{token}`,
//! `/subscriptions/{token}` (what it follows) and
//! `/subscriptions/{token}/unsubscribe` (also the RFC 8058 one-click POST).
//! GETs only show a button; the POST does it. The answer to a request is the
//! same whether the address was subscribed already or not; the email says
//! which. Nothing here is cached.

use super::{not_found, secure};
use app::error::AppError;
use app::model::SubscriberKind;
use app::model::status_page_limits::SUBSCRIBER_CONFIRM_DAYS;
use app::pages::subscriptions::{self as views, SubscribeForm};
use app::ssr::AppState;
use app::ssr::db::status_pages::{self as pages, ComponentRow};
use app::ssr::db::subscribers::SubscriberRow;
use app::ssr::status_pages::read_model::PageInfo;
use app::ssr::status_pages::subscriber_mail::{self, Sender};
use app::ssr::status_pages::subscribers::{self, SubscribeRequest, Subscribed, is_token};
use app::ssr::team::auth::{ClientAddress, OverHttps};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;

/// The largest form accepted (a few hundred components ticked fit).
pub const FORM_MAX_BYTES: usize = 16 * 1024;

/// An HTML answer that no cache keeps, with the public pages' headers.
fn html(state: &AppState, status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure(headers, state);
    response
}

fn unavailable(state: &AppState) -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, "Try again in a moment.\n").into_response();
    secure(response.headers_mut(), state);
    response
}

/// A published page that takes subscriptions, with its components.
async fn open_page(state: &AppState, slug: String) -> Result<Option<(PageInfo, Vec<ComponentRow>)>, AppError> {
    state
        .db
        .run(move |conn| {
            let Some(row) = pages::find_by_slug(conn, &slug)?.filter(|p| p.published && p.allow_subscriptions) else {
                return Ok(None);
            };
            let components = pages::components_of(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
            Ok(Some((PageInfo::from(row), components)))
        })
        .await
}

/// The page of a subscription, if it still takes subscriptions.
async fn page_of(
    state: &AppState,
    subscriber: &SubscriberRow,
) -> Result<Option<(PageInfo, Vec<ComponentRow>)>, AppError> {
    let page_id = subscriber.page_id;
    let slug = state.db.run(move |conn| Ok(pages::find(conn, page_id)?.map(|p| p.slug))).await?;
    match slug {
        Some(slug) => open_page(state, slug).await,
        None => Ok(None),
    }
}

/// The page as the sender of a message.
pub fn sender(page: &PageInfo) -> Sender {
    Sender { title: page.title.clone(), accent: page.accent_color.clone() }
}

/// Where links in emails point: `VIGIE_PUBLIC_URL`, else the host asked for.
fn base_url(state: &AppState, headers: &HeaderMap, https: bool) -> String {
    subscriber_mail::links_base(state.public_url.as_deref(), headers, https)
}

/// A form's fields: `(name, value)` in order (components repeat).
fn fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// The monitors behind the ticked components; `Err` names a bad one.
fn chosen(fields: &[(String, String)]) -> Result<Vec<i64>, AppError> {
    fields
        .iter()
        .filter(|(k, _)| k == "component")
        .map(|(_, v)| {
            views::monitor_of(v)
                .ok_or_else(|| AppError::validation("components", "Choose among the components of this page."))
        })
        .collect()
}

/// `GET /status/{slug}/subscribe`.
pub async fn subscribe_form(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    match open_page(&state, slug).await {
        Ok(Some((page, components))) => {
            let body =
                views::render_subscribe(&page, &components, &SubscribeForm::default(), state.notifier.sends_email());
            html(&state, StatusCode::OK, body)
        }
        Ok(None) => not_found(&state),
        Err(_) => unavailable(&state),
    }
}

/// `POST /status/{slug}/subscribe`: `kind` (`email`|`webhook`), `email` or
/// `url`, `component` (repeated; none: the whole page), and `website`, the
/// honeypot that only robots fill in.
pub async fn subscribe(State(state): State<AppState>, Path(slug): Path<String>, request: Request) -> Response {
    let client = request.extensions().get::<ClientAddress>().map_or_else(|| "unknown".to_owned(), |a| a.0.clone());
    let https = request.extensions().get::<OverHttps>().is_some_and(|o| o.0);
    let headers = request.headers().clone();
    let Ok(body) = axum::body::to_bytes(request.into_body(), FORM_MAX_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.\n").into_response();
    };
    let fields = fields(&body);
    let (page, components) = match open_page(&state, slug).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(&state),
        Err(_) => return unavailable(&state),
    };
    let kind = if field(&fields, "kind") == "webhook" { SubscriberKind::Webhook } else { SubscriberKind::Email };
    let address = match kind {
        SubscriberKind::Email => field(&fields, "email"),
        SubscriberKind::Webhook => field(&fields, "url"),
    }
    .to_owned();
    let mut form = SubscribeForm {
        email: field(&fields, "email").chars().take(254).collect(),
        url: field(&fields, "url").chars().take(2_000).collect(),
        chosen: Vec::new(),
        error: None,
    };
    let email_on = state.notifier.sends_email();
    let invalid = |form: &mut SubscribeForm, field: &str, message: &str| {
        form.error = Some((field.to_owned(), message.to_owned()));
        let body = views::render_subscribe(&page, &components, form, email_on);
        html(&state, StatusCode::UNPROCESSABLE_ENTITY, body)
    };
    let monitor_ids = match chosen(&fields) {
        Ok(ids) => ids,
        Err(error) => return invalid(&mut form, "components", &error.to_string()),
    };
    form.chosen = monitor_ids.clone();
    if kind == SubscriberKind::Email && !email_on {
        return invalid(&mut form, "email", "This server does not send email; subscribe with a webhook or a feed.");
    }
    let answer = || match kind {
        SubscriberKind::Email => views::render_message(
            &page,
            "Check your inbox",
            &[
                format!("If {} can receive mail, a message is on its way to it.", form.email.trim()),
                format!(
                    "Open its link within {SUBSCRIBER_CONFIRM_DAYS} days to confirm the subscription; nothing else is sent before."
                ),
            ],
        ),
        SubscriberKind::Webhook => views::render_message(
            &page,
            "Subscribed",
            &[
                format!(
                    "{} will receive a POST for each incident and maintenance notification of {}.",
                    form.url.trim(),
                    page.title
                ),
                "Each one carries, in meta.unsubscribe, the link that ends the subscription.".to_owned(),
            ],
        ),
    };
    // A robot filled in the hidden field: it is told what a person would be.
    if !field(&fields, "website").is_empty() {
        return html(&state, StatusCode::OK, answer());
    }
    let request = SubscribeRequest { kind, address, monitor_ids };
    let page_id = page.id;
    let now = Utc::now();
    let outcome = state.db.run(move |conn| subscribers::subscribe(conn, page_id, &request, &client, now)).await;
    let base = base_url(&state, &headers, https);
    match outcome {
        Ok(Subscribed::ConfirmationDue { subscriber, confirm }) => {
            subscriber_mail::send_confirmation(&state.notifier, &sender(&page), &subscriber.address, &base, &confirm);
            html(&state, StatusCode::OK, answer())
        }
        Ok(Subscribed::AlreadyConfirmed { subscriber, link }) => {
            subscriber_mail::send_reminder(&state.notifier, &sender(&page), &subscriber.address, &base, &link);
            html(&state, StatusCode::OK, answer())
        }
        Ok(Subscribed::Active { .. }) => html(&state, StatusCode::OK, answer()),
        Err(AppError::Validation { field, message }) => invalid(&mut form, &field, &message),
        Err(AppError::RateLimited { retry_after_seconds }) => {
            let minutes = retry_after_seconds.div_ceil(60).max(1);
            let body = views::render_message(
                &page,
                "Too many requests",
                &[format!(
                    "Too many subscription requests came from here or for this address. Try again in {minutes} minutes."
                )],
            );
            let mut response = html(&state, StatusCode::TOO_MANY_REQUESTS, body);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
            response
        }
        Err(AppError::NotFound { .. }) => not_found(&state),
        Err(error) => {
            error.report_in("subscribe");
            unavailable(&state)
        }
    }
}

/// `GET /subscriptions/confirm/{token}`: the confirm button.
pub async fn confirm_form(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !is_token(&token) {
        return not_found(&state);
    }
    let lookup = token.clone();
    let pending = state.db.run(move |conn| subscribers::pending(conn, &lookup, Utc::now())).await;
    let subscriber = match pending {
        Ok(subscriber) => subscriber,
        Err(AppError::NotFound { .. }) => return expired(&state),
        Err(_) => return unavailable(&state),
    };
    match page_of(&state, &subscriber).await {
        Ok(Some((page, _))) => html(&state, StatusCode::OK, views::render_confirm(&page, &token)),
        Ok(None) => not_found(&state),
        Err(_) => unavailable(&state),
    }
}

fn expired(state: &AppState) -> Response {
    let body = super::plain_page(
        "Link expired",
        "<h1>This link has expired</h1>\
         <p>It was used already, or it is older than a week. Subscribe again from the status page.</p>",
    );
    html(state, StatusCode::NOT_FOUND, body)
}

/// `POST /subscriptions/confirm/{token}`: confirms, then shows the
/// subscription's own page.
pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !is_token(&token) {
        return not_found(&state);
    }
    match state.db.run(move |conn| subscribers::confirm(conn, &token, Utc::now())).await {
        Ok((_, link)) => Redirect::to(&format!("/subscriptions/{link}?confirmed")).into_response(),
        Err(AppError::NotFound { .. }) => expired(&state),
        Err(_) => unavailable(&state),
    }
}

/// The subscription behind a link, with its page.
async fn subscription(
    state: &AppState,
    token: &str,
) -> Result<Option<(SubscriberRow, PageInfo, Vec<ComponentRow>)>, AppError> {
    if !is_token(token) {
        return Ok(None);
    }
    let lookup = token.to_owned();
    let subscriber = match state.db.run(move |conn| subscribers::by_link(conn, &lookup)).await {
        Ok(subscriber) => subscriber,
        Err(AppError::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(page_of(state, &subscriber).await?.map(|(page, components)| (subscriber, page, components)))
}

fn manage_page(
    state: &AppState,
    token: &str,
    (subscriber, page, components): &(SubscriberRow, PageInfo, Vec<ComponentRow>),
    notice: Option<&str>,
) -> Response {
    let chosen = subscriber.monitor_ids.clone().unwrap_or_default();
    let body = views::render_manage(page, token, &subscriber.address, components, &chosen, notice);
    html(state, StatusCode::OK, body)
}

/// `GET /subscriptions/{token}`.
pub async fn manage_form(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    match subscription(&state, &token).await {
        Ok(Some(found)) => {
            let notice = query.is_some_and(|q| q.split('&').any(|p| p == "confirmed")).then_some(
                "Your subscription is confirmed. Keep this page's address, or use the links in the messages you receive.",
            );
            manage_page(&state, &token, &found, notice)
        }
        Ok(None) => not_found(&state),
        Err(_) => unavailable(&state),
    }
}

/// `POST /subscriptions/{token}`: the components followed (`component`, repeated).
pub async fn manage(State(state): State<AppState>, Path(token): Path<String>, body: Bytes) -> Response {
    let fields = fields(&body);
    let Ok(monitor_ids) = chosen(&fields) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "Unknown component.\n").into_response();
    };
    let lookup = token.clone();
    if !is_token(&token) {
        return not_found(&state);
    }
    let changed = state.db.run(move |conn| subscribers::change_components(conn, &lookup, &monitor_ids)).await;
    match changed {
        Ok(_) => match subscription(&state, &token).await {
            Ok(Some(found)) => manage_page(&state, &token, &found, Some("Saved.")),
            Ok(None) => not_found(&state),
            Err(_) => unavailable(&state),
        },
        Err(AppError::NotFound { .. }) => not_found(&state),
        Err(AppError::Validation { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, format!("{message}\n")).into_response()
        }
        Err(_) => unavailable(&state),
    }
}

/// `GET /subscriptions/{token}/unsubscribe`: the unsubscribe button.
pub async fn unsubscribe_form(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match subscription(&state, &token).await {
        Ok(Some((_, page, _))) => html(&state, StatusCode::OK, views::render_unsubscribe(&page, &token)),
        Ok(None) => not_found(&state),
        Err(_) => unavailable(&state),
    }
}

/// `POST /subscriptions/{token}/unsubscribe`: ends the subscription (also
/// the one-click POST of RFC 8058, `List-Unsubscribe=One-Click`). A link of
/// a subscription already ended answers the same.
pub async fn unsubscribe(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if !is_token(&token) {
        return not_found(&state);
    }
    let found = match subscription(&state, &token).await {
        Ok(found) => found,
        Err(_) => return unavailable(&state),
    };
    if state.db.run(move |conn| subscribers::unsubscribe(conn, &token)).await.is_err() {
        return unavailable(&state);
    }
    match found {
        Some((subscriber, page, _)) => {
            let lines = [format!("{} will receive no more notifications from {}.", subscriber.address, page.title)];
            html(&state, StatusCode::OK, views::render_message(&page, "You are unsubscribed", &lines))
        }
        None => html(&state, StatusCode::OK, super::plain_page("Unsubscribed", "<h1>You are unsubscribed</h1>")),
    }
}

/// `GET /console/status-pages/{id}/subscribers.csv`: a page's subscribers
/// for a signed-in member (audited), as a download.
pub async fn export_csv(State(state): State<AppState>, Path(id): Path<String>, request: Request) -> Response {
    let Some(session) = request.extensions().get::<app::ssr::team::auth::SessionUser>().cloned() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(id) = id.parse::<i64>() else { return not_found(&state) };
    let address = request.extensions().get::<ClientAddress>().map_or_else(|| "unknown".to_owned(), |a| a.0.clone());
    let actor = app::ssr::team::audit::Actor::console(&session.user, &address);
    match state.db.run(move |conn| subscribers::export(conn, &actor, id)).await {
        Ok(csv) => {
            let mut response = csv.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            let name = format!("attachment; filename=\"subscribers-{id}.csv\"");
            if let Ok(value) = HeaderValue::from_str(&name) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(AppError::NotFound { .. }) => not_found(&state),
        Err(_) => unavailable(&state),
    }
}
