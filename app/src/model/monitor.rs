//! Monitors: what is probed, how, from where, and their current status.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

text_enum! {
    /// What a monitor watches: an HTTP(S) URL, a TCP port, or a job that
    /// calls its ping URL (a heartbeat).
    MonitorKind {
        Http => "http",
        Tcp => "tcp",
        Heartbeat => "heartbeat",
        Dns => "dns",
        Ping => "ping",
    }
}

text_enum! {
    /// The record a DNS monitor asks for.
    DnsRecordType {
        A => "a",
        Aaaa => "aaaa",
        Cname => "cname",
        Mx => "mx",
        Txt => "txt",
        Ns => "ns",
        Soa => "soa",
    }
}

impl MonitorKind {
    /// A check of this kind times an answer, so it can be slow.
    pub fn is_timed(self) -> bool {
        matches!(self, Self::Http | Self::Tcp | Self::Ping)
    }
}

impl DnsRecordType {
    /// As DNS writes it: `A`, `AAAA`, `MX`…
    pub fn label(self) -> String {
        self.as_str().to_uppercase()
    }
}

text_enum! {
    /// How a DNS monitor reaches its server.
    DnsProtocol {
        Udp => "udp",
        Tcp => "tcp",
    }
}

text_enum! {
    /// How a DNS monitor's answer is compared with its expected values.
    DnsMatch {
        /// At least one expected value is found.
        Any => "any",
        /// Every expected value is found.
        All => "all",
        /// None of them is found.
        None => "none",
    }
}

text_enum! {
    /// Whether the keyword must appear in the body, or must not.
    #[derive(Default)]
    KeywordMode {
        #[default]
        Contains => "contains",
        Absent => "absent",
    }
}

text_enum! {
    /// A monitor's current status.
    MonitorStatus {
        Up => "up",
        /// Up, but slower than its `degraded_after_ms`.
        Degraded => "degraded",
        Down => "down",
        Partial => "partial",
        Paused => "paused",
        Maintenance => "maintenance",
        /// No data yet.
        Pending => "pending",
    }
}

text_enum! {
    /// Why a check failed.
    FailureKind {
        /// No answer within the timeout.
        Timeout => "timeout",
        /// The host name did not resolve.
        Dns => "dns",
        /// The connection was refused or reset.
        Connect => "connect",
        /// The TLS handshake failed (invalid, expired or untrusted certificate).
        Tls => "tls",
        /// The status code is not an accepted one.
        Status => "status",
        /// The keyword is missing (or present, in `absent` mode).
        Keyword => "keyword",
        /// The body is larger than the probe reads.
        BodyTooLarge => "body_too_large",
        /// Too many redirects (or a redirect loop).
        Redirects => "redirects",
        /// More echo requests went unanswered than a ping monitor allows.
        PacketLoss => "packet_loss",
        /// A DNS answer does not hold what was expected.
        DnsMismatch => "dns_mismatch",
        /// A heartbeat's ping did not come by its deadline.
        Late => "late",
        /// A heartbeat's job reported a failure (`/fail` or a non-zero exit code).
        JobFailed => "job_failed",
    }
}

text_enum! {
    /// `up` or `down`.
    CheckOutcome {
        Up => "up",
        Down => "down",
    }
}

/// One check of a monitor from one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Check {
    pub region: String,
    pub checked_at: DateTime<Utc>,
    pub duration_ms: u32,
    pub outcome: CheckOutcome,
    pub status_code: Option<u16>,
    pub failure: Option<FailureKind>,
    pub message: String,
    /// For HTTPS: when the certificate expires.
    pub cert_expires_at: Option<DateTime<Utc>>,
    /// For heartbeats: the exit code the job reported.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// For heartbeats: the address the ping came from.
    #[serde(default)]
    pub source: Option<String>,
}

/// What one region currently says about a monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionReport {
    pub region: String,
    /// `up`, `down`, `pending` (no verdict yet) or `no_data` (silent too long).
    pub state: String,
    pub last_result_at: Option<DateTime<Utc>>,
}

/// A point of the response-time chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyPoint {
    pub at: DateTime<Utc>,
    pub duration_ms: u32,
    pub up: bool,
}

/// Everything the monitor page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorDetails {
    pub monitor: Monitor,
    pub regions: Vec<RegionReport>,
    pub recent: Vec<Check>,
    /// The last 24 hours, oldest first.
    pub latency: Vec<LatencyPoint>,
    /// Share of good checks over 24 h, 7 d and 30 d, in percent; `None` without checks.
    pub uptime: [Option<f64>; 3],
    /// HTTPS only: when the certificate seen by the latest check expires.
    pub certificate_expires_at: Option<DateTime<Utc>>,
    /// The certificate expires within the monitor's warning window.
    pub certificate_expiring: bool,
    /// For heartbeats: where the job stands.
    pub heartbeat: Option<HeartbeatReport>,
    /// The monitor this one depends on.
    pub parent: Option<MonitorRef>,
}

