//! People's decisions stand: a programmatic incident resolved by hand while
//! its monitor still fails stays resolved (no new incident, no new alert)
//! until the monitor recovers and fails again; one reopened by hand stays
//! open until the monitor goes down and recovers again; and a region that
//! said down and fell silent resolves nothing by its silence. Driven through
//! the REST API and the real scheduler against a local target.

use crate::common::{TestApp, target};
use app::model::{MonitorInput, Role};
use app::ssr::db::schema::{incidents, notifications};
use app::ssr::monitoring::monitors::{self, MonitorRules};
use app::ssr::monitoring::probe::Prober;
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::json;
use server::workers::scheduler::Scheduler;

fn rules(regions: &[&str]) -> MonitorRules {
    MonitorRules {
        min_interval_seconds: 1,
        known_regions: regions.iter().map(|r| r.to_string()).collect(),
        default_region: "local".into(),
    }
}

struct Setup {
    app: TestApp,
    token: String,
    base: String,
    scheduler: Scheduler,
}

impl Setup {
    /// A member's token, a local target, the built-in region's scheduler and
    /// an alert rule for every incident event (the outbox counts alerts).
    async fn new() -> Self {
        let app = TestApp::new();
        let member = app.user("member@example.com", Role::Member);
        let token = app.token(member.id);
        let base = target::http_target().await;
        let scheduler = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 8).await.unwrap();
        // Nothing listens there: the outbox is what the tests count.
        crate::common::alert_on_every_incident(&mut app.db.conn(), "http://127.0.0.1:9/hook");
        Self { app, token, base, scheduler }
    }

    fn monitor(&self, path: &str, down_after: u32, up_after: u32) -> i64 {
        monitors::create(
            &mut self.app.db.conn(),
            &rules(&["local"]),
            MonitorInput {
                name: Some("Billing API".into()),
                url: Some(format!("{}/{path}", self.base)),
                interval_seconds: Some(1),
                timeout_seconds: Some(1),
                incident_confirmations: Some(down_after),
                recovery_confirmations: Some(up_after),
                ..Default::default()
            },
        )
        .unwrap()
        .id
    }

    fn point_at(&self, monitor_id: i64, path: &str) {
        let input = MonitorInput { url: Some(format!("{}/{path}", self.base)), ..Default::default() };
        monitors::update(&mut self.app.db.conn(), &rules(&["local"]), monitor_id, input).unwrap();
    }

    /// Makes every check due, runs one round, then the periodic upkeep
    /// (silent regions, maintenance, crash repair) as the server does.
    async fn tick(&self) {
        diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
            .execute(&mut self.app.db.conn())
            .unwrap();
        self.scheduler.run_once().await.unwrap();
        self.scheduler.refresh_silent().await.unwrap();
        self.scheduler.upkeep_incidents().await.unwrap();
    }

    async fn call(&self, method: Method, uri: &str) -> serde_json::Value {
        let reply = self.app.api(method, uri, Some(&self.token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        reply.json()
    }

    /// `(id, state)` of the monitor's incidents over the API, oldest first.
    async fn incidents(&self, monitor_id: i64) -> Vec<(i64, String)> {
        let list = self.call(Method::GET, &format!("/api/v1/incidents?monitor_id={monitor_id}")).await;
        let mut all: Vec<(i64, String)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_i64().unwrap(), i["state"].as_str().unwrap().to_owned()))
            .collect();
        all.sort();
        all
    }

    async fn status(&self, monitor_id: i64) -> String {
        self.call(Method::GET, &format!("/api/v1/monitors/{monitor_id}")).await["status"].as_str().unwrap().to_owned()
    }

    /// Alerts written to the outbox for an event.
    fn alerts(&self, event: &str) -> i64 {
        notifications::table.filter(notifications::event.eq(event)).count().get_result(&mut self.app.db.conn()).unwrap()
    }
}

