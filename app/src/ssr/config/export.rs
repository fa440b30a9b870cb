//! `vigie export`: the database as a configuration file. Objects a file
//! manages keep their key; the others get one made from their name. Fields
//! at their default are left out. Secrets become `${NAME}` references,
//! and the names are listed so the team can set them before `apply`.

use super::document::{ChannelEntry, ComponentEntry, Document, MonitorEntry, PageEntry, RuleEntry, VERSION};
use crate::error::AppError;
use crate::model::{AlertEvent, ChannelKind, Monitor, MonitorKind, Recipients};
use crate::ssr::db::schema::config_objects;
use crate::ssr::db::{alert_rules, channels, regions, status_pages};
use crate::ssr::monitoring::monitors::{self, MonitorRules, MonitorSpec};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

/// A file and the environment variables its references name.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub document: Document,
    pub variables: Vec<String>,
}

/// `(kind, object id) -> key` of the objects a file manages.
pub fn managed_keys(conn: &mut PgConnection) -> QueryResult<HashMap<(String, i64), String>> {
    let rows: Vec<(String, String, i64)> = config_objects::table
        .select((config_objects::kind, config_objects::key, config_objects::object_id))
        .load(conn)?;
    Ok(rows.into_iter().map(|(kind, key, id)| ((kind, id), key)).collect())
}

/// The kinds of object a file manages, as `config_objects` names them.
pub const KINDS: [&str; 4] = ["monitor", "channel", "rule", "status_page"];

/// `(object id, key)` of the managed objects of `kind`, or of the one object
/// `id` (each kind's ids are unique in `config_objects`).
pub fn managed_of(conn: &mut PgConnection, kind: &str, id: Option<i64>) -> QueryResult<Vec<(i64, String)>> {
    let mut query = config_objects::table
        .filter(config_objects::kind.eq(kind))
        .select((config_objects::object_id, config_objects::key))
        .order(config_objects::object_id)
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(config_objects::object_id.eq(id));
    }
    query.load(conn)
}

/// Which of the objects `ids` of `kind` a file manages.
pub fn managed_among(conn: &mut PgConnection, kind: &str, ids: &[i64]) -> QueryResult<Vec<i64>> {
    config_objects::table
        .filter(config_objects::kind.eq(kind).and(config_objects::object_id.eq_any(ids)))
        .select(config_objects::object_id)
        .load(conn)
}

/// Hands out keys of one kind: a managed object's own, else one made from
/// the name (`Checkout API` → `checkout-api`, `checkout-api-2`, …).
struct Keys<'a> {
    kind: &'static str,
    managed: &'a HashMap<(String, i64), String>,
    taken: HashSet<String>,
}

impl<'a> Keys<'a> {
    fn new(kind: &'static str, managed: &'a HashMap<(String, i64), String>) -> Self {
        let taken = managed.iter().filter(|((k, _), _)| k == kind).map(|(_, key)| key.clone()).collect();
        Self { kind, managed, taken }
    }

    fn of(&mut self, id: i64, name: &str) -> String {
        if let Some(key) = self.managed.get(&(self.kind.to_owned(), id)) {
            return key.clone();
        }
        let base = slug(name);
        let mut key = base.clone();
        let mut n = 2;
        while self.taken.contains(&key) {
            let suffix = format!("-{n}");
            key = format!("{}{suffix}", &base[..base.len().min(super::document::KEY_MAX - suffix.len())]);
            n += 1;
        }
        self.taken.insert(key.clone());
        key
    }
}

/// Lower-case letters and digits of `name`, the rest as single dashes.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(super::document::KEY_MAX).collect();
    out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "object".to_owned() } else { out }
}

/// The environment variable a secret of object `key` is read from.
pub fn variable(kind: &str, key: &str, what: &str) -> String {
    let clean = |text: &str| -> String {
        text.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
    };
    format!("VIGIE_{}_{}_{}", clean(kind), clean(key), clean(what))
}

