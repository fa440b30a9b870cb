#![recursion_limit = "256"]
//! The `vigie` server: configuration, the private PostgreSQL, the HTTP
//! router (pages, server functions, REST API, health, metrics) and the
//! command line's work. `main.rs` only wires them together.

pub mod agent;
pub mod config;
pub mod dispatcher;
pub mod feeds;
pub mod listener;
pub mod metrics;
pub mod postgres;
pub mod public;
pub mod rest;
pub mod router;
pub mod scheduler;
pub mod session;
pub mod statuspage;
pub mod testing;

use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;

/// The Leptos options: where cargo-leptos put the site, and the output name
/// the hydration scripts load (`/pkg/vigie.js`, `/pkg/vigie.wasm`).
pub fn leptos_options(bind: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder().output_name("vigie").site_root("target/site").site_pkg_dir("pkg").site_addr(bind).build()
}
