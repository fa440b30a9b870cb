//! Subscribing to a status page: double opt-in for email, links that manage
//! a subscription, and forgetting what was never confirmed.

use crate::common::TestApp;
use crate::common::receiver::{Mode, smtp_server, webhook};
use app::model::{Role, SubscriberKind, SubscriberState};
use app::ssr::status_pages::subscribers::{self, SubscribeRequest, Subscribed};
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use server::workers::subscribers::SubscriberDispatcher;

/// A page (published or not) with two components; answers its id and the monitors.
async fn page(app: &TestApp, slug: &str, published: bool) -> (i64, [i64; 2]) {
    let (id, monitors, _) = page_and_token(app, slug, published).await;
    (id, monitors)
}

/// [`page`], and an admin's API token.
async fn page_and_token(app: &TestApp, slug: &str, published: bool) -> (i64, [i64; 2], String) {
    let user = app.user(&format!("ops-{slug}@example.com"), Role::Admin);
    let token = app.token(user.id);
    let mut monitors = [0; 2];
    for (i, monitor) in monitors.iter_mut().enumerate() {
        let body = json!({"name": format!("{slug}-{i}"), "url": "http://127.0.0.1:9/"});
        *monitor =
            app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body)).await.json()["id"].as_i64().unwrap();
    }
    let body = json!({"slug": slug, "title": slug, "published": published,
                      "components": [{"monitor_id": monitors[0], "name": "API"}, {"monitor_id": monitors[1], "name": "Web"}]});
    let reply = app.api(Method::POST, "/api/v1/status-pages", Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    (reply.json()["id"].as_i64().unwrap(), monitors, token)
}

fn email(address: &str, monitor_ids: Vec<i64>) -> SubscribeRequest {
    SubscribeRequest { kind: SubscriberKind::Email, address: address.to_owned(), monitor_ids }
}

#[tokio::test]
async fn an_email_is_confirmed_by_its_link_before_anything_else() {
    let app = TestApp::new();
    let (page_id, monitors) = page(&app, "acme", true).await;
    let (hidden, _) = page(&app, "draft", false).await;
    let mut conn = app.db.conn();
    let now = Utc::now();

    let error =
        subscribers::subscribe(&mut conn, hidden, &email("ada@example.com", vec![]), "203.0.113.9", now).unwrap_err();
    assert_eq!(error.status(), 404, "an unpublished page takes no subscribers");

    let Subscribed::ConfirmationDue { subscriber, confirm } =
        subscribers::subscribe(&mut conn, page_id, &email(" Ada@Example.com", vec![monitors[1]]), "203.0.113.9", now)
            .unwrap()
    else {
        panic!("a new address must confirm first")
    };
    assert_eq!((subscriber.address.as_str(), subscriber.state), ("ada@example.com", SubscriberState::Pending));
    // Asking again sends a new link; the first one no longer works.
    let Subscribed::ConfirmationDue { confirm: again, .. } =
        subscribers::subscribe(&mut conn, page_id, &email("ada@example.com", vec![monitors[1]]), "203.0.113.9", now)
            .unwrap()
    else {
        panic!("still pending")
    };
    assert_eq!(subscribers::confirm(&mut conn, &confirm, now).unwrap_err().status(), 404);
    let (confirmed, link) = subscribers::confirm(&mut conn, &again, now).unwrap();
    assert_eq!(confirmed.state, SubscriberState::Confirmed);
    assert_eq!(confirmed.monitor_ids, Some(vec![monitors[1]]));
    assert_eq!(subscribers::confirm(&mut conn, &again, now).unwrap_err().status(), 404, "used once");

    // Subscribing a confirmed address changes nothing (the visitor sees the same answer).
    let outcome =
        subscribers::subscribe(&mut conn, page_id, &email("ada@example.com", vec![]), "203.0.113.9", now).unwrap();
    assert!(
        matches!(outcome, Subscribed::AlreadyConfirmed { ref subscriber, .. } if subscriber.monitor_ids == Some(vec![monitors[1]]))
    );

    // The links manage it: components, then one-click unsubscribe (twice is fine).
    assert_eq!(subscribers::by_link(&mut conn, &link).unwrap().id, confirmed.id);
    let changed = subscribers::change_components(&mut conn, &link, &[monitors[0], monitors[1]]).unwrap();
    assert_eq!(changed.monitor_ids, None, "every component is the whole page");
    assert_eq!(subscribers::change_components(&mut conn, &link, &[999_999]).unwrap_err().field(), Some("components"));
    subscribers::unsubscribe(&mut conn, &link).unwrap();
    subscribers::unsubscribe(&mut conn, &link).unwrap();
    assert_eq!(subscribers::by_link(&mut conn, &link).unwrap_err().status(), 404);
}

