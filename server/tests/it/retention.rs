//! Daily rollups of raw checks, downtime from status changes, and retention.

use crate::common::db::{TestDb, lines};
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
    let done = upkeep(&mut conn, now, 30).unwrap().expect("no other server at it");
    assert_eq!(done.packed, 6, "every check of a finished hour");
    assert_eq!(done.days, 56, "every day from the first check to today");
    assert_eq!(done.dropped, 2, "the days of October 1 and 2, over 30 days old");
    let left: Vec<String> = stored_times(&mut conn);
    assert_eq!(left, ["2026-11-20 05:00:00+00"], "the check of 2026-11-20 stays");

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

/// The times of every check kept, raw or packed, in UTC.
fn stored_times(conn: &mut diesel::PgConnection) -> Vec<String> {
    diesel::sql_query("SET TIME ZONE 'UTC'").execute(conn).unwrap();
    lines(conn, "SELECT checked_at::text AS line FROM all_checks ORDER BY checked_at")
}

/// Everything that reads checks, as text to compare before and after packing.
fn readings(conn: &mut diesel::PgConnection, id: i64, now: DateTime<Utc>) -> Vec<String> {
    use app::ssr::db::{public, schedule};
    let hours = |h: i64| now - chrono::Duration::hours(h);
    vec![
        format!("{:?}", schedule::recent_checks(conn, id, 1000).unwrap()),
        format!("{:?}", schedule::recent_checks(conn, id, 3).unwrap()),
        format!("{:?}", schedule::latency_since(conn, id, hours(24), 2000).unwrap()),
        format!("{:?}", schedule::latency_since(conn, id, hours(2), 5).unwrap()),
        format!("{:?}", schedule::uptime_since(conn, id, hours(24)).unwrap()),
        format!("{:?}", schedule::uptime_since(conn, id, hours(2) + chrono::Duration::minutes(7)).unwrap()),
        format!("{:?}", schedule::checks_since(conn, id, hours(3)).unwrap()),
        format!("{:?}", schedule::latest_certificates(conn, &[id]).unwrap()),
        {
            // In no particular order.
            let mut outcomes = public::checks_since(conn, &[id], hours(2)).unwrap();
            outcomes.sort();
            format!("{outcomes:?}")
        },
    ]
}

