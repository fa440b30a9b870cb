//! The scheduler against a real database and a local target: confirmations
//! decide the status, every change is recorded, and two processes never
//! claim the same check.

use crate::common;

use crate::common::db::TestDb;
use app::model::{MonitorInput, MonitorStatus};
use app::ssr::db::schedule::claim_due;
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::Prober;
use common::target;
use diesel::RunQueryDsl;
use server::workers::scheduler::Scheduler;

fn rules() -> MonitorRules {
    MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() }
}

/// A monitor checked every second with a one-second timeout.
fn every_second(db: &TestDb, input: MonitorInput) -> app::model::Monitor {
    monitors::create(
        &mut db.conn(),
        &rules(),
        MonitorInput { interval_seconds: Some(1), timeout_seconds: Some(1), ..input },
    )
    .unwrap()
}

fn make_all_due(db: &TestDb) {
    diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
        .execute(&mut db.conn())
        .unwrap();
}

fn status_history(db: &TestDb, monitor_id: i64) -> Vec<String> {
    use app::ssr::db::schema::monitor_status_changes as changes;
    use diesel::prelude::*;
    changes::table
        .filter(changes::monitor_id.eq(monitor_id))
        .order(changes::id.asc())
        .select(changes::status)
        .load(&mut db.conn())
        .unwrap()
}

#[tokio::test]
async fn confirmations_decide_when_a_monitor_goes_down_and_up() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = every_second(
        &db,
        MonitorInput {
            name: Some("Target".into()),
            url: Some(format!("{base}/ok")),
            incident_confirmations: Some(2),
            recovery_confirmations: Some(2),
            ..Default::default()
        },
    );
    let scheduler = Scheduler::new(db.db.clone(), Prober::new("local").unwrap(), "local", 8).await.unwrap();
    let status = || monitors::get(&mut db.conn(), monitor.id).unwrap().status;

    assert_eq!(scheduler.run_once().await.unwrap(), 1, "a new monitor is due at once");
    assert_eq!(status(), MonitorStatus::Up);
    assert_eq!(scheduler.run_once().await.unwrap(), 0, "not due again before its interval");

    monitors::update(
        &mut db.conn(),
        &rules(),
        monitor.id,
        MonitorInput { url: Some(format!("{base}/fail")), ..Default::default() },
    )
    .unwrap();
    make_all_due(&db);
    scheduler.run_once().await.unwrap();
    assert_eq!(status(), MonitorStatus::Up, "one failure is not yet confirmed");
    make_all_due(&db);
    scheduler.run_once().await.unwrap();
    assert_eq!(status(), MonitorStatus::Down, "two failures in a row are");

    monitors::update(
        &mut db.conn(),
        &rules(),
        monitor.id,
        MonitorInput { url: Some(format!("{base}/ok")), ..Default::default() },
    )
    .unwrap();
    make_all_due(&db);
    scheduler.run_once().await.unwrap();
    assert_eq!(status(), MonitorStatus::Down, "one good check is not yet a recovery");
    make_all_due(&db);
    scheduler.run_once().await.unwrap();
    assert_eq!(status(), MonitorStatus::Up);

    assert_eq!(status_history(&db, monitor.id), vec!["up", "down", "up"]);
    let checks: i64 = {
        use app::ssr::db::schema::checks;
        use diesel::prelude::*;
        checks::table.filter(checks::monitor_id.eq(monitor.id)).count().get_result(&mut db.conn()).unwrap()
    };
    assert_eq!(checks, 5);
}

#[tokio::test]
async fn paused_monitors_are_not_probed() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = monitors::create(
        &mut db.conn(),
        &rules(),
        MonitorInput { name: Some("Paused".into()), url: Some(format!("{base}/ok")), ..Default::default() },
    )
    .unwrap();
    monitors::set_paused(&mut db.conn(), monitor.id, true).unwrap();
    let scheduler = Scheduler::new(db.db.clone(), Prober::new("local").unwrap(), "local", 8).await.unwrap();
    assert_eq!(scheduler.run_once().await.unwrap(), 0);
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Paused);
}