/// A monitor named, to link to it or choose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorRef {
    pub id: i64,
    pub name: String,
}

impl MonitorRef {
    /// As a chooser shows it: `Name (#id)`.
    pub fn label(&self) -> String {
        format!("{} (#{})", self.name, self.id)
    }

    /// The id in what a person typed or chose: `Name (#12)`, `#12` or `12`.
    pub fn id_in(text: &str) -> Option<i64> {
        let text = text.trim();
        let id = match text.rsplit_once("(#") {
            Some((_, rest)) => rest.strip_suffix(')')?,
            None => text.strip_prefix('#').unwrap_or(text),
        };
        id.trim().parse().ok()
    }
}

/// Where a heartbeat's job stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatReport {
    /// The latest ping of any kind.
    pub last_ping_at: Option<DateTime<Utc>>,
    /// A run said it started and has not finished yet.
    pub running_since: Option<DateTime<Utc>>,
    /// When the job is late if no ping comes.
    pub deadline: Option<DateTime<Utc>>,
}

/// A monitor as the API and the console show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Monitor {
    pub id: i64,
    pub name: String,
    pub kind: MonitorKind,
    /// For `http`.
    pub url: Option<String>,
    /// For `tcp`: the host to connect to; for `dns`: the name to resolve;
    /// for `ping`: the host to ping.
    pub host: Option<String>,
    /// For `tcp`.
    pub port: Option<u16>,
    /// For `dns`: the record asked for…
    pub record_type: Option<DnsRecordType>,
    /// …of this server (`ip` or `ip:port`; none: the system's resolver)…
    pub dns_server: Option<String>,
    /// …over UDP or TCP…
    pub dns_protocol: Option<DnsProtocol>,
    /// …and the values the answer must hold (empty: any answer will do),
    /// compared by `expected_match`.
    pub expected_values: Vec<String>,
    pub expected_match: Option<DnsMatch>,
    /// For `ping`: echo requests per check (1–10)…
    pub ping_count: Option<u32>,
    /// …and the share of them that may go unanswered, in percent.
    pub max_loss_percent: Option<u32>,
    /// For `heartbeat`: the URL the job calls. Shown in full only in the
    /// answer that makes it (creating the monitor, or a new URL); masked
    /// (`…/ping/••••` and the last four characters) everywhere else.
    pub ping_url: Option<String>,
    /// For `heartbeat`: the job runs every so many seconds…
    pub period_seconds: Option<u32>,
    /// …or on this cron schedule (five fields, e.g. `0 2 * * *`)…
    pub cron: Option<String>,
    /// …read in this IANA time zone (e.g. `Europe/Paris`).
    pub timezone: Option<String>,
    /// For `heartbeat`: how long after the expected time a ping may still come.
    pub grace_seconds: Option<u32>,
    /// For `http`, `tcp` and `ping`: a check that succeeds slower than this
    /// is slow, and enough slow checks make the monitor `degraded`.
    pub degraded_after_ms: Option<u32>,
    /// Being degraded opens a programmatic incident of impact
    /// `degraded_performance` (resolved when fast again).
    pub degraded_incident: bool,
    /// The monitor this one depends on: while the parent is down, this one's
    /// outage joins the parent's incident instead of opening its own.
    pub parent_id: Option<i64>,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    /// Status codes that count as up, e.g. `200-299,301`.
    pub accepted_status: String,
    pub keyword: Option<String>,
    pub keyword_mode: KeywordMode,
    pub follow_redirects: bool,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    /// Names of the regions that probe it.
    pub regions: Vec<String>,
    /// How many regions must say down for the monitor to be down.
    pub region_threshold: u32,
    pub incident_confirmations: u32,
    pub recovery_confirmations: u32,
    pub ssl_expiry_days: u32,
    /// The team's groups for it (e.g. `payments`, `prod`), in the order given.
    #[serde(default)]
    pub tags: Vec<String>,
    pub paused: bool,
    pub status: MonitorStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Monitor {
    /// The monitor with its ping URL made absolute under `base` (the
    /// server's public address): stored monitors know only its path.
    pub fn with_ping_base(mut self, base: &str) -> Self {
        if let Some(path) = self.ping_url.as_deref().filter(|p| p.starts_with('/')) {
            self.ping_url = Some(format!("{}{path}", base.trim_end_matches('/')));
        }
        self
    }

    /// What is probed, for display: the URL or `host:port`.
    pub fn target(&self) -> String {
        match self.kind {
            MonitorKind::Http => self.url.clone().unwrap_or_default(),
            MonitorKind::Tcp => {
                format!("{}:{}", self.host.as_deref().unwrap_or_default(), self.port.unwrap_or_default())
            }
            MonitorKind::Ping => format!("ping {}", self.host.as_deref().unwrap_or_default()),
            MonitorKind::Dns => {
                let server = self.dns_server.as_deref().map(|s| format!(" @{s}")).unwrap_or_default();
                let kind = self.record_type.map(DnsRecordType::label).unwrap_or_default();
                format!("{} {kind}{server}", self.host.as_deref().unwrap_or_default())
            }
            MonitorKind::Heartbeat => match (&self.cron, self.period_seconds) {
                (Some(cron), _) => format!("cron {cron} ({})", self.timezone.as_deref().unwrap_or("UTC")),
                (None, Some(period)) => format!("every {}", period_text(period)),
                (None, None) => String::new(),
            },
        }
    }
}

