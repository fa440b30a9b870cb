//! DNS monitors against the tests' own authoritative server on 127.0.0.1:
//! each record type, the three ways to compare, NXDOMAIN and empty answers,
//! UDP and TCP, and the scheduler turning a changed record into an outage.

use crate::common;

use app::model::{FailureKind, Monitor, MonitorInput, MonitorKind, MonitorStatus, Role};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::{ProbeResult, ProbeTarget, Prober};
use axum::http::{Method, StatusCode};
use common::TestApp;
use common::dns::{DnsServer, dns_server};
use hickory_proto::rr::RecordType;
use serde_json::json;
use server::workers::scheduler::Scheduler;

fn rules() -> MonitorRules {
    MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() }
}

fn dns_monitor(app: &TestApp, server: &DnsServer, fields: serde_json::Value) -> Monitor {
    let mut input = json!({
        "name": "Resolver", "kind": "dns", "dns_server": server.address.to_string(),
        // A generous timeout: a loaded machine (the whole suite at once) can
        // take seconds to schedule the test's own server.
        "interval_seconds": 10, "timeout_seconds": 10, "incident_confirmations": 1, "recovery_confirmations": 1,
    });
    input.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
    let input: MonitorInput = serde_json::from_value(input).unwrap();
    monitors::create(&mut app.db.conn(), &rules(), input).unwrap()
}

async fn probe(monitor: &Monitor) -> ProbeResult {
    Prober::new("local").unwrap().probe(&ProbeTarget::of(monitor)).await
}

#[tokio::test]
async fn each_record_type_is_asked_and_compared() {
    let app = TestApp::new();
    let server = dns_server().await;
    server.set("api.vigie.test", RecordType::A, &["192.0.2.10", "192.0.2.11"]);
    server.set("api.vigie.test", RecordType::AAAA, &["2001:db8::10"]);
    server.set("www.vigie.test", RecordType::CNAME, &["api.vigie.test"]);
    server.set("vigie.test", RecordType::MX, &["10 mail.vigie.test"]);
    server.set("vigie.test", RecordType::TXT, &["v=spf1 -all"]);
    server.set("vigie.test", RecordType::NS, &["ns1.vigie.test"]);
    server.set("vigie.test", RecordType::SOA, &["ns1.vigie.test hostmaster.vigie.test 2026113001"]);

    #[rustfmt::skip]
    let table = [
        (json!({"host": "api.vigie.test", "expected_values": ["192.0.2.11"]}), None, "A 192.0.2.10, 192.0.2.11"),
        (json!({"host": "API.vigie.test.", "record_type": "aaaa", "expected_values": ["2001:DB8:0::10"]}), None, "AAAA 2001:db8::10"),
        (json!({"host": "www.vigie.test", "record_type": "cname", "expected_values": ["API.vigie.test."]}), None, "CNAME api.vigie.test"),
        (json!({"host": "vigie.test", "record_type": "mx"}), None, "MX 10 mail.vigie.test"),
        (json!({"host": "vigie.test", "record_type": "txt", "expected_values": ["v=spf1 -all"]}), None, "TXT v=spf1 -all"),
        (json!({"host": "vigie.test", "record_type": "ns", "expected_values": ["ns1.vigie.test"]}), None, "NS ns1.vigie.test"),
        (json!({"host": "vigie.test", "record_type": "soa"}), None, "SOA ns1.vigie.test hostmaster.vigie.test 2026113001"),
        (
            json!({"host": "api.vigie.test", "expected_values": ["192.0.2.10", "192.0.2.99"], "expected_match": "all"}),
            Some(FailureKind::DnsMismatch),
            "expected all of 192.0.2.10, 192.0.2.99; missing 192.0.2.99; found A 192.0.2.10, 192.0.2.11",
        ),
        (
            json!({"host": "api.vigie.test", "expected_values": ["192.0.2.10"], "expected_match": "none"}),
            Some(FailureKind::DnsMismatch),
            "expected none of 192.0.2.10; found A 192.0.2.10, 192.0.2.11",
        ),
        (json!({"host": "api.vigie.test", "expected_values": ["192.0.2.99"]}), Some(FailureKind::DnsMismatch),
            "expected any of 192.0.2.99; found A 192.0.2.10, 192.0.2.11"),
        (json!({"host": "gone.vigie.test"}), Some(FailureKind::Dns), "gone.vigie.test does not exist (NXDOMAIN)"),
        (json!({"host": "www.vigie.test", "record_type": "aaaa"}), Some(FailureKind::Dns), "no AAAA record for www.vigie.test"),
    ];
    for (fields, failure, message) in table {
        let monitor = dns_monitor(&app, &server, fields.clone());
        let result = probe(&monitor).await;
        assert_eq!((result.failure, result.message.as_str()), (failure, message), "{fields}");
        assert_eq!(result.up, failure.is_none(), "{fields}");
    }
}

