//! Rendered public pages (status pages, feeds, the Statuspage API), kept
//! until something they show changes: PostgreSQL triggers send
//! `NOTIFY vigie_status` when incidents, updates, monitor statuses, rollups
//! or page settings change, and the server's listener calls
//! [`PageCache::invalidate`]. Under a rush every visitor gets the same
//! bytes, rendered once (one request renders while the others get the
//! previous copy, or wait for the first one) and gzipped once. Entries also
//! expire after `max_age`, for what changes with time alone (today's uptime
//! bar, "updated" times).
//!
//! The cache is no lever for a flood: what is published (slugs, custom
//! domains) is known from one [`Directory`] per change, so unknown slugs and
//! hosts are answered without a render or an entry; "nothing to show" is
//! never stored; and when the cache is full, a new entry takes the place of
//! stale ones or is not kept at all — pages already in it stay.

use axum::body::Bytes;
use axum::http::HeaderValue;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// The PostgreSQL channel the triggers notify.
pub const CHANGE_CHANNEL: &str = "vigie_status";
/// The most entries kept (a page per slug, incident, month, feed and host).
const ENTRIES_MAX: usize = 10_000;

/// What is published, as far as answering needs to know before rendering:
/// the pages' slugs and custom domains.
#[derive(Debug, Default)]
pub struct Directory {
    pub slugs: HashSet<String>,
    pub domains: HashSet<String>,
}

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

/// What a key holds: the rendered answer (always `Some`: nothing to show
/// is not kept; unknown slugs and hosts are told apart by the [`Directory`]
/// before any render).
struct Entry {
    generation: u64,
    created: Instant,
    value: Option<Arc<Rendered>>,
}

pub struct PageCache {
    generation: AtomicU64,
    renders: AtomicU64,
    max_age: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<String, Entry>>,
    rendering: tokio::sync::Mutex<()>,
    /// The directory and the generation and time it was read at.
    directory: RwLock<Option<(u64, Instant, Arc<Directory>)>>,
    reading_directory: tokio::sync::Mutex<()>,
}

impl PageCache {
    pub fn new(max_age: Duration) -> Self {
        Self::with_capacity(max_age, ENTRIES_MAX)
    }

    /// At most `max_entries` answers kept.
    pub fn with_capacity(max_age: Duration, max_entries: usize) -> Self {
        Self {
            generation: AtomicU64::new(0),
            renders: AtomicU64::new(0),
            max_age,
            max_entries,
            entries: RwLock::default(),
            rendering: tokio::sync::Mutex::new(()),
            directory: RwLock::default(),
            reading_directory: tokio::sync::Mutex::new(()),
        }
    }

    /// How many answers are kept.
    pub fn len(&self) -> usize {
        self.entries.read().map_or(0, |entries| entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn fresh_directory(&self) -> Option<Arc<Directory>> {
        let generation = self.generation.load(Ordering::Acquire);
        match self.directory.read().ok()?.as_ref() {
            Some((at, read, directory)) if *at == generation && read.elapsed() < self.max_age => {
                Some(directory.clone())
            }
            _ => None,
        }
    }

    /// What is published, read by `load` once per change (and per
    /// `max_age`).
    pub async fn directory<F, Fut, E>(&self, load: F) -> Result<Arc<Directory>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Directory, E>>,
    {
        if let Some(directory) = self.fresh_directory() {
            return Ok(directory);
        }
        let _turn = self.reading_directory.lock().await;
        if let Some(directory) = self.fresh_directory() {
            return Ok(directory);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let directory = Arc::new(load().await?);
        if let Ok(mut slot) = self.directory.write() {
            *slot = Some((generation, Instant::now(), directory.clone()));
        }
        Ok(directory)
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
        // Nothing to show is not kept: a flood of made-up paths leaves no trace.
        if let (Some(value), Ok(mut entries)) = (&value, self.entries.write()) {
            if entries.len() >= self.max_entries && !entries.contains_key(key) {
                let current = self.generation.load(Ordering::Acquire);
                entries.retain(|_, e| e.generation == current && e.created.elapsed() < self.max_age);
            }
            if entries.len() < self.max_entries || entries.contains_key(key) {
                let entry = Entry { generation, created: Instant::now(), value: Some(value.clone()) };
                entries.insert(key.to_owned(), entry);
            }
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
        assert_eq!(cache.len(), 1, "nothing to show leaves no entry");
        let again = cache.get_or_render("missing", render).await.unwrap();
        assert!(again.is_some(), "and is asked again");
        assert_eq!(cache.renders(), 4);
    }

    #[tokio::test]
    async fn a_full_cache_keeps_its_pages_and_drops_only_stale_ones() {
        let cache = PageCache::with_capacity(Duration::from_secs(60), 3);
        let render =
            |text: &'static str| move || async move { Ok::<_, ()>(Some(Rendered::new("text/plain", text.into()))) };
        for key in ["a", "b", "c"] {
            cache.get_or_render(key, render(key)).await.unwrap();
        }
        // Full of fresh pages: a newcomer is answered but not kept.
        for i in 0..100 {
            let key = format!("flood-{i}");
            assert!(cache.get_or_render(&key, render("flood")).await.unwrap().is_some());
        }
        assert_eq!(cache.len(), 3);
        let renders = cache.renders();
        for key in ["a", "b", "c"] {
            cache.get_or_render(key, render("again")).await.unwrap();
        }
        assert_eq!(cache.renders(), renders, "the pages that were there are still served");
        // After a change the stale ones make room.
        cache.invalidate();
        cache.get_or_render("d", render("d")).await.unwrap();
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test]
    async fn the_directory_is_read_once_per_change() {
        let cache = PageCache::new(Duration::from_secs(60));
        let reads = AtomicU64::new(0);
        let load = || async {
            reads.fetch_add(1, Ordering::Relaxed);
            Ok::<_, ()>(Directory { slugs: ["acme".to_owned()].into(), domains: HashSet::new() })
        };
        for _ in 0..10 {
            assert!(cache.directory(load).await.unwrap().slugs.contains("acme"));
        }
        assert_eq!(reads.load(Ordering::Relaxed), 1);
        cache.invalidate();
        cache.directory(load).await.unwrap();
        assert_eq!(reads.load(Ordering::Relaxed), 2);
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
