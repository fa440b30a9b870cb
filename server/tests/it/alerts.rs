//! Alerts end to end against a real database and real receivers on
//! 127.0.0.1: channels and rules over the API (secrets never come back),
//! the outbox written with the event, signed webhooks, retries with one
//! delivery id, time limits, giving up, rate limits, maintenance muting,
//! email through a real SMTP server, two dispatchers sharing the outbox, and
//! a kill -9 of `vigie serve` with a delivery pending.

use crate::common::db::TestDb;
use crate::common::receiver::{self, Mode, Received};
use crate::common::{self, TestApp, target};
use app::model::{
    AlertEvent, AlertRuleInput, ChannelInput, ChannelKind, IncidentKind, MonitorInput, NewIncident, Recipients, Role,
};
use app::ssr::alerts;
use app::ssr::db::schema::{delivery_attempts, incident_events, notifications};
use app::ssr::incidents;
use app::ssr::monitoring::monitors::{self, MonitorRules};
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use server::workers::dispatcher::Dispatcher;
use sha2::Sha256;

const SECRET: &str = "whsec-0123456789-abcdefXYZ";

fn rules() -> MonitorRules {
    MonitorRules { min_interval_seconds: 1, known_regions: vec!["local".into()], default_region: "local".into() }
}

fn monitor(db: &TestDb, name: &str, url: &str) -> app::model::Monitor {
    monitors::create(
        &mut db.conn(),
        &rules(),
        MonitorInput {
            name: Some(name.into()),
            url: Some(url.into()),
            interval_seconds: Some(1),
            timeout_seconds: Some(1),
            incident_confirmations: Some(1),
            recovery_confirmations: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
}

fn member(db: &TestDb) -> i64 {
    app::ssr::team::create_user(
        &mut db.conn(),
        &app::ssr::team::audit::Actor::command_line(),
        &app::ssr::team::NewMember {
            email: "ops@example.com",
            name: "Ops",
            role: Role::Member,
            password: common::PASSWORD,
        },
    )
    .unwrap()
    .id
}

fn webhook_channel(db: &TestDb, url: &str) -> i64 {
    let input = ChannelInput {
        kind: Some(ChannelKind::Webhook),
        name: Some("Hook".into()),
        url: Some(url.into()),
        secret: Some(SECRET.into()),
        to: None,
    };
    alerts::create_channel(&mut db.conn(), &app::ssr::team::audit::Actor::command_line(), input, Utc::now()).unwrap().id
}

fn rule(db: &TestDb, channel_id: i64, events: &[AlertEvent], monitor_ids: Option<Vec<i64>>, limit: Option<u32>) -> i64 {
    let input = AlertRuleInput {
        name: Some("Page".into()),
        events: Some(events.to_vec()),
        channel_id: Some(channel_id),
        monitor_ids: Some(monitor_ids),
        enabled: Some(true),
        max_per_hour: Some(limit),
    };
    alerts::create_rule(&mut db.conn(), input, Utc::now()).unwrap().id
}

fn open_incident(db: &TestDb, actor: i64, monitor_ids: Vec<i64>, title: &str) -> i64 {
    let input = NewIncident { title: title.into(), monitor_ids, ..Default::default() };
    incidents::create(&mut db.conn(), actor, input, Utc::now()).unwrap().id
}

fn dispatcher(db: &TestDb) -> Dispatcher {
    Dispatcher::new(db.db.clone(), common::test_notifier(None), 4)
}

/// `(state, attempts)` of every notification, oldest first.
fn outbox(db: &TestDb) -> Vec<(String, i32)> {
    notifications::table
        .order(notifications::id.asc())
        .select((notifications::state, notifications::attempts))
        .load(&mut db.conn())
        .unwrap()
}

fn timeline(db: &TestDb, incident_id: i64) -> Vec<(String, serde_json::Value)> {
    incident_events::table
        .filter(incident_events::incident_id.eq(incident_id))
        .order(incident_events::id.asc())
        .select((incident_events::kind, incident_events::details))
        .load(&mut db.conn())
        .unwrap()
}

/// Makes every pending notification due now.
fn make_due(db: &TestDb) {
    diesel::update(notifications::table.filter(notifications::state.eq("pending")))
        .set(notifications::next_attempt_at.eq(Utc::now() - Duration::seconds(1)))
        .execute(&mut db.conn())
        .unwrap();
}

/// Checks `X-Vigie-Signature: t=…,v1=…` against the body, as a receiver would.
fn assert_signed(request: &Received, secret: &str) {
    let header = request.header("x-vigie-signature");
    let mut parts = header.split(',');
    let t = parts.next().and_then(|p| p.strip_prefix("t=")).expect("t=");
    let v1 = parts.next().and_then(|p| p.strip_prefix("v1=")).expect("v1=");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&request.body);
    assert_eq!(v1, hex::encode(mac.finalize().into_bytes()), "signature of {header}");
    let age = Utc::now().timestamp() - t.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "signed just now: {age} s");
}

