//! Sending one notification to its channel: a signed JSON webhook, a Slack
//! or Discord message, or an email over SMTP, each within a time limit, and
//! what came back. The messages are written from the payload the outbox
//! stored with the event.

use crate::model::{AlertEvent, ChannelKind, Impact};
use crate::ssr::alerts::Outcome;
use crate::ssr::db::channels::ChannelRow;
use chrono::Utc;
use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// How much of an answer is kept with the attempt.
const REPLY_MAX: usize = 300;
/// SMTP connections kept open to the mail server.
const SMTP_CONNECTIONS: u32 = 32;

/// Where notifications go out and how: from `VIGIE_PUBLIC_URL`,
/// `VIGIE_SMTP_URL`, `VIGIE_SMTP_FROM` and the attempt time limit.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub timeout: Duration,
    /// `VIGIE_SUBSCRIBER_WEBHOOKS_PRIVATE`: let subscribers' webhooks reach
    /// private and loopback addresses, over http too (tests, intranets).
    pub private_webhooks: bool,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            smtp_url: None,
            smtp_from: None,
            timeout: Duration::from_secs(10),
            private_webhooks: false,
        }
    }
}

/// Sends notifications through one shared HTTP client and SMTP transport.
#[derive(Clone)]
pub struct Notifier {
    http: reqwest::Client,
    /// For the public's webhooks: reaches only public addresses unless
    /// `private_webhooks`.
    subscriber_http: reqwest::Client,
    private_webhooks: bool,
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    public_url: Option<String>,
    timeout: Duration,
}

/// Why the alert settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("VIGIE_SMTP_URL: {0}")]
    SmtpUrl(lettre::transport::smtp::Error),
    #[error("VIGIE_SMTP_FROM `{value}`: {source}")]
    SmtpFrom { value: String, source: lettre::address::AddressError },
}

