//! `vigie serve` as a process: its private PostgreSQL survives a kill -9 of
//! the server (adopted on the next start) and of everything (restarted over a
//! stale pid file), and SIGTERM stops both cleanly.

use crate::common::process::{free_port, get, health, signal};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn serve(data_dir: &Path, port: u16) -> Child {
    let log_path = data_dir.with_extension(format!("{port}.{}.log", Instant::now().elapsed().as_nanos()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        // Anywhere: the site is in the binary, not in the working folder.
        .current_dir(data_dir.parent().unwrap())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    while health(port) != Some(200) {
        let exited = child.try_wait().unwrap();
        if exited.is_some() || Instant::now() > deadline {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("the server did not become healthy on port {port} ({exited:?}):\n{log}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    child
}

fn postmaster_pid(data_dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// Running, not merely a zombie waiting for its (re)parent to reap it.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

#[test]
fn the_private_database_survives_crashes_and_stops_with_the_server() {
    let parent = tempfile::Builder::new().prefix("vigie-serve-test").tempdir_in(std::env::temp_dir()).unwrap();
    std::fs::set_permissions(parent.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let data = parent.path().join("data");
    let port = free_port();

    // kill -9 of the server alone: PostgreSQL keeps running and is adopted.
    let mut server = serve(&data, port);
    let postgres = postmaster_pid(&data).expect("a running private PostgreSQL");
    // Started outside the repository, it serves its pages with their style.
    let (status, page) = get(port, "/login").unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(site::STYLESHEET), "{page}");
    let (status, style) = get(port, site::STYLESHEET).unwrap();
    assert_eq!(status, 200, "{style}");
    assert!(style.contains("text/css") && style.contains(".status-main"), "{}", &style[..style.len().min(400)]);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(alive(postgres), "PostgreSQL outlives a kill -9 of the server");
    let mut server = serve(&data, port);
    assert_eq!(postmaster_pid(&data), Some(postgres), "the running cluster was adopted");

    // kill -9 of everything: a stale postmaster.pid is left behind.
    server.kill().unwrap();
    server.wait().unwrap();
    signal(postgres, "KILL");
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(postgres) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(postmaster_pid(&data), Some(postgres), "the pid file is stale");
    let server = serve(&data, port);
    let restarted = postmaster_pid(&data).unwrap();
    assert_ne!(restarted, postgres);

    // SIGTERM: the server finishes and stops PostgreSQL cleanly.
    signal(server.id(), "TERM");
    let status = server.wait_with_output().unwrap().status;
    assert!(status.success(), "{status}");
    assert!(!alive(restarted), "PostgreSQL was stopped");
    assert_eq!(postmaster_pid(&data), None, "a clean stop leaves no pid file");
    assert_eq!(health(port), None, "nothing listens any more");
}

#[test]
fn the_private_database_is_started_again_when_it_dies_under_the_server() {
    let parent = tempfile::Builder::new().prefix("vigie-serve-test").tempdir_in(std::env::temp_dir()).unwrap();
    std::fs::set_permissions(parent.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let data = parent.path().join("data");
    let port = free_port();
    let server = serve(&data, port);
    let postgres = postmaster_pid(&data).expect("a running private PostgreSQL");

    signal(postgres, "KILL");
    let killed = Instant::now();
    let deadline = killed + Duration::from_secs(60);
    loop {
        let restarted = postmaster_pid(&data).filter(|pid| *pid != postgres && alive(*pid));
        if restarted.is_some() && health(port) == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not start its PostgreSQL again");
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("PostgreSQL back and /healthz 200 {:?} after the kill", killed.elapsed());
    let restarted = postmaster_pid(&data).unwrap();

    signal(server.id(), "TERM");
    let status = server.wait_with_output().unwrap().status;
    assert!(status.success(), "{status}");
    assert!(!alive(restarted), "the restarted PostgreSQL is stopped with the server");
}