#[tokio::test]
async fn links_expire_unconfirmed_addresses_are_forgotten_and_tokens_are_stored_hashed() {
    use diesel::prelude::*;
    let app = TestApp::new();
    let (page_id, _) = page(&app, "acme", true).await;
    let mut conn = app.db.conn();
    let now = Utc::now();
    let Subscribed::ConfirmationDue { confirm, .. } =
        subscribers::subscribe(&mut conn, page_id, &email("late@example.com", vec![]), "203.0.113.9", now).unwrap()
    else {
        panic!()
    };
    let Subscribed::ConfirmationDue { confirm: kept, .. } =
        subscribers::subscribe(&mut conn, page_id, &email("kept@example.com", vec![]), "203.0.113.9", now).unwrap()
    else {
        panic!()
    };
    let (_, link) = subscribers::confirm(&mut conn, &kept, now).unwrap();
    let later = now + Duration::days(8);
    assert_eq!(subscribers::confirm(&mut conn, &confirm, later).unwrap_err().status(), 404, "a week-old link");
    assert_eq!(subscribers::purge_unconfirmed(&mut conn, later).unwrap(), 1);
    assert_eq!(subscribers::by_link(&mut conn, &link).unwrap().address, "kept@example.com");

    // Nothing stored holds a token.
    let dump: Vec<String> = diesel::sql_query(
        "SELECT row_to_json(s)::text AS text FROM subscribers s UNION ALL SELECT row_to_json(l)::text FROM subscriber_links l",
    )
    .load::<Text>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|t| t.text)
    .collect();
    assert!(dump.len() >= 2);
    for token in [&confirm, &kept, &link] {
        assert!(dump.iter().all(|row| !row.contains(token.as_str())), "a token stored in clear");
    }
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[tokio::test]
async fn a_webhook_is_active_at_once_and_must_be_https() {
    let app = TestApp::new();
    let (page_id, monitors) = page(&app, "acme", true).await;
    let mut conn = app.db.conn();
    let now = Utc::now();
    let hook = |url: &str| SubscribeRequest {
        kind: SubscriberKind::Webhook,
        address: url.to_owned(),
        monitor_ids: vec![monitors[0]],
    };
    let error =
        subscribers::subscribe(&mut conn, page_id, &hook("http://hooks.example/x"), "203.0.113.9", now).unwrap_err();
    assert_eq!(error.field(), Some("url"));
    let Subscribed::Active { subscriber, link } =
        subscribers::subscribe(&mut conn, page_id, &hook("https://hooks.example/x"), "203.0.113.9", now).unwrap()
    else {
        panic!("webhooks need no confirmation")
    };
    assert_eq!(subscriber.state, SubscriberState::Confirmed);
    assert_eq!(subscribers::by_link(&mut conn, &link).unwrap().id, subscriber.id);
    let again =
        subscribers::subscribe(&mut conn, page_id, &hook("https://hooks.example/x"), "203.0.113.9", now).unwrap();
    assert!(matches!(again, Subscribed::Active { subscriber: ref s, .. } if s.id == subscriber.id));
}

/// A confirmed email subscriber (confirmed a minute ago); answers its id.
fn confirmed(conn: &mut diesel::PgConnection, page_id: i64, address: &str, monitor_ids: Vec<i64>) -> i64 {
    let earlier = Utc::now() - Duration::minutes(1);
    let Subscribed::ConfirmationDue { confirm, .. } =
        subscribers::subscribe(conn, page_id, &email(address, monitor_ids), address, earlier).unwrap()
    else {
        panic!("new address")
    };
    subscribers::confirm(conn, &confirm, earlier).unwrap().0.id
}

/// A webhook subscriber of the whole page, at `url` (tests reach loopback).
fn webhook_subscriber(conn: &mut diesel::PgConnection, page_id: i64, url: &str) -> i64 {
    let earlier = Utc::now() - Duration::minutes(1);
    let new = app::ssr::db::subscribers::NewSubscriber {
        page_id,
        kind: SubscriberKind::Webhook,
        address: url,
        monitor_ids: None,
        state: SubscriberState::Confirmed,
        confirm_hash: None,
        confirm_sent_at: None,
        created_at: earlier,
        confirmed_at: Some(earlier),
    };
    app::ssr::db::subscribers::insert(conn, &new).unwrap().unwrap().id
}

fn dispatcher(app: &TestApp, smtp: &crate::common::receiver::SmtpServer) -> SubscriberDispatcher {
    SubscriberDispatcher::new(app.db.db.clone(), crate::common::test_notifier(Some(smtp.url())), "http://vigie.test", 4)
}

