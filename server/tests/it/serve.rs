//! `vigie serve` as a process: its private PostgreSQL survives a kill -9 of
//! the server (adopted on the next start) and of everything (restarted over a
//! stale pid file), and SIGTERM stops both cleanly.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn health(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    reply.split_whitespace().nth(1)?.parse().ok()
}

fn serve(data_dir: &Path, port: u16) -> Child {
    let log_path = data_dir.with_extension(format!("{port}.{}.log", Instant::now().elapsed().as_nanos()));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
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

fn signal(pid: u32, name: &str) {
    assert!(Command::new("kill").args([format!("-{name}"), pid.to_string()]).status().unwrap().success());
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
