//! Configuration as code: a database made through the API is exported
//! (no secret in the file, the variables named), applied back with no
//! change, applied to an empty database and exported again to the same
//! file; a changed file is planned field by field and applied; `prune`
//! removes only what a file managed; errors name the line and the field,
//! and a refused file changes nothing.

use crate::common::TestApp;
use app::model::Role;
use app::ssr::MonitorSettings;
use app::ssr::config::{self, Document, Operation, apply::Context};
use app::ssr::db::schema::{config_objects, monitors as monitor_rows};
use app::ssr::monitoring::monitors;
use app::ssr::team::audit::Actor;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::json;
use server::http::rest::config as config_api;
use std::collections::HashMap;

const HEADER_SECRET: &str = "Bearer header-secret-Z81";
const WEBHOOK_SECRET: &str = "webhook-secret-0123456789-Q7";
const SLACK_URL: &str = "https://hooks.slack.test/services/slack-secret-M4";

async fn populate(app: &TestApp) {
    let user = app.user("ops@example.com", Role::Admin);
    let token = app.token(user.id);
    let call = async |path: &str, body: serde_json::Value| {
        let reply = app.api(Method::POST, path, Some(&token), Some(body)).await;
        assert!(reply.status.is_success(), "{path}: {} {}", reply.status, reply.body);
        reply.json()["id"].as_i64().unwrap()
    };
    let api = call(
        "/api/v1/monitors",
        json!({"name": "Checkout API", "url": "https://api.example.test/health", "interval_seconds": 60,
               "headers": {"Authorization": HEADER_SECRET}, "tags": ["payments"]}),
    )
    .await;
    let db = call(
        "/api/v1/monitors",
        json!({"name": "Database", "kind": "tcp", "host": "db.example.test", "port": 5432, "parent_id": api}),
    )
    .await;
    call("/api/v1/monitors", json!({"name": "Nightly backup", "kind": "heartbeat", "cron": "0 2 * * *"})).await;
    let hook = call(
        "/api/v1/channels",
        json!({"kind": "webhook", "name": "Ops hook", "url": "https://hooks.example.test/vigie", "secret": WEBHOOK_SECRET}),
    )
    .await;
    call("/api/v1/channels", json!({"kind": "slack", "name": "Ops Slack", "url": SLACK_URL})).await;
    call(
        "/api/v1/alert-rules",
        json!({"name": "Payments to ops", "events": ["incident_created", "incident_resolved"],
               "channel_id": hook, "monitor_ids": [api, db], "max_per_hour": 10}),
    )
    .await;
    call(
        "/api/v1/status-pages",
        json!({"slug": "acme", "title": "Acme status", "published": true,
               "components": [{"monitor_id": api, "name": "Checkout", "group": "Shop"},
                              {"monitor_id": db, "name": "Storage"}]}),
    )
    .await;
}

fn secrets() -> HashMap<String, String> {
    HashMap::from([
        ("VIGIE_MONITOR_CHECKOUT_API_HEADER_AUTHORIZATION".to_owned(), HEADER_SECRET.to_owned()),
        ("VIGIE_CHANNEL_OPS_HOOK_SECRET".to_owned(), WEBHOOK_SECRET.to_owned()),
        ("VIGIE_CHANNEL_OPS_SLACK_URL".to_owned(), SLACK_URL.to_owned()),
    ])
}

fn export(app: &TestApp) -> config::Exported {
    let settings = MonitorSettings::default();
    let mut conn = app.db.conn();
    let rules = monitors::rules(&mut conn, settings.min_interval_seconds, &settings.region).unwrap();
    config::export(&mut conn, &rules).unwrap()
}

