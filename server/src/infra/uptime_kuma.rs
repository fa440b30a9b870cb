//! `vigie import uptime-kuma PATH`: an Uptime Kuma database (its SQLite
//! file, 1.23 or 2.x), opened read-only, as a configuration file for
//! `vigie apply` (monitors, channels and the rules that link them, status
//! pages) with the secrets it holds apart, in an environment file; and its
//! history (status page banners, one-off maintenance windows), written with
//! `--apply`. Whatever cannot be carried over is reported, line by line.

use anyhow::Context;
use app::model::{AlertEvent, ChannelKind, DnsRecordType, IncidentState, KeywordMode, MonitorKind, Recipients};
use app::model::{Impact, UpdateStatus};
use app::ssr::config::export::{slug, variable};
use app::ssr::config::{ChannelEntry, ComponentEntry, Document, MonitorEntry, PageEntry, RuleEntry};
use app::ssr::import::Report;
use app::ssr::import::history::{PastIncident, PastUpdate};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Which Uptime Kuma wrote the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 1.x: the template and its SQL patches.
    One,
    /// 2.x: knex migrations on top (a `knex_migrations` table).
    Two,
}

/// What the import makes of a database.
#[derive(Debug)]
pub struct Imported {
    pub version: Version,
    pub document: Document,
    /// The values of the file's `${NAME}` references, for `vigie.env`.
    pub variables: BTreeMap<String, String>,
    /// Keys of monitors paused in Uptime Kuma (paused here too by `--apply`).
    pub paused: Vec<String>,
    /// Banners and maintenance windows, with the keys of their monitors.
    pub history: Vec<(Vec<String>, PastIncident)>,
    pub report: Report,
}

/// How the monitors are made.
pub struct Limits {
    /// The server's shortest interval (`VIGIE_MIN_INTERVAL_SECONDS`).
    pub min_interval_seconds: u32,
    pub now: DateTime<Utc>,
}

struct Monitor {
    id: i64,
    name: String,
    kind: String,
    active: bool,
    url: Option<String>,
    hostname: Option<String>,
    port: Option<i64>,
    interval: i64,
    maxretries: i64,
    timeout: f64,
    method: Option<String>,
    headers: Option<String>,
    body: Option<String>,
    accepted: Option<String>,
    maxredirects: i64,
    keyword: Option<String>,
    invert_keyword: bool,
    json_path: Option<String>,
    dns_type: Option<String>,
    dns_server: Option<String>,
    upside_down: bool,
    ignore_tls: bool,
    auth_method: Option<String>,
    basic_user: Option<String>,
    basic_pass: Option<String>,
    parent: Option<i64>,
    description: Option<String>,
    expiry_notification: bool,
    ping_count: Option<i64>,
}

/// A column's value, `None` when the column is missing (older or newer
/// schemas) or NULL.
fn get<T: rusqlite::types::FromSql>(row: &Row<'_>, column: &str) -> Option<T> {
    row.get::<_, Option<T>>(column).ok().flatten()
}

fn flag(row: &Row<'_>, column: &str, default: bool) -> bool {
    get::<i64>(row, column).map_or(default, |v| v != 0)
}

