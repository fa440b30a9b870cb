//! Heartbeat monitors: the ping URL and what each ping records, deadlines
//! by period and by cron, late runs declared once across two schedulers,
//! and a restart that gives jobs their grace time again.

use crate::common;

use app::model::{MonitorInput, MonitorKind, MonitorStatus, Role};
use app::ssr::db::schema::{checks, incidents, monitor_region_state, notifications};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::Prober;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, receiver};
use diesel::prelude::*;
use serde_json::json;
use server::workers::scheduler::Scheduler;
use std::process::Command;

fn rules() -> MonitorRules {
    MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() }
}

/// The token at the end of a ping URL.
fn token_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_owned()
}

async fn ping(app: &TestApp, method: Method, path: &str, body: &str) -> (StatusCode, String) {
    let request = Request::builder().method(method).uri(path).body(Body::from(body.to_owned())).unwrap();
    let reply = app.send(request).await;
    (reply.status, reply.body)
}

fn deadline(conn: &mut PgConnection, monitor_id: i64) -> DateTime<Utc> {
    monitor_region_state::table
        .filter(monitor_region_state::monitor_id.eq(monitor_id))
        .select(monitor_region_state::next_due_at)
        .first(conn)
        .unwrap()
}

fn set_deadline(conn: &mut PgConnection, monitor_id: i64, at: DateTime<Utc>) {
    diesel::update(monitor_region_state::table.filter(monitor_region_state::monitor_id.eq(monitor_id)))
        .set(monitor_region_state::next_due_at.eq(at))
        .execute(conn)
        .unwrap();
}

fn failures(conn: &mut PgConnection, monitor_id: i64) -> Vec<Option<String>> {
    checks::table
        .filter(checks::monitor_id.eq(monitor_id))
        .order(checks::id.asc())
        .select(checks::failure)
        .load(conn)
        .unwrap()
}

