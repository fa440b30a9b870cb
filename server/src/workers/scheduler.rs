//! The scheduler of the built-in region: every half second (at once when the
//! last batch used all the capacity) it claims the checks that are due
//! (skipping rows other server processes hold), probes them with bounded
//! concurrency through one shared client, and records each batch's results
//! in one transaction. No task sleeps per monitor. Heartbeats are never
//! probed: each tick declares those whose deadline passed.

use app::error::AppError;
use app::ssr::db::{Db, regions, schedule as queries};
use app::ssr::incidents;
use app::ssr::monitoring::probe::{ProbeTarget, Prober};
use app::ssr::monitoring::{read::load as load_monitors, results::record_results};
use chrono::Utc;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

/// How often due checks are looked for.
const TICK: Duration = Duration::from_millis(500);
/// How often statuses are re-derived for regions that fell silent, and
/// maintenance and incidents are brought up to date.
const UPKEEP_EVERY: Duration = Duration::from_secs(10);
/// The most late heartbeats declared in one tick.
const LATE_BATCH: i64 = 500;

#[derive(Clone)]
pub struct Scheduler {
    db: Db,
    prober: Prober,
    region_id: i64,
    permits: Arc<Semaphore>,
    /// Rung when a batch took all the capacity there was: more may be due
    /// already, so the next batch starts without waiting for the tick.
    backlog: Arc<Notify>,
}

impl Scheduler {
    /// A scheduler for `region`, probing at most `concurrency` targets at once.
    pub async fn new(db: Db, prober: Prober, region: &str, concurrency: usize) -> Result<Self, AppError> {
        let name = region.to_owned();
        let region_id = db
            .run(move |conn| {
                regions::ensure(conn, &name)?;
                regions::find_id(conn, &name)?.ok_or_else(|| AppError::internal("find the region just recorded"))
            })
            .await?;
        Ok(Self {
            db,
            prober,
            region_id,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            backlog: Arc::new(Notify::new()),
        })
    }

    /// Claims what is due now (as much as free capacity allows), probes it and
    /// records the results. Returns how many checks ran.
    pub async fn run_once(&self) -> Result<usize, AppError> {
        let free = self.permits.available_permits();
        if free == 0 {
            return Ok(0);
        }
        let Ok(permits) = self.permits.clone().try_acquire_many_owned(free as u32) else { return Ok(0) };
        let region_id = self.region_id;
        let now = Utc::now();
        let claimed = self.db.run(move |conn| Ok(queries::claim_due(conn, region_id, now, free as i64)?)).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // How late checks start: the figure that says whether this server keeps up.
        for claim in &claimed {
            let lag = (now - claim.due_at).num_milliseconds().max(0) as f64 / 1000.0;
            metrics::histogram!("vigie_scheduler_lag_seconds").record(lag);
        }
        let ids: Vec<i64> = claimed.iter().map(|claim| claim.monitor_id).collect();
        let full = claimed.len() == free;
        // Give back what this batch does not need.
        let mut permits = permits;
        drop(permits.split(free - ids.len()));
        let monitors = self.db.run(move |conn| Ok(load_monitors(conn, &ids)?)).await?;
        let prober = self.prober.clone();
        let results: Vec<_> = futures_util::stream::iter(monitors)
            .map(|monitor| {
                let prober = prober.clone();
                async move {
                    let result = prober.probe(&ProbeTarget::of(&monitor)).await;
                    (monitor, result)
                }
            })
            .buffer_unordered(permits.num_permits().max(1))
            .collect()
            .await;
        let count = results.len();
        let failed = results.iter().filter(|(_, result)| !result.up).count();
        metrics::counter!("vigie_probes_total", "outcome" => "up").increment((count - failed) as u64);
        metrics::counter!("vigie_probes_total", "outcome" => "down").increment(failed as u64);
        let writing = std::time::Instant::now();
        let changed = self.db.run(move |conn| Ok(record_results(conn, region_id, &results, Utc::now())?)).await?;
        metrics::histogram!("vigie_results_write_seconds").record(writing.elapsed().as_secs_f64());
        for (monitor_id, status) in changed {
            tracing::info!(monitor_id, status = status.as_str(), "monitor status changed");
        }
        drop(permits);
        if full {
            self.backlog.notify_one();
        }
        Ok(count)
    }

    /// Declares late the heartbeats whose deadline passed (another server
    /// may take some: each is declared by one). Returns how many.
    pub async fn declare_late(&self) -> Result<usize, AppError> {
        let region_id = self.region_id;
        let changed = self
            .db
            .run(move |conn| {
                Ok(app::ssr::monitoring::heartbeat::declare_late(conn, region_id, Utc::now(), LATE_BATCH)?)
            })
            .await?;
        for (monitor_id, status) in &changed {
            tracing::info!(monitor_id, status = status.as_str(), "monitor status changed: a heartbeat is late");
        }
        Ok(changed.len())
    }

    /// Re-derives the status of monitors with silent regions.
    pub async fn refresh_silent(&self) -> Result<usize, AppError> {
        let changed = self.db.run(|conn| Ok(app::ssr::monitoring::results::refresh_silent(conn, Utc::now())?)).await?;
        for (monitor_id, status) in &changed {
            tracing::info!(monitor_id, status = status.as_str(), "monitor status changed: a region fell silent");
        }
        Ok(changed.len())
    }

    /// Starts and completes planned maintenance that is due, decides the
    /// outages of monitors still waiting for their parent's verdict, and
    /// repairs incidents a crash left out of step with their monitors' statuses.
    pub async fn upkeep_incidents(&self) -> Result<(usize, usize), AppError> {
        self.db
            .run(|conn| {
                let now = Utc::now();
                let steps = incidents::reactions::advance_maintenance(conn, now)?;
                incidents::reactions::settle_dependents(conn, now)?;
                let repaired = incidents::reactions::reconcile(conn, now)?;
                if repaired > 0 {
                    tracing::warn!(repaired, "incidents repaired to match their monitors");
                }
                Ok((steps, repaired))
            })
            .await
    }

    /// Runs until `shutdown` turns true. Batches overlap: a slow probe does
    /// not hold back checks that fall due meanwhile.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        // What happened while no server ran is settled first. Pings sent
        // meanwhile were lost, not missed: heartbeats get their grace again.
        let region_id = self.region_id;
        let postponed = self.db.run(move |conn| Ok(queries::postpone_heartbeats(conn, region_id, Utc::now())?)).await;
        match postponed {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "heartbeat deadlines given their grace time from this start"),
            Err(error) => error.report_in("heartbeat deadlines at start"),
        }
        if let Err(error) = self.upkeep_incidents().await {
            error.report_in("incident upkeep");
        }
        let mut last_upkeep = tokio::time::Instant::now();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = self.backlog.notified() => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
            let scheduler = self.clone();
            tokio::spawn(async move {
                if let Err(error) = scheduler.run_once().await {
                    error.report_in("scheduling");
                }
            });
            if let Err(error) = self.declare_late().await {
                error.report_in("late heartbeats");
            }
            if last_upkeep.elapsed() >= UPKEEP_EVERY {
                last_upkeep = tokio::time::Instant::now();
                if let Err(error) = self.refresh_silent().await {
                    error.report_in("refresh silent statuses");
                }
                if let Err(error) = self.upkeep_incidents().await {
                    error.report_in("incident upkeep");
                }
            }
        }
    }
}
