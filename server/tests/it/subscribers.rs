//! Subscribing to a status page: double opt-in for email, links that manage
//! a subscription, and forgetting what was never confirmed.

use crate::common::TestApp;
use app::model::{Role, SubscriberKind, SubscriberState};
use app::ssr::status_pages::subscribers::{self, SubscribeRequest, Subscribed};
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;

/// A page (published or not) with two components; answers its id and the monitors.
async fn page(app: &TestApp, slug: &str, published: bool) -> (i64, [i64; 2]) {
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
    (reply.json()["id"].as_i64().unwrap(), monitors)
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

    let error = subscribers::subscribe(&mut conn, hidden, &email("ada@example.com", vec![]), now).unwrap_err();
    assert_eq!(error.status(), 404, "an unpublished page takes no subscribers");

    let Subscribed::ConfirmationDue { subscriber, confirm } =
        subscribers::subscribe(&mut conn, page_id, &email(" Ada@Example.com", vec![monitors[1]]), now).unwrap()
    else {
        panic!("a new address must confirm first")
    };
    assert_eq!((subscriber.address.as_str(), subscriber.state), ("ada@example.com", SubscriberState::Pending));
    // Asking again sends a new link; the first one no longer works.
    let Subscribed::ConfirmationDue { confirm: again, .. } =
        subscribers::subscribe(&mut conn, page_id, &email("ada@example.com", vec![monitors[1]]), now).unwrap()
    else {
        panic!("still pending")
    };
    assert_eq!(subscribers::confirm(&mut conn, &confirm, now).unwrap_err().status(), 404);
    let (confirmed, link) = subscribers::confirm(&mut conn, &again, now).unwrap();
    assert_eq!(confirmed.state, SubscriberState::Confirmed);
    assert_eq!(confirmed.monitor_ids, Some(vec![monitors[1]]));
    assert_eq!(subscribers::confirm(&mut conn, &again, now).unwrap_err().status(), 404, "used once");

    // Subscribing a confirmed address changes nothing (the visitor sees the same answer).
    let outcome = subscribers::subscribe(&mut conn, page_id, &email("ada@example.com", vec![]), now).unwrap();
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
        subscribers::subscribe(&mut conn, page_id, &email("late@example.com", vec![]), now).unwrap()
    else {
        panic!()
    };
    let Subscribed::ConfirmationDue { confirm: kept, .. } =
        subscribers::subscribe(&mut conn, page_id, &email("kept@example.com", vec![]), now).unwrap()
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
    let error = subscribers::subscribe(&mut conn, page_id, &hook("http://hooks.example/x"), now).unwrap_err();
    assert_eq!(error.field(), Some("url"));
    let Subscribed::Active { subscriber, link } =
        subscribers::subscribe(&mut conn, page_id, &hook("https://hooks.example/x"), now).unwrap()
    else {
        panic!("webhooks need no confirmation")
    };
    assert_eq!(subscriber.state, SubscriberState::Confirmed);
    assert_eq!(subscribers::by_link(&mut conn, &link).unwrap().id, subscriber.id);
    let again = subscribers::subscribe(&mut conn, page_id, &hook("https://hooks.example/x"), now).unwrap();
    assert!(matches!(again, Subscribed::Active { subscriber: ref s, .. } if s.id == subscriber.id));
}
