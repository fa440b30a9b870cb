//! What the server stands on: its configuration and the private PostgreSQL.

pub mod backup;
pub mod config;
pub mod postgres;
pub mod uptime_kuma;