#[tokio::test]
async fn pings_are_checks_with_the_jobs_output_exit_code_and_duration() {
    let app = TestApp::new();
    let member = app.user("ops@example.com", Role::Member);
    let api_token = app.token(member.id);

    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&api_token),
            Some(json!({"name": "Nightly backup", "kind": "heartbeat", "period_seconds": 3600, "grace_seconds": 300})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let monitor = created.json();
    let id = monitor["id"].as_i64().unwrap();
    let url = monitor["ping_url"].as_str().unwrap().to_owned();
    let token = token_of(&url);
    assert!(url.starts_with("http://") && url.contains("/ping/"), "{url}");
    assert!(token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    assert_eq!(monitor["incident_confirmations"], 1, "a missed run is already confirmed");
    assert_eq!(monitor["regions"], json!(["local"]));
    assert_eq!(monitor["status"], "pending");

    // Read back, the URL is masked: the token is shown once.
    let read = app.api(Method::GET, &format!("/api/v1/monitors/{id}"), Some(&api_token), None).await.json();
    let masked = read["ping_url"].as_str().unwrap();
    assert!(masked.contains("••••") && masked.ends_with(&token[60..]) && !masked.contains(&token), "{masked}");
    let listed = app.api(Method::GET, "/api/v1/monitors", Some(&api_token), None).await;
    assert!(!listed.body.contains(&token));
    assert_eq!(listed.json()["items"][0]["ping_url"], read["ping_url"], "the list shows the masked URL");

    let path = format!("/ping/{token}");
    let before = Utc::now();
    assert_eq!(ping(&app, Method::GET, &path, "").await, (StatusCode::OK, "OK\n".to_owned()));
    assert_eq!(ping(&app, Method::HEAD, &path, "").await.0, StatusCode::OK);
    let mut conn = app.db.conn();
    let next = deadline(&mut conn, id);
    assert!(
        next >= before + Duration::seconds(3600 + 300) && next <= Utc::now() + Duration::seconds(3600 + 300),
        "the next run is an hour after the ping, plus the grace: {next}"
    );
    assert_eq!(monitors::get(&mut conn, id).unwrap().status, MonitorStatus::Up);

    // A run that says when it starts has its duration measured; its output is kept.
    assert_eq!(ping(&app, Method::POST, &format!("{path}/start"), "").await.0, StatusCode::OK);
    let started_deadline = deadline(&mut conn, id);
    assert!(started_deadline <= Utc::now() + Duration::seconds(300), "a started run must end within the grace");
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let output = "dumped 42 tables\nBACKUP-OUTPUT-MARKER\0 done";
    assert_eq!(ping(&app, Method::POST, &format!("{path}/0"), output).await.0, StatusCode::OK);
    let checks = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks"), Some(&api_token), None).await.json();
    let newest = &checks[0];
    assert_eq!(newest["outcome"], "up");
    assert_eq!(newest["exit_code"], 0);
    assert_eq!(newest["message"], "dumped 42 tables\nBACKUP-OUTPUT-MARKER done");
    assert!(newest["duration_ms"].as_u64().unwrap() >= 30, "{newest}");
    assert!(newest["source"].as_str().is_some_and(|s| !s.is_empty()), "{newest}");

    // A failure, by /fail or a non-zero exit code, is down at once.
    assert_eq!(ping(&app, Method::POST, &format!("{path}/fail"), "").await.0, StatusCode::OK);
    assert_eq!(monitors::get(&mut conn, id).unwrap().status, MonitorStatus::Down);
    assert_eq!(ping(&app, Method::GET, &format!("{path}/3"), "").await.0, StatusCode::OK);
    let checks = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks"), Some(&api_token), None).await.json();
    assert_eq!((checks[0]["failure"].as_str(), checks[0]["exit_code"].as_i64()), (Some("job_failed"), Some(3)));
    assert_eq!(checks[0]["message"], "the job ended with exit code 3");
    assert_eq!(checks[1]["message"], "the job reported a failure");
    let open: i64 = incidents::table
        .filter(incidents::monitor_id.eq(id))
        .filter(incidents::state.eq("ongoing"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(open, 1, "the failed run opened one incident");
    assert_eq!(ping(&app, Method::GET, &path, "").await.0, StatusCode::OK);
    assert_eq!(monitors::get(&mut conn, id).unwrap().status, MonitorStatus::Up, "one good run recovers it");

    // Only the first 10 KB of a body are kept.
    let long = "x".repeat(50_000);
    assert_eq!(ping(&app, Method::POST, &path, &long).await.0, StatusCode::OK);
    let checks = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks?limit=1"), Some(&api_token), None).await;
    assert_eq!(checks.json()[0]["message"].as_str().unwrap().len(), 10 * 1024);

    // Nothing tells a stranger whether a token exists.
    let unknown = format!("/ping/{}", "a".repeat(64));
    for path in [unknown.as_str(), "/ping/short", &format!("{path}/restart"), &format!("{path}/256")] {
        assert_eq!(ping(&app, Method::GET, path, "").await.0, StatusCode::NOT_FOUND, "{path}");
    }

    // A new URL replaces the old one at once.
    let renewed = app.api(Method::POST, &format!("/api/v1/monitors/{id}/ping-url"), Some(&api_token), None).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    let new_token = token_of(renewed.json()["ping_url"].as_str().unwrap());
    assert_ne!(new_token, token);
    assert_eq!(ping(&app, Method::GET, &path, "").await.0, StatusCode::NOT_FOUND);
    assert_eq!(ping(&app, Method::GET, &format!("/ping/{new_token}"), "").await.0, StatusCode::OK);

    // A paused heartbeat answers and records nothing.
    let recorded = failures(&mut conn, id).len();
    app.api(Method::POST, &format!("/api/v1/monitors/{id}/pause"), Some(&api_token), None).await;
    assert_eq!(ping(&app, Method::GET, &format!("/ping/{new_token}/fail"), "").await.0, StatusCode::OK);
    assert_eq!(failures(&mut conn, id).len(), recorded);

    // Another kind has no ping URL to renew.
    let http = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&api_token),
            Some(json!({"name": "Site", "url": "https://example.com"})),
        )
        .await
        .json();
    let refused =
        app.api(Method::POST, &format!("/api/v1/monitors/{}/ping-url", http["id"]), Some(&api_token), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(http["ping_url"].is_null());
}

#[tokio::test]
async fn schedules_are_checked_field_by_field() {
    let app = TestApp::new();
    let member = app.user("ops@example.com", Role::Member);
    let token = app.token(member.id);
    let create = |body: serde_json::Value| {
        let app = &app;
        let token = token.clone();
        async move { app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body)).await }
    };
    let cases = [
        (json!({"cron": "0 2 * *"}), "cron"),
        (json!({"cron": "0 0 30 2 *"}), "cron"),
        (json!({"cron": "0 2 * * *", "timezone": "Mars/Olympus"}), "timezone"),
        (json!({"cron": "0 2 * * *", "period_seconds": 3600}), "cron"),
        (json!({"period_seconds": 5}), "period_seconds"),
        (json!({"period_seconds": 3600, "grace_seconds": 40_000_000}), "grace_seconds"),
    ];
    app.assert_monitor_refused(&token, json!({"name": "Job", "kind": "heartbeat"}), &cases).await;

    // A cron schedule in a time zone: 02:00 in Paris.
    let reply = create(json!({
        "name": "Nightly", "kind": "heartbeat", "cron": "0 2 * * *", "timezone": "Europe/Paris", "grace_seconds": 1800
    }))
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let monitor = reply.json();
    assert_eq!((monitor["cron"].as_str(), monitor["period_seconds"].as_u64()), (Some("0 2 * * *"), None));
    let next = deadline(&mut app.db.conn(), monitor["id"].as_i64().unwrap());
    let nightly = app::ssr::monitoring::heartbeat::Schedule::cron("0 2 * * *", "Europe/Paris").unwrap();
    assert_eq!(
        Some(next - Duration::seconds(1800)),
        nightly.next_run(Utc::now()),
        "the next 02:00 in Paris, plus grace"
    );
    assert!(next > Utc::now() && next <= Utc::now() + Duration::hours(25) + Duration::seconds(1800));

    // Changing to a period drops the cron expression and its zone.
    let id = monitor["id"].as_i64().unwrap();
    let changed = app
        .api(Method::PATCH, &format!("/api/v1/monitors/{id}"), Some(&token), Some(json!({"period_seconds": 600})))
        .await
        .json();
    assert_eq!((changed["cron"].is_null(), changed["timezone"].is_null()), (true, true));
    assert_eq!(changed["period_seconds"], 600);
}