impl Notifier {
    /// Fails with a clear message when the SMTP settings are unusable.
    pub fn new(settings: &AlertSettings) -> Result<Self, SettingsError> {
        crate::ssr::monitoring::probe::install_crypto();
        let http = reqwest::Client::builder()
            .user_agent(format!("Vigie/{} (alerts)", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .build()?;
        let mut subscriber_http = reqwest::Client::builder()
            .user_agent(format!("Vigie/{} (status page subscriptions)", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout);
        if !settings.private_webhooks {
            subscriber_http = subscriber_http.dns_resolver(std::sync::Arc::new(PublicResolver));
        }
        let subscriber_http = subscriber_http.build()?;
        let smtp = match settings.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) {
            None => None,
            Some(url) => {
                // Connections are kept and reused: opening one per message
                // costs more than the message.
                let pool = lettre::transport::smtp::PoolConfig::new().max_size(SMTP_CONNECTIONS);
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(SettingsError::SmtpUrl)?
                    .timeout(Some(settings.timeout))
                    .pool_config(pool)
                    .build();
                let from = settings.smtp_from.as_deref().unwrap_or("vigie@localhost");
                let from = from
                    .parse::<Mailbox>()
                    .map_err(|source| SettingsError::SmtpFrom { value: from.to_owned(), source })?;
                Some((transport, from))
            }
        };
        let public_url = settings.public_url.as_ref().map(|u| u.trim_end_matches('/').to_owned());
        Ok(Self {
            http,
            subscriber_http,
            private_webhooks: settings.private_webhooks,
            smtp,
            public_url,
            timeout: settings.timeout,
        })
    }

    /// The time limit of one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether email can be sent (`VIGIE_SMTP_URL` is set).
    pub fn sends_email(&self) -> bool {
        self.smtp.is_some()
    }

    /// The domain of the sender address: the right side of Message-IDs.
    pub fn mail_domain(&self) -> String {
        self.smtp.as_ref().map_or_else(|| "vigie.invalid".to_owned(), |(_, from)| from.email.domain().to_owned())
    }

    /// `VIGIE_PUBLIC_URL` without its trailing slash.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// Sends one email to a subscriber, within the time limit.
    pub async fn mail(&self, mail: Mail<'_>) -> Sent {
        let Some((transport, from)) = &self.smtp else {
            return Sent::Failed("email is not configured: set VIGIE_SMTP_URL".to_owned());
        };
        let to = match mail.to.parse::<Mailbox>() {
            Ok(to) => to,
            Err(error) => return Sent::Refused(format!("recipient: {error}")),
        };
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(mail.subject)
            .message_id(Some(mail.message_id));
        if let Some(parent) = mail.in_reply_to {
            builder = builder.in_reply_to(parent.clone()).references(parent);
        }
        if let Some(url) = mail.unsubscribe {
            use lettre::message::header::{HeaderName, HeaderValue};
            let name = HeaderName::new_from_ascii_str("List-Unsubscribe");
            builder = builder.raw_header(HeaderValue::new(name, format!("<{url}>")));
            let name = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");
            builder = builder.raw_header(HeaderValue::new(name, "List-Unsubscribe=One-Click".to_owned()));
        }
        let email = match builder.multipart(MultiPart::alternative_plain_html(mail.text, mail.html)) {
            Ok(email) => email,
            Err(error) => return Sent::Failed(format!("cannot write the email: {error}")),
        };
        match tokio::time::timeout(self.timeout, transport.send(email)).await {
            Err(_) => Sent::Failed(format!("no answer within {} s", self.timeout.as_secs())),
            Ok(Ok(response)) if response.is_positive() => Sent::Delivered,
            Ok(Ok(response)) => Sent::Failed(format!("the SMTP server answered {}", response.code())),
            Ok(Err(error)) if error.is_permanent() => Sent::Refused(format!("SMTP: {error}")),
            Ok(Err(error)) => Sent::Failed(format!("SMTP: {error}")),
        }
    }

    /// Posts JSON to a subscriber's webhook, within the time limit: only
    /// https URLs of public addresses, unless private webhooks are allowed.
    pub async fn post_subscriber(&self, url: &str, body: Vec<u8>) -> Sent {
        if !self.private_webhooks {
            let Ok(parsed) = url::Url::parse(url) else { return Sent::Refused("not a URL".to_owned()) };
            if parsed.scheme() != "https" {
                return Sent::Refused("only https URLs are called".to_owned());
            }
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if literal.is_some_and(|ip| !is_public(ip)) {
                return Sent::Refused("the URL's address is private".to_owned());
            }
        }
        let request = self.subscriber_http.post(url).header("content-type", "application/json").body(body);
        match request.send().await {
            Ok(response) if response.status().is_success() => Sent::Delivered,
            // Gone: the receiver says it wants nothing more.
            Ok(response) if response.status() == reqwest::StatusCode::GONE => {
                Sent::Refused("the receiver answered 410 Gone".to_owned())
            }
            Ok(response) => Sent::Failed(format!("the receiver answered {}", response.status())),
            Err(error) if error.is_timeout() => Sent::Failed(format!("no answer within {} s", self.timeout.as_secs())),
            Err(error) => Sent::Failed(http_error(&error)),
        }
    }

    /// Sends `payload` to `channel` once, within the time limit.
    pub async fn send(&self, channel: &ChannelRow, delivery_id: &str, payload: &Value) -> Outcome {
        let started = Instant::now();
        let kind = channel.kind;
        let message = Message::of(payload, self.public_url.as_deref());
        let sending = async {
            match kind {
                ChannelKind::Webhook => {
                    let mut body = payload.clone();
                    body["delivery_id"] = json!(delivery_id);
                    if let (Some(url), Some(incident)) = (&message.link, body.get_mut("incident")) {
                        incident["url"] = json!(url);
                    }
                    let body = serde_json::to_vec(&body).unwrap_or_default();
                    let secret = channel.secret.as_deref().unwrap_or_default();
                    let timestamp = Utc::now().timestamp();
                    let headers = [
                        ("x-vigie-signature", format!("t={timestamp},v1={}", sign(secret, timestamp, &body))),
                        ("x-vigie-delivery", delivery_id.to_owned()),
                        ("x-vigie-event", message.event.clone()),
                    ];
                    self.post(channel.url.as_deref().unwrap_or_default(), &headers, body).await
                }
                ChannelKind::Slack => {
                    let body = json!({ "text": message.slack() });
                    self.post(channel.url.as_deref().unwrap_or_default(), &[], body.to_string().into_bytes()).await
                }
                ChannelKind::Discord => {
                    let body = message.discord();
                    self.post(channel.url.as_deref().unwrap_or_default(), &[], body.to_string().into_bytes()).await
                }
                ChannelKind::Email => self.email(&channel.recipients, delivery_id, &message).await,
            }
        };
        let mut outcome = match tokio::time::timeout(self.timeout, sending).await {
            Ok(outcome) => outcome,
            Err(_) => failure(None, format!("no answer within {} s", self.timeout.as_secs())),
        };
        outcome.duration_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        outcome
    }

    async fn post(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Outcome {
        let mut request = self.http.post(url).header("content-type", "application/json").body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let reply = response.text().await.unwrap_or_default();
                let reply = shorten(reply.trim());
                if status.is_success() {
                    Outcome { ok: true, status_code: Some(status.as_u16()), reply, error: None, duration_ms: 0 }
                } else {
                    let error = format!("the receiver answered {status}");
                    Outcome { ok: false, status_code: Some(status.as_u16()), reply, error: Some(error), duration_ms: 0 }
                }
            }
            Err(error) if error.is_timeout() => failure(None, format!("no answer within {} s", self.timeout.as_secs())),
            Err(error) => failure(None, http_error(&error)),
        }
    }

    async fn email(&self, to: &[String], delivery_id: &str, message: &Message) -> Outcome {
        let Some((transport, from)) = &self.smtp else {
            return failure(None, "email is not configured: set VIGIE_SMTP_URL".to_owned());
        };
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .subject(format!("[Vigie] {}", message.subject))
            .message_id(Some(format!("<{delivery_id}@vigie>")));
        for address in to {
            match address.parse::<Mailbox>() {
                Ok(mailbox) => builder = builder.to(mailbox),
                Err(error) => return failure(None, format!("recipient `{address}`: {error}")),
            }
        }
        let email = match builder.multipart(MultiPart::alternative_plain_html(message.text(), message.html())) {
            Ok(email) => email,
            Err(error) => return failure(None, format!("cannot write the email: {error}")),
        };
        match transport.send(email).await {
            Ok(response) => {
                let reply =
                    shorten(&format!("{} {}", response.code(), response.message().collect::<Vec<_>>().join(" ")));
                let ok = response.is_positive();
                let error = (!ok).then(|| "the SMTP server refused the message".to_owned());
                Outcome { ok, status_code: None, reply, error, duration_ms: 0 }
            }
            Err(error) => failure(None, format!("SMTP: {error}")),
        }
    }
}

/// Sends a test notification to a channel now and records it among the
/// channel's deliveries; answers what the attempt got.
pub async fn send_test(
    db: &crate::ssr::db::Db,
    notifier: &Notifier,
    channel_id: i64,
) -> Result<crate::model::DeliveryAttempt, crate::error::AppError> {
    use crate::ssr::db::channels;
    let channel = db
        .run(move |conn| channels::find(conn, channel_id)?.ok_or_else(|| crate::error::AppError::not_found("channel")))
        .await?;
    let at = Utc::now();
    let payload = json!({ "event": "test", "occurred_at": at, "monitors": [] });
    let delivery_id = crate::ssr::alerts::new_delivery_id();
    let outcome = notifier.send(&channel, &delivery_id, &payload).await;
    let recorded = outcome.clone();
    db.run(move |conn| Ok(crate::ssr::alerts::record_test(conn, channel_id, &delivery_id, &payload, &recorded, at)?))
        .await?;
    Ok(crate::model::DeliveryAttempt {
        at,
        duration_ms: outcome.duration_ms,
        ok: outcome.ok,
        status_code: outcome.status_code,
        reply: outcome.reply,
        error: outcome.error,
        retry_at: None,
    })
}

/// One email to a subscriber.
#[derive(Debug, Clone)]
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: String,
    pub html: String,
    pub message_id: String,
    /// The first message of the thread (the incident's).
    pub in_reply_to: Option<String>,
    /// The one-click unsubscribe URL (RFC 8058 headers).
    pub unsubscribe: Option<String>,
}

