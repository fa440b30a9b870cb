//! The public sees only what the team published for it. Every public
//! surface — the page, an incident's page, the history, both feeds and all
//! eight Statuspage documents — is read with distinctive markers in the
//! monitor's name, target, region, the incident's details and a comment,
//! and must show the public names instead. False alarms are not public,
//! an outage of unknown impact is listed generically, a cancelled
//! maintenance is announced as such, a partial monitor shows degraded, and
//! time in maintenance is not downtime.

use crate::common::{TestApp, target};
use app::model::{MonitorInput, Role};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::Prober;
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use server::workers::scheduler::Scheduler;

/// Every route a visitor, a feed reader or a Statuspage client may read.
const STATUSPAGE_DOCUMENTS: [&str; 8] = [
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
];

struct Setup {
    app: TestApp,
    token: String,
}

impl Setup {
    fn new() -> Self {
        let app = TestApp::new();
        let user = app.user("ops@example.com", Role::Admin);
        let token = app.token(user.id);
        Self { app, token }
    }

    async fn call(&self, method: Method, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let reply = self.app.api(method, path, Some(&self.token), body).await;
        assert!(reply.status.is_success(), "{path}: {} {}", reply.status, reply.body);
        if reply.body.is_empty() { json!(null) } else { reply.json() }
    }

    /// A published page `acme` showing these monitors under these names.
    async fn page(&self, components: &[(i64, &str)]) {
        let components: Vec<_> = components.iter().map(|(id, name)| json!({"monitor_id": id, "name": name})).collect();
        let body = json!({"slug": "acme", "title": "Acme status", "published": true, "components": components});
        self.call(Method::POST, "/api/v1/status-pages", Some(body)).await;
    }

    async fn monitor(&self, name: &str, url: &str) -> i64 {
        let body = json!({"name": name, "url": url, "interval_seconds": 60});
        self.call(Method::POST, "/api/v1/monitors", Some(body)).await["id"].as_i64().unwrap()
    }

