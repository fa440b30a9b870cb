//! Monitors: the rules for a valid definition (a pure function, unit tested)
//! and the operations the console and the REST API share.

use super::{dns, heartbeat, ping, read};
use crate::error::AppError;
use crate::model::{
    BulkAction, BulkInput, BulkOutcome, DnsMatch, DnsProtocol, DnsRecordType, KeywordMode, Monitor, MonitorInput,
    MonitorKind, MonitorList, MonitorStatus, StatusCounts, StatusRanges,
};
use crate::ssr::db::{monitors as db, regions};
use crate::ssr::text;
use diesel::prelude::*;
use std::collections::BTreeMap;

pub const NAME_MAX: usize = 100;
pub const URL_MAX: usize = 2048;
pub const HOST_MAX: usize = 253;
pub const HEADERS_MAX: usize = 20;
pub const HEADER_NAME_MAX: usize = 100;
pub const HEADER_VALUE_MAX: usize = 1000;
pub const BODY_MAX: usize = 64 * 1024;
pub const KEYWORD_MAX: usize = 200;
pub const REGIONS_MAX: usize = 20;
pub const TAGS_MAX: usize = 20;
pub const TAG_MAX: usize = 40;
pub const INTERVAL_MAX: u32 = 3600;
pub const TIMEOUT_MAX: u32 = 30;
/// How deep dependencies may nest (a parent's parent's…).
pub const DEPENDENCY_DEPTH_MAX: usize = 10;
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Settings the rules depend on.
#[derive(Debug, Clone)]
pub struct MonitorRules {
    /// The shortest interval allowed (`VIGIE_MIN_INTERVAL_SECONDS`, 30 by default).
    pub min_interval_seconds: u32,
    /// Regions that exist.
    pub known_regions: Vec<String>,
    /// Used when the caller names no region.
    pub default_region: String,
}

/// A complete monitor definition, before or after validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MonitorSpec {
    pub name: String,
    pub kind: MonitorKind,
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub record_type: Option<DnsRecordType>,
    pub dns_server: Option<String>,
    pub dns_protocol: Option<DnsProtocol>,
    pub expected_values: Vec<String>,
    pub expected_match: Option<DnsMatch>,
    pub ping_count: Option<u32>,
    pub max_loss_percent: Option<u32>,
    pub period_seconds: Option<u32>,
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub grace_seconds: Option<u32>,
    pub degraded_after_ms: Option<u32>,
    pub degraded_incident: bool,
    pub parent_id: Option<i64>,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub accepted_status: String,
    pub keyword: Option<String>,
    pub keyword_mode: KeywordMode,
    pub follow_redirects: bool,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub regions: Vec<String>,
    pub region_threshold: u32,
    pub incident_confirmations: u32,
    pub recovery_confirmations: u32,
    pub ssl_expiry_days: u32,
    pub tags: Vec<String>,
}

impl MonitorSpec {
    /// The defaults a new monitor starts from.
    pub fn defaults(rules: &MonitorRules) -> Self {
        let interval_seconds = rules.min_interval_seconds.max(60);
        Self {
            name: String::new(),
            kind: MonitorKind::Http,
            url: None,
            host: None,
            port: None,
            record_type: None,
            dns_server: None,
            dns_protocol: None,
            expected_values: Vec::new(),
            expected_match: None,
            ping_count: None,
            max_loss_percent: None,
            period_seconds: None,
            cron: None,
            timezone: None,
            grace_seconds: None,
            degraded_after_ms: None,
            degraded_incident: false,
            parent_id: None,
            method: "GET".to_owned(),
            headers: BTreeMap::new(),
            body: None,
            accepted_status: "200-299".to_owned(),
            keyword: None,
            keyword_mode: KeywordMode::Contains,
            follow_redirects: true,
            interval_seconds,
            timeout_seconds: 10.min(interval_seconds),
            regions: vec![rules.default_region.clone()],
            region_threshold: 1,
            incident_confirmations: 3,
            recovery_confirmations: 2,
            ssl_expiry_days: 14,
            tags: Vec::new(),
        }
    }

    pub fn of(monitor: &Monitor) -> Self {
        Self {
            name: monitor.name.clone(),
            kind: monitor.kind,
            url: monitor.url.clone(),
            host: monitor.host.clone(),
            port: monitor.port.map(u32::from),
            record_type: monitor.record_type,
            dns_server: monitor.dns_server.clone(),
            dns_protocol: monitor.dns_protocol,
            expected_values: monitor.expected_values.clone(),
            expected_match: monitor.expected_match,
            ping_count: monitor.ping_count,
            max_loss_percent: monitor.max_loss_percent,
            period_seconds: monitor.period_seconds,
            cron: monitor.cron.clone(),
            timezone: monitor.timezone.clone(),
            grace_seconds: monitor.grace_seconds,
            degraded_after_ms: monitor.degraded_after_ms,
            degraded_incident: monitor.degraded_incident,
            parent_id: monitor.parent_id,
            method: monitor.method.clone(),
            headers: monitor.headers.clone(),
            body: monitor.body.clone(),
            accepted_status: monitor.accepted_status.clone(),
            keyword: monitor.keyword.clone(),
            keyword_mode: monitor.keyword_mode,
            follow_redirects: monitor.follow_redirects,
            interval_seconds: monitor.interval_seconds,
            timeout_seconds: monitor.timeout_seconds,
            regions: monitor.regions.clone(),
            region_threshold: monitor.region_threshold,
            incident_confirmations: monitor.incident_confirmations,
            recovery_confirmations: monitor.recovery_confirmations,
            ssl_expiry_days: monitor.ssl_expiry_days,
            tags: monitor.tags.clone(),
        }
    }

