//! `vigie apply`: brings the database to what a file declares, in one
//! transaction, through the checks and audit of the console and the API.
//! The plan is what applying did: a dry run applies and rolls back, so it
//! says exactly what a real run would do, refusals included.
//!
//! An object of the file is found by its key among the objects a file
//! manages (`config_objects`); failing that, an unmanaged object of the
//! same kind and name (a page: slug; a channel: kind and name) is taken
//! over, so applying an exported file changes nothing; else it is created.
//! Objects the file does not list are left alone, unless `prune` and a
//! file once managed them.

use super::document::{Document, FileError, line_of_key, reference};
use super::export::managed_keys;
use crate::error::AppError;
use crate::model::{AlertRuleInput, ChannelInput, MonitorInput, PageComponent, StatusPageInput};
use crate::ssr::MonitorSettings;
use crate::ssr::alerts;
use crate::ssr::db::schema::config_objects;
use crate::ssr::db::{alert_rules, channels, regions, status_pages as page_rows};
use crate::ssr::monitoring::monitors::{self, MonitorSpec};
use crate::ssr::monitoring::regions as region_ops;
use crate::ssr::status_pages;
use crate::ssr::team::audit::Actor;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Change,
    Delete,
}

/// One field of a change: before and after, secrets shown as `(secret)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub operation: Operation,
    /// `region`, `monitor`, `channel`, `rule`, `status_page`.
    pub kind: &'static str,
    pub key: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<Change>,
}

/// What an apply did, and the secrets it made (a new region's agent token,
/// a new heartbeat's ping URL), shown once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub plan: Plan,
    pub made: Vec<(String, String)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// `(create, change, delete)` counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |op| self.changes.iter().filter(|c| c.operation == op).count();
        (count(Operation::Create), count(Operation::Change), count(Operation::Delete))
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return writeln!(f, "No changes: the database is as the file says.");
        }
        for change in &self.changes {
            let sign = match change.operation {
                Operation::Create => '+',
                Operation::Change => '~',
                Operation::Delete => '-',
            };
            writeln!(f, "{sign} {} {}", change.kind, change.key)?;
            for field in &change.fields {
                match change.operation {
                    Operation::Create => writeln!(f, "    {}: {}", field.field, field.after)?,
                    _ => writeln!(f, "    {}: {} -> {}", field.field, field.before, field.after)?,
                }
            }
        }
        let (create, change, delete) = self.counts();
        writeln!(f, "{create} to create, {change} to change, {delete} to delete.")
    }
}

/// Where `apply` reads `${NAME}` references.
pub type Environment<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What an apply needs besides the file.
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub settings: &'a MonitorSettings,
    pub env: Environment<'a>,
    pub prune: bool,
    pub now: DateTime<Utc>,
}

/// The changes `document` (read from `text`, for line numbers) makes, and
/// rolled back.
pub fn plan(
    conn: &mut PgConnection,
    context: &Context<'_>,
    document: &Document,
    text: &str,
) -> Result<Plan, FileError> {
    let result = conn.transaction::<(), Outcome, _>(|conn| match converge(conn, context, document, text) {
        Ok(applied) => Err(Outcome::Planned(applied)),
        Err(error) => Err(Outcome::Failed(error)),
    });
    match result {
        Err(Outcome::Planned(applied)) => Ok(applied.plan),
        Err(Outcome::Failed(error)) => Err(error),
        Ok(()) => Ok(Plan::default()),
    }
}

/// Applies `document` in one transaction: all of it, or nothing.
pub fn apply(
    conn: &mut PgConnection,
    context: &Context<'_>,
    document: &Document,
    text: &str,
) -> Result<Applied, FileError> {
    conn.transaction(|conn| converge(conn, context, document, text))
}

/// How a dry run ends its transaction: rolled back either way.
enum Outcome {
    Planned(Applied),
    Failed(FileError),
}

impl From<diesel::result::Error> for Outcome {
    fn from(error: diesel::result::Error) -> Self {
        Self::Failed(error.into())
    }
}

