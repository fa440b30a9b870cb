//! Every route the server answers, and who may reach it. The routes are read
//! from where they are declared — the router's source, the REST router's
//! source, the registered server functions and the console's route tree —
//! so a route added anywhere is checked here. What answers a stranger (no
//! session, no token) is written once, below; anything else must refuse.

use crate::common::TestApp;
use app::model::Role;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

/// What a stranger may reach. Everything else refuses them.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/login"),
    ("GET", "/healthz"),
    // The site's script, wasm and stylesheet.
    ("GET", "/pkg/{file}"),
    ("GET", "/api/v1/openapi.json"),
    // The configuration file's JSON Schema, for editors.
    ("GET", "/api/v1/config.schema.json"),
    ("GET", "/status/{slug}"),
    ("GET", "/status/{slug}/incidents/{id}"),
    ("GET", "/status/{slug}/history"),
    ("GET", "/status/{slug}/feed.rss"),
    ("GET", "/status/{slug}/feed.atom"),
    ("GET", "/status/{slug}/api/v2/{*document}"),
    ("GET", "/status/{slug}/badge/{badge}"),
    // Subscribing needs no account; the links' tokens are the credentials.
    ("GET", "/status/{slug}/subscribe"),
    ("POST", "/status/{slug}/subscribe"),
    ("GET", "/subscriptions/confirm/{confirm}"),
    ("POST", "/subscriptions/confirm/{confirm}"),
    ("GET", "/subscriptions/{link}"),
    ("POST", "/subscriptions/{link}"),
    ("GET", "/subscriptions/{link}/unsubscribe"),
    ("POST", "/subscriptions/{link}/unsubscribe"),
    // Heartbeats' jobs ping with the token in the path as their credential.
    ("GET", "/ping/{token}"),
    ("POST", "/ping/{token}"),
    ("GET", "/ping/{token}/{signal}"),
    ("POST", "/ping/{token}/{signal}"),
    // Signing in needs no session, and signing out without one does nothing.
    ("POST", "/rpc/sign_in"),
    ("POST", "/rpc/sign_out"),
];

/// Routes closed to strangers by a configuration rather than by a session:
/// `/metrics` answers 404 unless a token or its own address opens it.
const CLOSED: &[(&str, &str)] = &[("GET", "/metrics")];

/// `.route("PATH", get(a).post(b))` declarations in a router's source.
fn declared(source: &str, prefix: &str) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    for piece in source.split(".route(\"").skip(1) {
        let Some((path, rest)) = piece.split_once('"') else { continue };
        // The handlers run to the end of the declaration's line.
        let handlers = rest.lines().next().unwrap_or_default();
        for method in ["get", "post", "patch", "put", "delete"] {
            let called = handlers.contains(&format!("({method}("))
                || handlers.contains(&format!(".{method}("))
                || handlers.contains(&format!("routing::{method}("))
                || handlers.contains(&format!(" {method}("));
            if called {
                routes.push((method.to_uppercase(), format!("{prefix}{path}")));
            }
        }
    }
    routes
}

/// Every route: (method, path pattern).
fn every_route() -> Vec<(String, String)> {
    let mut routes = declared(include_str!("../../src/http/router.rs"), "");
    routes.extend(declared(include_str!("../../src/http/rest/mod.rs"), "/api/v1"));
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        routes.push((method.to_string(), path.to_owned()));
    }
    for listing in leptos_axum::generate_route_list(app::app::App) {
        let path = listing.path().to_owned();
        routes.push(("GET".to_owned(), if path.is_empty() { "/".to_owned() } else { path }));
    }
    routes.sort();
    routes.dedup();
    routes
}

/// A real path for a pattern, pointing at objects that exist.
fn concrete(pattern: &str, ids: &Ids) -> String {
    pattern
        .replace("{slug}", "acme")
        .replace(":id", &ids.monitor.to_string())
        .replace("{*document}", "summary.json")
        .replace("{comment_id}", &ids.comment.to_string())
        .replace("{update_id}", &ids.update.to_string())
        .replace("/incidents/{id}", &format!("/incidents/{}", ids.incident))
        .replace("/status-pages/{id}", &format!("/status-pages/{}", ids.page))
        .replace("{id}", &ids.monitor.to_string())
        .replace("{confirm}", &ids.confirm)
        .replace("{link}", &ids.link)
        .replace("{token}", &ids.ping)
        .replace("{signal}", "start")
        .replace("{badge}", &format!("c{}.svg", ids.monitor))
        .replace("{file}", site::STYLESHEET.trim_start_matches("/pkg/"))
}

pub(crate) struct Ids {
    pub(crate) monitor: i64,
    pub(crate) incident: i64,
    pub(crate) comment: i64,
    pub(crate) update: i64,
    pub(crate) page: i64,
    /// A pending subscription's confirmation token, a confirmed one's link token.
    pub(crate) confirm: String,
    pub(crate) link: String,
    /// A heartbeat's ping token.
    pub(crate) ping: String,
}

