//! Ping monitors: echo requests to 127.0.0.1 are answered; an address in a
//! network namespace made by the test, whose host ignores echo requests,
//! loses them all within the timeout; a name that does not resolve says so.

use crate::common;

use app::model::{FailureKind, Monitor, MonitorInput, MonitorKind, Role};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::{ProbeResult, ProbeTarget, Prober};
use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;
use std::process::Command;
use std::time::{Duration, Instant};

fn rules() -> MonitorRules {
    MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() }
}

fn ping_monitor(app: &TestApp, host: &str, count: u32, max_loss_percent: u32) -> Monitor {
    let input = MonitorInput {
        name: Some(format!("ping {host}")),
        kind: Some(MonitorKind::Ping),
        host: Some(host.to_owned()),
        ping_count: Some(count),
        max_loss_percent: Some(max_loss_percent),
        interval_seconds: Some(2),
        timeout_seconds: Some(2),
        ..Default::default()
    };
    monitors::create(&mut app.db.conn(), &rules(), input).unwrap()
}

async fn probe(monitor: &Monitor) -> ProbeResult {
    Prober::new("local").unwrap().probe(&ProbeTarget::of(monitor)).await
}

fn run(args: &[&str]) {
    let status = Command::new(args[0]).args(&args[1..]).status().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(status.success(), "{args:?} failed: the ping tests make a network namespace (root and iproute2)");
}

/// A network namespace reached through a veth pair: the host at `peer`
/// answers pings until told to ignore them. Removed when dropped.
struct Namespace {
    name: String,
    peer: String,
}

impl Namespace {
    fn new() -> Self {
        let id = std::process::id() % 10_000;
        let name = format!("vigie-ping-{id}");
        let (outside, inside) = (format!("vpa{id}"), format!("vpb{id}"));
        let subnet = 16 + id % 200;
        let (local, peer) = (format!("10.213.{subnet}.1"), format!("10.213.{subnet}.2"));
        let _ = Command::new("ip").args(["netns", "del", &name]).status();
        run(&["ip", "netns", "add", &name]);
        let namespace = Self { name: name.clone(), peer };
        run(&["ip", "link", "add", &outside, "type", "veth", "peer", "name", &inside]);
        run(&["ip", "link", "set", &inside, "netns", &name]);
        run(&["ip", "addr", "add", &format!("{local}/30"), "dev", &outside]);
        run(&["ip", "link", "set", &outside, "up"]);
        let exec = |args: &[&str]| {
            let mut all = vec!["ip", "netns", "exec", name.as_str()];
            all.extend_from_slice(args);
            run(&all);
        };
        exec(&["ip", "addr", "add", &format!("{}/30", namespace.peer), "dev", &inside]);
        exec(&["ip", "link", "set", &inside, "up"]);
        namespace
    }

    fn ignore_pings(&self) {
        // /proc/sys/net is the namespace's own for a process inside it.
        let write = "echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all";
        run(&["ip", "netns", "exec", &self.name, "sh", "-c", write]);
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        // Deleting the namespace deletes the veth pair with it.
        let _ = Command::new("ip").args(["netns", "del", &self.name]).status();
    }
}

#[tokio::test]
async fn echo_requests_are_answered_lost_or_never_sent() {
    let app = TestApp::new();
    let local = probe(&ping_monitor(&app, "127.0.0.1", 3, 0)).await;
    assert!(local.up, "{local:?}");
    assert!(local.message.starts_with("3/3 replies from 127.0.0.1, 0 % lost, rtt min/avg/max"), "{}", local.message);

    let namespace = Namespace::new();
    let reachable = probe(&ping_monitor(&app, &namespace.peer, 2, 0)).await;
    assert!(reachable.up, "the namespace's host answers at first: {reachable:?}");

    namespace.ignore_pings();
    let silent = ping_monitor(&app, &namespace.peer, 3, 50);
    let started = Instant::now();
    let lost = probe(&silent).await;
    assert!(started.elapsed() < Duration::from_secs(3), "bounded by the timeout: {:?}", started.elapsed());
    assert_eq!(lost.failure, Some(FailureKind::PacketLoss), "{lost:?}");
    assert_eq!(lost.message, format!("0/3 replies from {}, 100 % lost (more than 50 %)", namespace.peer));
    let lenient = probe(&ping_monitor(&app, &namespace.peer, 1, 100)).await;
    assert!(lenient.up, "a loss up to the threshold is not a failure: {lenient:?}");

    let unknown = probe(&ping_monitor(&app, "nowhere.invalid", 1, 0)).await;
    assert_eq!(unknown.failure, Some(FailureKind::Dns), "{unknown:?}");
}

#[tokio::test]
async fn ping_settings_are_checked_and_shown() {
    let app = TestApp::new();
    let member = app.user("ops@example.com", Role::Member);
    let token = app.token(member.id);
    let cases = [
        (json!({"host": "tcp://db"}), "host"),
        (json!({"host": "db.internal", "ping_count": 11}), "ping_count"),
        (json!({"host": "db.internal", "max_loss_percent": 101}), "max_loss_percent"),
    ];
    app.assert_monitor_refused(&token, json!({"name": "Router", "kind": "ping"}), &cases).await;
    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Router", "kind": "ping", "host": "127.0.0.1"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let monitor = created.json();
    assert_eq!((monitor["ping_count"].as_u64(), monitor["max_loss_percent"].as_u64()), (Some(3), Some(0)));
    let id = &monitor["id"];
    let check = app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), Some(&token), None).await.json();
    assert_eq!(check["outcome"], "up", "{check}");
}
