//! What users of mature tools expect of an incident, through the REST API:
//! correcting and withdrawing public updates (feeds keep the id), changing
//! the affected monitors, moving a maintenance's window before and during it
//! (announced publicly), an impact set with the first update, names that
//! outlive a removed member, and comment routes that check the incident in
//! their path, with admins able to delete any comment.

use crate::common::{Reply, TestApp};
use app::model::Role;
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;

struct Team {
    app: TestApp,
    member: String,
    other: String,
    admin: String,
    monitors: Vec<i64>,
}

impl Team {
    async fn new() -> Self {
        let app = TestApp::new();
        let member = app.user("member@example.com", Role::Member);
        let other = app.user("other@example.com", Role::Member);
        let admin = app.user("admin@example.com", Role::Admin);
        let (member, other, admin) = (app.token(member.id), app.token(other.id), app.token(admin.id));
        let mut team = Self { app, member, other, admin, monitors: Vec::new() };
        for name in ["db-primary", "api-eu", "web-eu"] {
            let body = json!({"name": name, "url": format!("http://127.0.0.1:9/{name}"), "interval_seconds": 60});
            let id = team.call(Method::POST, "/api/v1/monitors", Some(body)).await.json()["id"].as_i64().unwrap();
            team.monitors.push(id);
        }
        let components: Vec<_> = team
            .monitors
            .iter()
            .zip(["Database", "API", "Website"])
            .map(|(id, name)| json!({"monitor_id": id, "name": name}))
            .collect();
        let page = json!({"slug": "acme", "title": "Acme", "published": true, "components": components});
        assert_eq!(team.call(Method::POST, "/api/v1/status-pages", Some(page)).await.status, StatusCode::CREATED);
        team
    }

    async fn call(&self, method: Method, uri: &str, body: Option<serde_json::Value>) -> Reply {
        self.app.api(method, uri, Some(&self.member), body).await
    }

