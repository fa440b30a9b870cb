//! The file's shape. Every object has a `key` (1–63 lower-case letters,
//! digits, `-` and `_`, unique among its kind); what a field does not say
//! takes the default a new object would have, so a file states each object
//! whole. Field names are the REST API's.

use crate::error::AppError;
use crate::model::{
    AlertEvent, ChannelKind, DnsMatch, DnsProtocol, DnsRecordType, KeywordMode, MonitorKind, Recipients,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

/// The version of the file's shape this server reads and writes.
pub const VERSION: u32 = 1;
/// At most this many objects of each kind in one file.
pub const OBJECTS_MAX: usize = 100_000;
pub const KEY_MAX: usize = 63;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default = "version")]
    pub version: u32,
    /// Agent regions, by name (their tokens are made in the console).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<MonitorEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_pages: Vec<PageEntry>,
}

fn version() -> u32 {
    VERSION
}

/// An empty file of this server's version.
impl Default for Document {
    fn default() -> Self {
        Self {
            version: VERSION,
            regions: Vec::new(),
            monitors: Vec::new(),
            channels: Vec::new(),
            rules: Vec::new(),
            status_pages: Vec::new(),
        }
    }
}

/// A monitor. `parent` is another monitor's key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorEntry {
    pub key: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MonitorKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<DnsRecordType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_server: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_protocol: Option<DnsProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_match: Option<DnsMatch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_loss_percent: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degraded_after_ms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degraded_incident: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Values are `${NAME}` references (or, discouraged, literal values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_mode: Option<KeywordMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_redirects: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_threshold: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_confirmations: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_confirmations: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_expiry_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// An alert channel. `url` of Slack and Discord and `secret` of a webhook
/// are `${NAME}` references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelEntry {
    pub key: String,
    pub kind: ChannelKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Recipients>,
}

/// An alert rule: `channel` is a channel's key, `monitors` monitors' keys
/// (left out: every monitor).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    pub key: String,
    pub name: String,
    pub events: Vec<AlertEvent>,
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitors: Option<Vec<String>>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_hour: Option<u32>,
}

/// A status page; its key is its slug's owner in the file (the slug may
/// change, the key stays).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageEntry {
    pub key: String,
    pub slug: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub default: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub published: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub allow_subscriptions: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent_color: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentEntry>,
}

/// A component: a monitor's key, the public name, the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentEntry {
    pub monitor: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Why a file cannot be read: where (`line`, when known) and what
/// (`field`, a path such as `monitors[2].interval_seconds`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", line.map(|l| format!("line {l}: ")).unwrap_or_default(), field)]
pub struct FileError {
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl FileError {
    pub fn new(line: Option<usize>, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { line, field: field.into(), message: message.into() }
    }

    /// A refusal of the checks every adapter shares, for an object of the
    /// file: its field joined to the object's path.
    pub fn of(error: AppError, path: &str, line: Option<usize>) -> Self {
        let field = match error.field() {
            Some(field) => format!("{path}.{field}"),
            None => path.to_owned(),
        };
        Self::new(line, field, error.to_string())
    }
}

impl From<AppError> for FileError {
    fn from(error: AppError) -> Self {
        Self::new(None, error.field().unwrap_or("database"), error.to_string())
    }
}

impl From<diesel::result::Error> for FileError {
    fn from(error: diesel::result::Error) -> Self {
        AppError::from(error).into()
    }
}

impl Document {
    /// Reads a file, YAML (JSON is YAML too): unknown fields, wrong types
    /// and repeated keys are refused with their line and path.
    pub fn parse(text: &str) -> Result<Self, FileError> {
        let deserializer = yaml_serde::Deserializer::from_str(text);
        let document: Self = serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let field = error.path().to_string();
            let inner = error.into_inner();
            let line = inner.location().map(|l| l.line());
            FileError::new(
                line,
                if field == "." { "file".to_owned() } else { field },
                plain_message(&inner.to_string()),
            )
        })?;
        document.check_keys(text)?;
        Ok(document)
    }

    /// Reads a file written as JSON, with JSON's lines and columns in
    /// errors (a JSON file is YAML too, but JSON's own reader says more).
    pub fn parse_json(text: &str) -> Result<Self, FileError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let document: Self = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let field = error.path().to_string();
            let inner = error.into_inner();
            let message = inner.to_string();
            let message = message.rfind(" at line ").map_or(message.as_str(), |at| &message[..at]).to_owned();
            FileError::new(Some(inner.line()), if field == "." { "file".to_owned() } else { field }, message)
        })?;
        document.check_keys(text)?;
        Ok(document)
    }

    /// Reads a file in either form: JSON when it opens with `{`, else YAML.
    pub fn parse_any(text: &str) -> Result<Self, FileError> {
        if text.trim_start().starts_with('{') { Self::parse_json(text) } else { Self::parse(text) }
    }

    /// The file, as `export` writes it.
    pub fn to_yaml(&self) -> String {
        yaml_serde::to_string(self).unwrap_or_default()
    }

    fn check_keys(&self, text: &str) -> Result<(), FileError> {
        if self.version != VERSION {
            return Err(FileError::new(None, "version", format!("This server reads version {VERSION}.")));
        }
        let kinds: [(&str, Vec<&str>); 4] = [
            ("monitors", self.monitors.iter().map(|m| m.key.as_str()).collect()),
            ("channels", self.channels.iter().map(|c| c.key.as_str()).collect()),
            ("rules", self.rules.iter().map(|r| r.key.as_str()).collect()),
            ("status_pages", self.status_pages.iter().map(|p| p.key.as_str()).collect()),
        ];
        for (kind, keys) in kinds {
            if keys.len() > OBJECTS_MAX {
                return Err(FileError::new(None, kind, format!("At most {OBJECTS_MAX}.")));
            }
            let mut seen = HashSet::new();
            for (index, key) in keys.iter().enumerate() {
                let path = format!("{kind}[{index}].key");
                if !valid_key(key) {
                    let message = format!(
                        "1 to {KEY_MAX} lower-case letters, digits, `-` and `_`, starting with a letter or digit."
                    );
                    return Err(FileError::new(line_of_key(text, key), path, message));
                }
                if !seen.insert(*key) {
                    return Err(FileError::new(line_of_key(text, key), path, format!("`{key}` is used twice.")));
                }
            }
        }
        Ok(())
    }
}

