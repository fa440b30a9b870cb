//! The incident lifecycle against a real database, the scheduler and a
//! local target: an outage opens one incident and recovery resolves it, a
//! flap opens nothing, maintenance suppresses, a restart loses nothing; and
//! the REST API for incidents, comments and updates.

use crate::common;

use crate::common::db::TestDb;
use app::model::{IncidentKind, IncidentState, MonitorInput, MonitorStatus, NewIncident, Role};
use app::ssr::db::schema::{incidents, monitors as monitor_table};
use app::ssr::incidents as lifecycle;
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::Prober;
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use common::{TestApp, target};
use diesel::prelude::*;
use serde_json::json;
use server::workers::scheduler::Scheduler;

fn rules() -> MonitorRules {
    MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() }
}

fn watch(db: &TestDb, url: String, down_after: u32, up_after: u32) -> app::model::Monitor {
    monitors::create(
        &mut db.conn(),
        &rules(),
        MonitorInput {
            name: Some("Shop".into()),
            url: Some(url),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            incident_confirmations: Some(down_after),
            recovery_confirmations: Some(up_after),
            ..Default::default()
        },
    )
    .unwrap()
}

fn point_at(db: &TestDb, monitor_id: i64, url: String) {
    monitors::update(&mut db.conn(), &rules(), monitor_id, MonitorInput { url: Some(url), ..Default::default() })
        .unwrap();
}

/// Makes every check due and runs one round.
async fn check(db: &TestDb, scheduler: &Scheduler) {
    diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
        .execute(&mut db.conn())
        .unwrap();
    scheduler.run_once().await.unwrap();
}

/// `(id, state)` of a monitor's programmatic incidents, oldest first.
fn incidents_of(db: &TestDb, monitor_id: i64) -> Vec<(i64, String)> {
    incidents::table
        .filter(incidents::monitor_id.eq(monitor_id))
        .order(incidents::id.asc())
        .select((incidents::id, incidents::state))
        .load(&mut db.conn())
        .unwrap()
}

fn event_kinds(db: &TestDb, incident_id: i64) -> Vec<String> {
    lifecycle::details(&mut db.conn(), incident_id)
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.kind.as_str().to_owned())
        .collect()
}

async fn scheduler(db: &TestDb) -> Scheduler {
    Scheduler::new(db.db.clone(), Prober::new("local").unwrap(), "local", 8).await.unwrap()
}

#[tokio::test]
async fn an_outage_opens_one_incident_and_recovery_resolves_it_across_a_restart() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = watch(&db, format!("{base}/ok"), 2, 2);
    let first = scheduler(&db).await;
    check(&db, &first).await;

    point_at(&db, monitor.id, format!("{base}/fail"));
    check(&db, &first).await;
    assert!(incidents_of(&db, monitor.id).is_empty(), "one failure is not confirmed");
    check(&db, &first).await;
    let opened = incidents_of(&db, monitor.id);
    assert_eq!(opened.len(), 1);
    let (id, state) = &opened[0];
    assert_eq!(state, "ongoing");
    let details = lifecycle::details(&mut db.conn(), *id).unwrap();
    assert_eq!(details.incident.title, "Shop is down");
    assert_eq!(details.incident.kind, IncidentKind::Programmatic);
    assert_eq!(details.incident.impact, app::model::Impact::Unknown);
    assert!(details.incident.details.contains("status: status 500"), "{}", details.incident.details);
    assert!(details.incident.details.contains("Regions reporting down: local"), "{}", details.incident.details);
    assert_eq!(details.monitors[0].status, MonitorStatus::Down);

    // More failures join the open incident.
    check(&db, &first).await;
    assert_eq!(incidents_of(&db, monitor.id).len(), 1);

    // Recovery starts, the server restarts, recovery completes.
    point_at(&db, monitor.id, format!("{base}/ok"));
    check(&db, &first).await;
    assert_eq!(incidents_of(&db, monitor.id)[0].1, "ongoing", "one good check is not a recovery");
    drop(first);
    let second = scheduler(&db).await;
    check(&db, &second).await;
    assert_eq!(incidents_of(&db, monitor.id), vec![(*id, "resolved".to_owned())]);
    let resolved = lifecycle::details(&mut db.conn(), *id).unwrap();
    assert!(resolved.incident.resolved_at.is_some());
    let last = resolved.events.last().unwrap();
    assert_eq!((last.kind.as_str(), &last.details["automatically"], &last.actor), ("resolved", &json!(true), &None));
    assert_eq!(event_kinds(&db, *id), ["opened", "region_up", "resolved"]);

    // A new outage is a new incident.
    point_at(&db, monitor.id, format!("{base}/fail"));
    check(&db, &second).await;
    check(&db, &second).await;
    let all = incidents_of(&db, monitor.id);
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].1, "ongoing");

    // Deleting the monitor resolves its open incident: nothing else could.
    monitors::delete(&mut db.conn(), monitor.id).unwrap();
    let last = lifecycle::details(&mut db.conn(), all[1].0).unwrap();
    assert_eq!(last.incident.state, IncidentState::Resolved);
    assert_eq!(last.events.last().unwrap().details["reason"], "monitor_deleted");
}