fn text(row: &Row<'_>, column: &str) -> Option<String> {
    get::<String>(row, column).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Every row of `sql`, mapped; a table missing from an older schema reads as empty.
fn rows<T>(db: &Connection, sql: &str, map: impl Fn(&Row<'_>) -> T) -> anyhow::Result<Vec<T>> {
    let mut statement = match db.prepare(sql) {
        Ok(statement) => statement,
        Err(rusqlite::Error::SqliteFailure(_, Some(message))) if message.starts_with("no such table") => {
            return Ok(Vec::new());
        }
        Err(error) => return Err(error).with_context(|| format!("cannot read the database ({sql})")),
    };
    let mapped = statement.query_map([], |row| Ok(map(row)))?;
    Ok(mapped.collect::<Result<_, _>>()?)
}

/// Kuma writes times as `YYYY-MM-DD HH:MM:SS[.SSS]`, in UTC.
fn utc(text: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.fZ"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|at| at.and_utc())
}

/// Hands out keys of one kind, unique, made from names.
#[derive(Default)]
struct Keys(HashSet<String>);

impl Keys {
    fn of(&mut self, name: &str) -> String {
        let base = slug(name);
        let mut key = base.clone();
        let mut n = 2;
        while !self.0.insert(key.clone()) {
            let suffix = format!("-{n}");
            key = format!("{}{suffix}", &base[..base.len().min(63 - suffix.len())]);
            n += 1;
        }
        key
    }
}

/// Opens the database read-only and reads what the import carries.
pub fn import(path: &Path, limits: &Limits) -> anyhow::Result<Imported> {
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let tables: HashSet<String> =
        rows(&db, "SELECT name FROM sqlite_master WHERE type = 'table'", |r| get::<String>(r, "name"))
            .with_context(|| format!("{} is not an SQLite database", path.display()))?
            .into_iter()
            .flatten()
            .collect();
    if !tables.contains("monitor") {
        anyhow::bail!("{} is not an Uptime Kuma database: it has no `monitor` table", path.display());
    }
    let version = if tables.contains("knex_migrations") { Version::Two } else { Version::One };
    let mut out = Imported {
        version,
        document: Document::default(),
        variables: BTreeMap::new(),
        paused: Vec::new(),
        history: Vec::new(),
        report: Report::default(),
    };

    let monitors = rows(&db, "SELECT * FROM monitor ORDER BY id", |r| Monitor {
        id: get(r, "id").unwrap_or_default(),
        name: text(r, "name").unwrap_or_else(|| "Unnamed monitor".to_owned()),
        kind: text(r, "type").unwrap_or_else(|| "http".to_owned()),
        active: flag(r, "active", true),
        url: text(r, "url"),
        hostname: text(r, "hostname"),
        port: get(r, "port"),
        interval: get(r, "interval").unwrap_or(60),
        maxretries: get(r, "maxretries").unwrap_or(0),
        timeout: get(r, "timeout").unwrap_or(0.0),
        method: text(r, "method"),
        headers: text(r, "headers"),
        body: text(r, "body"),
        accepted: text(r, "accepted_statuscodes_json"),
        maxredirects: get(r, "maxredirects").unwrap_or(10),
        keyword: text(r, "keyword"),
        invert_keyword: flag(r, "invert_keyword", false),
        json_path: text(r, "json_path"),
        dns_type: text(r, "dns_resolve_type"),
        dns_server: text(r, "dns_resolve_server"),
        upside_down: flag(r, "upside_down", false),
        ignore_tls: flag(r, "ignore_tls", false),
        auth_method: text(r, "auth_method"),
        basic_user: text(r, "basic_auth_user"),
        basic_pass: get(r, "basic_auth_pass"),
        parent: get(r, "parent"),
        description: text(r, "description"),
        expiry_notification: flag(r, "expiry_notification", false),
        ping_count: get(r, "ping_count"),
    })?;
    let tags = rows(
        &db,
        "SELECT monitor_tag.monitor_id, tag.name, monitor_tag.value FROM monitor_tag \
         JOIN tag ON tag.id = monitor_tag.tag_id ORDER BY monitor_tag.id",
        |r| (get::<i64>(r, "monitor_id").unwrap_or_default(), text(r, "name"), text(r, "value")),
    )?;
    let groups_of: HashMap<i64, &Monitor> = monitors.iter().filter(|m| m.kind == "group").map(|m| (m.id, m)).collect();

    // Monitors.
    let mut keys = Keys::default();
    let mut monitor_keys: HashMap<i64, String> = HashMap::new();
    let mut expiry: HashSet<i64> = HashSet::new();
    let (mut slower, mut sooner, mut described) = (0, 0, 0);
    for group in groups_of.values() {
        out.report.not_carried(format!(
            "group monitor {}: groups are not monitors here; its monitors are tagged `{}`",
            group.name,
            tag_of(&group.name, None)
        ));
    }
    for monitor in monitors.iter().filter(|m| m.kind != "group") {
        let key = keys.of(&monitor.name);
        let mut entry = MonitorEntry { key: key.clone(), name: cut(&monitor.name, 100), ..Default::default() };
        let skip = |out: &mut Imported, why: &str| {
            out.report.not_carried(format!("monitor {} ({}): {why}", monitor.name, monitor.kind));
        };
        if monitor.upside_down {
            skip(&mut out, "upside-down mode (down when it answers) has no equal here; not imported");
            continue;
        }
        match monitor.kind.as_str() {
            "http" | "keyword" | "json-query" => {
                let Some(url) = &monitor.url else {
                    skip(&mut out, "it has no URL; not imported");
                    continue;
                };
                entry.url = Some(url.clone());
                http_fields(monitor, &mut entry, &mut out);
            }
            "port" => {
                entry.kind = Some(MonitorKind::Tcp);
                entry.host = monitor.hostname.clone();
                entry.port = monitor.port.and_then(|p| u32::try_from(p).ok());
            }
            "ping" => {
                entry.kind = Some(MonitorKind::Ping);
                entry.host = monitor.hostname.clone();
                entry.ping_count = monitor.ping_count.and_then(|c| u32::try_from(c).ok()).filter(|c| *c > 1);
            }
            "dns" => {
                let record = monitor.dns_type.as_deref().unwrap_or("A");
                let Some(record_type) = DnsRecordType::parse(&record.to_ascii_lowercase()) else {
                    skip(&mut out, &format!("DNS records of type {record} are not checked here; not imported"));
                    continue;
                };
                entry.kind = Some(MonitorKind::Dns);
                entry.host = monitor.hostname.clone();
                entry.record_type = Some(record_type);
                let servers = monitor.dns_server.as_deref().unwrap_or_default();
                let mut servers = servers.split(',').map(str::trim).filter(|s| !s.is_empty());
                entry.dns_server = servers.next().map(str::to_owned);
                if servers.next().is_some() {
                    skip(&mut out, "only its first DNS server is asked here");
                }
            }
            "push" => {
                entry.kind = Some(MonitorKind::Heartbeat);
                entry.period_seconds =
                    Some(monitor.interval.clamp(i64::from(limits.min_interval_seconds), 31_536_000) as u32);
                out.report.not_carried(format!(
                    "monitor {} (push): its job must call the new ping URL `vigie apply` prints, not Kuma's /api/push/…",
                    monitor.name
                ));
            }
            other => {
                skip(&mut out, &format!("Vigie has no {other} monitor; not imported"));
                continue;
            }
        }
        if monitor.kind != "push" {
            let interval = monitor.interval.clamp(i64::from(limits.min_interval_seconds), 3600);
            if interval != monitor.interval {
                if interval > monitor.interval { sooner += 1 } else { slower += 1 }
            }
            entry.interval_seconds = Some(interval as u32);
            if monitor.timeout > 0.0 {
                entry.timeout_seconds = Some((monitor.timeout.ceil() as u32).clamp(1, 30));
            }
            entry.incident_confirmations = Some((monitor.maxretries + 1).clamp(1, 5) as u32);
        }
        let mut tags: Vec<String> = tags
            .iter()
            .filter(|(id, _, _)| *id == monitor.id)
            .filter_map(|(_, name, value)| name.as_deref().map(|n| tag_of(n, value.as_deref())))
            .collect();
        if let Some(group) = monitor.parent.and_then(|p| groups_of.get(&p)) {
            tags.push(tag_of(&group.name, None));
        }
        tags.dedup();
        tags.truncate(20);
        if !tags.is_empty() {
            entry.tags = Some(tags);
        }
        if monitor.description.is_some() {
            described += 1;
        }
        if monitor.expiry_notification {
            expiry.insert(monitor.id);
        }
        if !monitor.active {
            out.paused.push(key.clone());
            out.report.not_carried(format!(
                "monitor {}: paused in Uptime Kuma; `--apply` pauses it here too (a file does not say it)",
                monitor.name
            ));
        }
        secrets_of(monitor, &mut entry, &mut out);
        monitor_keys.insert(monitor.id, key);
        out.document.monitors.push(entry);
    }
    if sooner > 0 {
        out.report.not_carried(format!(
            "{sooner} monitors were checked more often than this server allows: every {} s here",
            limits.min_interval_seconds
        ));
    }
    if slower > 0 {
        out.report.not_carried(format!("{slower} monitors were checked less often than hourly: hourly here"));
    }
    if described > 0 {
        out.report.not_carried(format!("{described} monitors had a description: monitors have none here"));
    }

    channels(&db, &monitor_keys, &expiry, &mut out)?;
    let shown = pages(&db, &monitor_keys, &mut out)?;
    banners(&db, &shown, &mut out)?;
    maintenance(&db, &monitor_keys, &shown, limits.now, &mut out)?;
    Ok(out)
}

/// A tag from Kuma's name and value: `production`, `team:web`.
fn tag_of(name: &str, value: Option<&str>) -> String {
    let tag = match value.filter(|v| !v.trim().is_empty()) {
        Some(value) => format!("{}:{}", name.trim(), value.trim()),
        None => name.trim().to_owned(),
    };
    tag.replace(',', " ").to_lowercase().chars().take(40).collect()
}

fn cut(text: &str, max: usize) -> String {
    app::ssr::import::cut(text, max).0
}

/// What an HTTP monitor checks beyond its URL.
fn http_fields(monitor: &Monitor, entry: &mut MonitorEntry, out: &mut Imported) {
    let note = |out: &mut Imported, what: String| out.report.not_carried(format!("monitor {}: {what}", monitor.name));
    if let Some(method) = monitor.method.as_deref().filter(|m| !m.eq_ignore_ascii_case("GET")) {
        entry.method = Some(method.to_ascii_uppercase());
    }
    if let Some(codes) = &monitor.accepted {
        match serde_json::from_str::<Vec<String>>(codes) {
            Ok(codes) if codes.iter().map(String::as_str).ne(["200-299"]) && !codes.is_empty() => {
                entry.accepted_status = Some(codes.join(","));
            }
            Ok(_) => {}
            Err(_) => note(out, format!("its accepted status codes `{codes}` could not be read; 200-299 here")),
        }
    }
    if monitor.maxredirects == 0 {
        entry.follow_redirects = Some(false);
    }
    match monitor.kind.as_str() {
        "keyword" => {
            entry.keyword = monitor.keyword.clone();
            if monitor.invert_keyword {
                entry.keyword_mode = Some(KeywordMode::Absent);
            }
        }
        "json-query" => note(
            out,
            format!(
                "its JSON query `{}` is not checked here, only the answer's status",
                monitor.json_path.as_deref().unwrap_or_default()
            ),
        ),
        _ => {}
    }
    if monitor.ignore_tls {
        note(out, "certificate errors are not ignored here".to_owned());
    }
    if let Some(method) = monitor.auth_method.as_deref().filter(|m| *m != "basic") {
        note(out, format!("{method} authentication has no equal here; not carried"));
    }
}

/// Headers, the body and basic authentication, as references to values
/// kept for `vigie.env`.
fn secrets_of(monitor: &Monitor, entry: &mut MonitorEntry, out: &mut Imported) {
    let key = entry.key.clone();
    let mut headers = BTreeMap::new();
    if let Some(text) = &monitor.headers {
        match serde_json::from_str::<BTreeMap<String, serde_json::Value>>(text) {
            Ok(map) => {
                for (name, value) in map {
                    let value = match value {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    headers.insert(name, value);
                }
            }
            Err(_) => out.report.not_carried(format!("monitor {}: its headers are not a JSON object", monitor.name)),
        }
    }
    let basic = monitor.auth_method.as_deref().is_none_or(|m| m == "basic");
    if basic && let Some(user) = &monitor.basic_user {
        use base64::Engine;
        let pair = format!("{user}:{}", monitor.basic_pass.as_deref().unwrap_or_default());
        headers.insert(
            "Authorization".to_owned(),
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)),
        );
    }
    if !headers.is_empty() {
        let mut references = BTreeMap::new();
        for (name, value) in headers {
            let name_of = variable("monitor", &key, &format!("header_{name}"));
            references.insert(name, format!("${{{name_of}}}"));
            out.variables.insert(name_of, value);
        }
        entry.headers = Some(references);
    }
    if let Some(body) = &monitor.body {
        let name_of = variable("monitor", &key, "body");
        entry.body = Some(format!("${{{name_of}}}"));
        out.variables.insert(name_of, body.clone());
    }
}

/// Notifications of the kinds Vigie has, as channels, and one rule each
/// for the monitors they were linked to.
fn channels(
    db: &Connection,
    monitor_keys: &HashMap<i64, String>,
    expiry: &HashSet<i64>,
    out: &mut Imported,
) -> anyhow::Result<()> {
    let notifications = rows(db, "SELECT * FROM notification ORDER BY id", |r| {
        (
            get::<i64>(r, "id").unwrap_or_default(),
            text(r, "name").unwrap_or_else(|| "Notification".to_owned()),
            flag(r, "active", true),
            text(r, "config").unwrap_or_default(),
        )
    })?;
    let links = rows(db, "SELECT monitor_id, notification_id FROM monitor_notification ORDER BY id", |r| {
        (get::<i64>(r, "monitor_id").unwrap_or_default(), get::<i64>(r, "notification_id").unwrap_or_default())
    })?;
    let mut keys = Keys::default();
    for (id, name, active, config) in notifications {
        let config: serde_json::Value = serde_json::from_str(&config).unwrap_or_default();
        let field = |name: &str| config.get(name).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty());
        let kind = field("type").unwrap_or("unknown").to_owned();
        let key = keys.of(&name);
        let reference = |out: &mut Imported, what: &str, value: &str| {
            let name = variable("channel", &key, what);
            out.variables.insert(name.clone(), value.to_owned());
            format!("${{{name}}}")
        };
        let mut entry = ChannelEntry {
            key: key.clone(),
            kind: ChannelKind::Webhook,
            name: cut(&name, 100),
            url: None,
            secret: None,
            to: None,
        };
        let missing = |out: &mut Imported, what: &str| {
            out.report.not_carried(format!("notification {name} ({kind}): it has no {what}; not imported"));
        };
        match kind.as_str() {
            "webhook" => {
                let Some(url) = field("webhookURL") else {
                    missing(out, "URL");
                    continue;
                };
                entry.url = Some(url.to_owned());
                entry.secret = Some(reference(out, "secret", &app::ssr::team::auth::new_secret("")));
                out.report.not_carried(format!(
                    "notification {name} (webhook): Vigie posts its own JSON, signed (X-Vigie-Signature) with the \
                     new secret in the environment file; its receiver must read that"
                ));
            }
            "slack" => {
                let Some(url) = field("slackwebhookURL") else {
                    missing(out, "webhook URL");
                    continue;
                };
                entry.kind = ChannelKind::Slack;
                entry.url = Some(reference(out, "url", url));
            }
            "discord" => {
                let Some(url) = field("discordWebhookUrl") else {
                    missing(out, "webhook URL");
                    continue;
                };
                entry.kind = ChannelKind::Discord;
                entry.url = Some(reference(out, "url", url));
            }
            "smtp" => {
                let to: Vec<String> = ["smtpTo", "smtpCC", "smtpBCC"]
                    .iter()
                    .filter_map(|f| field(f))
                    .flat_map(|list| list.split([',', ';']).map(str::trim).map(str::to_owned).collect::<Vec<_>>())
                    .filter(|a| !a.is_empty())
                    .collect();
                if to.is_empty() {
                    missing(out, "recipient");
                    continue;
                }
                entry.kind = ChannelKind::Email;
                entry.to = Some(Recipients::Many(to));
                out.report.not_carried(format!(
                    "notification {name} (smtp): mail goes through this server's VIGIE_SMTP_URL, not {}",
                    field("smtpHost").unwrap_or("its own server")
                ));
            }
            other => {
                out.report.not_carried(format!("notification {name} ({other}): Vigie has no such channel"));
                continue;
            }
        }
        let linked: Vec<i64> = links.iter().filter(|(_, n)| *n == id).map(|(m, _)| *m).collect();
        let mut monitors: Vec<String> = linked.iter().filter_map(|m| monitor_keys.get(m).cloned()).collect();
        monitors.sort();
        monitors.dedup();
        out.document.channels.push(entry);
        if monitors.is_empty() {
            out.report.not_carried(format!("notification {name}: no imported monitor used it, so no rule sends to it"));
            continue;
        }
        let mut events = vec![AlertEvent::IncidentCreated, AlertEvent::IncidentResolved];
        if linked.iter().any(|m| expiry.contains(m)) {
            events.push(AlertEvent::SslExpiring);
        }
        out.document.rules.push(RuleEntry {
            key,
            name: cut(&format!("{name} alerts"), 100),
            events,
            channel: out.document.channels.last().map(|c| c.key.clone()).unwrap_or_default(),
            monitors: Some(monitors),
            enabled: active,
            max_per_hour: None,
        });
    }
    Ok(())
}