    /// `(route, body)` of every public surface, for the page and one incident.
    async fn public_surfaces(&self, incident_id: i64) -> Vec<(String, String)> {
        let month = Utc::now().format("%Y-%m");
        let mut routes = vec![
            "/status/acme".to_owned(),
            format!("/status/acme/incidents/{incident_id}"),
            format!("/status/acme/history?month={month}"),
            "/status/acme/feed.rss".to_owned(),
            "/status/acme/feed.atom".to_owned(),
        ];
        routes.extend(STATUSPAGE_DOCUMENTS.iter().map(|d| format!("/status/acme/api/v2/{d}")));
        let mut out = Vec::new();
        for route in routes {
            let reply = self.app.get(&route, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{route}");
            out.push((route, reply.body));
        }
        out
    }

    async fn json(&self, document: &str) -> serde_json::Value {
        let reply = self.app.get(&format!("/status/acme/api/v2/{document}"), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{document}");
        reply.json()
    }
}

fn assert_none_of(surfaces: &[(String, String)], secrets: &[&str]) {
    for (route, body) in surfaces {
        for secret in secrets {
            assert!(!body.contains(secret), "{route} shows `{secret}`:\n{body}");
        }
    }
}

#[tokio::test]
async fn no_internal_name_target_region_detail_or_comment_reaches_a_public_surface() {
    let s = Setup::new();
    let base = target::http_target().await;
    let reply =
        s.app.api(Method::POST, "/api/v1/regions", Some(&s.token), Some(json!({"name": "zz-hidden-region"}))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let agent = reply.json()["token"].as_str().unwrap().to_owned();
    // The target's path carries a marker too; it is a real, failing target.
    let monitor = monitors::create(
        &mut s.app.db.conn(),
        &MonitorRules {
            min_interval_seconds: 1,
            known_regions: vec!["local".into(), "zz-hidden-region".into()],
            default_region: "local".into(),
        },
        MonitorInput {
            name: Some("XQZ-INTERNAL-billing-db7".into()),
            url: Some(format!("{base}/fail?k=XQZ-TARGET-path")),
            regions: Some(vec!["local".into(), "zz-hidden-region".into()]),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            incident_confirmations: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
    .id;
    s.page(&[(monitor, "Checkout")]).await;
    let result = json!({"results": [{
        "monitor_id": monitor, "checked_at": Utc::now(), "duration_ms": 9, "up": false, "status_code": 500,
        "failure": "status", "message": "XQZ-MESSAGE from far", "cert_expires_at": null }]});
    let sent = s.app.api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(result)).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let scheduler = Scheduler::new(s.app.db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();
    scheduler.run_once().await.unwrap();

    let list = s.call(Method::GET, &format!("/api/v1/incidents?monitor_id={monitor}"), None).await;
    let incident = &list["items"][0];
    let id = incident["id"].as_i64().unwrap();
    assert_eq!(incident["kind"], "programmatic");
    assert_eq!(incident["title"], "XQZ-INTERNAL-billing-db7 is down", "the team sees the monitor's name");
    let details = s.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await;
    let text = details["details"].as_str().unwrap();
    assert!(text.contains("zz-hidden-region") && text.contains("XQZ-TARGET-path"), "{text}");
    s.call(Method::POST, &format!("/api/v1/incidents/{id}/comments"), Some(json!({"body": "XQZ-COMMENT notes"}))).await;
    s.call(
        Method::POST,
        &format!("/api/v1/incidents/{id}/updates"),
        Some(json!({"status": "investigating", "body": "XQZ-EARLY update"})),
    )
    .await;

    let secrets =
        ["XQZ-INTERNAL", "billing-db7", "XQZ-TARGET", "127.0.0.1", "zz-hidden-region", "XQZ-MESSAGE", "XQZ-COMMENT"];
    // Impact unknown: the public sees that Checkout is down, nothing more
    // (not even the update, published before an impact was set).
    let surfaces = s.public_surfaces(id).await;
    assert_none_of(&surfaces, &secrets);
    assert_none_of(&surfaces, &["XQZ-EARLY"]);
    for (route, body) in &surfaces {
        if !route.contains("maintenances") && !route.ends_with("/status.json") && !route.ends_with("components.json") {
            assert!(body.contains("Checkout is down"), "{route} lists the outage under its public name:\n{body}");
        }
    }

    // The team sets an impact: the public title comes from the component's name.
    s.call(Method::PATCH, &format!("/api/v1/incidents/{id}"), Some(json!({"impact": "major_outage"}))).await;
    s.call(
        Method::POST,
        &format!("/api/v1/incidents/{id}/updates"),
        Some(json!({"status": "identified", "body": "A **public** XQZ-PUBLIC note."})),
    )
    .await;
    let surfaces = s.public_surfaces(id).await;
    assert_none_of(&surfaces, &secrets);
    for (route, body) in &surfaces {
        if route.ends_with("/status.json") || route.contains("maintenances") {
            continue;
        }
        if route.ends_with("components.json") {
            assert!(body.contains("\"Checkout\"") && body.contains("major_outage"), "{route}:\n{body}");
            continue;
        }
        assert!(body.contains("Checkout is down") && body.contains("XQZ-PUBLIC"), "{route}:\n{body}");
    }
    assert_eq!(s.json("status.json").await["status"]["indicator"], "critical");

    // A public title of the team's own replaces it everywhere.
    s.call(Method::PATCH, &format!("/api/v1/incidents/{id}"), Some(json!({"public_title": "Payments are failing"})))
        .await;
    let page = s.app.get("/status/acme", None).await.body;
    assert!(page.contains("Payments are failing") && !page.contains("Checkout is down"), "{page}");
    let unresolved = s.json("incidents/unresolved.json").await;
    assert_eq!(unresolved["incidents"][0]["name"], "Payments are failing");
    // Resolved: in the history and the past incidents, still public names only.
    s.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    let surfaces = s.public_surfaces(id).await;
    assert_none_of(&surfaces, &secrets);
    let history = &surfaces.iter().find(|(r, _)| r.contains("history")).unwrap().1;
    assert!(history.contains("Payments are failing"));
}

#[tokio::test]
async fn a_false_alarm_is_shown_nowhere_and_leaves_its_component_operational() {
    let s = Setup::new();
    let monitor = s.monitor("internal-api", "http://127.0.0.1:9/").await;
    s.page(&[(monitor, "API")]).await;
    let body = json!({"title": "Looks down", "impact": "major_outage", "monitor_ids": [monitor]});
    let id = s.call(Method::POST, "/api/v1/incidents", Some(body)).await["id"].as_i64().unwrap();
    s.call(
        Method::POST,
        &format!("/api/v1/incidents/{id}/updates"),
        Some(json!({"status": "investigating", "body": "Looking."})),
    )
    .await;
    assert_eq!(s.json("status.json").await["status"]["indicator"], "critical");
    assert_eq!(s.json("incidents/unresolved.json").await["incidents"].as_array().unwrap().len(), 1);

    // It was nothing.
    s.call(Method::PATCH, &format!("/api/v1/incidents/{id}"), Some(json!({"impact": "operational"}))).await;
    let page = s.app.get("/status/acme", None).await.body;
    assert!(page.contains("All systems operational") && !page.contains("Looks down"), "{page}");
    assert!(!page.contains("Active incidents"));
    assert_eq!(s.json("status.json").await["status"]["indicator"], "none");
    assert_eq!(s.json("incidents/unresolved.json").await["incidents"], json!([]));
    assert_eq!(s.json("summary.json").await["components"][0]["status"], "operational");
    assert_eq!(s.json("incidents.json").await["incidents"], json!([]));
    for feed in ["feed.rss", "feed.atom"] {
        let body = s.app.get(&format!("/status/acme/{feed}"), None).await.body;
        assert!(!body.contains("Looks down"), "{feed}: {body}");
    }
    let incident = s.app.get(&format!("/status/acme/incidents/{id}"), None).await;
    assert_eq!(incident.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_outage_of_unknown_impact_is_listed_the_same_everywhere() {
    let s = Setup::new();
    let monitor = s.monitor("internal-api", "http://127.0.0.1:9/").await;
    s.page(&[(monitor, "API")]).await;
    let body = json!({"title": "db-7 lag XQZ", "monitor_ids": [monitor], "details": "XQZ details"});
    let id = s.call(Method::POST, "/api/v1/incidents", Some(body)).await["id"].as_i64().unwrap();

    let status = s.json("status.json").await;
    assert_eq!(status["status"]["indicator"], "critical");
    let unresolved = s.json("incidents/unresolved.json").await;
    let listed = unresolved["incidents"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "the indicator's outage is listed: {unresolved}");
    assert_eq!(listed[0]["name"], "API is down");
    assert_eq!(listed[0]["id"], format!("i{id}"));
    assert_eq!(listed[0]["incident_updates"], json!([]));
    assert_eq!(listed[0]["components"][0]["id"], format!("c{monitor}"));
    assert_eq!(s.json("summary.json").await["incidents"], unresolved["incidents"]);
    let page = s.app.get("/status/acme", None).await.body;
    assert!(page.contains("Active incidents") && page.contains("API is down") && !page.contains("XQZ"), "{page}");
    let rss = s.app.get("/status/acme/feed.rss", None).await.body;
    assert!(rss.contains("Incident: API is down") && !rss.contains("XQZ"), "{rss}");
}

#[tokio::test]
async fn a_cancelled_maintenance_says_so_and_the_feeds_announce_it() {
    let s = Setup::new();
    let monitor = s.monitor("internal-api", "http://127.0.0.1:9/").await;
    s.page(&[(monitor, "API")]).await;
    let start = Utc::now() + Duration::days(2);
    let body = json!({"kind": "maintenance", "title": "Database upgrade", "monitor_ids": [monitor],
                      "scheduled_start": start, "scheduled_end": start + Duration::hours(1)});
    let id = s.call(Method::POST, "/api/v1/incidents", Some(body)).await["id"].as_i64().unwrap();
    assert_eq!(
        s.json("scheduled-maintenances/upcoming.json").await["scheduled_maintenances"].as_array().unwrap().len(),
        1
    );
    let rss = s.app.get("/status/acme/feed.rss", None).await.body;
    assert!(rss.contains("Maintenance scheduled: Database upgrade"));

    s.call(Method::POST, &format!("/api/v1/incidents/{id}/cancel"), None).await;
    let incident = s.app.get(&format!("/status/acme/incidents/{id}"), None).await;
    assert_eq!(incident.status, StatusCode::OK);
    assert!(incident.body.contains("Cancelled") && incident.body.contains("cancelled"), "{}", incident.body);
    let page = s.app.get("/status/acme", None).await.body;
    assert!(!page.contains("id=\"maintenance-heading\""), "no longer announced as coming");
    assert!(page.contains("Database upgrade") && page.contains("Cancelled"), "listed with the past: {page}");
    for feed in ["feed.rss", "feed.atom"] {
        let body = s.app.get(&format!("/status/acme/{feed}"), None).await.body;
        let parsed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        let titles: Vec<String> = parsed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect();
        assert!(titles.contains(&"Maintenance cancelled: Database upgrade".to_owned()), "{feed}: {titles:?}");
        assert!(titles.contains(&"Maintenance scheduled: Database upgrade".to_owned()), "{feed}: {titles:?}");
        assert!(parsed.entries.iter().any(|e| e.id == format!("urn:vigie:incident:{id}:cancelled")));
    }
    assert_eq!(s.json("scheduled-maintenances/upcoming.json").await["scheduled_maintenances"], json!([]));
    assert_eq!(s.json("scheduled-maintenances.json").await["scheduled_maintenances"], json!([]));
}

#[tokio::test]
async fn statuspage_documents_carry_plain_text_and_match_components_by_id() {
    let s = Setup::new();
    let first = s.monitor("eu-api", "http://127.0.0.1:9/eu").await;
    let second = s.monitor("us-api", "http://127.0.0.1:9/us").await;
    // Two components under one public name: only the affected one is listed.
    s.page(&[(first, "API"), (second, "API")]).await;
    let body = json!({"title": "EU errors", "impact": "partial_outage", "monitor_ids": [first]});
    let id = s.call(Method::POST, "/api/v1/incidents", Some(body)).await["id"].as_i64().unwrap();
    let update = "We **rolled back** the [deploy](https://status.example.com/d).\n\n<script>alert(1)</script>";
    s.call(
        Method::POST,
        &format!("/api/v1/incidents/{id}/updates"),
        Some(json!({"status": "identified", "body": update})),
    )
    .await;

    let unresolved = s.json("incidents/unresolved.json").await;
    let incident = &unresolved["incidents"][0];
    assert_eq!(incident["components"].as_array().unwrap().len(), 1, "{incident}");
    assert_eq!(incident["components"][0]["id"], format!("c{first}"));
    let text = incident["incident_updates"][0]["body"].as_str().unwrap();
    assert_eq!(text, "We rolled back the deploy (https://status.example.com/d).");
    let summary = s.json("summary.json").await;
    let statuses: Vec<_> =
        summary["components"].as_array().unwrap().iter().map(|c| (c["id"].clone(), c["status"].clone())).collect();
    assert!(statuses.contains(&(json!(format!("c{first}")), json!("partial_outage"))), "{statuses:?}");
    assert!(statuses.contains(&(json!(format!("c{second}")), json!("operational"))), "{statuses:?}");
}

#[tokio::test]
async fn a_partial_monitor_shows_degraded_unless_an_incident_says_otherwise() {
    use app::ssr::db::schema::monitors as table;
    let s = Setup::new();
    let monitor = s.monitor("internal-api", "http://127.0.0.1:9/").await;
    s.page(&[(monitor, "API")]).await;
    diesel::update(table::table.find(monitor)).set(table::status.eq("partial")).execute(&mut s.app.db.conn()).unwrap();
    assert_eq!(s.json("components.json").await["components"][0]["status"], "degraded_performance");
    assert_eq!(s.json("status.json").await["status"]["indicator"], "minor");
    assert!(s.app.get("/status/acme", None).await.body.contains("Degraded performance"));

    let body = json!({"title": "API down", "impact": "major_outage", "monitor_ids": [monitor]});
    s.call(Method::POST, "/api/v1/incidents", Some(body)).await;
    assert_eq!(s.json("components.json").await["components"][0]["status"], "major_outage");
}

#[tokio::test]
async fn time_in_planned_maintenance_is_not_downtime() {
    use app::ssr::db::schema::{checks, incidents, regions};
    let s = Setup::new();
    let monitor = s.monitor("internal-api", "http://127.0.0.1:9/").await;
    s.page(&[(monitor, "API")]).await;
    // Yesterday: 10 good checks, then 10 failed ones during a maintenance.
    let yesterday = (Utc::now() - Duration::days(1)).date_naive().and_hms_opt(10, 0, 0).unwrap().and_utc();
    let region: i64 = regions::table.select(regions::id).first(&mut s.app.db.conn()).unwrap();
    let rows: Vec<_> = (0..20)
        .map(|n| {
            (
                checks::monitor_id.eq(monitor),
                checks::region_id.eq(region),
                checks::checked_at.eq(yesterday + Duration::minutes(n)),
                checks::duration_ms.eq(10),
                checks::up.eq(n < 10),
                checks::message.eq(""),
            )
        })
        .collect();
    diesel::insert_into(checks::table).values(rows).execute(&mut s.app.db.conn()).unwrap();
    let start = Utc::now() + Duration::days(1);
    let body = json!({"kind": "maintenance", "title": "Upgrade", "monitor_ids": [monitor],
                      "scheduled_start": start, "scheduled_end": start + Duration::hours(1)});
    let id = s.call(Method::POST, "/api/v1/incidents", Some(body)).await["id"].as_i64().unwrap();
    // It took place yesterday, from the 10th check to after the last.
    diesel::update(incidents::table.find(id))
        .set((
            incidents::state.eq("resolved"),
            incidents::started_at.eq(yesterday + Duration::seconds(9 * 60 + 30)),
            incidents::resolved_at.eq(yesterday + Duration::hours(1)),
            incidents::scheduled_start.eq(yesterday + Duration::seconds(9 * 60 + 30)),
            incidents::scheduled_end.eq(yesterday + Duration::hours(1)),
        ))
        .execute(&mut s.app.db.conn())
        .unwrap();
    app::ssr::monitoring::retention::upkeep(&mut s.app.db.conn(), Utc::now(), 30).unwrap();

    let rollup = app::ssr::db::rollups::for_monitor(&mut s.app.db.conn(), monitor).unwrap();
    let day = rollup.iter().find(|r| r.day == yesterday.date_naive()).unwrap();
    assert_eq!((day.checks, day.failures), (10, 0), "the failed checks were inside the window");
    let page = s.app.get("/status/acme", None).await.body;
    assert_eq!(page.matches("bar bar-maintenance").count(), 1, "{page}");
    assert!(page.contains("100 % uptime, planned maintenance (not counted)"), "{page}");

    // The console's uptime leaves the window out too.
    let details = app::ssr::monitoring::report::details(
        &mut s.app.db.conn(),
        monitors::get(&mut s.app.db.conn(), monitor).unwrap(),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(details.uptime[1], Some(100.0), "7 days: {:?}", details.uptime);
}
