//! Ping checks: ICMP echo requests to a host, with unprivileged ICMP
//! sockets where the system allows them (`net.ipv4.ping_group_range`), raw
//! ones otherwise (root, or `CAP_NET_RAW`). A check sends `count` requests
//! one after the other within the monitor's timeout, and is down when more
//! than `max_loss_percent` of them go unanswered.

use crate::model::FailureKind;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;
use surge_ping::{Client, Config, ICMP, PingIdentifier, PingSequence};

pub const COUNT_MAX: u32 = 10;
/// What each echo request carries.
const PAYLOAD: [u8; 32] = *b"vigie uptime monitor ping probe!";

/// The outcome of a ping check: the failure (none when up), a message, and
/// the average round trip of the replies.
#[derive(Debug, Clone, PartialEq)]
pub struct PingOutcome {
    pub failure: Option<FailureKind>,
    pub message: String,
    pub average: Option<Duration>,
}

/// Why pings cannot be sent, in words that say how to allow them.
pub fn explain(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => "this system does not let Vigie send pings (ICMP): allow \
             unprivileged ping sockets with `sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"`, \
             or give the binary CAP_NET_RAW"
            .to_owned(),
        _ => format!("cannot open an ICMP socket: {error}"),
    }
}

/// Whether this process may send pings (over IPv4); why not, when it may not.
pub fn available() -> Result<(), String> {
    let open = || Client::new(&Config::default()).map(drop).map_err(|error| explain(&error));
    match tokio::runtime::Handle::try_current() {
        Ok(_) => open(),
        // The command line (`vigie apply`, `vigie import`) runs no runtime,
        // and the socket registers with one: a small one for the question.
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .map_err(|error| format!("cannot open an ICMP socket: {error}"))?
            .block_on(async { open() }),
    }
}

/// The share of requests lost, in percent, rounded up.
pub fn loss_percent(sent: u32, replies: u32) -> u32 {
    if sent == 0 {
        return 0;
    }
    (sent.saturating_sub(replies) * 100).div_ceil(sent)
}

fn identifier() -> PingIdentifier {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    PingIdentifier(NEXT.fetch_add(1, Ordering::Relaxed) ^ (std::process::id() as u16))
}

/// Sends `count` echo requests to `host` within `timeout`.
pub async fn check(host: &str, count: u32, max_loss_percent: u32, timeout: Duration) -> PingOutcome {
    let failed = |failure, message: String| PingOutcome { failure: Some(failure), message, average: None };
    let ip: IpAddr = match host.parse() {
        Ok(ip) => ip,
        Err(_) => match tokio::net::lookup_host((host, 0)).await.map(|mut a| a.next()) {
            Ok(Some(address)) => address.ip(),
            Ok(None) => return failed(FailureKind::Dns, format!("{host} has no address")),
            Err(error) => return failed(FailureKind::Dns, format!("cannot resolve {host}: {error}")),
        },
    };
    let kind = if ip.is_ipv4() { ICMP::V4 } else { ICMP::V6 };
    let client = match Client::new(&Config::builder().kind(kind).build()) {
        Ok(client) => client,
        Err(error) => return failed(FailureKind::Connect, explain(&error)),
    };
    let count = count.clamp(1, COUNT_MAX);
    // Within the probe's own limit, with room to say what was lost.
    let each = (timeout.saturating_sub(Duration::from_millis(250)) / count).max(Duration::from_millis(100));
    let mut pinger = client.pinger(ip, identifier()).await;
    pinger.timeout(each);
    let mut rtts = Vec::new();
    for sequence in 0..count {
        if let Ok((_, rtt)) = pinger.ping(PingSequence(sequence as u16), &PAYLOAD).await {
            rtts.push(rtt);
        }
    }
    let replies = rtts.len() as u32;
    let loss = loss_percent(count, replies);
    let average = (!rtts.is_empty()).then(|| rtts.iter().sum::<Duration>() / replies);
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let mut message = format!("{replies}/{count} replies from {ip}, {loss} % lost");
    if let (Some(min), Some(max), Some(avg)) = (rtts.iter().min(), rtts.iter().max(), average) {
        message.push_str(&format!(", rtt min/avg/max {:.2}/{:.2}/{:.2} ms", ms(min), ms(&avg), ms(max)));
    }
    let failure = (loss > max_loss_percent).then_some(FailureKind::PacketLoss);
    if failure.is_some() {
        message.push_str(&format!(" (more than {max_loss_percent} %)"));
    }
    PingOutcome { failure, message, average }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_is_rounded_up() {
        assert_eq!(loss_percent(3, 3), 0);
        assert_eq!(loss_percent(3, 2), 34);
        assert_eq!(loss_percent(3, 0), 100);
        assert_eq!(loss_percent(10, 9), 10);
    }

    #[test]
    fn a_refused_socket_says_how_to_allow_pings() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(explain(&denied).contains("net.ipv4.ping_group_range"));
        let other = std::io::Error::other("no buffer space");
        assert_eq!(explain(&other), "cannot open an ICMP socket: no buffer space");
    }
}
