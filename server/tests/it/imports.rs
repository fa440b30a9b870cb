//! Moving in: `vigie import statuspage` recreates a Statuspage page from
//! its public API's JSON — components (placeholder monitors, paused), groups
//! and order, and the history with its times and updates — without
//! alerting anyone; the public reads the same history afterwards.

use crate::cli::vigie;
use crate::common::TestApp;
use app::model::Role;
use app::ssr::db::schema::{incident_updates, incidents, monitors, notifications, subscriber_notices};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::path::PathBuf;

fn export_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/statuspage-export")
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[tokio::test]
async fn a_statuspage_page_moves_in_with_its_history_and_tells_no_one() {
    let app = TestApp::new();
    let url = app.db.url.clone();
    let admin = app.user("ops@example.com", Role::Admin);
    let token = app.token(admin.id);
    // A rule that would alert on any incident: importing history must not.
    let hook = app
        .api(
            Method::POST,
            "/api/v1/channels",
            Some(&token),
            Some(json!({"kind": "webhook", "name": "Hook", "url": "https://hooks.example.test/vigie",
                         "secret": "webhook-secret-0123456789"})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
    let hook = hook.json();
    let rule = json!({"name": "All", "events": ["incident_created", "incident_resolved", "incident_update_published",
                      "maintenance_started", "maintenance_completed"], "channel_id": hook["id"]});
    let reply = app.api(Method::POST, "/api/v1/alert-rules", Some(&token), Some(rule)).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let dir = export_dir();
    let dir = dir.to_str().unwrap();

    // A dry run reports and changes nothing.
    let dry = vigie(&url, &["import", "statuspage", dir, "--dry-run"], "");
    let report = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{report}{}", String::from_utf8_lossy(&dry.stderr));
    assert!(report.contains("status page /status/acme-cloud (unpublished"), "{report}");
    assert!(report.ends_with("Dry run: nothing was changed.\n"), "{report}");
    let count = |app: &TestApp| -> i64 { incidents::table.count().get_result(&mut app.db.conn()).unwrap() };
    assert_eq!(count(&app), 0);

    let done = vigie(&url, &["import", "statuspage", dir], "");
    let report = String::from_utf8_lossy(&done.stdout).into_owned();
    assert!(done.status.success(), "{report}{}", String::from_utf8_lossy(&done.stderr));
    for line in [
        "+ status page /status/acme-cloud (unpublished: publish it in the console) with 3 components",
        "+ 3 paused heartbeat monitors tagged `statuspage`",
        "+ incident “Delayed notification emails” is still ongoing",
        "+ maintenance “Database upgrade to version 16” is still scheduled",
        "+ 6 past incidents and maintenance with their updates (2 not over)",
        "! component Website: its description (components have none here)",
        "! component Dashboard: shown always, not only when degraded",
        "! 1 of the incidents named no component",
        "! 1 of the incidents had the impact “none”",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
    assert_eq!(count(&app), 6);

    // The components, in Statuspage's order, each a paused placeholder.
    let page = app.api(Method::GET, "/api/v1/status-pages", Some(&token), None).await.json();
    let page = &page.as_array().unwrap()[0];
    assert_eq!((page["title"].as_str(), page["published"].as_bool()), (Some("Acme Cloud"), Some(false)));
    let shown: Vec<(String, Option<String>)> = page["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["group"].as_str().map(str::to_owned)))
        .collect();
    let platform = Some("Platform".to_owned());
    assert_eq!(
        shown,
        [("Website".to_owned(), None), ("API".to_owned(), platform.clone()), ("Dashboard".to_owned(), platform)]
    );
    let placeholders: Vec<(String, bool, String)> = monitors::table
        .select((monitors::name, monitors::paused, monitors::kind))
        .order(monitors::id)
        .load(&mut app.db.conn())
        .unwrap();
    assert_eq!(placeholders.len(), 3);
    assert!(placeholders.iter().all(|(_, paused, kind)| *paused && kind == "heartbeat"), "{placeholders:?}");

    // History, at its own times; nobody was alerted or told.
    let (created, started, resolved, state): (DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, String) =
        incidents::table
            .filter(incidents::title.eq("Elevated API error rates"))
            .select((incidents::created_at, incidents::started_at, incidents::resolved_at, incidents::state))
            .first(&mut app.db.conn())
            .unwrap();
    assert_eq!(created, at("2026-10-14T16:12:31.123Z"));
    assert_eq!(started, Some(at("2026-10-14T16:05:00Z")));
    assert_eq!(resolved, Some(at("2026-10-14T18:02:00Z")));
    assert_eq!(state, "resolved");
    let times: Vec<DateTime<Utc>> = incident_updates::table
        .select(incident_updates::published_at)
        .order(incident_updates::published_at)
        .load(&mut app.db.conn())
        .unwrap();
    assert_eq!(times.len(), 2 + 3 + 3 + 1 + 1 + 3, "every update with a body");
    assert!(times.contains(&at("2026-10-14T16:48:00Z")));
    let alerts: i64 = notifications::table.count().get_result(&mut app.db.conn()).unwrap();
    let notices: i64 = subscriber_notices::table.count().get_result(&mut app.db.conn()).unwrap();
    assert_eq!((alerts, notices), (0, 0), "history alerts no one");

    // Published, the page tells the same story as Statuspage did.
    let id = page["id"].as_i64().unwrap();
    let reply = app
        .api(Method::PATCH, &format!("/api/v1/status-pages/{id}"), Some(&token), Some(json!({"published": true})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let get = |path: &str| Request::get(path.to_owned()).body(Body::empty()).unwrap();
    let home = app.send(get("/status/acme-cloud")).await;
    assert_eq!(home.status, StatusCode::OK);
    for text in
        ["Delayed notification emails", "A fix is out; emails are catching up.", "Database upgrade to version 16"]
    {
        assert!(home.body.contains(text), "{text} missing from the page");
    }
    let october = app.send(get("/status/acme-cloud/history?month=2026-10")).await;
    assert!(october.body.contains("Elevated API error rates"), "{}", october.body);
    let incident = incidents::table
        .filter(incidents::title.eq("Elevated API error rates"))
        .select(incidents::id)
        .first::<i64>(&mut app.db.conn())
        .unwrap();
    let detail = app.send(get(&format!("/status/acme-cloud/incidents/{incident}"))).await;
    assert!(detail.body.contains("A faulty deploy of the API gateway; rolling back."), "{}", detail.body);
    assert!(detail.body.contains("<strong>full report</strong>"), "Markdown is rendered");
    assert!(!detail.body.contains("<script>alert(1)"), "and sanitized");
    let july = app.send(get("/status/acme-cloud/history?month=2026-07")).await;
    assert!(july.body.contains("Network maintenance in our data center"), "{}", july.body);

    let open = app.send(get("/status/acme-cloud/api/v2/incidents/unresolved.json")).await.json();
    let open = &open["incidents"].as_array().unwrap()[0];
    assert_eq!(
        (open["name"].as_str(), open["status"].as_str()),
        (Some("Delayed notification emails"), Some("monitoring"))
    );
    assert_eq!(at(open["created_at"].as_str().unwrap()), at("2026-11-21T01:30:00Z"));
    assert_eq!(open["impact"], "major");
    let bodies: Vec<&str> =
        open["incident_updates"].as_array().unwrap().iter().map(|u| u["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        ["A fix is out; emails are catching up.", "Notification emails from the website are delayed by up to an hour."]
    );

    // A second import to the same address is refused, and changes nothing.
    let again = vigie(&url, &["import", "statuspage", dir], "");
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("/status/acme-cloud already") && stderr.contains("--slug"), "{stderr}");
    assert_eq!(count(&app), 6);
}

#[tokio::test]
async fn a_file_that_is_not_statuspage_json_is_named_with_its_line_and_field() {
    let app = TestApp::new();
    let dir = tempfile::tempdir().unwrap();
    let missing = vigie(&app.db.url, &["import", "statuspage", dir.path().to_str().unwrap()], "");
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("summary.json") && stderr.contains("save it with curl"), "{stderr}");

    std::fs::write(dir.path().join("summary.json"), "{\"page\": {\"name\": \"X\"}, \"components\": []}").unwrap();
    std::fs::write(
        dir.path().join("incidents.json"),
        "{\n  \"incidents\": [\n    {\"id\": \"a\", \"name\": \"Down\", \"status\": \"resolved\",\n     \"created_at\": \"yesterday\"}\n  ]\n}",
    )
    .unwrap();
    let bad = vigie(&app.db.url, &["import", "statuspage", dir.path().to_str().unwrap()], "");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("line 4: incidents.json: incidents[0].created_at"), "{stderr}");
    let made: i64 = monitors::table.count().get_result(&mut app.db.conn()).unwrap();
    assert_eq!(made, 0);
}
