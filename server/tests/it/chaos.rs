//! Crash safety: `vigie serve` is killed with SIGKILL at random moments while
//! monitors flap against a local target and a webhook receiver records every
//! delivery; it is restarted each time. Afterwards: never two ongoing
//! programmatic incidents for one monitor (nor two that overlap in time),
//! none left ongoing once every target is healthy, every incident's
//! `incident_created` and `incident_resolved` delivered at least once, and
//! no event delivered under two different delivery ids.
//!
//! `make test` runs a short form; `make chaos` runs it longer
//! (`VIGIE_CHAOS_SECONDS`, and `VIGIE_CHAOS_SEED` to replay a run).

use crate::common::db::TestDb;
use crate::common::process::{free_port, serve, signal, wait_healthy};
use crate::common::receiver::{self, Mode};
use crate::common::target;
use app::model::MonitorInput;
use app::ssr::monitoring::monitors::{self, MonitorRules};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamptz};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const MONITORS: usize = 5;

/// A small generator, so that a failing run can be replayed from its seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next() % (to - from))
    }
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = BigInt)]
    monitor_id: i64,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    resolved_at: Option<DateTime<Utc>>,
}

fn programmatic(db: &TestDb) -> Vec<Span> {
    diesel::sql_query(
        "SELECT id, monitor_id, started_at, resolved_at FROM incidents \
         WHERE kind = 'programmatic' ORDER BY monitor_id, started_at, id",
    )
    .load(&mut db.conn())
    .unwrap()
}

fn ongoing(db: &TestDb) -> usize {
    programmatic(db).iter().filter(|s| s.resolved_at.is_none()).count()
}

fn pending_alerts(db: &TestDb) -> i64 {
    use app::ssr::db::schema::notifications;
    notifications::table.filter(notifications::state.eq("pending")).count().get_result(&mut db.conn()).unwrap()
}

#[test]
fn killing_the_server_at_random_moments_loses_and_repeats_nothing() {
    let seconds = setting("VIGIE_CHAOS_SECONDS", 20);
    let seed = setting("VIGIE_CHAOS_SEED", Utc::now().timestamp_nanos_opt().unwrap_or(1) as u64) | 1;
    let mut random = Random(seed);
    println!("chaos: {seconds} s, seed {seed}");

    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let switches = target::switchable_target();
    let hook = receiver::webhook(Mode::Accept);
    let rules =
        MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() };
    let names: Vec<String> = (0..MONITORS).map(|n| format!("m{n}")).collect();
    for name in &names {
        monitors::create(
            &mut db.conn(),
            &rules,
            MonitorInput {
                name: Some(name.clone()),
                url: Some(switches.url(name)),
                interval_seconds: Some(1),
                timeout_seconds: Some(1),
                incident_confirmations: Some(1),
                recovery_confirmations: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    }
    crate::common::alert_on_every_incident(&mut db.conn(), &hook.url);

    let log = tempfile::NamedTempFile::new().unwrap();
    let port = free_port();
    let (mut kills, mut outages) = (0u32, 0u32);
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut server = serve(&db.url, port, log.path());
    wait_healthy(&mut server, port, log.path(), 60);
    while Instant::now() < end {
        // Flap the targets for a while, then kill the server without warning.
        let until = Instant::now() + random.millis(300, 3000);
        while Instant::now() < until {
            let name = &names[(random.next() % MONITORS as u64) as usize];
            let healthy = random.next().is_multiple_of(2);
            outages += u32::from(!healthy);
            switches.set(name, healthy);
            std::thread::sleep(random.millis(100, 900));
        }
        signal(server.id(), "KILL");
        server.wait().unwrap();
        kills += 1;
        let doubled: Vec<i64> = {
            let spans = programmatic(&db);
            let mut open: HashMap<i64, u32> = HashMap::new();
            for span in spans.iter().filter(|s| s.resolved_at.is_none()) {
                *open.entry(span.monitor_id).or_default() += 1;
            }
            open.into_iter().filter(|(_, n)| *n > 1).map(|(m, _)| m).collect()
        };
        assert!(doubled.is_empty(), "monitors with two ongoing incidents after kill {kills}: {doubled:?}");
        // Sometimes the server stays down a moment while targets change.
        std::thread::sleep(random.millis(0, 1500));
        server = serve(&db.url, port, log.path());
        wait_healthy(&mut server, port, log.path(), 60);
    }

    // Everything healthy again: every outage must end and be told.
    for name in &names {
        switches.set(name, true);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while ongoing(&db) > 0 || pending_alerts(&db) > 0 {
        assert!(Instant::now() < deadline, "still {} ongoing, {} alerts pending", ongoing(&db), pending_alerts(&db));
        std::thread::sleep(Duration::from_millis(200));
    }
    signal(server.id(), "TERM");
    assert!(server.wait().unwrap().success(), "a clean stop");

    let spans = programmatic(&db);
    for pair in spans.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.monitor_id == b.monitor_id {
            assert!(
                a.resolved_at.is_some_and(|end| end <= b.started_at),
                "incidents {} and {} of monitor {} overlap",
                a.id,
                b.id,
                a.monitor_id
            );
        }
    }
    let received = hook.received();
    let mut ids_per_event: HashMap<(String, i64), HashSet<String>> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut repeats = 0;
    for request in &received {
        let body = request.json();
        let event = body["event"].as_str().unwrap().to_owned();
        let incident = body["incident"]["id"].as_i64().unwrap();
        let delivery = request.header("x-vigie-delivery").to_owned();
        assert_eq!(body["delivery_id"], delivery.as_str());
        if !seen.insert(delivery.clone()) {
            repeats += 1;
        }
        ids_per_event.entry((event, incident)).or_default().insert(delivery);
    }
    println!(
        "chaos: {kills} kills, {outages} outages, {} incidents, {} deliveries, {repeats} repeated (same delivery id)",
        spans.len(),
        received.len()
    );
    assert!(kills > 0 && !spans.is_empty(), "the run must kill the server and see outages");
    for span in &spans {
        for event in ["incident_created", "incident_resolved"] {
            assert!(
                ids_per_event.contains_key(&(event.to_owned(), span.id)),
                "{event} of incident {} was never delivered",
                span.id
            );
        }
    }
    for ((event, incident), ids) in &ids_per_event {
        assert_eq!(ids.len(), 1, "{event} of incident {incident} went out under several delivery ids: {ids:?}");
    }
}