#[tokio::test]
async fn resolving_by_hand_during_an_outage_stands_until_the_monitor_recovers() {
    let s = Setup::new().await;
    let monitor = s.monitor("fail", 1, 2);
    s.tick().await;
    let opened = s.incidents(monitor).await;
    assert_eq!(opened.len(), 1, "{opened:?}");
    let id = opened[0].0;
    assert_eq!(s.alerts("incident_created"), 1);

    // A false alarm, closed by a person while the check still fails.
    let resolved = s.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve")).await;
    assert_eq!(resolved["state"], "resolved");
    for _ in 0..4 {
        s.tick().await;
    }
    assert_eq!(s.incidents(monitor).await, vec![(id, "resolved".to_owned())], "no new incident opens");
    assert_eq!(s.alerts("incident_created"), 1, "and no new alert goes out");
    assert_eq!(s.status(monitor).await, "down", "the monitor itself still says what it sees");
    let timeline = s.call(Method::GET, &format!("/api/v1/incidents/{id}")).await;
    let last = timeline["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "resolved");
    assert_eq!(last["actor"]["name"], "member");
    assert_eq!(last["details"]["standing"], "outage_closed");

    // One good check is not a recovery (two are asked for): still nothing.
    s.point_at(monitor, "ok");
    s.tick().await;
    s.point_at(monitor, "fail");
    s.tick().await;
    assert_eq!(s.incidents(monitor).await.len(), 1, "a flap within the outage opens nothing");

    // Recovered, then down again: that is a new outage, with a new incident.
    s.point_at(monitor, "ok");
    s.tick().await;
    s.tick().await;
    assert_eq!(s.status(monitor).await, "up");
    assert_eq!(s.incidents(monitor).await.len(), 1);
    s.point_at(monitor, "fail");
    s.tick().await;
    let all = s.incidents(monitor).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1].1, "ongoing");
    assert_eq!(s.alerts("incident_created"), 2);
}

#[tokio::test]
async fn reopening_by_hand_stands_until_the_monitor_goes_down_and_recovers() {
    let s = Setup::new().await;
    let monitor = s.monitor("fail", 1, 1);
    s.tick().await;
    s.point_at(monitor, "ok");
    s.tick().await;
    let first = s.incidents(monitor).await;
    assert_eq!(first.len(), 1);
    let id = first[0].0;
    assert_eq!(first[0].1, "resolved", "resolved automatically on recovery");
    assert_eq!(s.alerts("incident_resolved"), 1);

    // The team reopens it: the monitor is up, yet a person says it is not over.
    let reopened = s.call(Method::POST, &format!("/api/v1/incidents/{id}/reopen")).await;
    assert_eq!(reopened["state"], "ongoing");
    for _ in 0..4 {
        s.tick().await;
    }
    assert_eq!(s.incidents(monitor).await, vec![(id, "ongoing".to_owned())], "the reopen stands");
    assert_eq!(s.alerts("incident_resolved"), 1);

    // The monitor goes down: it joins the reopened incident; recovery ends it.
    s.point_at(monitor, "fail");
    s.tick().await;
    assert_eq!(s.incidents(monitor).await, vec![(id, "ongoing".to_owned())], "no second incident");
    assert_eq!(s.alerts("incident_created"), 1);
    s.point_at(monitor, "ok");
    s.tick().await;
    assert_eq!(s.incidents(monitor).await, vec![(id, "resolved".to_owned())]);
    assert_eq!(s.alerts("incident_resolved"), 2);

    // Reopened again, and resolved by a person: that stands too.
    s.call(Method::POST, &format!("/api/v1/incidents/{id}/reopen")).await;
    s.tick().await;
    let resolved = s.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve")).await;
    assert_eq!(resolved["state"], "resolved");
    s.tick().await;
    assert_eq!(s.incidents(monitor).await, vec![(id, "resolved".to_owned())]);
}