/// Every field (and its type) of the recorded Statuspage shape is in `actual`.
fn has_shape(expected: &serde_json::Value, actual: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match expected {
        Value::Object(fields) => {
            for (key, shape) in fields.iter().filter(|(k, _)| !k.starts_with('_')) {
                let value = actual.get(key).unwrap_or_else(|| panic!("{path}.{key} is missing from {actual}"));
                has_shape(shape, value, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => {
            let list = actual.as_array().unwrap_or_else(|| panic!("{path} is not a list"));
            assert!(!list.is_empty(), "{path} is empty");
            for (i, item) in list.iter().enumerate() {
                has_shape(&items[0], item, &format!("{path}[{i}]"));
            }
        }
        Value::String(types) => {
            let kind = match actual {
                Value::Null => "null",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            assert!(types.split('|').any(|t| t == kind), "{path} is {kind}, not {types}");
        }
        _ => unreachable!("shapes are objects, lists and type names"),
    }
}

#[tokio::test]
async fn subscribers_of_the_affected_components_are_told_public_words_only() {
    let smtp = smtp_server();
    let hook = webhook(Mode::Accept);
    let app = TestApp::with_smtp(smtp.url());
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let mut conn = app.db.conn();
    confirmed(&mut conn, page_id, "whole@example.com", vec![]);
    confirmed(&mut conn, page_id, "api@example.com", vec![monitors[0]]);
    confirmed(&mut conn, page_id, "web@example.com", vec![monitors[1]]);
    let Subscribed::ConfirmationDue { .. } =
        subscribers::subscribe(&mut conn, page_id, &email("pending@example.com", vec![]), "x", Utc::now()).unwrap()
    else {
        panic!()
    };
    webhook_subscriber(&mut conn, page_id, &hook.url);

    // An incident with private words everywhere the public must not look.
    let body = json!({"title": "PRIVATE-TITLE db-7 failover", "public_title": "Payments are slow",
                      "details": "PRIVATE-DETAILS", "impact": "major_outage", "monitor_ids": [monitors[0]]});
    let reply = app.api(Method::POST, "/api/v1/incidents", Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let incident = reply.json()["id"].as_i64().unwrap();
    let comment = json!({"body": "PRIVATE-COMMENT the primary is at 10.0.0.7"});
    app.api(Method::POST, &format!("/api/v1/incidents/{incident}/comments"), Some(&token), Some(comment)).await;
    let update = json!({"status": "identified", "body": "PUBLIC-UPDATE traffic is rerouted."});
    let reply =
        app.api(Method::POST, &format!("/api/v1/incidents/{incident}/updates"), Some(&token), Some(update)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    // A correction nobody needs to hear of.
    let quiet = json!({"status": "identified", "body": "QUIET-UPDATE typo fixed", "notify_subscribers": false});
    app.api(Method::POST, &format!("/api/v1/incidents/{incident}/updates"), Some(&token), Some(quiet)).await;

    let sent = dispatcher(&app, &smtp).work().await.unwrap();
    assert_eq!(sent, 6, "two notices to two emails and one webhook");
    let mails = smtp.mails();
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["api@example.com", "api@example.com", "whole@example.com", "whole@example.com"]);
    for mail in &mails {
        let text = mail.text();
        for private in ["PRIVATE-", "acme-0", "acme-1", "10.0.0.7", "QUIET-UPDATE", "127.0.0.1:9"] {
            assert!(!text.contains(private), "{private} reached a subscriber: {text}");
        }
        assert!(text.contains("Payments are slow"), "{text}");
        let unsubscribe = mail.header("List-Unsubscribe").unwrap();
        assert!(unsubscribe.starts_with("<http://vigie.test/subscriptions/") && unsubscribe.ends_with("/unsubscribe>"));
        assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        assert!(text.contains("text/plain") && text.contains("text/html"));
    }
    // Threaded per incident: the update answers the first message.
    let of = |address: &str| -> Vec<&crate::common::receiver::Mail> {
        mails.iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    };
    let whole = of("whole@example.com");
    let (first, second) =
        if whole[0].text().contains("PUBLIC-UPDATE") { (whole[1], whole[0]) } else { (whole[0], whole[1]) };
    assert!(first.header("Subject").unwrap().contains("[acme] Payments are slow"), "{}", first.data);
    assert!(second.text().contains("PUBLIC-UPDATE traffic is rerouted."), "{}", second.text());
    let root = first.header("Message-ID").unwrap();
    assert_eq!(second.header("In-Reply-To"), Some(root.clone()));
    assert_eq!(second.header("References"), Some(root));

    // The webhook got Statuspage's shapes, with public words only.
    let recorded: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/statuspage-subscriber-webhook.json")).unwrap();
    let posts = hook.received();
    assert_eq!(posts.len(), 2);
    for post in &posts {
        let body = post.json();
        has_shape(&recorded, &body, "");
        assert_eq!(body["incident"]["name"], "Payments are slow");
        for private in ["PRIVATE-", "acme-0", "10.0.0.7", "QUIET-UPDATE"] {
            assert!(
                !String::from_utf8_lossy(&post.body).contains(private),
                "{private} reached a webhook: {:?}",
                post.body
            );
        }
    }
    assert!(
        posts
            .iter()
            .any(|p| p.json()["incident"]["incident_updates"][0]["body"] == "PUBLIC-UPDATE traffic is rerouted.")
    );
    let unsubscribe = posts[0].json()["meta"]["unsubscribe"].as_str().unwrap().to_owned();
    let link = unsubscribe.trim_start_matches("http://vigie.test/subscriptions/").trim_end_matches("/unsubscribe");
    assert_eq!(subscribers::by_link(&mut conn, link).unwrap().kind, SubscriberKind::Webhook);

    // Nothing is sent twice.
    assert_eq!(dispatcher(&app, &smtp).work().await.unwrap(), 0);
    assert_eq!(smtp.mails().len(), 4);

    // The team sees what went out and how it went.
    let sent = subscribers::sent(&mut conn, page_id).unwrap();
    let seen: Vec<(Option<&str>, i64, i64, i64)> =
        sent.iter().map(|n| (n.subject.as_deref(), n.delivered, n.waiting, n.failed)).collect();
    assert_eq!(
        seen,
        [(Some("[acme] Payments are slow: Identified"), 3, 0, 0), (Some("[acme] Payments are slow"), 3, 0, 0)]
    );
}

#[tokio::test]
async fn a_bounced_address_is_skipped_and_a_failing_webhook_is_retried() {
    use app::ssr::db::schema::subscriber_deliveries as deliveries;
    use diesel::prelude::*;
    let smtp = smtp_server();
    let hook = webhook(Mode::Fail(1));
    let app = TestApp::with_smtp(smtp.url());
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let mut conn = app.db.conn();
    let bounced = confirmed(&mut conn, page_id, "bounce-me@example.com", vec![]);
    webhook_subscriber(&mut conn, page_id, &hook.url);
    let body = json!({"title": "Slow payments", "impact": "partial_outage", "monitor_ids": [monitors[1]]});
    let reply = app.api(Method::POST, "/api/v1/incidents", Some(&token), Some(body)).await;
    let incident = reply.json()["id"].as_i64().unwrap();

    let dispatcher = dispatcher(&app, &smtp);
    dispatcher.work().await.unwrap();
    let state = |conn: &mut diesel::PgConnection| -> Vec<(String, i32, Option<String>)> {
        deliveries::table
            .order(deliveries::subscriber_id)
            .select((deliveries::state, deliveries::attempts, deliveries::error))
            .load(conn)
            .unwrap()
    };
    let rows = state(&mut conn);
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("failed", 1), "a permanent refusal is not retried: {rows:?}");
    assert!(rows[0].2.as_deref().unwrap().contains("550"), "{rows:?}");
    assert_eq!((rows[1].0.as_str(), rows[1].1), ("pending", 1), "a 500 is retried: {rows:?}");
    let row =
        app::ssr::db::subscribers::lock_by_address(&mut conn, page_id, SubscriberKind::Email, "bounce-me@example.com")
            .unwrap()
            .unwrap();
    assert_eq!((row.id, row.state), (bounced, SubscriberState::Bounced));

    // The retry falls due: delivered. A later notice skips the bounced address.
    diesel::update(deliveries::table).set(deliveries::next_attempt_at.eq(Utc::now())).execute(&mut conn).unwrap();
    app.api(Method::POST, &format!("/api/v1/incidents/{incident}/resolve"), Some(&token), None).await;
    dispatcher.work().await.unwrap();
    let rows = state(&mut conn);
    assert_eq!(rows.len(), 3, "the bounced address got no second delivery: {rows:?}");
    assert!(rows[1..].iter().all(|r| r.0 == "delivered"), "{rows:?}");
    assert_eq!(hook.received().len(), 3);
    assert!(hook.received().iter().any(|post| post.json()["incident"]["status"] == "resolved"));
}

#[tokio::test]
async fn ten_thousand_subscribers_are_fanned_out_in_batches_outside_the_publishing_transaction() {
    use diesel::prelude::*;
    let app = TestApp::new();
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let mut conn = app.db.conn();
    diesel::sql_query(
        "INSERT INTO subscribers (page_id, kind, address, state, created_at, confirmed_at) \
         SELECT $1, 'email', 'reader' || n || '@example.com', 'confirmed', now() - interval '1 hour', now() - interval '1 hour' \
         FROM generate_series(1, 10000) n",
    )
    .bind::<diesel::sql_types::BigInt, _>(page_id)
    .execute(&mut conn)
    .unwrap();
    let body = json!({"title": "Outage", "impact": "major_outage", "monitor_ids": [monitors[0]]});
    let reply = app.api(Method::POST, "/api/v1/incidents", Some(&token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let counted = |conn: &mut diesel::PgConnection, table: &str| -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        diesel::sql_query(format!("SELECT count(*) AS count FROM {table}")).get_result::<Count>(conn).unwrap().count
    };
    assert_eq!(counted(&mut conn, "subscriber_notices"), 1, "publishing writes one notice");
    assert_eq!(counted(&mut conn, "subscriber_deliveries"), 0, "and no delivery");
    let smtp = smtp_server();
    let fanned = dispatcher(&app, &smtp).fan_out().await.unwrap();
    assert_eq!(fanned, 10_000);
    assert_eq!(counted(&mut conn, "subscriber_deliveries"), 10_000);
    assert_eq!(dispatcher(&app, &smtp).fan_out().await.unwrap(), 0, "once");
}

/// Posts a form as a browser on the same site does.
async fn post_form(app: &TestApp, uri: &str, form: &[(&str, &str)]) -> crate::common::Reply {
    let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
    let request = axum::http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "vigie.test")
        .header("origin", "http://vigie.test")
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send(request).await
}

/// Waits (a little) for the SMTP server to hold `count` messages.
async fn mails(smtp: &crate::common::receiver::SmtpServer, count: usize) -> Vec<crate::common::receiver::Mail> {
    for _ in 0..100 {
        if smtp.mails().len() >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    smtp.mails()
}

/// The token of the first link to `prefix` in a text.
fn token_after(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {text}")) + prefix.len();
    text[start..start + 64].to_owned()
}

#[tokio::test]
async fn the_public_subscribes_confirms_changes_and_leaves_with_plain_forms() {
    let smtp = smtp_server();
    let app = TestApp::with_smtp(smtp.url());
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let (api, web) = (format!("c{}", monitors[0]), format!("c{}", monitors[1]));

    let status = app.get("/status/acme", None).await;
    assert!(status.body.contains("href=\"/status/acme/subscribe\""), "the page links its form");
    let form = app.get("/status/acme/subscribe", None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"email\"") && form.body.contains(&format!("value=\"{api}\"")), "{}", form.body);
    assert!(form.body.contains(">API<") || form.body.contains(" API"), "public names: {}", form.body);
    assert!(!form.body.contains("acme-0"), "never the monitor's own name");
    assert_eq!(form.header("cache-control"), Some("no-store"));

    // Subscribe to one component: a confirmation link arrives, nothing else.
    let answer = post_form(
        &app,
        "/status/acme/subscribe",
        &[("kind", "email"), ("email", "reader@example.com"), ("component", &api)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("Check your inbox"));
    let sent = mails(&smtp, 1).await;
    assert_eq!(sent[0].to, ["reader@example.com"]);
    let confirm = token_after(&sent[0].text(), "http://vigie.test/subscriptions/confirm/");

    // The link shows a button (scanners follow links); the button confirms.
    let page = app.get(&format!("/subscriptions/confirm/{confirm}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("action=\"/subscriptions/confirm/{confirm}\"")));
    let confirmed = post_form(&app, &format!("/subscriptions/confirm/{confirm}"), &[]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
    let location = confirmed.header("location").unwrap().to_owned();
    let link = token_after(&location, "/subscriptions/");
    let manage = app.get(&location, None).await;
    assert!(manage.body.contains("reader@example.com") && manage.body.contains("is confirmed"), "{}", manage.body);
    assert!(manage.body.contains(&format!("value=\"{api}\" checked")), "{}", manage.body);
    assert_eq!(post_form(&app, &format!("/subscriptions/confirm/{confirm}"), &[]).await.status, StatusCode::NOT_FOUND);

    // Asking again answers the same words; the mail says it is subscribed already.
    let again = post_form(
        &app,
        "/status/acme/subscribe",
        &[("kind", "email"), ("email", "reader@example.com"), ("component", &api)],
    )
    .await;
    assert_eq!((again.status, again.body.as_str()), (answer.status, answer.body.as_str()));
    let sent = mails(&smtp, 2).await;
    assert!(sent[1].header("Subject").unwrap().contains("already subscribed"), "{}", sent[1].data);

    // Change what it follows.
    let saved = post_form(&app, &format!("/subscriptions/{link}"), &[("component", &web)]).await;
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    let mut conn = app.db.conn();
    assert_eq!(subscribers::by_link(&mut conn, &link).unwrap().monitor_ids, Some(vec![monitors[1]]));

    // A robot filling the hidden field is told the same, and nothing happens.
    let robot = post_form(
        &app,
        "/status/acme/subscribe",
        &[("kind", "email"), ("email", "robot@example.com"), ("website", "http://spam.example")],
    )
    .await;
    assert_eq!(robot.status, StatusCode::OK);
    assert!(robot.body.contains("Check your inbox"));
    assert!(
        app::ssr::db::subscribers::lock_by_address(&mut conn, page_id, SubscriberKind::Email, "robot@example.com")
            .unwrap()
            .is_none()
    );

    // Bad input is named; another site cannot post the form.
    let bad =
        post_form(&app, "/status/acme/subscribe", &[("kind", "webhook"), ("url", "http://hooks.example/x")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("https://") && bad.body.contains("value=\"http://hooks.example/x\""), "{}", bad.body);
    let request = axum::http::Request::post("/status/acme/subscribe")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("host", "vigie.test")
        .header("origin", "https://evil.example")
        .body(axum::body::Body::from("kind=email&email=victim%40example.com"))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);

    // Three requests an hour for one address, then the page's own 429.
    post_form(&app, "/status/acme/subscribe", &[("kind", "email"), ("email", "reader@example.com")]).await;
    let limited =
        post_form(&app, "/status/acme/subscribe", &[("kind", "email"), ("email", "reader@example.com")]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("Too many requests") && limited.body.contains("acme"), "{}", limited.body);
    assert!(limited.header("retry-after").is_some());

    // One click (RFC 8058: a POST from the mail program, no Origin) leaves.
    let request = axum::http::Request::post(format!("/subscriptions/{link}/unsubscribe"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
        .unwrap();
    let left = app.send(request).await;
    assert_eq!(left.status, StatusCode::OK);
    assert!(left.body.contains("You are unsubscribed"));
    assert_eq!(app.get(&format!("/subscriptions/{link}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(post_form(&app, &format!("/subscriptions/{link}/unsubscribe"), &[]).await.status, StatusCode::OK);

    // A page that takes no subscriptions shows no form.
    let off = json!({"allow_subscriptions": false});
    let reply = app.api(Method::PATCH, &format!("/api/v1/status-pages/{page_id}"), Some(&token), Some(off)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["allow_subscriptions"], false);
    assert_eq!(app.get("/status/acme/subscribe", None).await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/status/acme", None).await.body.contains("/status/acme/subscribe"));
}

#[tokio::test]
async fn the_team_lists_adds_removes_exports_and_imports_subscribers() {
    let smtp = smtp_server();
    let app = TestApp::with_smtp(smtp.url());
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let (other_page, _) = page(&app, "beta", true).await;
    let base = format!("/api/v1/status-pages/{page_id}/subscribers");
    let add = |body: serde_json::Value| app.api(Method::POST, &base, Some(&token), Some(body));

    // An email added by the team confirms too, unless the person already agreed.
    let ada = add(json!({"kind": "email", "address": "Ada@Example.com", "monitor_ids": [monitors[0]]})).await;
    assert_eq!(ada.status, StatusCode::CREATED, "{}", ada.body);
    assert_eq!(
        (ada.json()["state"].as_str(), ada.json()["monitor_ids"].clone()),
        (Some("pending"), json!([monitors[0]]))
    );
    let sent = mails(&smtp, 1).await;
    assert!(sent[0].text().contains("http://vigie.test/subscriptions/confirm/"), "{}", sent[0].text());
    let again = add(json!({"kind": "email", "address": "ada@example.com"})).await;
    assert_eq!((again.status, again.json()["error"]["field"].as_str()), (StatusCode::CONFLICT, Some("email")));
    let bob = add(json!({"kind": "email", "address": "bob@example.com", "skip_confirmation": true})).await;
    assert_eq!(bob.json()["state"], "confirmed");
    let hook = add(json!({"kind": "webhook", "address": "https://hooks.example/in/SECRET-PATH-TOKEN"})).await;
    assert_eq!(hook.status, StatusCode::CREATED);
    assert!(!hook.body.contains("SECRET-PATH-TOKEN"), "a webhook URL shown in full: {}", hook.body);
    let bad = add(json!({"kind": "email", "address": "ada@example.com", "monitor_ids": [999_999]})).await;
    assert_eq!(bad.json()["error"]["field"], "components");

    // Listed newest first, searched, filtered, paginated.
    let list = |query: &str| {
        let uri = format!("{base}{query}");
        let (app, token) = (&app, &token);
        async move { app.api(Method::GET, &uri, Some(token), None).await }
    };
    let all = list("").await.json();
    let addresses: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|s| s["address"].as_str().unwrap()).collect();
    assert_eq!(addresses.len(), 3);
    assert_eq!(&addresses[1..], ["bob@example.com", "ada@example.com"]);
    assert!(!list("").await.body.contains("SECRET-PATH-TOKEN"));
    assert_eq!(list("?search=ADA").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(list("?state=confirmed").await.json()["items"].as_array().unwrap().len(), 2);
    let first = list("?limit=2").await.json();
    let next = first["next"].as_i64().unwrap();
    assert_eq!(list(&format!("?limit=2&before={next}")).await.json()["items"][0]["address"], "ada@example.com");
    assert_eq!(list("?limit=0").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(list("?state=gone").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.api(Method::GET, &base, None, None).await.status, StatusCode::UNAUTHORIZED);

    // Removed from its own page only.
    let ada_id = ada.json()["id"].as_i64().unwrap();
    let elsewhere = format!("/api/v1/status-pages/{other_page}/subscribers/{ada_id}");
    assert_eq!(app.api(Method::DELETE, &elsewhere, Some(&token), None).await.status, StatusCode::NOT_FOUND);
    let own = format!("{base}/{ada_id}");
    assert_eq!(app.api(Method::DELETE, &own, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api(Method::DELETE, &own, Some(&token), None).await.status, StatusCode::NOT_FOUND);

    // Exported as CSV for signed-in members (webhook URLs masked), audited.
    let csv_path = format!("/console/status-pages/{page_id}/subscribers.csv");
    assert!(!app.get(&csv_path, None).await.status.is_success(), "strangers get no export");
    let cookie = app.sign_in("ops-acme@example.com").await;
    let export = app.get(&csv_path, Some(&cookie)).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(export.body.starts_with("kind,address,state,components,created_at,confirmed_at\n"), "{}", export.body);
    assert!(export.body.contains("email,bob@example.com,confirmed,,"), "{}", export.body);
    assert!(!export.body.contains("SECRET-PATH-TOKEN"));

    // Imported (the export reads back), lines in error named.
    let mut conn = app.db.conn();
    let actor = app::ssr::team::audit::Actor::command_line();
    let (report, confirmations) =
        subscribers::import(&mut conn, &actor, other_page, &export.body, false, Utc::now()).unwrap();
    assert_eq!((report.added, report.existing), (1, 0), "{report:?}");
    assert_eq!(report.errors.len(), 1, "the masked webhook URL cannot come back: {report:?}");
    assert_eq!(confirmations.len(), 1, "bob confirms on the other page");
    let text = "address,components\nnew@example.com,API\nnot an address,\nbob@example.com,\nx@example.com,Nope\n";
    let (report, confirmations) = subscribers::import(&mut conn, &actor, page_id, text, true, Utc::now()).unwrap();
    assert_eq!((report.added, report.existing), (1, 1), "{report:?}");
    assert_eq!(report.errors.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [3, 5]);
    assert!(confirmations.is_empty(), "agreed: no confirmation");
    let new = app::ssr::db::subscribers::lock_by_address(&mut conn, page_id, SubscriberKind::Email, "new@example.com")
        .unwrap()
        .unwrap();
    assert_eq!((new.state, new.monitor_ids), (SubscriberState::Confirmed, Some(vec![monitors[0]])));
    let error = subscribers::import(&mut conn, &actor, page_id, "name\nx", true, Utc::now()).unwrap_err();
    assert_eq!(error.field(), Some("csv"));

    let log = app.api(Method::GET, "/api/v1/audit-events?limit=50", Some(&token), None).await.json();
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["subscriber_added", "subscriber_removed", "subscribers_exported", "subscribers_imported"] {
        assert!(actions.contains(&action), "{action} not audited: {actions:?}");
    }
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    assert!(doc["paths"]["/api/v1/status-pages/{id}/subscribers"]["post"].is_object());
}

#[tokio::test]
async fn subscriber_webhooks_reach_only_public_addresses() {
    use app::ssr::alerts::notify::{AlertSettings, Notifier, Sent, is_public};
    let hook = webhook(Mode::Accept);
    let notifier =
        Notifier::new(&AlertSettings { timeout: std::time::Duration::from_secs(2), ..Default::default() }).unwrap();
    let port = hook.url.trim_start_matches("http://127.0.0.1:").split('/').next().unwrap().to_owned();
    // A literal private address, a name resolving to loopback, plain http.
    for url in [
        format!("https://127.0.0.1:{port}/hook"),
        format!("https://[::1]:{port}/hook"),
        "https://10.1.2.3/hook".to_owned(),
    ] {
        let sent = notifier.post_subscriber(&url, b"{}".to_vec()).await;
        assert!(matches!(sent, Sent::Refused(ref why) if why.contains("private")), "{url}: {sent:?}");
    }
    let sent = notifier.post_subscriber(&format!("https://localhost:{port}/hook"), b"{}".to_vec()).await;
    assert!(matches!(sent, Sent::Failed(ref why) if why.contains("no public address")), "{sent:?}");
    assert!(matches!(notifier.post_subscriber(&hook.url, b"{}".to_vec()).await, Sent::Refused(_)), "http");
    assert!(hook.received().is_empty(), "nothing reached the private receiver");

    // Allowed on purpose (an intranet page), the same receiver is reached.
    let intranet = crate::common::test_notifier(None);
    assert_eq!(intranet.post_subscriber(&hook.url, b"{}".to_vec()).await, Sent::Delivered);
    assert_eq!(hook.received().len(), 1);

    for (ip, public) in [
        ("93.184.216.34", true),
        ("2606:2800:220:1::1", true),
        ("192.168.1.1", false),
        ("172.16.0.1", false),
        ("100.64.0.1", false),
        ("169.254.169.254", false),
        ("0.0.0.0", false),
        ("fd00::1", false),
        ("fe80::1", false),
        ("::ffff:127.0.0.1", false),
    ] {
        assert_eq!(is_public(ip.parse().unwrap()), public, "{ip}");
    }
}

#[tokio::test]
async fn each_public_step_of_incidents_and_maintenance_is_a_notice_and_nothing_else() {
    let app = TestApp::new();
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let mut conn = app.db.conn();
    confirmed(&mut conn, page_id, "whole@example.com", vec![]);
    let kinds = |conn: &mut diesel::PgConnection| -> Vec<String> {
        use app::ssr::db::schema::subscriber_notices as notices;
        use diesel::prelude::*;
        notices::table.order(notices::id).select(notices::kind).load(conn).unwrap()
    };
    let call = |method: Method, path: String, body: Option<serde_json::Value>| {
        let (app, token) = (&app, &token);
        async move {
            let reply = app.api(method, &path, Some(token), body).await;
            assert!(reply.status.is_success(), "{path}: {}", reply.body);
            reply.json()
        }
    };

    // Unknown impact tells nobody; setting one publishes it.
    let body = json!({"title": "Slow", "monitor_ids": [monitors[0]]});
    let id = call(Method::POST, "/api/v1/incidents".into(), Some(body)).await["id"].as_i64().unwrap();
    assert!(kinds(&mut conn).is_empty());
    call(Method::PATCH, format!("/api/v1/incidents/{id}"), Some(json!({"title": "Slower"}))).await;
    assert!(kinds(&mut conn).is_empty(), "a title change tells nobody");
    call(Method::PATCH, format!("/api/v1/incidents/{id}"), Some(json!({"impact": "partial_outage"}))).await;
    call(Method::PATCH, format!("/api/v1/incidents/{id}"), Some(json!({"impact": "major_outage"}))).await;
    call(Method::POST, format!("/api/v1/incidents/{id}/resolve"), None).await;
    call(Method::POST, format!("/api/v1/incidents/{id}/reopen"), None).await;
    assert_eq!(
        kinds(&mut conn),
        ["incident_published", "incident_resolved"],
        "published once, resolved; reopening is quiet"
    );

    // A maintenance: announced, moved, cancelled; another runs its window.
    let start = Utc::now() + Duration::days(2);
    let body = json!({"kind": "maintenance", "title": "Upgrade", "monitor_ids": [monitors[1]],
                      "scheduled_start": start, "scheduled_end": start + Duration::hours(1)});
    let later = call(Method::POST, "/api/v1/incidents".into(), Some(body)).await["id"].as_i64().unwrap();
    let moved = json!({"scheduled_start": start + Duration::hours(2), "scheduled_end": start + Duration::hours(3)});
    call(Method::PATCH, format!("/api/v1/incidents/{later}"), Some(moved)).await;
    call(Method::POST, format!("/api/v1/incidents/{later}/cancel"), None).await;
    let soon = Utc::now() + Duration::minutes(1);
    let body = json!({"kind": "maintenance", "title": "Patch", "monitor_ids": [monitors[1]],
                      "scheduled_start": soon, "scheduled_end": soon + Duration::minutes(30)});
    call(Method::POST, "/api/v1/incidents".into(), Some(body)).await;
    app::ssr::incidents::reactions::advance_maintenance(&mut conn, soon + Duration::seconds(1)).unwrap();
    app::ssr::incidents::reactions::advance_maintenance(&mut conn, soon + Duration::minutes(31)).unwrap();
    assert_eq!(
        kinds(&mut conn)[2..],
        [
            "maintenance_scheduled",
            "maintenance_changed",
            "maintenance_cancelled",
            "maintenance_scheduled",
            "maintenance_started",
            "maintenance_completed"
        ]
    );

    // A page that takes no subscriptions, or has no subscriber, gets no notice.
    call(Method::PATCH, format!("/api/v1/status-pages/{page_id}"), Some(json!({"allow_subscriptions": false}))).await;
    let body = json!({"title": "Again", "impact": "major_outage", "monitor_ids": [monitors[0]]});
    call(Method::POST, "/api/v1/incidents".into(), Some(body)).await;
    assert_eq!(kinds(&mut conn).len(), 8);
}

#[tokio::test]
async fn webhooks_are_told_when_a_component_changes_in_statuspage_s_shape() {
    let smtp = smtp_server();
    let hook = webhook(Mode::Accept);
    let app = TestApp::with_smtp(smtp.url());
    let (page_id, monitors, token) = page_and_token(&app, "acme", true).await;
    let mut conn = app.db.conn();
    webhook_subscriber(&mut conn, page_id, &hook.url);
    confirmed(&mut conn, page_id, "reader@example.com", vec![]);
    let dispatcher = dispatcher(&app, &smtp);
    assert_eq!(dispatcher.compare_components().await.unwrap(), 0, "the first look records the states");

    let body = json!({"title": "Down", "impact": "major_outage", "monitor_ids": [monitors[1]]});
    let incident =
        app.api(Method::POST, "/api/v1/incidents", Some(&token), Some(body)).await.json()["id"].as_i64().unwrap();
    assert_eq!(dispatcher.compare_components().await.unwrap(), 1, "Web changed, API did not");
    assert_eq!(dispatcher.compare_components().await.unwrap(), 0, "told once");
    dispatcher.work().await.unwrap();
    let recorded: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/statuspage-component-webhook.json")).unwrap();
    let updates: Vec<serde_json::Value> =
        hook.received().iter().map(|p| p.json()).filter(|b| b.get("component_update").is_some()).collect();
    assert_eq!(updates.len(), 1);
    has_shape(&recorded, &updates[0], "");
    assert_eq!(updates[0]["component"]["name"], "Web");
    assert_eq!(updates[0]["component_update"]["component_id"], format!("c{}", monitors[1]));
    assert_eq!(
        (updates[0]["component_update"]["old_status"].as_str(), updates[0]["component_update"]["new_status"].as_str()),
        (Some("operational"), Some("major_outage"))
    );
    assert!(smtp.mails().iter().all(|m| !m.text().contains("component_update")));
    assert_eq!(smtp.mails().len(), 1, "email subscribers get the incident, not the component's change");

    app.api(Method::POST, &format!("/api/v1/incidents/{incident}/resolve"), Some(&token), None).await;
    assert_eq!(dispatcher.compare_components().await.unwrap(), 1);
    dispatcher.work().await.unwrap();
    let last = hook.received().iter().map(|p| p.json()).filter(|b| b.get("component_update").is_some()).last().unwrap();
    assert_eq!(last["component_update"]["new_status"], "operational");
}