#[tokio::test]
async fn a_late_run_is_declared_once_by_two_schedulers_and_a_ping_recovers() {
    let app = TestApp::new();
    let hook = receiver::webhook(receiver::Mode::Accept);
    let mut conn = app.db.conn();
    common::alert_on_every_incident(&mut conn, &hook.url);
    let monitor = monitors::create(
        &mut conn,
        &rules(),
        MonitorInput {
            name: Some("Invoices job".into()),
            kind: Some(MonitorKind::Heartbeat),
            period_seconds: Some(60),
            grace_seconds: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let token = token_of(monitor.ping_url.as_deref().unwrap());
    let first = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();
    let second = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();

    // Not late before its deadline; never probed.
    let (a, b) = tokio::join!(first.declare_late(), second.declare_late());
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0));
    assert_eq!(first.run_once().await.unwrap(), 0, "a heartbeat is never claimed for probing");

    let missed = Utc::now() - Duration::seconds(5);
    set_deadline(&mut conn, monitor.id, missed);
    let (a, b) = tokio::join!(first.declare_late(), second.declare_late());
    assert_eq!(a.unwrap() + b.unwrap(), 1, "one server declares the late run");
    assert_eq!(failures(&mut conn, monitor.id), vec![Some("late".to_owned())]);
    assert_eq!(monitors::get(&mut conn, monitor.id).unwrap().status, MonitorStatus::Down);
    let next = deadline(&mut conn, monitor.id);
    assert!(next > Utc::now(), "the next deadline is ahead: {next}");
    let (a, b) = tokio::join!(first.declare_late(), second.declare_late());
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0), "not declared again before the next run");
    assert_eq!(failures(&mut conn, monitor.id).len(), 1);

    let reply = ping(&app, Method::GET, &format!("/ping/{token}"), "").await;
    assert_eq!(reply.0, StatusCode::OK);
    assert_eq!(monitors::get(&mut conn, monitor.id).unwrap().status, MonitorStatus::Up);
    let states: Vec<String> =
        incidents::table.filter(incidents::monitor_id.eq(monitor.id)).select(incidents::state).load(&mut conn).unwrap();
    assert_eq!(states, vec!["resolved"], "one incident, resolved by the ping");
    let alerts: i64 = notifications::table.count().get_result(&mut conn).unwrap();
    assert_eq!(alerts, 2, "one alert when it went down, one when it came back");
}

