//! The subscriber dispatcher: tells status page subscribers what their page
//! published. The transaction that publishes writes one notice per page
//! (`subscriber_notices`); this worker renders each notice once, fans it out
//! to the page's subscribers in batches of [`FAN_OUT_BATCH`] (one statement
//! each, in its own transaction), then claims the deliveries (skipping rows
//! other server processes hold), sends each email or webhook with bounded
//! concurrency, and records what came back: delivered, retried with backoff
//! for up to a day, or refused for good (the subscriber is then skipped).
//! It wakes on `LISTEN vigie_subscribers`, when a retry falls due, and at
//! least every second.

use crate::public::notices::{self, Content};
use app::error::AppError;
use app::model::NoticeKind;
use app::ssr::alerts::notify::{Mail, Notifier, Sent};
use app::ssr::alerts::{GIVE_UP_AFTER, jitter, retry_delay};
use app::ssr::db::subscriber_notices::{self as rows, Claimed};
use app::ssr::db::{Db, subscribers as subscriber_rows};
use app::ssr::status_pages::cache::CHANGE_CHANNEL;
use app::ssr::status_pages::subscribers::WAKE_CHANNEL;
use app::ssr::team::auth::{new_secret, secret_hash};
use chrono::{DateTime, Utc};
use diesel::Connection;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Subscribers given their delivery per statement.
pub const FAN_OUT_BATCH: i64 = 1_000;
/// The longest wait between two looks.
const IDLE: Duration = Duration::from_secs(1);
/// Beyond the time the claimed messages may take, how long a claim holds
/// before another process (or this one, restarted) may take them again.
const LEASE_MARGIN: Duration = Duration::from_secs(30);
/// Who is told of a notice: both kinds, or webhooks only (a component's change).
const KINDS: [&str; 2] = ["email", "webhook"];
const WEBHOOKS: [&str; 1] = ["webhook"];

#[derive(Clone)]
pub struct SubscriberDispatcher {
    db: Db,
    notifier: Notifier,
    /// `VIGIE_PUBLIC_URL` (or the address served), for links.
    base: Arc<str>,
    concurrency: usize,
    wake: Arc<Notify>,
    /// Something public changed since components were last compared.
    changed: Arc<AtomicBool>,
}

