//! Monitoring: monitors and regions as the team configures them, probing,
//! the confirmation rules (pure), recording results and deriving statuses,
//! what the monitor page reports, and the retention of checks.
//!
//! A failing check travels: `probe::Prober::probe` → `results::record_results`
//! (checks stored, `confirmation::observe` per region) → `status::settle`
//! (`confirmation::vote` and `monitor_status`) → the incident reactions
//! (`incidents::reactions::on_monitor_status`).

pub mod confirmation;
pub mod monitors;
pub mod probe;
pub mod read;
pub mod regions;
pub mod report;
pub mod results;
pub mod retention;
pub mod status;