#[tokio::test]
async fn two_processes_never_claim_the_same_check() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    for n in 0..60 {
        monitors::create(
            &mut db.conn(),
            &rules(),
            MonitorInput { name: Some(format!("m{n}")), url: Some("http://127.0.0.1:9/".into()), ..Default::default() },
        )
        .unwrap();
    }
    let region_id = app::ssr::db::regions::find_id(&mut db.conn(), "local").unwrap().unwrap();
    let now = chrono::Utc::now();
    // Two connections claim at the same time, each asking for more than there is.
    let claims: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let url = db.url.clone();
                scope.spawn(move || {
                    use diesel::Connection;
                    let mut conn = diesel::PgConnection::establish(&url).unwrap();
                    let mut mine = Vec::new();
                    loop {
                        let batch = claim_due(&mut conn, region_id, now, 7).unwrap();
                        if batch.is_empty() {
                            break mine;
                        }
                        mine.extend(batch.into_iter().map(|claimed| claimed.monitor_id));
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<i64> = claims.concat();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(total, 60, "every due check claimed once: {claims:?}");
    assert_eq!(all.len(), 60, "no check claimed twice");
}

#[tokio::test]
async fn a_region_that_falls_silent_stops_counting_as_up() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let base = target::http_target().await;
    let monitor = every_second(
        &db,
        MonitorInput { name: Some("Quiet".into()), url: Some(format!("{base}/ok")), ..Default::default() },
    );
    let scheduler = Scheduler::new(db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();
    scheduler.run_once().await.unwrap();
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Up);
    assert_eq!(scheduler.refresh_silent().await.unwrap(), 0, "a region that reports is not silent");

    // The region's last result is now older than three intervals.
    diesel::sql_query("UPDATE monitor_region_state SET last_result_at = now() - interval '10 seconds'")
        .execute(&mut db.conn())
        .unwrap();
    assert_eq!(scheduler.refresh_silent().await.unwrap(), 1);
    assert_eq!(monitors::get(&mut db.conn(), monitor.id).unwrap().status, MonitorStatus::Pending);
    assert_eq!(status_history(&db, monitor.id), vec!["up", "pending"]);
    assert_eq!(scheduler.refresh_silent().await.unwrap(), 0, "nothing more to change");
}

/// Monitors created together are not probed together forever: after their
/// first check they spread over the second half of their interval, then keep
/// their phase; one that fell behind is spread again, not bunched.
#[tokio::test]
async fn checks_created_together_spread_out_and_keep_their_phase() {
    use app::ssr::db::schema::monitor_region_state as state;
    use diesel::prelude::*;
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    for n in 0..100 {
        monitors::create(
            &mut db.conn(),
            &rules(),
            MonitorInput {
                name: Some(format!("m{n}")),
                url: Some("http://127.0.0.1:9/".into()),
                interval_seconds: Some(60),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let region_id = app::ssr::db::regions::find_id(&mut db.conn(), "local").unwrap().unwrap();
    let now = chrono::Utc::now();
    let offsets = |conn: &mut diesel::PgConnection| -> Vec<f64> {
        let due: Vec<chrono::DateTime<chrono::Utc>> =
            state::table.order(state::monitor_id).select(state::next_due_at).load(conn).unwrap();
        due.into_iter().map(|at| (at - now).num_milliseconds() as f64 / 1000.0).collect()
    };
    let claimed = claim_due(&mut db.conn(), region_id, now, 1000).unwrap();
    assert_eq!(claimed.len(), 100);
    let first = offsets(&mut db.conn());
    assert!(first.iter().all(|s| (30.0..=60.0).contains(s)), "{first:?}");
    let spread = first.iter().cloned().fold(f64::MIN, f64::max) - first.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread > 20.0, "spread over the half interval, not bunched: {spread} s");

    // Once checked, a monitor keeps its phase: due exactly one interval later.
    diesel::update(state::table).set(state::last_result_at.eq(now)).execute(&mut db.conn()).unwrap();
    let later = now + chrono::Duration::seconds(61);
    claim_due(&mut db.conn(), region_id, later, 1000).unwrap();
    let second = offsets(&mut db.conn());
    let mut pairs: Vec<_> = first.iter().zip(&second).map(|(a, b)| b - a).collect();
    pairs.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    assert_eq!(pairs.len(), 1, "every monitor moved by exactly its interval");
    assert!((pairs[0] - 60.0).abs() < 0.01);
}
