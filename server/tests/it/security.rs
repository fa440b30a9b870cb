//! The browser-facing defences: cross-site requests refused, security
//! headers on every HTML answer (the console's policy carrying the nonce its
//! inline scripts use), private answers never cached, the `__Host-` cookie,
//! and `/metrics` closed unless a token or its own address is configured.

use crate::common::{Reply, TestApp};
use app::model::Role;
use app::ssr::security::SecuritySettings;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

const HOST: &str = "127.0.0.1:3000";

/// `POST /rpc/{name}` as a browser sends it, with `extra` headers.
async fn post(app: &TestApp, name: &str, cookie: &str, extra: &[(&str, &str)]) -> Reply {
    let mut request = Request::post(format!("/rpc/{name}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, HOST)
        .header(header::COOKIE, cookie);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::from("name=from+elsewhere")).unwrap()).await
}

fn tokens(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app::ssr::db::schema::api_tokens::table.count().get_result(&mut app.db.conn()).unwrap()
}

async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    app.get("/console/team", Some(cookie)).await.status == StatusCode::OK
}

#[tokio::test]
async fn a_forged_cross_site_post_is_refused_and_the_console_s_own_works() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let cookie = app.sign_in("ada@example.com").await;

    // A page elsewhere posts a form to create a token with the visitor's cookie.
    let forged = [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("origin", "http://127.0.0.1:3001")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("referer", "https://evil.example/page")],
    ];
    for headers in &forged {
        let reply = post(&app, "create_token", &cookie, headers).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{headers:?}: {}", reply.body);
    }
    assert_eq!(tokens(&app), 0, "no forged request created a token");

    // The console's own requests: same origin by Origin, Fetch metadata or Referer.
    let own = [
        vec![("origin", "http://127.0.0.1:3000")],
        vec![("sec-fetch-site", "same-origin")],
        vec![("referer", "http://127.0.0.1:3000/console/tokens")],
    ];
    for headers in &own {
        let reply = post(&app, "create_token", &cookie, headers).await;
        assert_eq!(reply.status, StatusCode::OK, "{headers:?}: {}", reply.body);
    }
    assert_eq!(tokens(&app), 3);

    // Signing out across sites is refused too (the session stays).
    assert_eq!(
        post(&app, "sign_out", &cookie, &[("origin", "https://evil.example")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(signed_in(&app, &cookie).await);

    // An API call with a Bearer token carries its own proof.
    let user = app.user("bob@example.com", Role::Member);
    let token = app.token(user.id);
    let request = Request::post("/api/v1/monitors")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, "https://ci.example")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"name": "Shop", "url": "https://shop.example", "interval_seconds": 60}).to_string()))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn signing_in_from_another_site_is_refused() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let request = Request::post("/rpc/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(format!("email=ada%40example.com&password={}", crate::common::PASSWORD)))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.session_cookie().is_none());
}

fn nonce_of(policy: &str) -> &str {
    let start = policy.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    &policy[start..start + policy[start..].find('\'').unwrap()]
}

