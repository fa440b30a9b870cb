//! A local HTTP(S)/TCP target for probe tests, on 127.0.0.1 only: it can
//! answer well, slowly (`/slow/{ms}`) or badly, hang, reset, loop, send an endless body, or present a
//! self-signed or expired certificate.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Starts the HTTP target; returns its base URL (`http://127.0.0.1:PORT`).
pub async fn http_target() -> String {
    let app = Router::new()
        .route("/ok", get(|| async { "all systems healthy" }))
        .route("/fail", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "broken") }))
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(120)).await;
                "too late"
            }),
        )
        .route(
            "/endless",
            get(|| async {
                let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
                let stream = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
                Body::from_stream(stream)
            }),
        )
        .route(
            "/slow/{ms}",
            get(|axum::extract::Path(ms): axum::extract::Path<u64>| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                "all systems healthy, slowly"
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route("/moved", get(|| async { Redirect::permanent("/ok") }))
        .route(
            "/agent",
            get(|headers: HeaderMap| async move {
                headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
            }),
        )
        .route(
            "/echo",
            any(|method: axum::http::Method, headers: HeaderMap, body: String| async move {
                let token = headers.get("x-token").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                format!("{method} {token} {body}").into_response()
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

/// A port where nothing listens.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A port that accepts and resets every connection at once.
pub async fn resetting_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            // A zero linger makes the close a reset; it does not block.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
    });
    port
}

/// An HTTPS target whose certificate is self-signed, expired if asked.
pub async fn tls_target(expired: bool) -> SocketAddr {
    app::ssr::monitoring::probe::install_crypto();
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(stream).await {
                    let mut buffer = [0u8; 4096];
                    let _ = tls.read(&mut buffer).await;
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    address
}

/// A target whose paths the test turns healthy or broken: `GET /s/{name}`
/// answers 200 while `name` is healthy (the default) and 500 after
/// [`Switches::set`] breaks it. Served from a thread of its own, so it keeps
/// answering while the test blocks.
#[derive(Clone)]
pub struct Switches {
    pub base: String,
    broken: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl Switches {
    pub fn url(&self, name: &str) -> String {
        format!("{}/s/{name}", self.base)
    }

    pub fn set(&self, name: &str, healthy: bool) {
        let mut broken = self.broken.lock().unwrap();
        if healthy {
            broken.remove(name);
        } else {
            broken.insert(name.to_owned());
        }
    }
}

pub fn switchable_target() -> Switches {
    use axum::extract::{Path, State};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let switches = Switches { base: format!("http://{}", listener.local_addr().unwrap()), broken: Arc::default() };
    let app = Router::new()
        .route(
            "/s/{name}",
            get(|State(switches): State<Switches>, Path(name): Path<String>| async move {
                if switches.broken.lock().unwrap().contains(&name) {
                    (StatusCode::INTERNAL_SERVER_ERROR, "broken")
                } else {
                    (StatusCode::OK, "healthy")
                }
            }),
        )
        .with_state(switches.clone());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    switches
}
