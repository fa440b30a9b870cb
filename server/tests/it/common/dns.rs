//! A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on one port),
//! answering from a table the test changes as it goes: DNS monitors are
//! tested against it, never against the outside world.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Records by name (lowercase, with the final dot) and type.
type Zone = HashMap<(String, RecordType), Vec<RData>>;

#[derive(Clone)]
pub struct DnsServer {
    pub address: SocketAddr,
    zone: Arc<Mutex<Zone>>,
    /// Off: UDP queries go unanswered (TCP still answers).
    udp: Arc<AtomicBool>,
}

impl DnsServer {
    /// Replaces the records of `name` and `kind` (none: the name answers
    /// no such record; a name with no record at all is NXDOMAIN).
    pub fn set(&self, name: &str, kind: RecordType, values: &[&str]) {
        let data: Vec<RData> = values.iter().map(|v| rdata(kind, v)).collect();
        self.zone.lock().unwrap().insert((fqdn(name), kind), data);
    }

    pub fn answer_udp(&self, on: bool) {
        self.udp.store(on, Ordering::SeqCst);
    }
}

fn fqdn(name: &str) -> String {
    let name = name.to_lowercase();
    if name.ends_with('.') { name } else { format!("{name}.") }
}

fn rdata(kind: RecordType, value: &str) -> RData {
    let name = |text: &str| Name::from_str(&fqdn(text)).unwrap();
    match kind {
        RecordType::A => RData::A(A(value.parse().unwrap())),
        RecordType::AAAA => RData::AAAA(AAAA(value.parse().unwrap())),
        RecordType::CNAME => RData::CNAME(CNAME(name(value))),
        RecordType::NS => RData::NS(NS(name(value))),
        RecordType::MX => {
            let (preference, exchange) = value.split_once(' ').unwrap();
            RData::MX(MX::new(preference.parse().unwrap(), name(exchange)))
        }
        RecordType::TXT => RData::TXT(TXT::new(vec![value.to_owned()])),
        RecordType::SOA => {
            let parts: Vec<&str> = value.split(' ').collect();
            RData::SOA(SOA::new(name(parts[0]), name(parts[1]), parts[2].parse().unwrap(), 3600, 600, 86400, 60))
        }
        other => panic!("no test records of type {other}"),
    }
}

fn answer(zone: &Mutex<Zone>, request: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(request).ok()?;
    let query = request.queries.first()?.clone();
    let name = query.name().to_ascii().to_lowercase();
    let zone = zone.lock().unwrap();
    let known = zone.keys().any(|(n, _)| *n == name);
    let mut response = Message::response(request.metadata.id, request.metadata.op_code);
    response.metadata.message_type = MessageType::Response;
    response.metadata.authoritative = true;
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.add_query(query.clone());
    if !known {
        response.metadata.response_code = ResponseCode::NXDomain;
    }
    for data in zone.get(&(name, query.query_type())).into_iter().flatten() {
        response.add_answer(Record::from_rdata(query.name().clone(), 60, data.clone()));
    }
    response.to_vec().ok()
}

/// Starts the server on a free port of 127.0.0.1, for UDP and TCP.
pub async fn dns_server() -> DnsServer {
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = udp.local_addr().unwrap();
    let tcp = tokio::net::TcpListener::bind(address).await.unwrap();
    let server =
        DnsServer { address, zone: Arc::new(Mutex::new(HashMap::new())), udp: Arc::new(AtomicBool::new(true)) };
    let (zone, answering) = (server.zone.clone(), server.udp.clone());
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        while let Ok((len, peer)) = udp.recv_from(&mut buffer).await {
            if !answering.load(Ordering::SeqCst) {
                continue;
            }
            if let Some(reply) = answer(&zone, &buffer[..len]) {
                let _ = udp.send_to(&reply, peer).await;
            }
        }
    });
    let zone = server.zone.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = tcp.accept().await {
            let zone = zone.clone();
            tokio::spawn(async move {
                let mut length = [0u8; 2];
                while stream.read_exact(&mut length).await.is_ok() {
                    let mut request = vec![0u8; usize::from(u16::from_be_bytes(length))];
                    if stream.read_exact(&mut request).await.is_err() {
                        return;
                    }
                    let Some(reply) = answer(&zone, &request) else { return };
                    let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                    framed.extend_from_slice(&reply);
                    if stream.write_all(&framed).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    server
}