#[tokio::test]
async fn a_flap_shorter_than_the_confirmations_opens_nothing() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = watch(&db, format!("{base}/ok"), 3, 1);
    let scheduler = scheduler(&db).await;
    for path in ["ok", "fail", "fail", "ok", "fail", "fail", "ok"] {
        point_at(&db, monitor.id, format!("{base}/{path}"));
        check(&db, &scheduler).await;
    }
    assert!(incidents_of(&db, monitor.id).is_empty());
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Up);
}

fn maintenance(monitor_id: i64, from: Duration, to: Duration) -> NewIncident {
    let now = Utc::now();
    NewIncident {
        kind: Some(IncidentKind::Maintenance),
        title: "Database upgrade".into(),
        monitor_ids: vec![monitor_id],
        scheduled_start: Some(now + from),
        scheduled_end: Some(now + to),
        ..Default::default()
    }
}

#[tokio::test]
async fn maintenance_suppresses_incidents_during_its_window() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let admin = app::ssr::team::create_user(
        &mut db.conn(),
        &app::ssr::team::audit::Actor::command_line(),
        &app::ssr::team::NewMember { email: "a@example.com", name: "A", role: Role::Admin, password: common::PASSWORD },
    )
    .unwrap();
    let base = target::http_target().await;
    let monitor = watch(&db, format!("{base}/ok"), 1, 1);
    let scheduler = scheduler(&db).await;
    check(&db, &scheduler).await;

    // A window that has begun starts at once: the monitor is in maintenance.
    let window = lifecycle::create(
        &mut db.conn(),
        admin.id,
        maintenance(monitor.id, Duration::seconds(-1), Duration::hours(1)),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(window.state, IncidentState::Ongoing);
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Maintenance);
    assert_eq!(event_kinds(&db, window.id), ["scheduled", "maintenance_started"]);

    // Failures during the window open nothing.
    point_at(&db, monitor.id, format!("{base}/fail"));
    check(&db, &scheduler).await;
    check(&db, &scheduler).await;
    assert!(incidents_of(&db, monitor.id).is_empty());
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Maintenance);

    // The window ends while the target still fails: now it is an outage.
    diesel::update(incidents::table.find(window.id))
        .set(incidents::scheduled_end.eq(Utc::now() - Duration::milliseconds(10)))
        .execute(&mut db.conn())
        .unwrap();
    let later = Utc::now();
    assert_eq!(lifecycle::reactions::advance_maintenance(&mut db.conn(), later).unwrap(), 1);
    let done = lifecycle::get(&mut db.conn(), window.id).unwrap();
    assert_eq!(done.state, IncidentState::Resolved);
    assert_eq!(event_kinds(&db, window.id), ["scheduled", "maintenance_started", "maintenance_completed"]);
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Down);
    assert_eq!(incidents_of(&db, monitor.id).len(), 1);
    assert_eq!(lifecycle::reactions::advance_maintenance(&mut db.conn(), later).unwrap(), 0, "each step happens once");

    // Planned days ahead: visible as scheduled, cancellable until it starts.
    let ahead = lifecycle::create(
        &mut db.conn(),
        admin.id,
        maintenance(monitor.id, Duration::days(3), Duration::days(3) + Duration::hours(2)),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(ahead.state, IncidentState::Scheduled);
    assert_eq!(ahead.started_at, None);
    let cancelled = lifecycle::act(
        &mut db.conn(),
        admin.id,
        ahead.id,
        app::ssr::incidents::lifecycle::ManualAction::Cancel,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(cancelled.state, IncidentState::Cancelled);
    assert_eq!(lifecycle::reactions::advance_maintenance(&mut db.conn(), Utc::now() + Duration::days(4)).unwrap(), 0);
}

#[tokio::test]
async fn reconciling_repairs_what_a_crash_left_without_duplicates() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = watch(&db, format!("{base}/fail"), 1, 1);
    let scheduler = scheduler(&db).await;
    check(&db, &scheduler).await;
    assert_eq!(incidents_of(&db, monitor.id).len(), 1);

    // A crash between the status change and the incident cannot happen (one
    // transaction), but a restored backup or a manual edit can leave it so.
    diesel::delete(incidents::table).execute(&mut db.conn()).unwrap();
    assert_eq!(scheduler.upkeep_incidents().await.unwrap(), (0, 1));
    assert_eq!(scheduler.upkeep_incidents().await.unwrap(), (0, 0), "repairing twice changes nothing");
    let opened = incidents_of(&db, monitor.id);
    assert_eq!(opened.len(), 1);

    diesel::update(monitor_table::table.find(monitor.id))
        .set(monitor_table::status.eq("up"))
        .execute(&mut db.conn())
        .unwrap();
    assert_eq!(scheduler.upkeep_incidents().await.unwrap(), (0, 1));
    assert_eq!(incidents_of(&db, monitor.id)[0].1, "resolved");
}

