//! The HTTP surface for the team and machines: the router (pages, server
//! functions, health, metrics), the session layer, the REST API.

pub mod assets;
pub mod metrics;
pub mod ping;
pub mod rest;
pub mod router;
pub mod security;
pub mod session;
