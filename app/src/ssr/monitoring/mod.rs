//! Monitoring: monitors and regions as the team configures them, probing,
//! the confirmation rules (pure), recording results and deriving statuses,
//! what the monitor page reports, and the retention of checks.
//!
//! A failing check travels: `probe::Prober::probe` → `results::record_results`
//! (checks stored, `confirmation::observe` per region) → `status::settle`
//! (`confirmation::vote` and `monitor_status`) → the incident reactions
//! (`incidents::reactions::on_monitor_status`). A heartbeat's pings and
//! late runs (`heartbeat`) enter the same path at `record_results`.

pub mod confirmation;
pub mod dns;
pub mod heartbeat;
pub mod monitors;
pub mod ping;
pub mod probe;
pub mod read;
pub mod regions;
pub mod report;
pub mod results;
pub mod retention;
pub mod status;