/// How a message to a subscriber went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Delivered,
    /// Worth trying again later.
    Failed(String),
    /// Refused for good (a permanent SMTP error, 410 Gone, a private address).
    Refused(String),
}

/// Whether an address is reachable on the public internet: not loopback,
/// private, link-local, shared (CGNAT), unspecified, multicast or reserved.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
                    || first == 0x2001 && v6.segments()[1] == 0x0db8
                    || first == 0x0064 && v6.segments()[1] == 0xff9b)
            }
        },
    }
}

/// Resolves names with the system resolver and keeps only public
/// addresses: a subscriber's webhook cannot reach the server's own network.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<std::net::SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> =
                    format!("{} has no public address", name.as_str()).into();
                return Err(error);
            }
            let addresses: reqwest::dns::Addrs = Box::new(public.into_iter());
            Ok(addresses)
        })
    }
}

fn failure(status_code: Option<u16>, error: String) -> Outcome {
    Outcome { ok: false, status_code, reply: String::new(), error: Some(shorten(&error)), duration_ms: 0 }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(REPLY_MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// A reqwest error with its innermost cause: "connection refused", not
/// "error sending request".
fn http_error(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    if error.is_connect() { format!("cannot connect: {source}") } else { source.to_string() }
}

/// The hex HMAC-SHA256 of `"<timestamp>.<body>"` with the channel's secret:
/// the `v1` of `X-Vigie-Signature`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A notification in words, for people.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub event: String,
    pub subject: String,
    pub lines: Vec<String>,
    /// The incident's (or monitor's) page in the console.
    pub link: Option<String>,
}

/// Text made safe for HTML (and for Slack, which escapes the same three
/// characters, plus quotes that only matter in attributes).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn text_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    path.iter().try_fold(value, |v, key| v.get(key)).and_then(Value::as_str).unwrap_or_default()
}