    /// Overlays what the caller set.
    pub fn apply(mut self, input: MonitorInput) -> Self {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(value) = input.$field { self.$field = value; } )* };
        }
        set!(name, kind, method, headers, accepted_status, keyword_mode, follow_redirects, interval_seconds);
        set!(timeout_seconds, regions, region_threshold, incident_confirmations, recovery_confirmations);
        set!(ssl_expiry_days, degraded_incident, tags);
        // 0 turns slowness off, or takes the parent away.
        if let Some(limit) = input.degraded_after_ms {
            self.degraded_after_ms = Some(limit).filter(|l| *l > 0);
        }
        if let Some(parent) = input.parent_id {
            self.parent_id = Some(parent).filter(|p| *p != 0);
        }
        if input.url.is_some() {
            self.url = input.url;
        }
        if input.host.is_some() {
            self.host = input.host;
        }
        if input.port.is_some() {
            self.port = input.port;
        }
        if input.record_type.is_some() {
            self.record_type = input.record_type;
        }
        if let Some(server) = input.dns_server {
            self.dns_server = Some(server).filter(|s| !s.trim().is_empty());
        }
        if input.dns_protocol.is_some() {
            self.dns_protocol = input.dns_protocol;
        }
        if let Some(values) = input.expected_values {
            self.expected_values = values;
        }
        if input.expected_match.is_some() {
            self.expected_match = input.expected_match;
        }
        if input.ping_count.is_some() {
            self.ping_count = input.ping_count;
        }
        if input.max_loss_percent.is_some() {
            self.max_loss_percent = input.max_loss_percent;
        }
        // A period and a cron expression replace each other; both in one
        // change is refused by `validate`. An empty expression clears it.
        match (input.period_seconds, input.cron) {
            (Some(period), Some(cron)) => {
                self.period_seconds = Some(period);
                self.cron = Some(cron).filter(|c| !c.trim().is_empty());
            }
            (Some(period), None) => (self.period_seconds, self.cron) = (Some(period), None),
            (None, Some(cron)) if cron.trim().is_empty() => self.cron = None,
            (None, Some(cron)) => (self.period_seconds, self.cron) = (None, Some(cron)),
            (None, None) => {}
        }
        if let Some(zone) = input.timezone {
            self.timezone = Some(zone).filter(|z| !z.trim().is_empty());
        }
        if input.grace_seconds.is_some() {
            self.grace_seconds = input.grace_seconds;
        }
        // An empty body or keyword clears it.
        if let Some(body) = input.body {
            self.body = Some(body).filter(|b| !b.is_empty());
        }
        if let Some(keyword) = input.keyword {
            self.keyword = Some(keyword).filter(|k| !k.trim().is_empty());
        }
        self
    }

    /// Checks every field; the first problem found is returned with its field.
    pub fn validate(mut self, rules: &MonitorRules) -> Result<Self, AppError> {
        self.name = crate::ssr::text::required_line("name", &self.name, NAME_MAX, "Enter a name.")?;
        match self.kind {
            MonitorKind::Http => {
                let url = self.url.as_deref().map(str::trim).unwrap_or_default().to_owned();
                self.url = Some(check_url(&url)?);
                self.host = None;
                self.port = None;
            }
            MonitorKind::Tcp => {
                let host = self.host.as_deref().map(str::trim).unwrap_or_default().to_owned();
                self.host = Some(check_host(&host)?);
                match self.port {
                    Some(port) if (1..=65535).contains(&port) => {}
                    Some(_) => return Err(AppError::validation("port", "Use a port from 1 to 65535.")),
                    None => return Err(AppError::validation("port", "Enter the port to connect to.")),
                }
                self.url = None;
            }
            MonitorKind::Ping => {
                let host = self.host.as_deref().map(str::trim).unwrap_or_default().to_owned();
                self.host = Some(check_host(&host)?);
                (self.url, self.port) = (None, None);
                let count = *self.ping_count.get_or_insert(3);
                if !(1..=ping::COUNT_MAX).contains(&count) {
                    return Err(AppError::validation("ping_count", format!("Use 1 to {} requests.", ping::COUNT_MAX)));
                }
                if *self.max_loss_percent.get_or_insert(0) > 100 {
                    return Err(AppError::validation("max_loss_percent", "Use 0 to 100 percent."));
                }
            }
            MonitorKind::Dns => {
                let name = self.host.as_deref().map(str::trim).unwrap_or_default().to_owned();
                self.host = Some(check_dns_name(&name)?);
                (self.url, self.port) = (None, None);
                self.validate_dns()?;
            }
            MonitorKind::Heartbeat => {
                (self.url, self.host, self.port) = (None, None, None);
                self.validate_schedule(rules)?;
                // The server itself watches a heartbeat: its pings come to
                // it, and it declares them late.
                self.regions = vec![rules.default_region.clone()];
                self.region_threshold = 1;
            }
        }
        if self.kind != MonitorKind::Heartbeat {
            (self.period_seconds, self.cron, self.timezone, self.grace_seconds) = (None, None, None, None);
        }
        if self.kind != MonitorKind::Ping {
            (self.ping_count, self.max_loss_percent) = (None, None);
        }
        if self.kind != MonitorKind::Dns {
            (self.record_type, self.dns_server, self.dns_protocol, self.expected_match) = (None, None, None, None);
            self.expected_values.clear();
        }
        // Slowness is measured where a check times an answer.
        if !self.kind.is_timed() {
            self.degraded_after_ms = None;
        }
        self.method = self.method.trim().to_uppercase();
        if !METHODS.contains(&self.method.as_str()) {
            return Err(AppError::validation("method", format!("Use one of {}.", METHODS.join(", "))));
        }
        check_headers(&self.headers)?;
        if self.body.as_ref().is_some_and(|b| b.len() > BODY_MAX) {
            return Err(AppError::validation("body", format!("At most {} KiB.", BODY_MAX / 1024)));
        }
        self.accepted_status = StatusRanges::parse(&self.accepted_status)
            .map_err(|error| AppError::validation("accepted_status", error.to_string()))?
            .to_string();
        if let Some(keyword) = &self.keyword
            && (keyword.chars().count() > KEYWORD_MAX || keyword.contains(['\r', '\n']))
        {
            return Err(AppError::validation("keyword", format!("One line of at most {KEYWORD_MAX} characters.")));
        }
        let min = rules.min_interval_seconds;
        if !(min..=INTERVAL_MAX).contains(&self.interval_seconds) {
            return Err(AppError::validation("interval_seconds", format!("Use {min} to {INTERVAL_MAX} seconds.")));
        }
        if !(1..=TIMEOUT_MAX).contains(&self.timeout_seconds) {
            return Err(AppError::validation("timeout_seconds", format!("Use 1 to {TIMEOUT_MAX} seconds.")));
        }
        if self.timeout_seconds > self.interval_seconds {
            return Err(AppError::validation("timeout_seconds", "The timeout cannot be longer than the interval."));
        }
        self.regions = self.regions.iter().map(|r| r.trim().to_owned()).collect();
        self.regions.sort();
        self.regions.dedup();
        if self.regions.is_empty() || self.regions.len() > REGIONS_MAX {
            return Err(AppError::validation("regions", format!("Choose 1 to {REGIONS_MAX} regions.")));
        }
        if let Some(unknown) = self.regions.iter().find(|r| !rules.known_regions.contains(r)) {
            return Err(AppError::validation("regions", format!("There is no region named `{unknown}`.")));
        }
        let regions = self.regions.len() as u32;
        if !(1..=regions).contains(&self.region_threshold) {
            return Err(AppError::validation(
                "region_threshold",
                format!("Use 1 to {regions} (the number of regions)."),
            ));
        }
        for (field, value) in [
            ("incident_confirmations", self.incident_confirmations),
            ("recovery_confirmations", self.recovery_confirmations),
        ] {
            if !(1..=5).contains(&value) {
                return Err(AppError::validation(field, "Use 1 to 5 checks."));
            }
        }
        if !(1..=365).contains(&self.ssl_expiry_days) {
            return Err(AppError::validation("ssl_expiry_days", "Use 1 to 365 days."));
        }
        let timeout_ms = self.timeout_seconds * 1000;
        if self.degraded_after_ms.is_some_and(|limit| limit > timeout_ms) {
            return Err(AppError::validation(
                "degraded_after_ms",
                format!("Use 1 to {timeout_ms} ms: an answer slower than the timeout is a failure."),
            ));
        }
        self.degraded_incident &= self.degraded_after_ms.is_some();
        self.tags = check_tags(&self.tags)?;
        if self.parent_id.is_some_and(|p| p < 0) {
            return Err(AppError::validation("parent_id", "Give the id of the monitor this one depends on."));
        }
        Ok(self)
    }
}

