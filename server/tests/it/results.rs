//! Recording a batch of results: those that keep their region's verdict go
//! together (states saved at once, statuses derived from one read), those
//! that change it, and several results of one monitor, go one by one, and
//! both end where recording each result alone would.

use crate::common::db::{TestDb, lines};
use app::model::{FailureKind, MonitorInput, MonitorStatus};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::ProbeResult;
use app::ssr::monitoring::read;
use app::ssr::monitoring::results::record_results;
use chrono::{DateTime, Duration, Utc};
use diesel::{PgConnection, RunQueryDsl};

fn result(at: DateTime<Utc>, up: bool) -> ProbeResult {
    ProbeResult {
        checked_at: at,
        duration_ms: 20,
        up,
        status_code: up.then_some(200),
        failure: (!up).then_some(FailureKind::Status),
        message: if up { "status 200".into() } else { "status 503".into() },
        cert_expires_at: None,
        exit_code: None,
        source: None,
    }
}

#[test]
fn unchanged_results_go_together_and_changes_one_by_one() {
    let db = TestDb::new();
    let mut conn = db.conn();
    app::ssr::db::regions::ensure(&mut conn, "local").unwrap();
    let region = app::ssr::db::regions::find_id(&mut conn, "local").unwrap().unwrap();
    let rules =
        MonitorRules { min_interval_seconds: 30, known_regions: vec!["local".into()], default_region: "local".into() };
    let ids: Vec<i64> = ["A", "B", "C", "D"]
        .into_iter()
        .map(|name| {
            let input = MonitorInput {
                name: Some(name.into()),
                url: Some("http://127.0.0.1:9/".into()),
                incident_confirmations: Some(1),
                recovery_confirmations: Some(1),
                ..Default::default()
            };
            monitors::create(&mut conn, &rules, input).unwrap().id
        })
        .collect();
    let monitors = read::load(&mut conn, &ids).unwrap();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| monitors.iter().find(|m| m.id == ids[i]).unwrap().clone());
    let t0 = Utc::now() - Duration::minutes(3);
    let at = |seconds: i64| t0 + Duration::seconds(seconds);
    let statuses = |conn: &mut PgConnection| -> Vec<String> {
        lines(conn, "SELECT name || ' ' || status AS line FROM monitors ORDER BY name")
    };

    // First results: every region's verdict changes (unknown → up).
    let batch: Vec<_> = [&a, &b, &c, &d].iter().map(|m| ((*m).clone(), result(at(0), true))).collect();
    let mut changed = record_results(&mut conn, region, &batch, at(1)).unwrap();
    changed.sort_by_key(|(id, _)| *id);
    assert_eq!(changed, ids.iter().map(|id| (*id, MonitorStatus::Up)).collect::<Vec<_>>());

    // Three stay up (together), one goes down (alone): only it changes.
    let batch = vec![
        (a.clone(), result(at(30), true)),
        (b.clone(), result(at(30), true)),
        (c.clone(), result(at(30), true)),
        (d.clone(), result(at(30), false)),
    ];
    assert_eq!(record_results(&mut conn, region, &batch, at(31)).unwrap(), [(d.id, MonitorStatus::Down)]);
    assert_eq!(statuses(&mut conn), ["A up", "B up", "C up", "D down"]);
    // The states saved together count on and carry the result's time.
    let states = lines(
        &mut conn,
        "SELECT m.name || ' ' || s.verdict || ' ' || s.consecutive_successes || ' ' || s.consecutive_failures || ' ' \
                || (s.last_result_at = (SELECT max(checked_at) FROM checks c WHERE c.monitor_id = m.id)) AS line \
         FROM monitor_region_state s JOIN monitors m ON m.id = s.monitor_id ORDER BY m.name",
    );
    assert_eq!(states, ["A up 2 0 true", "B up 2 0 true", "C up 2 0 true", "D down 0 1 true"]);
    assert_eq!(lines(&mut conn, "SELECT count(*)::text AS line FROM incidents WHERE state = 'ongoing'"), ["1"]);

    // C's planned maintenance began without its status being derived again
    // (as if its start were lost): an unchanged verdict still settles a
    // status that differs from the stored one. A's agent sends a down and
    // an up in one batch: both count, in order (an outage opened and
    // resolved). B stays up: nothing.
    diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        &format!(
            "INSERT INTO incidents (kind, title, impact, state, started_at, scheduled_start, scheduled_end) \
             VALUES ('maintenance', 'Work', 'maintenance', 'ongoing', now() - interval '1 minute', \
                     now() - interval '1 minute', now() + interval '1 hour'); \
             INSERT INTO incident_monitors (incident_id, monitor_id) \
             SELECT id, {} FROM incidents WHERE kind = 'maintenance'",
            c.id
        ),
    )
    .unwrap();
    let batch = vec![
        (a.clone(), result(at(60), false)),
        (b.clone(), result(at(60), true)),
        (c.clone(), result(at(60), true)),
        (a.clone(), result(at(61), true)),
    ];
    let changed = record_results(&mut conn, region, &batch, at(62)).unwrap();
    assert_eq!(
        changed,
        [(c.id, MonitorStatus::Maintenance), (a.id, MonitorStatus::Down), (a.id, MonitorStatus::Up)],
        "C's (together) first, then A's in order"
    );
    assert_eq!(statuses(&mut conn), ["A up", "B up", "C maintenance", "D down"]);
    let a_incidents = lines(
        &mut conn,
        &format!(
            "SELECT i.state AS line FROM incidents i JOIN incident_monitors im ON im.incident_id = i.id \
             WHERE im.monitor_id = {} AND i.kind = 'programmatic'",
            a.id
        ),
    );
    assert_eq!(a_incidents, ["resolved"], "A's outage opened and resolved within the batch");
    assert_eq!(lines(&mut conn, "SELECT count(*)::text AS line FROM checks"), ["12"], "every result is a check");

    // A result for a monitor no longer probed from the region is stored
    // and changes nothing.
    diesel::sql_query(format!("DELETE FROM monitor_region_state WHERE monitor_id = {}", b.id))
        .execute(&mut conn)
        .unwrap();
    let batch = vec![(b.clone(), result(at(90), false)), (d.clone(), result(at(90), false))];
    assert_eq!(record_results(&mut conn, region, &batch, at(91)).unwrap(), []);
    assert_eq!(statuses(&mut conn), ["A up", "B up", "C maintenance", "D down"]);
}