pub fn export(conn: &mut PgConnection, rules: &MonitorRules) -> Result<Exported, AppError> {
    let managed = managed_keys(conn)?;
    let mut variables = Vec::new();

    let all = monitors::all_unmasked(conn)?;
    let mut monitor_keys = Keys::new("monitor", &managed);
    let key_of: HashMap<i64, String> = all.iter().map(|m| (m.id, monitor_keys.of(m.id, &m.name))).collect();
    let monitors = all.iter().map(|m| monitor_entry(m, &key_of, rules, &mut variables)).collect();

    let mut channel_keys = Keys::new("channel", &managed);
    let mut channel_key_of = HashMap::new();
    let mut channels = Vec::new();
    for row in channels::list(conn)? {
        let key = channel_keys.of(row.id, &row.name);
        channel_key_of.insert(row.id, key.clone());
        let secret_url = matches!(row.kind, ChannelKind::Slack | ChannelKind::Discord);
        let url = row.url.as_ref().map(|url| {
            if secret_url { reference(&mut variables, variable("channel", &key, "url")) } else { url.clone() }
        });
        let secret = row.secret.as_ref().map(|_| reference(&mut variables, variable("channel", &key, "secret")));
        let to = match row.recipients.as_slice() {
            [] => None,
            [one] => Some(Recipients::One(one.clone())),
            many => Some(Recipients::Many(many.to_vec())),
        };
        channels.push(ChannelEntry { key, kind: row.kind, name: row.name, url, secret, to });
    }

    let mut rule_keys = Keys::new("rule", &managed);
    let mut rules_out = Vec::new();
    for (row, _) in alert_rules::list(conn)? {
        let key = rule_keys.of(row.id, &row.name);
        let channel = channel_key_of.get(&row.channel_id).cloned().unwrap_or_default();
        let monitors = row.monitor_ids.map(|ids| ids.iter().filter_map(|id| key_of.get(id).cloned()).collect());
        rules_out.push(RuleEntry {
            key,
            name: row.name,
            events: row.events.iter().filter_map(|e| AlertEvent::parse(e)).collect(),
            channel,
            monitors,
            enabled: row.enabled,
            max_per_hour: row.max_per_hour.and_then(|n| u32::try_from(n).ok()),
        });
    }

    let pages = status_pages::list(conn)?;
    let ids: Vec<i64> = pages.iter().map(|p| p.id).collect();
    let mut components = status_pages::components_of(conn, &ids)?;
    let mut page_keys = Keys::new("status_page", &managed);
    let mut pages_out: Vec<PageEntry> = pages
        .into_iter()
        .map(|row| PageEntry {
            key: page_keys.of(row.id, &row.slug),
            components: components
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(monitor_id, name, group)| {
                    Some(ComponentEntry { monitor: key_of.get(&monitor_id)?.clone(), name, group })
                })
                .collect(),
            slug: row.slug,
            title: row.title,
            description: row.description,
            default: row.is_default,
            published: row.published,
            allow_subscriptions: row.allow_subscriptions,
            custom_domain: row.custom_domain,
            logo_url: row.logo_url,
            accent_color: row.accent_color,
        })
        .collect();
    pages_out.sort_by(|a, b| a.key.cmp(&b.key));

    let mut region_names = regions::list_names(conn)?;
    region_names.retain(|name| *name != rules.default_region);
    variables.sort();
    variables.dedup();
    Ok(Exported {
        document: Document {
            version: VERSION,
            regions: region_names,
            monitors,
            channels,
            rules: rules_out,
            status_pages: pages_out,
        },
        variables,
    })
}

fn reference(variables: &mut Vec<String>, name: String) -> String {
    let text = format!("${{{name}}}");
    variables.push(name);
    text
}

/// A monitor as a file entry: its fields that differ from a new monitor's
/// of the same kind.
fn monitor_entry(
    monitor: &Monitor,
    key_of: &HashMap<i64, String>,
    rules: &MonitorRules,
    variables: &mut Vec<String>,
) -> MonitorEntry {
    let spec = MonitorSpec::of(monitor);
    let base = monitors::defaults_for(rules, spec.kind);
    let key = key_of.get(&monitor.id).cloned().unwrap_or_default();
    macro_rules! differs {
        ($field:ident) => {
            (spec.$field != base.$field).then(|| spec.$field.clone())
        };
    }
    let headers = (!spec.headers.is_empty()).then(|| {
        spec.headers
            .keys()
            .map(|name| (name.clone(), reference(variables, variable("monitor", &key, &format!("header_{name}")))))
            .collect()
    });
    let body = spec.body.as_ref().map(|_| reference(variables, variable("monitor", &key, "body")));
    MonitorEntry {
        name: spec.name.clone(),
        kind: (spec.kind != MonitorKind::Http).then_some(spec.kind),
        url: spec.url.clone(),
        host: spec.host.clone(),
        port: spec.port,
        record_type: spec.record_type,
        dns_server: spec.dns_server.clone(),
        dns_protocol: spec.dns_protocol,
        expected_values: (!spec.expected_values.is_empty()).then(|| spec.expected_values.clone()),
        expected_match: spec.expected_match,
        ping_count: spec.ping_count,
        max_loss_percent: spec.max_loss_percent,
        period_seconds: spec.period_seconds,
        cron: spec.cron.clone(),
        timezone: spec.timezone.clone(),
        grace_seconds: spec.grace_seconds,
        degraded_after_ms: spec.degraded_after_ms,
        degraded_incident: differs!(degraded_incident),
        parent: spec.parent_id.and_then(|id| key_of.get(&id).cloned()),
        method: differs!(method),
        headers,
        body,
        accepted_status: differs!(accepted_status),
        keyword: spec.keyword.clone(),
        keyword_mode: differs!(keyword_mode),
        follow_redirects: differs!(follow_redirects),
        interval_seconds: differs!(interval_seconds),
        timeout_seconds: differs!(timeout_seconds),
        regions: differs!(regions),
        region_threshold: differs!(region_threshold),
        incident_confirmations: differs!(incident_confirmations),
        recovery_confirmations: differs!(recovery_confirmations),
        ssl_expiry_days: differs!(ssl_expiry_days),
        tags: (!spec.tags.is_empty()).then(|| spec.tags.clone()),
        key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_names_and_stay_unique() {
        assert_eq!(slug("Checkout API (EU)"), "checkout-api-eu");
        assert_eq!(slug("  --  "), "object");
        assert_eq!(slug("Café"), "caf");
        assert_eq!(slug(&"a".repeat(100)).len(), 63);
        let managed = HashMap::from([(("monitor".to_owned(), 7), "api".to_owned())]);
        let mut keys = Keys::new("monitor", &managed);
        assert_eq!(keys.of(7, "Whatever"), "api");
        assert_eq!(keys.of(1, "API"), "api-2", "a managed key is taken");
        assert_eq!(keys.of(2, "API"), "api-3");
        assert_eq!(keys.of(3, "Web"), "web");
    }

    #[test]
    fn secrets_are_read_from_variables_named_after_their_object() {
        assert_eq!(
            variable("monitor", "checkout-api", "header_X-Api-Key"),
            "VIGIE_MONITOR_CHECKOUT_API_HEADER_X_API_KEY"
        );
        assert_eq!(variable("channel", "ops", "secret"), "VIGIE_CHANNEL_OPS_SECRET");
    }
}
