//! The emails about a subscription itself (not about incidents): the
//! confirmation link, "you are subscribed already", and the team's test
//! message. Sent in the background: whoever asked does not wait for (nor
//! learn anything from) the mail server.

use crate::model::status_page_limits::SUBSCRIBER_CONFIRM_DAYS;
use crate::ssr::alerts::notify::{Mail, Notifier, Sent, escape};
use crate::ssr::team::auth::new_secret;

/// The accent of pages that set none.
pub const DEFAULT_ACCENT: &str = "#0f766e";

/// Where a subscriber's own links point: changing the subscription and
/// leaving it (one click), from a link token of one message.
pub fn links(base: &str, token: &str) -> (String, String) {
    (format!("{base}/subscriptions/{token}"), format!("{base}/subscriptions/{token}/unsubscribe"))
}

/// Where links in emails point: `VIGIE_PUBLIC_URL`, else the host the
/// request was for.
pub fn links_base(public_url: Option<&str>, headers: &http::HeaderMap, https: bool) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The page a message is about: its name and accent colour.
#[derive(Debug, Clone)]
pub struct Sender {
    pub title: String,
    pub accent: Option<String>,
}

fn send_later(
    notifier: &Notifier,
    to: String,
    subject: String,
    text: String,
    html: String,
    unsubscribe: Option<String>,
) {
    let notifier = notifier.clone();
    tokio::spawn(async move {
        let message_id = format!("<{}@{}>", &new_secret("")[..32], notifier.mail_domain());
        let mail = Mail { to: &to, subject: &subject, text, html, message_id, in_reply_to: None, unsubscribe };
        if let Sent::Failed(error) | Sent::Refused(error) = notifier.mail(mail).await {
            tracing::warn!(%error, "cannot send a subscription email");
        }
    });
}

/// A short HTML message: the page's name, paragraphs, one button.
fn html(page: &Sender, paragraphs: &[String], link: (&str, &str)) -> String {
    let accent = escape(page.accent.as_deref().unwrap_or(DEFAULT_ACCENT));
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>\n", escape(p))).collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"></head>\n\
         <body style=\"font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2933;max-width:600px;margin:0 auto;padding:24px 16px\">\n\
         <p style=\"font-weight:600;color:{accent}\">{}</p>\n{body}\
         <p><a href=\"{}\" style=\"display:inline-block;background:{accent};color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none\">{}</a></p>\n\
         </body></html>",
        escape(&page.title),
        escape(link.0),
        escape(link.1),
    )
}

/// Sends the link that confirms a subscription.
pub fn send_confirmation(notifier: &Notifier, page: &Sender, to: &str, base: &str, token: &str) {
    let link = format!("{base}/subscriptions/confirm/{token}");
    let paragraphs = [
        format!(
            "Someone, hopefully you, asked to receive {}'s incident and maintenance notifications at this address.",
            page.title
        ),
        format!(
            "Confirm within {SUBSCRIBER_CONFIRM_DAYS} days with the link below. If it was not you, ignore this message: nothing more will be sent."
        ),
    ];
    let text = format!("{}\n\n{}\n\nConfirm: {link}\n", paragraphs[0], paragraphs[1]);
    let html = html(page, &paragraphs, (&link, "Confirm the subscription"));
    let subject = format!("[{}] Confirm your subscription", page.title);
    send_later(notifier, to.to_owned(), subject, text, html, None);
}

/// Tells a subscribed address that someone asked to subscribe it again.
pub fn send_reminder(notifier: &Notifier, page: &Sender, to: &str, base: &str, token: &str) {
    let (manage, unsubscribe) = links(base, token);
    let paragraphs = [
        format!("Someone asked to subscribe this address to {}'s notifications: it already receives them.", page.title),
        "Nothing changed. Use the link below to change what you follow or to unsubscribe.".to_owned(),
    ];
    let text =
        format!("{}\n\n{}\n\nYour subscription: {manage}\nUnsubscribe: {unsubscribe}\n", paragraphs[0], paragraphs[1]);
    let html = html(page, &paragraphs, (&manage, "Your subscription"));
    let subject = format!("[{}] You are already subscribed", page.title);
    send_later(notifier, to.to_owned(), subject, text, html, Some(unsubscribe));
}

/// Sends a team member a sample of what the page's subscribers receive;
/// answers how it went.
pub async fn send_test(notifier: &Notifier, page: &Sender, to: &str, base: &str, slug: &str) -> Sent {
    let link = format!("{base}/status/{slug}");
    let paragraphs = [
        format!("This is a test of {}'s notifications to subscribers.", page.title),
        "Subscribers receive messages like this one when an incident or a maintenance is published, updated and resolved, with a link to change what they follow and to unsubscribe.".to_owned(),
    ];
    let text = format!("{}\n\n{}\n\nThe page: {link}\n", paragraphs[0], paragraphs[1]);
    let html = html(page, &paragraphs, (&link, "The status page"));
    let message_id = format!("<{}@{}>", &new_secret("")[..32], notifier.mail_domain());
    let subject = format!("[{}] Test notification", page.title);
    let mail = Mail { to, subject: &subject, text, html, message_id, in_reply_to: None, unsubscribe: None };
    notifier.mail(mail).await
}
