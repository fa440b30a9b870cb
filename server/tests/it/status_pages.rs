//! Status pages: their configuration over the API, and the public page:
//! components under their public names with states from the incidents that
//! cover them, public updates only (never comments, details, monitor names
//! or targets), no scripts, 404 unless published, ETag and 304.

use crate::common::TestApp;
use app::model::Role;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Utc;
use serde_json::json;

struct Setup {
    app: TestApp,
    token: String,
}

impl Setup {
    fn new() -> Self {
        Self::with(TestApp::new())
    }

    fn with(app: TestApp) -> Self {
        let user = app.user("ops@example.com", Role::Member);
        let token = app.token(user.id);
        Self { app, token }
    }

    async fn call(&self, method: Method, path: &str, body: Option<serde_json::Value>) -> crate::common::Reply {
        self.app.api(method, path, Some(&self.token), body).await
    }

    async fn monitor(&self, name: &str, url: &str) -> i64 {
        let body = json!({ "name": name, "url": url, "interval_seconds": 60 });
        let reply = self.call(Method::POST, "/api/v1/monitors", Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.json()["id"].as_i64().unwrap()
    }
}

#[tokio::test]
async fn pages_are_configured_over_the_api_with_field_errors() {
    let setup = Setup::new();
    let api = setup.monitor("internal-api", "https://10.0.0.7/health").await;
    let db = setup.monitor("internal-db", "https://10.0.0.8/health").await;
    let body = json!({
        "slug": "acme", "title": "Acme status", "default": true,
        "components": [{"monitor_id": api, "name": "API", "group": "Core"}, {"monitor_id": db, "name": "Database"}],
    });
    let created = setup.call(Method::POST, "/api/v1/status-pages", Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let page = created.json();
    assert_eq!((page["default"].clone(), page["published"].clone()), (json!(true), json!(false)));
    assert_eq!(page["components"][0], json!({"monitor_id": api, "name": "API", "group": "Core"}));
    let id = page["id"].as_i64().unwrap();

    let taken = setup.call(Method::POST, "/api/v1/status-pages", Some(json!({"slug": "acme", "title": "Again"}))).await;
    assert_eq!((taken.status, taken.json()["error"]["field"].clone()), (StatusCode::CONFLICT, json!("slug")));
    // A second default takes over from the first.
    let other = setup
        .call(Method::POST, "/api/v1/status-pages", Some(json!({"slug": "beta", "title": "Beta", "default": true})))
        .await;
    assert_eq!(other.status, StatusCode::CREATED);
    let first = setup.call(Method::GET, &format!("/api/v1/status-pages/{id}"), None).await.json();
    assert_eq!(first["default"], false);

    for (body, field) in [
        (json!({"slug": "Not A Slug", "title": "x"}), "slug"),
        (json!({"slug": "x", "title": ""}), "title"),
        (json!({"slug": "x", "title": "x", "accent_color": "teal"}), "accent_color"),
        (json!({"slug": "x", "title": "x", "logo_url": "javascript:alert(1)"}), "logo_url"),
        (json!({"slug": "x", "title": "x", "components": [{"monitor_id": 999_999, "name": "Ghost"}]}), "components"),
        (json!({"slug": "x", "title": "x", "components": [{"monitor_id": api, "name": ""}]}), "components"),
    ] {
        let reply = setup.call(Method::POST, "/api/v1/status-pages", Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }

    // Components are replaced as a whole, in the order given.
    let changed = setup
        .call(
            Method::PATCH,
            &format!("/api/v1/status-pages/{id}"),
            Some(json!({"components": [{"monitor_id": db, "name": "Storage"}], "custom_domain": "status.acme.test"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json()["components"], json!([{"monitor_id": db, "name": "Storage", "group": null}]));
    assert_eq!(changed.json()["title"], "Acme status", "fields left out stay");
    assert_eq!(setup.app.api(Method::GET, "/api/v1/status-pages", None, None).await.status, StatusCode::UNAUTHORIZED);
    let deleted = setup.call(Method::DELETE, &format!("/api/v1/status-pages/{id}"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        setup.call(Method::GET, &format!("/api/v1/status-pages/{id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Two saves of one slug (or domain) at once: the second passes the
/// pre-check, waits on the first's row and, once that commits, answers 409
/// on the field, not 500.
#[tokio::test]
async fn racing_saves_of_one_slug_answer_conflict() {
    use diesel::RunQueryDsl;
    let setup = Setup::new();
    let mut first = setup.app.db.conn();
    for (held, body, field) in [
        ("('race', NULL, 'First')", json!({"slug": "race", "title": "Second"}), "slug"),
        (
            "('race-2', 'status.race.test', 'First')",
            json!({"slug": "other", "title": "Second", "custom_domain": "status.race.test"}),
            "custom_domain",
        ),
    ] {
        diesel::sql_query("BEGIN").execute(&mut first).unwrap();
        diesel::sql_query(format!("INSERT INTO status_pages (slug, custom_domain, title) VALUES {held}"))
            .execute(&mut first)
            .map(|_| ())
            .unwrap();
        let (reply, ()) = tokio::join!(setup.call(Method::POST, "/api/v1/status-pages", Some(body)), async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            diesel::sql_query("COMMIT").execute(&mut first).map(|_| ()).unwrap();
        });
        assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }
}

#[tokio::test]
async fn the_public_page_shows_public_things_only() {
    let setup = Setup::new();
    let api = setup.monitor("internal-api-7", "https://10.0.0.7/secret-health").await;
    let db = setup.monitor("internal-db-3", "https://10.0.0.8/health").await;
    let body = json!({
        "slug": "acme", "title": "Acme status", "description": "How Acme is doing.",
        "components": [{"monitor_id": api, "name": "Public API", "group": "Core"}, {"monitor_id": db, "name": "Storage"}],
    });
    setup.call(Method::POST, "/api/v1/status-pages", Some(body)).await;
    assert_eq!(setup.app.get("/status/acme", None).await.status, StatusCode::NOT_FOUND, "not published yet");
    setup.call(Method::PATCH, "/api/v1/status-pages/1", Some(json!({"published": true}))).await;

    let page = setup.app.get("/status/acme", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("All systems operational"), "{}", page.body);
    assert_eq!(page.body.matches("class=\"component\"").count(), 2);
    assert_eq!(page.body.matches("bar bar-none").count(), 180, "90 days without data, shown as such");

    let marker = format!("private-{}", Utc::now().timestamp_nanos_opt().unwrap());
    let incident = json!({"title": "Elevated API errors", "impact": "partial_outage", "monitor_ids": [api],
                          "details": format!("details {marker}")});
    let incident = setup.call(Method::POST, "/api/v1/incidents", Some(incident)).await.json();
    let id = incident["id"].as_i64().unwrap();
    setup.call(Method::POST, &format!("/api/v1/incidents/{id}/comments"), Some(json!({"body": marker}))).await;
    let update = json!({"status": "identified", "body": "A bad deploy; **rolling back**."});
    setup.call(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(update)).await;
    // An incident whose impact is unknown only turns its component down.
    let unknown = json!({"title": format!("hidden {marker}"), "monitor_ids": [db]});
    setup.call(Method::POST, "/api/v1/incidents", Some(unknown)).await;

    let page = setup.app.get("/status/acme", None).await;
    let html = &page.body;
    assert!(html.contains("Major outage"), "the unknown incident shows Storage down: {html}");
    assert!(html.contains("Elevated API errors") && html.contains("<strong>rolling back</strong>"), "{html}");
    assert!(html.contains("Partial outage") && html.contains("Public API") && html.contains("Core"));
    for secret in [marker.as_str(), "internal-api-7", "internal-db-3", "10.0.0.7", "secret-health"] {
        assert!(!html.contains(secret), "the public page shows `{secret}`");
    }
    assert_eq!(html.matches("<script").count(), 1, "one script, for local times only");
    assert!(html.contains(r#"<script src="/localtime.js" defer></script>"#), "external, no inline code");
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.header("cache-control").unwrap().contains("stale-while-revalidate"));

    // Conditional requests.
    let tag = page.header("etag").unwrap().to_owned();
    let request = Request::get("/status/acme").header(header::IF_NONE_MATCH, &tag).body(Body::empty()).unwrap();
    let again = setup.app.send(request).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    setup.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    let request = Request::get("/status/acme").header(header::IF_NONE_MATCH, &tag).body(Body::empty()).unwrap();
    let changed = setup.app.send(request).await;
    assert_eq!(changed.status, StatusCode::OK, "a change makes a new page");
    assert!(changed.body.contains("Past incidents") && changed.body.contains("Resolved"));
    assert_eq!(setup.app.get("/status/nope", None).await.status, StatusCode::NOT_FOUND);
}

/// A published page with one component, an incident with an update that
/// was then resolved, and a planned maintenance; returns the incident id.
async fn published_page_with_history(setup: &Setup) -> i64 {
    let api = setup.monitor("internal-api-7", "https://10.0.0.7/secret-health").await;
    let body = json!({"slug": "acme", "title": "Acme status", "published": true, "default": true,
                      "custom_domain": "status.acme.test",
                      "components": [{"monitor_id": api, "name": "Public API"}]});
    assert_eq!(setup.call(Method::POST, "/api/v1/status-pages", Some(body)).await.status, StatusCode::CREATED);
    let incident = json!({"title": "Login errors", "impact": "major_outage", "monitor_ids": [api]});
    let id = setup.call(Method::POST, "/api/v1/incidents", Some(incident)).await.json()["id"].as_i64().unwrap();
    let update = json!({"status": "monitoring", "body": "A fix is out; **watching**."});
    setup.call(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(update)).await;
    setup
        .call(Method::POST, &format!("/api/v1/incidents/{id}/comments"), Some(json!({"body": "comment-marker-42"})))
        .await;
    setup.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve"), None).await;
    let start = Utc::now() + chrono::Duration::days(2);
    let maintenance = json!({"kind": "maintenance", "title": "Database upgrade", "monitor_ids": [api],
                             "scheduled_start": start, "scheduled_end": start + chrono::Duration::hours(1)});
    assert_eq!(setup.call(Method::POST, "/api/v1/incidents", Some(maintenance)).await.status, StatusCode::CREATED);
    id
}

#[tokio::test]
async fn feeds_list_public_events_with_stable_ids() {
    let setup = Setup::new();
    let id = published_page_with_history(&setup).await;

    let rss = setup.app.get("/status/acme/feed.rss", None).await;
    assert_eq!(rss.status, StatusCode::OK);
    assert_eq!(rss.header("content-type"), Some("application/rss+xml; charset=utf-8"));
    let feed = feed_rs::parser::parse(rss.body.as_bytes()).expect("valid RSS");
    let titles: Vec<String> = feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect();
    assert_eq!(titles.len(), 4, "{titles:?}");
    for expected in [
        "Incident: Login errors",
        "Monitoring: Login errors",
        "Resolved: Login errors",
        "Maintenance scheduled: Database upgrade",
    ] {
        assert!(titles.iter().any(|t| t == expected), "{expected} in {titles:?}");
    }
    let update =
        feed.entries.iter().find(|e| e.id == format!("urn:vigie:incident:{id}:update:1")).expect("the update's item");
    assert!(update.summary.as_ref().unwrap().content.contains("<strong>watching</strong>"));
    assert!(update.published.is_some());
    assert!(update.links[0].href.ends_with(&format!("/status/acme/incidents/{id}")));

    let atom = setup.app.get("/status/acme/feed.atom", None).await;
    assert_eq!(atom.header("content-type"), Some("application/atom+xml; charset=utf-8"));
    let atom_feed = feed_rs::parser::parse(atom.body.as_bytes()).expect("valid Atom");
    let ids = |f: &feed_rs::model::Feed| f.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&atom_feed), ids(&feed), "the same items, the same ids");
    let again = feed_rs::parser::parse(setup.app.get("/status/acme/feed.atom", None).await.body.as_bytes()).unwrap();
    assert_eq!(ids(&again), ids(&atom_feed), "ids are stable");
    for body in [&rss.body, &atom.body] {
        assert!(!body.contains("comment-marker-42") && !body.contains("internal-api-7") && !body.contains("10.0.0.7"));
    }
    let page = setup.app.get("/status/acme", None).await;
    assert!(page.body.contains(r#"type="application/rss+xml""#) && page.body.contains("/status/acme/feed.atom"));
    assert_eq!(setup.app.get("/status/nope/feed.rss", None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_default_page_is_at_the_root_and_each_incident_has_a_page() {
    let setup = Setup::new();
    let id = published_page_with_history(&setup).await;
    let root = setup.app.get("/", None).await;
    assert_eq!(root.status, StatusCode::OK);
    assert!(root.body.contains("Acme status") && root.body.matches("<script").count() == 1, "{}", root.body);
    let request = Request::get("/").header(header::HOST, "status.acme.test").body(Body::empty()).unwrap();
    assert!(setup.app.send(request).await.body.contains("Acme status"), "the custom domain's page");

    let incident = setup.app.get(&format!("/status/acme/incidents/{id}"), None).await;
    assert_eq!(incident.status, StatusCode::OK);
    assert!(incident.body.contains("Login errors") && incident.body.contains("<strong>watching</strong>"));
    assert!(!incident.body.contains("comment-marker-42"));
    assert_eq!(setup.app.get("/status/acme/incidents/999999", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(setup.app.get("/status/acme/incidents/x", None).await.status, StatusCode::NOT_FOUND);

    // History, by month.
    let month = Utc::now().format("%Y-%m").to_string();
    let history = setup.app.get(&format!("/status/acme/history?month={month}"), None).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("Login errors") && history.body.contains("rel=\"prev\""), "{}", history.body);
    assert!(!history.body.contains("rel=\"next\""), "no link to the future");
    let last_year = (Utc::now() - chrono::Duration::days(400)).format("%Y-%m").to_string();
    let old = setup.app.get(&format!("/status/acme/history?month={last_year}"), None).await;
    assert!(old.body.contains("No incidents this month.") && old.body.contains("rel=\"next\""));
    for bad in ["2999-01", "nope", "2026-13"] {
        let reply = setup.app.get(&format!("/status/acme/history?month={bad}"), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert!(setup.app.get("/status/acme", None).await.body.contains("/status/acme/history"));

    // Without a default page, the root is the home page again.
    setup.call(Method::PATCH, "/api/v1/status-pages/1", Some(json!({"default": false, "custom_domain": null}))).await;
    let home = setup.app.get("/", None).await;
    assert!(!home.body.contains("Acme status"));
}

#[tokio::test]
async fn the_statuspage_api_answers_in_its_shapes() {
    let setup = Setup::new();
    let api = setup.monitor("internal-api-7", "https://10.0.0.7/secret-health").await;
    let db = setup.monitor("internal-db-3", "https://10.0.0.8/health").await;
    let body = json!({"slug": "acme", "title": "Acme status", "published": true,
                      "components": [{"monitor_id": api, "name": "API", "group": "Core"}, {"monitor_id": db, "name": "Storage"}]});
    setup.call(Method::POST, "/api/v1/status-pages", Some(body)).await;
    let get = |path: &'static str| {
        let app = &setup.app;
        async move {
            let reply = app.get(&format!("/status/acme/api/v2/{path}"), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
            assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
            reply.json()
        }
    };
    let status = get("status.json").await;
    assert_eq!(status["status"], json!({"indicator": "none", "description": "All Systems Operational"}));
    assert_eq!(status["page"]["name"], "Acme status");
    assert_eq!(status["page"]["time_zone"], "Etc/UTC");

    let incident = json!({"title": "Slow API", "impact": "degraded_performance", "monitor_ids": [api]});
    let id = setup.call(Method::POST, "/api/v1/incidents", Some(incident)).await.json()["id"].as_i64().unwrap();
    setup
        .call(
            Method::POST,
            &format!("/api/v1/incidents/{id}/updates"),
            Some(json!({"status": "identified", "body": "Found it."})),
        )
        .await;
    let start = Utc::now() + chrono::Duration::days(1);
    let maintenance = json!({"kind": "maintenance", "title": "Upgrade", "monitor_ids": [db],
                             "scheduled_start": start, "scheduled_end": start + chrono::Duration::hours(2)});
    setup.call(Method::POST, "/api/v1/incidents", Some(maintenance)).await;

    let summary = get("summary.json").await;
    assert_eq!(summary["status"]["indicator"], "minor");
    let components = summary["components"].as_array().unwrap();
    let api_component = components.iter().find(|c| c["name"] == "API").unwrap();
    assert_eq!(api_component["status"], "degraded_performance");
    let group = components.iter().find(|c| c["group"] == true).unwrap();
    assert_eq!((group["name"].clone(), group["status"].clone()), (json!("Core"), json!("degraded_performance")));
    assert_eq!(api_component["group_id"], group["id"]);
    let unresolved = &summary["incidents"][0];
    assert_eq!(
        (unresolved["name"].clone(), unresolved["status"].clone(), unresolved["impact"].clone()),
        (json!("Slow API"), json!("identified"), json!("minor"))
    );
    assert_eq!(unresolved["incident_updates"][0]["body"], "Found it.");
    assert_eq!(unresolved["components"][0]["name"], "API");
    assert_eq!(summary["scheduled_maintenances"][0]["status"], "scheduled");
    assert!(summary["scheduled_maintenances"][0]["scheduled_for"].is_string());

    assert_eq!(get("components.json").await["components"].as_array().unwrap().len(), 3);
    assert_eq!(get("incidents/unresolved.json").await["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(get("incidents.json").await["incidents"][0]["name"], "Slow API");
    assert_eq!(get("scheduled-maintenances.json").await["scheduled_maintenances"][0]["name"], "Upgrade");
    assert_eq!(
        get("scheduled-maintenances/upcoming.json").await["scheduled_maintenances"].as_array().unwrap().len(),
        1
    );
    assert_eq!(get("scheduled-maintenances/active.json").await["scheduled_maintenances"].as_array().unwrap().len(), 0);
    let all = get("summary.json").await.to_string();
    assert!(!all.contains("internal-api-7") && !all.contains("10.0.0."), "{all}");
    assert_eq!(setup.app.get("/status/acme/api/v2/nothing.json", None).await.status, StatusCode::NOT_FOUND);
}

/// Under a rush the page is rendered once per change: a change anywhere
/// (here, an update published) reaches PostgreSQL's trigger, the listener
/// drops the cached page, and the next request renders it again.
#[tokio::test]
async fn pages_are_rendered_once_per_change_and_served_compressed() {
    use app::ssr::status_pages::cache::{CHANGE_CHANNEL, PageCache};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let cache = Arc::new(PageCache::new(std::time::Duration::from_secs(600)));
    let app = TestApp::with_page_cache(cache.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let invalidate = cache.clone();
    let listener = server::workers::listener::spawn(app.db.db.clone(), CHANGE_CHANNEL, stop.clone(), move || {
        invalidate.invalidate()
    })
    .unwrap();
    let setup = Setup::with(app);
    let id = published_page_with_history(&setup).await;
    // Let the listener take in the notifications of the setup.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let first = setup.app.get("/status/acme", None).await;
    let renders = cache.renders();
    for _ in 0..50 {
        let again = setup.app.get("/status/acme", None).await;
        assert_eq!(again.header("etag"), first.header("etag"));
    }
    assert_eq!(cache.renders(), renders, "50 visits, no render");
    let request = Request::get("/status/acme").header(header::ACCEPT_ENCODING, "gzip, br").body(Body::empty()).unwrap();
    let compressed = setup.app.send(request).await;
    assert_eq!(compressed.header("content-encoding"), Some("gzip"));
    assert!(compressed.header("last-modified").is_some());

    let update = json!({"status": "resolved", "body": "Post-mortem: cache-change-marker."});
    setup.call(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(update)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let page = setup.app.get("/status/acme", None).await;
        if page.body.contains("cache-change-marker") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the change never reached the cached page");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(cache.renders(), renders + 1, "rendered again once");
    stop.store(true, Ordering::Relaxed);
    listener.join().unwrap();
}

#[tokio::test]
async fn the_team_previews_a_page_before_publishing_it() {
    let setup = Setup::new();
    let api = setup.monitor("internal-api-7", "https://10.0.0.7/secret-health").await;
    let body =
        json!({"slug": "acme", "title": "Acme status", "components": [{"monitor_id": api, "name": "Public API"}]});
    let id = setup.call(Method::POST, "/api/v1/status-pages", Some(body)).await.json()["id"].as_i64().unwrap();
    let path = format!("/console/status-pages/{id}/preview");
    assert_eq!(setup.app.get(&path, None).await.status, StatusCode::SEE_OTHER, "signed-in members only");
    assert_eq!(setup.app.get("/status/acme", None).await.status, StatusCode::NOT_FOUND);
    let cookie = setup.app.sign_in("ops@example.com").await;
    let preview = setup.app.get(&path, Some(&cookie)).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("not published") && preview.body.contains("Public API"), "{}", preview.body);
    assert!(!preview.body.contains("internal-api-7"));
    assert_eq!(preview.header("cache-control"), Some("no-store"));
    let missing = setup.app.get("/console/status-pages/999999/preview", Some(&cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // The console's server functions ask who is there.
    assert_eq!(setup.app.rpc("list_status_pages", &[], None).await.status, StatusCode::UNAUTHORIZED);
    let listed = setup.app.rpc("list_status_pages", &[], Some(&cookie)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert!(listed.body.contains("Acme status"));
}

/// The cache is no lever for a flood: thousands of made-up slugs and `Host`
/// headers are answered from what is known to be published, without a
/// render; made-up incident ids and feed hosts render but never push the
/// real page out.
#[tokio::test]
async fn made_up_slugs_hosts_and_paths_neither_render_nor_evict_the_real_page() {
    use app::ssr::status_pages::cache::PageCache;
    use std::sync::Arc;
    let cache = Arc::new(PageCache::with_capacity(std::time::Duration::from_secs(600), 100));
    let setup = Setup::with(TestApp::with_page_cache(cache.clone()));
    published_page_with_history(&setup).await;
    let get = |path: String, host: String| {
        let request = Request::get(path).header(header::HOST, host).body(Body::empty()).unwrap();
        setup.app.send(request)
    };
    let real = get("/status/acme".into(), "status.example.com".into()).await;
    assert_eq!(real.status, StatusCode::OK);
    assert_eq!(get("/".into(), "status.example.com".into()).await.status, StatusCode::OK);
    let renders = cache.renders();

    for i in 0..1000 {
        let host = format!("h{i}.attacker.test");
        let unknown = get(format!("/status/nope-{i}"), host.clone()).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(get(format!("/status/nope-{i}/feed.rss"), host.clone()).await.status, StatusCode::NOT_FOUND);
        let page = get("/status/acme".into(), host.clone()).await;
        assert_eq!(page.header("etag"), real.header("etag"), "every host shares the real page");
        assert_eq!(get("/".into(), host).await.status, StatusCode::OK);
    }
    assert_eq!(cache.renders(), renders, "4,000 made-up requests, not one render");
    assert!(cache.len() <= 3, "and no entries: {}", cache.len());

    // Made-up incident ids and feed hosts render (they may exist) but are
    // not kept beyond the cache's room, and the real page stays.
    for i in 0..300 {
        let host = format!("f{i}.attacker.test");
        assert_eq!(
            get(format!("/status/acme/incidents/{}", 900_000 + i), host.clone()).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(get("/status/acme/feed.atom".into(), host).await.status, StatusCode::OK);
    }
    assert!(cache.len() <= 100, "{}", cache.len());
    let before = cache.renders();
    assert_eq!(get("/status/acme".into(), "x.attacker.test".into()).await.header("etag"), real.header("etag"));
    assert_eq!(cache.renders(), before, "the real page was not pushed out");
}
