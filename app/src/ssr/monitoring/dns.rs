//! DNS checks: resolve a name for one record type, with the system's
//! resolver or a given server over UDP or TCP, and compare what was found
//! with the expected values (any of, all of, none of). The comparison is a
//! pure function; the lookup goes through hickory's resolver with its cache
//! off, so each check asks the server again.

use crate::model::{DnsMatch, DnsProtocol, DnsRecordType, FailureKind};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, net::NetError};
use std::net::SocketAddr;
use std::time::Duration;

/// The most values a DNS monitor expects, and the longest of them.
pub const EXPECTED_MAX: usize = 20;
pub const VALUE_MAX: usize = 255;

/// What a DNS check asks.
#[derive(Debug, Clone)]
pub struct DnsQuery {
    pub name: String,
    pub record_type: DnsRecordType,
    /// `None`: the system's resolver (`/etc/resolv.conf`).
    pub server: Option<SocketAddr>,
    pub protocol: DnsProtocol,
    pub expected: Vec<String>,
    pub mode: DnsMatch,
}

/// The outcome of a DNS check: the failure (none when up) and a message
/// naming what was found.
pub type DnsOutcome = (Option<FailureKind>, String);

fn record_type(kind: DnsRecordType) -> RecordType {
    match kind {
        DnsRecordType::A => RecordType::A,
        DnsRecordType::Aaaa => RecordType::AAAA,
        DnsRecordType::Cname => RecordType::CNAME,
        DnsRecordType::Mx => RecordType::MX,
        DnsRecordType::Txt => RecordType::TXT,
        DnsRecordType::Ns => RecordType::NS,
        DnsRecordType::Soa => RecordType::SOA,
    }
}

/// A record's value as people write it: an address, a name without its
/// final dot, `10 mail.example.com` for MX, the text of a TXT record,
/// `mname rname serial` for SOA.
fn value_of(data: &RData) -> Option<String> {
    let name = |n: &hickory_resolver::proto::rr::Name| n.to_ascii().trim_end_matches('.').to_lowercase();
    Some(match data {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(aaaa) => aaaa.0.to_string(),
        RData::CNAME(target) => name(target),
        RData::NS(target) => name(target),
        RData::MX(mx) => format!("{} {}", mx.preference, name(&mx.exchange)),
        RData::TXT(txt) => txt.txt_data.iter().map(|part| String::from_utf8_lossy(part).into_owned()).collect(),
        RData::SOA(soa) => format!("{} {} {}", name(&soa.mname), name(&soa.rname), soa.serial),
        _ => return None,
    })
}

/// How values are compared: addresses in their canonical form, names
/// without case or final dot; text as it is.
pub fn normalize(kind: DnsRecordType, value: &str) -> String {
    let value = value.trim();
    match kind {
        DnsRecordType::A | DnsRecordType::Aaaa => {
            value.parse::<std::net::IpAddr>().map_or_else(|_| value.to_lowercase(), |ip| ip.to_string())
        }
        DnsRecordType::Txt => value.to_owned(),
        _ => value.trim_end_matches('.').to_lowercase(),
    }
}

/// Whether the values found satisfy the expectation; `None` when they do,
/// else why not. With nothing expected, any answer will do.
pub fn compare(kind: DnsRecordType, found: &[String], expected: &[String], mode: DnsMatch) -> Option<String> {
    if expected.is_empty() {
        return None;
    }
    let found: Vec<String> = found.iter().map(|v| normalize(kind, v)).collect();
    let expected: Vec<String> = expected.iter().map(|v| normalize(kind, v)).collect();
    let present = |value: &String| found.contains(value);
    let list = |values: &[String]| values.join(", ");
    match mode {
        DnsMatch::Any if !expected.iter().any(present) => Some(format!("expected any of {}", list(&expected))),
        DnsMatch::All if !expected.iter().all(present) => {
            let missing: Vec<String> = expected.iter().filter(|v| !present(v)).cloned().collect();
            Some(format!("expected all of {}; missing {}", list(&expected), list(&missing)))
        }
        DnsMatch::None if expected.iter().any(present) => Some(format!("expected none of {}", list(&expected))),
        _ => None,
    }
}