/// The monitor keys each Kuma status page (by id) shows.
type Shown = HashMap<i64, Vec<String>>;

/// Status pages, their groups in order and the monitors in them.
fn pages(db: &Connection, monitor_keys: &HashMap<i64, String>, out: &mut Imported) -> anyhow::Result<Shown> {
    let pages = rows(db, "SELECT * FROM status_page ORDER BY id", |r| {
        (
            get::<i64>(r, "id").unwrap_or_default(),
            text(r, "slug").unwrap_or_default(),
            text(r, "title").unwrap_or_else(|| "Status".to_owned()),
            text(r, "description").unwrap_or_default(),
            flag(r, "published", true),
            [
                text(r, "footer_text"),
                text(r, "custom_css"),
                text(r, "google_analytics_tag_id"),
                text(r, "analytics_id"),
            ]
            .iter()
            .any(Option::is_some),
        )
    })?;
    let groups = rows(db, "SELECT * FROM \"group\" ORDER BY weight, id", |r| {
        (get::<i64>(r, "id").unwrap_or_default(), text(r, "name"), get::<i64>(r, "status_page_id"))
    })?;
    let members = rows(db, "SELECT monitor_id, group_id FROM monitor_group ORDER BY weight, id", |r| {
        (get::<i64>(r, "monitor_id").unwrap_or_default(), get::<i64>(r, "group_id").unwrap_or_default())
    })?;
    let domains = rows(db, "SELECT status_page_id, domain FROM status_page_cname ORDER BY id", |r| {
        (get::<i64>(r, "status_page_id").unwrap_or_default(), text(r, "domain"))
    })?;
    let names: HashMap<&str, &MonitorEntry> = out.document.monitors.iter().map(|m| (m.key.as_str(), m)).collect();
    let mut keys = Keys::default();
    let mut made = Shown::new();
    for (id, page_slug, title, description, published, decorated) in pages {
        let mut components = Vec::new();
        let mut shown = BTreeSet::new();
        for (group_id, group_name, _) in groups.iter().filter(|(_, _, page)| *page == Some(id)) {
            for (monitor_id, _) in members.iter().filter(|(_, g)| g == group_id) {
                let Some(key) = monitor_keys.get(monitor_id) else {
                    out.report.not_carried(format!(
                        "status page {page_slug}: a monitor that was not imported is left out (Kuma monitor #{monitor_id})"
                    ));
                    continue;
                };
                if shown.insert(key.clone()) {
                    let name = names.get(key.as_str()).map(|m| m.name.clone()).unwrap_or_default();
                    components.push(ComponentEntry { monitor: key.clone(), name, group: group_name.clone() });
                }
            }
        }
        let page_domains: Vec<String> =
            domains.iter().filter(|(page, _)| *page == id).filter_map(|(_, d)| d.clone()).collect();
        if page_domains.len() > 1 {
            out.report.not_carried(format!(
                "status page {page_slug}: one custom domain here ({}); not {}",
                page_domains[0],
                page_domains[1..].join(", ")
            ));
        }
        if decorated {
            out.report
                .not_carried(format!("status page {page_slug}: its footer, custom CSS and analytics are not carried"));
        }
        made.insert(id, components.iter().map(|c| c.monitor.clone()).collect());
        out.document.status_pages.push(PageEntry {
            key: keys.of(&page_slug),
            slug: slug(&page_slug),
            title: cut(&title, 100),
            description: cut(&description, 2000),
            default: false,
            published,
            allow_subscriptions: true,
            custom_domain: page_domains.first().cloned(),
            logo_url: None,
            accent_color: None,
            components,
        });
    }
    Ok(made)
}

