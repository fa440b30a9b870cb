//! Regions and agents: admins create regions over the API (the token is shown
//! once), agents fetch their monitors and send results, and a real `vigie
//! agent` process probes, notices new monitors and buffers while the server
//! is down.

use crate::common;

use app::model::{MonitorInput, Role};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, target};
use diesel::prelude::*;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

fn rules(regions: &[&str]) -> MonitorRules {
    MonitorRules {
        min_interval_seconds: 1,
        known_regions: regions.iter().map(|r| r.to_string()).collect(),
        default_region: "local".into(),
    }
}

/// A monitor of `url` probed every second from `region`.
fn monitor_in(app: &TestApp, region: &str, url: &str) -> app::model::Monitor {
    monitors::create(
        &mut app.db.conn(),
        &rules(&["local", region]),
        MonitorInput {
            name: Some(format!("{region} {url}")),
            url: Some(url.to_owned()),
            regions: Some(vec![region.to_owned()]),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            recovery_confirmations: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
}

struct Admin {
    token: String,
}

async fn admin(app: &TestApp) -> Admin {
    let user = app.user("admin@example.com", Role::Admin);
    Admin { token: app.token(user.id) }
}

async fn create_region(app: &TestApp, admin: &Admin, name: &str) -> (i64, String) {
    let reply = app.api(Method::POST, "/api/v1/regions", Some(&admin.token), Some(json!({ "name": name }))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let body = reply.json();
    (body["id"].as_i64().unwrap(), body["token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn admins_create_list_rotate_and_delete_regions() {
    let app = TestApp::new();
    let admin = admin(&app).await;
    let member = app.user("member@example.com", Role::Member);
    let member_token = app.token(member.id);

    let (id, token) = create_region(&app, &admin, "eu-west").await;
    assert!(token.starts_with("vigie_agent_") && token.len() > 60, "{token}");

    let list = app.api(Method::GET, "/api/v1/regions", Some(&admin.token), None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(&token), "tokens are never listed");
    let regions = list.json();
    let names: Vec<_> = regions.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["eu-west", "local"]);
    assert_eq!(regions[0]["builtin"], false);
    assert_eq!(regions[1]["builtin"], true);

    // Bad input names its field; a member may not.
    for (body, status, field) in [
        (json!({ "name": "EU west" }), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (json!({ "name": "eu-west" }), StatusCode::CONFLICT, "name"),
    ] {
        let reply = app.api(Method::POST, "/api/v1/regions", Some(&admin.token), Some(body)).await;
        assert_eq!(reply.status, status, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let reply = app.api(Method::POST, "/api/v1/regions", Some(&member_token), Some(json!({ "name": "x" }))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app.api(Method::GET, "/api/v1/regions", Some(&member_token), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let member_cookie = app.sign_in("member@example.com").await;
    let reply = app.rpc("list_region_details", &[], Some(&member_cookie)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "the console's server functions check the role too");

    // A new token replaces the old one at once.
    let reply = app.api(Method::POST, &format!("/api/v1/regions/{id}/token"), Some(&admin.token), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let new_token = reply.json()["token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, token);
    let old = app.api(Method::GET, "/api/v1/agent/monitors", Some(&token), None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app.api(Method::GET, "/api/v1/agent/monitors", Some(&new_token), None).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);

    // A region in use, or built in, stays.
    let target = monitor_in(&app, "eu-west", "http://127.0.0.1:9/");
    let reply = app.api(Method::DELETE, &format!("/api/v1/regions/{id}"), Some(&admin.token), None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    assert!(reply.json()["error"]["message"].as_str().unwrap().contains("1 monitor"));
    let local = regions[1]["id"].as_i64().unwrap();
    let reply = app.api(Method::DELETE, &format!("/api/v1/regions/{local}"), Some(&admin.token), None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let reply = app.api(Method::POST, &format!("/api/v1/regions/{local}/token"), Some(&admin.token), None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);

    monitors::delete(&mut app.db.conn(), target.id).unwrap();
    let reply = app.api(Method::DELETE, &format!("/api/v1/regions/{id}"), Some(&admin.token), None).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let reply = app.api(Method::GET, "/api/v1/agent/monitors", Some(&new_token), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "a deleted region's agent is refused");
}

#[tokio::test]
async fn agents_fetch_their_monitors_and_tokens_do_not_cross_over() {
    let app = TestApp::new();
    let admin = admin(&app).await;
    let (_, agent) = create_region(&app, &admin, "eu-west").await;
    let ours = monitor_in(&app, "eu-west", "http://127.0.0.1:9/ours");
    let _local = monitor_in(&app, "local", "http://127.0.0.1:9/local");

    let first = app.api(Method::GET, "/api/v1/agent/monitors", Some(&agent), None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let body = first.json();
    assert_eq!(body["region"], "eu-west");
    let ids: Vec<_> = body["monitors"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [ours.id], "only the region's monitors");
    assert_eq!(body["monitors"][0]["url"], "http://127.0.0.1:9/ours");

    // Unchanged: 304 to the same ETag; changed (paused): a new list.
    let etag = first.header("etag").unwrap().to_owned();
    let request = axum::http::Request::get("/api/v1/agent/monitors")
        .header("authorization", format!("Bearer {agent}"))
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::NOT_MODIFIED);
    monitors::set_paused(&mut app.db.conn(), ours.id, true).unwrap();
    let request = axum::http::Request::get("/api/v1/agent/monitors")
        .header("authorization", format!("Bearer {agent}"))
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    let changed = app.send(request).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.json()["monitors"], json!([]), "paused monitors are not probed");

    // An agent token is not an API token, and the other way round.
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&agent), None).await.status, StatusCode::UNAUTHORIZED);
    let api = app.api(Method::GET, "/api/v1/agent/monitors", Some(&admin.token), None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api(Method::GET, "/api/v1/agent/monitors", None, None).await.status, StatusCode::UNAUTHORIZED);

    let seen: Option<DateTime<Utc>> = {
        use app::ssr::db::schema::regions;
        regions::table
            .filter(regions::name.eq("eu-west"))
            .select(regions::last_seen_at)
            .first(&mut app.db.conn())
            .unwrap()
    };
    assert!(seen.is_some_and(|at| Utc::now() - at < Duration::minutes(1)), "the region was seen");
}

fn result(monitor_id: i64, checked_at: DateTime<Utc>, up: bool) -> serde_json::Value {
    json!({
        "monitor_id": monitor_id, "checked_at": checked_at, "duration_ms": 12, "up": up,
        "status_code": if up { 200 } else { 500 }, "failure": if up { None } else { Some("status") },
        "message": "from the agent", "cert_expires_at": null,
    })
}

fn check_count(app: &TestApp, monitor_id: i64, region: &str) -> i64 {
    use app::ssr::db::schema::{checks, regions};
    checks::table
        .inner_join(regions::table)
        .filter(checks::monitor_id.eq(monitor_id))
        .filter(regions::name.eq(region))
        .count()
        .get_result(&mut app.db.conn())
        .unwrap()
}

fn status_of(app: &TestApp, monitor_id: i64) -> String {
    monitors::get(&mut app.db.conn(), monitor_id).unwrap().status.as_str().to_owned()
}

#[tokio::test]
async fn agent_results_are_recorded_for_the_region_and_bad_ones_ignored() {
    let app = TestApp::new();
    let admin = admin(&app).await;
    let (_, agent) = create_region(&app, &admin, "eu-west").await;
    let ours = monitor_in(&app, "eu-west", "http://127.0.0.1:9/ours");
    let local = monitor_in(&app, "local", "http://127.0.0.1:9/local");
    let now = Utc::now();

    let batch = json!({ "results": [
        result(ours.id, now - Duration::seconds(3), false),
        result(ours.id, now - Duration::seconds(2), false),
        result(ours.id, now - Duration::seconds(1), false),
        result(local.id, now, false),
        result(ours.id, now + Duration::hours(1), true),
        result(ours.id, now - Duration::days(400), true),
    ]});
    let reply = app.api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(batch)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json(), json!({ "accepted": 3, "ignored": 3 }));
    assert_eq!(check_count(&app, ours.id, "eu-west"), 3);
    assert_eq!(check_count(&app, local.id, "eu-west"), 0, "another region's monitor is not touched");
    assert_eq!(status_of(&app, ours.id), "down", "three failures confirm the region down");

    let batch = json!({ "results": [result(ours.id, Utc::now(), true)] });
    app.api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(batch)).await;
    assert_eq!(status_of(&app, ours.id), "up");

    // The API's limits and shape.
    let many: Vec<_> = (0..1001).map(|_| result(ours.id, now, true)).collect();
    let reply = app.api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(json!({ "results": many }))).await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
    let reply = app.api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(json!({ "results": 3 }))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["code"], "bad_request");
    let reply =
        app.api(Method::POST, "/api/v1/agent/results", Some(&admin.token), Some(json!({ "results": [] }))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_certificate_expiring_soon_is_recorded_once() {
    let app = TestApp::new();
    let admin = admin(&app).await;
    let (_, agent) = create_region(&app, &admin, "eu-west").await;
    let ours = monitor_in(&app, "eu-west", "https://127.0.0.1:9/");
    let soon = Utc::now() + Duration::days(5);
    let later = Utc::now() + Duration::days(60);
    let with_cert = |expires: DateTime<Utc>| {
        let mut r = result(ours.id, Utc::now(), true);
        r["cert_expires_at"] = json!(expires);
        r
    };
    for expires in [later, soon, soon] {
        let reply = app
            .api(Method::POST, "/api/v1/agent/results", Some(&agent), Some(json!({ "results": [with_cert(expires)] })))
            .await;
        assert_eq!(reply.json()["accepted"], 1);
    }
    let events = app::ssr::db::ssl_expiry_events::for_monitor(&mut app.db.conn(), ours.id).unwrap();
    assert_eq!(events.len(), 1, "one event per certificate, not per check");
    assert_eq!(events[0].0.timestamp(), soon.timestamp());

    // The monitor page says so.
    let details = app::ssr::monitoring::report::details(&mut app.db.conn(), ours, Utc::now()).unwrap();
    assert!(details.certificate_expiring);
    assert_eq!(details.certificate_expires_at.map(|at| at.timestamp()), Some(soon.timestamp()));
}

// ---- the agent as a process ---------------------------------------------------

struct AgentProcess(Child);

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_agent(server: &str, region: &str, token: &str, stderr: Stdio) -> AgentProcess {
    let child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["agent", "--server", server, "--region", region, "--poll-seconds", "1"])
        .env("VIGIE_AGENT_TOKEN", token)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    AgentProcess(child)
}

async fn wait_for(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn checks_between(app: &TestApp, monitor_id: i64, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    use app::ssr::db::schema::checks;
    checks::table
        .filter(checks::monitor_id.eq(monitor_id))
        .filter(checks::checked_at.between(from, to))
        .count()
        .get_result(&mut app.db.conn())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_probes_notices_new_monitors_and_buffers_while_the_server_is_down() {
    let app = TestApp::new();
    let admin = admin(&app).await;
    let (_, token) = create_region(&app, &admin, "eu-west").await;
    let base = target::http_target().await;
    let first = monitor_in(&app, "eu-west", &format!("{base}/ok"));

    let server = app.listen(0);
    let port = server.port;
    let log = tempfile::NamedTempFile::new().unwrap();
    let _agent = start_agent(&server.url(), "eu-west", &token, Stdio::from(log.reopen().unwrap()));
    wait_for("the agent's first results", 30, || check_count(&app, first.id, "eu-west") >= 2).await;
    wait_for("the monitor to be up", 10, || status_of(&app, first.id) == "up").await;

    // A monitor added while the agent runs is probed within seconds.
    let added_at = Instant::now();
    let second = monitor_in(&app, "eu-west", &format!("{base}/fail"));
    wait_for("the new monitor's results", 15, || check_count(&app, second.id, "eu-west") >= 1).await;
    assert!(added_at.elapsed() < std::time::Duration::from_secs(10));
    wait_for("the failing monitor to be down", 15, || status_of(&app, second.id) == "down").await;

    // The agent asks DNS questions too.
    let dns = common::dns::dns_server().await;
    dns.set("agent.vigie.test", hickory_proto::rr::RecordType::A, &["192.0.2.40"]);
    let resolver = monitors::create(
        &mut app.db.conn(),
        &rules(&["local", "eu-west"]),
        MonitorInput {
            name: Some("eu-west DNS".into()),
            kind: Some(app::model::MonitorKind::Dns),
            host: Some("agent.vigie.test".into()),
            dns_server: Some(dns.address.to_string()),
            expected_values: Some(vec!["192.0.2.40".into()]),
            regions: Some(vec!["eu-west".into()]),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            recovery_confirmations: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    // And pings.
    let pinged = monitors::create(
        &mut app.db.conn(),
        &rules(&["local", "eu-west"]),
        MonitorInput {
            name: Some("eu-west ping".into()),
            kind: Some(app::model::MonitorKind::Ping),
            host: Some("127.0.0.1".into()),
            regions: Some(vec!["eu-west".into()]),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            recovery_confirmations: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    wait_for("the DNS monitor to be up", 15, || status_of(&app, resolver.id) == "up").await;
    let checks = app::ssr::monitoring::report::recent_checks(&mut app.db.conn(), resolver.id, 1).unwrap();
    assert_eq!((checks[0].region.as_str(), checks[0].message.as_str()), ("eu-west", "A 192.0.2.40"));
    wait_for("the ping monitor to be up", 15, || status_of(&app, pinged.id) == "up").await;
    let checks = app::ssr::monitoring::report::recent_checks(&mut app.db.conn(), pinged.id, 1).unwrap();
    assert!(checks[0].message.starts_with("3/3 replies from 127.0.0.1"), "{:?}", checks[0]);

    // The server goes away; the agent keeps probing and sends it all later.
    drop(server);
    let down_from = Utc::now();
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let down_until = Utc::now();
    assert_eq!(checks_between(&app, first.id, down_from, down_until), 0, "nothing arrives while down");
    let _server = app.listen(port);
    wait_for("the buffered results", 30, || checks_between(&app, first.id, down_from, down_until) >= 3).await;
    assert!(checks_between(&app, second.id, down_from, down_until) >= 3);
    let log = std::fs::read_to_string(log.path()).unwrap();
    assert!(log.contains("cannot send results; keeping them"), "{log}");
    assert!(!log.contains(&token), "the token is never logged");
}

#[tokio::test]
async fn an_agent_with_a_wrong_token_or_region_stops_with_a_clear_error() {
    let app = TestApp::new();
    let admin = admin(&app).await;
    let (_, token) = create_region(&app, &admin, "eu-west").await;
    let server = app.listen(0);
    for (region, token, expected) in [
        ("eu-west", "vigie_agent_wrong", "refused the agent token"),
        ("us-east", token.as_str(), "belongs to region `eu-west`, not `us-east`"),
    ] {
        let mut agent = start_agent(&server.url(), region, token, Stdio::piped());
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = agent.0.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the agent did not stop");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert!(!status.success());
        let mut stderr = String::new();
        std::io::Read::read_to_string(agent.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains(token) || token == "vigie_agent_wrong", "the token is never logged");
    }
}