/// Monitors of one page of a list, and the cursor of the page after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonitorList {
    pub items: Vec<Monitor>,
    /// The `cursor` to ask for next; `None` on the last page.
    pub next: Option<String>,
}

/// The console's list: a page of monitors, the cursor of the next page, and
/// how many monitors of each status the other filters keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorListPage {
    pub items: Vec<Monitor>,
    pub next: Option<String>,
    pub counts: StatusCounts,
    /// The ids, among `items`, of the monitors a configuration file manages.
    pub managed: Vec<i64>,
}

text_enum! {
    /// What a bulk action does to each monitor chosen.
    BulkAction {
        Pause => "pause",
        Resume => "resume",
        Delete => "delete",
        /// Adds `tag`.
        Tag => "tag",
        /// Takes `tag` away.
        Untag => "untag",
    }
}

/// One action on many monitors, chosen by id: all of it happens, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    /// 1 to 500 monitor ids.
    pub ids: Vec<i64>,
    pub action: BulkAction,
    /// For `tag` and `untag`.
    #[serde(default)]
    pub tag: Option<String>,
}

/// What a bulk action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    /// Monitors it changed (those already as asked are not counted).
    pub changed: u32,
    /// Ids of no monitor (deleted meanwhile, or never).
    pub missing: Vec<i64>,
}

/// How many monitors are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StatusCounts {
    pub up: u32,
    pub degraded: u32,
    pub down: u32,
    pub partial: u32,
    pub paused: u32,
    pub maintenance: u32,
    pub pending: u32,
}

impl StatusCounts {
    pub fn get(&self, status: MonitorStatus) -> u32 {
        match status {
            MonitorStatus::Up => self.up,
            MonitorStatus::Degraded => self.degraded,
            MonitorStatus::Down => self.down,
            MonitorStatus::Partial => self.partial,
            MonitorStatus::Paused => self.paused,
            MonitorStatus::Maintenance => self.maintenance,
            MonitorStatus::Pending => self.pending,
        }
    }

    pub fn set(&mut self, status: MonitorStatus, count: u32) {
        *self.slot(status) = count;
    }

    pub fn add(&mut self, status: MonitorStatus, count: u32) {
        let slot = self.slot(status);
        *slot = slot.saturating_add(count);
    }

    fn slot(&mut self, status: MonitorStatus) -> &mut u32 {
        match status {
            MonitorStatus::Up => &mut self.up,
            MonitorStatus::Degraded => &mut self.degraded,
            MonitorStatus::Down => &mut self.down,
            MonitorStatus::Partial => &mut self.partial,
            MonitorStatus::Paused => &mut self.paused,
            MonitorStatus::Maintenance => &mut self.maintenance,
            MonitorStatus::Pending => &mut self.pending,
        }
    }

    pub fn total(&self) -> u32 {
        MonitorStatus::ALL.iter().map(|status| self.get(*status)).sum()
    }
}

