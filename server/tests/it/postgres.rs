//! The private PostgreSQL: first start, adoption of a running cluster, and
//! recovery after the server and PostgreSQL were killed.

use diesel::{Connection, PgConnection, RunQueryDsl};
use server::postgres::{DATABASE, PrivatePostgres};
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
