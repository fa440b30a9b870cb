//! Moving in: `vigie import statuspage` recreates a Statuspage page from
//! its public API's JSON — components (placeholder monitors, paused), groups
//! and order, and the history with its times and updates — without
//! alerting anyone; the public reads the same history afterwards.

use crate::cli::vigie;
use crate::common::TestApp;
use app::model::Role;
use app::ssr::db::schema::{incident_updates, incidents, monitors, notifications, subscriber_notices};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::json;
use std::path::PathBuf;

fn export_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/statuspage-export")
}

/// A time an incident may not have (yet).
type Times = Option<DateTime<Utc>>;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[tokio::test]
async fn a_statuspage_page_moves_in_with_its_history_and_tells_no_one() {
    let app = TestApp::new();
    let url = app.db.url.clone();
    let admin = app.user("ops@example.com", Role::Admin);
    let token = app.token(admin.id);
    // A rule that would alert on any incident: importing history must not.
    let hook = app
        .api(
            Method::POST,
            "/api/v1/channels",
            Some(&token),
            Some(json!({"kind": "webhook", "name": "Hook", "url": "https://hooks.example.test/vigie",
                         "secret": "webhook-secret-0123456789"})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
    let hook = hook.json();
    let rule = json!({"name": "All", "events": ["incident_created", "incident_resolved", "incident_update_published",
                      "maintenance_started", "maintenance_completed"], "channel_id": hook["id"]});
    let reply = app.api(Method::POST, "/api/v1/alert-rules", Some(&token), Some(rule)).await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let dir = export_dir();
    let dir = dir.to_str().unwrap();

    // A dry run reports and changes nothing.
    let dry = vigie(&url, &["import", "statuspage", dir, "--dry-run"], "");
    let report = String::from_utf8_lossy(&dry.stdout);
    assert!(dry.status.success(), "{report}{}", String::from_utf8_lossy(&dry.stderr));
    assert!(report.contains("status page /status/acme-cloud (unpublished"), "{report}");
    assert!(report.ends_with("Dry run: nothing was changed.\n"), "{report}");
    let count = |app: &TestApp| -> i64 { incidents::table.count().get_result(&mut app.db.conn()).unwrap() };
    assert_eq!(count(&app), 0);

    let done = vigie(&url, &["import", "statuspage", dir], "");
    let report = String::from_utf8_lossy(&done.stdout).into_owned();
    assert!(done.status.success(), "{report}{}", String::from_utf8_lossy(&done.stderr));
    for line in [
        "+ status page /status/acme-cloud (unpublished: publish it in the console) with 3 components",
        "+ 3 paused heartbeat monitors tagged `statuspage`",
        "+ incident “Delayed notification emails” is still ongoing",
        "+ maintenance “Database upgrade to version 16” is still scheduled",
        "+ 6 past incidents and maintenance with their updates (2 not over)",
        "! component Website: its description (components have none here)",
        "! component Dashboard: shown always, not only when degraded",
        "! 1 of the incidents named no component",
        "! 1 of the incidents had the impact “none”",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
    assert_eq!(count(&app), 6);

    // The components, in Statuspage's order, each a paused placeholder.
    let page = app.api(Method::GET, "/api/v1/status-pages", Some(&token), None).await.json();
    let page = &page.as_array().unwrap()[0];
    assert_eq!((page["title"].as_str(), page["published"].as_bool()), (Some("Acme Cloud"), Some(false)));
    let shown: Vec<(String, Option<String>)> = page["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["group"].as_str().map(str::to_owned)))
        .collect();
    let platform = Some("Platform".to_owned());
    assert_eq!(
        shown,
        [("Website".to_owned(), None), ("API".to_owned(), platform.clone()), ("Dashboard".to_owned(), platform)]
    );
    let placeholders: Vec<(String, bool, String)> = monitors::table
        .select((monitors::name, monitors::paused, monitors::kind))
        .order(monitors::id)
        .load(&mut app.db.conn())
        .unwrap();
    assert_eq!(placeholders.len(), 3);
    assert!(placeholders.iter().all(|(_, paused, kind)| *paused && kind == "heartbeat"), "{placeholders:?}");

    // History, at its own times; nobody was alerted or told.
    let (created, started, resolved, state): (DateTime<Utc>, Times, Times, String) = incidents::table
        .filter(incidents::title.eq("Elevated API error rates"))
        .select((incidents::created_at, incidents::started_at, incidents::resolved_at, incidents::state))
        .first(&mut app.db.conn())
        .unwrap();
    assert_eq!(created, at("2026-10-14T16:12:31.123Z"));
    assert_eq!(started, Some(at("2026-10-14T16:05:00Z")));
    assert_eq!(resolved, Some(at("2026-10-14T18:02:00Z")));
    assert_eq!(state, "resolved");
    let times: Vec<DateTime<Utc>> = incident_updates::table
        .select(incident_updates::published_at)
        .order(incident_updates::published_at)
        .load(&mut app.db.conn())
        .unwrap();
    assert_eq!(times.len(), 2 + 3 + 3 + 1 + 1 + 3, "every update with a body");
    assert!(times.contains(&at("2026-10-14T16:48:00Z")));
    let alerts: i64 = notifications::table.count().get_result(&mut app.db.conn()).unwrap();
    let notices: i64 = subscriber_notices::table.count().get_result(&mut app.db.conn()).unwrap();
    assert_eq!((alerts, notices), (0, 0), "history alerts no one");

    // Published, the page tells the same story as Statuspage did.
    let id = page["id"].as_i64().unwrap();
    let reply = app
        .api(Method::PATCH, &format!("/api/v1/status-pages/{id}"), Some(&token), Some(json!({"published": true})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let get = |path: &str| Request::get(path.to_owned()).body(Body::empty()).unwrap();
    let home = app.send(get("/status/acme-cloud")).await;
    assert_eq!(home.status, StatusCode::OK);
    for text in
        ["Delayed notification emails", "A fix is out; emails are catching up.", "Database upgrade to version 16"]
    {
        assert!(home.body.contains(text), "{text} missing from the page");
    }
    let october = app.send(get("/status/acme-cloud/history?month=2026-10")).await;
    assert!(october.body.contains("Elevated API error rates"), "{}", october.body);
    let incident = incidents::table
        .filter(incidents::title.eq("Elevated API error rates"))
        .select(incidents::id)
        .first::<i64>(&mut app.db.conn())
        .unwrap();
    let detail = app.send(get(&format!("/status/acme-cloud/incidents/{incident}"))).await;
    assert!(detail.body.contains("A faulty deploy of the API gateway; rolling back."), "{}", detail.body);
    assert!(detail.body.contains("<strong>full report</strong>"), "Markdown is rendered");
    assert!(!detail.body.contains("<script>alert(1)"), "and sanitized");
    let july = app.send(get("/status/acme-cloud/history?month=2026-07")).await;
    assert!(july.body.contains("Network maintenance in our data center"), "{}", july.body);

    let open = app.send(get("/status/acme-cloud/api/v2/incidents/unresolved.json")).await.json();
    let open = &open["incidents"].as_array().unwrap()[0];
    assert_eq!(
        (open["name"].as_str(), open["status"].as_str()),
        (Some("Delayed notification emails"), Some("monitoring"))
    );
    assert_eq!(at(open["created_at"].as_str().unwrap()), at("2026-11-21T01:30:00Z"));
    assert_eq!(open["impact"], "major");
    let bodies: Vec<&str> =
        open["incident_updates"].as_array().unwrap().iter().map(|u| u["body"].as_str().unwrap()).collect();
    assert_eq!(
        bodies,
        ["A fix is out; emails are catching up.", "Notification emails from the website are delayed by up to an hour."]
    );

    // A second import to the same address is refused, and changes nothing.
    let again = vigie(&url, &["import", "statuspage", dir], "");
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("/status/acme-cloud already") && stderr.contains("--slug"), "{stderr}");
    assert_eq!(count(&app), 6);
}

#[tokio::test]
async fn a_file_that_is_not_statuspage_json_is_named_with_its_line_and_field() {
    let app = TestApp::new();
    let dir = tempfile::tempdir().unwrap();
    let missing = vigie(&app.db.url, &["import", "statuspage", dir.path().to_str().unwrap()], "");
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("summary.json") && stderr.contains("save it with curl"), "{stderr}");

    std::fs::write(dir.path().join("summary.json"), "{\"page\": {\"name\": \"X\"}, \"components\": []}").unwrap();
    std::fs::write(
        dir.path().join("incidents.json"),
        "{\n  \"incidents\": [\n    {\"id\": \"a\", \"name\": \"Down\", \"status\": \"resolved\",\n     \"created_at\": \"yesterday\"}\n  ]\n}",
    )
    .unwrap();
    let bad = vigie(&app.db.url, &["import", "statuspage", dir.path().to_str().unwrap()], "");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("line 4: incidents.json: incidents[0].created_at"), "{stderr}");
    let made: i64 = monitors::table.count().get_result(&mut app.db.conn()).unwrap();
    assert_eq!(made, 0);
}

/// An Uptime Kuma database built from Kuma's table layout and the rows a
/// small team makes; `two` adds what 2.x migrations add.
fn kuma_database(dir: &std::path::Path, two: bool) -> PathBuf {
    let path = dir.join("kuma.db");
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute_batch(include_str!("fixtures/uptime-kuma-1.23.sql")).unwrap();
    if two {
        db.execute_batch(
            "CREATE TABLE knex_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255), batch INTEGER,
                                           migration_time DATETIME);
             INSERT INTO knex_migrations (name, batch) VALUES ('2023-08-16-0000-create-uptime-kuma.js', 1),
                                                              ('2024-08-24-0000-conditions.js', 1);
             ALTER TABLE monitor ADD COLUMN conditions TEXT NOT NULL DEFAULT '[]';
             ALTER TABLE monitor ADD COLUMN ping_count INTEGER NOT NULL DEFAULT 1;
             ALTER TABLE monitor ADD COLUMN smtp_security VARCHAR(255);
             ALTER TABLE status_page RENAME COLUMN google_analytics_tag_id TO analytics_id;
             UPDATE monitor SET ping_count = 3 WHERE id = 5;
             INSERT INTO monitor (id, name, active, user_id, interval, type, hostname, port, smtp_security)
             VALUES (11, 'Mail server', 1, 1, 60, 'smtp', 'mail.example.test', 25, 'starttls');",
        )
        .unwrap();
    }
    path
}

const KUMA_SECRETS: [&str; 5] = [
    "kuma-header-secret-77",
    "kuma-basic-pass-55",
    "kuma-slack-secret-31",
    "kuma-discord-secret-42",
    "kuma-smtp-pass-19",
];

#[tokio::test]
async fn an_uptime_kuma_database_becomes_a_file_its_secrets_and_its_history() {
    let app = TestApp::new();
    let url = app.db.url.clone();
    let dir = tempfile::tempdir().unwrap();
    let kuma = kuma_database(dir.path(), false);
    let yaml_path = dir.path().join("vigie.yaml");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["import", "uptime-kuma", kuma.to_str().unwrap(), "-o", yaml_path.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect()
    };
    let run = |extra: &[&str]| {
        let args = args(extra);
        vigie(&url, &args.iter().map(String::as_str).collect::<Vec<_>>(), "")
    };

    let out = run(&[]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    let yaml = std::fs::read_to_string(&yaml_path).unwrap();
    let env = std::fs::read_to_string(dir.path().join("vigie.env")).unwrap();
    for secret in KUMA_SECRETS {
        assert!(!yaml.contains(secret), "{secret} in the file:\n{yaml}");
        assert!(!report.contains(secret), "{secret} in the report:\n{report}");
    }
    assert!(!env.contains("kuma-smtp-pass-19"), "Kuma's SMTP password is not needed here");
    for secret in &KUMA_SECRETS[..4] {
        let carried = env.contains(secret)
            || (*secret == "kuma-basic-pass-55" && env.contains("Basic b3BzOmt1bWEtYmFzaWMtcGFzcy01NQ=="));
        assert!(carried, "{secret} missing from the environment file:\n{env}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("vigie.env")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the secrets are its owner's only");
    assert!(yaml.starts_with("# Imported from Uptime Kuma 1.x"), "{yaml}");
    for line in [
        "! monitor Old site gone (http): upside-down mode",
        "! monitor Reverse DNS (dns): DNS records of type PTR are not checked here",
        "! monitor Redis container (docker): Vigie has no docker monitor",
        "! group monitor Backend: groups are not monitors here; its monitors are tagged `backend`",
        "! monitor Nightly backup (push): its job must call the new ping URL",
        "! monitor Gateway ping: paused in Uptime Kuma",
        "! notification Telegram (telegram): Vigie has no such channel",
        "! notification Discord: no imported monitor used it",
        "! notification Mail on-call (smtp): mail goes through this server's VIGIE_SMTP_URL, not smtp.example.test",
        "! maintenance “Weekly restart” (recurring-weekday): windows here are one-off",
        "! status page shop: its footer, custom CSS and analytics are not carried",
        "! 1 monitors had a description",
    ] {
        assert!(report.contains(line), "{line} missing:\n{report}");
    }
    let document = app::ssr::config::Document::parse(&yaml).unwrap();
    let monitor =
        |key: &str| document.monitors.iter().find(|m| m.key == key).unwrap_or_else(|| panic!("{key}:\n{yaml}"));
    let shop = monitor("shop-front");
    assert_eq!(shop.accepted_status.as_deref(), Some("200-299,301"));
    assert_eq!(
        (shop.interval_seconds, shop.timeout_seconds, shop.incident_confirmations),
        (Some(60), Some(30), Some(3))
    );
    assert_eq!(shop.tags.as_deref(), Some(&["production".to_owned(), "team:web".to_owned()][..]));
    assert_eq!(monitor("checkout-keyword").keyword.as_deref(), Some("Pay now"));
    assert_eq!(monitor("checkout-keyword").follow_redirects, Some(false));
    assert_eq!(monitor("postgres-port").tags.as_deref(), Some(&["production".to_owned(), "backend".to_owned()][..]));
    assert_eq!(monitor("mail-dns").record_type, Some(app::model::DnsRecordType::Mx));
    assert_eq!(monitor("nightly-backup").period_seconds, Some(86_400));
    assert!(
        document
            .monitors
            .iter()
            .all(|m| !["old-site-gone", "reverse-dns", "redis-container", "backend"].contains(&m.key.as_str()))
    );
    let rule = |key: &str| document.rules.iter().find(|r| r.key == key).unwrap_or_else(|| panic!("{key}:\n{yaml}"));
    assert_eq!(
        rule("ops-webhook").monitors.as_deref(),
        Some(&["checkout-keyword".to_owned(), "shop-front".to_owned()][..])
    );
    assert_eq!(
        rule("team-slack").monitors.as_deref(),
        Some(&["postgres-port".to_owned(), "shop-front".to_owned()][..])
    );
    assert!(document.rules.iter().all(|r| r.key != "discord"));
    let page = &document.status_pages[0];
    assert_eq!((page.slug.as_str(), page.custom_domain.as_deref()), ("shop", Some("status.shop.example.test")));
    let shown: Vec<(&str, Option<&str>)> =
        page.components.iter().map(|c| (c.monitor.as_str(), c.group.as_deref())).collect();
    assert_eq!(
        shown,
        [
            ("shop-front", Some("Storefront")),
            ("checkout-keyword", Some("Storefront")),
            ("postgres-port", Some("Services"))
        ]
    );

    // The files are not replaced unless asked.
    let again = run(&[]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"), "{}", String::from_utf8_lossy(&again.stderr));

    // Applied at once, with the history: a rehearsal first.
    let count = |app: &TestApp| -> i64 { monitors::table.count().get_result(&mut app.db.conn()).unwrap() };
    let dry = run(&["--force", "--apply", "--dry-run"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("Dry run: nothing was changed."));
    assert_eq!(count(&app), 0);
    let done = run(&["--force", "--apply"]);
    let report = String::from_utf8_lossy(&done.stdout).into_owned();
    assert!(done.status.success(), "{report}{}", String::from_utf8_lossy(&done.stderr));
    assert!(report.contains("+ applied: 15 objects created"), "{report}");
    assert!(report.contains("+ ping path of monitor nightly-backup (shown once): /ping/"), "{report}");
    assert!(report.contains("+ 1 monitors paused, as in Uptime Kuma"), "{report}");
    assert!(report.contains("+ 4 banners and maintenance windows written as incidents"), "{report}");
    assert_eq!(count(&app), 7);
    let paused: Vec<String> =
        monitors::table.filter(monitors::paused.eq(true)).select(monitors::name).load(&mut app.db.conn()).unwrap();
    assert_eq!(paused, ["Gateway ping"]);
    let headers: serde_json::Value = monitors::table
        .filter(monitors::name.eq("Shop front"))
        .select(monitors::headers)
        .first(&mut app.db.conn())
        .unwrap();
    assert_eq!(headers["X-Api-Key"], "kuma-header-secret-77", "the secret went in from the environment file");
    let history: Vec<(String, String, Times, Times)> = incidents::table
        .select((incidents::title, incidents::state, incidents::scheduled_start, incidents::resolved_at))
        .order(incidents::created_at)
        .load(&mut app.db.conn())
        .unwrap();
    let upgrade = history.iter().find(|h| h.0 == "Database upgrade").unwrap();
    assert_eq!((upgrade.1.as_str(), upgrade.2), ("resolved", Some(at("2026-09-12T20:00:00Z"))), "Paris time read");
    assert!(history.iter().any(|h| h.0 == "Network switch swap" && h.1 == "scheduled"), "{history:?}");
    assert!(
        history
            .iter()
            .any(|h| h.0 == "Payment provider outage" && h.1 == "resolved" && h.3 == Some(at("2026-10-03T09:40:00Z")))
    );
    assert!(history.iter().any(|h| h.0 == "New checkout next week" && h.1 == "ongoing"), "{history:?}");
    let alerts: i64 = notifications::table.count().get_result(&mut app.db.conn()).unwrap();
    assert_eq!(alerts, 0, "history alerts no one");

    // The public page shows the banner shown today, the way Kuma did.
    let page = app.send(Request::get("/status/shop").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The checkout changes on Monday."), "{}", page.body);
    assert!(!page.body.contains("Internal note"), "monitor descriptions stay out");
}

#[tokio::test]
async fn an_uptime_kuma_2_database_is_read_too() {
    let app = TestApp::new();
    let dir = tempfile::tempdir().unwrap();
    let kuma = kuma_database(dir.path(), true);
    let yaml_path = dir.path().join("kuma.yaml");
    let out = vigie(
        &app.db.url,
        &["import", "uptime-kuma", kuma.to_str().unwrap(), "--output", yaml_path.to_str().unwrap()],
        "",
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("! monitor Mail server (smtp): Vigie has no smtp monitor"), "{report}");
    let yaml = std::fs::read_to_string(&yaml_path).unwrap();
    assert!(yaml.starts_with("# Imported from Uptime Kuma 2.x"), "{yaml}");
    assert!(dir.path().join("kuma.env").exists());
    let document = app::ssr::config::Document::parse(&yaml).unwrap();
    let ping = document.monitors.iter().find(|m| m.key == "gateway-ping").unwrap();
    assert_eq!((ping.kind, ping.ping_count), (Some(app::model::MonitorKind::Ping), Some(3)));

    let broken = dir.path().join("not-kuma.db");
    rusqlite::Connection::open(&broken).unwrap().execute_batch("CREATE TABLE other (id INTEGER);").unwrap();
    let out = vigie(&app.db.url, &["import", "uptime-kuma", broken.to_str().unwrap(), "-o", "/nonexistent/x.yaml"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an Uptime Kuma database"));
}
