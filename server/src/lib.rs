#![recursion_limit = "256"]
//! The `vigie` server, a folder per role: `http` (router, session, REST API,
//! metrics), `public` (status pages, feeds, the Statuspage API), `workers`
//! (scheduler, alert dispatcher, listener), `agent` (a remote region's
//! prober, a process of its own) and `infra` (configuration, the private
//! PostgreSQL). `main.rs` only wires them together.

pub mod agent;
pub mod http;
pub mod infra;
pub mod public;
pub mod workers;

use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;

/// The Leptos options: where cargo-leptos put the site, and the output name
/// the hydration scripts load (`/pkg/vigie.js`, `/pkg/vigie.wasm`).
pub fn leptos_options(bind: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder().output_name("vigie").site_root("target/site").site_pkg_dir("pkg").site_addr(bind).build()
}
