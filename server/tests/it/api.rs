//! The REST API: tokens, roles, the error shape, the OpenAPI document; and
//! the operational endpoints.

use crate::common;

use app::model::Role;
use axum::http::{Method, StatusCode};
use common::{PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn tokens_made_in_the_console_act_as_their_owner_until_revoked() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com", Role::Admin);
    let console = app.sign_in("ada@example.com").await;

    let created = app.rpc("create_token", &[("name", "deploy script")], Some(&console)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("vigie_") && secret.len() == 70, "{secret}");
    let id = created["token"]["id"].as_i64().unwrap();

    let me = app.api(Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["email"], "ada@example.com");
    assert_eq!(me.json()["id"], ada.id);
    assert!(me.json().get("password_hash").is_none());

    // Listed with owner and last use, never with the secret.
    let listed = app.rpc("list_tokens", &[], Some(&console)).await;
    assert!(!listed.body.contains(&secret));
    assert!(!listed.body.contains(&secret[12..]));
    let token = &listed.json()[0];
    assert_eq!(token["name"], "deploy script");
    assert_eq!(token["owner_email"], "ada@example.com");
    assert_eq!(token["prefix"].as_str().unwrap(), &secret[..12]);
    assert!(token["last_used_at"].is_string(), "use is recorded: {token}");

    let revoked = app.rpc("revoke_token", &[("id", &id.to_string())], Some(&console)).await;
    assert_eq!(revoked.status, StatusCode::OK);
    let after = app.api(Method::GET, "/api/v1/me", Some(&secret), None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.header("www-authenticate"), Some("Bearer"));
    assert_eq!(app.rpc("list_tokens", &[], Some(&console)).await.json(), json!([]));
}

#[tokio::test]
async fn api_errors_have_one_shape() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com", Role::Admin);
    let token = app.token(ada.id);

    let anonymous = app.api(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.json(),
        json!({"error": {"code": "unauthorized", "message": "sign in to continue", "field": null}})
    );
    let bogus = app.api(Method::GET, "/api/v1/me", Some("vigie_nope"), None).await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);

    let missing = app.api(Method::GET, "/api/v1/nothing-here", Some(&token), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");

    let malformed = app
        .send(
            axum::http::Request::post("/api/v1/tokens")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["code"], "bad_request");

    let invalid = app.api(Method::POST, "/api/v1/tokens", Some(&token), Some(json!({"name": ""}))).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.json()["error"]["field"], "name");

    let bad_id = app.api(Method::DELETE, "/api/v1/tokens/abc", Some(&token), None).await;
    assert_eq!(bad_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_id.json()["error"]["field"], "id");
}

