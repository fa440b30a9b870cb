//! `vigie backup` and `vigie restore` as a user runs them: a database with
//! every kind of object and a monitor in an ongoing outage is backed up
//! while checks are being written, restored into an empty database, and
//! compared table by table; the restore refuses a database that holds data
//! unless `--force`; a server started on the restored database serves it
//! and opens no second incident nor sends a second alert.

use crate::common::db::TestDb;
use crate::common::process::{free_port, get, serve, signal, wait_healthy};
use crate::common::{self, TestApp, target};
use app::model::Role;
use app::ssr::monitoring::probe::Prober;
use axum::http::{Method, StatusCode};
use diesel::prelude::*;
use serde_json::json;
use server::workers::scheduler::Scheduler;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

fn vigie(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Digest {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    md5: String,
}

fn tables(conn: &mut PgConnection) -> Vec<String> {
    diesel::sql_query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        .load::<Name>(conn)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect()
}

/// The rows of `table` (those `filter` keeps), in a stable order, hashed.
fn digest(conn: &mut PgConnection, table: &str, filter: &str) -> Digest {
    diesel::sql_query(format!(
        "SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS md5 \
         FROM {table} t WHERE {filter}"
    ))
    .get_result(conn)
    .unwrap()
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

/// Every table but `checks` (and its partitions) is the same in both;
/// `checks` in the copy is exactly the source's up to the newest row it
/// holds (one snapshot).
fn assert_same(source: &mut PgConnection, copy: &mut PgConnection) {
    let names = tables(source);
    assert_eq!(tables(copy), names);
    assert!(names.len() > 25 && names.contains(&"__diesel_schema_migrations".to_owned()), "{names:?}");
    for table in names.iter().filter(|t| *t != "checks" && !t.starts_with("checks_")) {
        assert_eq!(digest(copy, table, "true"), digest(source, table, "true"), "table {table}");
    }
    let newest = count(copy, "SELECT coalesce(max(id), 0) AS n FROM checks");
    assert_eq!(digest(copy, "checks", "true"), digest(source, "checks", &format!("id <= {newest}")), "checks");
}

#[tokio::test]
async fn a_backup_taken_while_checks_are_written_restores_whole() {
    let app = TestApp::with_own_database();
    let ids = crate::routes::objects(&app).await;
    let admin = app.user("admin@example.com", Role::Admin);
    let token = app.token(admin.id);

    // A monitor in an outage, with its incident and its alert.
    let base = target::http_target().await;
    let hook = common::receiver::webhook(common::receiver::Mode::Accept);
    common::alert_on_every_incident(&mut app.db.conn(), &hook.url);
    let body = json!({"name": "api", "url": format!("{base}/fail"), "interval_seconds": 30, "timeout_seconds": 2,
                      "incident_confirmations": 1, "recovery_confirmations": 1});
    let created = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let api = created.json()["id"].as_i64().unwrap();
    let scheduler = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 8).await.unwrap();
    diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
        .execute(&mut app.db.conn())
        .unwrap();
    scheduler.run_once().await.unwrap();
    let mut source = app.db.conn();
    let incidents = "SELECT count(*) AS n FROM incidents";
    let notifications = "SELECT count(*) AS n FROM notifications";
    let outage = format!("SELECT count(*) AS n FROM incidents WHERE monitor_id = {api} AND state = 'ongoing'");
    assert_eq!(count(&mut source, &outage), 1, "the outage's incident");
    assert!(count(&mut source, notifications) >= 1, "its alert");
    let (incidents_before, notifications_before) = (count(&mut source, incidents), count(&mut source, notifications));

    // Checks written in pairs, one transaction each, all through the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, written, url) = (stop.clone(), written.clone(), app.db.url.clone());
        std::thread::spawn(move || {
            let mut conn = PgConnection::establish(&url).unwrap();
            while !stop.load(Ordering::Relaxed) {
                conn.transaction::<_, diesel::result::Error, _>(|conn| {
                    for _ in 0..2 {
                        diesel::sql_query(format!(
                            "INSERT INTO checks (monitor_id, region_id, checked_at, duration_ms, up, message) \
                             SELECT {api}, id, now(), 5, false, 'pair' FROM regions WHERE name = 'local'"
                        ))
                        .execute(conn)?;
                    }
                    Ok(())
                })
                .unwrap();
                written.fetch_add(2, Ordering::Relaxed);
            }
        })
    };
    while written.load(Ordering::Relaxed) < 50 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vigie.dump");
    let backup = vigie(&app.db.url, &["backup", "-o", file.to_str().unwrap()]);
    let during = written.load(Ordering::Relaxed);
    std::thread::sleep(std::time::Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(text(&backup).contains(&format!("backed up to {}", file.display())), "{}", text(&backup));
    assert!(!dir.path().join("vigie.dump.partial").exists());

    // Restored into an empty database: everything is there, as it was.
    let copy = TestDb::own_database(true);
    let restore = vigie(&copy.url, &["restore", file.to_str().unwrap()]);
    assert!(restore.status.success(), "{}", text(&restore));
    assert!(text(&restore).contains("0 migrations applied"), "{}", text(&restore));
    let mut restored = copy.conn();
    assert_same(&mut source, &mut restored);
    let pairs = count(&mut restored, "SELECT count(*) AS n FROM checks WHERE message = 'pair'");
    assert!(pairs > 0 && pairs % 2 == 0, "whole transactions only: {pairs}");
    assert!((pairs as u64) < written.load(Ordering::Relaxed), "checks went on being written: {pairs} of {during}+");

    // A database that holds data is refused, unless --force.
    let again = vigie(&copy.url, &["restore", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("the database is not empty") && text(&again).contains("--force"), "{}", text(&again));
    diesel::sql_query("DELETE FROM incident_comments").execute(&mut restored).unwrap();
    let forced = vigie(&copy.url, &["restore", "--force", file.to_str().unwrap()]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert_same(&mut source, &mut restored);
    // Not a backup: refused before anything is touched.
    let junk = dir.path().join("junk.dump");
    std::fs::write(&junk, "not a dump").unwrap();
    let refused = vigie(&copy.url, &["restore", "--force", junk.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("is not a backup"), "{}", text(&refused));
    assert_same(&mut source, &mut restored);

    // A server on the restored database serves it, and its start-up repair
    // and first rounds open no second incident and send no second alert.
    let port = free_port();
    let log = dir.path().join("server.log");
    let mut server = serve(&copy.url, port, &log);
    wait_healthy(&mut server, port, &log, 60);
    let (status, page) = get(port, "/status/acme").unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Acme"), "{page}");
    std::thread::sleep(std::time::Duration::from_secs(3));
    signal(server.id(), "TERM");
    assert!(server.wait().unwrap().success());
    assert_eq!(count(&mut restored, incidents), incidents_before);
    assert_eq!(count(&mut restored, notifications), notifications_before);
    assert_eq!(count(&mut restored, &outage), 1);
    let subscribers = format!("SELECT count(*) AS n FROM subscribers WHERE page_id = {}", ids.page);
    assert_eq!(count(&mut restored, &subscribers), 2);
}

/// The body of `/healthz` once `done` holds for its backups' report.
fn health_until(port: u16, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status, reply) = get(port, "/healthz").unwrap();
        assert_eq!(status, 200, "{reply}");
        let body: serde_json::Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        if done(&body["backups"]) {
            return body;
        }
        assert!(std::time::Instant::now() < deadline, "{body}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn dumps(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("vigie-"))
        .collect();
    names.sort();
    names
}

#[test]
fn scheduled_backups_keep_the_newest_and_report_failures() {
    let database = TestDb::own_database(false);
    let dir = tempfile::tempdir().unwrap();
    // Made by an earlier run: the newest over a day old, so one is due now.
    for day in ["20260101T000000Z", "20260102T000000Z", "20260103T000000Z"] {
        std::fs::write(dir.path().join(format!("vigie-{day}.dump")), "old").unwrap();
    }
    let port = free_port();
    let log = dir.path().join("server.log");
    let settings = [("VIGIE_BACKUP_DIR", dir.path().to_str().unwrap()), ("VIGIE_BACKUP_KEEP", "2")];
    let mut server = crate::common::process::serve_with(&database.url, port, &log, &settings);
    wait_healthy(&mut server, port, &log, 60);
    let body = health_until(port, |b| !b["last_success_at"].is_null());
    let backups = &body["backups"];
    assert_eq!(backups["failing"], false, "{body}");
    // Anyone may read /healthz: no folder, file or error there.
    assert_eq!(backups.as_object().unwrap().len(), 3, "{body}");
    let left = dumps(dir.path());
    assert_eq!(left.len(), 2, "{left:?}");
    assert_eq!(left[0], "vigie-20260103T000000Z.dump", "{left:?}");
    assert!(left[1].as_str() > "vigie-20260103T000000Z.dump", "the new one is the newest: {left:?}");
    let written = std::fs::read(dir.path().join(&left[1])).unwrap();
    assert!(written.starts_with(b"PGDMP"), "pg_dump's custom format");
    signal(server.id(), "TERM");
    assert!(server.wait().unwrap().success());

    // Started again within the day: no second backup.
    let mut server = crate::common::process::serve_with(&database.url, port, &log, &settings);
    wait_healthy(&mut server, port, &log, 60);
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(dumps(dir.path()), left);
    signal(server.id(), "TERM");
    assert!(server.wait().unwrap().success());

    // A folder that cannot be made: the failure is reported, the server stays healthy.
    let blocked = dir.path().join("server.log").join("backups");
    let settings = [("VIGIE_BACKUP_DIR", blocked.to_str().unwrap())];
    let mut server = crate::common::process::serve_with(&database.url, port, &log, &settings);
    wait_healthy(&mut server, port, &log, 60);
    let body = health_until(port, |b| b["failing"] == true);
    assert!(!body["backups"]["last_failure_at"].is_null(), "{body}");
    assert!(body["backups"]["last_success_at"].is_null());
    assert!(!body.to_string().contains("cannot create"), "the error is for admins: {body}");
    signal(server.id(), "TERM");
    assert!(server.wait().unwrap().success());
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("the scheduled backup failed") && log.contains("cannot create"), "{log}");
}

#[tokio::test]
async fn admins_see_the_version_and_the_backups() {
    use app::ssr::operations::{Operations, ScheduledBackups};
    let operations =
        Arc::new(Operations::new(server::VERSION, Some(ScheduledBackups::new("/var/backups/vigie".into(), 7))));
    let app = TestApp::with_operations(operations.clone());
    app.user("admin@example.com", Role::Admin);
    app.user("member@example.com", Role::Member);
    let admin = app.sign_in("admin@example.com").await;
    let member = app.sign_in("member@example.com").await;

    let at = chrono::Utc::now();
    operations.backups.as_ref().unwrap().failed(at, "pg_dump failed: disk full".into());
    let info = app.rpc("describe_server", &[], Some(&admin)).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    let info = info.json();
    assert_eq!(info["version"], server::VERSION);
    assert!(server::VERSION.contains(server::COMMIT));
    assert_eq!(info["backups"]["dir"], "/var/backups/vigie");
    assert_eq!(info["backups"]["failing"], true);
    assert_eq!(info["backups"]["last_error"], "pg_dump failed: disk full");
    assert_eq!(app.rpc("describe_server", &[], Some(&member)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.rpc("describe_server", &[], None).await.status, StatusCode::UNAUTHORIZED);

    // Strangers read /healthz: whether backups fail and when, nothing more.
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["backups"]["failing"], true);
    assert!(!health.body.contains("disk full") && !health.body.contains("/var/backups"), "{}", health.body);
    operations.backups.as_ref().unwrap().succeeded(at, "/var/backups/vigie/vigie-x.dump".into(), 1234);
    let health = app.get("/healthz", None).await.json();
    assert_eq!(health["backups"]["failing"], false);
    assert!(!health["backups"]["last_success_at"].is_null());
    let info = app.rpc("describe_server", &[], Some(&admin)).await.json();
    assert_eq!(info["backups"]["last_bytes"], 1234);
    assert_eq!(info["backups"]["last_file"], "/var/backups/vigie/vigie-x.dump");
}
