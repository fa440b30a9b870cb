//! `vigie` as a process: free ports, health probes, and servers started on
//! a test's database with their log kept for when something fails.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The status `GET /healthz` answers on `port`, if anything answers.
pub fn health(port: u16) -> Option<u16> {
    get(port, "/healthz").map(|(status, _)| status)
}

/// `GET path` on `port` over HTTP/1.0: the status and the whole answer
/// (head and body, as text), if anything answers.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes()).ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, reply))
}

/// Sends a signal (`KILL`, `TERM`, …) to a process.
pub fn signal(pid: u32, name: &str) {
    assert!(Command::new("kill").args([format!("-{name}"), pid.to_string()]).status().unwrap().success());
}

/// `vigie serve` on `port` against `database_url`, its stderr appended to
/// `log`, with one-second intervals allowed and short alert attempts.
pub fn serve(database_url: &str, port: u16, log: &Path) -> Child {
    serve_with(database_url, port, log, &[])
}

/// As [`serve`], with more settings in its environment.
pub fn serve_with(database_url: &str, port: u16, log: &Path, settings: &[(&str, &str)]) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("VIGIE_MIN_INTERVAL_SECONDS", "1")
        .env("VIGIE_ALERT_TIMEOUT_SECONDS", "2")
        .env("RUST_LOG", "info")
        .envs(settings.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// Waits until the server on `port` answers `/healthz` with 200; panics
/// with its log if it exits or takes longer than `seconds`.
pub fn wait_healthy(child: &mut Child, port: u16, log: &Path, seconds: u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while health(port) != Some(200) {
        let exited = child.try_wait().unwrap();
        if exited.is_some() || Instant::now() > deadline {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("the server did not become healthy on port {port} ({exited:?}):\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
