//! `vigie agent`: the probing engine run in a remote region. It asks the
//! server every few seconds for its region's monitors (cheap: the server
//! answers 304 when nothing changed), probes them when due with bounded
//! concurrency, and sends the results in batches. While the server cannot be
//! reached it keeps probing and keeps the results in a bounded buffer (the
//! oldest go first when it is full), then sends them, oldest first.

use anyhow::{Context, bail};
use app::model::Monitor;
use app::ssr::monitoring::probe::{ProbeTarget, Prober};
use app::ssr::monitoring::regions::{AgentAssignment, AgentResult, BatchReceipt, ResultBatch};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};
use url::Url;

/// Results per batch sent.
pub const BATCH: usize = 200;
/// How often due monitors are looked for.
const TICK: Duration = Duration::from_millis(250);
/// How often buffered results are sent when fewer than a batch wait.
const SEND_EVERY: Duration = Duration::from_secs(1);
/// The longest wait between two attempts to reach a server that is down.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long the agent tries to send what it holds when told to stop.
const FINAL_FLUSH: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// The server's address (`--server`).
    pub server: Url,
    /// The region this agent probes for (`--region`).
    pub region: String,
    /// The region's agent token (`--token`).
    pub token: String,
    /// How often the monitor list is fetched.
    pub poll: Duration,
    /// The most results held while the server cannot be reached.
    pub buffer: usize,
    /// The most probes in flight at once.
    pub concurrency: usize,
}

// ---- the schedule ------------------------------------------------------------

struct Entry {
    monitor: Arc<Monitor>,
    next_due: DateTime<Utc>,
}

/// When each monitor is next due. One scan per tick over a map, no task per
/// monitor; with tens of thousands of monitors a scan stays well under a
/// millisecond.
#[derive(Default)]
pub struct Schedule {
    entries: HashMap<i64, Entry>,
}

fn interval_of(monitor: &Monitor) -> chrono::Duration {
    chrono::Duration::seconds(i64::from(monitor.interval_seconds.max(1)))
}