/// A page's banners, as past incidents of the monitors it shows: the one
/// shown now goes on, the others are over.
fn banners(db: &Connection, shown_on: &Shown, out: &mut Imported) -> anyhow::Result<()> {
    let banners = rows(db, "SELECT * FROM incident ORDER BY id", |r| {
        (
            get::<i64>(r, "id").unwrap_or_default(),
            text(r, "title").unwrap_or_else(|| "Notice".to_owned()),
            text(r, "content").unwrap_or_default(),
            text(r, "style").unwrap_or_else(|| "warning".to_owned()),
            text(r, "created_date").and_then(|t| utc(&t)),
            text(r, "last_updated_date").and_then(|t| utc(&t)),
            flag(r, "pin", false) && flag(r, "active", true),
            get::<i64>(r, "status_page_id"),
        )
    })?;
    for (id, title, content, style, created, updated, shown, page) in banners {
        let Some(created) = created else {
            out.report.not_carried(format!("banner “{title}”: its date could not be read"));
            continue;
        };
        let monitors = page.and_then(|p| shown_on.get(&p)).cloned().unwrap_or_default();
        if monitors.is_empty() {
            out.report.not_carried(format!("banner “{title}”: its status page shows no imported monitor"));
            continue;
        }
        let impact = match style.as_str() {
            "danger" => Impact::MajorOutage,
            "warning" => Impact::PartialOutage,
            _ => Impact::DegradedPerformance,
        };
        let at = updated.unwrap_or(created);
        let (state, status, resolved_at) = if shown {
            out.report.made(format!(
                "banner “{title}” is shown now: it is an ongoing incident here, resolve it when it is over"
            ));
            (IncidentState::Ongoing, UpdateStatus::Identified, None)
        } else {
            (IncidentState::Resolved, UpdateStatus::Resolved, Some(at))
        };
        let updates = if content.is_empty() { Vec::new() } else { vec![PastUpdate { status, body: content, at }] };
        out.history.push((
            monitors,
            PastIncident {
                title: cut(&title, 200),
                window: None,
                impact,
                state,
                created_at: created,
                started_at: Some(created),
                resolved_at,
                monitor_ids: Vec::new(),
                updates,
                origin: format!("Uptime Kuma banner #{id}"),
            },
        ));
    }
    Ok(())
}