impl MonitorSpec {
    fn validate_dns(&mut self) -> Result<(), AppError> {
        let kind = *self.record_type.get_or_insert(DnsRecordType::A);
        self.dns_protocol.get_or_insert(DnsProtocol::Udp);
        self.expected_match.get_or_insert(DnsMatch::Any);
        if let Some(server) = &self.dns_server {
            self.dns_server = Some(check_dns_server(server)?);
        }
        let values: Vec<String> =
            self.expected_values.iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
        if values.len() > dns::EXPECTED_MAX {
            return Err(AppError::validation("expected_values", format!("At most {} values.", dns::EXPECTED_MAX)));
        }
        for value in &values {
            if value.chars().count() > dns::VALUE_MAX || value.chars().any(char::is_control) {
                return Err(AppError::validation(
                    "expected_values",
                    format!("Each value is one line of at most {} characters.", dns::VALUE_MAX),
                ));
            }
            let address = match kind {
                DnsRecordType::A => value.parse::<std::net::Ipv4Addr>().is_err().then_some("IPv4"),
                DnsRecordType::Aaaa => value.parse::<std::net::Ipv6Addr>().is_err().then_some("IPv6"),
                _ => None,
            };
            if let Some(family) = address {
                return Err(AppError::validation("expected_values", format!("`{value}` is not an {family} address.")));
            }
        }
        self.expected_values = values;
        Ok(())
    }

    fn validate_schedule(&mut self, rules: &MonitorRules) -> Result<(), AppError> {
        let min = rules.min_interval_seconds;
        if self.period_seconds.is_some() && self.cron.is_some() {
            return Err(AppError::validation("cron", "Use a period or a cron expression, not both."));
        }
        if let Some(cron) = &self.cron {
            let zone = self.timezone.get_or_insert_with(|| "UTC".to_owned());
            *zone = zone.trim().to_owned();
            heartbeat::Schedule::cron(cron, zone)?;
            self.cron = Some(cron.split_whitespace().collect::<Vec<_>>().join(" "));
        } else {
            self.timezone = None;
            let period = *self.period_seconds.get_or_insert(86_400);
            if !(min..=heartbeat::PERIOD_MAX).contains(&period) {
                return Err(AppError::validation(
                    "period_seconds",
                    format!("Use {min} seconds to {} days.", heartbeat::PERIOD_MAX / 86_400),
                ));
            }
        }
        let grace = *self.grace_seconds.get_or_insert(self.period_seconds.unwrap_or(3600).min(3600));
        if !(min..=heartbeat::GRACE_MAX).contains(&grace) {
            return Err(AppError::validation(
                "grace_seconds",
                format!("Use {min} seconds to {} days.", heartbeat::GRACE_MAX / 86_400),
            ));
        }
        Ok(())
    }
}

fn check_url(url: &str) -> Result<String, AppError> {
    if url.is_empty() {
        return Err(AppError::validation("url", "Enter the URL to probe."));
    }
    if url.len() > URL_MAX {
        return Err(AppError::validation("url", format!("At most {URL_MAX} characters.")));
    }
    let parsed = url::Url::parse(url).map_err(|e| {
        AppError::validation("url", format!("Not a valid URL ({e}); write it like https://example.com/health."))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::validation("url", "Use an http:// or https:// URL."));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(AppError::validation("url", "The URL needs a host."));
    }
    Ok(parsed.to_string())
}

fn check_host(host: &str) -> Result<String, AppError> {
    if host.is_empty() {
        return Err(AppError::validation("host", "Enter the host to connect to."));
    }
    let valid = host.len() <= HOST_MAX
        && !host.contains("://")
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'));
    if !valid {
        return Err(AppError::validation("host", "Use a host name or an IP address, without a scheme or port."));
    }
    Ok(host.to_lowercase())
}

/// A name to resolve: letters, digits, `-` and `_` in dot-separated labels.
fn check_dns_name(name: &str) -> Result<String, AppError> {
    if name.is_empty() {
        return Err(AppError::validation("host", "Enter the name to resolve."));
    }
    let bare = name.strip_suffix('.').unwrap_or(name);
    let valid = bare.len() <= HOST_MAX
        && bare.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid {
        return Err(AppError::validation("host", "Use a domain name, like example.com."));
    }
    Ok(bare.to_lowercase())
}

/// A DNS server: an IP address, with a port when it is not 53.
fn check_dns_server(server: &str) -> Result<String, AppError> {
    let server = server.trim();
    if let Ok(ip) = server.parse::<std::net::IpAddr>() {
        return Ok(ip.to_string());
    }
    match server.parse::<std::net::SocketAddr>() {
        Ok(address) if address.port() == 53 => Ok(address.ip().to_string()),
        Ok(address) if address.port() > 0 => Ok(address.to_string()),
        _ => Err(AppError::validation(
            "dns_server",
            "Use an IP address, with its port when not 53: 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:5353.",
        )),
    }
}

/// One tag, trimmed and in lower case, or an error naming `field`.
fn check_tag(field: &str, tag: &str) -> Result<String, AppError> {
    let tag = tag.trim().to_lowercase();
    if tag.is_empty() || tag.chars().count() > TAG_MAX || tag.contains(',') || tag.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            format!("A tag is 1 to {TAG_MAX} characters on one line, without commas."),
        ));
    }
    Ok(tag)
}

/// Tags trimmed and in lower case (so that `Prod` and `prod` are one
/// tag), each once, in the order given.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, AppError> {
    let mut kept: Vec<String> = Vec::new();
    for tag in tags {
        let tag = check_tag("tags", tag)?;
        if !kept.contains(&tag) {
            kept.push(tag);
        }
    }
    if kept.len() > TAGS_MAX {
        return Err(AppError::validation("tags", format!("At most {TAGS_MAX} tags.")));
    }
    Ok(kept)
}