fn run(
    app: &TestApp,
    text: &str,
    env: &HashMap<String, String>,
    prune: bool,
    dry_run: bool,
) -> Result<config::Plan, config::document::FileError> {
    let document = Document::parse(text)?;
    let settings = MonitorSettings::default();
    let actor = Actor::command_line();
    let lookup = |name: &str| env.get(name).cloned();
    let context = Context { actor: &actor, settings: &settings, env: &lookup, prune, now: Utc::now() };
    let mut conn = app.db.conn();
    if dry_run {
        config::plan(&mut conn, &context, &document, text)
    } else {
        config::apply(&mut conn, &context, &document, text).map(|applied| applied.plan)
    }
}

fn managed(app: &TestApp) -> i64 {
    config_objects::table.count().get_result(&mut app.db.conn()).unwrap()
}

fn monitor_count(app: &TestApp) -> i64 {
    monitor_rows::table.count().get_result(&mut app.db.conn()).unwrap()
}

#[tokio::test]
async fn a_database_exports_to_a_file_that_applies_back_and_round_trips() {
    let app = TestApp::new();
    populate(&app).await;
    let exported = export(&app);
    let yaml = exported.document.to_yaml();
    for secret in [HEADER_SECRET, WEBHOOK_SECRET, SLACK_URL, "slack-secret"] {
        assert!(!yaml.contains(secret), "the file shows {secret}:\n{yaml}");
    }
    let mut expected: Vec<String> = secrets().into_keys().collect();
    expected.sort();
    assert_eq!(exported.variables, expected, "{yaml}");
    for line in
        ["key: checkout-api", "parent: checkout-api", "channel: ops-hook", "monitor: checkout-api", "slug: acme"]
    {
        assert!(yaml.contains(line), "{line} missing:\n{yaml}");
    }
    assert!(!yaml.contains("id:"), "ids never appear:\n{yaml}");

    // Applied to the database it came from: nothing to do, and the objects
    // are now managed (not by the dry run).
    let env = secrets();
    let plan = run(&app, &yaml, &env, false, true).unwrap();
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(managed(&app), 0, "a dry run leaves no trace");
    let plan = run(&app, &yaml, &env, false, false).unwrap();
    assert!(plan.is_empty(), "{plan}");
    assert_eq!(managed(&app), 3 + 2 + 1 + 1);

    // Onto an empty database: everything is created, and exports the same.
    let other = TestApp::with_own_database();
    let plan = run(&other, &yaml, &env, false, false).unwrap();
    assert_eq!(plan.counts(), (7, 0, 0), "{plan}");
    assert!(plan.to_string().contains("+ monitor checkout-api"), "{plan}");
    assert!(!plan.to_string().contains(HEADER_SECRET), "{plan}");
    assert_eq!(export(&other).document.to_yaml(), yaml);
    let again = run(&other, &yaml, &env, false, false).unwrap();
    assert!(again.is_empty(), "a second apply changes nothing: {again}");
    assert!(again.to_string().starts_with("No changes"), "{again}");

    // The secrets went in: the webhook signs with the one from the environment.
    let channel: Option<String> = app::ssr::db::schema::channels::table
        .filter(app::ssr::db::schema::channels::name.eq("Ops hook"))
        .select(app::ssr::db::schema::channels::secret)
        .first(&mut other.db.conn())
        .unwrap();
    assert_eq!(channel.as_deref(), Some(WEBHOOK_SECRET));
}