/// One-off maintenance windows, as maintenance here; recurring ones are
/// reported (windows here are one-off).
fn maintenance(
    db: &Connection,
    monitor_keys: &HashMap<i64, String>,
    shown_on: &Shown,
    now: DateTime<Utc>,
    out: &mut Imported,
) -> anyhow::Result<()> {
    let windows = rows(db, "SELECT * FROM maintenance ORDER BY id", |r| {
        (
            get::<i64>(r, "id").unwrap_or_default(),
            text(r, "title").unwrap_or_else(|| "Maintenance".to_owned()),
            text(r, "description").unwrap_or_default(),
            text(r, "strategy").unwrap_or_else(|| "single".to_owned()),
            text(r, "start_date"),
            text(r, "end_date"),
            text(r, "timezone"),
            flag(r, "active", true),
        )
    })?;
    let monitors = rows(db, "SELECT maintenance_id, monitor_id FROM monitor_maintenance ORDER BY id", |r| {
        (get::<i64>(r, "maintenance_id").unwrap_or_default(), get::<i64>(r, "monitor_id").unwrap_or_default())
    })?;
    let pages = rows(db, "SELECT maintenance_id, status_page_id FROM maintenance_status_page ORDER BY id", |r| {
        (get::<i64>(r, "maintenance_id").unwrap_or_default(), get::<i64>(r, "status_page_id").unwrap_or_default())
    })?;
    let server_zone = rows(db, "SELECT value FROM setting WHERE key = 'serverTimezone'", |r| text(r, "value"))?
        .into_iter()
        .flatten()
        .next()
        .and_then(|v| serde_json::from_str::<String>(&v).ok());
    for (id, title, description, strategy, start, end, zone, active) in windows {
        if strategy != "single" {
            out.report.not_carried(format!(
                "maintenance “{title}” ({strategy}): windows here are one-off; make its next ones in the console"
            ));
            continue;
        }
        let zone = zone.filter(|z| z != "SAME_AS_SERVER").or(server_zone.clone()).unwrap_or_else(|| "UTC".to_owned());
        let local = |text: &Option<String>| -> Option<DateTime<Utc>> {
            let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(text.as_deref()?, f).ok())?;
            let tz: chrono_tz::Tz = zone.parse().ok()?;
            tz.from_local_datetime(&naive).earliest().map(|at| at.with_timezone(&Utc))
        };
        let (Some(start), Some(end)) = (local(&start), local(&end)) else {
            out.report.not_carried(format!("maintenance “{title}”: its window could not be read (time zone {zone})"));
            continue;
        };
        if end <= start {
            out.report.not_carried(format!("maintenance “{title}”: it ends before it starts"));
            continue;
        }
        if !active {
            out.report.not_carried(format!("maintenance “{title}”: it was turned off; not imported"));
            continue;
        }
        let mut keys: Vec<String> = monitors
            .iter()
            .filter(|(m, _)| *m == id)
            .filter_map(|(_, monitor)| monitor_keys.get(monitor).cloned())
            .collect();
        if keys.is_empty() {
            keys = pages
                .iter()
                .filter(|(m, _)| *m == id)
                .flat_map(|(_, page)| shown_on.get(page).cloned().unwrap_or_default())
                .collect();
        }
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            out.report.not_carried(format!("maintenance “{title}”: none of its monitors was imported"));
            continue;
        }
        let (state, started_at, resolved_at) = if end <= now {
            (IncidentState::Resolved, Some(start), Some(end))
        } else if start <= now {
            (IncidentState::Ongoing, Some(start), None)
        } else {
            (IncidentState::Scheduled, None, None)
        };
        let updates = if description.is_empty() {
            Vec::new()
        } else {
            vec![PastUpdate { status: UpdateStatus::Identified, body: description, at: start.min(now) }]
        };
        out.history.push((
            keys,
            PastIncident {
                title: cut(&title, 200),
                window: Some((start, end)),
                impact: Impact::Maintenance,
                state,
                created_at: start.min(now),
                started_at,
                resolved_at,
                monitor_ids: Vec::new(),
                updates,
                origin: format!("Uptime Kuma maintenance #{id}"),
            },
        ));
    }
    Ok(())
}

