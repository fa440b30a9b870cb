//! A status page component's badges (`/status/{slug}/badge/c{id}.svg`):
//! state, uptime over 24 hours, 7 and 30 days, median response time over
//! the same windows, from checks and daily rollups written for the test.
//! They carry the component's public name only, escape a custom label,
//! answer 400 naming the parameter for a bad query, and 404 for a monitor
//! the page does not show or a page that is not published.

use crate::common::TestApp;
use app::model::Role;
use app::ssr::db::schema::{checks, regions};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

const INTERNAL_NAME: &str = "badge-internal-name-7Q3";
const INTERNAL_TARGET: &str = "badge-secret-target-K9";

/// `(at, duration_ms, up)` checks of `monitor`, from the default region.
fn write_checks(app: &TestApp, monitor: i64, rows: &[(DateTime<Utc>, i32, bool)]) {
    let mut conn = app.db.conn();
    let region: i64 = regions::table.select(regions::id).first(&mut conn).unwrap();
    let rows: Vec<_> = rows
        .iter()
        .map(|(at, ms, up)| {
            (
                checks::monitor_id.eq(monitor),
                checks::region_id.eq(region),
                checks::checked_at.eq(*at),
                checks::duration_ms.eq(*ms),
                checks::up.eq(*up),
                checks::message.eq(""),
            )
        })
        .collect();
    diesel::insert_into(checks::table).values(rows).execute(&mut conn).unwrap();
}

/// The badge's label and value, read from its accessible name
/// (`aria-label="label: value"`), with the whole document.
async fn badge(app: &TestApp, path: &str) -> (String, String) {
    let reply = app.get(path, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    assert_eq!(reply.header("content-type"), Some("image/svg+xml"), "{path}");
    assert!(reply.header("etag").is_some(), "{path}");
    let svg = reply.body;
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    for marker in [INTERNAL_NAME, INTERNAL_TARGET, "127.0.0.1"] {
        assert!(!svg.contains(marker), "{path} shows {marker}: {svg}");
    }
    let name = svg.split("aria-label=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned();
    (name, svg)
}

#[tokio::test]
async fn badges_show_a_components_public_state_uptime_and_response_time() {
    let app = TestApp::new();
    let user = app.user("ops@example.com", Role::Admin);
    let token = app.token(user.id);
    let call = async |method: Method, path: &str, body: serde_json::Value| {
        let reply = app.api(method, path, Some(&token), Some(body)).await;
        assert!(reply.status.is_success(), "{path}: {} {}", reply.status, reply.body);
        reply.json()
    };
    let monitor = |name: &str| {
        json!({"name": name, "url": format!("http://127.0.0.1:9/{INTERNAL_TARGET}"),
                                       "interval_seconds": 60})
    };
    let shown = call(Method::POST, "/api/v1/monitors", monitor(INTERNAL_NAME)).await["id"].as_i64().unwrap();
    let hidden = call(Method::POST, "/api/v1/monitors", monitor("not-on-the-page")).await["id"].as_i64().unwrap();
    let page = json!({"slug": "acme", "title": "Acme status", "published": true,
                      "components": [{"monitor_id": shown, "name": "Public API"}]});
    call(Method::POST, "/api/v1/status-pages", page).await;

    // 20 days ago: 1 of 2 checks failed (50%), 60 ms. 3 days ago: 10 good
    // checks (100%), 40 ms. The last minutes, all on one day: 9 of 10 good
    // (90%), 100 to 900 ms and a failure at 500: a median of 500 ms.
    let mut now = Utc::now();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    if now - midnight < Duration::seconds(30) {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        now = Utc::now();
    }
    let day = |days: i64| (now - Duration::days(days)).date_naive().and_hms_opt(10, 0, 0).unwrap().and_utc();
    let mut rows = vec![(day(20), 60, true), (day(20) + Duration::minutes(1), 60, false)];
    rows.extend((0..10).map(|n| (day(3) + Duration::minutes(n), 40, true)));
    let recent = (now - Duration::minutes(10)).max(midnight);
    rows.extend((1..=9).map(|n| (recent + Duration::seconds(n.into()), n * 100, true)));
    rows.push((recent, 500, false));
    write_checks(&app, shown, &rows);
    app::ssr::monitoring::retention::upkeep(&mut app.db.conn(), Utc::now(), 30).unwrap();

    let base = format!("/status/acme/badge/c{shown}.svg");
    let cases = [
        ("", "Public API: operational"),
        ("?kind=uptime&window=24h", "uptime 24h: 90.00%"),
        ("?kind=uptime&window=7d", "uptime 7d: 95.00%"),
        ("?kind=uptime", "uptime 30d: 80.00%"),
        ("?kind=response", "response 24h: 500 ms"),
        ("?kind=response&window=7d", "response 7d: 40 ms"),
        ("?kind=response&window=30d", "response 30d: 60 ms"),
    ];
    for (query, expected) in cases {
        let (name, _) = badge(&app, &format!("{base}{query}")).await;
        assert_eq!(name, expected, "{query}");
    }

    // A custom label is text, escaped; the figures stay the page's.
    let (name, svg) = badge(&app, &format!("{base}?kind=uptime&window=7d&label=%3Cb%3EAPI%3C%2Fb%3E%20%26%20co")).await;
    assert_eq!(name, "&lt;b&gt;API&lt;/b&gt; &amp; co: 95.00%");
    assert!(!svg.contains("<b>"), "{svg}");

    // An outage declared by the team shows at once (the cache is dropped).
    let incident = json!({"title": "API down", "impact": "major_outage", "monitor_ids": [shown]});
    call(Method::POST, "/api/v1/incidents", incident).await;
    assert_eq!(badge(&app, &base).await.0, "Public API: major outage");

    // Bad queries name the parameter; what the page does not show is not found.
    for (query, field) in [("?kind=latency", "kind: "), ("?kind=uptime&window=90d", "window: ")] {
        let reply = app.get(&format!("{base}{query}"), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(reply.body.starts_with(field), "{query}: {}", reply.body);
    }
    let long = format!("{base}?label={}", "x".repeat(65));
    assert_eq!(app.get(&long, None).await.status, StatusCode::BAD_REQUEST);
    for path in [
        format!("/status/acme/badge/c{hidden}.svg"),
        format!("/status/acme/badge/{shown}.svg"),
        format!("/status/acme/badge/c{shown}.png"),
        format!("/status/nowhere/badge/c{shown}.svg"),
    ] {
        assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let draft = json!({"slug": "draft", "title": "Draft", "published": false,
                       "components": [{"monitor_id": shown, "name": "Public API"}]});
    call(Method::POST, "/api/v1/status-pages", draft).await;
    let reply = app.get(&format!("/status/draft/badge/c{shown}.svg"), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "an unpublished page's badge");
}
