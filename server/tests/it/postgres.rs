//! The private PostgreSQL: first start, adoption of a running cluster, and
//! recovery after the server and PostgreSQL were killed.

use diesel::{Connection, PgConnection, RunQueryDsl};
use server::infra::postgres::{DATABASE, PrivatePostgres};
use std::time::Duration;

fn answers(url: &str) -> bool {
    PgConnection::establish(url).is_ok_and(|mut c| diesel::sql_query("SELECT 1").execute(&mut c).is_ok())
}

fn postmaster_pid(pg: &PrivatePostgres) -> String {
    let pid = std::fs::read_to_string(pg.dir().join("postmaster.pid")).unwrap();
    pid.lines().next().unwrap().trim().to_owned()
}

#[test]
fn a_private_cluster_starts_is_adopted_and_recovers_from_kill_9() {
    // The postgres system user (when we are root) must reach the folder.
    let parent = tempfile::Builder::new().prefix("vigie-pg-test").tempdir_in(std::env::temp_dir()).unwrap();
    std::fs::set_permissions(parent.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dir = parent.path().join("postgres");

    let pg = PrivatePostgres::new(&dir).unwrap();
    assert!(pg.start().unwrap(), "first start starts it");
    let url = pg.url(DATABASE);
    assert!(answers(&url));
    assert!(pg.url(DATABASE).contains("host=%2F"), "a Unix socket, no TCP: {url}");

    // A second `start` (a new server after a crash of the old one) adopts it.
    let again = PrivatePostgres::new(&dir).unwrap();
    assert!(!again.start().unwrap(), "a running cluster is adopted");
    assert!(answers(&url));

    // Kill PostgreSQL itself with SIGKILL: a stale postmaster.pid stays behind.
    let pid = postmaster_pid(&pg);
    std::process::Command::new("kill").args(["-9", &pid]).status().unwrap();
    for _ in 0..50 {
        if !pg.is_running() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(dir.join("postmaster.pid").exists(), "the stale pid file is still there");
    assert!(pg.start().unwrap(), "restarted over the stale pid file");
    assert!(answers(&url));
    assert_ne!(postmaster_pid(&pg), pid);

    pg.stop().unwrap();
    assert!(!pg.is_running());
    assert!(!answers(&url));
}

#[test]
fn a_folder_that_is_not_a_cluster_is_refused_clearly() {
    let parent = tempfile::Builder::new().prefix("vigie-pg-test").tempdir_in(std::env::temp_dir()).unwrap();
    std::fs::set_permissions(parent.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let dir = parent.path().join("postgres");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let error = PrivatePostgres::new(&dir).and_then(|pg| pg.start()).unwrap_err().to_string();
    assert!(error.contains("holds no PostgreSQL cluster"), "{error}");
}

/// A running `vigie serve` whose database goes away (PostgreSQL killed, then
/// its connections dropped): `/healthz` says 503 while it is gone and 200
/// within seconds of its return, probing resumes, and nothing committed is
/// lost.
#[test]
fn the_server_rides_out_its_database_dying_and_coming_back() {
    use crate::common::process::{free_port, health, serve, signal, wait_healthy};
    use crate::common::target::switchable_target;
    use std::time::Instant;

    let parent = tempfile::Builder::new().prefix("vigie-pg-test").tempdir_in(std::env::temp_dir()).unwrap();
    std::fs::set_permissions(parent.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let pg = PrivatePostgres::new(&parent.path().join("postgres")).unwrap();
    pg.start().unwrap();
    let url = pg.url(DATABASE);
    let switches = switchable_target();
    {
        let mut conn = PgConnection::establish(&url).unwrap();
        app::ssr::db::run_migrations(&mut conn).unwrap();
        app::ssr::db::regions::ensure(&mut conn, "local").unwrap();
        let rules = app::ssr::monitoring::monitors::MonitorRules {
            min_interval_seconds: 1,
            known_regions: vec!["local".into()],
            default_region: "local".into(),
        };
        let input = app::model::MonitorInput {
            name: Some("Site".into()),
            url: Some(switches.url("site")),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            ..Default::default()
        };
        app::ssr::monitoring::monitors::create(&mut conn, &rules, input).unwrap();
    }
    let checks = || -> Option<i64> {
        use app::ssr::db::schema::checks;
        use diesel::QueryDsl;
        let mut conn = PgConnection::establish(&url).ok()?;
        checks::table.count().get_result(&mut conn).ok()
    };
    let wait = |what: &str, seconds: u64, done: &mut dyn FnMut() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };

    let log = tempfile::NamedTempFile::new().unwrap();
    let port = free_port();
    let mut server = serve(&url, port, log.path());
    wait_healthy(&mut server, port, log.path(), 60);
    wait("the first checks", 20, &mut || checks().is_some_and(|n| n >= 2));

    // PostgreSQL dies.
    let pid = postmaster_pid(&pg);
    std::process::Command::new("kill").args(["-9", &pid]).status().unwrap();
    let died = Instant::now();
    wait("/healthz to say 503", 15, &mut || health(port) == Some(503));
    println!("503 after {:?}", died.elapsed());
    let before = {
        // What was committed before it died is read back once it returns.
        std::thread::sleep(Duration::from_secs(2));
        assert!(pg.start().unwrap(), "started again by the test");
        let back = Instant::now();
        wait("/healthz to say 200 again", 10, &mut || health(port) == Some(200));
        println!("200 again {:?} after PostgreSQL returned", back.elapsed());
        checks().unwrap()
    };
    assert!(before >= 2, "committed checks survive: {before}");
    wait("probing to resume", 15, &mut || checks().is_some_and(|n| n >= before + 3));

    // Every connection of the server dropped at once.
    {
        let mut conn = PgConnection::establish(&url).unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut conn)
        .unwrap();
    }
    let dropped = checks().unwrap();
    wait("/healthz after the connections dropped", 10, &mut || health(port) == Some(200));
    wait("probing after the connections dropped", 15, &mut || checks().is_some_and(|n| n >= dropped + 3));

    signal(server.id(), "TERM");
    let status = server.wait().unwrap();
    assert!(status.success(), "{status}: {}", std::fs::read_to_string(log.path()).unwrap_or_default());
    pg.stop().unwrap();
}