fn check_headers(headers: &BTreeMap<String, String>) -> Result<(), AppError> {
    if headers.len() > HEADERS_MAX {
        return Err(AppError::validation("headers", format!("At most {HEADERS_MAX} headers.")));
    }
    let is_token = |name: &str| name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    for (name, value) in headers {
        if name.is_empty() || name.len() > HEADER_NAME_MAX || !is_token(name) {
            return Err(AppError::validation("headers", format!("`{name}` is not a valid header name.")));
        }
        if value.len() > HEADER_VALUE_MAX || value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(AppError::validation(
                "headers",
                format!("The value of {name} must be one line of at most {HEADER_VALUE_MAX} characters."),
            ));
        }
    }
    Ok(())
}

// ---- operations ---------------------------------------------------------------

fn one(conn: &mut PgConnection, row: Option<db::MonitorRow>) -> Result<Monitor, AppError> {
    let row = row.ok_or_else(|| AppError::not_found("monitor"))?;
    read::with_regions(conn, vec![row])?.pop().ok_or_else(|| AppError::internal("read back a saved monitor"))
}

/// The rules with the regions that exist now.
pub fn rules(conn: &mut PgConnection, min_interval_seconds: u32, default_region: &str) -> QueryResult<MonitorRules> {
    Ok(MonitorRules {
        min_interval_seconds,
        known_regions: regions::list_names(conn)?,
        default_region: default_region.to_owned(),
    })
}

/// Stores a checked definition over `current` (none: a new monitor). A
/// monitor that becomes a heartbeat gets its ping token, returned whole in
/// `ping_url` this once; a new schedule counts its deadline from now.
fn store(conn: &mut PgConnection, current: Option<&Monitor>, spec: &MonitorSpec) -> Result<Monitor, AppError> {
    let fields = db::MonitorFields {
        name: &spec.name,
        kind: spec.kind,
        url: spec.url.as_deref(),
        host: spec.host.as_deref(),
        port: spec.port.map(|p| p as i32),
        method: &spec.method,
        headers: serde_json::to_value(&spec.headers).map_err(|e| AppError::failed("encode a monitor's headers", e))?,
        body: spec.body.as_deref(),
        accepted_status: &spec.accepted_status,
        keyword: spec.keyword.as_deref(),
        keyword_mode: spec.keyword_mode,
        follow_redirects: spec.follow_redirects,
        interval_seconds: spec.interval_seconds as i32,
        timeout_seconds: spec.timeout_seconds as i32,
        region_threshold: spec.region_threshold as i32,
        incident_confirmations: spec.incident_confirmations as i32,
        recovery_confirmations: spec.recovery_confirmations as i32,
        ssl_expiry_days: spec.ssl_expiry_days as i32,
        period_seconds: spec.period_seconds.map(|p| p as i32),
        cron: spec.cron.as_deref(),
        timezone: spec.timezone.as_deref(),
        grace_seconds: spec.grace_seconds.map(|g| g as i32),
        dns_record_type: spec.record_type,
        dns_server: spec.dns_server.as_deref(),
        dns_protocol: spec.dns_protocol,
        expected_values: serde_json::to_value(&spec.expected_values)
            .map_err(|e| AppError::failed("encode a monitor's expected values", e))?,
        expected_match: spec.expected_match,
        ping_count: spec.ping_count.map(|c| c as i32),
        max_loss_percent: spec.max_loss_percent.map(|l| l as i32),
        degraded_after_ms: spec.degraded_after_ms.map(|l| l as i32),
        degraded_incident: spec.degraded_incident,
        parent_id: spec.parent_id,
        tags: &spec.tags,
    };
    let heartbeat = spec.kind == MonitorKind::Heartbeat;
    let was_heartbeat = current.is_some_and(|c| c.kind == MonitorKind::Heartbeat);
    let token = (heartbeat && !was_heartbeat).then(heartbeat::new_token);
    let stored_token = token.as_ref().map(|t| (t.hash.clone(), t.hint.clone()));
    conn.transaction(|conn| {
        if spec.parent_id != current.and_then(|c| c.parent_id) {
            check_parent(conn, current.map(|c| c.id), spec.parent_id)?;
        }
        let row = match current {
            Some(current) => {
                db::update(conn, current.id, &fields, stored_token)?.ok_or_else(|| AppError::not_found("monitor"))?
            }
            None => db::insert(conn, &fields, stored_token)?,
        };
        let region_ids: Vec<i64> = regions::find_by_names(conn, &spec.regions)?.into_iter().map(|(id, _)| id).collect();
        db::set_regions(conn, row.id, &region_ids)?;
        let mut monitor = one(conn, Some(row))?;
        let now = chrono::Utc::now();
        if heartbeat {
            let rescheduled = current.is_none_or(|c| {
                (&c.cron, &c.timezone, c.period_seconds, c.grace_seconds)
                    != (&monitor.cron, &monitor.timezone, monitor.period_seconds, monitor.grace_seconds)
            });
            if rescheduled {
                heartbeat::restart_deadline(conn, &monitor, now)?;
            }
        } else if was_heartbeat {
            db::set_ping_token(conn, monitor.id, None)?;
            db::set_run_started(conn, monitor.id, None)?;
            crate::ssr::db::schedule::set_next_due(conn, monitor.id, now)?;
            monitor.ping_url = None;
        }
        if let Some(token) = token {
            monitor.ping_url = Some(format!("{}{}", read::PING_PATH, token.secret));
        }
        Ok(monitor)
    })
}

/// A monitor may depend on one that exists, not on itself nor on one that
/// depends on it (however indirectly), with at most
/// [`DEPENDENCY_DEPTH_MAX`] parents above it. Changes of parents are serialized, so two at once cannot close a
/// cycle between them.
fn check_parent(conn: &mut PgConnection, id: Option<i64>, parent: Option<i64>) -> Result<(), AppError> {
    let Some(parent) = parent else { return Ok(()) };
    if Some(parent) == id {
        return Err(AppError::validation("parent_id", "A monitor cannot depend on itself."));
    }
    db::lock_parents(conn)?;
    let (mut at, mut above) = (parent, 1);
    loop {
        if Some(at) == id {
            return Err(AppError::validation(
                "parent_id",
                format!("Monitor #{parent} depends on this one already: that would make a cycle."),
            ));
        }
        match db::parent_of(conn, at)? {
            None if at == parent => {
                return Err(AppError::validation("parent_id", format!("There is no monitor #{parent}.")));
            }
            Some(Some(up)) if above < DEPENDENCY_DEPTH_MAX => (at, above) = (up, above + 1),
            Some(Some(_)) => {
                return Err(AppError::validation(
                    "parent_id",
                    format!("A monitor has at most {DEPENDENCY_DEPTH_MAX} parents above it, one over the other."),
                ));
            }
            Some(None) | None => return Ok(()),
        }
    }
}