#[tokio::test]
async fn tcp_asks_over_tcp_and_udp_over_udp() {
    let app = TestApp::new();
    let server = dns_server().await;
    server.set("db.vigie.test", RecordType::A, &["192.0.2.20"]);
    let udp = dns_monitor(&app, &server, json!({"host": "db.vigie.test", "timeout_seconds": 2}));
    let tcp = dns_monitor(&app, &server, json!({"host": "db.vigie.test", "dns_protocol": "tcp"}));
    assert!(probe(&udp).await.up);
    assert!(probe(&tcp).await.up);

    // The server stops answering UDP: the UDP monitor fails within its
    // timeout, the TCP one still resolves.
    server.answer_udp(false);
    let started = std::time::Instant::now();
    let failed = probe(&udp).await;
    assert!(!failed.up && failed.failure.is_some(), "{failed:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "{:?}", started.elapsed());
    let result = probe(&tcp).await;
    assert!(result.up, "{result:?}");
    assert_eq!(result.message, "A 192.0.2.20");
}

#[tokio::test]
async fn a_changed_record_takes_the_monitor_down_and_back() {
    let app = TestApp::new();
    let member = app.user("ops@example.com", Role::Member);
    let token = app.token(member.id);
    let server = dns_server().await;
    server.set("shop.vigie.test", RecordType::A, &["192.0.2.30"]);

    let bad = [
        (json!({"host": "not a name"}), "host"),
        (json!({"host": "shop.vigie.test", "dns_server": "dns.example.com"}), "dns_server"),
        (json!({"host": "shop.vigie.test", "expected_values": ["shop.example.com"]}), "expected_values"),
        (
            json!({"host": "shop.vigie.test", "record_type": "aaaa", "expected_values": ["192.0.2.30"]}),
            "expected_values",
        ),
    ];
    app.assert_monitor_refused(&token, json!({"name": "Shop DNS", "kind": "dns"}), &bad).await;
    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Shop DNS", "kind": "dns", "host": "shop.vigie.test",
                        "dns_server": server.address.to_string(), "expected_values": ["192.0.2.30"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let monitor = created.json();
    assert_eq!((monitor["record_type"].as_str(), monitor["dns_protocol"].as_str()), (Some("a"), Some("udp")));
    assert_eq!(monitor["expected_match"], "any");
    let id = monitor["id"].as_i64().unwrap();
    monitors::update(
        &mut app.db.conn(),
        &rules(),
        id,
        MonitorInput {
            interval_seconds: Some(5),
            timeout_seconds: Some(5),
            incident_confirmations: Some(1),
            recovery_confirmations: Some(1),
            ..Default::default()
        },
    )
    .unwrap();

    let scheduler = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();
    let status = || monitors::get(&mut app.db.conn(), id).unwrap().status;
    let make_due = || {
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
            .execute(&mut app.db.conn())
            .unwrap();
    };
    assert_eq!(scheduler.run_once().await.unwrap(), 1);
    let checks = || app::ssr::monitoring::report::recent_checks(&mut app.db.conn(), id, 1).unwrap();
    assert_eq!(status(), MonitorStatus::Up, "{:?}", checks());

    // Someone points the record elsewhere.
    server.set("shop.vigie.test", RecordType::A, &["198.51.100.66"]);
    make_due();
    scheduler.run_once().await.unwrap();
    assert_eq!(status(), MonitorStatus::Down);
    let checks = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks"), Some(&token), None).await.json();
    assert_eq!(checks[0]["failure"], "dns_mismatch");
    assert_eq!(checks[0]["message"], "expected any of 192.0.2.30; found A 198.51.100.66");

    server.set("shop.vigie.test", RecordType::A, &["192.0.2.30"]);
    make_due();
    scheduler.run_once().await.unwrap();
    assert_eq!(status(), MonitorStatus::Up);
    assert_eq!(MonitorKind::parse(monitor["kind"].as_str().unwrap()), Some(MonitorKind::Dns));
}