fn impact_label(text: &str) -> &'static str {
    Impact::parse(text).map_or("Unknown", Impact::label)
}

impl Message {
    pub fn of(payload: &Value, public_url: Option<&str>) -> Self {
        let event = text_at(payload, &["event"]).to_owned();
        let title = text_at(payload, &["incident", "title"]);
        let monitors: Vec<&Value> = payload.get("monitors").and_then(Value::as_array).into_iter().flatten().collect();
        let first_monitor = monitors.first().map_or("", |m| text_at(m, &["name"]));
        let subject = match AlertEvent::parse(&event) {
            Some(AlertEvent::IncidentCreated) => format!("Incident: {title}"),
            Some(AlertEvent::IncidentResolved) => format!("Resolved: {title}"),
            Some(AlertEvent::IncidentUpdatePublished) => {
                format!("Update ({}): {title}", text_at(payload, &["update", "status"]))
            }
            Some(AlertEvent::ImpactChanged) => {
                format!("Impact now {}: {title}", impact_label(text_at(payload, &["impact_change", "to"])))
            }
            Some(AlertEvent::SslExpiring) => format!("Certificate expiring: {first_monitor}"),
            Some(AlertEvent::MonitorDegraded) => format!("Slow: {first_monitor}"),
            Some(AlertEvent::MonitorRecovered) => format!("Fast again: {first_monitor}"),
            Some(AlertEvent::MaintenanceStarted) => format!("Maintenance started: {title}"),
            Some(AlertEvent::MaintenanceCompleted) => format!("Maintenance completed: {title}"),
            None => "Test notification".to_owned(),
        };
        let mut lines = Vec::new();
        if payload.get("incident").is_some() {
            lines.push(format!("Impact: {}", impact_label(text_at(payload, &["incident", "impact"]))));
            lines.push(format!("State: {}", text_at(payload, &["incident", "state"])));
        }
        for monitor in &monitors {
            lines.push(format!(
                "Monitor: {} ({}) {}",
                text_at(monitor, &["name"]),
                text_at(monitor, &["status"]),
                text_at(monitor, &["target"])
            ));
        }
        if let Some(limit) = payload.get("degraded_after_ms").and_then(Value::as_u64) {
            lines.push(format!("Slow means slower than {limit} ms"));
        }
        if let Some(expires) = payload.get("certificate").and_then(|c| c.get("expires_at")).and_then(Value::as_str) {
            lines.push(format!("Certificate expires at {expires}"));
        }
        let update = text_at(payload, &["update", "body"]);
        if !update.is_empty() {
            lines.push(String::new());
            lines.push(update.to_owned());
        }
        if event == "test" {
            lines.push("This is a test: the channel works.".to_owned());
        }
        let link = public_url.and_then(|base| {
            let incident = payload.get("incident").and_then(|i| i.get("id")).and_then(Value::as_i64);
            let monitor = monitors.first().and_then(|m| m.get("id")).and_then(Value::as_i64);
            match (incident, monitor) {
                (Some(id), _) => Some(format!("{base}/console/incidents/{id}")),
                (None, Some(id)) => Some(format!("{base}/console/monitors/{id}")),
                (None, None) => None,
            }
        });
        Self { event, subject, lines, link }
    }

