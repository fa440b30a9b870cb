//! Background work inside `vigie serve`: the scheduler (probes, results,
//! upkeep), the alert dispatcher, and the listener that turns PostgreSQL
//! notifications into wake-ups.

pub mod backups;
pub mod dispatcher;
pub mod listener;
pub mod scheduler;
pub mod subscribers;