#[tokio::test]
async fn console_answers_carry_a_nonce_policy_and_are_never_stored() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let cookie = app.sign_in("ada@example.com").await;
    let mut nonces = Vec::new();
    for (path, cookie) in [("/login", None), ("/console/team", Some(cookie.as_str()))] {
        let page = app.get(path, cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let policy = page.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no policy"));
        for part in ["default-src 'self'", "'wasm-unsafe-eval'", "frame-ancestors 'none'", "object-src 'none'"] {
            assert!(policy.contains(part), "{path}: {policy} lacks {part}");
        }
        let scripts_from = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts_from.contains("unsafe-inline"), "{path}: {scripts_from}");
        let nonce = nonce_of(policy).to_owned();
        // Every inline script of the page carries that nonce, and only it.
        let scripts = page.body.matches("<script").count();
        assert!(scripts > 0, "{path}: the page hydrates with a script");
        assert_eq!(page.body.matches(&format!("nonce=\"{nonce}\"")).count(), page.body.matches(" nonce=\"").count());
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(page.header("referrer-policy"), Some("strict-origin-when-cross-origin"));
        assert_eq!(page.header("x-frame-options"), Some("DENY"));
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a new nonce for each answer");

    let answer = app.rpc("list_tokens", &[], Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
}

/// A published default page with one component.
async fn publish(app: &TestApp) {
    let user = app.user("ops@example.com", Role::Member);
    let token = app.token(user.id);
    let monitor = json!({ "name": "internal", "url": "https://10.0.0.7/health", "interval_seconds": 60 });
    let id = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(monitor)).await.json()["id"].clone();
    let page = json!({"slug": "acme", "title": "Acme status", "published": true, "default": true,
                      "components": [{"monitor_id": id, "name": "API"}]});
    assert_eq!(
        app.api(Method::POST, "/api/v1/status-pages", Some(&token), Some(page)).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn public_pages_run_no_inline_script_and_are_framed_only_where_allowed() {
    let app = TestApp::new();
    publish(&app).await;
    for path in ["/status/acme", "/"] {
        let page = app.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let policy = page.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no policy"));
        assert!(policy.contains("script-src 'self';") && !policy.contains("nonce") && !policy.contains("unsafe-eval"));
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
        assert!(!page.body.contains("<script>"), "{path}: no inline script");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
        assert_ne!(page.header("cache-control"), Some("no-store"), "public pages stay cacheable");
    }

    let embedded = TestApp::with_security(SecuritySettings::new("https://intranet.example.com", None));
    publish(&embedded).await;
    let page = embedded.get("/status/acme", None).await;
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.ends_with("frame-ancestors https://intranet.example.com"), "{policy}");
    assert_eq!(page.header("x-frame-options"), None, "framing is the policy's to decide");
}

#[tokio::test]
async fn metrics_are_closed_unless_a_token_opens_them() {
    let closed = TestApp::new();
    assert_eq!(closed.get("/metrics", None).await.status, StatusCode::NOT_FOUND);

    let app = TestApp::with_security(SecuritySettings::new("'none'", Some("scrape-secret-123".to_owned())));
    assert_eq!(app.get("/metrics", None).await.status, StatusCode::UNAUTHORIZED);
    let wrong = Request::get("/metrics").header(header::AUTHORIZATION, "Bearer scrape-secret-124").body(Body::empty());
    assert_eq!(app.send(wrong.unwrap()).await.status, StatusCode::UNAUTHORIZED);
    let right = Request::get("/metrics").header(header::AUTHORIZATION, "Bearer scrape-secret-123").body(Body::empty());
    let reply = app.send(right.unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("vigie_db_pool_connections"), "{}", reply.body);
}

#[tokio::test]
async fn oversized_addresses_headers_and_nesting_get_clear_errors() {
    let app = TestApp::new();
    let user = app.user("ops@example.com", Role::Member);
    let token = app.token(user.id);
    for path in [format!("/api/v1/monitors?q={}", "a".repeat(5000)), format!("/status/{}", "a".repeat(9000))] {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::URI_TOO_LONG, "{}", &path[..30]);
        assert_eq!(reply.json()["error"]["code"], "bad_request");
        assert!(reply.json()["error"]["message"].as_str().unwrap().contains("too long"));
    }
    let mut request = Request::get("/api/v1/me").header(header::AUTHORIZATION, format!("Bearer {token}"));
    for i in 0..120 {
        request = request.header(format!("x-filler-{i}"), "x");
    }
    let reply = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let big = Request::get("/status/acme").header("x-big", "b".repeat(40_000)).body(Body::empty()).unwrap();
    assert_eq!(app.send(big).await.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    // Within the limits, the same request works.
    let fine = Request::get("/api/v1/me").header(header::AUTHORIZATION, format!("Bearer {token}"));
    assert_eq!(app.send(fine.body(Body::empty()).unwrap()).await.status, StatusCode::OK);

    // JSON nested deeper than the parser goes: a 400 naming the problem, not a crash.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let reply = app.api(Method::POST, "/api/v1/monitors", Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "no body: {}", reply.body);
    let request = Request::post("/api/v1/monitors")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!(r#"{{"name": "x", "url": "https://x.example", "headers": {deep}}}"#)))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "bad_request");
    // Lists in bodies have their bounds too, with the field named.
    let regions: Vec<String> = (0..21).map(|i| format!("r{i}")).collect();
    let body = json!({"name": "x", "url": "https://x.example", "regions": regions});
    let reply = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert_eq!(reply.json()["error"]["field"], "regions");
}

/// `POST /rpc/sign_in` from `peer` with these forwarded headers.
async fn sign_in_via(app: &TestApp, peer: &str, forwarded: &[(&str, &str)], email: &str, password: &str) -> Reply {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", email), ("password", password)])
        .finish();
    let mut request = Request::post("/rpc/sign_in").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in forwarded {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::from(body)).unwrap();
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer.parse::<std::net::SocketAddr>().unwrap()));
    app.send(request).await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_counted_and_https_gets_the_host_cookie() {
    use app::ssr::team::auth::ADDRESS_LIMIT;
    let proxy = "10.0.0.1:40000";
    let settings = SecuritySettings::default().trusting(vec!["10.0.0.0/24".parse().unwrap()]);
    let app = TestApp::with_security(settings);
    app.user("ada@example.com", Role::Admin);
    // Clients guessing through the proxy: each is limited on its own address.
    let guesser = [("x-forwarded-for", "203.0.113.9, 10.0.0.2")];
    for attempt in 0..ADDRESS_LIMIT.max {
        // Many accounts from one client: the address limit's case.
        let email = format!("guess{attempt}@example.com");
        let reply = sign_in_via(&app, proxy, &guesser, &email, "wrong password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = sign_in_via(&app, proxy, &guesser, "ada@example.com", crate::common::PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let someone_else = [("x-forwarded-for", "198.51.100.4"), ("x-forwarded-proto", "https")];
    let reply = sign_in_via(&app, proxy, &someone_else, "ada@example.com", crate::common::PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "another client behind the same proxy signs in");
    let cookie = reply.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-vigie_session=") && cookie.ends_with("; Secure"), "{cookie}");

    // Anyone else's forwarded headers are not believed.
    let app = TestApp::with_security(SecuritySettings::default().trusting(vec!["10.0.0.0/24".parse().unwrap()]));
    app.user("ada@example.com", Role::Admin);
    let spoofed = [("x-forwarded-for", "198.51.100.77"), ("x-forwarded-proto", "https")];
    let reply = sign_in_via(&app, "192.0.2.50:1234", &spoofed, "ada@example.com", crate::common::PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = reply.header("set-cookie").unwrap();
    assert!(cookie.starts_with("vigie_session=") && !cookie.contains("Secure"), "{cookie}");
}

/// PostgreSQL refuses the NUL character in text: every text field must
/// refuse it with a 4xx naming the field, never fail with a 500.
#[tokio::test]
async fn a_nul_character_anywhere_is_a_clear_error() {
    let app = TestApp::new();
    let user = app.user("ops@example.com", Role::Admin);
    let token = app.token(user.id);
    let monitor = app
        .api(Method::POST, "/api/v1/monitors", Some(&token), Some(json!({"name": "m", "url": "http://127.0.0.1:9/"})))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let incident = app
        .api(Method::POST, "/api/v1/incidents", Some(&token), Some(json!({"title": "t", "monitor_ids": [monitor]})))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let nul = "a\u{0}b";
    let comments = format!("/api/v1/incidents/{incident}/comments");
    let updates = format!("/api/v1/incidents/{incident}/updates");
    let cases = [
        ("/api/v1/monitors", json!({"name": "m2", "url": "http://127.0.0.1:9/", "keyword": nul}), "keyword"),
        (
            "/api/v1/monitors",
            json!({"name": "m3", "url": "http://127.0.0.1:9/", "body": nul, "method": "POST"}),
            "body",
        ),
        ("/api/v1/monitors", json!({"name": "m4", "url": format!("http://127.0.0.1:9/{nul}")}), "url"),
        (
            "/api/v1/monitors",
            json!({"name": "m5", "url": "http://127.0.0.1:9/", "headers": {"X-Key": nul}}),
            "headers.X-Key",
        ),
        ("/api/v1/incidents", json!({"title": "t", "details": nul}), "details"),
        (comments.as_str(), json!({"body": nul}), "body"),
        (updates.as_str(), json!({"status": "investigating", "body": nul}), "body"),
        ("/api/v1/channels", json!({"kind": "email", "name": "c", "to": [format!("a{nul}@example.com")]}), "to[0]"),
        ("/api/v1/status-pages", json!({"slug": "acme", "title": "t", "description": nul}), "description"),
        (
            "/api/v1/users",
            json!({"email": "x@example.com", "name": "x", "role": "member", "password": format!("long enough {nul}")}),
            "password",
        ),
        ("/api/v1/tokens", json!({"name": nul}), "name"),
        ("/api/v1/regions", json!({"name": nul}), "name"),
    ];
    for (path, body, field) in cases {
        let reply = app.api(Method::POST, path, Some(&token), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field, "{path}");
    }
    // The console's server functions too, in forms and in JSON.
    let cookie = app.sign_in("ops@example.com").await;
    let reply = app.rpc("create_token", &[("name", nul)], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert_eq!(reply.json()["field"], "name");
    // Typed as text, a backslash and "u0000" is no NUL and is kept.
    let text = app.api(Method::POST, &comments, Some(&token), Some(json!({"body": "escape \\u0000 shown"}))).await;
    assert_eq!(text.status, StatusCode::CREATED, "{}", text.body);
}
