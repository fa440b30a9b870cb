//! Everything that only runs on the server: the database, authentication and
//! the state server functions read from their context.

pub mod alerts;
pub mod auth;
pub mod confirmation;
pub mod db;
pub mod incidents;
pub mod lifecycle;
pub mod markdown;
pub mod monitors;
pub mod notify;
pub mod page_cache;
pub mod probe;
pub mod public_status;
pub mod regions;
pub mod retention;
pub mod schedule;
pub mod state;
pub mod status_pages;
pub mod team;

pub use state::{AppState, MonitorSettings, reply};