/// The servers asked (the given one, or the system's), each over the
/// query's protocol only.
fn resolver(query: &DnsQuery, timeout: Duration) -> Result<Resolver<TokioRuntimeProvider>, NetError> {
    let servers: Vec<(std::net::IpAddr, u16)> = match query.server {
        Some(server) => vec![(server.ip(), server.port())],
        None => hickory_resolver::system_conf::read_system_conf()?
            .0
            .name_servers()
            .iter()
            .map(|server| (server.ip, server.connections.first().map_or(53, |c| c.port)))
            .collect(),
    };
    let name_servers = servers
        .into_iter()
        .map(|(ip, port)| {
            let mut connection = match query.protocol {
                DnsProtocol::Udp => ConnectionConfig::udp(),
                DnsProtocol::Tcp => ConnectionConfig::tcp(),
            };
            connection.port = port;
            let mut name_server = NameServerConfig::udp(ip);
            name_server.connections = vec![connection];
            name_server
        })
        .collect();
    let mut builder =
        Resolver::builder_with_config(ResolverConfig::from_name_servers(name_servers), TokioRuntimeProvider::default());
    let options: &mut ResolverOpts = builder.options_mut();
    // A little under the probe's own limit, so a silent server is named as such.
    options.timeout = timeout.saturating_sub(Duration::from_millis(200)).max(Duration::from_millis(200));
    options.attempts = 1;
    options.cache_size = 0;
    options.ndots = 0;
    builder.build()
}

/// Asks for the records and compares them; never longer than `timeout`.
pub async fn check(query: &DnsQuery, timeout: Duration) -> DnsOutcome {
    let kind = query.record_type;
    let resolver = match resolver(query, timeout) {
        Ok(resolver) => resolver,
        Err(error) => return (Some(FailureKind::Dns), format!("cannot set up the resolver: {error}")),
    };
    let name = if query.name.ends_with('.') { query.name.clone() } else { format!("{}.", query.name) };
    let lookup = match resolver.lookup(name.as_str(), record_type(kind)).await {
        Ok(lookup) => lookup,
        Err(error) if error.is_nx_domain() => {
            return (Some(FailureKind::Dns), format!("{} does not exist (NXDOMAIN)", query.name));
        }
        Err(error) if error.is_no_records_found() => {
            return (Some(FailureKind::Dns), format!("no {} record for {}", kind.label(), query.name));
        }
        Err(error) => return (Some(FailureKind::Dns), format!("{} {}: {error}", kind.label(), query.name)),
    };
    let wanted = record_type(kind);
    let found: Vec<String> =
        lookup.answers().iter().filter(|r| r.record_type() == wanted).filter_map(|r| value_of(&r.data)).collect();
    if found.is_empty() {
        return (Some(FailureKind::Dns), format!("no {} record for {}", kind.label(), query.name));
    }
    let seen = format!("{} {}", kind.label(), found.join(", "));
    match compare(kind, &found, &query.expected, query.mode) {
        None => (None, seen),
        Some(why) => (Some(FailureKind::DnsMismatch), format!("{why}; found {seen}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(list: &[&str]) -> Vec<String> {
        list.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn expectations_any_all_none() {
        let found = values(&["192.0.2.1", "192.0.2.2"]);
        let a = DnsRecordType::A;
        #[rustfmt::skip]
        let table: &[(&[&str], DnsMatch, bool)] = &[
            (&[], DnsMatch::Any, true),
            (&["192.0.2.1"], DnsMatch::Any, true),
            (&["192.0.2.9", "192.0.2.2"], DnsMatch::Any, true),
            (&["192.0.2.9"], DnsMatch::Any, false),
            (&["192.0.2.1", "192.0.2.2"], DnsMatch::All, true),
            (&["192.0.2.1", "192.0.2.9"], DnsMatch::All, false),
            (&["192.0.2.9"], DnsMatch::None, true),
            (&["192.0.2.2"], DnsMatch::None, false),
        ];
        for (expected, mode, up) in table {
            assert_eq!(compare(a, &found, &values(expected), *mode).is_none(), *up, "{expected:?} {mode:?}");
        }
        let why = compare(a, &found, &values(&["192.0.2.1", "192.0.2.9"]), DnsMatch::All).unwrap();
        assert_eq!(why, "expected all of 192.0.2.1, 192.0.2.9; missing 192.0.2.9");
    }

    #[test]
    fn values_compare_in_their_canonical_form() {
        let found = values(&["2001:db8::1"]);
        assert!(compare(DnsRecordType::Aaaa, &found, &values(&["2001:0DB8:0:0::1"]), DnsMatch::Any).is_none());
        let names = values(&["10 mail.example.com"]);
        assert!(compare(DnsRecordType::Mx, &names, &values(&["10 Mail.Example.com."]), DnsMatch::Any).is_none());
        let text = values(&["v=spf1 -all"]);
        assert!(
            compare(DnsRecordType::Txt, &text, &values(&["V=SPF1 -all"]), DnsMatch::Any).is_some(),
            "text keeps case"
        );
    }
}
