//! What the integration tests share: a router on a fresh database, and
//! helpers to call it like a browser or an API client would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod db;
pub mod dns;
pub mod process;
pub mod receiver;
pub mod target;

use crate::common::db::TestDb;
use app::model::{Role, User};
use app::ssr::AppState;
use app::ssr::operations::Operations;
use app::ssr::security::SecuritySettings;
use app::ssr::team::{self, NewMember};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub db: TestDb,
    router: Router,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as text (lossy), and as it came.
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `name=value` of the session cookie this reply sets.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("vigie_session=") || v.starts_with("__Host-vigie_session="))
            .map(|v| v.split(';').next().unwrap().to_owned())
    }
}

impl TestApp {
    pub fn new() -> Self {
        Self::with_secure_cookies(false)
    }

    /// As behind an https `VIGIE_PUBLIC_URL` when `secure` is true.
    pub fn with_secure_cookies(secure: bool) -> Self {
        Self::build(secure, None, SecuritySettings::default())
    }

    /// With these framing and metrics settings.
    pub fn with_security(security: SecuritySettings) -> Self {
        Self::build(false, None, security)
    }

    /// With a page cache for public pages, as `vigie serve` has.
    pub fn with_page_cache(cache: std::sync::Arc<app::ssr::status_pages::cache::PageCache>) -> Self {
        Self::build(false, Some(cache), SecuritySettings::default())
    }

    /// Sending email through `smtp_url`, with `http://vigie.test` as the public URL.
    pub fn with_smtp(smtp_url: String) -> Self {
        Self::build_with(false, None, SecuritySettings::default(), test_notifier(Some(smtp_url)))
    }

    /// On a database of its own (`TestDb::own_database`).
    pub fn with_own_database() -> Self {
        let notifier = test_notifier(None);
        Self::on(TestDb::own_database(false), false, None, SecuritySettings::default(), notifier, operations())
    }

    /// Reporting this version and these backups (kept by the test to change).
    pub fn with_operations(operations: Arc<Operations>) -> Self {
        Self::on(TestDb::new(), false, None, SecuritySettings::default(), test_notifier(None), operations)
    }

    fn build(
        secure: bool,
        page_cache: Option<std::sync::Arc<app::ssr::status_pages::cache::PageCache>>,
        security: SecuritySettings,
    ) -> Self {
        Self::build_with(secure, page_cache, security, test_notifier(None))
    }

    fn build_with(
        secure: bool,
        page_cache: Option<std::sync::Arc<app::ssr::status_pages::cache::PageCache>>,
        security: SecuritySettings,
        notifier: app::ssr::alerts::notify::Notifier,
    ) -> Self {
        Self::on(TestDb::new(), secure, page_cache, security, notifier, operations())
    }

    fn on(
        db: TestDb,
        secure: bool,
        page_cache: Option<std::sync::Arc<app::ssr::status_pages::cache::PageCache>>,
        security: SecuritySettings,
        notifier: app::ssr::alerts::notify::Notifier,
        operations: Arc<Operations>,
    ) -> Self {
        app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
        let state = AppState {
            secure_cookies: secure,
            public_url: notifier.public_url().map(str::to_owned).filter(|_| notifier.sends_email()),
            page_cache,
            notifier,
            security,
            operations,
            ..default_state(db.db.clone())
        };
        let router = router(state);
        Self { db, router }
    }

