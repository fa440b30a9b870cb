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

/// This build's version and the commit it was built from (`server/build.rs`).
pub const COMMIT: &str = env!("VIGIE_COMMIT");
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("VIGIE_COMMIT"), ")");
use std::net::SocketAddr;

/// The Leptos options: the name of the hydration bundle the pages load
/// (`/pkg/vigie.<hash>.js` and its `_bg.wasm`), embedded in the binary
/// (crate `site`, served by `http::assets`); nothing is read from the
/// working directory. Also names the embedded stylesheet for the pages.
pub fn leptos_options(bind: SocketAddr) -> LeptosOptions {
    app::ssr::site::set_stylesheet(site::STYLESHEET);
    LeptosOptions::builder().output_name(site::OUTPUT_NAME).site_pkg_dir("pkg").site_addr(bind).build()
}
