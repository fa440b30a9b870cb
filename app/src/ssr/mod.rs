//! Everything that only runs on the server: the database, authentication and
//! the state server functions read from their context.

pub mod alerts;
pub mod config;
pub mod db;
pub mod import;
pub mod incidents;
pub mod markdown;
pub mod monitoring;
pub mod operations;
pub mod overview;
pub mod security;
pub mod site;
pub mod state;
pub mod status_pages;
pub mod team;
pub mod text;

pub use state::{AppState, Caller, MonitorSettings, as_admin, as_member, links_base, reply, server_info};