/// A ping monitor probed by this server needs it to be allowed to send
/// pings: refused at once, saying how to allow them, rather than failing
/// every check.
fn may_ping(spec: &MonitorSpec, rules: &MonitorRules) -> Result<(), AppError> {
    if spec.kind == MonitorKind::Ping && spec.regions.contains(&rules.default_region) {
        ping::available().map_err(|why| AppError::validation("kind", format!("The server cannot ping: {why}.")))?;
    }
    Ok(())
}

/// Gives a heartbeat a new ping URL (the old one stops working at once),
/// returned whole this once.
pub fn new_ping_url(conn: &mut PgConnection, id: i64) -> Result<Monitor, AppError> {
    conn.transaction(|conn| {
        let monitor = load(conn, id)?;
        if monitor.kind != MonitorKind::Heartbeat {
            return Err(AppError::validation("kind", "Only a heartbeat monitor has a ping URL."));
        }
        let token = heartbeat::new_token();
        db::set_ping_token(conn, id, Some((token.hash, token.hint)))?;
        let mut monitor = masked(load(conn, id)?);
        monitor.ping_url = Some(format!("{}{}", read::PING_PATH, token.secret));
        Ok(monitor)
    })
}

/// Creates a monitor (`id` none) or changes one, checked against the
/// server's settings and the regions that exist now: the one way every
/// adapter saves a monitor.
pub fn save(
    conn: &mut PgConnection,
    settings: &crate::ssr::MonitorSettings,
    id: Option<i64>,
    input: MonitorInput,
) -> Result<Monitor, AppError> {
    let rules = rules(conn, settings.min_interval_seconds, &settings.region)?;
    let saved = match id {
        Some(id) => update(conn, &rules, id, input)?,
        None => create(conn, &rules, input)?,
    };
    Ok(masked(saved))
}

/// A monitor as the team reads it: header values and the body often hold
/// credentials, so they are shown masked (`••••` and the last four
/// characters), like channel secrets.
fn masked(mut monitor: Monitor) -> Monitor {
    for value in monitor.headers.values_mut() {
        *value = text::mask(value);
    }
    monitor.body = monitor.body.as_deref().map(text::mask);
    monitor
}

/// A change that sends a masked value back unchanged keeps the stored one.
fn unmasked(mut input: MonitorInput, current: &Monitor) -> MonitorInput {
    if let Some(headers) = input.headers.as_mut() {
        for (name, value) in headers.iter_mut() {
            *value = text::unmask(std::mem::take(value), current.headers.get(name).map(String::as_str));
        }
    }
    input.body = input.body.map(|body| text::unmask(body, current.body.as_deref()));
    input
}

pub fn create(conn: &mut PgConnection, rules: &MonitorRules, input: MonitorInput) -> Result<Monitor, AppError> {
    // A missed run is already a confirmed failure: heartbeats act on the
    // first one unless told otherwise.
    let heartbeat = input.kind == Some(MonitorKind::Heartbeat);
    let confirmations = (input.incident_confirmations.is_none(), input.recovery_confirmations.is_none());
    let mut spec = MonitorSpec::defaults(rules).apply(input);
    if heartbeat {
        if confirmations.0 {
            spec.incident_confirmations = 1;
        }
        if confirmations.1 {
            spec.recovery_confirmations = 1;
        }
    }
    let spec = spec.validate(rules)?;
    may_ping(&spec, rules)?;
    store(conn, None, &spec)
}

pub fn update(
    conn: &mut PgConnection,
    rules: &MonitorRules,
    id: i64,
    input: MonitorInput,
) -> Result<Monitor, AppError> {
    let current = load(conn, id)?;
    let spec = MonitorSpec::of(&current).apply(unmasked(input, &current)).validate(rules)?;
    may_ping(&spec, rules)?;
    store(conn, Some(&current), &spec)
}

/// The defaults of a new monitor of `kind`: a missed run is already a
/// confirmed failure, so heartbeats act on the first one.
pub fn defaults_for(rules: &MonitorRules, kind: MonitorKind) -> MonitorSpec {
    let mut spec = MonitorSpec { kind, ..MonitorSpec::defaults(rules) };
    if kind == MonitorKind::Heartbeat {
        (spec.incident_confirmations, spec.recovery_confirmations) = (1, 1);
    }
    spec
}

/// A whole definition checked as saving it would check it.
pub fn check(spec: MonitorSpec, rules: &MonitorRules) -> Result<MonitorSpec, AppError> {
    let spec = spec.validate(rules)?;
    may_ping(&spec, rules)?;
    Ok(spec)
}

/// Saves a definition [`check`]ed already: a new monitor (`id` none) or
/// over the stored one.
pub fn store_checked(conn: &mut PgConnection, id: Option<i64>, spec: &MonitorSpec) -> Result<Monitor, AppError> {
    let current = id.map(|id| load(conn, id)).transpose()?;
    store(conn, current.as_ref(), spec)
}

/// Every monitor with its secrets, by id: for the configuration file,
/// which writes them as references and compares them.
pub fn all_unmasked(conn: &mut PgConnection) -> Result<Vec<Monitor>, AppError> {
    let rows = db::all(conn)?;
    Ok(read::with_regions(conn, rows)?)
}

/// A monitor as the team reads it (secrets masked).
pub fn get(conn: &mut PgConnection, id: i64) -> Result<Monitor, AppError> {
    load(conn, id).map(masked)
}

/// A monitor with its secrets, for probing it.
fn load(conn: &mut PgConnection, id: i64) -> Result<Monitor, AppError> {
    let row = db::find(conn, id)?;
    one(conn, row)
}

/// Monitors a list page holds unless asked otherwise, and at most.
pub const PAGE_DEFAULT: i64 = 100;
pub const PAGE_LIMIT_MAX: i64 = 500;

/// A list's parameters as they come (each blank or missing: any).
#[derive(Debug, Clone, Copy, Default)]
pub struct ListParams<'a> {
    /// A part of the name, URL or host.
    pub search: Option<&'a str>,
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub region: Option<&'a str>,
    pub tag: Option<&'a str>,
    /// `name` (the default) or `status` (worst first).
    pub sort: Option<&'a str>,
    /// The `next` of the previous page.
    pub cursor: Option<&'a str>,
}

/// A list of monitors as the REST API and the console ask for it: narrowed,
/// by name, a page at a time from a cursor.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub search: Option<String>,
    pub status: Option<MonitorStatus>,
    pub kind: Option<MonitorKind>,
    pub region: Option<String>,
    pub tag: Option<String>,
    /// By name (the default) or worst state first.
    pub order: db::Order,
    /// The last monitor of the previous page: its severity (when listed by
    /// it), name and id.
    pub after: Option<(i32, String, i64)>,
    pub limit: i64,
}

