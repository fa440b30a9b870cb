//! The audit log: what is recorded (by whom, from where, via what), what is
//! never recorded (secrets, changes that failed), who may read it, paging,
//! and the 90-day retention.

use crate::common::{PASSWORD, TestApp};
use app::model::Role;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// Every entry, newest first, as the API answers them.
async fn entries(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.api(Method::GET, "/api/v1/audit-events?limit=200", Some(token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["items"].as_array().unwrap().clone()
}

fn find<'a>(entries: &'a [Value], action: &str) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action).collect()
}

#[tokio::test]
async fn sign_ins_and_access_changes_are_recorded_with_who_and_where() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);

    // A failed sign-in (an unknown address) and a good one, from two clients.
    let failed = app
        .rpc_from(
            "sign_in",
            &[("email", "Mallory@Example.com"), ("password", "wrong password")],
            None,
            "203.0.113.7:4000",
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED, "{}", failed.body);
    let reply = app
        .rpc_from("sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)], None, "198.51.100.2:4000")
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.session_cookie().unwrap();

    // In the console: a member added, their role changed, a token created and revoked.
    let added = app
        .rpc(
            "add_member",
            &[("email", "bob@example.com"), ("name", "Bob"), ("role", "member"), ("password", PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let bob = added.json()["id"].as_i64().unwrap().to_string();
    assert_eq!(
        app.rpc("change_role", &[("user_id", &bob), ("role", "admin")], Some(&cookie)).await.status,
        StatusCode::OK
    );
    let created = app.rpc("create_token", &[("name", "deploy")], Some(&cookie)).await;
    let secret = created.json()["secret"].as_str().unwrap().to_owned();
    let token_id = created.json()["token"]["id"].as_i64().unwrap().to_string();
    assert_eq!(app.rpc("revoke_token", &[("id", &token_id)], Some(&cookie)).await.status, StatusCode::OK);
    // Over the API: the member removed.
    let reply = app.api(Method::DELETE, &format!("/api/v1/users/{bob}"), Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);

    let log = entries(&app, &token).await;
    let failed = find(&log, "sign_in_failed");
    assert_eq!(failed.len(), 1, "{log:#?}");
    assert_eq!(failed[0]["subject"], "mallory@example.com");
    assert_eq!(failed[0]["address"], "203.0.113.7");
    assert_eq!(failed[0]["actor_email"], Value::Null);
    let signed_in = find(&log, "sign_in");
    assert_eq!(signed_in[0]["actor_email"], "ada@example.com");
    assert_eq!(signed_in[0]["address"], "198.51.100.2");
    assert_eq!(signed_in[0]["via"], "console");

    let added = find(&log, "member_added");
    assert_eq!(added.iter().filter(|e| e["subject"] == "bob@example.com").count(), 1);
    let role = find(&log, "role_changed");
    assert_eq!(
        (role[0]["subject"].as_str(), role[0]["details"].as_str()),
        (Some("bob@example.com"), Some("member → admin"))
    );
    assert_eq!(role[0]["actor_email"], "ada@example.com");
    let token_entries: Vec<_> =
        log.iter().filter(|e| e["subject"].as_str().unwrap().starts_with("deploy (vigie_")).collect();
    assert_eq!(token_entries.len(), 2, "created and revoked: {log:#?}");
    let removed = find(&log, "member_removed");
    assert_eq!(removed[0]["subject"], "bob@example.com");
    assert_eq!(removed[0]["via"], "api");
    assert_eq!(removed[0]["actor_id"], admin.id);

    // Newest first, and no secret anywhere in the log.
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&secret[12..]), "a token's secret reached the audit log");
    assert!(!text.contains(PASSWORD) && !text.contains("wrong password"));
}

#[tokio::test]
async fn channel_and_status_page_changes_name_the_fields_never_the_secrets() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let monitor = app
        .api(Method::POST, "/api/v1/monitors", Some(&token), Some(json!({"name": "api", "url": "https://api.example"})))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();

    let channel = app
        .api(
            Method::POST,
            "/api/v1/channels",
            Some(&token),
            Some(json!({"kind": "webhook", "name": "Ops hook", "url": "https://hooks.example/ops", "secret": "first-signing-secret-0001"})),
        )
        .await;
    assert_eq!(channel.status, StatusCode::CREATED, "{}", channel.body);
    let id = channel.json()["id"].as_i64().unwrap();
    let changed = app
        .api(
            Method::PATCH,
            &format!("/api/v1/channels/{id}"),
            Some(&token),
            Some(json!({"name": "Ops webhook", "secret": "second-signing-secret-0002"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    // Saving without a change records nothing.
    let same = app.api(Method::PATCH, &format!("/api/v1/channels/{id}"), Some(&token), Some(json!({}))).await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(
        app.api(Method::DELETE, &format!("/api/v1/channels/{id}"), Some(&token), None).await.status,
        StatusCode::NO_CONTENT
    );

    let page = app
        .api(
            Method::POST,
            "/api/v1/status-pages",
            Some(&token),
            Some(json!({"slug": "acme", "title": "Acme", "components": [{"monitor_id": monitor, "name": "API"}]})),
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    let page_id = page.json()["id"].as_i64().unwrap();
    let reply = app
        .api(
            Method::PATCH,
            &format!("/api/v1/status-pages/{page_id}"),
            Some(&token),
            Some(json!({"published": true, "components": [{"monitor_id": monitor, "name": "Public API"}]})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    app.api(Method::DELETE, &format!("/api/v1/status-pages/{page_id}"), Some(&token), None).await;

    let log = entries(&app, &token).await;
    let actions: Vec<&str> = log.iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
    let expected = [
        "channel_created",
        "channel_changed",
        "channel_deleted",
        "status_page_created",
        "status_page_changed",
        "status_page_deleted",
    ];
    // After the setup's member and token, and nothing for the save that changed nothing.
    assert_eq!(actions[..2], ["member_added", "token_created"]);
    assert_eq!(actions[2..], expected);
    let channel_change = find(&log, "channel_changed")[0];
    assert_eq!(channel_change["subject"], "Ops hook (webhook)");
    assert_eq!(channel_change["details"], "changed name and secret");
    assert_eq!(find(&log, "status_page_changed")[0]["details"], "changed published and components");
    assert_eq!(find(&log, "status_page_deleted")[0]["subject"], "acme");
    let text = serde_json::to_string(&log).unwrap();
    for secret in ["first-signing-secret", "second-signing-secret", "hooks.example/ops"] {
        assert!(!text.contains(secret), "{secret} reached the audit log");
    }
}

#[tokio::test]
async fn a_change_that_fails_leaves_no_entry() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    // The last admin cannot become a member, nor be removed by another token owner.
    let reply = app
        .api(Method::PATCH, &format!("/api/v1/users/{}", admin.id), Some(&token), Some(json!({"role": "member"})))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply =
        app.api(Method::POST, "/api/v1/channels", Some(&token), Some(json!({"kind": "webhook", "name": "x"}))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let log = entries(&app, &token).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["token_created", "member_added"], "only the setup is recorded");
}

#[tokio::test]
async fn only_admins_read_the_log_a_page_at_a_time() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(admin.id);
    let member_token = app.token(member.id);
    for _ in 0..3 {
        app.rpc("sign_in", &[("email", "nobody@example.com"), ("password", "not it at all")], None).await;
    }

    assert_eq!(app.api(Method::GET, "/api/v1/audit-events", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api(Method::GET, "/api/v1/audit-events", Some(&member_token), None).await.status,
        StatusCode::FORBIDDEN
    );
    let member_cookie = app.sign_in("bob@example.com").await;
    assert_eq!(app.rpc("list_audit_events", &[], Some(&member_cookie)).await.status, StatusCode::FORBIDDEN);
    let cookie = app.sign_in("ada@example.com").await;
    let console = app.rpc("list_audit_events", &[("action", "sign_in_failed")], Some(&cookie)).await;
    assert_eq!(console.status, StatusCode::OK, "{}", console.body);
    assert_eq!(console.json()["items"].as_array().unwrap().len(), 3);

    // Two at a time, following `next`, of one action.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/audit-events?limit=2&action=sign_in_failed".to_owned();
    loop {
        let page = app.api(Method::GET, &uri, Some(&token), None).await.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()));
        match page["next"].as_i64() {
            Some(next) => uri = format!("/api/v1/audit-events?limit=2&action=sign_in_failed&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] > w[1]));

    for (query, field) in [("limit=0", "limit"), ("limit=201", "limit")] {
        let reply = app.api(Method::GET, &format!("/api/v1/audit-events?{query}"), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let reply = app.api(Method::GET, "/api/v1/audit-events?action=nothing", Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["code"], "bad_request");
}

#[tokio::test]
async fn entries_older_than_ninety_days_are_purged_in_batches() {
    use app::ssr::db::schema::audit_events;
    use diesel::prelude::*;
    let app = TestApp::new();
    let mut conn = app.db.conn();
    let now = chrono::Utc::now();
    // 12,000 entries past the retention (more than two purge batches) and one within.
    diesel::sql_query(
        "INSERT INTO audit_events (at, action, via, subject)
         SELECT now() - interval '91 days' - g * interval '1 second', 'sign_in_failed', 'console', 'old'
         FROM generate_series(1, 12000) g",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO audit_events (at, action, via, subject) VALUES (now() - interval '89 days', 'sign_in', 'console', 'kept')",
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(app::ssr::team::audit::purge(&mut conn, now).unwrap(), 12_000);
    let left: Vec<String> = audit_events::table.select(audit_events::subject).load(&mut conn).unwrap();
    assert_eq!(left, ["kept"]);
}