    pub fn text(&self) -> String {
        let mut text = format!("{}\n\n{}", self.subject, self.lines.join("\n"));
        if let Some(link) = &self.link {
            text.push_str(&format!("\n\n{link}"));
        }
        text.push('\n');
        text
    }

    pub fn html(&self) -> String {
        let mut html = format!("<h2>{}</h2>", escape(&self.subject));
        for line in self.lines.iter().filter(|l| !l.is_empty()) {
            html.push_str(&format!("<p>{}</p>", escape(line)));
        }
        if let Some(link) = &self.link {
            html.push_str(&format!("<p><a href=\"{}\">Open in Vigie</a></p>", escape(link)));
        }
        html
    }

    /// Slack's mrkdwn: `&`, `<` and `>` escaped, the link as `<url|text>`.
    pub fn slack(&self) -> String {
        let mut text = format!("*{}*", escape(&self.subject));
        for line in &self.lines {
            text.push('\n');
            text.push_str(&escape(line));
        }
        if let Some(link) = &self.link {
            text.push_str(&format!("\n<{link}|Open in Vigie>"));
        }
        text
    }

    /// A Discord message with one embed (title at most 256 characters,
    /// description at most 4096).
    pub fn discord(&self) -> Value {
        let colour = match AlertEvent::parse(&self.event) {
            Some(AlertEvent::IncidentCreated) => 0xd9_3025,
            Some(AlertEvent::MonitorDegraded) => 0xf7_9009,
            Some(AlertEvent::IncidentResolved | AlertEvent::MaintenanceCompleted | AlertEvent::MonitorRecovered) => {
                0x1e_8e3e
            }
            _ => 0x3b_6fd4,
        };
        let mut embed = json!({
            "title": self.subject.chars().take(256).collect::<String>(),
            "description": self.lines.join("\n").chars().take(4096).collect::<String>(),
            "color": colour,
        });
        if let Some(link) = &self.link {
            embed["url"] = json!(link);
        }
        json!({ "username": "Vigie", "embeds": [embed], "allowed_mentions": { "parse": [] } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_time_dot_body() {
        // Computed independently:
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"key", b"1.{}", hashlib.sha256).hexdigest())'
        assert_eq!(sign("key", 1, b"{}"), "1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224");
        assert_ne!(sign("key", 1, b"{}"), sign("key", 2, b"{}"), "the time is signed");
        assert_ne!(sign("key", 1, b"{}"), sign("other", 1, b"{}"), "the secret matters");
    }

    #[test]
    fn messages_say_what_happened() {
        let payload = json!({
            "event": "incident_created",
            "occurred_at": "2026-11-27T10:00:00Z",
            "incident": { "id": 7, "title": "API <b> is down", "impact": "major_outage", "state": "ongoing" },
            "monitors": [{ "id": 3, "name": "API", "status": "down", "target": "https://api.example.com" }],
        });
        let message = Message::of(&payload, Some("https://vigie.example.com"));
        assert_eq!(message.subject, "Incident: API <b> is down");
        assert_eq!(message.link.as_deref(), Some("https://vigie.example.com/console/incidents/7"));
        assert!(message.text().contains("Impact: Major outage"), "{}", message.text());
        assert!(message.html().contains("API &lt;b&gt; is down"), "{}", message.html());
        assert!(message.slack().contains("API &lt;b&gt;"), "{}", message.slack());
        assert_eq!(message.discord()["embeds"][0]["url"], "https://vigie.example.com/console/incidents/7");
        let test = Message::of(&json!({ "event": "test" }), None);
        assert_eq!((test.subject.as_str(), test.link), ("Test notification", None));
    }
}
