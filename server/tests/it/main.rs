//! The integration tests, in one binary (one link instead of one per file):
//! the router against a fresh database, the scheduler and probes against
//! local targets, and the `vigie` binary as a process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod agent;
mod alerts;
mod api;
mod audit;
mod backup;
mod badges;
mod chaos;
mod cli;
mod config;
mod decisions;
mod degraded;
mod dependencies;
mod dns;
mod heartbeats;
mod imports;
mod incident_editing;
mod incidents;
mod migrations;
mod monitors;
mod overview;
mod ping;
mod postgres;
mod probe;
mod public_face;
mod results;
mod retention;
mod routes;
mod scheduler;
mod security;
mod serve;
mod sign_in;
mod site;
mod status_pages;
mod stored_values;
mod subscribers;
mod team;
mod upgrade;