/// A stable offset within the interval, so monitors loaded together are
/// spread over it instead of all probed at once.
fn spread(monitor: &Monitor) -> chrono::Duration {
    let millis = u64::from(monitor.interval_seconds.max(1)) * 1000;
    let offset = (monitor.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % millis;
    chrono::Duration::milliseconds(i64::try_from(offset).unwrap_or(0))
}

impl Schedule {
    /// Takes the server's list. Monitors seen for the first time are due at
    /// once, or spread over their interval when `spread_new` (the first list,
    /// at start); a monitor whose interval shrank is due within the new one;
    /// monitors no longer listed are dropped.
    pub fn update(&mut self, monitors: Vec<Monitor>, now: DateTime<Utc>, spread_new: bool) {
        let mut entries = HashMap::with_capacity(monitors.len());
        for monitor in monitors {
            let next_due = match self.entries.remove(&monitor.id) {
                Some(old) => old.next_due.min(now + interval_of(&monitor)),
                None if spread_new => now + spread(&monitor),
                None => now,
            };
            entries.insert(monitor.id, Entry { monitor: Arc::new(monitor), next_due });
        }
        self.entries = entries;
    }

    /// Up to `limit` monitors due at `now`, most overdue first; each is moved
    /// one interval on (or one interval from now when it fell behind).
    pub fn take_due(&mut self, now: DateTime<Utc>, limit: usize) -> Vec<Arc<Monitor>> {
        let mut due: Vec<(DateTime<Utc>, i64)> =
            self.entries.iter().filter(|(_, e)| e.next_due <= now).map(|(id, e)| (e.next_due, *id)).collect();
        due.sort_unstable();
        due.truncate(limit);
        due.into_iter()
            .filter_map(|(_, id)| {
                let entry = self.entries.get_mut(&id)?;
                let interval = interval_of(&entry.monitor);
                let next = entry.next_due + interval;
                entry.next_due = if next > now { next } else { now + interval };
                Some(entry.monitor.clone())
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

// ---- the buffer --------------------------------------------------------------

/// Results waiting to be sent, oldest first, never more than `capacity`.
pub struct ResultBuffer {
    items: VecDeque<AgentResult>,
    capacity: usize,
    dropped: u64,
}

impl ResultBuffer {
    pub fn new(capacity: usize) -> Self {
        Self { items: VecDeque::new(), capacity: capacity.max(1), dropped: 0 }
    }

    /// Adds a result; when full, the oldest is dropped (and counted).
    pub fn push(&mut self, result: AgentResult) {
        if self.items.len() >= self.capacity {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(result);
    }

    /// Takes up to `n` of the oldest results.
    pub fn take(&mut self, n: usize) -> Vec<AgentResult> {
        let n = n.min(self.items.len());
        self.items.drain(..n).collect()
    }

    /// Puts back a batch that could not be sent, ahead of newer results,
    /// dropping its oldest results if the buffer filled meanwhile.
    pub fn put_back(&mut self, batch: Vec<AgentResult>) {
        let room = self.capacity.saturating_sub(self.items.len());
        let skip = batch.len().saturating_sub(room);
        self.dropped += skip as u64;
        for result in batch.into_iter().skip(skip).rev() {
            self.items.push_front(result);
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many results were dropped because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

// ---- talking to the server ---------------------------------------------------

#[derive(Debug)]
enum SendError {
    /// The server could not be reached or failed: keep the batch, retry later.
    Retry(String),
    /// The server refused the batch itself: retrying would not help.
    Refused(String),
}

struct Server {
    client: reqwest::Client,
    monitors_url: Url,
    results_url: Url,
    token: String,
}

impl Server {
    fn new(options: &AgentOptions) -> anyhow::Result<Self> {
        let join = |path: &str| options.server.join(path).context("bad server URL");
        let client = reqwest::Client::builder()
            .user_agent(format!("Vigie-agent/{} (region {})", env!("CARGO_PKG_VERSION"), options.region))
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            client,
            monitors_url: join("api/v1/agent/monitors")?,
            results_url: join("api/v1/agent/results")?,
            token: options.token.clone(),
        })
    }

    /// The region's monitors, or `None` when they did not change since `etag`.
    async fn fetch(&self, etag: Option<&str>) -> Result<Option<(AgentAssignment, Option<String>)>, FetchError> {
        let mut request = self.client.get(self.monitors_url.clone()).bearer_auth(&self.token);
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        let response = request.send().await.map_err(|e| FetchError::Unreachable(e.to_string()))?;
        match response.status() {
            reqwest::StatusCode::NOT_MODIFIED => Ok(None),
            reqwest::StatusCode::UNAUTHORIZED => Err(FetchError::TokenRefused),
            status if status.is_success() => {
                let etag =
                    response.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let assignment = response.json().await.map_err(|e| FetchError::Unreachable(e.to_string()))?;
                Ok(Some((assignment, etag)))
            }
            status => Err(FetchError::Unreachable(format!("the server answered {status}"))),
        }
    }

    async fn send(&self, results: Vec<AgentResult>) -> Result<BatchReceipt, (SendError, Vec<AgentResult>)> {
        let batch = ResultBatch { results };
        let response =
            match self.client.post(self.results_url.clone()).bearer_auth(&self.token).json(&batch).send().await {
                Ok(response) => response,
                Err(error) => return Err((SendError::Retry(error.to_string()), batch.results)),
            };
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|e| (SendError::Retry(e.to_string()), Vec::new()));
        }
        let text = response.text().await.unwrap_or_default();
        let retry = status.is_server_error()
            || matches!(status.as_u16(), 401 | 408 | 429)
            || status == reqwest::StatusCode::PAYLOAD_TOO_LARGE && batch.results.len() > 1;
        let message = format!("the server answered {status}: {}", text.chars().take(300).collect::<String>());
        Err((if retry { SendError::Retry(message) } else { SendError::Refused(message) }, batch.results))
    }
}

#[derive(Debug)]
enum FetchError {
    Unreachable(String),
    TokenRefused,
}

// ---- the agent ---------------------------------------------------------------

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs the agent until `shutdown` turns true. Fails at once when the server
/// refuses the token or the token belongs to another region.
pub async fn run(options: AgentOptions, prober: Prober, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
    let server = Arc::new(Server::new(&options)?);
    let schedule = Arc::new(Mutex::new(Schedule::default()));
    let buffer = Arc::new(Mutex::new(ResultBuffer::new(options.buffer)));
    let wake_sender = Arc::new(Notify::new());

    // The first contact decides whether the token is good; an unreachable
    // server is waited for.
    let mut etag = None;
    let mut backoff = Duration::from_secs(1);
    loop {
        match server.fetch(None).await {
            Ok(Some((assignment, tag))) => {
                check_region(&options, &assignment)?;
                tracing::info!(region = assignment.region, monitors = assignment.monitors.len(), "connected");
                lock(&schedule).update(assignment.monitors, Utc::now(), true);
                etag = tag;
                break;
            }
            Ok(None) => break,
            Err(FetchError::TokenRefused) => {
                bail!("the server refused the agent token (was it replaced or the region deleted?)");
            }
            Err(FetchError::Unreachable(error)) => {
                tracing::warn!(%error, retry_in = backoff.as_secs(), "cannot reach the server");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return Ok(()),
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }

    let fetcher = tokio::spawn(fetch_loop(server.clone(), options.clone(), schedule.clone(), etag, shutdown.clone()));
    let sender = tokio::spawn(send_loop(server, buffer.clone(), wake_sender.clone(), shutdown.clone()));
    let permits = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        let free = permits.available_permits();
        if free == 0 {
            continue;
        }
        let due = lock(&schedule).take_due(Utc::now(), free);
        for monitor in due {
            let Ok(permit) = permits.clone().try_acquire_owned() else { break };
            let prober = prober.clone();
            let buffer = buffer.clone();
            let wake_sender = wake_sender.clone();
            tokio::spawn(async move {
                let result = prober.probe(&ProbeTarget::of(&monitor)).await;
                drop(permit);
                let full_batch = {
                    let mut buffer = lock(&buffer);
                    buffer.push(AgentResult::new(monitor.id, result));
                    buffer.len() >= BATCH
                };
                if full_batch {
                    wake_sender.notify_one();
                }
            });
        }
    }
    // Probes in flight finish (they are bounded by their timeouts), then the
    // sender makes a last attempt.
    let _ = permits.acquire_many(options.concurrency.max(1) as u32).await;
    fetcher.abort();
    let _ = sender.await;
    let left = lock(&buffer).len();
    if left > 0 {
        tracing::warn!(results = left, "stopped with results the server has not received");
    }
    tracing::info!("agent stopped");
    Ok(())
}

fn check_region(options: &AgentOptions, assignment: &AgentAssignment) -> anyhow::Result<()> {
    if assignment.region != options.region {
        bail!("this token belongs to region `{}`, not `{}`", assignment.region, options.region);
    }
    Ok(())
}

async fn fetch_loop(
    server: Arc<Server>,
    options: AgentOptions,
    schedule: Arc<Mutex<Schedule>>,
    mut etag: Option<String>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut failing = false;
    loop {
        tokio::select! {
            () = tokio::time::sleep(options.poll) => {}
            _ = shutdown.changed() => return,
        }
        match server.fetch(etag.as_deref()).await {
            Ok(Some((assignment, tag))) => {
                if let Err(error) = check_region(&options, &assignment) {
                    tracing::error!(%error, "ignoring the monitor list");
                    continue;
                }
                let mut schedule = lock(&schedule);
                schedule.update(assignment.monitors, Utc::now(), false);
                tracing::info!(monitors = schedule.len(), "monitor list updated");
                etag = tag;
                failing = false;
            }
            Ok(None) => failing = false,
            Err(error) => {
                // Keep probing what is known; say so once per outage.
                if !failing {
                    tracing::warn!(?error, "cannot fetch the monitor list; probing the last one known");
                }
                failing = true;
            }
        }
    }
}

async fn send_loop(
    server: Arc<Server>,
    buffer: Arc<Mutex<ResultBuffer>>,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::ZERO;
    let mut stopping = false;
    let mut reported_dropped = 0;
    loop {
        if !stopping {
            let wait = if backoff.is_zero() { SEND_EVERY } else { backoff };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = wake.notified(), if backoff.is_zero() => {}
                _ = shutdown.changed() => stopping = true,
            }
        }
        let deadline = tokio::time::Instant::now() + FINAL_FLUSH;
        loop {
            let batch = lock(&buffer).take(BATCH);
            if batch.is_empty() {
                break;
            }
            let sending = server.send(batch);
            let outcome = if stopping {
                match tokio::time::timeout_at(deadline, sending).await {
                    Ok(outcome) => outcome,
                    Err(_) => return,
                }
            } else {
                sending.await
            };
            match outcome {
                Ok(receipt) => {
                    if !backoff.is_zero() {
                        tracing::info!(waiting = lock(&buffer).len(), "the server is reachable again");
                    }
                    backoff = Duration::ZERO;
                    tracing::debug!(accepted = receipt.accepted, ignored = receipt.ignored, "results sent");
                }
                Err((SendError::Refused(error), _)) => {
                    tracing::error!(%error, "the server refused a batch of results; it is dropped");
                }
                Err((SendError::Retry(error), batch)) => {
                    lock(&buffer).put_back(batch);
                    backoff = (backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
                    let waiting = lock(&buffer).len();
                    tracing::warn!(%error, waiting, retry_in = backoff.as_secs(), "cannot send results; keeping them");
                    break;
                }
            }
        }
        let dropped = lock(&buffer).dropped();
        if dropped > reported_dropped {
            tracing::warn!(dropped = dropped - reported_dropped, "the result buffer was full: oldest results dropped");
            reported_dropped = dropped;
        }
        if stopping {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{KeywordMode, MonitorKind, MonitorStatus};

    fn monitor(id: i64, interval_seconds: u32) -> Monitor {
        Monitor {
            id,
            name: format!("m{id}"),
            kind: MonitorKind::Tcp,
            url: None,
            host: Some("127.0.0.1".to_owned()),
            port: Some(1),
            ping_url: None,
            record_type: None,
            dns_server: None,
            dns_protocol: None,
            expected_values: Vec::new(),
            expected_match: None,
            ping_count: None,
            max_loss_percent: None,
            period_seconds: None,
            cron: None,
            timezone: None,
            grace_seconds: None,
            degraded_after_ms: None,
            degraded_incident: false,
            parent_id: None,
            method: "GET".to_owned(),
            headers: Default::default(),
            body: None,
            accepted_status: "200-299".to_owned(),
            keyword: None,
            keyword_mode: KeywordMode::Contains,
            follow_redirects: true,
            interval_seconds,
            timeout_seconds: 1,
            regions: vec!["eu".to_owned()],
            tags: Vec::new(),
            region_threshold: 1,
            incident_confirmations: 3,
            recovery_confirmations: 2,
            ssl_expiry_days: 14,
            paused: false,
            status: MonitorStatus::Pending,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn ids(monitors: &[Arc<Monitor>]) -> Vec<i64> {
        let mut ids: Vec<_> = monitors.iter().map(|m| m.id).collect();
        ids.sort_unstable();
        ids
    }

    #[test]
    fn the_first_list_is_spread_over_the_interval() {
        let mut schedule = Schedule::default();
        schedule.update((1..=100).map(|id| monitor(id, 60)).collect(), at(0), true);
        let first = schedule.take_due(at(0), 1000).len();
        assert!(first < 10, "not all at once: {first}");
        let mut taken = first;
        let mut busiest = first;
        for second in 1..60 {
            let now = at(second);
            let n = schedule.take_due(now, 1000).len();
            busiest = busiest.max(n);
            taken += n;
        }
        taken += schedule.take_due(at(60) - chrono::Duration::milliseconds(1), 1000).len();
        assert_eq!(taken, 100, "each monitor once within its first interval");
        assert!(busiest < 15, "spread out, at most {busiest} in one second");
    }

    #[test]
    fn due_monitors_move_one_interval_on() {
        let mut schedule = Schedule::default();
        schedule.update(vec![monitor(1, 30), monitor(2, 60)], at(0), false);
        assert_eq!(ids(&schedule.take_due(at(0), 10)), vec![1, 2], "new monitors are due at once");
        assert!(schedule.take_due(at(29), 10).is_empty());
        assert_eq!(ids(&schedule.take_due(at(30), 10)), vec![1]);
        assert_eq!(ids(&schedule.take_due(at(60), 10)), vec![1, 2]);
        // Far behind: the next check is one interval from now, not a burst.
        assert_eq!(ids(&schedule.take_due(at(500), 10)), vec![1, 2]);
        assert!(schedule.take_due(at(501), 10).is_empty());
        assert_eq!(ids(&schedule.take_due(at(530), 10)), vec![1]);
    }

    #[test]
    fn the_limit_serves_the_most_overdue_first() {
        let mut schedule = Schedule::default();
        schedule.update(vec![monitor(1, 30)], at(0), false);
        schedule.update(vec![monitor(1, 30), monitor(2, 30)], at(10), false);
        assert_eq!(ids(&schedule.take_due(at(10), 1)), vec![1]);
        assert_eq!(ids(&schedule.take_due(at(10), 1)), vec![2]);
    }

    #[test]
    fn updates_keep_progress_drop_removed_and_honour_shorter_intervals() {
        let mut schedule = Schedule::default();
        schedule.update(vec![monitor(1, 600), monitor(2, 600)], at(0), false);
        assert_eq!(schedule.take_due(at(0), 10).len(), 2);
        // Monitor 2 leaves, monitor 1 now runs every 30 s, monitor 3 is new.
        schedule.update(vec![monitor(1, 30), monitor(3, 600)], at(5), false);
        assert_eq!(schedule.len(), 2);
        assert_eq!(ids(&schedule.take_due(at(5), 10)), vec![3]);
        assert!(schedule.take_due(at(34), 10).is_empty());
        assert_eq!(ids(&schedule.take_due(at(35), 10)), vec![1], "due within the new interval, not after 600 s");
    }

    fn result(monitor_id: i64) -> AgentResult {
        AgentResult {
            monitor_id,
            checked_at: at(monitor_id),
            duration_ms: 1,
            up: true,
            status_code: None,
            failure: None,
            message: String::new(),
            cert_expires_at: None,
        }
    }

    fn held(buffer: &mut ResultBuffer) -> Vec<i64> {
        buffer.take(usize::MAX).into_iter().map(|r| r.monitor_id).collect()
    }

    #[test]
    fn the_buffer_is_bounded_and_drops_the_oldest() {
        let mut buffer = ResultBuffer::new(3);
        for id in 1..=5 {
            buffer.push(result(id));
        }
        assert_eq!(buffer.dropped(), 2);
        assert_eq!(held(&mut buffer), vec![3, 4, 5]);
        assert!(buffer.is_empty());
    }

    #[test]
    fn a_batch_put_back_goes_ahead_of_newer_results() {
        let mut buffer = ResultBuffer::new(4);
        for id in 1..=3 {
            buffer.push(result(id));
        }
        let batch = buffer.take(2);
        buffer.push(result(4));
        buffer.put_back(batch);
        assert_eq!(held(&mut buffer), vec![1, 2, 3, 4]);

        // No room for all of it: its oldest results go.
        for id in 1..=3 {
            buffer.push(result(id));
        }
        let batch = buffer.take(3);
        buffer.push(result(4));
        buffer.push(result(5));
        buffer.push(result(6));
        buffer.put_back(batch);
        assert_eq!(buffer.dropped(), 2);
        assert_eq!(held(&mut buffer), vec![3, 4, 5, 6]);
    }
}