    pub fn user(&self, email: &str, role: Role) -> User {
        let mut conn = self.db.conn();
        team::create_user(
            &mut conn,
            &app::ssr::team::audit::Actor::command_line(),
            &NewMember { email, name: email.split('@').next().unwrap(), role, password: PASSWORD },
        )
        .unwrap()
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    pub async fn get(&self, uri: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function as the browser's client does (form-encoded).
    pub async fn rpc(&self, name: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        self.rpc_from(name, form, cookie, "127.0.0.1:50000").await
    }

    pub async fn rpc_from(&self, name: &str, form: &[(&str, &str)], cookie: Option<&str>, address: &str) -> Reply {
        let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut request = Request::post(format!("/rpc/{name}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let mut request = request.body(Body::from(body)).unwrap();
        let address: SocketAddr = address.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(address));
        self.send(request).await
    }

    /// Calls a server function that takes JSON (`input = Json`).
    pub async fn rpc_json(&self, name: &str, body: serde_json::Value, cookie: Option<&str>) -> Reply {
        let mut request = Request::post(format!("/rpc/{name}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let mut request = request.body(Body::from(body.to_string())).unwrap();
        request.extensions_mut().insert(ConnectInfo("127.0.0.1:50000".parse::<SocketAddr>().unwrap()));
        self.send(request).await
    }

    /// Signs in and returns the `Cookie` header value to send afterwards.
    pub async fn sign_in(&self, email: &str) -> String {
        let reply = self.rpc("sign_in", &[("email", email), ("password", PASSWORD)], None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.session_cookie().expect("a session cookie")
    }

    pub async fn api(&self, method: Method, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Creates a monitor from `base` plus each case's fields through the API,
    /// and checks that each is refused (422) naming the case's field.
    pub async fn assert_monitor_refused(
        &self,
        token: &str,
        base: serde_json::Value,
        cases: &[(serde_json::Value, &str)],
    ) {
        for (fields, field) in cases {
            let mut body = base.clone();
            body.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
            let reply = self.api(Method::POST, "/api/v1/monitors", Some(token), Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
            assert_eq!(reply.json()["error"]["field"], *field, "{body}");
        }
    }

    /// A new API token owned by `user_id`.
    pub fn token(&self, user_id: i64) -> String {
        let mut conn = self.db.conn();
        team::create_token(&mut conn, &app::ssr::team::audit::Actor::command_line(), user_id, "test").unwrap().secret
    }
}

/// The router served on a real port, in a runtime of its own so that
/// stopping it also drops the connections it holds open.
pub struct Listening {
    pub port: u16,
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Listening {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl TestApp {
    /// Serves the router on 127.0.0.1:`port` (0 picks a free one) until the
    /// answer is dropped.
    pub fn listen(&self, port: u16) -> Listening {
        let router = self.router.clone();
        let (ready, bound) = std::sync::mpsc::channel();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
                ready.send(listener.local_addr().unwrap().port()).unwrap();
                tokio::spawn(async move {
                    let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
                });
            });
            let _ = stopped.recv();
            runtime.shutdown_background();
        });
        let port = bound.recv().unwrap();
        Listening { port, stop: Some(stop), thread: Some(thread) }
    }
}

/// A signed webhook channel to `url`, and a rule that sends it the opening
/// and the resolution of every incident.
/// The state `vigie serve` would give a router on `db`, with the tests'
/// defaults (no page cache, no email, no scheduled backups).
pub fn default_state(db: app::ssr::db::Db) -> AppState {
    AppState {
        db,
        secure_cookies: false,
        monitor_settings: Default::default(),
        prober: app::ssr::monitoring::probe::Prober::new("local").unwrap(),
        public_url: None,
        page_cache: None,
        notifier: test_notifier(None),
        security: Default::default(),
        operations: operations(),
    }
}

/// The router of `vigie serve` on `state`.
pub fn router(state: AppState) -> Router {
    server::http::router::router(state, server::leptos_options("127.0.0.1:3000".parse().unwrap()))
}

/// This build's version, no scheduled backups.
pub fn operations() -> Arc<Operations> {
    Arc::new(Operations::new(server::VERSION, None))
}

pub fn alert_on_every_incident(conn: &mut diesel::PgConnection, url: &str) {
    use app::model::AlertEvent;
    alert_on(conn, url, &[AlertEvent::IncidentCreated, AlertEvent::IncidentResolved]);
}

/// A signed webhook channel to `url`, and a rule that sends it these events
/// for every monitor.
pub fn alert_on(conn: &mut diesel::PgConnection, url: &str, events: &[app::model::AlertEvent]) {
    use app::model::{AlertRuleInput, ChannelInput, ChannelKind};
    let now = chrono::Utc::now();
    let channel = app::ssr::alerts::create_channel(
        conn,
        &app::ssr::team::audit::Actor::command_line(),
        ChannelInput {
            kind: Some(ChannelKind::Webhook),
            name: Some("Recorder".into()),
            url: Some(url.into()),
            secret: Some("whsec-tests-0123456789".into()),
            to: None,
        },
        now,
    )
    .unwrap();
    let rule = AlertRuleInput {
        name: Some("Every incident".into()),
        events: Some(events.to_vec()),
        channel_id: Some(channel.id),
        monitor_ids: Some(None),
        enabled: Some(true),
        max_per_hour: Some(None),
    };
    app::ssr::alerts::create_rule(conn, rule, now).unwrap();
}

/// A notifier with a short attempt time limit, sending email through
/// `smtp_url` when given.
pub fn test_notifier(smtp_url: Option<String>) -> app::ssr::alerts::notify::Notifier {
    app::ssr::alerts::notify::Notifier::new(&app::ssr::alerts::notify::AlertSettings {
        public_url: Some("http://vigie.test".to_owned()),
        smtp_url,
        smtp_from: Some("Vigie <vigie@vigie.test>".to_owned()),
        timeout: std::time::Duration::from_secs(2),
        private_webhooks: true,
    })
    .unwrap()
}