#[tokio::test]
async fn the_api_enforces_roles() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com", Role::Admin);
    let bob = app.user("bob@example.com", Role::Member);
    let admin = app.token(ada.id);
    let member = app.token(bob.id);

    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&member), None).await.json()["role"], "member");
    assert_eq!(app.api(Method::GET, "/api/v1/users", Some(&member), None).await.status, StatusCode::OK);
    for (method, uri, body) in [
        (Method::GET, "/api/v1/tokens".to_owned(), None),
        (Method::POST, "/api/v1/tokens".to_owned(), Some(json!({"name": "x"}))),
        (Method::DELETE, "/api/v1/tokens/1".to_owned(), None),
        (
            Method::POST,
            "/api/v1/users".to_owned(),
            Some(json!({"email": "e@example.com", "name": "E", "role": "admin", "password": PASSWORD})),
        ),
        (Method::PATCH, format!("/api/v1/users/{}", bob.id), Some(json!({"role": "admin"}))),
        (Method::DELETE, format!("/api/v1/users/{}", ada.id), None),
    ] {
        let reply = app.api(method.clone(), &uri, Some(&member), body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], "forbidden");
    }

    let created = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "eve@example.com", "name": "Eve", "role": "member", "password": PASSWORD})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let eve = created.json()["id"].as_i64().unwrap();
    let duplicate = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "EVE@example.com", "name": "Eve", "role": "member", "password": PASSWORD})),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.json()["error"]["field"], "email");
    let promoted =
        app.api(Method::PATCH, &format!("/api/v1/users/{eve}"), Some(&admin), Some(json!({"role": "admin"}))).await;
    assert_eq!(promoted.json()["role"], "admin");
    let last_admin = app.api(Method::DELETE, &format!("/api/v1/users/{}", ada.id), Some(&admin), None).await;
    assert_eq!(last_admin.status, StatusCode::CONFLICT, "one cannot remove oneself");
    let removed = app.api(Method::DELETE, &format!("/api/v1/users/{eve}"), Some(&admin), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);

    let token = app.api(Method::POST, "/api/v1/tokens", Some(&admin), Some(json!({"name": "ci"}))).await;
    assert_eq!(token.status, StatusCode::CREATED);
    let secret = token.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&secret), None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_handlers() {
    let app = TestApp::new();
    let reply = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/monitors",
        "/api/v1/monitors/{id}/pause",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    for schema in ["User", "Role", "ApiToken", "CreatedToken", "ErrorBody"] {
        assert!(doc["components"]["schemas"].get(schema).is_some(), "{schema} missing");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let token = "metrics-token-0123456789";
    let app = TestApp::with_security(app::ssr::security::SecuritySettings::new("'none'", Some(token.to_owned())));
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["database"], "ok");
    // The version and commit the binary was built from.
    assert_eq!(health.json()["version"], env!("CARGO_PKG_VERSION"));
    let commit = health.json()["commit"].as_str().unwrap().to_owned();
    let head = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().unwrap();
    assert_eq!(commit, String::from_utf8_lossy(&head.stdout).trim(), "the checkout's commit");

    app.get("/login", None).await;
    app.api(Method::GET, "/api/v1/me", None, None).await;
    let request = axum::http::Request::get("/metrics").header("authorization", format!("Bearer {token}"));
    let metrics = app.send(request.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.body.contains("vigie_db_pool_connections"), "{}", metrics.body);
    assert!(metrics.body.contains("vigie_db_pool_max_connections 4"), "{}", metrics.body);
    let login_line = metrics
        .body
        .lines()
        .find(|l| l.starts_with("vigie_http_requests_total") && l.contains("route=\"/login\""))
        .unwrap_or_else(|| panic!("no /login counter in {}", metrics.body));
    assert!(login_line.contains("status=\"200\""), "{login_line}");
    assert!(metrics.body.lines().any(|l| l.contains("route=\"/api/v1/me\"") && l.contains("status=\"401\"")));
}

#[tokio::test]
async fn health_says_unavailable_when_the_database_does_not_answer() {
    // A pool pointed at a closed port: every checkout fails.
    use diesel::r2d2::{ConnectionManager, Pool};
    let pool = Pool::builder()
        .connection_timeout(std::time::Duration::from_millis(500))
        .build_unchecked(ConnectionManager::new("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"));
    let db = app::ssr::db::Db::from_pool(pool);
    let router = crate::common::router(crate::common::default_state(db));
    let response = tower::ServiceExt::oneshot(
        router,
        axum::http::Request::get("/healthz").body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_ask() {
    let app = TestApp::new();
    let request = |encoding: Option<&str>| {
        let mut request = axum::http::Request::get("/api/v1/openapi.json");
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.body(axum::body::Body::empty()).unwrap()
    };
    let plain = app.send(request(None)).await;
    assert_eq!(plain.header("content-encoding"), None);
    let gzip = app.send(request(Some("gzip"))).await;
    assert_eq!(gzip.status, StatusCode::OK);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert!(gzip.body.len() < plain.body.len() / 2, "{} vs {}", gzip.body.len(), plain.body.len());
}
