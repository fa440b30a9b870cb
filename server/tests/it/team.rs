//! Team management through the console's server functions: who may do what,
//! validation, the last admin, passwords.

use crate::common;

use app::model::Role;
use axum::http::StatusCode;
use common::{PASSWORD, TestApp};

#[tokio::test]
async fn server_functions_refuse_strangers_and_members_where_admins_are_needed() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    app.user("bob@example.com", Role::Member);

    let anonymous: [(&str, &[(&str, &str)]); 5] = [
        ("current_user", &[]),
        ("list_members", &[]),
        ("list_tokens", &[]),
        ("create_token", &[("name", "x")]),
        ("change_password", &[("current_password", PASSWORD), ("new_password", "x"), ("confirm_password", "x")]),
    ];
    for (name, form) in anonymous {
        let reply = app.rpc(name, form, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{name} without a session: {}", reply.body);
    }

    let member = app.sign_in("bob@example.com").await;
    let id = admin.id.to_string();
    let attempts: [(&str, Vec<(&str, &str)>); 6] = [
        ("add_member", vec![("email", "eve@example.com"), ("name", "Eve"), ("role", "admin"), ("password", PASSWORD)]),
        ("change_role", vec![("user_id", &id), ("role", "member")]),
        ("remove_member", vec![("user_id", &id)]),
        ("list_tokens", vec![]),
        ("create_token", vec![("name", "mine")]),
        ("revoke_token", vec![("id", "1")]),
    ];
    for (name, form) in attempts {
        let reply = app.rpc(name, &form, Some(&member)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{name} as a member: {}", reply.body);
        assert_eq!(reply.json()["code"], "forbidden");
    }
    // A call whose arguments cannot be read is the caller's mistake.
    let garbled = app.rpc("change_role", &[("user_id", "not a number"), ("role", "admin")], Some(&member)).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST, "{}", garbled.body);

    // A member still sees the team.
    let list = app.rpc("list_members", &[], Some(&member)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json().as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn admins_add_members_with_field_level_errors() {
    let app = TestApp::new();
    app.user("ada@example.com", Role::Admin);
    let admin = app.sign_in("ada@example.com").await;

    let cases = [
        (("not-an-email", "Eve", "member", PASSWORD), "email", StatusCode::UNPROCESSABLE_ENTITY),
        (("eve@example.com", " ", "member", PASSWORD), "name", StatusCode::UNPROCESSABLE_ENTITY),
        (("eve@example.com", "Eve", "owner", PASSWORD), "role", StatusCode::UNPROCESSABLE_ENTITY),
        (("eve@example.com", "Eve", "member", "short"), "password", StatusCode::UNPROCESSABLE_ENTITY),
        (("ADA@example.com", "Ada again", "member", PASSWORD), "email", StatusCode::CONFLICT),
    ];
    for ((email, name, role, password), field, status) in cases {
        let reply = app
            .rpc(
                "add_member",
                &[("email", email), ("name", name), ("role", role), ("password", password)],
                Some(&admin),
            )
            .await;
        assert_eq!(reply.status, status, "{email}/{name}/{role}: {}", reply.body);
        assert_eq!(reply.json()["field"], field, "{}", reply.body);
    }

    let reply = app
        .rpc(
            "add_member",
            &[("email", "Eve@Example.com"), ("name", "Eve"), ("role", "member"), ("password", PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["email"], "eve@example.com");
    // The new member can sign in with the initial password.
    app.sign_in("eve@example.com").await;
}

#[tokio::test]
async fn the_team_always_keeps_an_admin() {
    let app = TestApp::new();
    let ada = app.user("ada@example.com", Role::Admin);
    let bob = app.user("bob@example.com", Role::Member);
    let admin = app.sign_in("ada@example.com").await;
    let ada_id = ada.id.to_string();
    let bob_id = bob.id.to_string();

    let demote_self = app.rpc("change_role", &[("user_id", &ada_id), ("role", "member")], Some(&admin)).await;
    assert_eq!(demote_self.status, StatusCode::CONFLICT, "{}", demote_self.body);
    assert!(demote_self.json()["message"].as_str().unwrap().contains("at least one admin"));
    let remove_self = app.rpc("remove_member", &[("user_id", &ada_id)], Some(&admin)).await;
    assert_eq!(remove_self.status, StatusCode::CONFLICT);

    let promote = app.rpc("change_role", &[("user_id", &bob_id), ("role", "admin")], Some(&admin)).await;
    assert_eq!(promote.status, StatusCode::OK);
    assert_eq!(promote.json()["role"], "admin");
    // With two admins, Ada may step down.
    let demote = app.rpc("change_role", &[("user_id", &ada_id), ("role", "member")], Some(&admin)).await;
    assert_eq!(demote.status, StatusCode::OK);
    // And is now refused admin work, at once.
    assert_eq!(app.rpc("list_tokens", &[], Some(&admin)).await.status, StatusCode::FORBIDDEN);

    let bob_session = app.sign_in("bob@example.com").await;
    let removed = app.rpc("remove_member", &[("user_id", &ada_id)], Some(&bob_session)).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    // Removing a member ends their sessions.
    assert_eq!(app.get("/console", Some(&admin)).await.status, StatusCode::SEE_OTHER);
    let missing = app.rpc("remove_member", &[("user_id", &ada_id)], Some(&bob_session)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn changing_ones_password_checks_the_old_one_and_ends_other_sessions() {
    let app = TestApp::new();
    app.user("bob@example.com", Role::Member);
    let here = app.sign_in("bob@example.com").await;
    let elsewhere = app.sign_in("bob@example.com").await;

    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let here = here.clone();
        let app = &app;
        async move {
            app.rpc(
                "change_password",
                &[("current_password", current), ("new_password", new), ("confirm_password", confirm)],
                Some(&here),
            )
            .await
        }
    };
    let wrong = change("not my password", "a brand new secret", "a brand new secret").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["field"], "current_password");
    let short = change(PASSWORD, "tiny", "tiny").await;
    assert_eq!(short.json()["field"], "new_password");
    let differ = change(PASSWORD, "a brand new secret", "another new secret").await;
    assert_eq!(differ.json()["field"], "confirm_password");

    let done = change(PASSWORD, "a brand new secret", "a brand new secret").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(app.get("/console", Some(&here)).await.status, StatusCode::OK);
    assert_eq!(app.get("/console", Some(&elsewhere)).await.status, StatusCode::SEE_OTHER);

    let old = app.rpc("sign_in", &[("email", "bob@example.com"), ("password", PASSWORD)], None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app.rpc("sign_in", &[("email", "bob@example.com"), ("password", "a brand new secret")], None).await;
    assert_eq!(new.status, StatusCode::OK);
}