/// After the file is applied (`applied`, in the same transaction): pauses
/// what was paused in Uptime Kuma and writes the history on the monitors
/// the file made. The report says what was done, and the secrets made
/// (ping URLs, agent tokens), shown this once.
pub fn after_apply(
    conn: &mut diesel::PgConnection,
    imported: &Imported,
    applied: app::ssr::config::Applied,
) -> Result<Report, app::error::AppError> {
    let mut report = Report::default();
    let (create, change, _) = applied.plan.counts();
    report.made(format!("applied: {create} objects created, {change} changed"));
    for (what, secret) in &applied.made {
        report.made(format!("{what} (shown once): {secret}"));
    }
    let ids: HashMap<String, i64> = app::ssr::config::export::managed_keys(conn)?
        .into_iter()
        .filter(|((kind, _), _)| kind == "monitor")
        .map(|((_, id), key)| (key, id))
        .collect();
    for key in &imported.paused {
        if let Some(id) = ids.get(key) {
            app::ssr::monitoring::monitors::set_paused(conn, *id, true)?;
        }
    }
    if !imported.paused.is_empty() {
        report.made(format!("{} monitors paused, as in Uptime Kuma", imported.paused.len()));
    }
    for (keys, past) in &imported.history {
        let mut past = past.clone();
        past.monitor_ids = keys.iter().filter_map(|k| ids.get(k).copied()).collect();
        app::ssr::import::history::write(conn, &past)?;
    }
    if !imported.history.is_empty() {
        report.made(format!("{} banners and maintenance windows written as incidents", imported.history.len()));
    }
    Ok(report)
}