#[tokio::test]
async fn changes_are_planned_field_by_field_and_prune_removes_only_what_a_file_made() {
    let app = TestApp::new();
    populate(&app).await;
    let env = secrets();
    let yaml = export(&app).document.to_yaml();
    run(&app, &yaml, &env, false, false).unwrap();

    let mut document = Document::parse(&yaml).unwrap();
    let api = document.monitors.iter_mut().find(|m| m.key == "checkout-api").unwrap();
    api.interval_seconds = Some(120);
    api.name = "Checkout API v2".to_owned();
    document.rules[0].max_per_hour = None;
    let changed = document.to_yaml();
    let plan = run(&app, &changed, &env, false, true).unwrap();
    assert_eq!(plan.counts(), (0, 2, 0), "{plan}");
    let text = plan.to_string();
    for line in [
        "~ monitor checkout-api",
        "interval_seconds: 60 -> 120",
        "name: Checkout API -> Checkout API v2",
        "~ rule payments-to-ops",
        "max_per_hour: 10 -> (none)",
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    run(&app, &changed, &env, false, false).unwrap();
    let interval: i32 = monitor_rows::table
        .filter(monitor_rows::name.eq("Checkout API v2"))
        .select(monitor_rows::interval_seconds)
        .first(&mut app.db.conn())
        .unwrap();
    assert_eq!(interval, 120);

    // A monitor made in the console stays whatever the file says.
    let user = app.user("dev@example.com", Role::Admin);
    let token = app.token(user.id);
    let body = json!({"name": "Made by hand", "url": "https://hand.example.test/"});
    assert!(app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body)).await.status.is_success());

    // Without the heartbeat and the rule: left alone unless pruned.
    document.monitors.retain(|m| m.key != "nightly-backup");
    document.rules.clear();
    let smaller = document.to_yaml();
    let before = monitor_count(&app);
    assert!(run(&app, &smaller, &env, false, false).unwrap().is_empty());
    assert_eq!(monitor_count(&app), before);
    let plan = run(&app, &smaller, &env, true, false).unwrap();
    assert_eq!(plan.counts(), (0, 0, 2), "{plan}");
    assert!(plan.changes.iter().all(|c| c.operation == Operation::Delete));
    assert_eq!(monitor_count(&app), before - 1);
    let names: Vec<String> = monitor_rows::table.select(monitor_rows::name).load(&mut app.db.conn()).unwrap();
    assert!(names.contains(&"Made by hand".to_owned()), "{names:?}");
    assert!(!names.contains(&"Nightly backup".to_owned()), "{names:?}");
}

#[tokio::test]
async fn a_refused_file_names_its_line_and_field_and_changes_nothing() {
    let app = TestApp::new();
    let env = secrets();
    let good = "\
monitors:
  - key: web
    name: Web
    url: https://web.example.test/
  - key: api
    name: API
    url: https://api.example.test/
    interval_seconds: 5
";
    let error = run(&app, good, &env, false, false).unwrap_err();
    assert_eq!((error.field.as_str(), error.line), ("monitors[1].interval_seconds", Some(5)), "{error}");
    assert_eq!(monitor_count(&app), 0, "the first monitor was rolled back with the refusal");

    let orphan = good.replace("    interval_seconds: 5\n", "    parent: nowhere\n");
    let error = run(&app, &orphan, &env, false, false).unwrap_err();
    assert_eq!((error.field.as_str(), error.line), ("monitors[1].parent", Some(5)), "{error}");
    assert!(error.message.contains("nowhere"), "{error}");

    let looped = "\
monitors:
  - key: a
    name: A
    url: https://a.example.test/
    parent: b
  - key: b
    name: B
    url: https://b.example.test/
    parent: a
";
    let error = run(&app, looped, &env, false, false).unwrap_err();
    assert!(error.field.ends_with(".parent") && error.message.contains("loop"), "{error}");

    let unset = "\
channels:
  - key: hook
    kind: webhook
    name: Hook
    url: https://hooks.example.test/
    secret: ${NOT_SET_ANYWHERE}
";
    let error = run(&app, unset, &HashMap::new(), false, false).unwrap_err();
    assert_eq!((error.field.as_str(), error.line), ("channels[0].secret", Some(2)), "{error}");
    assert!(error.message.contains("NOT_SET_ANYWHERE"), "{error}");
    assert_eq!(managed(&app), 0);
}