/// The JSON Schema (draft 2020-12) of the file, for editors to complete
/// and check it: the derived schema of [`Document`], the objects it holds
/// under `$defs`.
pub fn json_schema() -> serde_json::Value {
    use utoipa::PartialSchema;
    let mut parts = Vec::new();
    <Document as ToSchema>::schemas(&mut parts);
    let mut defs = serde_json::Map::new();
    for (name, schema) in parts {
        defs.insert(name, serde_json::to_value(schema).unwrap_or_default());
    }
    let mut schema = serde_json::to_value(<Document as PartialSchema>::schema()).unwrap_or_default();
    if let serde_json::Value::Object(root) = &mut schema {
        root.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
        root.insert("title".into(), "Vigie configuration".into());
        root.insert("$defs".into(), serde_json::Value::Object(defs));
    }
    point_refs_at_defs(&mut schema);
    schema
}

/// OpenAPI's `#/components/schemas/X` references as JSON Schema's `#/$defs/X`.
fn point_refs_at_defs(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    serde_json::Value::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            *target = format!("#/$defs/{name}");
                        }
                    }
                    _ => point_refs_at_defs(item),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(point_refs_at_defs),
        _ => {}
    }
}

/// The YAML reader's message without the path and the place, which the
/// error carries apart.
fn plain_message(message: &str) -> String {
    let message = message.rfind(" at line ").map_or(message, |at| &message[..at]);
    let message = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => rest,
        _ => message,
    };
    message.to_owned()
}

pub fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    key.len() <= KEY_MAX
        && chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The line (from 1) where `key: <key>` is written, for errors about that
/// object; the first one when the key is there twice.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches(['-', '{']).trim_start();
            let rest = line.strip_prefix("key:").or_else(|| line.strip_prefix("\"key\":"));
            rest.is_some_and(|rest| rest.trim().trim_end_matches(',').trim_matches(['"', '\'']) == key)
        })
        .map(|index| index + 1)
}

