//! Slow answers: a monitor whose checks succeed slower than its
//! `degraded_after_ms` becomes `degraded` after its confirmations, status
//! pages show degraded performance, alert rules hear `monitor_degraded` and
//! `monitor_recovered`, and, when the monitor says so, a programmatic
//! incident of impact `degraded_performance` opens, follows the monitor to
//! down and back, and resolves when it is fast again — never over a
//! person's choice of impact.

use crate::common;

use app::model::{AlertEvent, Role};
use app::ssr::db::schema::{incidents, notifications};
use app::ssr::monitoring::probe::Prober;
use axum::http::{Method, StatusCode};
use common::receiver::{self, Mode};
use common::{TestApp, target};
use diesel::prelude::*;
use serde_json::{Value, json};
use server::workers::dispatcher::Dispatcher;
use server::workers::scheduler::Scheduler;

/// Everything a test needs: the app, a member's token, the target, the
/// scheduler, a webhook receiver and a published page showing one monitor.
struct Setup {
    app: TestApp,
    token: String,
    base: String,
    scheduler: Scheduler,
    hook: receiver::Webhook,
    monitor: i64,
}

/// The monitor's internal name and address: never shown in public.
const INTERNAL: &str = "internal-checkout-41";

impl Setup {
    async fn new(monitor: Value, events: &[AlertEvent]) -> Self {
        let app = TestApp::new();
        let admin = app.user("admin@example.com", Role::Admin);
        let token = app.token(admin.id);
        let base = target::http_target().await;
        let hook = receiver::webhook(Mode::Accept);
        common::alert_on(&mut app.db.conn(), &hook.url, events);
        let mut body = json!({"name": INTERNAL, "url": format!("{base}/slow/400"), "interval_seconds": 30,
                              "timeout_seconds": 2, "incident_confirmations": 2, "recovery_confirmations": 2,
                              "degraded_after_ms": 150});
        body.as_object_mut().unwrap().extend(monitor.as_object().unwrap().clone());
        let created = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let monitor = created.json()["id"].as_i64().unwrap();
        let page = json!({"slug": "acme", "title": "Acme status", "published": true,
                          "components": [{"monitor_id": monitor, "name": "Checkout"}]});
        let page = app.api(Method::POST, "/api/v1/status-pages", Some(&token), Some(page)).await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
        let scheduler = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 4).await.unwrap();
        Self { app, token, base, scheduler, hook, monitor }
    }

    /// Makes the monitor due and runs one round.
    async fn check(&self) {
        diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
            .execute(&mut self.app.db.conn())
            .unwrap();
        self.scheduler.run_once().await.unwrap();
    }

    async fn point_at(&self, path: &str) {
        let body = json!({"url": format!("{}{path}", self.base)});
        let reply = self.call(Method::PATCH, &format!("/api/v1/monitors/{}", self.monitor), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> common::Reply {
        self.app.api(method, path, Some(&self.token), body).await
    }

    async fn status(&self) -> String {
        let monitor = self.call(Method::GET, &format!("/api/v1/monitors/{}", self.monitor), None).await.json();
        monitor["status"].as_str().unwrap().to_owned()
    }

    /// The component's status and the page's indicator, as Statuspage clients read them.
    async fn public_status(&self) -> (String, String) {
        let summary = self.app.get("/status/acme/api/v2/summary.json", None).await;
        assert_eq!(summary.status, StatusCode::OK);
        assert!(!summary.body.contains(INTERNAL) && !summary.body.contains("/slow/"), "{}", summary.body);
        let summary = summary.json();
        let component = summary["components"][0]["status"].as_str().unwrap().to_owned();
        (component, summary["status"]["indicator"].as_str().unwrap().to_owned())
    }

    /// `(id, impact, state)` of the programmatic incidents, oldest first.
    fn incidents(&self) -> Vec<(i64, String, String)> {
        incidents::table
            .filter(incidents::monitor_id.eq(self.monitor))
            .order(incidents::id.asc())
            .select((incidents::id, incidents::impact, incidents::state))
            .load(&mut self.app.db.conn())
            .unwrap()
    }

    /// The events of the notifications written, oldest first.
    fn notified(&self) -> Vec<String> {
        notifications::table
            .order(notifications::id.asc())
            .select(notifications::event)
            .load(&mut self.app.db.conn())
            .unwrap()
    }
}

#[tokio::test]
async fn slow_answers_make_a_monitor_degraded_in_public_and_in_alerts_until_fast_again() {
    let setup = Setup::new(json!({}), &[AlertEvent::MonitorDegraded, AlertEvent::MonitorRecovered]).await;
    setup.check().await;
    assert_eq!(setup.status().await, "up", "one slow answer is not confirmed");
    assert_eq!(setup.public_status().await, ("operational".to_owned(), "none".to_owned()));

    setup.check().await;
    assert_eq!(setup.status().await, "degraded");
    assert_eq!(setup.public_status().await, ("degraded_performance".to_owned(), "minor".to_owned()));
    let page = setup.app.get("/status/acme", None).await.body;
    assert!(page.contains("Degraded performance") && !page.contains(INTERNAL), "{page}");
    assert!(setup.incidents().is_empty(), "slowness opens no incident unless the monitor says so");
    let checks = setup.call(Method::GET, &format!("/api/v1/monitors/{}/checks", setup.monitor), None).await.json();
    assert_eq!(checks[0]["outcome"], "up", "a slow answer is an answer");

    setup.point_at("/ok").await;
    setup.check().await;
    assert_eq!(setup.status().await, "degraded", "one fast answer is not a recovery");
    setup.check().await;
    assert_eq!(setup.status().await, "up");
    assert_eq!(setup.public_status().await, ("operational".to_owned(), "none".to_owned()));
    assert_eq!(setup.notified(), ["monitor_degraded", "monitor_recovered"]);

    let dispatcher = Dispatcher::new(setup.app.db.db.clone(), common::test_notifier(None), 4);
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 2);
    // Both are sent at once: they may arrive in either order.
    let mut received: Vec<Value> = setup.hook.received().iter().map(|r| r.json()).collect();
    received.sort_by_key(|body| body["event"].as_str().unwrap().to_owned());
    let events: Vec<&str> = received.iter().map(|body| body["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["monitor_degraded", "monitor_recovered"]);
    assert_eq!(received[0]["monitors"][0]["name"], INTERNAL, "the team's alert names the monitor");
    assert_eq!(received[0]["degraded_after_ms"], 150);
    assert!(received[0].get("incident").is_none());
}

#[tokio::test]
async fn a_slow_incident_follows_its_monitor_to_down_and_back_and_resolves_when_fast() {
    let setup = Setup::new(json!({"degraded_incident": true}), &[AlertEvent::IncidentCreated]).await;
    setup.check().await;
    setup.check().await;
    let opened = setup.incidents();
    assert_eq!(opened.len(), 1);
    let (id, impact, state) = &opened[0];
    assert_eq!((impact.as_str(), state.as_str()), ("degraded_performance", "ongoing"));
    let incident = setup.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json();
    assert_eq!(incident["title"], format!("{INTERNAL} is slow"));
    assert!(incident["details"].as_str().unwrap().contains("slower than 150 ms"), "{incident}");
    // Its public face: the component's name, never the monitor's.
    let page = setup.app.get("/status/acme", None).await.body;
    assert!(page.contains("Checkout") && page.contains("Degraded performance") && !page.contains(INTERNAL));

    // It gets worse: the same incident, now an outage.
    setup.point_at("/fail").await;
    setup.check().await;
    setup.check().await;
    assert_eq!(setup.status().await, "down");
    assert_eq!(setup.incidents(), [(*id, "unknown".to_owned(), "ongoing".to_owned())]);
    assert_eq!(setup.public_status().await.0, "major_outage");
    // Answering again, slowly: still the same incident, degraded again.
    setup.point_at("/slow/400").await;
    setup.check().await;
    setup.check().await;
    setup.check().await;
    assert_eq!(setup.status().await, "degraded");
    assert_eq!(setup.incidents(), [(*id, "degraded_performance".to_owned(), "ongoing".to_owned())]);
    let events = setup.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json()["events"].clone();
    let moved: Vec<&Value> = events.as_array().unwrap().iter().filter(|e| e["kind"] == "impact_changed").collect();
    assert_eq!(moved.len(), 2, "{events}");
    assert!(moved.iter().all(|e| e["actor"].is_null()), "the system moved them");

    // A person's choice of impact stands: chosen while down, kept when the
    // monitor is slow and then down again.
    setup.point_at("/fail").await;
    setup.check().await;
    setup.check().await;
    assert_eq!(setup.incidents(), [(*id, "unknown".to_owned(), "ongoing".to_owned())]);
    let chosen = json!({"impact": "degraded_performance"});
    assert_eq!(
        setup.call(Method::PATCH, &format!("/api/v1/incidents/{id}"), Some(chosen)).await.status,
        StatusCode::OK
    );
    setup.point_at("/slow/400").await;
    setup.check().await;
    setup.check().await;
    assert_eq!(setup.status().await, "degraded");
    setup.point_at("/fail").await;
    setup.check().await;
    setup.check().await;
    assert_eq!(setup.status().await, "down");
    assert_eq!(setup.incidents(), [(*id, "degraded_performance".to_owned(), "ongoing".to_owned())]);

    // Fast again: resolved; one incident, one alert for it all along.
    setup.point_at("/ok").await;
    setup.check().await;
    setup.check().await;
    assert_eq!(setup.status().await, "up");
    assert_eq!(setup.incidents(), [(*id, "degraded_performance".to_owned(), "resolved".to_owned())]);
    assert_eq!(setup.notified(), ["incident_created"]);
}

#[tokio::test]
async fn slowness_is_refused_where_it_cannot_be_measured() {
    let app = TestApp::new();
    let member = app.user("ops@example.com", Role::Member);
    let token = app.token(member.id);
    let base = json!({"name": "Shop", "url": "https://shop.example.com/", "timeout_seconds": 2});
    app.assert_monitor_refused(&token, base.clone(), &[(json!({"degraded_after_ms": 2001}), "degraded_after_ms")])
        .await;
    // Without a limit there is nothing to open an incident for; 0 turns slowness off.
    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Shop", "url": "https://shop.example.com/",
             "degraded_incident": true})),
        )
        .await
        .json();
    assert_eq!(
        (created["degraded_after_ms"].clone(), created["degraded_incident"].clone()),
        (Value::Null, json!(false))
    );
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/monitors/{id}");
    let on = app.api(Method::PATCH, &path, Some(&token), Some(json!({"degraded_after_ms": 900}))).await.json();
    assert_eq!(on["degraded_after_ms"], 900);
    let off = app.api(Method::PATCH, &path, Some(&token), Some(json!({"degraded_after_ms": 0}))).await.json();
    assert_eq!(off["degraded_after_ms"], Value::Null);
}
