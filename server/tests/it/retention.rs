//! Daily rollups of raw checks, downtime from status changes, and retention.

use crate::common::db::TestDb;
use app::model::MonitorInput;
use app::ssr::db::rollups;
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::retention::upkeep;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::RunQueryDsl;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[test]
fn days_are_rolled_up_and_old_checks_deleted() {
    let db = TestDb::new();
    let mut conn = db.conn();
    app::ssr::db::regions::ensure(&mut conn, "local").unwrap();
    let rules =
        MonitorRules { min_interval_seconds: 30, known_regions: vec!["local".into()], default_region: "local".into() };
    let monitor = monitors::create(
        &mut conn,
        &rules,
        MonitorInput { name: Some("M".into()), url: Some("http://127.0.0.1:9/".into()), ..Default::default() },
    )
    .unwrap();
    let id = monitor.id;
    // Day one: four checks (one failed) with latencies 10, 20, 30, 400 ms.
    // Down from 12:00 to 12:30 on day one; down again from 23:50 to 00:10.
    diesel::sql_query(format!(
        "INSERT INTO checks (monitor_id, region_id, checked_at, duration_ms, up, message) \
         SELECT {id}, (SELECT id FROM regions WHERE name = 'local'), t, d, u, 'x' FROM (VALUES \
           ('2026-10-01T01:00:00Z'::timestamptz, 10, true), ('2026-10-01T02:00:00Z', 20, true), \
           ('2026-10-01T03:00:00Z', 30, true), ('2026-10-01T12:00:00Z', 400, false), \
           ('2026-10-02T05:00:00Z', 50, true), ('2026-11-20T05:00:00Z', 60, true)) AS v(t, d, u)"
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO monitor_status_changes (monitor_id, status, changed_at) VALUES \
         ({id}, 'up', '2026-10-01T00:00:00Z'), ({id}, 'down', '2026-10-01T12:00:00Z'), \
         ({id}, 'up', '2026-10-01T12:30:00Z'), ({id}, 'down', '2026-10-01T23:50:00Z'), \
         ({id}, 'up', '2026-10-02T00:10:00Z')"
    ))
    .execute(&mut conn)
    .unwrap();

    let now = at("2026-11-25T12:00:00Z");
    let (days, deleted) = upkeep(&mut conn, now, 30).unwrap();
    assert_eq!(days, 56, "every day from the first check to today");
    assert_eq!(deleted, 5, "checks older than 30 days go; the one of 2026-11-20 stays");

    let all = rollups::for_monitor(&mut conn, id).unwrap();
    let day = |d: &str| all.iter().find(|r| r.day == d.parse::<NaiveDate>().unwrap()).cloned().unwrap();
    let first = day("2026-10-01");
    assert_eq!((first.checks, first.failures), (4, 1));
    assert_eq!((first.p50_ms, first.p95_ms), (Some(25), Some(344)), "interpolated: 344.5 rounds to even");
    assert_eq!(first.downtime_seconds, 30 * 60 + 10 * 60, "12:00–12:30 and 23:50–24:00");
    let second = day("2026-10-02");
    assert_eq!((second.checks, second.failures, second.downtime_seconds), (1, 0, 10 * 60));
    assert_eq!(day("2026-11-20").checks, 1);

    // Running again changes nothing, and the rollups outlive the checks.
    let before = rollups::for_monitor(&mut conn, id).unwrap();
    upkeep(&mut conn, now, 30).unwrap();
    assert_eq!(rollups::for_monitor(&mut conn, id).unwrap(), before);
}
