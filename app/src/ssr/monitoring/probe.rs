//! The probing engine, shared by `vigie serve` and `vigie agent`: one HTTP or
//! TCP check of a monitor, bounded in time and in what it reads, naming its
//! failure. It keeps no state; the scheduler decides what the result means.

use crate::model::{FailureKind, KeywordMode, Monitor, MonitorKind, StatusRanges};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::error::Error as _;
use std::time::{Duration, Instant};

/// The most of a body a probe reads (to look for the keyword).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The most redirects a probe follows.
pub const MAX_REDIRECTS: usize = 10;
/// Longest failure message kept.
pub const MESSAGE_MAX: usize = 300;

/// What to check, taken from a monitor.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    pub kind: MonitorKind,
    pub url: String,
    pub host: String,
    pub port: u16,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub accepted: StatusRanges,
    pub keyword: Option<String>,
    pub keyword_mode: KeywordMode,
    pub follow_redirects: bool,
    pub timeout: Duration,
    /// For `dns`: what to ask.
    pub dns: Option<super::dns::DnsQuery>,
    /// For `ping`: requests per check, and the loss allowed (percent).
    pub ping: Option<(u32, u32)>,
}

impl ProbeTarget {
    pub fn of(monitor: &Monitor) -> Self {
        Self {
            kind: monitor.kind,
            url: monitor.url.clone().unwrap_or_default(),
            host: monitor.host.clone().unwrap_or_default(),
            port: monitor.port.unwrap_or_default(),
            method: monitor.method.clone(),
            headers: monitor.headers.clone(),
            body: monitor.body.clone(),
            // Stored values were validated; an unreadable one accepts only 2xx.
            accepted: StatusRanges::parse(&monitor.accepted_status)
                .unwrap_or_else(|_| StatusRanges::parse("200-299").unwrap_or_else(|_| unreachable!())),
            keyword: monitor.keyword.clone(),
            keyword_mode: monitor.keyword_mode,
            follow_redirects: monitor.follow_redirects,
            timeout: Duration::from_secs(u64::from(monitor.timeout_seconds)),
            dns: (monitor.kind == MonitorKind::Dns).then(|| super::dns::DnsQuery {
                name: monitor.host.clone().unwrap_or_default(),
                record_type: monitor.record_type.unwrap_or(crate::model::DnsRecordType::A),
                // Stored values were validated: `ip` (port 53) or `ip:port`.
                server: monitor.dns_server.as_deref().and_then(|s| {
                    s.parse().ok().or_else(|| s.parse::<std::net::IpAddr>().ok().map(|ip| (ip, 53).into()))
                }),
                protocol: monitor.dns_protocol.unwrap_or(crate::model::DnsProtocol::Udp),
                expected: monitor.expected_values.clone(),
                mode: monitor.expected_match.unwrap_or(crate::model::DnsMatch::Any),
            }),
            ping: (monitor.kind == MonitorKind::Ping)
                .then(|| (monitor.ping_count.unwrap_or(3), monitor.max_loss_percent.unwrap_or(0))),
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    pub checked_at: DateTime<Utc>,
    pub duration_ms: u32,
    pub up: bool,
    pub status_code: Option<u16>,
    pub failure: Option<FailureKind>,
    pub message: String,
    /// For HTTPS: when the server's certificate expires.
    pub cert_expires_at: Option<DateTime<Utc>>,
    /// For heartbeats: the job's exit code, and where its ping came from.
    pub exit_code: Option<i32>,
    pub source: Option<String>,
}

impl ProbeResult {
    /// The result as a check from `region`.
    pub fn into_check(self, region: &str) -> crate::model::Check {
        crate::model::Check {
            region: region.to_owned(),
            checked_at: self.checked_at,
            duration_ms: self.duration_ms,
            outcome: if self.up { crate::model::CheckOutcome::Up } else { crate::model::CheckOutcome::Down },
            status_code: self.status_code,
            failure: self.failure,
            message: self.message,
            cert_expires_at: self.cert_expires_at,
            exit_code: self.exit_code,
            source: self.source,
        }
    }
}

/// Probes with two shared HTTP clients (following redirects or not).
#[derive(Clone)]
pub struct Prober {
    follow: reqwest::Client,
    stay: reqwest::Client,
}

/// Installs the TLS crypto provider once per process.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Prober {
    /// `region` goes in the User-Agent, so a target's logs tell where a probe came from.
    pub fn new(region: &str) -> Result<Self, reqwest::Error> {
        install_crypto();
        let agent = format!("Vigie/{} (uptime monitor; region {region})", env!("CARGO_PKG_VERSION"));
        let build = |policy: reqwest::redirect::Policy| {
            reqwest::Client::builder()
                .user_agent(agent.clone())
                .redirect(policy)
                .tls_info(true)
                .pool_max_idle_per_host(2)
                .connect_timeout(Duration::from_secs(30))
                .build()
        };
        Ok(Self {
            follow: build(reqwest::redirect::Policy::limited(MAX_REDIRECTS))?,
            stay: build(reqwest::redirect::Policy::none())?,
        })
    }

    pub async fn probe(&self, target: &ProbeTarget) -> ProbeResult {
        let checked_at = Utc::now();
        let started = Instant::now();
        let outcome = match tokio::time::timeout(target.timeout, self.check(target)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::failed(FailureKind::Timeout, format!("no answer within {} s", target.timeout.as_secs())),
        };
        let duration = outcome.latency.unwrap_or_else(|| started.elapsed());
        ProbeResult {
            checked_at,
            duration_ms: u32::try_from(duration.as_millis()).unwrap_or(u32::MAX),
            up: outcome.failure.is_none(),
            status_code: outcome.status_code,
            failure: outcome.failure,
            message: truncate(&outcome.message),
            cert_expires_at: outcome.cert_expires_at,
            exit_code: None,
            source: None,
        }
    }

    async fn check(&self, target: &ProbeTarget) -> Outcome {
        match target.kind {
            MonitorKind::Http => self.check_http(target).await,
            MonitorKind::Tcp => check_tcp(&target.host, target.port).await,
            MonitorKind::Ping => {
                let (count, max_loss) = target.ping.unwrap_or((3, 0));
                let outcome = super::ping::check(&target.host, count, max_loss, target.timeout).await;
                Outcome {
                    failure: outcome.failure,
                    message: outcome.message,
                    latency: outcome.average,
                    ..Outcome::default()
                }
            }
            MonitorKind::Dns => match &target.dns {
                Some(query) => {
                    let (failure, message) = super::dns::check(query, target.timeout).await;
                    Outcome { failure, message, ..Outcome::default() }
                }
                None => Outcome::failed(FailureKind::Dns, "no DNS query".to_owned()),
            },
            // Never claimed for probing: its job's pings are its checks.
            MonitorKind::Heartbeat => Outcome::failed(FailureKind::Connect, "a heartbeat is not probed".to_owned()),
        }
    }

    async fn check_http(&self, target: &ProbeTarget) -> Outcome {
        let client = if target.follow_redirects { &self.follow } else { &self.stay };
        let method = reqwest::Method::from_bytes(target.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = client.request(method, &target.url).timeout(target.timeout);
        for (name, value) in &target.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &target.body {
            request = request.body(body.clone());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Outcome::failed(classify(&error), describe(&error)),
        };
        let status = response.status().as_u16();
        let cert_expires_at = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
            .and_then(certificate_expiry);
        let mut outcome = Outcome { status_code: Some(status), cert_expires_at, ..Outcome::default() };
        if !target.accepted.contains(status) {
            outcome.failure = Some(FailureKind::Status);
            outcome.message = format!("status {status} is not one of {}", target.accepted);
            return outcome;
        }
        let Some(keyword) = &target.keyword else {
            outcome.message = format!("status {status}");
            return outcome;
        };
        let body = match read_bounded(response).await {
            Ok(body) => body,
            Err(failure) => {
                outcome.failure = Some(failure.0);
                outcome.message = failure.1;
                return outcome;
            }
        };
        let found = String::from_utf8_lossy(&body).contains(keyword.as_str());
        match (target.keyword_mode, found) {
            (KeywordMode::Contains, false) => {
                outcome.failure = Some(FailureKind::Keyword);
                outcome.message = format!("the body does not contain \"{keyword}\"");
            }
            (KeywordMode::Absent, true) => {
                outcome.failure = Some(FailureKind::Keyword);
                outcome.message = format!("the body contains \"{keyword}\"");
            }
            _ => outcome.message = format!("status {status}, keyword check passed"),
        }
        outcome
    }
}

#[derive(Debug, Default)]
struct Outcome {
    status_code: Option<u16>,
    failure: Option<FailureKind>,
    message: String,
    cert_expires_at: Option<DateTime<Utc>>,
    /// What the check measures as its latency when not its own duration
    /// (a ping: the average round trip).
    latency: Option<Duration>,
}

impl Outcome {
    fn failed(kind: FailureKind, message: String) -> Self {
        Self { failure: Some(kind), message, ..Self::default() }
    }
}

async fn read_bounded(response: reqwest::Response) -> Result<Vec<u8>, (FailureKind, String)> {
    if response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err((FailureKind::BodyTooLarge, format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024)));
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| (classify(&e), describe(&e)))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err((FailureKind::BodyTooLarge, format!("the body is larger than {} KiB", MAX_BODY_BYTES / 1024)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn check_tcp(host: &str, port: u16) -> Outcome {
    let addresses: Vec<_> = match tokio::net::lookup_host((host, port)).await {
        Ok(addresses) => addresses.collect(),
        Err(error) => return Outcome::failed(FailureKind::Dns, format!("cannot resolve {host}: {error}")),
    };
    let mut last = String::from("no address");
    for address in addresses {
        match tokio::net::TcpStream::connect(address).await {
            Ok(_) => return Outcome { message: format!("connected to {address}"), ..Outcome::default() },
            Err(error) => last = format!("{address}: {error}"),
        }
    }
    Outcome::failed(FailureKind::Connect, last)
}

/// Names the failure behind a reqwest error by walking its causes.
fn classify(error: &reqwest::Error) -> FailureKind {
    if error.is_timeout() {
        return FailureKind::Timeout;
    }
    if error.is_redirect() {
        return FailureKind::Redirects;
    }
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.downcast_ref::<rustls::Error>().is_some() {
            return FailureKind::Tls;
        }
        let text = cause.to_string().to_lowercase();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return FailureKind::Dns;
        }
        if text.contains("certificate") || text.contains("handshake") || text.contains("tls") {
            return FailureKind::Tls;
        }
        source = cause.source();
    }
    FailureKind::Connect
}

/// The error and its causes on one line.
fn describe(error: &reqwest::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn truncate(message: &str) -> String {
    if message.chars().count() <= MESSAGE_MAX {
        return message.to_owned();
    }
    let cut: String = message.chars().take(MESSAGE_MAX - 1).collect();
    format!("{cut}…")
}

/// The `notAfter` of a DER certificate.
fn certificate_expiry(der: &[u8]) -> Option<DateTime<Utc>> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    DateTime::from_timestamp(certificate.validity().not_after.timestamp(), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut() {
        assert_eq!(truncate("short"), "short");
        let long = "x".repeat(1000);
        assert_eq!(truncate(&long).chars().count(), MESSAGE_MAX);
    }
}