/// The name of a `${NAME}` reference, if `value` is one.
pub fn reference(value: &str) -> Option<&str> {
    let name = value.strip_prefix("${")?.strip_suffix('}')?;
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    valid.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
version: 1
monitors:
  - key: api
    name: API
    url: https://api.example.com/health
    headers:
      Authorization: ${API_TOKEN}
  - key: db
    name: Database
    kind: tcp
    host: db.internal
    port: 5432
    parent: api
channels:
  - key: ops
    kind: webhook
    name: Ops
    url: https://hooks.example.com/vigie
    secret: ${OPS_SECRET}
rules:
  - key: ops-all
    name: Everything to ops
    events: [incident_created, incident_resolved]
    channel: ops
status_pages:
  - key: public
    slug: acme
    title: Acme status
    published: true
    components:
      - monitor: api
        name: API
";

    #[test]
    fn a_file_reads_and_writes_back_the_same() {
        let document = Document::parse(FILE).unwrap();
        assert_eq!(document.monitors.len(), 2);
        assert_eq!(document.monitors[1].parent.as_deref(), Some("api"));
        assert_eq!(document.monitors[1].kind, Some(MonitorKind::Tcp));
        assert!(document.rules[0].enabled, "enabled unless said");
        assert!(document.status_pages[0].allow_subscriptions);
        let again = Document::parse(&document.to_yaml()).unwrap();
        assert_eq!(again, document);
    }

    #[test]
    fn mistakes_are_named_with_their_line_and_path() {
        let typo = FILE.replace("    port: 5432", "    prot: 5432");
        let error = Document::parse(&typo).unwrap_err();
        assert_eq!(error.field, "monitors[1].prot", "{error}");
        assert!(error.message.starts_with("unknown field `prot`"), "{error}");
        assert_eq!(error.line, Some(12), "{error}");
        assert!(error.message.contains("prot"), "{error}");

        let wrong_type = FILE.replace("port: 5432", "port: many");
        let error = Document::parse(&wrong_type).unwrap_err();
        assert_eq!(error.field, "monitors[1].port", "{error}");
        assert_eq!(error.line, Some(12), "{error}");

        let twice = FILE.replace("key: db", "key: api");
        let error = Document::parse(&twice).unwrap_err();
        assert_eq!((error.field.as_str(), error.line), ("monitors[1].key", Some(3)), "{error}");

        let bad = FILE.replace("key: ops-all", "key: Ops All");
        let error = Document::parse(&bad).unwrap_err();
        assert_eq!((error.field.as_str(), error.line), ("rules[0].key", Some(21)), "{error}");

        let error = Document::parse("version: 2\n").unwrap_err();
        assert_eq!(error.field, "version");
    }

    #[test]
    fn json_files_are_read_with_their_lines() {
        let document = Document::parse(FILE).unwrap();
        let json = serde_json::to_string_pretty(&document).unwrap();
        assert_eq!(Document::parse_any(&json).unwrap(), document);
        let typo = json.replacen("\"port\"", "\"prot\"", 1);
        let error = Document::parse_any(&typo).unwrap_err();
        let line = typo.lines().position(|l| l.contains("\"prot\"")).unwrap() + 1;
        assert_eq!((error.field.as_str(), error.line), ("monitors[1].prot", Some(line)), "{error}");
        let twice = json.replace("\"key\": \"db\"", "\"key\": \"api\"");
        let error = Document::parse_any(&twice).unwrap_err();
        let first = json.lines().position(|l| l.contains("\"key\": \"api\"")).unwrap() + 1;
        assert_eq!((error.field.as_str(), error.line), ("monitors[1].key", Some(first)), "{error}");
    }

    #[test]
    fn the_schema_describes_every_object_and_refuses_unknown_fields() {
        let schema = json_schema();
        let text = schema.to_string();
        assert!(!text.contains("#/components/"), "{text}");
        let defs = schema["$defs"].as_object().unwrap();
        for name in ["MonitorEntry", "ChannelEntry", "RuleEntry", "PageEntry", "ComponentEntry", "MonitorKind"] {
            assert!(defs.contains_key(name), "{name} missing from {:?}", defs.keys().collect::<Vec<_>>());
        }
        // Every reference points at a definition that is there.
        for target in text.split("\"$ref\":\"#/$defs/").skip(1) {
            let name = &target[..target.find('"').unwrap()];
            assert!(defs.contains_key(name), "{name} is referred to but not defined");
        }
        assert_eq!(schema["additionalProperties"], serde_json::json!(false), "{text}");
        assert_eq!(defs["MonitorEntry"]["additionalProperties"], serde_json::json!(false));
        let required = defs["MonitorEntry"]["required"].as_array().unwrap();
        assert!(required.contains(&"key".into()) && required.contains(&"name".into()), "{required:?}");
        assert!(!required.contains(&"url".into()), "{required:?}");
    }

    #[test]
    fn references_are_whole_values_of_capitals() {
        assert_eq!(reference("${API_TOKEN}"), Some("API_TOKEN"));
        for value in ["${}", "${api}", "Bearer ${TOKEN}", "${1A}", "$API", "${A B}"] {
            assert_eq!(reference(value), None, "{value}");
        }
    }
}
