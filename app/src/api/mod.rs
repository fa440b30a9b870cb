//! Server functions called by the console, one file per domain. Each checks
//! who is asking before doing anything. They live under `/rpc`, away from the
//! REST API's `/api/v1`.

pub mod alerts;
pub mod config;
pub mod incidents;
pub mod monitors;
pub mod overview;
pub mod regions;
pub mod session;
pub mod status_pages;
pub mod team;
pub mod tokens;