impl SubscriberDispatcher {
    /// A dispatcher sending at most `concurrency` messages at once, with
    /// links under `base`.
    pub fn new(db: Db, notifier: Notifier, base: &str, concurrency: usize) -> Self {
        Self {
            db,
            notifier,
            base: Arc::from(base.trim_end_matches('/')),
            concurrency: concurrency.max(1),
            wake: Arc::new(Notify::new()),
            changed: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Compares the components of the pages with webhook subscribers with
    /// what they were last told, and writes a notice for each change.
    /// Returns how many.
    pub async fn compare_components(&self) -> Result<usize, AppError> {
        self.db
            .run(|conn| {
                let mut written = 0;
                for page_id in rows::pages_with_webhooks(conn)? {
                    written += notices::component_changes(conn, page_id, Utc::now())?;
                }
                Ok(written)
            })
            .await
    }

    /// Renders and fans out every notice waiting; returns how many
    /// subscribers were given a delivery.
    pub async fn fan_out(&self) -> Result<usize, AppError> {
        let mut total = 0;
        loop {
            let base = self.base.clone();
            let domain = self.notifier.mail_domain();
            let step = self
                .db
                .run(move |conn| {
                    conn.transaction(|conn| {
                        let now = Utc::now();
                        let Some(notice) = rows::lock_unfanned(conn)? else { return Ok(None) };
                        let content = match &notice.content {
                            Some(stored) => serde_json::from_value::<Content>(stored.clone()).ok(),
                            None => {
                                let content = notices::compose(conn, &notice, &base, &domain, now)?;
                                if let Some(content) = &content {
                                    let value = serde_json::to_value(content)
                                        .map_err(|_| AppError::internal("store a notice"))?;
                                    rows::set_content(conn, notice.id, &value)?;
                                }
                                content
                            }
                        };
                        let Some(content) = content else {
                            rows::drop_notice(conn, notice.id, now)?;
                            return Ok(Some(0));
                        };
                        // A component's change is told to machines only.
                        let kinds: &[&str] =
                            if notice.kind == NoticeKind::ComponentUpdate { &WEBHOOKS } else { &KINDS };
                        let count =
                            rows::fan_out_batch(conn, &notice, kinds, &content.monitor_ids, FAN_OUT_BATCH, now)?;
                        Ok::<_, AppError>(Some(count))
                    })
                })
                .await?;
            match step {
                Some(count) => total += count,
                None => return Ok(total),
            }
        }
    }

    /// Claims the deliveries due now (a few rounds of the concurrency),
    /// sends them and records each outcome. Returns how many were sent.
    pub async fn deliver_due(&self) -> Result<usize, AppError> {
        let now = Utc::now();
        let limit = self.concurrency * 4;
        let rounds = u32::try_from(limit.div_ceil(self.concurrency)).unwrap_or(u32::MAX);
        let lease = chrono::Duration::from_std(self.notifier.timeout() * rounds + LEASE_MARGIN).unwrap_or_default();
        let (claimed, contents) = self
            .db
            .run(move |conn| {
                let claimed = rows::claim_due(conn, now, now + lease, limit as i64)?;
                let mut ids: Vec<i64> = claimed.iter().map(|c| c.notice_id).collect();
                ids.sort_unstable();
                ids.dedup();
                Ok((claimed, rows::find_many(conn, &ids)?))
            })
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let contents: HashMap<i64, (DateTime<Utc>, Content)> = contents
            .into_iter()
            .filter_map(|n| Some((n.id, (n.created_at, serde_json::from_value(n.content?).ok()?))))
            .collect();
        // One new link per message, stored hashed, all in one statement.
        let tokens: Vec<String> = claimed.iter().map(|_| new_secret("")).collect();
        let links: Vec<(Vec<u8>, i64)> =
            claimed.iter().zip(&tokens).map(|(c, token)| (secret_hash(token), c.subscriber.id)).collect();
        self.db.run(move |conn| Ok(subscriber_rows::insert_links(conn, &links, now)?)).await?;

        let contents = &contents;
        let outcomes: Vec<(Claimed, Sent)> = futures_util::stream::iter(claimed.into_iter().zip(tokens))
            .map(|(claimed, token)| async move {
                let sent = match contents.get(&claimed.notice_id) {
                    Some((_, content)) => self.send(&claimed, content, &token).await,
                    None => Sent::Failed("the notice has no message".to_owned()),
                };
                (claimed, sent)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        let count = outcomes.len();
        let written: HashMap<i64, DateTime<Utc>> = contents.iter().map(|(id, (at, _))| (*id, *at)).collect();
        self.db.run(move |conn| record(conn, &outcomes, &written, Utc::now())).await?;
        Ok(count)
    }

    async fn send(&self, claimed: &Claimed, content: &Content, token: &str) -> Sent {
        let (manage, unsubscribe) = notices::links(&self.base, token);
        let subscriber = &claimed.subscriber;
        match subscriber.kind {
            app::model::SubscriberKind::Email => {
                let (text, html) = notices::personal(content, &manage, &unsubscribe);
                let domain = self.notifier.mail_domain();
                self.notifier
                    .mail(Mail {
                        to: &subscriber.address,
                        subject: &content.subject,
                        text,
                        html,
                        message_id: notices::message_id(content, claimed.notice_id, subscriber.id, &domain),
                        in_reply_to: (!content.first).then(|| content.thread.clone()),
                        unsubscribe: Some(unsubscribe),
                    })
                    .await
            }
            app::model::SubscriberKind::Webhook => {
                let body = notices::webhook_body(content, &unsubscribe, &self.base, Utc::now());
                let body = serde_json::to_vec(&body).unwrap_or_default();
                self.notifier.post_subscriber(&subscriber.address, body).await
            }
        }
    }

    /// How long to wait before looking again: until the next retry is due,
    /// at most [`IDLE`].
    async fn idle_time(&self) -> Duration {
        let next = self.db.run(|conn| Ok(rows::next_due(conn)?)).await.ok().flatten();
        match next {
            Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(IDLE),
            None => IDLE,
        }
    }

    /// Fans out and sends until nothing is due (after comparing the
    /// components when something public changed). Returns how many were sent.
    pub async fn work(&self) -> Result<usize, AppError> {
        if self.changed.swap(false, Ordering::Relaxed) {
            self.compare_components().await?;
        }
        let mut sent = 0;
        loop {
            self.fan_out().await?;
            let count = self.deliver_due().await?;
            sent += count;
            if count == 0 {
                return Ok(sent);
            }
        }
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let stop = Arc::new(AtomicBool::new(false));
        let listener = {
            let wake = self.wake.clone();
            super::listener::spawn(self.db.clone(), WAKE_CHANNEL, stop.clone(), move || wake.notify_one())
        };
        if let Err(error) = &listener {
            tracing::error!(%error, "cannot start the subscriber listener: messages wait up to a second");
        }
        // What status pages show changed (the page cache's channel): compare
        // the components again.
        let pages_listener = {
            let (wake, changed) = (self.wake.clone(), self.changed.clone());
            super::listener::spawn(self.db.clone(), CHANGE_CHANNEL, stop.clone(), move || {
                changed.store(true, Ordering::Relaxed);
                wake.notify_one();
            })
        };
        if let Err(error) = &pages_listener {
            tracing::error!(%error, "cannot start the page listener: component changes are not told");
        }
        loop {
            if let Err(error) = self.work().await {
                error.report_in("tell subscribers");
            }
            let wait = self.idle_time().await.max(Duration::from_millis(10));
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        stop.store(true, Ordering::Relaxed);
    }
}

/// Records the outcomes of a round: delivered ones in one statement; a
/// failure is retried with backoff until a day after its notice, a refusal
/// ends the delivery and marks its subscriber bounced (skipped from then on).
fn record(
    conn: &mut diesel::PgConnection,
    outcomes: &[(Claimed, Sent)],
    written: &HashMap<i64, DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let delivered: Vec<i64> =
            outcomes.iter().filter(|(_, sent)| *sent == Sent::Delivered).map(|(c, _)| c.id).collect();
        rows::mark_delivered(conn, &delivered, now)?;
        metrics::counter!("vigie_subscriber_messages_total", "outcome" => "delivered")
            .increment(delivered.len() as u64);
        for (claimed, sent) in outcomes {
            match sent {
                Sent::Delivered => {}
                Sent::Failed(error) => {
                    let attempt = u32::try_from(claimed.attempts).unwrap_or(1);
                    let since = written.get(&claimed.notice_id).copied().unwrap_or(now);
                    let retry_at = Some(now + retry_delay(attempt, jitter())).filter(|at| *at <= since + GIVE_UP_AFTER);
                    rows::mark_failed(conn, claimed.id, error, retry_at, now)?;
                    metrics::counter!("vigie_subscriber_messages_total", "outcome" => "failed").increment(1);
                }
                Sent::Refused(error) => {
                    rows::mark_failed(conn, claimed.id, error, None, now)?;
                    rows::mark_bounced(conn, claimed.subscriber.id)?;
                    tracing::info!(subscriber_id = claimed.subscriber.id, %error, "subscriber refused for good");
                    metrics::counter!("vigie_subscriber_messages_total", "outcome" => "refused").increment(1);
                }
            }
        }
        Ok(())
    })
}
