//! `/api/v1/monitors`: defining, changing, pausing and removing monitors.

use crate::common;

use app::model::Role;
use axum::http::{Method, StatusCode};
use common::{TestApp, target};
use serde_json::json;

#[tokio::test]
async fn a_monitor_is_created_with_defaults_changed_paused_and_removed() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);

    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Site", "url": "https://example.com"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let monitor = created.json();
    assert_eq!(monitor["kind"], "http");
    assert_eq!(monitor["url"], "https://example.com/");
    assert_eq!(monitor["method"], "GET");
    assert_eq!(monitor["accepted_status"], "200-299");
    assert_eq!(monitor["interval_seconds"], 60);
    assert_eq!(monitor["timeout_seconds"], 10);
    assert_eq!(monitor["regions"], json!(["local"]));
    assert_eq!(monitor["incident_confirmations"], 3);
    assert_eq!(monitor["recovery_confirmations"], 2);
    assert_eq!(monitor["status"], "pending");
    let id = monitor["id"].as_i64().unwrap();
    let uri = format!("/api/v1/monitors/{id}");

    let changed =
        app.api(Method::PATCH, &uri, Some(&token), Some(json!({"interval_seconds": 300, "keyword": "healthy"}))).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json()["interval_seconds"], 300);
    assert_eq!(changed.json()["keyword"], "healthy");
    assert_eq!(changed.json()["url"], "https://example.com/", "fields not given stay");

    let invalid = app.api(Method::PATCH, &uri, Some(&token), Some(json!({"timeout_seconds": 400}))).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.json()["error"]["field"], "timeout_seconds");
    assert_eq!(app.api(Method::GET, &uri, Some(&token), None).await.json()["timeout_seconds"], 10);

    let paused = app.api(Method::POST, &format!("{uri}/pause"), Some(&token), None).await;
    assert_eq!(paused.json()["status"], "paused");
    assert_eq!(paused.json()["paused"], true);
    let resumed = app.api(Method::POST, &format!("{uri}/resume"), Some(&token), None).await;
    assert_eq!(resumed.json()["status"], "pending");

    let list = app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.json()["next"], serde_json::Value::Null);

    assert_eq!(app.api(Method::DELETE, &uri, Some(&token), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api(Method::GET, &uri, Some(&token), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api(Method::DELETE, &uri, Some(&token), None).await.status, StatusCode::NOT_FOUND);
}

/// The names of a list page's monitors, and its `next`.
fn names_and_next(reply: &common::Reply) -> (Vec<String>, Option<String>) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let page = reply.json();
    let names = page["items"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_owned()).collect();
    (names, page["next"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn the_list_is_paged_by_name_and_narrowed_by_search_status_kind_and_region() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let region = app.api(Method::POST, "/api/v1/regions", Some(&token), Some(json!({"name": "eu-west"}))).await;
    assert_eq!(region.status, StatusCode::CREATED, "{}", region.body);
    // Two monitors share a name, so a page boundary falls between equal names.
    let defs = [
        json!({"name": "Echo", "url": "https://echo.example.net/health"}),
        json!({"name": "alpha", "url": "https://alpha.example.com"}),
        json!({"name": "Delta", "kind": "tcp", "host": "db.internal", "port": 5432}),
        json!({"name": "Bravo", "url": "https://bravo.example.com", "regions": ["local", "eu-west"]}),
        json!({"name": "Charlie", "url": "https://charlie.example.com"}),
        json!({"name": "Charlie", "url": "https://charlie-2.example.com"}),
        json!({"name": "Foxtrot", "kind": "tcp", "host": "mail.internal", "port": 25, "regions": ["eu-west"]}),
    ];
    let mut ids = std::collections::HashMap::new();
    for def in defs {
        let created = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(def)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        ids.insert(
            created.json()["url"].as_str().unwrap_or_default().to_owned(),
            created.json()["id"].as_i64().unwrap(),
        );
    }

    // Pages of three, by name in any case (then creation), until `next` is
    // null; the two Charlies fall on either side of a boundary.
    let mut pages = Vec::new();
    let mut uri = "/api/v1/monitors?limit=3".to_owned();
    loop {
        let (names, next) = names_and_next(&app.api(Method::GET, &uri, Some(&token), None).await);
        pages.push(names);
        match next {
            Some(cursor) => uri = format!("/api/v1/monitors?limit=3&cursor={cursor}"),
            None => break,
        }
        assert!(pages.len() < 10, "the pages never end");
    }
    assert_eq!(pages, [vec!["alpha", "Bravo", "Charlie"], vec!["Charlie", "Delta", "Echo"], vec!["Foxtrot"]]);
    let (all, next) = names_and_next(&app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await);
    assert_eq!((all.len(), next), (7, None), "a default page holds them all");

    let list = |query: &str| {
        let uri = format!("/api/v1/monitors?{query}");
        let app = &app;
        let token = token.clone();
        async move { names_and_next(&app.api(Method::GET, &uri, Some(&token), None).await).0 }
    };
    assert_eq!(list("q=EXAMPLE.COM").await, ["alpha", "Bravo", "Charlie", "Charlie"], "search reads the URL, any case");
    assert_eq!(list("q=internal").await, ["Delta", "Foxtrot"], "and the host");
    assert_eq!(list("q=char").await, ["Charlie", "Charlie"], "and the name");
    assert_eq!(list("q=50%25").await, Vec::<String>::new(), "% is a character, not a wildcard");
    assert_eq!(list("kind=tcp").await, ["Delta", "Foxtrot"]);
    assert_eq!(list("region=eu-west").await, ["Bravo", "Foxtrot"]);
    assert_eq!(list("region=eu-west&kind=http").await, ["Bravo"]);
    let echo = ids["https://echo.example.net/health"];
    let paused = app.api(Method::POST, &format!("/api/v1/monitors/{echo}/pause"), Some(&token), None).await;
    assert_eq!(paused.status, StatusCode::OK);
    assert_eq!(list("status=paused").await, ["Echo"]);
    assert_eq!(list("status=pending&q=echo").await, Vec::<String>::new(), "filters add up");
    assert_eq!(list("status=pending&q=.example.").await, ["alpha", "Bravo", "Charlie", "Charlie"]);

    // Worst first, a page at a time: down, pending (by name), up, paused.
    let now = chrono::Utc::now();
    let mut conn = app.db.conn();
    app::ssr::db::schedule::change_status(&mut conn, ids["https://bravo.example.com/"], "down", now).unwrap();
    app::ssr::db::schedule::change_status(&mut conn, ids["https://charlie.example.com/"], "up", now).unwrap();
    drop(conn);
    let mut pages = Vec::new();
    let mut uri = "/api/v1/monitors?sort=status&limit=3".to_owned();
    let mut cursors = Vec::new();
    loop {
        let (names, next) = names_and_next(&app.api(Method::GET, &uri, Some(&token), None).await);
        pages.push(names);
        match next {
            Some(cursor) => {
                uri = format!("/api/v1/monitors?sort=status&limit=3&cursor={cursor}");
                cursors.push(cursor);
            }
            None => break,
        }
        assert!(pages.len() < 10, "the pages never end");
    }
    assert_eq!(pages, [vec!["Bravo", "alpha", "Charlie"], vec!["Delta", "Foxtrot", "Charlie"], vec!["Echo"]]);
    let by_name = format!("/api/v1/monitors?cursor={}", cursors[0]);
    let refused = app.api(Method::GET, &by_name, Some(&token), None).await;
    assert_eq!(refused.json()["error"]["field"], "cursor", "a cursor of one order is refused by the other");

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("status=sideways", "status"),
        ("kind=smtp", "kind"),
        ("cursor=zz", "cursor"),
        ("cursor=12.nothex", "cursor"),
        ("sort=age", "sort"),
    ] {
        let reply = app.api(Method::GET, &format!("/api/v1/monitors?{query}"), Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn the_consoles_list_counts_each_status_among_the_other_filters() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);
    let mut ids = Vec::new();
    for (name, host) in [("Web one", "one.example.com"), ("Web two", "two.example.com"), ("Mail", "mail.example.org")] {
        let def = json!({"name": name, "kind": "tcp", "host": host, "port": 443});
        ids.push(
            app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(def)).await.json()["id"].as_i64().unwrap(),
        );
    }
    app.api(Method::POST, &format!("/api/v1/monitors/{}/pause", ids[0]), Some(&token), None).await;
    let cookie = app.sign_in("bob@example.com").await;
    let page = |search: &'static str, status: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            let form = [
                ("search", search),
                ("status", status),
                ("kind", ""),
                ("region", ""),
                ("tag", ""),
                ("sort", ""),
                ("cursor", ""),
            ];
            let reply = app.rpc("list_monitor_page", &form, Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            reply.json()
        }
    };
    let all = page("", "").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert_eq!((all["counts"]["paused"].as_i64(), all["counts"]["pending"].as_i64()), (Some(1), Some(2)));
    // The counts ignore the status chosen (each still narrows the list) but
    // follow the search.
    let paused = page("example.com", "paused").await;
    assert_eq!(paused["items"].as_array().unwrap().len(), 1);
    assert_eq!(paused["items"][0]["name"], "Web one");
    assert_eq!((paused["counts"]["paused"].as_i64(), paused["counts"]["pending"].as_i64()), (Some(1), Some(1)));
    assert_eq!(paused["next"], serde_json::Value::Null);

    let form =
        [("search", ""), ("status", "nope"), ("kind", ""), ("region", ""), ("tag", ""), ("sort", ""), ("cursor", "")];
    let refused = app.rpc("list_monitor_page", &form, Some(&cookie)).await;
    assert!(refused.body.contains("status"), "{}", refused.body);
    assert_eq!(app.rpc("list_monitor_page", &form, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn monitors_are_tagged_listed_by_tag_and_changed_in_bulk() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);
    let create = |def: serde_json::Value| {
        let (app, token) = (&app, token.clone());
        async move {
            let created = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(def)).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            created.json()
        }
    };
    let a = create(json!({"name": "Alpha", "kind": "tcp", "host": "a.internal", "port": 1})).await;
    let b = create(
        json!({"name": "Bravo", "kind": "tcp", "host": "b.internal", "port": 1, "tags": [" Payments", "prod", "PROD"]}),
    )
    .await;
    let c = create(json!({"name": "Cron", "kind": "heartbeat", "period_seconds": 3600})).await;
    assert_eq!(b["tags"], json!(["payments", "prod"]), "trimmed, lower case, once");
    let (a, b, c) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap(), c["id"].as_i64().unwrap());

    let names = |query: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            names_and_next(&app.api(Method::GET, &format!("/api/v1/monitors?{query}"), Some(&token), None).await).0
        }
    };
    let bulk = |body: serde_json::Value| {
        let (app, token) = (&app, token.clone());
        async move { app.api(Method::POST, "/api/v1/monitors/bulk", Some(&token), Some(body)).await }
    };
    assert_eq!(names("tag=payments").await, ["Bravo"]);
    assert_eq!(names("tag=PAYMENTS").await, ["Bravo"], "a tag is found in any case");
    assert_eq!(names("tag=pay").await, Vec::<String>::new(), "a tag is matched whole");

    // Tagging counts the monitors it changed; an id of no monitor is named.
    let tagged = bulk(json!({"ids": [a, b, 999_999], "action": "tag", "tag": "Prod"})).await;
    assert_eq!(tagged.status, StatusCode::OK, "{}", tagged.body);
    assert_eq!(tagged.json(), json!({"changed": 1, "missing": [999_999]}));
    assert_eq!(names("tag=prod").await, ["Alpha", "Bravo"]);
    let tags = app.api(Method::GET, "/api/v1/monitors/tags", Some(&token), None).await;
    assert_eq!(tags.json(), json!(["payments", "prod"]));

    let paused = bulk(json!({"ids": [a, c], "action": "pause"})).await;
    assert_eq!(paused.json()["changed"], 2, "{}", paused.body);
    assert_eq!(names("status=paused").await, ["Alpha", "Cron"]);
    assert_eq!(bulk(json!({"ids": [a, c], "action": "pause"})).await.json()["changed"], 0, "already paused");
    let resumed = bulk(json!({"ids": [a, b, c], "action": "resume"})).await;
    assert_eq!(resumed.json()["changed"], 2, "{}", resumed.body);
    assert_eq!(names("status=paused").await, Vec::<String>::new());

    let untagged = bulk(json!({"ids": [a, b, c], "action": "untag", "tag": "prod"})).await;
    assert_eq!(untagged.json()["changed"], 2, "{}", untagged.body);
    assert_eq!(names("tag=prod").await, Vec::<String>::new());
    assert_eq!(names("tag=payments").await, ["Bravo"], "other tags stay");

    // All or nothing: one monitor full of tags refuses the whole batch.
    let full: Vec<String> = (0..20).map(|n| format!("t{n}")).collect();
    let patched =
        app.api(Method::PATCH, &format!("/api/v1/monitors/{b}"), Some(&token), Some(json!({"tags": full}))).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let refused = bulk(json!({"ids": [a, b], "action": "tag", "tag": "more"})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["error"]["field"], "tag");
    assert_eq!(names("tag=more").await, Vec::<String>::new(), "Alpha was not tagged either");

    for (body, field) in [
        (json!({"ids": [], "action": "pause"}), "ids"),
        (json!({"ids": (1..=501).collect::<Vec<i64>>(), "action": "pause"}), "ids"),
        (json!({"ids": [a], "action": "tag"}), "tag"),
        (json!({"ids": [a], "action": "tag", "tag": "a,b"}), "tag"),
        (json!({"ids": [a], "action": "untag", "tag": " "}), "tag"),
    ] {
        let reply = bulk(body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field, "{body}");
    }
    assert_eq!(bulk(json!({"ids": [a], "action": "explode"})).await.status, StatusCode::BAD_REQUEST);

    // The console's call does the same, for a signed-in member only.
    let cookie = app.sign_in("bob@example.com").await;
    let form =
        [("search", ""), ("status", ""), ("kind", ""), ("region", ""), ("tag", "T1"), ("sort", ""), ("cursor", "")];
    let listed = app.rpc("list_monitor_page", &form, Some(&cookie)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()["items"][0]["name"], "Bravo");
    assert_eq!(listed.json()["counts"]["pending"], 1, "the counts follow the tag");
    assert_eq!(app.rpc("monitor_tags", &[], Some(&cookie)).await.json().as_array().map(Vec::len), Some(20));
    assert_eq!(app.rpc("monitor_tags", &[], None).await.status, StatusCode::UNAUTHORIZED);
    let input = json!({"input": {"ids": [a, b], "action": "delete"}});
    assert_eq!(app.rpc_json("bulk_monitors", input.clone(), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(names("").await, ["Alpha", "Bravo", "Cron"]);
    let deleted = app.rpc_json("bulk_monitors", input, Some(&cookie)).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(deleted.json()["changed"], 2);
    assert_eq!(names("").await, ["Cron"]);
    assert_eq!(app.rpc("monitor_tags", &[], Some(&cookie)).await.json(), json!([]));
}

#[tokio::test]
async fn forms_find_monitors_by_name_and_name_those_chosen_before() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);
    let mut ids = Vec::new();
    for name in ["zeta", "Alpha", "beta"] {
        let def = json!({"name": name, "kind": "tcp", "host": "db.internal", "port": 5432});
        ids.push(
            app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(def)).await.json()["id"].as_i64().unwrap(),
        );
    }
    let cookie = app.sign_in("bob@example.com").await;
    let names = |reply: common::Reply| -> Vec<String> {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json().as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(app.rpc("find_monitors", &[("part", "")], Some(&cookie)).await), ["Alpha", "beta", "zeta"]);
    assert_eq!(names(app.rpc("find_monitors", &[("part", "ETA")], Some(&cookie)).await), ["beta", "zeta"]);
    let chosen = json!({"ids": [ids[0], 999_999, ids[1]]});
    assert_eq!(names(app.rpc_json("name_monitors", chosen.clone(), Some(&cookie)).await), ["Alpha", "zeta"]);
    assert_eq!(app.rpc_json("name_monitors", chosen, None).await.status, StatusCode::UNAUTHORIZED);
    let too_many = json!({"ids": (1..=1001).collect::<Vec<i64>>()});
    let refused = app.rpc_json("name_monitors", too_many, Some(&cookie)).await;
    assert!(refused.status.is_client_error() && refused.body.contains("ids"), "{}: {}", refused.status, refused.body);
}

