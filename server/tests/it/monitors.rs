//! `/api/v1/monitors`: defining, changing, pausing and removing monitors.

use crate::common;

use app::model::Role;
use axum::http::{Method, StatusCode};
use common::{TestApp, target};
use serde_json::json;

#[tokio::test]
async fn a_monitor_is_created_with_defaults_changed_paused_and_removed() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);

    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Site", "url": "https://example.com"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let monitor = created.json();
    assert_eq!(monitor["kind"], "http");
    assert_eq!(monitor["url"], "https://example.com/");
    assert_eq!(monitor["method"], "GET");
    assert_eq!(monitor["accepted_status"], "200-299");
    assert_eq!(monitor["interval_seconds"], 60);
    assert_eq!(monitor["timeout_seconds"], 10);
    assert_eq!(monitor["regions"], json!(["local"]));
    assert_eq!(monitor["incident_confirmations"], 3);
    assert_eq!(monitor["recovery_confirmations"], 2);
    assert_eq!(monitor["status"], "pending");
    let id = monitor["id"].as_i64().unwrap();
    let uri = format!("/api/v1/monitors/{id}");

    let changed =
        app.api(Method::PATCH, &uri, Some(&token), Some(json!({"interval_seconds": 300, "keyword": "healthy"}))).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json()["interval_seconds"], 300);
    assert_eq!(changed.json()["keyword"], "healthy");
    assert_eq!(changed.json()["url"], "https://example.com/", "fields not given stay");

    let invalid = app.api(Method::PATCH, &uri, Some(&token), Some(json!({"timeout_seconds": 400}))).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.json()["error"]["field"], "timeout_seconds");
    assert_eq!(app.api(Method::GET, &uri, Some(&token), None).await.json()["timeout_seconds"], 10);

    let paused = app.api(Method::POST, &format!("{uri}/pause"), Some(&token), None).await;
    assert_eq!(paused.json()["status"], "paused");
    assert_eq!(paused.json()["paused"], true);
    let resumed = app.api(Method::POST, &format!("{uri}/resume"), Some(&token), None).await;
    assert_eq!(resumed.json()["status"], "pending");

    let list = app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);

    assert_eq!(app.api(Method::DELETE, &uri, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api(Method::GET, &uri, Some(&token), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api(Method::DELETE, &uri, Some(&token), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_monitors_are_refused_field_by_field() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let cases = [
        (json!({"name": "x", "url": "ftp://example.com"}), "url"),
        (json!({"name": "x", "url": "https://example.com", "interval_seconds": 5}), "interval_seconds"),
        (json!({"name": "x", "url": "https://example.com", "accepted_status": "2xx"}), "accepted_status"),
        (json!({"name": "x", "url": "https://example.com", "regions": ["mars"]}), "regions"),
        (json!({"name": "x", "kind": "tcp", "host": "db.internal"}), "port"),
        (json!({"url": "https://example.com"}), "name"),
    ];
    for (body, field) in cases {
        let reply = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field, "{body}");
    }
    let unknown = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "x", "url": "https://e.com", "colour": 1})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.json()["error"]["message"].as_str().unwrap().contains("colour"));

    let tcp = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Database", "kind": "tcp", "host": "db.internal", "port": 5432})),
        )
        .await;
    assert_eq!(tcp.status, StatusCode::CREATED, "{}", tcp.body);
    assert_eq!(tcp.json()["host"], "db.internal");
    assert_eq!(tcp.json()["port"], 5432);
    assert_eq!(tcp.json()["url"], serde_json::Value::Null);

    assert_eq!(app.api(Method::GET, "/api/v1/monitors", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api(Method::GET, "/api/v1/monitors/x", Some(&token), None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn check_now_probes_the_target_from_the_servers_region() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let base = target::http_target().await;
    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Target", "url": format!("{base}/ok"), "keyword": "healthy"})),
        )
        .await;
    let id = created.json()["id"].as_i64().unwrap();

    let check = app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), Some(&token), None).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let check = check.json();
    assert_eq!(check["outcome"], "up");
    assert_eq!(check["region"], "local");
    assert_eq!(check["status_code"], 200);
    assert_eq!(check["failure"], serde_json::Value::Null);

    app.api(
        Method::PATCH,
        &format!("/api/v1/monitors/{id}"),
        Some(&token),
        Some(json!({"url": format!("{base}/fail")})),
    )
    .await;
    let failed = app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), Some(&token), None).await.json();
    assert_eq!(failed["outcome"], "down");
    assert_eq!(failed["failure"], "status");
    assert_eq!(failed["status_code"], 500);

    let missing = app.api(Method::POST, "/api/v1/monitors/999999/check", Some(&token), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn recorded_checks_are_listed_newest_first() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let base = target::http_target().await;
    let created = app
        .api(Method::POST, "/api/v1/monitors", Some(&token), Some(json!({"name": "T", "url": format!("{base}/ok")})))
        .await;
    let id = created.json()["id"].as_i64().unwrap();
    let scheduler = server::workers::scheduler::Scheduler::new(
        app.db.db.clone(),
        app::ssr::monitoring::probe::Prober::new("local").unwrap(),
        "local",
        4,
    )
    .await
    .unwrap();
    assert_eq!(scheduler.run_once().await.unwrap(), 1);

    let checks = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks?limit=10"), Some(&token), None).await;
    assert_eq!(checks.status, StatusCode::OK, "{}", checks.body);
    let checks = checks.json();
    assert_eq!(checks.as_array().unwrap().len(), 1);
    assert_eq!(checks[0]["region"], "local");
    assert_eq!(checks[0]["outcome"], "up");
    assert_eq!(checks[0]["status_code"], 200);
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/monitors/{id}"), Some(&token), None).await.json()["status"],
        "up"
    );

    let bad = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks?limit=0"), Some(&token), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["field"], "limit");
    let missing = app.api(Method::GET, "/api/v1/monitors/424242/checks", Some(&token), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// Header values and bodies often carry credentials: they are stored as
/// given and probed with, but shown back masked, and sending a masked value
/// back keeps the stored one.
#[tokio::test]
async fn request_headers_and_bodies_are_shown_masked_and_kept_when_sent_back() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);
    let secret = "Bearer sk-live-0123456789-marker";
    let body = r#"{"api_key":"ak-9876543210-marker"}"#;
    let input = json!({"name": "Billing", "url": "https://example.com", "method": "POST",
                       "headers": {"Authorization": secret, "Accept": "json"}, "body": body});
    let created = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(input)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let uri = format!("/api/v1/monitors/{id}");

    let list = app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await;
    for reply in [&created, &app.api(Method::GET, &uri, Some(&token), None).await, &list] {
        assert!(!reply.body.contains("marker"), "a secret shown back: {}", reply.body);
    }
    let shown = created.json();
    assert_eq!(shown["headers"]["Authorization"], "••••rker");
    assert_eq!(shown["headers"]["Accept"], "••••", "short values show nothing");
    assert_eq!(shown["body"], "••••er\"}");
    let console = app.rpc("get_monitor", &[("id", &id.to_string())], Some(&app.sign_in("bob@example.com").await)).await;
    assert!(!console.body.contains("marker") && console.body.contains("••••rker"), "{}", console.body);

    // A change that sends the masked values back keeps the stored ones.
    let change = json!({"interval_seconds": 120, "headers": shown["headers"].clone(), "body": shown["body"].clone()});
    let changed = app.api(Method::PATCH, &uri, Some(&token), Some(change)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let stored = app::ssr::db::monitors::find(&mut app.db.conn(), id).unwrap().unwrap();
    assert_eq!(stored.headers, json!({"Authorization": secret, "Accept": "json"}));
    assert_eq!(stored.body.as_deref(), Some(body));
    assert_eq!(stored.interval_seconds, 120);

    // A new value replaces it.
    let change = json!({"headers": {"Authorization": "Bearer rotated-0000000001"}});
    app.api(Method::PATCH, &uri, Some(&token), Some(change)).await;
    let stored = app::ssr::db::monitors::find(&mut app.db.conn(), id).unwrap().unwrap();
    assert_eq!(stored.headers, json!({"Authorization": "Bearer rotated-0000000001"}));
}
