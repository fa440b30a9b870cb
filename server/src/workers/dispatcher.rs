//! The alert dispatcher: claims due notifications from the outbox (skipping
//! rows other server processes hold), sends each with bounded concurrency
//! and a time limit per attempt, and records what came back. It wakes when
//! PostgreSQL says notifications were written (`LISTEN vigie_alerts`, sent
//! by the transaction that wrote them, from any process), when a retry falls
//! due, and at least every second.

use app::error::AppError;
use app::ssr::alerts::notify::Notifier;
use app::ssr::alerts::{WAKE_CHANNEL, record_attempt};
use app::ssr::db::channels::ChannelRow;
use app::ssr::db::notifications::NotificationRow;
use app::ssr::db::{Db, channels, notifications};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

/// The longest wait between two looks at the outbox.
const IDLE: Duration = Duration::from_secs(1);
/// Beyond the attempt's time limit, how long a claim holds before another
/// process (or this one, restarted) may take the notification again.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// A claimed notification, its channel, and the capacity to send it.
type Claimed = (NotificationRow, Arc<ChannelRow>, OwnedSemaphorePermit);

#[derive(Clone)]
pub struct Dispatcher {
    db: Db,
    notifier: Notifier,
    permits: Arc<Semaphore>,
    concurrency: usize,
    wake: Arc<Notify>,
}

impl Dispatcher {
    /// A dispatcher sending at most `concurrency` notifications at once.
    pub fn new(db: Db, notifier: Notifier, concurrency: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            db,
            notifier,
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Claims what is due now, as much as free capacity allows, each with
    /// its channel and the permit it is sent under: nothing claimed waits
    /// for capacity (its lease runs from the claim).
    async fn claim(&self) -> Result<Vec<Claimed>, AppError> {
        let free = self.permits.available_permits();
        if free == 0 {
            return Ok(Vec::new());
        }
        let Ok(mut permits) = self.permits.clone().try_acquire_many_owned(free as u32) else { return Ok(Vec::new()) };
        let now = Utc::now();
        let lease = chrono::Duration::from_std(self.notifier.timeout() + LEASE_MARGIN).unwrap_or_default();
        let (rows, channels) = self
            .db
            .run(move |conn| {
                let rows = notifications::claim_due(conn, now, now + lease, free as i64)?;
                let mut ids: Vec<i64> = rows.iter().map(|row| row.channel_id).collect();
                ids.sort_unstable();
                ids.dedup();
                Ok((rows, channels::find_many(conn, &ids)?))
            })
            .await?;
        let channels: HashMap<i64, Arc<ChannelRow>> = channels.into_iter().map(|c| (c.id, Arc::new(c))).collect();
        Ok(rows
            .into_iter()
            // A channel deleted meanwhile took its notifications with it.
            .filter_map(|row| Some((channels.get(&row.channel_id)?.clone(), row)))
            .filter_map(|(channel, row)| permits.split(1).map(|permit| (row, channel, permit)))
            .collect())
    }

    /// Sends one claimed notification and records the attempt.
    async fn deliver(&self, (row, channel, permit): Claimed) {
        let outcome = self.notifier.send(&channel, &row.delivery_id, &row.payload).await;
        drop(permit);
        let label = if outcome.ok { "delivered" } else { "failed" };
        metrics::counter!("vigie_alert_attempts_total", "outcome" => label).increment(1);
        metrics::histogram!("vigie_alert_attempt_seconds").record(f64::from(outcome.duration_ms) / 1000.0);
        let id = row.id;
        let recorded =
            self.db.run(move |conn| Ok(record_attempt(conn, id, &channel.name, &outcome, Utc::now())?)).await;
        match recorded {
            Ok(Some(state)) => tracing::info!(notification_id = id, state = state.as_str(), "alert attempt"),
            Ok(None) => {}
            Err(error) => error.report_in("record an alert attempt"),
        }
    }

    /// Claims what is due and sends it all, returning when every attempt is
    /// recorded. Returns how many were sent.
    pub async fn deliver_due(&self) -> Result<usize, AppError> {
        let rows = self.claim().await?;
        let count = rows.len();
        futures_util::future::join_all(rows.into_iter().map(|claimed| self.deliver(claimed))).await;
        Ok(count)
    }

    /// Claims what is due and sends each in its own task. Returns whether
    /// it took all the capacity there was (more may be due already).
    async fn dispatch(&self) -> Result<bool, AppError> {
        let free = self.permits.available_permits();
        let rows = self.claim().await?;
        let full = free > 0 && rows.len() == free;
        for claimed in rows {
            let dispatcher = self.clone();
            tokio::spawn(async move { dispatcher.deliver(claimed).await });
        }
        Ok(full)
    }

    /// How long to wait before looking again: until the next retry is due,
    /// at most [`IDLE`].
    async fn idle_time(&self) -> Duration {
        let next = self.db.run(|conn| Ok(notifications::next_due(conn)?)).await.ok().flatten();
        match next {
            Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(IDLE),
            None => IDLE,
        }
    }

    /// Runs until `shutdown` turns true, then waits (within the attempt
    /// time limit) for the attempts in flight.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let stop = Arc::new(AtomicBool::new(false));
        let listener = {
            let wake = self.wake.clone();
            super::listener::spawn(self.db.clone(), WAKE_CHANNEL, stop.clone(), move || wake.notify_one())
        };
        if let Err(error) = &listener {
            tracing::error!(%error, "cannot start the alert listener: alerts wait up to a second");
        }
        loop {
            // Wait for capacity to send anything at all.
            tokio::select! {
                permit = self.permits.acquire() => drop(permit),
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
            let full = match self.dispatch().await {
                Ok(full) => full,
                Err(error) => {
                    error.report_in("dispatch alerts");
                    false
                }
            };
            // At full capacity, go again as soon as a permit is free.
            // Otherwise until the next retry is due; rows another server
            // holds are not spun on.
            let wait = if full { Duration::ZERO } else { self.idle_time().await.max(Duration::from_millis(10)) };
            if !wait.is_zero() {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => {}
                }
            }
            if *shutdown.borrow() {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
        let all = u32::try_from(self.concurrency).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(self.notifier.timeout() + Duration::from_secs(1), self.permits.acquire_many(all))
            .await;
    }
}