/// Keeps the file's lines at hand for errors.
struct Source<'a> {
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, error: AppError, kind: &str, index: usize, key: &str) -> FileError {
        FileError::of(error, &format!("{kind}[{index}]"), line_of_key(self.text, key))
    }

    fn refuse(&self, kind: &str, index: usize, key: &str, field: &str, message: impl Into<String>) -> FileError {
        FileError::new(line_of_key(self.text, key), format!("{kind}[{index}].{field}"), message)
    }
}

const SECRET: &str = "(secret)";

fn converge(
    conn: &mut PgConnection,
    context: &Context<'_>,
    document: &Document,
    text: &str,
) -> Result<Applied, FileError> {
    let source = Source { text };
    let mut applied = Applied::default();
    let managed = managed_keys(conn)?;
    let by_key: HashMap<(&str, &str), i64> =
        managed.iter().map(|((kind, id), key)| ((kind.as_str(), key.as_str()), *id)).collect();
    let id_of = |kind: &str, key: &str| by_key.get(&(kind, key)).copied();

    // Regions, by name: created when missing, never deleted from here.
    let known: HashSet<String> = regions::list_names(conn)?.into_iter().collect();
    for (index, name) in document.regions.iter().enumerate() {
        if known.contains(name) {
            continue;
        }
        let created = region_ops::create_region(conn, context.actor, name)
            .map_err(|error| FileError::of(error, &format!("regions[{index}]"), None))?;
        applied.made.push((format!("agent token of region {name}"), created.token));
        applied.plan.changes.push(Change {
            operation: Operation::Create,
            kind: "region",
            key: name.clone(),
            fields: Vec::new(),
        });
    }
    let rules = monitors::rules(conn, context.settings.min_interval_seconds, &context.settings.region)?;

    // Monitors, each after its parent.
    let monitors_by_key: HashMap<&str, usize> =
        document.monitors.iter().enumerate().map(|(index, m)| (m.key.as_str(), index)).collect();
    let order = parents_first(document, &monitors_by_key, &source)?;
    let existing = monitors::all_unmasked(conn)?;
    let mut unmanaged_by_name: HashMap<&str, Vec<i64>> = HashMap::new();
    for monitor in &existing {
        if !managed.contains_key(&("monitor".to_owned(), monitor.id)) {
            unmanaged_by_name.entry(monitor.name.as_str()).or_default().push(monitor.id);
        }
    }
    let existing: HashMap<i64, &crate::model::Monitor> = existing.iter().map(|m| (m.id, m)).collect();
    let mut monitor_ids: HashMap<String, i64> = HashMap::new();
    for index in order {
        let entry = &document.monitors[index];
        let current = id_of("monitor", &entry.key)
            .filter(|id| existing.contains_key(id))
            .or_else(|| match unmanaged_by_name.get(entry.name.as_str()).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                _ => None,
            })
            .and_then(|id| existing.get(&id).copied());
        let parent_id = match &entry.parent {
            Some(parent) => Some(monitor_ids.get(parent).copied().ok_or_else(|| {
                source.refuse("monitors", index, &entry.key, "parent", format!("No monitor has the key `{parent}`."))
            })?),
            None => None,
        };
        let input = monitor_input(entry, parent_id, context.env)
            .map_err(|(field, message)| source.refuse("monitors", index, &entry.key, &field, message))?;
        let kind = input.kind.unwrap_or(crate::model::MonitorKind::Http);
        let spec = monitors::check(monitors::defaults_for(&rules, kind).apply(input), &rules)
            .map_err(|error| source.error(error, "monitors", index, &entry.key))?;
        let before = current.map(MonitorSpec::of);
        let fields = spec_changes(before.as_ref(), &spec);
        let saved = if before.as_ref() == Some(&spec) {
            current.map(|m| m.id).unwrap_or_default()
        } else {
            let saved = monitors::store_checked(conn, current.map(|m| m.id), &spec)
                .map_err(|error| source.error(error, "monitors", index, &entry.key))?;
            if let Some(url) = &saved.ping_url
                && current.is_none_or(|c| c.ping_url.is_none())
            {
                applied.made.push((format!("ping path of monitor {}", entry.key), url.clone()));
            }
            let operation = if current.is_some() { Operation::Change } else { Operation::Create };
            applied.plan.changes.push(Change { operation, kind: "monitor", key: entry.key.clone(), fields });
            saved.id
        };
        mark(conn, "monitor", &entry.key, saved)?;
        monitor_ids.insert(entry.key.clone(), saved);
    }

    // Channels.
    let rows = channels::list(conn)?;
    let mut channel_ids: HashMap<String, i64> = HashMap::new();
    for (index, entry) in document.channels.iter().enumerate() {
        let current = id_of("channel", &entry.key).and_then(|id| rows.iter().find(|r| r.id == id)).or_else(|| {
            let same: Vec<_> = rows
                .iter()
                .filter(|r| r.kind == entry.kind && r.name == entry.name)
                .filter(|r| !managed.contains_key(&("channel".to_owned(), r.id)))
                .collect();
            if let [one] = same.as_slice() { Some(*one) } else { None }
        });
        let resolve = |field: &str, value: &Option<String>| -> Result<Option<String>, FileError> {
            value
                .as_deref()
                .map(|v| resolved(v, context.env))
                .transpose()
                .map_err(|message| source.refuse("channels", index, &entry.key, field, message))
        };
        let input = ChannelInput {
            kind: Some(entry.kind),
            name: Some(entry.name.clone()),
            url: resolve("url", &entry.url)?,
            secret: resolve("secret", &entry.secret)?,
            to: entry.to.clone(),
        };
        let valid = alerts::validate_channel(input.clone(), current)
            .map_err(|error| source.error(error, "channels", index, &entry.key))?;
        let id = match current {
            Some(row) => {
                let secret_url = row.kind != crate::model::ChannelKind::Webhook;
                let mut fields = Vec::new();
                diff(&mut fields, "name", &row.name, &valid.name);
                if row.url != valid.url {
                    let show = |url: &Option<String>| if secret_url { SECRET.to_owned() } else { shown(url) };
                    fields.push(FieldChange { field: "url".into(), before: show(&row.url), after: show(&valid.url) });
                }
                if row.secret != valid.secret {
                    fields.push(FieldChange { field: "secret".into(), before: SECRET.into(), after: SECRET.into() });
                }
                diff(&mut fields, "to", &row.recipients.join(", "), &valid.recipients.join(", "));
                if !fields.is_empty() {
                    alerts::update_channel(conn, context.actor, row.id, input, context.now)
                        .map_err(|error| source.error(error, "channels", index, &entry.key))?;
                    applied.plan.changes.push(Change {
                        operation: Operation::Change,
                        kind: "channel",
                        key: entry.key.clone(),
                        fields,
                    });
                }
                row.id
            }
            None => {
                let channel = alerts::create_channel(conn, context.actor, input, context.now)
                    .map_err(|error| source.error(error, "channels", index, &entry.key))?;
                let fields = vec![
                    FieldChange { field: "kind".into(), before: String::new(), after: entry.kind.to_string() },
                    FieldChange { field: "name".into(), before: String::new(), after: entry.name.clone() },
                ];
                applied.plan.changes.push(Change {
                    operation: Operation::Create,
                    kind: "channel",
                    key: entry.key.clone(),
                    fields,
                });
                channel.id
            }
        };
        mark(conn, "channel", &entry.key, id)?;
        channel_ids.insert(entry.key.clone(), id);
    }

    // Rules.
    let rows = alert_rules::list(conn)?;
    let mut rule_ids = HashSet::new();
    for (index, entry) in document.rules.iter().enumerate() {
        let channel_id = *channel_ids.get(&entry.channel).ok_or_else(|| {
            source.refuse("rules", index, &entry.key, "channel", format!("No channel has the key `{}`.", entry.channel))
        })?;
        let chosen = match &entry.monitors {
            Some(keys) => Some(
                keys.iter()
                    .map(|key| {
                        monitor_ids.get(key).copied().ok_or_else(|| {
                            source.refuse(
                                "rules",
                                index,
                                &entry.key,
                                "monitors",
                                format!("No monitor has the key `{key}`."),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let input = AlertRuleInput {
            name: Some(entry.name.clone()),
            events: Some(entry.events.clone()),
            channel_id: Some(channel_id),
            monitor_ids: Some(chosen),
            enabled: Some(entry.enabled),
            max_per_hour: Some(entry.max_per_hour),
        };
        let current = id_of("rule", &entry.key).and_then(|id| rows.iter().find(|(r, _)| r.id == id)).or_else(|| {
            let same: Vec<_> = rows
                .iter()
                .filter(|(r, _)| r.name == entry.name && !managed.contains_key(&("rule".to_owned(), r.id)))
                .collect();
            if let [one] = same.as_slice() { Some(*one) } else { None }
        });
        let valid = alerts::validate_rule(input.clone(), current.map(|(row, _)| row))
            .map_err(|error| source.error(error, "rules", index, &entry.key))?;
        let mut fields = Vec::new();
        let (before_name, before_events, before_channel, before_monitors, before_enabled, before_max) = match current {
            Some((row, _)) => (
                row.name.clone(),
                row.events.join(", "),
                row.channel_id,
                row.monitor_ids.clone(),
                row.enabled,
                row.max_per_hour,
            ),
            None => (String::new(), String::new(), 0, None, true, None),
        };
        diff(&mut fields, "name", &before_name, &valid.name);
        diff(&mut fields, "events", &before_events, &valid.events.join(", "));
        if before_channel != valid.channel_id {
            let key_of =
                |id: i64| channel_ids.iter().find(|(_, v)| **v == id).map(|(k, _)| k.clone()).unwrap_or_default();
            fields.push(FieldChange {
                field: "channel".into(),
                before: key_of(before_channel),
                after: entry.channel.clone(),
            });
        }
        if before_monitors != valid.monitor_ids {
            let keys = |ids: &Option<Vec<i64>>| match ids {
                None => "every monitor".to_owned(),
                Some(ids) => ids
                    .iter()
                    .map(|id| monitor_ids.iter().find(|(_, v)| **v == *id).map_or(id.to_string(), |(k, _)| k.clone()))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            fields.push(FieldChange {
                field: "monitors".into(),
                before: keys(&before_monitors),
                after: keys(&valid.monitor_ids),
            });
        }
        diff(&mut fields, "enabled", &before_enabled.to_string(), &valid.enabled.to_string());
        diff(&mut fields, "max_per_hour", &shown(&before_max), &shown(&valid.max_per_hour));
        let id = match current {
            Some((row, _)) => {
                if !fields.is_empty() {
                    alerts::update_rule(conn, row.id, input, context.now)
                        .map_err(|error| source.error(error, "rules", index, &entry.key))?;
                    applied.plan.changes.push(Change {
                        operation: Operation::Change,
                        kind: "rule",
                        key: entry.key.clone(),
                        fields,
                    });
                }
                row.id
            }
            None => {
                let rule = alerts::create_rule(conn, input, context.now)
                    .map_err(|error| source.error(error, "rules", index, &entry.key))?;
                applied.plan.changes.push(Change {
                    operation: Operation::Create,
                    kind: "rule",
                    key: entry.key.clone(),
                    fields,
                });
                rule.id
            }
        };
        mark(conn, "rule", &entry.key, id)?;
        rule_ids.insert(id);
    }

    // Status pages.
    let pages = page_rows::list(conn)?;
    let page_ids_all: Vec<i64> = pages.iter().map(|p| p.id).collect();
    let mut components_of = page_rows::components_of(conn, &page_ids_all)?;
    let mut page_ids = HashSet::new();
    for (index, entry) in document.status_pages.iter().enumerate() {
        let components = entry
            .components
            .iter()
            .map(|c| {
                let monitor_id = monitor_ids.get(&c.monitor).copied().ok_or_else(|| {
                    source.refuse(
                        "status_pages",
                        index,
                        &entry.key,
                        "components",
                        format!("No monitor has the key `{}`.", c.monitor),
                    )
                })?;
                Ok(PageComponent { monitor_id, name: c.name.clone(), group: c.group.clone() })
            })
            .collect::<Result<Vec<_>, FileError>>()?;
        let input = StatusPageInput {
            slug: Some(entry.slug.clone()),
            title: Some(entry.title.clone()),
            description: Some(entry.description.clone()),
            is_default: Some(entry.default),
            published: Some(entry.published),
            allow_subscriptions: Some(entry.allow_subscriptions),
            custom_domain: Some(entry.custom_domain.clone()),
            logo_url: Some(entry.logo_url.clone()),
            accent_color: Some(entry.accent_color.clone()),
            components: Some(components),
        };
        let current = id_of("status_page", &entry.key).and_then(|id| pages.iter().find(|p| p.id == id)).or_else(|| {
            pages.iter().find(|p| p.slug == entry.slug && !managed.contains_key(&("status_page".to_owned(), p.id)))
        });
        let valid = status_pages::validate(input.clone(), current)
            .map_err(|error| source.error(error, "status_pages", index, &entry.key))?;
        let mut fields = Vec::new();
        if let Some(row) = current {
            diff(&mut fields, "slug", &row.slug, &valid.slug);
            diff(&mut fields, "title", &row.title, &valid.title);
            diff(&mut fields, "description", &row.description, &valid.description);
            diff(&mut fields, "default", &row.is_default.to_string(), &valid.is_default.to_string());
            diff(&mut fields, "published", &row.published.to_string(), &valid.published.to_string());
            diff(
                &mut fields,
                "allow_subscriptions",
                &row.allow_subscriptions.to_string(),
                &valid.allow_subscriptions.to_string(),
            );
            diff(&mut fields, "custom_domain", &shown(&row.custom_domain), &shown(&valid.custom_domain));
            diff(&mut fields, "logo_url", &shown(&row.logo_url), &shown(&valid.logo_url));
            diff(&mut fields, "accent_color", &shown(&row.accent_color), &shown(&valid.accent_color));
            let before = components_of.remove(&row.id).unwrap_or_default();
            if valid.components.as_ref().is_some_and(|after| *after != before) {
                let count = |n: usize| format!("{n} component(s)");
                let after = valid.components.as_ref().map_or(0, Vec::len);
                fields.push(FieldChange {
                    field: "components".into(),
                    before: count(before.len()),
                    after: count(after),
                });
            }
        } else {
            diff(&mut fields, "slug", "", &valid.slug);
            diff(&mut fields, "title", "", &valid.title);
        }
        let id = match current {
            Some(row) => {
                if !fields.is_empty() {
                    status_pages::update(conn, context.actor, row.id, input, context.now)
                        .map_err(|error| source.error(error, "status_pages", index, &entry.key))?;
                    applied.plan.changes.push(Change {
                        operation: Operation::Change,
                        kind: "status_page",
                        key: entry.key.clone(),
                        fields,
                    });
                }
                row.id
            }
            None => {
                let page = status_pages::create(conn, context.actor, input, context.now)
                    .map_err(|error| source.error(error, "status_pages", index, &entry.key))?;
                applied.plan.changes.push(Change {
                    operation: Operation::Create,
                    kind: "status_page",
                    key: entry.key.clone(),
                    fields,
                });
                page.id
            }
        };
        mark(conn, "status_page", &entry.key, id)?;
        page_ids.insert(id);
    }

    if context.prune {
        prune(conn, context, document, &mut applied)?;
    }
    Ok(applied)
}

/// Deletes what a file once managed and this one no longer lists: rules,
/// pages, channels, then monitors (children first).
fn prune(
    conn: &mut PgConnection,
    context: &Context<'_>,
    document: &Document,
    applied: &mut Applied,
) -> Result<(), FileError> {
    let listed: HashSet<(&str, &str)> = document
        .monitors
        .iter()
        .map(|m| ("monitor", m.key.as_str()))
        .chain(document.channels.iter().map(|c| ("channel", c.key.as_str())))
        .chain(document.rules.iter().map(|r| ("rule", r.key.as_str())))
        .chain(document.status_pages.iter().map(|p| ("status_page", p.key.as_str())))
        .collect();
    let managed: Vec<(String, String, i64)> = config_objects::table
        .select((config_objects::kind, config_objects::key, config_objects::object_id))
        .load(conn)?;
    let mut gone: Vec<(String, String, i64)> =
        managed.into_iter().filter(|(kind, key, _)| !listed.contains(&(kind.as_str(), key.as_str()))).collect();
    // What refers to others goes first; newer monitors (children) before older.
    const ORDER: [&str; 4] = ["rule", "status_page", "channel", "monitor"];
    let rank = |kind: &str| ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len() - 1);
    gone.sort_by_key(|(kind, _, id)| (rank(kind), std::cmp::Reverse(*id)));
    for (stored, key, id) in gone {
        let kind = ORDER[rank(&stored)];
        let result = match kind {
            "rule" => alerts::delete_rule(conn, id),
            "status_page" => status_pages::delete(conn, context.actor, id),
            "channel" => alerts::delete_channel(conn, context.actor, id),
            _ => monitors::delete(conn, id),
        };
        match result {
            Ok(()) | Err(AppError::NotFound { .. }) => {}
            Err(error) => return Err(FileError::of(error, &format!("{kind} {key}"), None)),
        }
        diesel::delete(config_objects::table.find((stored.as_str(), key.as_str()))).execute(conn)?;
        applied.plan.changes.push(Change { operation: Operation::Delete, kind, key, fields: Vec::new() });
    }
    Ok(())
}

/// Records that the file's `key` of `kind` is object `id`.
fn mark(conn: &mut PgConnection, kind: &str, key: &str, id: i64) -> QueryResult<()> {
    diesel::delete(
        config_objects::table.filter(config_objects::kind.eq(kind)).filter(config_objects::object_id.eq(id)),
    )
    .execute(conn)?;
    diesel::insert_into(config_objects::table)
        .values((config_objects::kind.eq(kind), config_objects::key.eq(key), config_objects::object_id.eq(id)))
        .on_conflict((config_objects::kind, config_objects::key))
        .do_update()
        .set((config_objects::object_id.eq(id), config_objects::applied_at.eq(diesel::dsl::now)))
        .execute(conn)?;
    Ok(())
}

/// The monitors' indexes, each after its parent; a parent that is not in
/// the file, or a loop, is refused.
fn parents_first(
    document: &Document,
    by_key: &HashMap<&str, usize>,
    source: &Source<'_>,
) -> Result<Vec<usize>, FileError> {
    let mut order = Vec::with_capacity(document.monitors.len());
    let mut placed = vec![false; document.monitors.len()];
    for start in 0..document.monitors.len() {
        let mut chain = Vec::new();
        let mut at = start;
        while !placed[at] {
            if chain.contains(&at) {
                let entry = &document.monitors[start];
                return Err(source.refuse("monitors", start, &entry.key, "parent", "The parents make a loop."));
            }
            chain.push(at);
            match document.monitors[at].parent.as_deref() {
                Some(parent) => {
                    at = *by_key.get(parent).ok_or_else(|| {
                        let entry = &document.monitors[at];
                        source.refuse(
                            "monitors",
                            at,
                            &entry.key,
                            "parent",
                            format!("No monitor has the key `{parent}`."),
                        )
                    })?;
                }
                None => break,
            }
        }
        for index in chain.into_iter().rev() {
            if !placed[index] {
                placed[index] = true;
                order.push(index);
            }
        }
    }
    Ok(order)
}

/// A monitor entry as the API's input, its references read.
fn monitor_input(
    entry: &super::MonitorEntry,
    parent_id: Option<i64>,
    env: Environment<'_>,
) -> Result<MonitorInput, (String, String)> {
    let headers = match &entry.headers {
        Some(headers) => {
            let mut out = BTreeMap::new();
            for (name, value) in headers {
                let value = resolved(value, env).map_err(|message| (format!("headers.{name}"), message))?;
                out.insert(name.clone(), value);
            }
            Some(out)
        }
        None => None,
    };
    let body = entry.body.as_deref().map(|b| resolved(b, env)).transpose().map_err(|m| ("body".to_owned(), m))?;
    Ok(MonitorInput {
        name: Some(entry.name.clone()),
        kind: entry.kind,
        url: entry.url.clone(),
        host: entry.host.clone(),
        port: entry.port,
        record_type: entry.record_type,
        dns_server: entry.dns_server.clone(),
        dns_protocol: entry.dns_protocol,
        expected_values: entry.expected_values.clone(),
        expected_match: entry.expected_match,
        ping_count: entry.ping_count,
        max_loss_percent: entry.max_loss_percent,
        period_seconds: entry.period_seconds,
        cron: entry.cron.clone(),
        timezone: entry.timezone.clone(),
        grace_seconds: entry.grace_seconds,
        degraded_after_ms: entry.degraded_after_ms,
        degraded_incident: entry.degraded_incident,
        parent_id,
        method: entry.method.clone(),
        headers,
        body,
        accepted_status: entry.accepted_status.clone(),
        keyword: entry.keyword.clone(),
        keyword_mode: entry.keyword_mode,
        follow_redirects: entry.follow_redirects,
        interval_seconds: entry.interval_seconds,
        timeout_seconds: entry.timeout_seconds,
        regions: entry.regions.clone(),
        region_threshold: entry.region_threshold,
        incident_confirmations: entry.incident_confirmations,
        recovery_confirmations: entry.recovery_confirmations,
        ssl_expiry_days: entry.ssl_expiry_days,
        tags: entry.tags.clone(),
    })
}

/// A value, or the value of its `${NAME}` reference.
fn resolved(value: &str, env: Environment<'_>) -> Result<String, String> {
    match reference(value) {
        Some(name) => env(name).ok_or_else(|| {
            format!("No value for ${{{name}}}: set {name} in the environment of `vigie apply`, or in `variables` of the API request.")
        }),
        None => Ok(value.to_owned()),
    }
}

/// The fields of a monitor that change, headers and body as `(secret)`.
fn spec_changes(before: Option<&MonitorSpec>, after: &MonitorSpec) -> Vec<FieldChange> {
    let as_map = |spec: Option<&MonitorSpec>| -> serde_json::Map<String, serde_json::Value> {
        match spec.map(serde_json::to_value) {
            Some(Ok(serde_json::Value::Object(map))) => map,
            _ => serde_json::Map::new(),
        }
    };
    let (before, after) = (as_map(before), as_map(Some(after)));
    let mut fields = Vec::new();
    for (field, value) in &after {
        let old = before.get(field).cloned().unwrap_or(serde_json::Value::Null);
        if old == *value {
            continue;
        }
        let text = |value: &serde_json::Value| match value {
            serde_json::Value::Null => "(none)".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let secret = field == "headers" || field == "body";
        let (before, after) = if secret { (SECRET.to_owned(), SECRET.to_owned()) } else { (text(&old), text(value)) };
        fields.push(FieldChange {
            field: if field == "parent_id" { "parent".into() } else { field.clone() },
            before,
            after,
        });
    }
    fields
}

fn diff(fields: &mut Vec<FieldChange>, field: &str, before: &str, after: &str) {
    if before != after {
        fields.push(FieldChange { field: field.to_owned(), before: before.to_owned(), after: after.to_owned() });
    }
}

fn shown<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map_or_else(|| "(none)".to_owned(), ToString::to_string)
}