impl ListQuery {
    /// Reads a list's parameters (blank ones: any), each checked with its
    /// field named.
    pub fn new(params: ListParams<'_>, limit: Option<i64>) -> Result<Self, AppError> {
        let limit = limit.unwrap_or(PAGE_DEFAULT);
        if !(1..=PAGE_LIMIT_MAX).contains(&limit) {
            return Err(AppError::validation("limit", format!("A page holds 1 to {PAGE_LIMIT_MAX} monitors.")));
        }
        let order = match text::given(params.sort) {
            None | Some("name") => db::Order::Name,
            Some("status") => db::Order::Severity,
            Some(_) => return Err(AppError::validation("sort", "Sort by `name` or `status`.")),
        };
        let after = text::given(params.cursor)
            .map(|text| {
                cursor_read(text, order).ok_or_else(|| AppError::validation("cursor", "Not a cursor this list gave."))
            })
            .transpose()?;
        Ok(Self {
            search: text::sought(params.search, NAME_MAX),
            status: text::chosen("status", params.status, MonitorStatus::parse)?,
            kind: text::chosen("kind", params.kind, MonitorKind::parse)?,
            region: text::sought(params.region, NAME_MAX),
            tag: text::sought(params.tag, TAG_MAX).map(|tag| tag.to_lowercase()),
            order,
            after,
            limit,
        })
    }

    fn filter(&self) -> db::Filter<'_> {
        db::Filter {
            search: self.search.as_deref(),
            status: self.status,
            kind: self.kind,
            region: self.region.as_deref(),
            tag: self.tag.as_deref(),
        }
    }
}

/// A page's cursor: the last monitor's id and name, in hex (opaque to
/// clients, safe in a query string), after its severity and `~` when the
/// list is by status.
fn cursor_of(order: db::Order, severity: i32, name: &str, id: i64) -> String {
    let place = format!("{id}.{}", hex::encode(name));
    match order {
        db::Order::Name => place,
        db::Order::Severity => format!("{severity}~{place}"),
    }
}

/// A cursor of a list in `order`; one made for another order is refused.
fn cursor_read(text: &str, order: db::Order) -> Option<(i32, String, i64)> {
    let (severity, place) = match (order, text.split_once('~')) {
        (db::Order::Name, None) => (0, text),
        (db::Order::Severity, Some((severity, place))) => (severity.parse().ok()?, place),
        _ => return None,
    };
    let (id, name) = place.split_once('.')?;
    let name = String::from_utf8(hex::decode(name).ok()?).ok()?;
    if name.chars().any(char::is_control) {
        return None;
    }
    Some((severity, name, id.parse().ok()?))
}

/// One page of monitors and the cursor of the next (`None` on the last).
pub fn page(conn: &mut PgConnection, query: &ListQuery) -> Result<MonitorList, AppError> {
    let after = query.after.as_ref().map(|(severity, name, id)| db::After { severity: *severity, name, id: *id });
    // One more than a page says whether there is a next one.
    let mut rows = db::page(conn, &query.filter(), query.order, after, query.limit + 1)?;
    let more = rows.len() as i64 > query.limit;
    rows.truncate(usize::try_from(query.limit).unwrap_or(0));
    let next = if more {
        rows.last().map(|last| cursor_of(query.order, db::severity_of(last), &last.name, last.id))
    } else {
        None
    };
    let items = read::with_regions(conn, rows)?.into_iter().map(masked).collect();
    Ok(MonitorList { items, next })
}

/// How many monitors are in each status, among those the query's other
/// filters keep (so each count can narrow the list further).
pub fn counts(conn: &mut PgConnection, query: &ListQuery) -> Result<StatusCounts, AppError> {
    let filter = db::Filter { status: None, ..query.filter() };
    let mut counts = StatusCounts::default();
    for (paused, status, count) in db::count_by_status(conn, &filter)? {
        // A paused monitor keeps the status of its last checks underneath.
        let status = if paused { MonitorStatus::Paused } else { status };
        counts.add(status, u32::try_from(count).unwrap_or(u32::MAX));
    }
    Ok(counts)
}

/// The most monitors a search by name answers.
pub const FOUND_MAX: i64 = 20;

/// Monitors whose name contains `part`, to choose one (a parent) by name.
pub fn find(conn: &mut PgConnection, part: &str) -> Result<Vec<crate::model::MonitorRef>, AppError> {
    let part: String = part.trim().chars().take(NAME_MAX).collect();
    let found = db::find_by_name(conn, &part, FOUND_MAX)?;
    Ok(found.into_iter().map(|(id, name)| crate::model::MonitorRef { id, name }).collect())
}

/// The most monitors named at once.
pub const NAMED_MAX: usize = 1000;

/// The names of these monitors (those that still exist), to show choices
/// made before.
pub fn names(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<crate::model::MonitorRef>, AppError> {
    if ids.len() > NAMED_MAX {
        return Err(AppError::validation("ids", format!("At most {NAMED_MAX} monitors at once.")));
    }
    let named = db::names_of(conn, ids)?;
    Ok(named.into_iter().map(|(id, name)| crate::model::MonitorRef { id, name }).collect())
}

pub fn delete(conn: &mut PgConnection, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        crate::ssr::incidents::reactions::on_monitor_deleted(conn, id, chrono::Utc::now())?;
        if db::delete(conn, id)? == 0 {
            return Err(AppError::not_found("monitor"));
        }
        Ok(())
    })
}

pub fn set_paused(conn: &mut PgConnection, id: i64, paused: bool) -> Result<Monitor, AppError> {
    conn.transaction(|conn| {
        let row = db::set_paused(conn, id, paused)?;
        let monitor = one(conn, row)?;
        // A resumed heartbeat is not late for the runs missed while paused.
        if !paused && monitor.kind == MonitorKind::Heartbeat {
            heartbeat::restart_deadline(conn, &monitor, chrono::Utc::now())?;
        }
        Ok(masked(monitor))
    })
}

/// The most monitors one bulk action takes.
pub const BULK_MAX: usize = 500;