#[tokio::test]
async fn bad_monitors_are_refused_field_by_field() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let cases = [
        (json!({"name": "x", "url": "ftp://example.com"}), "url"),
        (json!({"name": "x", "url": "https://example.com", "interval_seconds": 5}), "interval_seconds"),
        (json!({"name": "x", "url": "https://example.com", "accepted_status": "2xx"}), "accepted_status"),
        (json!({"name": "x", "url": "https://example.com", "regions": ["mars"]}), "regions"),
        (json!({"name": "x", "kind": "tcp", "host": "db.internal"}), "port"),
        (json!({"url": "https://example.com"}), "name"),
    ];
    for (body, field) in cases {
        let reply = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field, "{body}");
    }
    let unknown = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "x", "url": "https://e.com", "colour": 1})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.json()["error"]["message"].as_str().unwrap().contains("colour"));

    let tcp = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Database", "kind": "tcp", "host": "db.internal", "port": 5432})),
        )
        .await;
    assert_eq!(tcp.status, StatusCode::CREATED, "{}", tcp.body);
    assert_eq!(tcp.json()["host"], "db.internal");
    assert_eq!(tcp.json()["port"], 5432);
    assert_eq!(tcp.json()["url"], serde_json::Value::Null);

    assert_eq!(app.api(Method::GET, "/api/v1/monitors", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api(Method::GET, "/api/v1/monitors/x", Some(&token), None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn check_now_probes_the_target_from_the_servers_region() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let base = target::http_target().await;
    let created = app
        .api(
            Method::POST,
            "/api/v1/monitors",
            Some(&token),
            Some(json!({"name": "Target", "url": format!("{base}/ok"), "keyword": "healthy"})),
        )
        .await;
    let id = created.json()["id"].as_i64().unwrap();

    let check = app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), Some(&token), None).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let check = check.json();
    assert_eq!(check["outcome"], "up");
    assert_eq!(check["region"], "local");
    assert_eq!(check["status_code"], 200);
    assert_eq!(check["failure"], serde_json::Value::Null);

    app.api(
        Method::PATCH,
        &format!("/api/v1/monitors/{id}"),
        Some(&token),
        Some(json!({"url": format!("{base}/fail")})),
    )
    .await;
    let failed = app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), Some(&token), None).await.json();
    assert_eq!(failed["outcome"], "down");
    assert_eq!(failed["failure"], "status");
    assert_eq!(failed["status_code"], 500);

    let missing = app.api(Method::POST, "/api/v1/monitors/999999/check", Some(&token), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::POST, &format!("/api/v1/monitors/{id}/check"), None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn recorded_checks_are_listed_newest_first() {
    let app = TestApp::new();
    let admin = app.user("ada@example.com", Role::Admin);
    let token = app.token(admin.id);
    let base = target::http_target().await;
    let created = app
        .api(Method::POST, "/api/v1/monitors", Some(&token), Some(json!({"name": "T", "url": format!("{base}/ok")})))
        .await;
    let id = created.json()["id"].as_i64().unwrap();
    let scheduler = server::workers::scheduler::Scheduler::new(
        app.db.db.clone(),
        app::ssr::monitoring::probe::Prober::new("local").unwrap(),
        "local",
        4,
    )
    .await
    .unwrap();
    assert_eq!(scheduler.run_once().await.unwrap(), 1);

    let checks = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks?limit=10"), Some(&token), None).await;
    assert_eq!(checks.status, StatusCode::OK, "{}", checks.body);
    let checks = checks.json();
    assert_eq!(checks.as_array().unwrap().len(), 1);
    assert_eq!(checks[0]["region"], "local");
    assert_eq!(checks[0]["outcome"], "up");
    assert_eq!(checks[0]["status_code"], 200);
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/monitors/{id}"), Some(&token), None).await.json()["status"],
        "up"
    );

    let bad = app.api(Method::GET, &format!("/api/v1/monitors/{id}/checks?limit=0"), Some(&token), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["field"], "limit");
    let missing = app.api(Method::GET, "/api/v1/monitors/424242/checks", Some(&token), None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// Header values and bodies often carry credentials: they are stored as
/// given and probed with, but shown back masked, and sending a masked value
/// back keeps the stored one.
#[tokio::test]
async fn request_headers_and_bodies_are_shown_masked_and_kept_when_sent_back() {
    let app = TestApp::new();
    let member = app.user("bob@example.com", Role::Member);
    let token = app.token(member.id);
    let secret = "Bearer sk-live-0123456789-marker";
    let body = r#"{"api_key":"ak-9876543210-marker"}"#;
    let input = json!({"name": "Billing", "url": "https://example.com", "method": "POST",
                       "headers": {"Authorization": secret, "Accept": "json"}, "body": body});
    let created = app.api(Method::POST, "/api/v1/monitors", Some(&token), Some(input)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    let uri = format!("/api/v1/monitors/{id}");

    let list = app.api(Method::GET, "/api/v1/monitors", Some(&token), None).await;
    for reply in [&created, &app.api(Method::GET, &uri, Some(&token), None).await, &list] {
        assert!(!reply.body.contains("marker"), "a secret shown back: {}", reply.body);
    }
    let shown = created.json();
    assert_eq!(shown["headers"]["Authorization"], "••••rker");
    assert_eq!(shown["headers"]["Accept"], "••••", "short values show nothing");
    assert_eq!(shown["body"], "••••er\"}");
    let console = app.rpc("get_monitor", &[("id", &id.to_string())], Some(&app.sign_in("bob@example.com").await)).await;
    assert!(!console.body.contains("marker") && console.body.contains("••••rker"), "{}", console.body);

    // A change that sends the masked values back keeps the stored ones.
    let change = json!({"interval_seconds": 120, "headers": shown["headers"].clone(), "body": shown["body"].clone()});
    let changed = app.api(Method::PATCH, &uri, Some(&token), Some(change)).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let stored = app::ssr::db::monitors::find(&mut app.db.conn(), id).unwrap().unwrap();
    assert_eq!(stored.headers, json!({"Authorization": secret, "Accept": "json"}));
    assert_eq!(stored.body.as_deref(), Some(body));
    assert_eq!(stored.interval_seconds, 120);

    // A new value replaces it.
    let change = json!({"headers": {"Authorization": "Bearer rotated-0000000001"}});
    app.api(Method::PATCH, &uri, Some(&token), Some(change)).await;
    let stored = app::ssr::db::monitors::find(&mut app.db.conn(), id).unwrap().unwrap();
    assert_eq!(stored.headers, json!({"Authorization": "Bearer rotated-0000000001"}));
}
