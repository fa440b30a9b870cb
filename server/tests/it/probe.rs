//! The probing engine against a local target: every failure kind, bounded
//! time and body, and what a good check records.

use crate::common;

use common::target;

use app::model::{FailureKind, KeywordMode, MonitorKind, StatusRanges};
use app::ssr::monitoring::probe::{ProbeResult, ProbeTarget, Prober};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn http(url: String) -> ProbeTarget {
    ProbeTarget {
        kind: MonitorKind::Http,
        url,
        host: String::new(),
        port: 0,
        method: "GET".to_owned(),
        headers: BTreeMap::new(),
        body: None,
        accepted: StatusRanges::parse("200-299").unwrap(),
        keyword: None,
        keyword_mode: KeywordMode::Contains,
        follow_redirects: true,
        timeout: Duration::from_secs(3),
        dns: None,
        ping: None,
    }
}

fn tcp(port: u16) -> ProbeTarget {
    ProbeTarget { kind: MonitorKind::Tcp, host: "127.0.0.1".to_owned(), port, ..http(String::new()) }
}

async fn probe(target: ProbeTarget) -> ProbeResult {
    Prober::new("test-region").unwrap().probe(&target).await
}

#[tokio::test]
async fn a_healthy_target_is_up_with_its_status_and_timing() {
    let base = target::http_target().await;
    let result = probe(ProbeTarget { keyword: Some("healthy".into()), ..http(format!("{base}/ok")) }).await;
    assert!(result.up, "{result:?}");
    assert_eq!(result.status_code, Some(200));
    assert_eq!(result.failure, None);
    assert!(result.duration_ms < 3000);
    assert_eq!(result.cert_expires_at, None, "no certificate over plain http");

    let absent = probe(ProbeTarget {
        keyword: Some("error".into()),
        keyword_mode: KeywordMode::Absent,
        ..http(format!("{base}/ok"))
    })
    .await;
    assert!(absent.up, "{absent:?}");

    let agent = Prober::new("eu-west").unwrap();
    let echoed =
        agent.probe(&ProbeTarget { keyword: Some("region eu-west".into()), ..http(format!("{base}/agent")) }).await;
    assert!(echoed.up, "the User-Agent names the product and region: {echoed:?}");
}

#[tokio::test]
async fn method_headers_and_body_are_sent() {
    let base = target::http_target().await;
    let result = probe(ProbeTarget {
        method: "POST".into(),
        headers: [("X-Token".to_owned(), "s3cret".to_owned())].into(),
        body: Some("ping".into()),
        keyword: Some("POST s3cret ping".into()),
        ..http(format!("{base}/echo"))
    })
    .await;
    assert!(result.up, "{result:?}");
}

#[tokio::test]
async fn each_failure_is_named() {
    let base = target::http_target().await;
    let cases = [
        (http(format!("{base}/fail")), FailureKind::Status),
        (ProbeTarget { keyword: Some("nowhere".into()), ..http(format!("{base}/ok")) }, FailureKind::Keyword),
        (
            ProbeTarget {
                keyword: Some("healthy".into()),
                keyword_mode: KeywordMode::Absent,
                ..http(format!("{base}/ok"))
            },
            FailureKind::Keyword,
        ),
        (http(format!("{base}/loop")), FailureKind::Redirects),
        (ProbeTarget { keyword: Some("y".into()), ..http(format!("{base}/endless")) }, FailureKind::BodyTooLarge),
        (http(format!("http://127.0.0.1:{}/", target::closed_port().await)), FailureKind::Connect),
        (http(format!("http://127.0.0.1:{}/", target::resetting_port().await)), FailureKind::Connect),
        (http(format!("https://{}/", target::tls_target(false).await)), FailureKind::Tls),
        (http(format!("https://{}/", target::tls_target(true).await)), FailureKind::Tls),
        (tcp(target::closed_port().await), FailureKind::Connect),
    ];
    for (target, kind) in cases {
        let described = format!("{} {}", target.url, target.port);
        let result = probe(target).await;
        assert!(!result.up, "{described}: {result:?}");
        assert_eq!(result.failure, Some(kind), "{described}: {result:?}");
        assert!(!result.message.is_empty(), "{described}");
        if kind == FailureKind::Tls {
            assert!(
                result.message.contains("certificate") || result.message.contains("Certificate"),
                "{}",
                result.message
            );
        }
    }
}

#[tokio::test]
async fn a_hanging_target_fails_at_the_timeout_not_later() {
    let base = target::http_target().await;
    let started = Instant::now();
    let result = probe(ProbeTarget { timeout: Duration::from_secs(1), ..http(format!("{base}/hang")) }).await;
    let elapsed = started.elapsed();
    assert_eq!(result.failure, Some(FailureKind::Timeout), "{result:?}");
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
}

#[tokio::test]
async fn redirects_are_followed_or_judged_as_they_are() {
    let base = target::http_target().await;
    assert!(probe(http(format!("{base}/moved"))).await.up);
    let stay = probe(ProbeTarget { follow_redirects: false, ..http(format!("{base}/moved")) }).await;
    assert_eq!((stay.status_code, stay.failure), (Some(308), Some(FailureKind::Status)));
    let accepted = probe(ProbeTarget {
        follow_redirects: false,
        accepted: StatusRanges::parse("200-299,308").unwrap(),
        ..http(format!("{base}/moved"))
    })
    .await;
    assert!(accepted.up);
}

#[tokio::test]
async fn a_tcp_port_that_accepts_is_up() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let result = probe(tcp(port)).await;
    assert!(result.up, "{result:?}");
    assert_eq!(result.status_code, None);
}
