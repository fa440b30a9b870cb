//! The console's overview: monitors by status, ongoing incidents,
//! maintenance, the latest changes, regions and certificates, as results
//! from an agent and the team's own actions make them.

use crate::common;

use app::model::Role;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::TestApp;
use serde_json::{Value, json};

fn result(monitor_id: i64, checked_at: DateTime<Utc>, up: bool, cert: Option<DateTime<Utc>>) -> Value {
    json!({
        "monitor_id": monitor_id, "checked_at": checked_at, "duration_ms": 12, "up": up,
        "status_code": if up { 200 } else { 500 }, "failure": if up { None } else { Some("status") },
        "message": "from the agent", "cert_expires_at": cert,
    })
}

#[tokio::test]
async fn the_overview_shows_what_needs_attention_first() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let call = |method: Method, uri: &'static str, body: Value| {
        let (app, token) = (&app, token.clone());
        async move {
            let reply = app.api(method, uri, Some(&token), Some(body)).await;
            assert!(reply.status.is_success(), "{uri}: {}", reply.body);
            reply.json()
        }
    };
    let agent =
        call(Method::POST, "/api/v1/regions", json!({"name": "eu-west"})).await["token"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for name in ["Shop", "Blog", "Docs", "Mail"] {
        let def = json!({"name": name, "url": format!("https://127.0.0.1:9/{name}"), "regions": ["eu-west"],
            "incident_confirmations": 1, "recovery_confirmations": 1});
        ids.push(call(Method::POST, "/api/v1/monitors", def).await["id"].as_i64().unwrap());
    }
    let (shop, blog, docs, mail) = (ids[0], ids[1], ids[2], ids[3]);
    call(Method::POST, "/api/v1/monitors/bulk", json!({"ids": [mail], "action": "pause"})).await;

    // The agent reports: the shop fails (an incident opens), the blog's
    // certificate expires in 5 days; the docs' did too, but a later check
    // sees it renewed.
    let now = Utc::now();
    let soon = now + Duration::days(5);
    let results = [
        result(shop, now - Duration::seconds(3), false, None),
        result(blog, now - Duration::seconds(3), true, Some(soon)),
        result(docs, now - Duration::seconds(3), true, Some(now + Duration::days(3))),
        result(docs, now - Duration::seconds(1), true, Some(now + Duration::days(90))),
    ];
    for one in results {
        let reply = app.api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(json!({"results": [one]}))).await;
        assert_eq!(reply.json()["accepted"], 1, "{}", reply.body);
    }
    let start = now + Duration::days(2);
    let window = json!({"kind": "maintenance", "title": "Database upgrade", "monitor_ids": [blog],
        "scheduled_start": start, "scheduled_end": start + Duration::hours(1)});
    call(Method::POST, "/api/v1/incidents", window).await;

    let cookie = app.sign_in("ada@example.com").await;
    assert_eq!(app.rpc("console_overview", &[], None).await.status, StatusCode::UNAUTHORIZED);
    let reply = app.rpc("console_overview", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let overview = reply.json();

    let counts = &overview["counts"];
    assert_eq!((&counts["down"], &counts["up"], &counts["paused"]), (&json!(1), &json!(2), &json!(1)), "{counts}");
    let incidents = overview["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0]["monitor_ids"], json!([shop]));
    assert_eq!(incidents[0]["state"], "ongoing");
    assert_eq!(overview["incidents_total"], 1);
    let maintenance = overview["maintenance"].as_array().unwrap();
    assert_eq!(maintenance.len(), 1);
    assert_eq!((&maintenance[0]["title"], &maintenance[0]["state"]), (&json!("Database upgrade"), &json!("scheduled")));

    // The latest change first: each of the three that reported.
    let changes: Vec<(String, String)> = overview["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["monitor"]["name"].as_str().unwrap().to_owned(), c["status"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes.contains(&("Shop".to_owned(), "down".to_owned())), "{changes:?}");
    assert!(changes.contains(&("Blog".to_owned(), "up".to_owned())), "{changes:?}");

    let regions: Vec<&str> =
        overview["regions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(regions, ["eu-west", "local"]);
    assert!(overview["regions"][0]["last_seen_at"].is_string(), "the agent was heard from");

    let certificates = overview["certificates"].as_array().unwrap();
    assert_eq!(certificates.len(), 1, "the renewed one is not listed: {certificates:?}");
    assert_eq!(certificates[0]["monitor"]["name"], "Blog");
    let expires: DateTime<Utc> = serde_json::from_value(certificates[0]["expires_at"].clone()).unwrap();
    assert_eq!(expires.timestamp(), soon.timestamp());

    // The console's landing page renders it, with each count a link to the
    // list narrowed to that status.
    let page = app.get("/console", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    for part in ["href=\"/console/monitors?status=down\"", "Database upgrade", "Certificates expiring", "eu-west"] {
        assert!(page.body.contains(part), "{part} missing from the overview");
    }
}