#[tokio::test]
async fn reopening_during_the_outage_hands_the_incident_back_to_the_scheduler() {
    let s = Setup::new().await;
    let monitor = s.monitor("fail", 1, 1);
    s.tick().await;
    let id = s.incidents(monitor).await[0].0;
    s.call(Method::POST, &format!("/api/v1/incidents/{id}/resolve")).await;
    s.tick().await;
    // Changed their mind while it still fails: the same incident, and the
    // recovery resolves it as it would have.
    let reopened = s.call(Method::POST, &format!("/api/v1/incidents/{id}/reopen")).await;
    assert_eq!(reopened["state"], "ongoing");
    s.tick().await;
    assert_eq!(s.incidents(monitor).await, vec![(id, "ongoing".to_owned())]);
    s.point_at(monitor, "ok");
    s.tick().await;
    assert_eq!(s.incidents(monitor).await, vec![(id, "resolved".to_owned())]);
    assert_eq!(s.alerts("incident_created"), 1);
}

/// Two regions, one enough to say down. The remote region says down, then
/// falls silent while the built-in one stays up: the outage is not over
/// until the remote region itself reports its recovery.
#[tokio::test]
async fn a_region_that_said_down_and_fell_silent_resolves_nothing() {
    let s = Setup::new().await;
    let admin = s.app.user("admin@example.com", Role::Admin);
    let admin_token = s.app.token(admin.id);
    let reply = s.app.api(Method::POST, "/api/v1/regions", Some(&admin_token), Some(json!({ "name": "far" }))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let agent = reply.json()["token"].as_str().unwrap().to_owned();
    let monitor = monitors::create(
        &mut s.app.db.conn(),
        &rules(&["local", "far"]),
        MonitorInput {
            name: Some("Billing API".into()),
            url: Some(format!("{}/ok", s.base)),
            regions: Some(vec!["local".into(), "far".into()]),
            region_threshold: Some(1),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            incident_confirmations: Some(1),
            recovery_confirmations: Some(2),
            ..Default::default()
        },
    )
    .unwrap()
    .id;
    let (app, agent) = (&s.app, &agent);
    let send = |up: bool| {
        let result = json!({
            "monitor_id": monitor, "checked_at": Utc::now(), "duration_ms": 12, "up": up,
            "status_code": if up { 200 } else { 500 }, "failure": if up { None } else { Some("status") },
            "message": "from far away", "cert_expires_at": null,
        });
        let body = json!({ "results": [result] });
        async move {
            let reply = app.api(Method::POST, "/api/v1/agent/results", Some(agent), Some(body)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
    };

    s.tick().await;
    send(false).await;
    assert_eq!(s.status(monitor).await, "down");
    let id = s.incidents(monitor).await[0].0;

    // The far region goes quiet for longer than three intervals.
    diesel::sql_query(
        "UPDATE monitor_region_state SET last_result_at = now() - interval '1 minute' \
         WHERE region_id = (SELECT id FROM regions WHERE name = 'far')",
    )
    .execute(&mut s.app.db.conn())
    .unwrap();
    for _ in 0..3 {
        s.tick().await;
    }
    assert_eq!(s.status(monitor).await, "down", "silence is no recovery");
    assert_eq!(s.incidents(monitor).await, vec![(id, "ongoing".to_owned())]);
    let details = app::ssr::monitoring::report::details(
        &mut s.app.db.conn(),
        monitors::get(&mut s.app.db.conn(), monitor).unwrap(),
        Utc::now(),
    )
    .unwrap();
    let far = details.regions.iter().find(|r| r.region == "far").unwrap();
    assert_eq!(far.state, "no_data", "shown as a coverage gap");

    // The region comes back: recovery needs its two good checks.
    send(true).await;
    assert_eq!(s.incidents(monitor).await, vec![(id, "ongoing".to_owned())], "one good check is not enough");
    send(true).await;
    assert_eq!(s.status(monitor).await, "up");
    assert_eq!(s.incidents(monitor).await, vec![(id, "resolved".to_owned())]);
    let resolved_at: Option<chrono::DateTime<Utc>> =
        incidents::table.find(id).select(incidents::resolved_at).first(&mut s.app.db.conn()).unwrap();
    assert!(resolved_at.is_some_and(|at| Utc::now() - at < Duration::seconds(30)));
}