/// A published page with a public incident (with a comment and an update),
/// so that every public route has something real to answer (and every
/// kind of object a backup must keep).
pub(crate) async fn objects(app: &TestApp) -> Ids {
    let user = app.user("ops@example.com", Role::Admin);
    let token = app.token(user.id);
    let call = |method: Method, path: String, body: serde_json::Value| {
        let token = token.clone();
        async move {
            let reply = app.api(method, &path, Some(&token), Some(body)).await;
            assert!(reply.status.is_success(), "{path}: {}", reply.body);
            reply.json()["id"].as_i64().unwrap_or_default()
        }
    };
    let monitor =
        call(Method::POST, "/api/v1/monitors".into(), json!({"name": "m", "url": "http://127.0.0.1:9/"})).await;
    let heartbeat = app
        .api(Method::POST, "/api/v1/monitors", Some(&token), Some(json!({"name": "job", "kind": "heartbeat"})))
        .await
        .json();
    let ping = heartbeat["ping_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let page = call(
        Method::POST,
        "/api/v1/status-pages".into(),
        json!({"slug": "acme", "title": "Acme", "published": true, "default": true,
               "components": [{"monitor_id": monitor, "name": "API"}]}),
    )
    .await;
    let incident = call(
        Method::POST,
        "/api/v1/incidents".into(),
        json!({"title": "Down", "impact": "major_outage", "monitor_ids": [monitor]}),
    )
    .await;
    let comment = call(Method::POST, format!("/api/v1/incidents/{incident}/comments"), json!({"body": "note"})).await;
    let update = call(
        Method::POST,
        format!("/api/v1/incidents/{incident}/updates"),
        json!({"status": "investigating", "body": "Looking."}),
    )
    .await;
    use app::ssr::status_pages::subscribers::{self, SubscribeRequest, Subscribed};
    let mut conn = app.db.conn();
    let mut request = |address: &str| {
        let request =
            SubscribeRequest { kind: app::model::SubscriberKind::Email, address: address.into(), monitor_ids: vec![] };
        match subscribers::subscribe(&mut conn, page, &request, "test", chrono::Utc::now()).unwrap() {
            Subscribed::ConfirmationDue { confirm, .. } => confirm,
            _ => unreachable!("new addresses"),
        }
    };
    let (confirm, kept) = (request("pending@example.com"), request("kept@example.com"));
    let link = subscribers::confirm(&mut conn, &kept, chrono::Utc::now()).unwrap().1;
    Ids { monitor, incident, comment, update, page, confirm, link, ping }
}

#[tokio::test]
async fn only_the_routes_listed_as_public_answer_a_stranger() {
    let app = TestApp::new();
    let ids = objects(&app).await;
    let routes = every_route();
    // The sources were read: each kind of route is there.
    for expected in [
        ("GET", "/api/v1/monitors"),
        ("POST", "/api/v1/agent/results"),
        ("GET", "/console/audit"),
        ("POST", "/rpc/create_token"),
        ("GET", "/status/{slug}/feed.atom"),
    ] {
        assert!(
            routes.iter().any(|(m, p)| m == expected.0 && p == expected.1),
            "{expected:?} missing from {routes:#?}"
        );
    }
    assert!(routes.len() > 100, "{} routes", routes.len());
    for (method, path) in PUBLIC.iter().chain(CLOSED) {
        assert!(routes.iter().any(|(m, p)| m == method && p == path), "{method} {path} is no longer a route");
    }

    let mut public = Vec::new();
    for (method, pattern) in &routes {
        let uri = concrete(pattern, &ids);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = Request::builder().method(method.clone()).uri(&uri).header(header::HOST, "127.0.0.1:3000");
        let body = if method == Method::GET || method == Method::DELETE {
            Body::empty()
        } else if pattern.starts_with("/rpc/") {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::empty()
        } else {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from("{}")
        };
        let reply = app.send(request.body(body).unwrap()).await;
        let status = reply.status;
        let listed = PUBLIC.iter().any(|(m, p)| *m == method.as_str() && p == pattern);
        if CLOSED.iter().any(|(m, p)| *m == method.as_str() && p == pattern) {
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri} is open: {}", reply.body);
        } else if listed && method == Method::GET {
            assert!(status.is_success(), "public {method} {uri}: {status} {}", reply.body);
            public.push(pattern.clone());
        } else if listed {
            // The sign-in form answers a missing password, not "who are you?".
            assert!(![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&status), "{method} {uri}: {status}");
            public.push(pattern.clone());
        } else if pattern.starts_with("/console") {
            // Console pages send strangers to sign in.
            assert!(status.is_redirection(), "{method} {uri}: {status}");
            assert!(reply.header("location").unwrap_or_default().starts_with("/login"), "{method} {uri}");
        } else {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} answered a stranger: {}", reply.body);
        }
        // No route fails on its own.
        assert!(!status.is_server_error(), "{method} {uri}: {status}");
    }
    assert_eq!(public.len(), PUBLIC.len(), "{public:?}");
}