/// `POST /api/v1/config` with a body of the given type.
async fn post_config(
    app: &TestApp,
    query: &str,
    token: Option<&str>,
    kind: &str,
    body: String,
) -> crate::common::Reply {
    let mut request = Request::post(format!("/api/v1/config{query}")).header(header::CONTENT_TYPE, kind);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn ci_pipelines_apply_a_file_over_the_api_with_the_secrets_in_the_request() {
    let app = TestApp::new();
    populate(&app).await;
    let yaml = export(&app).document.to_yaml();

    let other = TestApp::with_own_database();
    let admin = other.user("ci@example.com", Role::Admin);
    let admin = other.token(admin.id);
    let member = other.user("dev@example.com", Role::Member);
    let member = other.token(member.id);
    const YAML: &str = "application/yaml";

    // Only admins.
    let reply = post_config(&other, "", None, YAML, yaml.clone()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    let reply = post_config(&other, "", Some(&member), YAML, yaml.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);

    // The server's own environment is never read (PATH is set in it)...
    let leak = "monitors:\n  - key: leak\n    name: Leak\n    url: https://leak.example.test/\n    \
                headers:\n      X-Path: ${PATH}\n";
    let reply = post_config(&other, "?dry_run=true", Some(&admin), YAML, leak.to_owned()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert_eq!(reply.json()["error"]["field"], "monitors[0].headers.X-Path", "{}", reply.body);
    assert!(reply.json()["error"]["message"].as_str().unwrap().contains("No value for ${PATH}"), "{}", reply.body);
    // ...so without the variables in the request, the first reference is
    // refused by line and field.
    let reply = post_config(&other, "", Some(&admin), YAML, yaml.clone()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let error = &reply.json()["error"];
    assert_eq!(error["field"], "monitors[0].headers.Authorization", "{error}");
    let line = yaml.lines().position(|l| l.contains("key: checkout-api")).unwrap() + 1;
    assert_eq!(error["line"], line, "{error}");
    assert!(error["message"].as_str().unwrap().contains("VIGIE_MONITOR_CHECKOUT_API_HEADER_AUTHORIZATION"));

    // A dry run answers the plan and changes nothing.
    let envelope = json!({"file": yaml, "variables": secrets()}).to_string();
    let reply = post_config(&other, "?dry_run=true", Some(&admin), "application/json", envelope.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let plan = reply.json();
    assert_eq!((plan["dry_run"].as_bool(), plan["created"].as_u64()), (Some(true), Some(7)), "{plan}");
    assert!(plan["changes"].as_array().unwrap().iter().any(|c| c["operation"] == "create"
        && c["kind"] == "monitor"
        && c["key"] == "checkout-api"
        && c["fields"].as_array().unwrap().iter().any(|f| f["field"] == "interval_seconds" && f["after"] == "60")));
    assert!(plan["plan"].as_str().unwrap().contains("+ monitor checkout-api"), "{plan}");
    for secret in [HEADER_SECRET, WEBHOOK_SECRET, SLACK_URL] {
        assert!(!reply.body.contains(secret), "the plan shows {secret}: {}", reply.body);
    }
    assert_eq!(monitor_count(&other), 0);

    // Applied: the database is as the file says, secrets from the request.
    let reply = post_config(&other, "", Some(&admin), "application/json; charset=utf-8", envelope).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let applied = reply.json();
    assert_eq!((applied["dry_run"].as_bool(), applied["created"].as_u64()), (Some(false), Some(7)), "{applied}");
    let made = applied["made"].as_array().unwrap();
    assert!(made.iter().any(|m| m["what"] == "ping path of monitor nightly-backup"), "{applied}");
    assert_eq!(export(&other).document.to_yaml(), yaml);
    let secret: Option<String> = app::ssr::db::schema::channels::table
        .filter(app::ssr::db::schema::channels::name.eq("Ops hook"))
        .select(app::ssr::db::schema::channels::secret)
        .first(&mut other.db.conn())
        .unwrap();
    assert_eq!(secret.as_deref(), Some(WEBHOOK_SECRET));
    use app::ssr::db::schema::audit_events as audit;
    let by_api: Vec<Option<String>> =
        audit::table.filter(audit::via.eq("api")).select(audit::actor_email).load(&mut other.db.conn()).unwrap();
    assert!(!by_api.is_empty(), "the changes are audited as the token's owner's");
    assert!(by_api.iter().all(|e| e.as_deref() == Some("ci@example.com")), "{by_api:?}");

    // The same file as plain JSON in the envelope, again: nothing to change.
    let document = serde_json::to_string_pretty(&Document::parse(&yaml).unwrap()).unwrap();
    let envelope = json!({"file": document, "variables": secrets()}).to_string();
    let reply = post_config(&other, "", Some(&admin), "application/json", envelope).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["changes"], json!([]), "{}", reply.body);
    assert!(reply.json()["plan"].as_str().unwrap().starts_with("No changes"), "{}", reply.body);

    // Mistakes: a typo (with its line), an unknown type, a NUL.
    let typo = yaml.replacen(" url:", " uri:", 1);
    let reply = post_config(&other, "?dry_run=true", Some(&admin), YAML, typo.clone()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let line = typo.lines().position(|l| l.contains("uri:")).unwrap() + 1;
    assert_eq!(reply.json()["error"]["line"], line, "{}", reply.body);
    assert!(reply.json()["error"]["field"].as_str().unwrap().ends_with(".uri"), "{}", reply.body);
    let reply = post_config(&other, "", Some(&admin), "application/x-www-form-urlencoded", yaml.clone()).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", reply.body);
    assert!(reply.json()["error"]["message"].as_str().unwrap().contains("application/yaml"), "{}", reply.body);
    let reply = post_config(&other, "", Some(&admin), YAML, yaml.replacen("Checkout", "Check\0out", 1)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let reply = post_config(&other, "?dry_run=maybe", Some(&admin), YAML, yaml.clone()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(export(&other).document.to_yaml(), yaml, "refusals change nothing");
}

#[tokio::test]
async fn a_large_file_is_taken_where_other_bodies_are_refused() {
    let app = TestApp::new();
    let admin = app.user("ci@example.com", Role::Admin);
    let admin = app.token(admin.id);
    // 4,000 monitors: about half a megabyte, twice the limit of other bodies.
    let mut yaml = String::from("monitors:\n");
    for n in 0..4000 {
        yaml.push_str(&format!(
            "  - key: web-{n}\n    name: Web {n}\n    url: https://web-{n}.example.test/health\n    \
             interval_seconds: 300\n    tags: [fleet, generated]\n"
        ));
    }
    assert!(yaml.len() > 2 * 256 * 1024, "{} bytes", yaml.len());
    let reply = post_config(&app, "?dry_run=true", Some(&admin), "application/yaml", yaml.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", &reply.body[..reply.body.len().min(500)]);
    assert_eq!(reply.json()["created"], 4000);
    assert_eq!(monitor_count(&app), 0);

    let monitor = json!({"name": "x", "url": "https://x.example.test/", "tags": ["t".repeat(300 * 1024)]});
    let reply = app.api(Method::POST, "/api/v1/monitors", Some(&admin), Some(monitor)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &reply.body[..reply.body.len().min(500)]);

    let huge = "#".repeat(config_api::FILE_MAX_BYTES + 1);
    let reply = post_config(&app, "", Some(&admin), "application/yaml", huge).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &reply.body[..reply.body.len().min(500)]);
}

#[tokio::test]
async fn the_file_schema_is_public_and_describes_what_export_writes() {
    let app = TestApp::new();
    let reply = app.send(Request::get("/api/v1/config.schema.json").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/schema+json");
    let schema = reply.json();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let monitor = &schema["$defs"]["MonitorEntry"]["properties"];
    for field in ["key", "name", "url", "interval_seconds", "headers", "parent", "regions"] {
        assert!(monitor.get(field).is_some(), "{field} missing: {monitor}");
    }
    let openapi = app.send(Request::get("/api/v1/openapi.json").body(Body::empty()).unwrap()).await.json();
    assert!(openapi["paths"]["/api/v1/config"]["post"].is_object(), "the API document lists the route");
}