/// A period in words: `90 s`, `5 min`, `2 h 30 min`, `1 day`, `7 days`.
pub fn period_text(seconds: u32) -> String {
    let unit = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match seconds {
        s if s % 86_400 == 0 => unit(s / 86_400, "day", "days"),
        s if s >= 3600 && s % 60 == 0 => {
            let (h, m) = (s / 3600, (s % 3600) / 60);
            if m == 0 { format!("{h} h") } else { format!("{h} h {m} min") }
        }
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The fields of a monitor a caller sets. Every field is optional: on create,
/// missing ones take their defaults; on update, missing ones stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MonitorInput {
    pub name: Option<String>,
    pub kind: Option<MonitorKind>,
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<u32>,
    /// For `dns` (see [`Monitor`]); an empty `dns_server` means the system's resolver.
    pub record_type: Option<DnsRecordType>,
    pub dns_server: Option<String>,
    pub dns_protocol: Option<DnsProtocol>,
    pub expected_values: Option<Vec<String>>,
    pub expected_match: Option<DnsMatch>,
    /// For `ping` (see [`Monitor`]).
    pub ping_count: Option<u32>,
    pub max_loss_percent: Option<u32>,
    /// For `heartbeat`: a period, or a cron expression (an empty one clears
    /// it), with its time zone (UTC when not given), and the grace time.
    pub period_seconds: Option<u32>,
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub grace_seconds: Option<u32>,
    /// For `http`, `tcp` and `ping` (see [`Monitor`]); 0 turns it off.
    pub degraded_after_ms: Option<u32>,
    pub degraded_incident: Option<bool>,
    /// The monitor this one depends on (see [`Monitor`]); 0 for none.
    pub parent_id: Option<i64>,
    pub method: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
    pub accepted_status: Option<String>,
    pub keyword: Option<String>,
    pub keyword_mode: Option<KeywordMode>,
    pub follow_redirects: Option<bool>,
    pub interval_seconds: Option<u32>,
    pub timeout_seconds: Option<u32>,
    pub regions: Option<Vec<String>>,
    pub region_threshold: Option<u32>,
    pub incident_confirmations: Option<u32>,
    pub recovery_confirmations: Option<u32>,
    pub ssl_expiry_days: Option<u32>,
    /// Replaces its tags (an empty list takes them all away).
    pub tags: Option<Vec<String>>,
}

/// The regions a monitor can be probed from, and the one new monitors use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionChoices {
    pub names: Vec<String>,
    pub default: String,
}

/// Accepted status codes: ranges and single codes, e.g. `200-299,301`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRanges(Vec<(u16, u16)>);

/// Why a list of accepted status codes cannot be read; says how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidStatusRanges(String);

impl StatusRanges {
    pub fn parse(text: &str) -> Result<Self, InvalidStatusRanges> {
        let invalid = |message: String| Err(InvalidStatusRanges(message));
        let mut ranges = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                return invalid("Use codes and ranges separated by commas, like 200-299,301.".to_owned());
            }
            let (low, high) = match part.split_once('-') {
                Some((low, high)) => (parse_code(low)?, parse_code(high)?),
                None => {
                    let code = parse_code(part)?;
                    (code, code)
                }
            };
            if low > high {
                return invalid(format!("The range {part} goes backwards."));
            }
            ranges.push((low, high));
        }
        if ranges.len() > 20 {
            return invalid("At most 20 codes or ranges.".to_owned());
        }
        Ok(Self(ranges))
    }

    pub fn contains(&self, code: u16) -> bool {
        self.0.iter().any(|&(low, high)| (low..=high).contains(&code))
    }
}

impl fmt::Display for StatusRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|&(low, high)| if low == high { low.to_string() } else { format!("{low}-{high}") })
            .collect();
        f.write_str(&parts.join(","))
    }
}

fn parse_code(text: &str) -> Result<u16, InvalidStatusRanges> {
    match text.trim().parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(code),
        _ => Err(InvalidStatusRanges(format!("`{}` is not an HTTP status code (100-599).", text.trim()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_ranges_parse_match_and_print() {
        let ranges = StatusRanges::parse("200-299, 301").unwrap();
        assert!(ranges.contains(200) && ranges.contains(299) && ranges.contains(301));
        assert!(!ranges.contains(300) && !ranges.contains(500));
        assert_eq!(ranges.to_string(), "200-299,301");
        for bad in ["", "200-", "abc", "99", "600", "300-200", "200,,301"] {
            assert!(StatusRanges::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_chosen_monitor_is_read_back_from_its_label() {
        let chosen = MonitorRef { id: 12, name: "Checkout (EU) API".into() };
        assert_eq!(MonitorRef::id_in(&chosen.label()), Some(12));
        assert_eq!(MonitorRef::id_in("#7"), Some(7));
        assert_eq!(MonitorRef::id_in(" 7 "), Some(7));
        for bad in ["Checkout", "Checkout (#x)", "Checkout (#12", ""] {
            assert_eq!(MonitorRef::id_in(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_read_as_words() {
        let table = [(45, "45 s"), (300, "5 min"), (3600, "1 h"), (9000, "2 h 30 min"), (86_400, "1 day")];
        for (seconds, text) in table {
            assert_eq!(period_text(seconds), text);
        }
        assert_eq!(period_text(7 * 86_400), "7 days");
        assert_eq!(period_text(90), "90 s");
    }

    #[test]
    fn statuses_round_trip() {
        for status in ["up", "down", "partial", "paused", "maintenance", "pending"] {
            assert_eq!(MonitorStatus::parse(status).unwrap().as_str(), status);
        }
        assert_eq!(MonitorStatus::parse("sideways"), None);
    }
}
