//! Dependencies: while a parent monitor is down, the outages of the monitors
//! that depend on it join its incident (listed as affected, on its
//! timeline) with their alerts recorded as suppressed; a child waits for its
//! parent's verdict before opening anything; when the parent recovers, a
//! child still down opens its own incident. Cycles are refused.

use crate::common;

use app::model::Role;
use app::ssr::db::schema::{incidents, notifications};
use app::ssr::monitoring::probe::Prober;
use axum::http::{Method, StatusCode};
use common::receiver::{self, Mode};
use common::{TestApp, target};
use diesel::prelude::*;
use serde_json::{Value, json};
use server::workers::dispatcher::Dispatcher;
use server::workers::scheduler::Scheduler;

struct Setup {
    app: TestApp,
    token: String,
    base: String,
    scheduler: Scheduler,
    hook: receiver::Webhook,
}

impl Setup {
    async fn new() -> Self {
        let app = TestApp::new();
        let admin = app.user("admin@example.com", Role::Admin);
        let token = app.token(admin.id);
        let base = target::http_target().await;
        let hook = receiver::webhook(Mode::Accept);
        common::alert_on_every_incident(&mut app.db.conn(), &hook.url);
        let scheduler = Scheduler::new(app.db.db.clone(), Prober::new("local").unwrap(), "local", 8).await.unwrap();
        Self { app, token, base, scheduler, hook }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> common::Reply {
        self.app.api(method, path, Some(&self.token), body).await
    }

    /// A monitor of `path` on the target, confirming down after `down_after` failures.
    async fn monitor(&self, name: &str, down_after: u32, parent: Option<i64>) -> i64 {
        let body = json!({"name": name, "url": format!("{}/ok", self.base), "interval_seconds": 30,
                          "timeout_seconds": 2, "incident_confirmations": down_after,
                          "recovery_confirmations": 1, "parent_id": parent});
        let created = self.call(Method::POST, "/api/v1/monitors", Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        created.json()["id"].as_i64().unwrap()
    }

    async fn point_at(&self, ids: &[i64], path: &str) {
        for id in ids {
            let body = json!({"url": format!("{}{path}", self.base)});
            let reply = self.call(Method::PATCH, &format!("/api/v1/monitors/{id}"), Some(body)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        }
    }

    /// Makes every monitor due and runs one round.
    async fn check(&self) {
        diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
            .execute(&mut self.app.db.conn())
            .unwrap();
        self.scheduler.run_once().await.unwrap();
    }

    /// `(id, owner monitor)` of the ongoing programmatic incidents.
    fn ongoing(&self) -> Vec<(i64, Option<i64>)> {
        incidents::table
            .filter(incidents::state.eq("ongoing"))
            .order(incidents::id.asc())
            .select((incidents::id, incidents::monitor_id))
            .load(&mut self.app.db.conn())
            .unwrap()
    }

    /// `(event, state)` of every notification, oldest first.
    fn notified(&self) -> Vec<(String, String)> {
        notifications::table
            .order(notifications::id.asc())
            .select((notifications::event, notifications::state))
            .load(&mut self.app.db.conn())
            .unwrap()
    }

    async fn incident(&self, id: i64) -> Value {
        self.call(Method::GET, &format!("/api/v1/incidents/{id}"), None).await.json()
    }
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

fn pair(event: &str, state: &str) -> (String, String) {
    (event.to_owned(), state.to_owned())
}

#[tokio::test]
async fn a_parent_and_three_children_failing_together_make_one_incident_and_one_alert() {
    let setup = Setup::new();
    let setup = setup.await;
    let host = setup.monitor("db-host", 1, None).await;
    let mut children = Vec::new();
    for name in ["orders", "billing", "search"] {
        children.push(setup.monitor(name, 1, Some(host)).await);
    }
    setup.check().await;
    let all: Vec<i64> = [host].into_iter().chain(children.iter().copied()).collect();
    setup.point_at(&all, "/fail").await;
    setup.check().await;

    let ongoing = setup.ongoing();
    assert_eq!(ongoing.len(), 1, "one incident: {ongoing:?}");
    let (id, owner) = ongoing[0];
    assert_eq!(owner, Some(host));
    let incident = setup.incident(id).await;
    let listed: Vec<i64> = incident["monitor_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(sorted(listed), sorted(all.clone()), "the children are listed as affected");
    let joined: Vec<&Value> =
        incident["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "monitor_joined").collect();
    assert_eq!(joined.len(), 3, "{incident}");
    assert!(joined.iter().all(|e| e["details"]["parent"] == "db-host" && e["actor"].is_null()));
    let suppressed: Vec<&Value> =
        incident["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "alert_suppressed").collect();
    assert_eq!(suppressed.len(), 3, "{incident}");
    assert!(suppressed[0]["details"]["summary"].as_str().unwrap().contains("depends on db-host"));
    assert_eq!(
        setup.notified(),
        [
            pair("incident_created", "pending"),
            pair("incident_created", "suppressed"),
            pair("incident_created", "suppressed"),
            pair("incident_created", "suppressed")
        ]
    );
    let dispatcher = Dispatcher::new(setup.app.db.db.clone(), common::test_notifier(None), 4);
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 1);
    assert_eq!(setup.hook.received().len(), 1, "one alert");

    // More failures change nothing; the parent recovers while two children
    // still fail: they open their own incidents then.
    setup.check().await;
    assert_eq!(setup.ongoing().len(), 1);
    setup.point_at(&[host, children[0]], "/ok").await;
    setup.check().await;
    let resolved = setup.incident(id).await;
    assert_eq!(resolved["state"], "resolved");
    // A child that failed in the round its parent recovered may still have
    // failed because of it: its next failure makes the outage its own.
    setup.check().await;
    let owners: Vec<Option<i64>> = setup.ongoing().into_iter().map(|(_, owner)| owner).collect();
    assert_eq!(sorted(owners.into_iter().flatten().collect()), sorted(children[1..].to_vec()));
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 3, "the resolution and two new incidents");
    let events: Vec<String> =
        setup.hook.received().iter().map(|r| r.json()["event"].as_str().unwrap().to_owned()).collect();
    assert_eq!(events.iter().filter(|e| *e == "incident_created").count(), 3, "{events:?}");
    assert_eq!(events.iter().filter(|e| *e == "incident_resolved").count(), 1, "{events:?}");
}

#[tokio::test]
async fn a_child_waits_for_its_parents_verdict_and_fails_alone_when_the_parent_is_fine() {
    let setup = Setup::new().await;
    // The parent confirms an outage after two failures; its child after one.
    let host = setup.monitor("db-host", 2, None).await;
    let child = setup.monitor("orders", 1, Some(host)).await;
    setup.check().await;
    setup.point_at(&[host, child], "/fail").await;
    setup.check().await;
    assert!(setup.ongoing().is_empty(), "the child waits while its parent's verdict is pending");
    setup.check().await;
    let ongoing = setup.ongoing();
    assert_eq!(ongoing.len(), 1);
    assert_eq!(ongoing[0].1, Some(host));
    let listed = setup.incident(ongoing[0].0).await["monitor_ids"].clone();
    assert_eq!(sorted(serde_json::from_value(listed).unwrap()), sorted(vec![host, child]));

    // Everything recovers; then the child fails on its own.
    setup.point_at(&[host, child], "/ok").await;
    setup.check().await;
    assert!(setup.ongoing().is_empty());
    setup.point_at(&[child], "/fail").await;
    setup.check().await;
    // Whether it opens at once depends on whether the parent was checked
    // after it went down; by the parent's next good check, it has.
    setup.check().await;
    let ongoing = setup.ongoing();
    assert_eq!(ongoing.len(), 1, "{ongoing:?}");
    assert_eq!(ongoing[0].1, Some(child), "its own incident");
    let created = setup.notified().into_iter().filter(|(e, s)| e == "incident_created" && s == "pending").count();
    assert_eq!(created, 2, "the parent's outage, then the child's own");
}

#[tokio::test]
async fn cycles_selves_strangers_and_deep_chains_are_refused_with_the_field() {
    let setup = Setup::new().await;
    let a = setup.monitor("a", 1, None).await;
    let b = setup.monitor("b", 1, Some(a)).await;
    let c = setup.monitor("c", 1, Some(b)).await;
    let refused = |reply: common::Reply| {
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        let error = reply.json()["error"].clone();
        assert_eq!(error["field"], "parent_id", "{error}");
        error["message"].as_str().unwrap().to_owned()
    };
    let message =
        refused(setup.call(Method::PATCH, &format!("/api/v1/monitors/{a}"), Some(json!({"parent_id": c}))).await);
    assert!(message.contains("cycle"), "{message}");
    let message =
        refused(setup.call(Method::PATCH, &format!("/api/v1/monitors/{b}"), Some(json!({"parent_id": b}))).await);
    assert!(message.contains("itself"), "{message}");
    let message =
        refused(setup.call(Method::PATCH, &format!("/api/v1/monitors/{b}"), Some(json!({"parent_id": 999_999}))).await);
    assert!(message.contains("no monitor"), "{message}");

    // Ten parents above a monitor are the most.
    let mut parent = c;
    for depth in 3..11 {
        parent = setup.monitor(&format!("level {depth}"), 1, Some(parent)).await;
    }
    let body = json!({"name": "too deep", "url": format!("{}/ok", setup.base), "parent_id": parent});
    refused(setup.call(Method::POST, "/api/v1/monitors", Some(body)).await);

    // Taking the parent away, and deleting a parent, free the child.
    let freed = setup.call(Method::PATCH, &format!("/api/v1/monitors/{c}"), Some(json!({"parent_id": 0}))).await.json();
    assert_eq!(freed["parent_id"], Value::Null);
    assert_eq!(setup.call(Method::DELETE, &format!("/api/v1/monitors/{a}"), None).await.status, StatusCode::NO_CONTENT);
    let b_now = setup.call(Method::GET, &format!("/api/v1/monitors/{b}"), None).await.json();
    assert_eq!(b_now["parent_id"], Value::Null);
}