/// Pauses, resumes, deletes, tags or untags monitors chosen by id, in one
/// transaction: each as its own action would (a deleted monitor's incident
/// resolves, a resumed heartbeat's deadline counts from now).
pub fn bulk(conn: &mut PgConnection, input: &BulkInput) -> Result<BulkOutcome, AppError> {
    let mut ids = input.ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > BULK_MAX {
        return Err(AppError::validation("ids", format!("Choose 1 to {BULK_MAX} monitors.")));
    }
    let tag = match input.action {
        BulkAction::Tag | BulkAction::Untag => check_tag("tag", input.tag.as_deref().unwrap_or_default())?,
        _ => String::new(),
    };
    let now = chrono::Utc::now();
    conn.transaction(|conn| {
        let found = db::lock_existing(conn, &ids)?;
        let missing = ids.iter().copied().filter(|id| found.binary_search(id).is_err()).collect();
        let changed = match input.action {
            BulkAction::Pause => db::set_paused_many(conn, &found, true)?.len(),
            BulkAction::Resume => {
                let resumed = db::set_paused_many(conn, &found, false)?;
                let count = resumed.len();
                let heartbeats = resumed.into_iter().filter(|row| row.kind == MonitorKind::Heartbeat).collect();
                for monitor in read::with_regions(conn, heartbeats)? {
                    heartbeat::restart_deadline(conn, &monitor, now)?;
                }
                count
            }
            BulkAction::Delete => {
                for id in &found {
                    crate::ssr::incidents::reactions::on_monitor_deleted(conn, *id, now)?;
                    db::delete(conn, *id)?;
                }
                found.len()
            }
            BulkAction::Tag => {
                let full = db::count_full_of_tags(conn, &found, &tag, TAGS_MAX)?;
                if full > 0 {
                    return Err(AppError::validation(
                        "tag",
                        format!("{full} of these monitors have {TAGS_MAX} tags already."),
                    ));
                }
                db::add_tag(conn, &found, &tag)?
            }
            BulkAction::Untag => db::remove_tag(conn, &found, &tag)?,
        };
        Ok(BulkOutcome { changed: u32::try_from(changed).unwrap_or(u32::MAX), missing })
    })
}

/// The most tags the list's filter offers.
pub const TAGS_LISTED_MAX: i64 = 500;

/// The tags monitors have, in order.
pub fn tags(conn: &mut PgConnection) -> Result<Vec<String>, AppError> {
    Ok(db::tags_in_use(conn, TAGS_LISTED_MAX)?)
}