// ---- the REST API ------------------------------------------------------------

struct Api {
    app: TestApp,
    token: String,
    other: String,
    monitor: i64,
}

impl Api {
    async fn new() -> Self {
        let app = TestApp::new();
        let member = app.user("member@example.com", Role::Member);
        let other = app.user("other@example.com", Role::Member);
        let token = app.token(member.id);
        let other = app.token(other.id);
        let monitor = monitors::create(
            &mut app.db.conn(),
            &rules(),
            MonitorInput { name: Some("API".into()), url: Some("http://127.0.0.1:9/".into()), ..Default::default() },
        )
        .unwrap()
        .id;
        Self { app, token, other, monitor }
    }

    async fn call(&self, method: Method, uri: &str, body: Option<serde_json::Value>) -> common::Reply {
        self.app.api(method, uri, Some(&self.token), body).await
    }
}

#[tokio::test]
async fn incidents_are_created_changed_resolved_and_reopened_over_the_api() {
    let api = Api::new().await;
    let created = api
        .call(
            Method::POST,
            "/api/v1/incidents",
            Some(
                json!({ "title": "Checkout errors", "details": "Customers see **500**.", "monitor_ids": [api.monitor],
                         "impact": "partial_outage" }),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let incident = created.json();
    let id = incident["id"].as_i64().unwrap();
    assert_eq!(incident["kind"], "manual");
    assert_eq!(incident["state"], "ongoing");
    assert_eq!(incident["details_html"], "<p>Customers see <strong>500</strong>.</p>\n");

    for (body, field) in [
        (json!({ "title": "", "monitor_ids": [api.monitor] }), "title"),
        (json!({ "title": "x", "monitor_ids": [] }), "monitor_ids"),
        (json!({ "title": "x", "monitor_ids": [999_999] }), "monitor_ids"),
        (json!({ "title": "x", "monitor_ids": [api.monitor], "kind": "maintenance" }), "scheduled_start"),
        (json!({ "title": "x", "monitor_ids": [api.monitor], "details": "x".repeat(20_001) }), "details"),
    ] {
        let reply = api.call(Method::POST, "/api/v1/incidents", Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let reply = api.call(Method::POST, "/api/v1/incidents", Some(json!({ "title": "x", "colour": 1 }))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let changed = api
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{id}"),
            Some(json!({ "impact": "major_outage", "title": "Checkout down" })),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json()["impact"], "major_outage");

    let resolve = api.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    assert_eq!(resolve.json()["state"], "resolved");
    let again = api.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let reopen = api.call(Method::POST, &format!("/api/v1/incidents/{id}/reopen"), None).await;
    assert_eq!(reopen.json()["state"], "ongoing");
    let cancel = api.call(Method::POST, &format!("/api/v1/incidents/{id}/cancel"), None).await;
    assert_eq!(cancel.status, StatusCode::CONFLICT);

    let full = api.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    let kinds: Vec<_> = full["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "title_changed", "impact_changed", "resolved", "reopened"]);
    assert_eq!(full["events"][2]["details"], json!({ "from": "partial_outage", "to": "major_outage" }));
    assert_eq!(full["events"][2]["actor"]["name"], "member");

    assert_eq!(api.app.api(Method::GET, "/api/v1/incidents", None, None).await.status, StatusCode::UNAUTHORIZED);
    let missing = api.call(Method::GET, "/api/v1/incidents/424242", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_filter_and_paginate() {
    let api = Api::new().await;
    for n in 0..27 {
        let body = json!({ "title": format!("Incident {n}"), "monitor_ids": [api.monitor] });
        api.call(Method::POST, "/api/v1/incidents", Some(body)).await;
    }
    let first = api.call(Method::GET, "/api/v1/incidents", None).await.json();
    assert_eq!(first["items"].as_array().unwrap().len(), 25);
    assert_eq!(first["next"], 2);
    assert_eq!(first["items"][0]["title"], "Incident 26", "newest first");
    let second = api.call(Method::GET, "/api/v1/incidents?page=2", None).await.json();
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["next"], serde_json::Value::Null);

    let id = first["items"][0]["id"].as_i64().unwrap();
    api.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    let resolved = api.call(Method::GET, "/api/v1/incidents?state=resolved", None).await.json();
    assert_eq!(resolved["items"].as_array().unwrap().len(), 1);
    let ongoing =
        api.call(Method::GET, &format!("/api/v1/incidents?state=ongoing&monitor_id={}", api.monitor), None).await;
    assert_eq!(ongoing.json()["items"].as_array().unwrap().len(), 25);
    let none = api.call(Method::GET, "/api/v1/incidents?monitor_id=999999", None).await.json();
    assert_eq!(none["items"], json!([]));
    for (query, field) in
        [("state=broken", "state"), ("impact=bad", "impact"), ("page=0", "page"), ("monitor_id=x", "monitor_id")]
    {
        let reply = api.call(Method::GET, &format!("/api/v1/incidents?{query}"), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.json()["error"]["field"], field);
    }
}

#[tokio::test]
async fn comments_are_sanitized_and_only_their_author_edits_them() {
    let api = Api::new().await;
    let body = json!({ "title": "Slow", "monitor_ids": [api.monitor] });
    let id = api.call(Method::POST, "/api/v1/incidents", Some(body)).await.json()["id"].as_i64().unwrap();
    let url = format!("/api/v1/incidents/{id}/comments");

    let markdown = "See [the logs](https://logs.example.com) <script>alert(1)</script> [x](javascript:alert(1))";
    let reply = api.call(Method::POST, &url, Some(json!({ "body": markdown }))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let comment = reply.json();
    assert_eq!(comment["body"], markdown);
    let html = comment["body_html"].as_str().unwrap();
    assert!(
        html.contains(r#"<a href="https://logs.example.com" rel="noopener noreferrer nofollow">the logs</a>"#),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");
    assert_eq!(comment["author"]["name"], "member");
    let comment_id = comment["id"].as_i64().unwrap();

    let empty = api.call(Method::POST, &url, Some(json!({ "body": "  " }))).await;
    assert_eq!(empty.json()["error"]["field"], "body");
    let long = api.call(Method::POST, &url, Some(json!({ "body": "x".repeat(20_001) }))).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);

    let mine = format!("{url}/{comment_id}");
    let theirs = api.app.api(Method::PATCH, &mine, Some(&api.other), Some(json!({ "body": "mine now" }))).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let theirs = api.app.api(Method::DELETE, &mine, Some(&api.other), None).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let edited = api.call(Method::PATCH, &mine, Some(json!({ "body": "Fixed by *restarting*" }))).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(edited.json()["edited_at"].is_string());
    assert_eq!(edited.json()["body_html"], "<p>Fixed by <em>restarting</em></p>\n");
    let bad = api.call(Method::PATCH, &format!("{url}/x"), Some(json!({ "body": "b" }))).await;
    assert_eq!(bad.json()["error"]["field"], "comment_id");

    let listed = api.call(Method::GET, &url, None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(api.call(Method::DELETE, &mine, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.call(Method::GET, &url, None).await.json(), json!([]));
    let full = api.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    let kinds: Vec<_> = full["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "comment_added", "comment_edited", "comment_deleted"]);
}

#[tokio::test]
async fn updates_are_published_with_a_status() {
    let api = Api::new().await;
    let body = json!({ "title": "Slow", "monitor_ids": [api.monitor] });
    let id = api.call(Method::POST, "/api/v1/incidents", Some(body)).await.json()["id"].as_i64().unwrap();
    let url = format!("/api/v1/incidents/{id}/updates");
    for (status, text) in [("investigating", "Looking into it."), ("resolved", "Fixed **for good**.")] {
        let reply = api.call(Method::POST, &url, Some(json!({ "status": status, "body": text }))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.json()["status"], status);
    }
    let listed = api.call(Method::GET, &url, None).await.json();
    assert_eq!(listed[1]["body_html"], "<p>Fixed <strong>for good</strong>.</p>\n");
    let bad = api.call(Method::POST, &url, Some(json!({ "status": "done", "body": "x" }))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "an unknown status is refused");
    let incident = api.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    assert_eq!(incident["state"], "ongoing", "a resolved update does not resolve by itself");
}

#[tokio::test]
async fn maintenance_is_scheduled_over_the_api() {
    let api = Api::new().await;
    let start = Utc::now() + Duration::days(2);
    let body = json!({ "kind": "maintenance", "title": "Upgrade", "monitor_ids": [api.monitor],
                       "scheduled_start": start, "scheduled_end": start + Duration::hours(1) });
    let reply = api.call(Method::POST, "/api/v1/incidents", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let incident = reply.json();
    assert_eq!((incident["state"].as_str(), incident["impact"].as_str()), (Some("scheduled"), Some("maintenance")));
    let scheduled = api.call(Method::GET, "/api/v1/incidents?state=scheduled", None).await.json();
    assert_eq!(scheduled["items"].as_array().unwrap().len(), 1);
    let id = incident["id"].as_i64().unwrap();
    let resolve = api.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    assert_eq!(resolve.status, StatusCode::CONFLICT);
    assert!(resolve.json()["error"]["message"].as_str().unwrap().contains("cancel it instead"));
    let cancel = api.call(Method::POST, &format!("/api/v1/incidents/{id}/cancel"), None).await;
    assert_eq!(cancel.json()["state"], "cancelled");
}

/// Comments are private: no route that answers without a session or token
/// may carry one. (Status pages and feeds will join this list.)
#[tokio::test]
async fn comments_never_reach_a_public_route() {
    let api = Api::new().await;
    let body = json!({ "title": "Private", "monitor_ids": [api.monitor] });
    let id = api.call(Method::POST, "/api/v1/incidents", Some(body)).await.json()["id"].as_i64().unwrap();
    let marker = format!("secret-marker-{}", Utc::now().timestamp_nanos_opt().unwrap());
    let reply =
        api.call(Method::POST, &format!("/api/v1/incidents/{id}/comments"), Some(json!({ "body": marker }))).await;
    assert_eq!(reply.status, StatusCode::CREATED);

    for path in ["/", "/login", "/healthz", "/api/v1/openapi.json", "/status", "/console/incidents"] {
        let reply = api.app.get(path, None).await;
        assert!(!reply.body.contains(&marker), "{path} shows a comment");
    }
    let path = format!("/console/incidents/{id}");
    let reply = api.app.get(&path, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "the console asks who is there first");
    assert!(!reply.body.contains(&marker));
    for (name, form) in [("get_incident", vec![("id", id.to_string())]), ("list_incidents", vec![("page", "1".into())])]
    {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = api.app.rpc(name, &form, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{name}");
        assert!(!reply.body.contains(&marker));
    }
    let reply = api.app.api(Method::GET, &format!("/api/v1/incidents/{id}/comments"), None, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_restart_in_the_middle_of_an_outage_keeps_its_progress_and_opens_no_duplicate() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = watch(&db, format!("{base}/fail"), 3, 1);
    let mut runs = 0;
    // Each check by a freshly started scheduler, as if the server restarted in between.
    for expected in [0, 0, 1, 1, 1] {
        let scheduler = scheduler(&db).await;
        check(&db, &scheduler).await;
        runs += 1;
        assert_eq!(incidents_of(&db, monitor.id).len(), expected, "after {runs} failed checks");
        assert_eq!(scheduler.upkeep_incidents().await.unwrap(), (0, 0), "nothing to repair");
    }
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Down);
}

/// The console's server functions: a `resolved` update can resolve a manual
/// incident in the same step, and the Markdown preview is the sanitizer's.
#[tokio::test]
async fn the_console_posts_a_resolving_update_and_previews_markdown() {
    let api = Api::new().await;
    let cookie = api.app.sign_in("member@example.com").await;
    let body = json!({ "title": "Slow pages", "monitor_ids": [api.monitor] });
    let id = api.call(Method::POST, "/api/v1/incidents", Some(body)).await.json()["id"].as_i64().unwrap();
    let id_text = id.to_string();
    let form = [("incident_id", id_text.as_str()), ("status", "resolved"), ("body", "All good."), ("resolve", "true")];
    let reply = api.app.rpc("post_update", &form, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let incident = api.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    assert_eq!(incident["state"], "resolved");
    assert_eq!(incident["updates"][0]["status"], "resolved");

    // Resolving twice fails as a whole: no update is published without it.
    let reply = api.app.rpc("post_update", &form, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let updates = api.call(Method::GET, &format!("/api/v1/incidents/{id}/updates"), None).await.json();
    assert_eq!(updates.as_array().unwrap().len(), 1);

    let reply = api.app.rpc("preview_markdown", &[("body", "**hi** <script>x</script>")], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("<strong>hi</strong>") && !reply.body.contains("<script"), "{}", reply.body);
    let reply = api.app.rpc("preview_markdown", &[("body", "x")], None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