#[test]
fn packed_checks_read_as_they_were_and_days_go_whole() {
    use app::model::FailureKind;
    use app::ssr::db::{packing, schedule};
    let db = TestDb::new();
    let mut conn = db.conn();
    app::ssr::db::regions::ensure(&mut conn, "local").unwrap();
    let region = app::ssr::db::regions::find_id(&mut conn, "local").unwrap().unwrap();
    let rules =
        MonitorRules { min_interval_seconds: 30, known_regions: vec!["local".into()], default_region: "local".into() };
    let monitor = monitors::create(
        &mut conn,
        &rules,
        MonitorInput { name: Some("Packed".into()), url: Some("https://127.0.0.1:9/".into()), ..Default::default() },
    )
    .unwrap();
    let id = monitor.id;
    let now = at("2026-11-30T15:20:00Z");
    let first_cert = at("2027-01-10T00:00:00Z");
    let renewed_cert = at("2027-03-10T00:00:00Z");

    // Three hours at 30 s (12:00–14:59): good checks with one status code
    // and certificate, a run of timeouts at 12:30–12:34 with varied
    // messages, a 301 among them, the certificate renewed at 14:00; then
    // the current hour's first checks (15:00–15:19).
    let mut rows = Vec::new();
    let messages: Vec<String> = (0..360).map(|i| format!("no answer within 10 s ({i})")).collect();
    let start = at("2026-11-30T12:00:00.123Z");
    for i in 0..400i64 {
        let checked_at = start + chrono::Duration::seconds(30 * i) + chrono::Duration::milliseconds(i % 7);
        let down = (60..70).contains(&i);
        rows.push(schedule::NewCheck {
            monitor_id: id,
            region_id: region,
            checked_at,
            duration_ms: if down { 10_000 } else { 40 + i32::try_from(i % 50).unwrap() },
            up: !down,
            status_code: if down {
                None
            } else if i == 150 {
                Some(301)
            } else {
                Some(200)
            },
            failure: down.then_some(FailureKind::Timeout),
            message: if down { &messages[usize::try_from(i % 3).unwrap()] } else { "status 200" },
            cert_expires_at: (!down).then_some(if i < 240 { first_cert } else { renewed_cert }),
            exit_code: None,
            source: None,
        });
    }
    schedule::insert_checks(&mut conn, &rows).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        &format!(
            "INSERT INTO incidents (kind, title, impact, state, started_at, resolved_at, scheduled_start, \
                                    scheduled_end) \
             VALUES ('maintenance', 'Work', 'maintenance', 'resolved', '2026-11-30T13:10:00Z', \
                     '2026-11-30T13:40:00Z', '2026-11-30T13:10:00Z', '2026-11-30T13:40:00Z'); \
             INSERT INTO incident_monitors (incident_id, monitor_id) SELECT id, {id} FROM incidents"
        ),
    )
    .unwrap();
    let before = readings(&mut conn, id, now);
    let day = now.date_naive();
    rollups::roll_up_day(&mut conn, day, now).unwrap();
    let rolled = rollups::for_monitor(&mut conn, id).unwrap();
    assert_eq!((rolled[0].checks, rolled[0].failures), (400 - 60, 10), "60 checks inside the maintenance");
    let (good, all) = schedule::uptime_since(&mut conn, id, now - chrono::Duration::hours(24)).unwrap();
    assert_eq!((good, all), (330, 340));

    let done = upkeep(&mut conn, now, 30).unwrap().expect("no other server at it");
    assert_eq!(done.packed, 360, "the three finished hours; the current one stays raw");
    for (reader, (after, before)) in readings(&mut conn, id, now).iter().zip(&before).enumerate() {
        assert_eq!(after, before, "reader {reader} reads the same");
    }
    assert_eq!(rollups::for_monitor(&mut conn, id).unwrap(), rolled, "the rollup is the same");
    // 12:00 (the 200s, the timeouts of three messages), 13:00, 14:00 (the
    // 200s before and after 14:00's renewal are in different hours), and
    // the 301: one row per run.
    let packed = lines(
        &mut conn,
        "SELECT to_char(hour AT TIME ZONE 'UTC', 'HH24') || ' ' || up || ' ' || coalesce(status_code, 0) || ' ' \
                || cardinality(offsets_ms) AS line FROM packed_checks ORDER BY hour, up, status_code, message",
    );
    assert_eq!(
        packed,
        [
            "12 false 0 4",
            "12 false 0 3",
            "12 false 0 3",
            "12 true 200 110",
            "13 true 200 119",
            "13 true 301 1",
            "14 true 200 120"
        ]
    );
    let raw = lines(&mut conn, "SELECT count(*)::text AS line FROM checks");
    assert_eq!(raw, ["40"], "the current hour's checks stay raw");

    // The partitions of the coming hours are there; results land in them.
    // The current hour has none: its results went to the default partition.
    let names = packing::partition_names(&mut conn).unwrap();
    for name in ["checks_2026113016", "checks_2026113018", "packed_checks_20261130", "packed_checks_20261201"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert!(!names.iter().any(|n| n == "checks_2026113015"), "{names:?}");
    let later = at("2026-11-30T16:10:00Z");
    let late = [schedule::NewCheck { checked_at: at("2026-11-30T16:00:00Z"), ..rows[0].clone() }];
    schedule::insert_checks(&mut conn, &late).unwrap();
    let in_hour = lines(&mut conn, "SELECT count(*)::text AS line FROM checks_2026113016");
    assert_eq!(in_hour, ["1"]);

    // A result of an hour already packed (an agent's, sent late) is read at
    // once and packed on the next round.
    let stray = [schedule::NewCheck { checked_at: at("2026-11-30T12:59:59.999Z"), ..rows[0].clone() }];
    schedule::insert_checks(&mut conn, &stray).unwrap();
    assert_eq!(schedule::checks_since(&mut conn, id, at("2026-11-30T12:59:59Z")).unwrap(), 40 + 1 + 240 + 1);
    let done = upkeep(&mut conn, later, 30).unwrap().unwrap();
    assert_eq!(done.packed, 41, "15:00's hour and the stray one");
    assert_eq!(lines(&mut conn, "SELECT count(*)::text AS line FROM checks_default"), ["0"]);
    assert_eq!(stored_times(&mut conn).len(), 402);
    let newest = schedule::recent_checks(&mut conn, id, 2).unwrap();
    assert_eq!(
        newest.iter().map(|c| c.checked_at.to_rfc3339()).collect::<Vec<_>>(),
        ["2026-11-30T16:00:00+00:00", "2026-11-30T15:19:30.123+00:00"]
    );
    assert_eq!(schedule::latest_certificates(&mut conn, &[id]).unwrap(), [(id, first_cert)], "the newest check's");

    // Once its hour is over, a partition is packed and dropped.
    let done = upkeep(&mut conn, at("2026-11-30T17:15:00Z"), 30).unwrap().unwrap();
    assert_eq!(done.packed, 1, "16:00's check");
    let names = packing::partition_names(&mut conn).unwrap();
    assert!(!names.iter().any(|n| n == "checks_2026113016"), "the packed hour's partition is gone: {names:?}");
    assert!(names.iter().any(|n| n == "checks_2026113017"), "{names:?}");
    assert_eq!(stored_times(&mut conn).len(), 402);
    assert_eq!(schedule::recent_checks(&mut conn, id, 2).unwrap()[0].checked_at, at("2026-11-30T16:00:00Z"));

    // Thirty days on, the day goes as a whole partition; its rollup stays.
    let month_later = at("2026-12-31T00:30:00Z");
    let done = upkeep(&mut conn, month_later, 30).unwrap().unwrap();
    assert_eq!(done.dropped, 1, "2026-11-30's partition");
    assert!(stored_times(&mut conn).is_empty());
    let names = packing::partition_names(&mut conn).unwrap();
    assert!(!names.iter().any(|n| n == "packed_checks_20261130"), "{names:?}");
    assert!(names.iter().any(|n| n == "packed_checks_20261201"), "a day within the retention stays: {names:?}");
    let kept = rollups::for_monitor(&mut conn, id).unwrap();
    assert_eq!(kept.iter().find(|r| r.day == day).map(|r| (r.checks, r.failures)), Some((342, 10)));
}

