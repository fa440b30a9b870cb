//! Rendered public pages (status pages, feeds, the Statuspage API), kept
//! until something they show changes: PostgreSQL triggers send
//! `NOTIFY vigie_status` when incidents, updates, monitor statuses, rollups
//! or page settings change, and the server's listener calls
//! [`PageCache::invalidate`]. Under a rush every visitor gets the same
//! bytes, rendered once (one request renders while the others get the
//! previous copy, or wait for the first one) and gzipped once. Entries also
//! expire after `max_age`, for what changes with time alone (today's uptime
//! bar, "updated" times).

use axum::body::Bytes;
use axum::http::HeaderValue;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// The PostgreSQL channel the triggers notify.
pub const CHANGE_CHANNEL: &str = "vigie_status";
/// More entries than this and the cache starts over (many slugs or hosts).
const ENTRIES_MAX: usize = 10_000;

/// One rendered answer, ready to send.
#[derive(Debug)]
pub struct Rendered {
    pub modified: SystemTime,
    pub content_type: &'static str,
    /// A strong validator: a hash of the body.
    pub etag: String,
    /// The `ETag` and `Last-Modified` headers, made once.
    pub etag_header: HeaderValue,
    pub modified_header: HeaderValue,
    pub body: Bytes,
    pub gzip: Bytes,
}

impl Rendered {
    pub fn new(content_type: &'static str, body: String) -> Self {
        use sha2::Digest;
        let etag = format!("\"{}\"", &hex::encode(sha2::Sha256::digest(body.as_bytes()))[..32]);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = encoder.write_all(body.as_bytes()).and_then(|()| encoder.finish()).unwrap_or_default();
        let modified = SystemTime::now();
        let date = chrono::DateTime::<chrono::Utc>::from(modified).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        Self {
            modified,
            content_type,
            etag_header: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
            modified_header: HeaderValue::from_str(&date).unwrap_or(HeaderValue::from_static("")),
            etag,
            body: Bytes::from(body),
            gzip: Bytes::from(gzip),
        }
    }
}

/// What a key holds: the rendered answer, or `None` when there was nothing
/// to show (an unknown slug, no default page): those are kept too, so a
/// rush on them does not reach the database either.
struct Entry {
    generation: u64,
    created: Instant,
    value: Option<Arc<Rendered>>,
}

pub struct PageCache {
    generation: AtomicU64,
    renders: AtomicU64,
    max_age: Duration,
    entries: RwLock<HashMap<String, Entry>>,
    rendering: tokio::sync::Mutex<()>,
}

impl PageCache {
    pub fn new(max_age: Duration) -> Self {
        Self {
            generation: AtomicU64::new(0),
            renders: AtomicU64::new(0),
            max_age,
            entries: RwLock::default(),
            rendering: tokio::sync::Mutex::new(()),
        }
    }

    /// Something public changed: every entry is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many times something was rendered (not served from the cache).
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// The entry for `key`: `Ok` when it is fresh, `Err` with the stale
    /// answer (if it had one) otherwise.
    fn lookup(&self, key: &str) -> Result<Option<Arc<Rendered>>, Option<Arc<Rendered>>> {
        let generation = self.generation.load(Ordering::Acquire);
        let Ok(entries) = self.entries.read() else { return Err(None) };
        match entries.get(key) {
            Some(entry) if entry.generation == generation && entry.created.elapsed() < self.max_age => {
                Ok(entry.value.clone())
            }
            Some(entry) => Err(entry.value.clone()),
            None => Err(None),
        }
    }

    /// The answer for `key`, rendered by `render` if it is missing or stale.
    /// One render at a time: while it runs, requests for a page the cache
    /// has an older copy of get that copy (as `stale-while-revalidate`
    /// would), the others wait for the render.
    pub async fn get_or_render<F, Fut, E>(&self, key: &str, render: F) -> Result<Option<Arc<Rendered>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<Rendered>, E>>,
    {
        let _turn = match self.lookup(key) {
            Ok(fresh) => return Ok(fresh),
            Err(Some(stale)) => match self.rendering.try_lock() {
                Ok(turn) => turn,
                Err(_) => return Ok(Some(stale)),
            },
            Err(None) => self.rendering.lock().await,
        };
        // Another request may have rendered it while this one waited.
        if let Ok(fresh) = self.lookup(key) {
            return Ok(fresh);
        }
        // Taken before reading the data: a change during the render makes
        // the result stale at once.
        let generation = self.generation.load(Ordering::Acquire);
        self.renders.fetch_add(1, Ordering::Relaxed);
        let value = render().await?.map(Arc::new);
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= ENTRIES_MAX {
                entries.clear();
            }
            entries.insert(key.to_owned(), Entry { generation, created: Instant::now(), value: value.clone() });
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn renders_once_per_change() {
        let cache = PageCache::new(Duration::from_secs(60));
        let render = || async { Ok::<_, ()>(Some(Rendered::new("text/plain", "hello".repeat(100)))) };
        let first = cache.get_or_render("a", render).await.unwrap().unwrap();
        for _ in 0..10 {
            let again = cache.get_or_render("a", render).await.unwrap().unwrap();
            assert!(Arc::ptr_eq(&first, &again));
        }
        assert_eq!(cache.renders(), 1);
        cache.invalidate();
        let fresh = cache.get_or_render("a", render).await.unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &fresh));
        assert_eq!(cache.renders(), 2);
        assert_eq!(fresh.etag, first.etag, "the same content, the same validator");
        assert!(fresh.gzip.len() < fresh.body.len() / 5, "compressed once, kept");
        let nothing = cache.get_or_render("missing", || async { Ok::<_, ()>(None) }).await.unwrap();
        assert!(nothing.is_none());
        let again = cache.get_or_render("missing", render).await.unwrap();
        assert!(again.is_none(), "nothing to show is kept until a change");
        assert_eq!(cache.renders(), 3);
    }

    #[tokio::test]
    async fn a_stale_page_is_served_while_one_request_renders() {
        let cache = Arc::new(PageCache::new(Duration::from_secs(60)));
        let page =
            |text: &'static str| move || async move { Ok::<_, ()>(Some(Rendered::new("text/plain", text.into()))) };
        cache.get_or_render("a", page("old")).await.unwrap();
        cache.invalidate();
        let (started, start) = tokio::sync::oneshot::channel::<()>();
        let (finish, finished) = tokio::sync::oneshot::channel::<()>();
        let rendering = tokio::spawn({
            let cache = cache.clone();
            async move {
                cache
                    .get_or_render("a", || async move {
                        let _ = started.send(());
                        let _ = finished.await;
                        Ok::<_, ()>(Some(Rendered::new("text/plain", "new".into())))
                    })
                    .await
            }
        });
        start.await.unwrap();
        let during = cache.get_or_render("a", page("unused")).await.unwrap().unwrap();
        assert_eq!(during.body, "old", "the older copy, without waiting");
        finish.send(()).unwrap();
        assert_eq!(rendering.await.unwrap().unwrap().unwrap().body, "new");
        let after = cache.get_or_render("a", page("unused")).await.unwrap().unwrap();
        assert_eq!(after.body, "new");
        assert_eq!(cache.renders(), 2);
    }

    #[tokio::test]
    async fn entries_expire_with_their_age() {
        let cache = PageCache::new(Duration::ZERO);
        let render = || async { Ok::<_, ()>(Some(Rendered::new("text/plain", "x".into()))) };
        cache.get_or_render("a", render).await.unwrap();
        cache.get_or_render("a", render).await.unwrap();
        assert_eq!(cache.renders(), 2, "older than the maximum age: rendered again");
    }
}