/// Checks a monitor once, now, from this server's region (nothing is stored).
pub async fn check_now(state: &crate::ssr::AppState, id: i64) -> Result<crate::model::Check, AppError> {
    let monitor = state.db.run(move |conn| load(conn, id)).await?;
    if monitor.kind == MonitorKind::Heartbeat {
        return Err(AppError::validation("kind", "A heartbeat is checked by its job's pings, not from here."));
    }
    let result = state.prober.probe(&crate::ssr::monitoring::probe::ProbeTarget::of(&monitor)).await;
    Ok(result.into_check(&state.monitor_settings.region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_was_made_of_and_nothing_else() {
        use db::Order::{Name, Severity};
        for (name, id) in [("Website", 1), ("Ünïcödé & spaces.dots", 42), ("", i64::MAX)] {
            assert_eq!(cursor_read(&cursor_of(Name, 0, name, id), Name), Some((0, name.to_owned(), id)));
            assert_eq!(cursor_read(&cursor_of(Severity, 3, name, id), Severity), Some((3, name.to_owned(), id)));
        }
        for junk in ["", "12", "x.41", "12.4", "12.zz", "12.ff", "12.00", ".41"] {
            assert_eq!(cursor_read(junk, Name), None, "{junk:?}");
            assert_eq!(cursor_read(&format!("2~{junk}"), Severity), None, "{junk:?}");
        }
        // A cursor of one order is refused by the other.
        assert_eq!(cursor_read(&cursor_of(Severity, 3, "Web", 7), Name), None);
        assert_eq!(cursor_read(&cursor_of(Name, 0, "Web", 7), Severity), None);
        assert_eq!(cursor_read("x~7.576562", Severity), None);
    }

    #[test]
    fn list_parameters_are_checked_field_by_field() {
        let field = |result: Result<ListQuery, AppError>| match result {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("not refused: {other:?}"),
        };
        let any = ListParams::default();
        assert_eq!(field(ListQuery::new(any, Some(0))), "limit");
        assert_eq!(field(ListQuery::new(any, Some(PAGE_LIMIT_MAX + 1))), "limit");
        assert_eq!(field(ListQuery::new(ListParams { status: Some("sideways"), ..any }, None)), "status");
        assert_eq!(field(ListQuery::new(ListParams { kind: Some("smtp"), ..any }, None)), "kind");
        assert_eq!(field(ListQuery::new(ListParams { cursor: Some("nope"), ..any }, None)), "cursor");
        assert_eq!(field(ListQuery::new(ListParams { sort: Some("age"), ..any }, None)), "sort");
        let params = ListParams {
            search: Some("  a\0b\u{7}c "),
            status: Some(" "),
            kind: Some("tcp"),
            region: Some(""),
            tag: Some(" prod\n"),
            sort: None,
            cursor: None,
        };
        let query = ListQuery::new(params, None).unwrap();
        assert_eq!(query.search.as_deref(), Some("abc"));
        assert_eq!(
            (query.status, query.kind, query.region, query.tag.as_deref(), query.limit),
            (None, Some(MonitorKind::Tcp), None, Some("prod"), PAGE_DEFAULT)
        );
    }

    fn rules() -> MonitorRules {
        MonitorRules {
            min_interval_seconds: 30,
            known_regions: vec!["local".to_owned(), "eu-west".to_owned()],
            default_region: "local".to_owned(),
        }
    }

    fn http(url: &str) -> MonitorInput {
        MonitorInput { name: Some("Site".to_owned()), url: Some(url.to_owned()), ..Default::default() }
    }

    fn field_of(input: MonitorInput) -> String {
        let error = MonitorSpec::defaults(&rules()).apply(input).validate(&rules()).unwrap_err();
        error.field().unwrap_or("none").to_owned()
    }

    #[test]
    fn tags_are_trimmed_kept_once_in_any_case_and_bounded() {
        let tags = |list: &[&str]| MonitorInput {
            tags: Some(list.iter().map(|t| (*t).to_owned()).collect()),
            ..http("https://example.com")
        };
        let spec = MonitorSpec::defaults(&rules())
            .apply(tags(&[" prod ", "Payments", "PROD", "payments"]))
            .validate(&rules())
            .unwrap();
        assert_eq!(spec.tags, ["prod", "payments"]);
        for bad in [&["a,b"][..], &[""], &["   "], &["line\nbreak"], &[&"x".repeat(TAG_MAX + 1)]] {
            assert_eq!(field_of(tags(bad)), "tags", "{bad:?}");
        }
        let many: Vec<String> = (0..=TAGS_MAX).map(|n| format!("t{n}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(field_of(tags(&many)), "tags");
        assert_eq!(
            MonitorSpec::defaults(&rules()).apply(tags(&many[..TAGS_MAX])).validate(&rules()).unwrap().tags.len(),
            TAGS_MAX
        );
    }

    #[test]
    fn a_minimal_http_monitor_takes_the_defaults() {
        let spec = MonitorSpec::defaults(&rules()).apply(http("https://example.com")).validate(&rules()).unwrap();
        assert_eq!(spec.url.as_deref(), Some("https://example.com/"));
        assert_eq!((spec.interval_seconds, spec.timeout_seconds), (60, 10));
        assert_eq!((spec.incident_confirmations, spec.recovery_confirmations), (3, 2));
        assert_eq!(spec.regions, vec!["local"]);
        assert_eq!(spec.accepted_status, "200-299");
        assert_eq!(spec.method, "GET");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(MonitorInput, &str)> = vec![
            (MonitorInput { name: Some(" ".into()), ..http("https://example.com") }, "name"),
            (http(""), "url"),
            (http("ftp://example.com"), "url"),
            (http("not a url"), "url"),
            (MonitorInput { method: Some("BREW".into()), ..http("https://example.com") }, "method"),
            (MonitorInput { accepted_status: Some("200-".into()), ..http("https://example.com") }, "accepted_status"),
            (MonitorInput { interval_seconds: Some(10), ..http("https://example.com") }, "interval_seconds"),
            (MonitorInput { interval_seconds: Some(3601), ..http("https://example.com") }, "interval_seconds"),
            (MonitorInput { timeout_seconds: Some(0), ..http("https://example.com") }, "timeout_seconds"),
            (MonitorInput { timeout_seconds: Some(31), ..http("https://example.com") }, "timeout_seconds"),
            (
                MonitorInput { interval_seconds: Some(30), timeout_seconds: Some(30), ..http("https://example.com") },
                "none",
            ),
            (MonitorInput { regions: Some(vec![]), ..http("https://example.com") }, "regions"),
            (MonitorInput { regions: Some(vec!["mars".into()]), ..http("https://example.com") }, "regions"),
            (MonitorInput { region_threshold: Some(2), ..http("https://example.com") }, "region_threshold"),
            (MonitorInput { incident_confirmations: Some(6), ..http("https://example.com") }, "incident_confirmations"),
            (MonitorInput { recovery_confirmations: Some(0), ..http("https://example.com") }, "recovery_confirmations"),
            (MonitorInput { ssl_expiry_days: Some(0), ..http("https://example.com") }, "ssl_expiry_days"),
            (MonitorInput { keyword: Some("two\nlines".into()), ..http("https://example.com") }, "keyword"),
            (MonitorInput { body: Some("x".repeat(BODY_MAX + 1)), ..http("https://example.com") }, "body"),
            (
                MonitorInput {
                    headers: Some([("Bad Name".to_owned(), "x".to_owned())].into()),
                    ..http("https://example.com")
                },
                "headers",
            ),
            (
                MonitorInput {
                    headers: Some([("X-Ok".to_owned(), "line\r\nInjected: 1".to_owned())].into()),
                    ..http("https://example.com")
                },
                "headers",
            ),
            (MonitorInput { kind: Some(MonitorKind::Tcp), name: Some("Db".into()), ..Default::default() }, "host"),
            (MonitorInput { degraded_after_ms: Some(10_001), ..http("https://example.com") }, "degraded_after_ms"),
            (MonitorInput { degraded_after_ms: Some(10_000), ..http("https://example.com") }, "none"),
            (MonitorInput { parent_id: Some(-3), ..http("https://example.com") }, "parent_id"),
            (
                MonitorInput {
                    kind: Some(MonitorKind::Tcp),
                    name: Some("Db".into()),
                    host: Some("db.internal".into()),
                    ..Default::default()
                },
                "port",
            ),
            (
                MonitorInput {
                    kind: Some(MonitorKind::Tcp),
                    name: Some("Db".into()),
                    host: Some("tcp://db".into()),
                    port: Some(5432),
                    ..Default::default()
                },
                "host",
            ),
            (
                MonitorInput {
                    kind: Some(MonitorKind::Tcp),
                    name: Some("Db".into()),
                    host: Some("db".into()),
                    port: Some(70000),
                    ..Default::default()
                },
                "port",
            ),
        ];
        for (input, field) in cases {
            let described = format!("{input:?}");
            if field == "none" {
                assert!(MonitorSpec::defaults(&rules()).apply(input).validate(&rules()).is_ok(), "{described}");
            } else {
                assert_eq!(field_of(input), field, "{described}");
            }
        }
    }

    #[test]
    fn slowness_applies_where_answers_are_timed_and_zero_turns_it_off() {
        let spec = |input| MonitorSpec::defaults(&rules()).apply(input).validate(&rules()).unwrap();
        let slow = spec(MonitorInput {
            degraded_after_ms: Some(800),
            degraded_incident: Some(true),
            parent_id: Some(4),
            ..http("https://example.com")
        });
        assert_eq!((slow.degraded_after_ms, slow.degraded_incident, slow.parent_id), (Some(800), true, Some(4)));
        let off = MonitorSpec { ..slow.clone() }
            .apply(MonitorInput { degraded_after_ms: Some(0), parent_id: Some(0), ..Default::default() })
            .validate(&rules())
            .unwrap();
        assert_eq!((off.degraded_after_ms, off.degraded_incident, off.parent_id), (None, false, None));
        let dns = slow
            .apply(MonitorInput {
                kind: Some(MonitorKind::Dns),
                host: Some("example.com".into()),
                ..Default::default()
            })
            .validate(&rules())
            .unwrap();
        assert_eq!((dns.degraded_after_ms, dns.degraded_incident), (None, false), "a DNS answer is not timed");
    }

    #[test]
    fn a_tcp_monitor_keeps_host_and_port_only() {
        let input = MonitorInput {
            kind: Some(MonitorKind::Tcp),
            name: Some("Db".into()),
            host: Some("DB.internal".into()),
            port: Some(5432),
            url: Some("https://ignored.example".into()),
            regions: Some(vec!["eu-west".into(), "local".into(), "local".into()]),
            region_threshold: Some(2),
            ..Default::default()
        };
        let spec = MonitorSpec::defaults(&rules()).apply(input).validate(&rules()).unwrap();
        assert_eq!((spec.host.as_deref(), spec.port, spec.url), (Some("db.internal"), Some(5432), None));
        assert_eq!(spec.regions, vec!["eu-west", "local"]);
    }

    #[test]
    fn the_minimum_interval_follows_the_setting() {
        let mut fast = rules();
        fast.min_interval_seconds = 1;
        let input = MonitorInput { interval_seconds: Some(1), timeout_seconds: Some(1), ..http("http://127.0.0.1:9") };
        assert!(MonitorSpec::defaults(&fast).apply(input.clone()).validate(&fast).is_ok());
        assert!(MonitorSpec::defaults(&rules()).apply(input).validate(&rules()).is_err());
    }

    #[test]
    fn empty_keyword_and_body_clear_them() {
        let base = MonitorSpec::defaults(&rules()).apply(MonitorInput {
            keyword: Some("ok".into()),
            body: Some("{}".into()),
            ..http("https://example.com")
        });
        assert_eq!(base.keyword.as_deref(), Some("ok"));
        let cleared =
            base.apply(MonitorInput { keyword: Some(" ".into()), body: Some(String::new()), ..Default::default() });
        assert_eq!((cleared.keyword, cleared.body), (None, None));
    }
}