/// A backup holds the upkeep's lock while `pg_dump` runs: pg_dump locks
/// every table in turn and the upkeep makes and drops partitions, which
/// deadlocked when both ran at a server's start. While one server backs
/// up, no server's upkeep runs; a backup waits for an upkeep to finish.
#[test]
fn backups_and_the_upkeep_take_turns() {
    let db = TestDb::new();
    let (mut backing_up, mut other) = (db.conn(), db.conn());
    let now = chrono::Utc::now();
    let during = app::ssr::monitoring::retention::without_upkeep(&mut backing_up, || upkeep(&mut other, now, 30))
        .unwrap()
        .unwrap();
    assert!(during.is_none(), "no upkeep while a backup runs");
    assert!(upkeep(&mut other, now, 30).unwrap().is_some(), "and again after it");

    // A backup that begins during an upkeep waits for it.
    diesel::sql_query("SELECT pg_advisory_lock(hashtext('vigie upkeep ' || current_schema()))")
        .execute(&mut other)
        .unwrap();
    let url = db.url.clone();
    let (started, finished) = std::sync::mpsc::channel();
    let waiting = std::thread::spawn(move || {
        use diesel::Connection;
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        started.send(()).unwrap();
        app::ssr::monitoring::retention::without_upkeep(&mut conn, std::time::Instant::now).unwrap()
    });
    finished.recv().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let released = std::time::Instant::now();
    diesel::sql_query("SELECT pg_advisory_unlock(hashtext('vigie upkeep ' || current_schema()))")
        .execute(&mut other)
        .unwrap();
    assert!(waiting.join().unwrap() >= released, "the backup ran only once the upkeep let go");
}
