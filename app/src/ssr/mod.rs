//! Everything that only runs on the server: the database, authentication and
//! the state server functions read from their context.

pub mod auth;
pub mod db;
pub mod state;
pub mod team;

pub use state::{AppState, reply};