    async fn incident(&self, body: serde_json::Value) -> i64 {
        let reply = self.call(Method::POST, "/api/v1/incidents", Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.json()["id"].as_i64().unwrap()
    }

    async fn events(&self, id: i64) -> Vec<serde_json::Value> {
        self.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json()["events"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn feed(&self) -> feed_rs::model::Feed {
        let body = self.app.get("/status/acme/feed.atom", None).await.body;
        feed_rs::parser::parse(body.as_bytes()).unwrap()
    }
}

#[tokio::test]
async fn public_updates_are_corrected_and_withdrawn_everywhere() {
    let t = Team::new().await;
    let id = t
        .incident(json!({"title": "Slow API", "impact": "degraded_performance", "monitor_ids": [t.monitors[1]]}))
        .await;
    let url = format!("/api/v1/incidents/{id}/updates");
    let first =
        t.call(Method::POST, &url, Some(json!({"status": "investigating", "body": "Typo-ed tetx."}))).await.json();
    let second = t.call(Method::POST, &url, Some(json!({"status": "identified", "body": "Cause found."}))).await.json();
    let (first, second) = (first["id"].as_i64().unwrap(), second["id"].as_i64().unwrap());
    let feed_id = format!("urn:vigie:incident:{id}:update:{first}");
    let before = t.feed().await;
    let entry = before.entries.iter().find(|e| e.id == feed_id).unwrap();
    let published = entry.updated.unwrap();

    // Corrected by another member: same id, new text, marked edited.
    let reply = t
        .app
        .api(Method::PATCH, &format!("{url}/{first}"), Some(&t.other), Some(json!({"body": "Corrected **text**."})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let corrected = reply.json();
    assert_eq!((corrected["id"].as_i64(), corrected["status"].as_str()), (Some(first), Some("investigating")));
    assert_eq!(corrected["body_html"], "<p>Corrected <strong>text</strong>.</p>\n");
    assert!(corrected["edited_at"].is_string());
    let after = t.feed().await;
    let entry = after.entries.iter().find(|e| e.id == feed_id).expect("the same item id");
    let html = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
    assert!(html.contains("<strong>text</strong>") && !html.contains("tetx"), "{html}");
    assert!(entry.updated.unwrap() > published, "the item says it changed");
    let page = t.app.get(&format!("/status/acme/incidents/{id}"), None).await.body;
    assert!(page.contains("Corrected <strong>text</strong>") && !page.contains("tetx"));
    let json = t.app.get("/status/acme/api/v2/incidents/unresolved.json", None).await.json();
    let updates = json["incidents"][0]["incident_updates"].as_array().unwrap();
    assert!(updates.iter().any(|u| u["body"] == "Corrected text." && u["id"] == format!("u{first}")));

    // Bad corrections name their field; another incident's update is not found.
    let empty = t.call(Method::PATCH, &format!("{url}/{first}"), Some(json!({"body": " "}))).await;
    assert_eq!(
        (empty.status, empty.json()["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("body"))
    );
    let other = t.incident(json!({"title": "Other", "monitor_ids": [t.monitors[0]]})).await;
    let wrong =
        t.call(Method::PATCH, &format!("/api/v1/incidents/{other}/updates/{first}"), Some(json!({"body": "x"}))).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let wrong = t.call(Method::DELETE, &format!("/api/v1/incidents/{other}/updates/{first}"), None).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    // Withdrawn: gone from the page and the feeds; the timeline keeps it.
    assert_eq!(t.call(Method::DELETE, &format!("{url}/{second}"), None).await.status, StatusCode::NO_CONTENT);
    let page = t.app.get(&format!("/status/acme/incidents/{id}"), None).await.body;
    assert!(!page.contains("Cause found."));
    assert!(!t.feed().await.entries.iter().any(|e| e.id.ends_with(&format!("update:{second}"))));
    let kinds: Vec<String> = t.events(id).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["opened", "update_published", "update_published", "update_edited", "update_deleted"]);
}

#[tokio::test]
async fn the_first_update_can_set_the_impact_so_the_public_sees_it() {
    let t = Team::new().await;
    let id = t.incident(json!({"title": "Checkout", "monitor_ids": [t.monitors[1]]})).await;
    let url = format!("/api/v1/incidents/{id}/updates");
    t.call(Method::POST, &url, Some(json!({"status": "investigating", "body": "Not yet public."}))).await;
    let page = t.app.get("/status/acme", None).await.body;
    assert!(!page.contains("Not yet public."), "unknown impact: no update shown");
    let reply = t
        .call(
            Method::POST,
            &url,
            Some(json!({"status": "identified", "body": "Now public.", "impact": "partial_outage"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let incident = t.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    assert_eq!(incident["impact"], "partial_outage");
    let page = t.app.get("/status/acme", None).await.body;
    assert!(page.contains("Now public.") && page.contains("Checkout"), "{page}");
    let bad = t.call(Method::POST, &url, Some(json!({"status": "identified", "body": "x", "impact": "huge"}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn affected_monitors_change_on_the_timeline_and_the_page() {
    let t = Team::new().await;
    let [db, api, web] = [t.monitors[0], t.monitors[1], t.monitors[2]];
    let id = t.incident(json!({"title": "Errors", "impact": "major_outage", "monitor_ids": [api]})).await;
    let components = || async {
        let json = t.app.get("/status/acme/api/v2/components.json", None).await.json();
        json["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap().to_owned(), c["status"].as_str().unwrap().to_owned()))
            .collect::<Vec<_>>()
    };
    assert!(components().await.contains(&("API".to_owned(), "major_outage".to_owned())));

    let reply =
        t.call(Method::PATCH, &format!("/api/v1/incidents/{id}"), Some(json!({"monitor_ids": [web, db]}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut ids: Vec<i64> =
        reply.json()["monitor_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, {
        let mut want = vec![db, web];
        want.sort();
        want
    });
    let now = components().await;
    assert!(now.contains(&("API".to_owned(), "operational".to_owned())), "{now:?}");
    assert!(now.contains(&("Website".to_owned(), "major_outage".to_owned())), "{now:?}");
    let last = t.events(id).await.last().unwrap().clone();
    assert_eq!(last["kind"], "monitors_changed");
    assert_eq!(last["details"]["removed"], json!([api]));

    for (body, field) in
        [(json!({"monitor_ids": []}), "monitor_ids"), (json!({"monitor_ids": [999_999]}), "monitor_ids")]
    {
        let reply = t.call(Method::PATCH, &format!("/api/v1/incidents/{id}"), Some(body)).await;
        assert_eq!(
            (reply.status, reply.json()["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field))
        );
    }
}

#[tokio::test]
async fn a_maintenance_window_moves_before_and_during_it_and_is_announced() {
    let t = Team::new().await;
    let monitor = t.monitors[0];
    let start = Utc::now() + Duration::days(2);
    let body = json!({"kind": "maintenance", "title": "Database upgrade", "monitor_ids": [monitor],
                      "scheduled_start": start, "scheduled_end": start + Duration::hours(1)});
    let id = t.incident(body).await;
    let url = format!("/api/v1/incidents/{id}");

    // Before: both ends move; the feeds announce the new window.
    let later = start + Duration::days(1);
    let reply = t
        .call(Method::PATCH, &url, Some(json!({"scheduled_start": later, "scheduled_end": later + Duration::hours(2)})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["state"], "scheduled");
    let feed = t.feed().await;
    let moved = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().is_some_and(|t| t.content == "Maintenance rescheduled: Database upgrade"))
        .expect("the reschedule is announced");
    let html = moved.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
    assert!(html.contains(&later.format("%Y-%m-%d %H:%M").to_string()), "{html}");
    let page = t.app.get("/status/acme", None).await.body;
    assert!(page.contains("(rescheduled)"), "{page}");
    let upcoming = t.app.get("/status/acme/api/v2/scheduled-maintenances/upcoming.json", None).await.json();
    let scheduled_for: chrono::DateTime<Utc> =
        upcoming["scheduled_maintenances"][0]["scheduled_for"].as_str().unwrap().parse().unwrap();
    assert_eq!(scheduled_for.timestamp(), later.timestamp());

    // Moved to now: it starts at once.
    let now = Utc::now();
    let reply = t.call(Method::PATCH, &url, Some(json!({"scheduled_start": now - Duration::seconds(1)}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["state"], "ongoing");
    let status = t.call(Method::GET, &format!("/api/v1/monitors/{monitor}"), None).await.json()["status"].clone();
    assert_eq!(status, "maintenance");

    // During: the start is fixed, the end moves (not into the past).
    let reply = t.call(Method::PATCH, &url, Some(json!({"scheduled_start": now + Duration::hours(1)}))).await;
    assert_eq!(
        (reply.status, reply.json()["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("scheduled_start"))
    );
    let reply = t.call(Method::PATCH, &url, Some(json!({"scheduled_end": now - Duration::minutes(5)}))).await;
    assert_eq!(
        (reply.status, reply.json()["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("scheduled_end"))
    );
    let reply = t.call(Method::PATCH, &url, Some(json!({"scheduled_end": now + Duration::hours(3)}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let kinds: Vec<String> = t.events(id).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "window_changed").count(), 3, "{kinds:?}");

    // Over: nothing moves any more; a manual incident has no window.
    t.call(Method::POST, &format!("{url}/resolve"), None).await;
    let reply = t.call(Method::PATCH, &url, Some(json!({"scheduled_end": now + Duration::hours(5)}))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let manual = t.incident(json!({"title": "x", "monitor_ids": [monitor]})).await;
    let reply = t
        .call(
            Method::PATCH,
            &format!("/api/v1/incidents/{manual}"),
            Some(json!({"scheduled_end": now + Duration::hours(5)})),
        )
        .await;
    assert_eq!(reply.json()["error"]["field"], "scheduled_start");
}

#[tokio::test]
async fn comment_routes_check_the_incident_and_admins_delete_any_comment() {
    let t = Team::new().await;
    let first = t.incident(json!({"title": "One", "monitor_ids": [t.monitors[0]]})).await;
    let second = t.incident(json!({"title": "Two", "monitor_ids": [t.monitors[0]]})).await;
    let comment = t
        .call(Method::POST, &format!("/api/v1/incidents/{first}/comments"), Some(json!({"body": "mine"})))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();

    // Through the wrong incident: not found, and nothing changes.
    let wrong = format!("/api/v1/incidents/{second}/comments/{comment}");
    assert_eq!(t.call(Method::PATCH, &wrong, Some(json!({"body": "moved"}))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.call(Method::DELETE, &wrong, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.app.api(Method::DELETE, &wrong, Some(&t.admin), None).await.status, StatusCode::NOT_FOUND);
    let listed = t.call(Method::GET, &format!("/api/v1/incidents/{first}/comments"), None).await.json();
    assert_eq!(listed[0]["body"], "mine");

    // Another member may not; an admin may, and the timeline says whose it was.
    let right = format!("/api/v1/incidents/{first}/comments/{comment}");
    assert_eq!(t.app.api(Method::DELETE, &right, Some(&t.other), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.app.api(Method::PATCH, &right, Some(&t.admin), Some(json!({"body": "x"}))).await.status,
        StatusCode::FORBIDDEN,
        "admins delete, they do not rewrite"
    );
    assert_eq!(t.app.api(Method::DELETE, &right, Some(&t.admin), None).await.status, StatusCode::NO_CONTENT);
    let last = t.events(first).await.last().unwrap().clone();
    assert_eq!((last["kind"].as_str(), last["actor"]["name"].as_str()), (Some("comment_deleted"), Some("admin")));
    assert_eq!(last["details"]["author"], "member");
}

#[tokio::test]
async fn a_removed_member_keeps_their_name_on_the_timeline_comments_and_updates() {
    let t = Team::new().await;
    let leaver = t.app.user("leaver@example.com", Role::Member);
    let token = t.app.token(leaver.id);
    let id = t.incident(json!({"title": "Outage", "impact": "major_outage", "monitor_ids": [t.monitors[0]]})).await;
    for (method, uri, body) in [
        (Method::POST, format!("/api/v1/incidents/{id}/comments"), json!({"body": "I looked."})),
        (Method::POST, format!("/api/v1/incidents/{id}/updates"), json!({"status": "identified", "body": "Found."})),
        (Method::PATCH, format!("/api/v1/incidents/{id}"), json!({"impact": "partial_outage"})),
    ] {
        let reply = t.app.api(method, &uri, Some(&token), Some(body)).await;
        assert!(reply.status.is_success(), "{uri}: {}", reply.body);
    }

    let removed = t.app.api(Method::DELETE, &format!("/api/v1/users/{}", leaver.id), Some(&t.admin), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    let incident = t.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    assert_eq!(incident["comments"][0]["author"]["name"], "leaver");
    assert_eq!(incident["updates"][0]["author"]["name"], "leaver");
    let changed = incident["events"].as_array().unwrap().iter().find(|e| e["kind"] == "impact_changed").unwrap();
    assert_eq!(changed["actor"], json!({"id": leaver.id, "name": "leaver"}));
}
