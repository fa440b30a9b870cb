//! Console sign-in, sessions, the console redirect and the sign-in rate limit.

use crate::common;

use app::model::Role;
use app::ssr::team::auth::{self, ACCOUNT_LIMIT, SESSION_IDLE, SESSION_MAX, SESSION_RENEW_EVERY};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::{PASSWORD, TestApp};

#[tokio::test]
async fn signing_in_sets_a_locked_down_cookie_and_opens_the_console() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);

    let reply = app
        .rpc("sign_in", &[("email", " Ada@Example.com "), ("password", PASSWORD), ("next", "/console/team")], None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("location"), Some("/console/team"));
    let set_cookie = reply.header("set-cookie").unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
        assert!(set_cookie.contains(attribute), "{set_cookie} lacks {attribute}");
    }
    assert!(!set_cookie.contains("Secure"), "plain http must not get Secure cookies");
    let cookie = reply.session_cookie().unwrap();

    let page = app.get("/console/team", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    // Type-erased views mark the end of static text (`<h1>Team<!></h1>`).
    assert!(page.body.contains("<h1>Team"), "{}", page.body);

    // Signed in, /login leads to the console.
    let login = app.get("/login", Some(&cookie)).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.header("location"), Some("/console"));
}

#[tokio::test]
async fn the_console_redirects_strangers_to_sign_in() {
    let app = TestApp::new();
    for (path, next) in [("/console", "%2Fconsole"), ("/console/tokens?x=1", "%2Fconsole%2Ftokens%3Fx%3D1")] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.header("location"), Some(format!("/login?next={next}").as_str()));
    }
    let forged = app.get("/console", Some("vigie_session=not-a-real-token")).await;
    assert_eq!(forged.status, StatusCode::SEE_OTHER);
    // The public pages stay public.
    assert_eq!(app.get("/login", None).await.status, StatusCode::OK);
    let home = app.get("/", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("No status page is published yet"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_look_the_same() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let wrong_password =
        app.rpc("sign_in", &[("email", "ada@example.com"), ("password", "not the password")], None).await;
    let unknown_email = app.rpc("sign_in", &[("email", "bob@example.com"), ("password", PASSWORD)], None).await;
    for reply in [&wrong_password, &unknown_email] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.json()["code"], "invalid_credentials");
        assert!(reply.session_cookie().is_none());
    }
    assert_eq!(wrong_password.body, unknown_email.body);
    assert!(!wrong_password.body.to_lowercase().contains("unknown"));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_a_retry_after() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    for attempt in 0..ACCOUNT_LIMIT.max {
        // Each from another address: this is the per-account limit.
        let address = format!("10.0.0.{attempt}:4000");
        let reply = app
            .rpc_from("sign_in", &[("email", "ada@example.com"), ("password", "wrong password")], None, &address)
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // Now even the right password waits.
    let reply = app.rpc("sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)], None).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.body);
    let retry_after: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    assert_eq!(reply.json()["code"], "rate_limited");
    assert!(reply.session_cookie().is_none());
    // Another account is not affected.
    app.user("bob@example.com", Role::Member);
    app.sign_in("bob@example.com").await;
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_limited() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    for attempt in 0..auth::ADDRESS_LIMIT.max {
        let email = format!("guess{attempt}@example.com");
        let reply =
            app.rpc_from("sign_in", &[("email", &email), ("password", "wrong password")], None, "192.0.2.7:1234").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let blocked =
        app.rpc_from("sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)], None, "192.0.2.7:1234").await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere =
        app.rpc_from("sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)], None, "192.0.2.8:1234").await;
    assert_eq!(elsewhere.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let cookie = app.sign_in("ada@example.com").await;
    let reply = app.rpc("sign_out", &[], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("location"), Some("/login"));
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(app.get("/console", Some(&cookie)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.rpc("current_user", &[], Some(&cookie)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_expire_when_idle_slide_when_used_and_never_outlive_the_maximum() {
    let app = TestApp::new();
    let user = app.user("ada@example.com", Role::Admin);
    let mut conn = app.db.conn();
    let start = Utc::now();
    let token = auth::open_session(&mut conn, user.id, start).unwrap();

    let fresh = auth::resolve_session(&mut conn, &token, start + Duration::minutes(5)).unwrap().unwrap();
    assert_eq!(fresh.user.id, user.id);
    assert!(fresh.renewed_until.is_none(), "no write for every request");

    let later = start + SESSION_RENEW_EVERY + Duration::minutes(1);
    let renewed = auth::resolve_session(&mut conn, &token, later).unwrap().unwrap();
    assert_eq!(renewed.renewed_until, Some(later + SESSION_IDLE));

    // Idle past the window: gone.
    let idle = later + SESSION_IDLE + Duration::seconds(1);
    assert!(auth::resolve_session(&mut conn, &token, idle).unwrap().is_none());

    // Used every day, it still ends at the maximum age.
    let token = auth::open_session(&mut conn, user.id, start).unwrap();
    let mut now = start;
    while now < start + SESSION_MAX - Duration::days(1) {
        now += Duration::days(1);
        assert!(auth::resolve_session(&mut conn, &token, now).unwrap().is_some(), "alive at {now}");
    }
    assert!(auth::resolve_session(&mut conn, &token, start + SESSION_MAX + Duration::seconds(1)).unwrap().is_none());
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let app = TestApp::with_secure_cookies(true);
    app.user("ada@example.com", Role::Admin);
    let reply = app.rpc("sign_in", &[("email", "ada@example.com"), ("password", PASSWORD)], None).await;
    let set_cookie = reply.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("__Host-vigie_session=") && set_cookie.ends_with("; Secure"), "{set_cookie}");
    let cookie = reply.session_cookie().unwrap();
    assert_eq!(app.get("/console/team", Some(&cookie)).await.status, StatusCode::OK);
    // The same token under the plain name (as a plain-http answer or a
    // sibling subdomain could plant it) opens nothing.
    let token = cookie.split_once('=').unwrap().1;
    let planted = app.get("/console/team", Some(&format!("vigie_session={token}"))).await;
    assert_eq!(planted.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_session_in_use_gets_its_cookie_renewed() {
    use diesel::RunQueryDsl;
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let cookie = app.sign_in("ada@example.com").await;

    // Used a moment ago: no renewal, no cookie.
    assert!(app.get("/console", Some(&cookie)).await.header("set-cookie").is_none());

    // Last seen two hours ago: the expiry slides and the cookie is sent again.
    diesel::sql_query("UPDATE sessions SET last_seen_at = now() - interval '2 hours'")
        .execute(&mut app.db.conn())
        .unwrap();
    let reply = app.get("/console", Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let renewed = reply.header("set-cookie").expect("a renewed cookie");
    assert!(renewed.starts_with(&cookie) && renewed.contains("HttpOnly"), "{renewed}");
    let max_age: i64 = renewed.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((SESSION_IDLE.num_seconds() - 60..=SESSION_IDLE.num_seconds()).contains(&max_age), "{max_age}");
}
