//! Receivers for alert tests, on 127.0.0.1 only: a webhook endpoint that
//! records every request and can be told to fail the next N or to hang, and
//! an SMTP server (the `mailin` protocol engine on a real socket) that keeps
//! every message it accepts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the webhook receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// Answer 500 to the next N requests.
    Fail(u32),
    /// Never answer.
    Hang,
}

#[derive(Clone)]
pub struct Webhook {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
}

impl Webhook {
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

async fn answer(State(hook): State<Webhook>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    hook.received.lock().unwrap().push(Received { headers, body, at: chrono::Utc::now() });
    let mode = *hook.mode.lock().unwrap();
    match mode {
        Mode::Accept => (StatusCode::OK, "thanks"),
        Mode::Fail(n) => {
            *hook.mode.lock().unwrap() = if n > 1 { Mode::Fail(n - 1) } else { Mode::Accept };
            (StatusCode::INTERNAL_SERVER_ERROR, "receiver broken")
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(300)).await;
            (StatusCode::OK, "too late")
        }
    }
}

/// Starts a webhook receiver at `<url>` (POST), in its own runtime thread so
/// it outlives any one test runtime's blocking.
pub fn webhook(mode: Mode) -> Webhook {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let hook = Webhook { url, received: Arc::default(), mode: Arc::new(Mutex::new(mode)) };
    let app = Router::new().route("/hook", post(answer)).with_state(hook.clone());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    hook
}

/// One message the SMTP server accepted.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// The message with quoted-printable parts decoded (soft line breaks
    /// joined, `=XX` turned back into bytes).
    pub fn text(&self) -> String {
        if !self.data.contains("quoted-printable") {
            return self.data.clone();
        }
        let joined = self.data.replace("=\r\n", "").replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (b'=', Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                }
                (byte, _, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The value of a header of the message (the first one).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let lines: Vec<&str> = self.data.split("\r\n").collect();
        let start = lines.iter().position(|l| l.to_ascii_lowercase().starts_with(&prefix))?;
        let mut value = lines[start][prefix.len()..].trim().to_owned();
        // Folded headers continue on lines starting with white space.
        for line in &lines[start + 1..] {
            if !line.starts_with([' ', '\t']) {
                break;
            }
            value.push(' ');
            value.push_str(line.trim());
        }
        Some(value)
    }
}

#[derive(Clone, Default)]
struct Sink {
    current: Mail,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl mailin::Handler for Sink {
    /// Addresses starting with `bounce` do not exist (a permanent 550).
    fn rcpt(&mut self, to: &str) -> mailin::Response {
        if to.trim_start_matches('<').starts_with("bounce") {
            mailin::response::NO_MAILBOX
        } else {
            mailin::response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> mailin::Response {
        self.current = Mail { from: from.to_owned(), to: to.to_vec(), data: String::new() };
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> mailin::Response {
        self.mails.lock().unwrap().push(std::mem::take(&mut self.current));
        mailin::response::OK
    }
}

pub struct SmtpServer {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpServer {
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

/// Starts an SMTP server on a free port; it accepts every message except
/// to addresses starting with `bounce`.
pub fn smtp_server() -> SmtpServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sink = Sink::default();
    let mails = sink.mails.clone();
    std::thread::spawn(move || {
        let builder = mailin::SessionBuilder::new("smtp.test");
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let builder = builder.clone();
            let sink = sink.clone();
            std::thread::spawn(move || {
                let remote: IpAddr = stream.peer_addr().map(|a| a.ip()).unwrap_or([127, 0, 0, 1].into());
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut session = builder.build(remote, sink);
                session.greeting().write_to(&mut writer).unwrap();
                let mut line = Vec::new();
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let response = session.process(&line);
                    match response.action {
                        mailin::Action::Reply | mailin::Action::Close | mailin::Action::UpgradeTls => {
                            response.write_to(&mut writer).unwrap();
                            writer.flush().unwrap();
                        }
                        mailin::Action::NoReply => {}
                    }
                    if matches!(response.action, mailin::Action::Close | mailin::Action::UpgradeTls) {
                        break;
                    }
                }
            });
        }
    });
    SmtpServer { port, mails }
}