#[tokio::test]
async fn channels_and_rules_over_the_api_never_show_secrets() {
    let app = TestApp::new();
    let user = app.user("ops@example.com", Role::Member);
    let token = app.token(user.id);
    let token = Some(token.as_str());

    let created = app
        .api(
            Method::POST,
            "/api/v1/channels",
            token,
            Some(json!({"kind": "webhook", "name": "Hook", "url": "https://hooks.example.com/in", "secret": SECRET})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let channel = created.json();
    assert_eq!(channel["secret"], "••••fXYZ");
    assert!(!created.body.contains(SECRET));
    let id = channel["id"].as_i64().unwrap();

    let slack_url = "https://hooks.slack.com/services/T00/B00/secretpathABCD";
    let slack = app
        .api(Method::POST, "/api/v1/channels", token, Some(json!({"kind": "slack", "name": "Chat", "url": slack_url})))
        .await;
    assert_eq!(slack.status, StatusCode::CREATED, "{}", slack.body);
    assert!(!slack.body.contains("secretpath"), "Slack URLs are secrets: {}", slack.body);
    let email = app
        .api(
            Method::POST,
            "/api/v1/channels",
            token,
            Some(json!({"kind": "email", "name": "Mail", "to": ["a@example.com", "b@example.com"]})),
        )
        .await;
    assert_eq!(email.status, StatusCode::CREATED, "{}", email.body);
    assert_eq!(email.json()["to"], json!(["a@example.com", "b@example.com"]));

    for path in ["/api/v1/channels".to_owned(), format!("/api/v1/channels/{id}")] {
        let listed = app.api(Method::GET, &path, token, None).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(!listed.body.contains(SECRET) && !listed.body.contains("secretpath"), "{}", listed.body);
    }

    // Bad input names its field.
    for (body, field) in [
        (json!({"kind": "webhook", "name": "X", "url": "https://x.example.com"}), "secret"),
        (json!({"kind": "webhook", "name": "X", "url": "ftp://x", "secret": SECRET}), "url"),
        (json!({"kind": "email", "name": "X", "to": "nobody"}), "to"),
        (json!({"kind": "slack", "name": "", "url": slack_url}), "name"),
    ] {
        let reply = app.api(Method::POST, "/api/v1/channels", token, Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let unknown = app.api(Method::POST, "/api/v1/channels", token, Some(json!({"kind": "pager"}))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    // Renaming keeps the secret; the kind cannot change.
    let renamed =
        app.api(Method::PATCH, &format!("/api/v1/channels/{id}"), token, Some(json!({"name": "Hook 2"}))).await;
    assert_eq!((renamed.status, renamed.json()["secret"].clone()), (StatusCode::OK, json!("••••fXYZ")));
    let stored = app::ssr::db::channels::find(&mut app.db.conn(), id).unwrap().unwrap();
    assert_eq!(stored.secret.as_deref(), Some(SECRET));
    let kind = app.api(Method::PATCH, &format!("/api/v1/channels/{id}"), token, Some(json!({"kind": "email"}))).await;
    assert_eq!(kind.json()["error"]["field"], "kind");

    // Rules.
    let monitor = monitor(&app.db, "API", "http://127.0.0.1:9/");
    let created = app
        .api(
            Method::POST,
            "/api/v1/alert-rules",
            token,
            Some(json!({"name": "Page", "events": ["incident_resolved", "incident_created"], "channel_id": id,
                        "monitor_ids": [monitor.id], "max_per_hour": 10})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let rule = created.json();
    assert_eq!(rule["events"], json!(["incident_created", "incident_resolved"]));
    assert_eq!((rule["channel_name"].clone(), rule["enabled"].clone()), (json!("Hook 2"), json!(true)));
    let rule_id = rule["id"].as_i64().unwrap();
    let all = app
        .api(
            Method::PATCH,
            &format!("/api/v1/alert-rules/{rule_id}"),
            token,
            Some(json!({"monitor_ids": null, "enabled": false})),
        )
        .await;
    assert_eq!((all.json()["monitor_ids"].clone(), all.json()["max_per_hour"].clone()), (json!(null), json!(10)));
    for (body, field) in [
        (json!({"name": "X", "events": [], "channel_id": id}), "events"),
        (json!({"name": "X", "events": ["ssl_expiring"], "channel_id": 999_999}), "channel_id"),
        (json!({"name": "X", "events": ["ssl_expiring"], "channel_id": id, "monitor_ids": [999_999]}), "monitor_ids"),
        (json!({"name": "X", "events": ["ssl_expiring"], "channel_id": id, "max_per_hour": 0}), "max_per_hour"),
    ] {
        let reply = app.api(Method::POST, "/api/v1/alert-rules", token, Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let bad_event =
        app.api(Method::POST, "/api/v1/alert-rules", token, Some(json!({"name": "X", "events": ["boom"]}))).await;
    assert_eq!(bad_event.status, StatusCode::BAD_REQUEST);

    // Who is asking is checked.
    for path in ["/api/v1/channels", "/api/v1/alert-rules", "/api/v1/channels/1/deliveries"] {
        assert_eq!(app.api(Method::GET, path, None, None).await.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let test = app.api(Method::POST, &format!("/api/v1/channels/{id}/test"), None, None).await;
    assert_eq!(test.status, StatusCode::UNAUTHORIZED);

    // Deleting a channel takes its rules along.
    let deleted = app.api(Method::DELETE, &format!("/api/v1/channels/{id}"), token, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = app.api(Method::GET, &format!("/api/v1/alert-rules/{rule_id}"), token, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let doc = app.api(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert!(doc.body.contains("/api/v1/alert-rules/{id}") && doc.body.contains("/api/v1/channels/{id}/test"));
}

#[tokio::test]
async fn an_outage_sends_one_signed_webhook_and_recovery_another() {
    let db = TestDb::new();
    app::ssr::db::regions::ensure(&mut db.conn(), "local").unwrap();
    let hook = receiver::webhook(Mode::Accept);
    let base = target::http_target().await;
    let shop = monitor(&db, "Shop", &format!("{base}/fail"));
    let channel = webhook_channel(&db, &hook.url);
    rule(&db, channel, &[AlertEvent::IncidentCreated, AlertEvent::IncidentResolved], None, None);
    let scheduler = server::workers::scheduler::Scheduler::new(
        db.db.clone(),
        app::ssr::monitoring::probe::Prober::new("local").unwrap(),
        "local",
        4,
    )
    .await
    .unwrap();
    let check = || async {
        diesel::sql_query("UPDATE monitor_region_state SET next_due_at = now() - interval '1 second'")
            .execute(&mut db.conn())
            .unwrap();
        scheduler.run_once().await.unwrap();
    };

    check().await;
    assert_eq!(outbox(&db), [("pending".to_owned(), 0)], "written with the incident");
    let dispatcher = dispatcher(&db);
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 1);
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 0, "sent once");
    let received = hook.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_signed(request, SECRET);
    let body = request.json();
    assert_eq!(request.header("x-vigie-delivery"), body["delivery_id"].as_str().unwrap());
    assert_eq!(request.header("x-vigie-event"), "incident_created");
    assert_eq!(body["event"], "incident_created");
    let incident_id = body["incident"]["id"].as_i64().unwrap();
    assert_eq!(body["incident"]["title"], "Shop is down");
    assert_eq!(
        (body["incident"]["state"].clone(), body["incident"]["kind"].clone()),
        (json!("ongoing"), json!("programmatic"))
    );
    assert_eq!(body["incident"]["url"], format!("http://vigie.test/console/incidents/{incident_id}"));
    assert_eq!(body["monitors"][0]["name"], "Shop");
    assert_eq!(body["monitors"][0]["status"], "down");
    assert!(body["occurred_at"].as_str().is_some());
    let kinds: Vec<String> = timeline(&db, incident_id).into_iter().map(|(kind, _)| kind).collect();
    assert!(kinds.contains(&"alert_delivered".to_owned()), "{kinds:?}");

    // More failures join the incident and send nothing more.
    check().await;
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 0);

    monitors::update(
        &mut db.conn(),
        &rules(),
        shop.id,
        MonitorInput { url: Some(format!("{base}/ok")), ..Default::default() },
    )
    .unwrap();
    check().await;
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 1);
    let received = hook.received();
    assert_eq!(received.len(), 2);
    let resolved = received[1].json();
    assert_eq!(
        (resolved["event"].clone(), resolved["incident"]["state"].clone()),
        (json!("incident_resolved"), json!("resolved"))
    );
    assert_ne!(received[0].header("x-vigie-delivery"), received[1].header("x-vigie-delivery"));
    assert_signed(&received[1], SECRET);
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_with_one_delivery_id_until_it_works() {
    let db = TestDb::new();
    let hook = receiver::webhook(Mode::Fail(2));
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    let channel = webhook_channel(&db, &hook.url);
    rule(&db, channel, &[AlertEvent::IncidentCreated, AlertEvent::IncidentUpdatePublished], None, None);
    let actor = member(&db);
    let incident = open_incident(&db, actor, vec![api.id], "Checkout errors");
    let dispatcher = dispatcher(&db);

    let before = Utc::now();
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 1);
    assert_eq!(outbox(&db), [("pending".to_owned(), 1)]);
    let retry_at: Option<chrono::DateTime<Utc>> =
        delivery_attempts::table.select(delivery_attempts::retry_at).first(&mut db.conn()).unwrap();
    let wait = retry_at.unwrap() - before;
    assert!(wait >= Duration::seconds(5) && wait < Duration::seconds(7), "first retry after ~5 s: {wait}");
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 0, "not before its time");
    let (kind, details) = timeline(&db, incident).pop().unwrap();
    assert_eq!(kind, "alert_failed");
    let summary = details["summary"].as_str().unwrap();
    assert!(summary.contains("Page → Hook: failed (HTTP 500)") && summary.contains("retrying at"), "{summary}");

    make_due(&db);
    dispatcher.deliver_due().await.unwrap();
    let second: Option<chrono::DateTime<Utc>> = delivery_attempts::table
        .order(delivery_attempts::id.desc())
        .select(delivery_attempts::retry_at)
        .first(&mut db.conn())
        .unwrap();
    assert!(second.unwrap() - Utc::now() > Duration::seconds(12), "the next wait is longer");
    make_due(&db);
    dispatcher.deliver_due().await.unwrap();
    assert_eq!(outbox(&db), [("delivered".to_owned(), 3)]);
    let ids: Vec<String> = hook.received().iter().map(|r| r.header("x-vigie-delivery").to_owned()).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| *id == ids[0] && id.starts_with("dlv_")), "{ids:?}");
    let kinds: Vec<String> = timeline(&db, incident).into_iter().map(|(kind, _)| kind).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "alert_failed").count(), 2);
    assert_eq!(kinds.last().unwrap(), "alert_delivered");

    // The deliveries page shows every attempt.
    let list = alerts::deliveries(&mut db.conn(), channel, 1).unwrap();
    assert_eq!(
        list.items[0].attempts.iter().map(|a| (a.ok, a.status_code)).collect::<Vec<_>>(),
        [(false, Some(500)), (false, Some(500)), (true, Some(200))]
    );

    // A notification failing for 24 hours is given up.
    hook.set_mode(Mode::Fail(1));
    incidents::post_update(
        &mut db.conn(),
        actor,
        incident,
        app::model::UpdateStatus::Identified,
        "Found it",
        None,
        true,
        Utc::now(),
    )
    .unwrap();
    diesel::update(notifications::table.filter(notifications::state.eq("pending")))
        .set(notifications::created_at.eq(Utc::now() - Duration::hours(24)))
        .execute(&mut db.conn())
        .unwrap();
    dispatcher.deliver_due().await.unwrap();
    assert_eq!(outbox(&db)[1], ("failed".to_owned(), 1));
    let (kind, details) = timeline(&db, incident).pop().unwrap();
    assert_eq!(kind, "alert_failed");
    assert!(details["summary"].as_str().unwrap().ends_with("given up"), "{details}");
    let update = hook.received().pop().unwrap().json();
    assert_eq!(
        (update["update"]["status"].clone(), update["update"]["body"].clone()),
        (json!("identified"), json!("Found it"))
    );
}

#[tokio::test]
async fn a_hanging_receiver_is_given_up_on_after_the_time_limit() {
    let db = TestDb::new();
    let hook = receiver::webhook(Mode::Hang);
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    let channel = webhook_channel(&db, &hook.url);
    rule(&db, channel, &[AlertEvent::IncidentCreated], None, None);
    open_incident(&db, member(&db), vec![api.id], "Slow");
    let started = std::time::Instant::now();
    dispatcher(&db).deliver_due().await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "the attempt stops at its 2 s limit");
    assert_eq!(outbox(&db), [("pending".to_owned(), 1)]);
    let error: Option<String> =
        delivery_attempts::table.select(delivery_attempts::error).first(&mut db.conn()).unwrap();
    assert_eq!(error.as_deref(), Some("no answer within 2 s"));
}

#[tokio::test]
async fn over_the_hourly_limit_notifications_are_suppressed() {
    let db = TestDb::new();
    let hook = receiver::webhook(Mode::Accept);
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    let other = monitor(&db, "Other", "http://127.0.0.1:9/");
    let channel = webhook_channel(&db, &hook.url);
    rule(&db, channel, &[AlertEvent::IncidentCreated], Some(vec![api.id]), Some(2));
    let actor = member(&db);
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(open_incident(&db, actor, vec![api.id], &format!("Incident {n}")));
    }
    open_incident(&db, actor, vec![other.id], "Out of the rule's scope");
    let states: Vec<String> = outbox(&db).into_iter().map(|(state, _)| state).collect();
    assert_eq!(states, ["pending", "pending", "suppressed"]);
    let (kind, details) = timeline(&db, ids[2]).pop().unwrap();
    assert_eq!(kind, "alert_suppressed");
    assert!(details["summary"].as_str().unwrap().contains("limit of 2 per hour"), "{details}");
    assert_eq!(dispatcher(&db).deliver_due().await.unwrap(), 2);
    assert_eq!(hook.received().len(), 2);
}

#[tokio::test]
async fn maintenance_mutes_its_monitors_alerts_but_announces_itself() {
    let db = TestDb::new();
    let hook = receiver::webhook(Mode::Accept);
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    let other = monitor(&db, "Other", "http://127.0.0.1:9/");
    let channel = webhook_channel(&db, &hook.url);
    let every = [AlertEvent::IncidentCreated, AlertEvent::SslExpiring, AlertEvent::MaintenanceStarted];
    rule(&db, channel, &every, None, None);
    let actor = member(&db);
    let now = Utc::now();
    let window = NewIncident {
        kind: Some(IncidentKind::Maintenance),
        title: "Upgrade".into(),
        monitor_ids: vec![api.id],
        scheduled_start: Some(now - Duration::minutes(1)),
        scheduled_end: Some(now + Duration::hours(1)),
        ..Default::default()
    };
    incidents::create(&mut db.conn(), actor, window, now).unwrap();
    let muted = open_incident(&db, actor, vec![api.id], "During the window");
    open_incident(&db, actor, vec![other.id], "Elsewhere");
    let certificate = alerts::Trigger {
        event: AlertEvent::SslExpiring,
        at: Utc::now(),
        incident_id: None,
        monitor_ids: &[api.id],
        extra: json!({}),
        held_by: None,
    };
    assert_eq!(alerts::raise(&mut db.conn(), certificate).unwrap(), 0);
    let events: Vec<(String, String)> = notifications::table
        .order(notifications::id.asc())
        .select((notifications::event, notifications::state))
        .load(&mut db.conn())
        .unwrap();
    let expected = [
        ("maintenance_started", "pending"),
        ("incident_created", "muted"),
        ("incident_created", "pending"),
        ("ssl_expiring", "muted"),
    ];
    assert_eq!(events, expected.map(|(e, s)| (e.to_owned(), s.to_owned())));
    assert_eq!(timeline(&db, muted).pop().unwrap().0, "alert_muted");
    dispatcher(&db).deliver_due().await.unwrap();
    let mut sent: Vec<String> =
        hook.received().iter().map(|r| r.json()["event"].as_str().unwrap().to_owned()).collect();
    sent.sort();
    assert_eq!(sent, ["incident_created", "maintenance_started"], "sent at once, in any order");
}

#[tokio::test]
async fn email_goes_out_through_a_real_smtp_server() {
    let db = TestDb::new();
    let smtp = receiver::smtp_server();
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    let input = ChannelInput {
        kind: Some(ChannelKind::Email),
        name: Some("Mail".into()),
        to: Some(Recipients::One("ops@example.com, lead@example.com".into())),
        ..Default::default()
    };
    let channel =
        alerts::create_channel(&mut db.conn(), &app::ssr::team::audit::Actor::command_line(), input, Utc::now())
            .unwrap()
            .id;
    rule(&db, channel, &[AlertEvent::IncidentCreated], None, None);
    let notifier = common::test_notifier(Some(smtp.url()));

    let attempt = app::ssr::alerts::notify::send_test(&db.db, &notifier, channel).await.unwrap();
    assert!(attempt.ok, "{attempt:?}");
    assert!(attempt.reply.starts_with("250"), "{}", attempt.reply);

    open_incident(&db, member(&db), vec![api.id], "Payments <down>");
    let dispatcher = Dispatcher::new(db.db.clone(), notifier, 2);
    assert_eq!(dispatcher.deliver_due().await.unwrap(), 1);
    assert_eq!(outbox(&db).last().unwrap().0, "delivered");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 2);
    assert!(mails[0].data.contains("Subject: [Vigie] Test notification"), "{}", mails[0].data);
    let mail = &mails[1];
    assert_eq!(mail.to, ["ops@example.com", "lead@example.com"]);
    assert!(mail.from.contains("vigie@vigie.test"), "{}", mail.from);
    assert!(mail.data.contains("Subject: [Vigie] Incident: Payments <down>"), "{}", mail.data);
    assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"), "{}", mail.data);
    assert!(mail.data.contains("Payments &lt;down&gt;"), "escaped in HTML: {}", mail.data);

    // Without an SMTP server configured, the attempt says so.
    let failed = app::ssr::alerts::notify::send_test(&db.db, &common::test_notifier(None), channel).await.unwrap();
    assert_eq!(failed.error.as_deref(), Some("email is not configured: set VIGIE_SMTP_URL"));
    let list = alerts::deliveries(&mut db.conn(), channel, 1).unwrap();
    assert_eq!(list.items.len(), 3);
    assert_eq!(list.items[0].event, "test");
}

#[tokio::test]
async fn slack_and_discord_get_their_own_formats() {
    let db = TestDb::new();
    let hook = receiver::webhook(Mode::Accept);
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    for kind in [ChannelKind::Slack, ChannelKind::Discord] {
        let input = ChannelInput {
            kind: Some(kind),
            name: Some(kind.label().into()),
            url: Some(hook.url.clone()),
            ..Default::default()
        };
        let channel =
            alerts::create_channel(&mut db.conn(), &app::ssr::team::audit::Actor::command_line(), input, Utc::now())
                .unwrap()
                .id;
        rule(&db, channel, &[AlertEvent::IncidentCreated], None, None);
    }
    open_incident(&db, member(&db), vec![api.id], "Login <fails>");
    assert_eq!(dispatcher(&db).deliver_due().await.unwrap(), 2);
    let bodies: Vec<serde_json::Value> = hook.received().iter().map(Received::json).collect();
    let slack = bodies.iter().find(|b| b.get("text").is_some()).expect("a Slack message");
    let text = slack["text"].as_str().unwrap();
    assert!(text.starts_with("*Incident: Login &lt;fails&gt;*"), "{text}");
    assert!(text.contains("<http://vigie.test/console/incidents/"), "{text}");
    let discord = bodies.iter().find(|b| b.get("embeds").is_some()).expect("a Discord message");
    assert_eq!(discord["embeds"][0]["title"], "Incident: Login <fails>");
    assert_eq!(discord["allowed_mentions"]["parse"], json!([]));
}

#[tokio::test]
async fn two_dispatchers_never_send_one_notification_twice() {
    let db = TestDb::new();
    let hook = receiver::webhook(Mode::Accept);
    let api = monitor(&db, "API", "http://127.0.0.1:9/");
    let channel = webhook_channel(&db, &hook.url);
    rule(&db, channel, &[AlertEvent::IncidentCreated], None, None);
    let actor = member(&db);
    for n in 0..30 {
        open_incident(&db, actor, vec![api.id], &format!("Incident {n}"));
    }
    let (first, second) = (dispatcher(&db), dispatcher(&db));
    let mut sent = 0;
    while sent < 30 {
        let (a, b) = tokio::join!(first.deliver_due(), second.deliver_due());
        let round = a.unwrap() + b.unwrap();
        assert!(round > 0, "stuck at {sent}");
        sent += round;
    }
    let mut ids: Vec<String> = hook.received().iter().map(|r| r.header("x-vigie-delivery").to_owned()).collect();
    assert_eq!(ids.len(), 30);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "each notification sent once");
    assert!(outbox(&db).iter().all(|(state, attempts)| state == "delivered" && *attempts == 1));
}

// ---- a real server process ------------------------------------------------------

mod process {
    use super::*;
    use crate::common::process::{free_port, serve};
    use std::time::Instant;

    async fn wait_for(what: &str, seconds: u64, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + std::time::Duration::from_secs(seconds);
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    #[tokio::test]
    async fn a_pending_delivery_survives_a_kill_9_and_leaves_within_a_second_of_its_event() {
        let db = TestDb::new();
        let hook = receiver::webhook(Mode::Fail(1));
        // Healthy, so the server's own probes open nothing.
        let api = monitor(&db, "API", &format!("{}/ok", target::http_target().await));
        let channel = webhook_channel(&db, &hook.url);
        rule(&db, channel, &[AlertEvent::IncidentCreated], None, None);
        let actor = member(&db);
        let log = tempfile::NamedTempFile::new().unwrap();
        let port = free_port();
        let mut server = serve(&db.url, port, log.path());
        // The server is listening for wake-ups once its health answers.
        wait_for("the server", 60, || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;

        let raised = Utc::now();
        open_incident(&db, actor, vec![api.id], "Checkout errors");
        wait_for("the first attempt", 10, || !hook.received().is_empty()).await;
        let latency = hook.received()[0].at - raised;
        assert!(latency < Duration::seconds(1), "woken by the event, not a poll: {latency}");
        let attempts = || delivery_attempts::table.count().get_result::<i64>(&mut db.conn()).unwrap();
        wait_for("the failure to be recorded", 10, || attempts() == 1).await;

        // kill -9 with the retry pending; the receiver recovers meanwhile.
        server.kill().unwrap();
        server.wait().unwrap();
        assert_eq!(outbox(&db), [("pending".to_owned(), 1)]);
        let mut server = serve(&db.url, port, log.path());
        wait_for("the retry after the restart", 20, || hook.received().len() == 2).await;
        wait_for("the delivery to be recorded", 10, || outbox(&db)[0].0 == "delivered").await;
        server.kill().unwrap();
        server.wait().unwrap();
        let received = hook.received();
        assert_eq!(received[0].header("x-vigie-delivery"), received[1].header("x-vigie-delivery"));
        assert_signed(&received[1], SECRET);
        let log = std::fs::read_to_string(log.path()).unwrap();
        assert!(!log.contains(SECRET), "the secret is never logged");
        assert!(log.contains("alert attempt"), "{log}");
    }
}