#[tokio::test]
async fn a_restart_gives_jobs_their_grace_time_again() {
    let app = TestApp::new();
    let mut conn = app.db.conn();
    let monitor = monitors::create(
        &mut conn,
        &rules(),
        MonitorInput {
            name: Some("Hourly sync".into()),
            kind: Some(MonitorKind::Heartbeat),
            period_seconds: Some(3600),
            grace_seconds: Some(120),
            ..Default::default()
        },
    )
    .unwrap();
    // The deadline passed while no server ran.
    set_deadline(&mut conn, monitor.id, Utc::now() - Duration::minutes(30));
    let scheduler = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let started = Utc::now();
    let running = tokio::spawn(scheduler.run(stopped));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    stop.send(true).unwrap();
    running.await.unwrap();
    assert!(failures(&mut conn, monitor.id).is_empty(), "not declared late for the server's own downtime");
    let next = deadline(&mut conn, monitor.id);
    assert!(next >= started + Duration::seconds(120), "the grace counts from the start: {next}");
    assert_eq!(monitors::get(&mut conn, monitor.id).unwrap().status, MonitorStatus::Pending);
}

#[tokio::test]
async fn pings_are_limited_per_minute() {
    let app = TestApp::new();
    let monitor = monitors::create(
        &mut app.db.conn(),
        &rules(),
        MonitorInput {
            name: Some("Chatty".into()),
            kind: Some(MonitorKind::Heartbeat),
            period_seconds: Some(60),
            ..Default::default()
        },
    )
    .unwrap();
    let path = format!("/ping/{}", token_of(monitor.ping_url.as_deref().unwrap()));
    for _ in 0..60 {
        assert_eq!(ping(&app, Method::POST, &path, "").await.0, StatusCode::OK);
    }
    let request = Request::get(&path).body(Body::empty()).unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.header(header::RETRY_AFTER.as_str()), Some("60"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_sending_its_whole_log_with_curl_gets_its_answer() {
    let app = TestApp::new();
    let monitor = monitors::create(
        &mut app.db.conn(),
        &rules(),
        MonitorInput {
            name: Some("Verbose job".into()),
            kind: Some(MonitorKind::Heartbeat),
            period_seconds: Some(60),
            ..Default::default()
        },
    )
    .unwrap();
    let server = app.listen(0);
    let log = tempfile::NamedTempFile::new().unwrap();
    let line = "LOG-LINE-MARKER a job writes a lot of output\n";
    std::fs::write(log.path(), line.repeat(1_000_000 / line.len())).unwrap();
    let url = format!("{}/ping/{}/0", server.url(), token_of(monitor.ping_url.as_deref().unwrap()));
    let path = log.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("curl")
            .args(["-fsS", "-m", "10", "--data-binary"])
            .arg(format!("@{}", path.display()))
            .arg(&url)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(output.status.success(), "curl: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "OK\n");
    let message: String = checks::table
        .filter(checks::monitor_id.eq(monitor.id))
        .select(checks::message)
        .first(&mut app.db.conn())
        .unwrap();
    assert!(message.starts_with(line) && message.len() <= 10 * 1024, "{} bytes", message.len());
}
