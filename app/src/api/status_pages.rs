//! Status pages for the console: list, create or change, delete, and their
//! subscribers (list, remove, import, a test message). Any signed-in team
//! member.

use crate::error::AppError;
use crate::model::{ImportReport, StatusPage, StatusPageInput, SubscriberOverview, SubscriberState};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/rpc", endpoint = "list_status_pages")]
pub async fn list_status_pages() -> Result<Vec<StatusPage>, AppError> {
    use crate::ssr::{as_member, status_pages};
    as_member(move |conn, _| status_pages::list(conn)).await
}

/// Creates a page (`id` none) or changes one.
#[server(prefix = "/rpc", endpoint = "save_status_page", input = Json)]
pub async fn save_status_page(id: Option<i64>, input: StatusPageInput) -> Result<StatusPage, AppError> {
    use crate::ssr::{as_member, status_pages};
    as_member(move |conn, caller| {
        let now = chrono::Utc::now();
        match id {
            None => status_pages::create(conn, &caller.actor, input, now),
            Some(id) => status_pages::update(conn, &caller.actor, id, input, now),
        }
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_status_page")]
pub async fn delete_status_page(id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_member, status_pages};
    as_member(move |conn, caller| status_pages::delete(conn, &caller.actor, id)).await
}

/// Subscribers listed at once in the console.
pub const SUBSCRIBERS_CONSOLE_PAGE: u32 = 50;

/// A page's subscribers: how many by state, and one page of the list
/// (newest first, `before` an id), searched by address.
#[server(prefix = "/rpc", endpoint = "list_subscribers")]
pub async fn list_subscribers(
    page_id: i64,
    search: String,
    #[server(default)] state: Option<SubscriberState>,
    #[server(default)] before: Option<i64>,
) -> Result<SubscriberOverview, AppError> {
    use crate::ssr::as_member;
    use crate::ssr::status_pages::{self, subscribers};
    as_member(move |conn, _| {
        let page = status_pages::get(conn, page_id)?;
        let counts = subscribers::counts(conn, page_id)?;
        let list = subscribers::list(conn, page_id, Some(&search), state, before, SUBSCRIBERS_CONSOLE_PAGE)?;
        let sent = subscribers::sent(conn, page_id)?;
        Ok(SubscriberOverview {
            page_title: page.title,
            page_slug: page.slug,
            components: page.components,
            counts,
            list,
            sent,
        })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "remove_subscriber")]
pub async fn remove_subscriber(page_id: i64, id: i64) -> Result<(), AppError> {
    use crate::ssr::as_member;
    use crate::ssr::status_pages::subscribers;
    as_member(move |conn, caller| subscribers::remove(conn, &caller.actor, page_id, id)).await
}

/// Imports subscribers from CSV; without `agreed`, each new email address
/// gets a link to confirm (sent in the background).
#[server(prefix = "/rpc", endpoint = "import_subscribers", input = Json)]
pub async fn import_subscribers(page_id: i64, csv: String, agreed: bool) -> Result<ImportReport, AppError> {
    use crate::ssr::status_pages::{subscriber_mail, subscribers};
    use crate::ssr::{AppState, as_member, team::auth};
    let (report, confirmations, sender) = as_member(move |conn, caller| {
        let (report, confirmations) =
            subscribers::import(conn, &caller.actor, page_id, &csv, agreed, chrono::Utc::now())?;
        let page =
            crate::ssr::db::status_pages::find(conn, page_id)?.ok_or_else(|| AppError::not_found("status page"))?;
        let sender = subscriber_mail::Sender { title: page.title, accent: page.accent_color };
        Ok((report, confirmations, sender))
    })
    .await?;
    if !confirmations.is_empty() {
        let state = AppState::from_context()?;
        let parts = auth::request_parts()?;
        let https = parts.extensions.get::<auth::OverHttps>().is_some_and(|o| o.0);
        let base = subscriber_mail::links_base(state.public_url.as_deref(), &parts.headers, https);
        for (address, token) in confirmations {
            subscriber_mail::send_confirmation(&state.notifier, &sender, &address, &base, &token);
        }
    }
    Ok(report)
}

/// Sends the signed-in member a sample of what the page's subscribers get;
/// answers where it went.
#[server(prefix = "/rpc", endpoint = "send_subscriber_test")]
pub async fn send_subscriber_test(page_id: i64) -> Result<String, AppError> {
    use crate::ssr::alerts::notify::Sent;
    use crate::ssr::status_pages::subscriber_mail;
    use crate::ssr::{AppState, as_member, reply, team::auth};
    let (page, to) = as_member(move |conn, caller| {
        let page =
            crate::ssr::db::status_pages::find(conn, page_id)?.ok_or_else(|| AppError::not_found("status page"))?;
        Ok((page, caller.email.clone()))
    })
    .await?;
    let result = async {
        let state = AppState::from_context()?;
        if !state.notifier.sends_email() {
            return Err(AppError::validation("email", "This server does not send email: set VIGIE_SMTP_URL."));
        }
        let parts = auth::request_parts()?;
        let https = parts.extensions.get::<auth::OverHttps>().is_some_and(|o| o.0);
        let base = subscriber_mail::links_base(state.public_url.as_deref(), &parts.headers, https);
        let sender = subscriber_mail::Sender { title: page.title.clone(), accent: page.accent_color.clone() };
        match subscriber_mail::send_test(&state.notifier, &sender, &to, &base, &page.slug).await {
            Sent::Delivered => Ok(format!("Sent to {to}.")),
            Sent::Failed(error) | Sent::Refused(error) => Err(AppError::validation("email", error)),
        }
    }
    .await;
    reply(result)
}
