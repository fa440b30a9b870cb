//! Upgrading keeps what a deployment holds. A database is built by the
//! migrations of an earlier release and filled with rows of every kind, as
//! that release wrote them; `run_migrations` (what `vigie serve` runs at
//! start) brings it to the current schema. Then every row is still there
//! with every value it had, the columns added since hold what their
//! migrations meant for old rows, and a server on the database serves it:
//! the status page under its public names only, the API to a token made
//! before the upgrade, the console to a session opened before it.
//!
//! No release is tagged yet: the earlier schema is the one after
//! [`BASELINE`], the oldest with every core object. Once a release is
//! tagged, its last migration becomes the baseline (migrations/README.md).

use crate::common::db::TestDb;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use diesel::connection::SimpleConnection;
use diesel::migration::{MigrationConnection, MigrationSource};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tower::ServiceExt;

/// The version of the last migration of the schema upgraded from.
const BASELINE: &str = "20261127000015";

/// The secrets behind the rows below: an admin's live API token, a
/// member's revoked one, and the admin's console session.
const TOKEN: &str = "vigie_05f19535e932246b0a43647d4602e5035bdc68b5a79463d21aca20e9c17a2ed1";
const REVOKED_TOKEN: &str = "vigie_2cdfc68fa37af3cfbf44898942b3d04a2f9d54ceb9fa147428edad0f0fe4bc2a";
const SESSION: &str = "47c1c72a01bfff163a95a472ee6f1c5aa0cf661c6215c1e8a71d14e7fd478d8e";

/// What the baseline release held: a row or more in every table, written
/// in that schema's columns only. Everything internal (monitor names and
/// targets, incident details, comments) says `upgrade-marker`; what the
/// team published for the public never does. Ids are given so that rows
/// can point at each other; the sequences are moved past them, as in a
/// database the application filled.
const BASELINE_ROWS: &str = r#"
INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at) VALUES
    (1, 'upgrade-marker-admin@example.com', 'Ada Upgrade', 'admin',
     '$argon2id$v=19$m=19456,t=2,p=1$dXBncmFkZS1hZG1pbg$Xq4v1C0l3m9Lr0dWb7kq8S2sJtYz5nH6gP1eR3aU4cE',
     now() - interval '60 days', now() - interval '60 days'),
    (2, 'upgrade-marker-member@example.com', 'Max Member', 'member',
     '$argon2id$v=19$m=19456,t=2,p=1$dXBncmFkZS1tZW1iZXI$k9Tn2Wq7Zr5Yx3Lm1Pc8Vb6Ns4Jd0Hf2Gg7Ee5Aa1Qw',
     now() - interval '40 days', now() - interval '5 days');
INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at) VALUES
    (1, sha256(convert_to('47c1c72a01bfff163a95a472ee6f1c5aa0cf661c6215c1e8a71d14e7fd478d8e', 'UTF8')), 1,
     now() - interval '2 days', now() - interval '30 minutes', now() + interval '12 days');
INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at, last_used_at, revoked_at) VALUES
    (1, 1, 'upgrade-marker-deploys', 'vigie_05f195',
     sha256(convert_to('vigie_05f19535e932246b0a43647d4602e5035bdc68b5a79463d21aca20e9c17a2ed1', 'UTF8')),
     now() - interval '30 days', now() - interval '1 day', NULL),
    (2, 2, 'upgrade-marker-laptop', 'vigie_2cdfc6',
     sha256(convert_to('vigie_2cdfc68fa37af3cfbf44898942b3d04a2f9d54ceb9fa147428edad0f0fe4bc2a', 'UTF8')),
     now() - interval '20 days', NULL, now() - interval '10 days');
INSERT INTO login_failures (id, scope, key, failed_at) VALUES
    (1, 'account', 'upgrade-marker-member@example.com', now() - interval '5 minutes'),
    (2, 'address', '203.0.113.7', now() - interval '5 minutes');

INSERT INTO regions (id, name, token_hash, created_at, last_seen_at) VALUES
    (1, 'local', NULL, now() - interval '60 days', NULL),
    (2, 'eu-west', sha256(convert_to('upgrade-marker-agent-secret', 'UTF8')), now() - interval '50 days',
     now() - interval '20 seconds');

INSERT INTO monitors (id, name, kind, url, host, port, method, headers, body, accepted_status, keyword, keyword_mode,
                      follow_redirects, interval_seconds, timeout_seconds, region_threshold, incident_confirmations,
                      recovery_confirmations, ssl_expiry_days, paused, status, created_at, updated_at) VALUES
    (1, 'upgrade-marker-api', 'http', 'https://api.upgrade-marker.internal/health', NULL, NULL, 'GET',
     '{"X-Upgrade-Marker": "upgrade-marker-header-7f3a"}', NULL, '200-299', 'healthy', 'contains',
     true, 30, 10, 1, 2, 2, 14, false, 'down', now() - interval '50 days', now() - interval '6 minutes'),
    (2, 'upgrade-marker-shop', 'http', 'https://shop.upgrade-marker.internal/cart', NULL, NULL, 'POST',
     '{}', '{"probe": "upgrade-marker-cart"}', '200-299,301', 'Maintenance', 'absent',
     false, 60, 5, 2, 3, 2, 30, false, 'up', now() - interval '50 days', now() - interval '50 days'),
    (3, 'upgrade-marker-db', 'tcp', NULL, 'db.upgrade-marker.internal', 5432, 'GET',
     '{}', NULL, '200-299', NULL, 'contains',
     true, 120, 3, 1, 3, 2, 14, true, 'pending', now() - interval '50 days', now() - interval '1 day');
INSERT INTO monitor_regions (monitor_id, region_id) VALUES (1, 1), (2, 1), (2, 2), (3, 2);
INSERT INTO monitor_region_state (monitor_id, region_id, next_due_at, verdict, consecutive_failures,
                                  consecutive_successes, last_result_at) VALUES
    (1, 1, now() + interval '20 seconds', 'down', 4, 0, now() - interval '10 seconds'),
    (2, 1, now() + interval '50 seconds', 'up', 0, 312, now() - interval '70 seconds'),
    (2, 2, now() + interval '45 seconds', 'up', 0, 298, now() - interval '75 seconds'),
    (3, 2, now() + interval '1 hour', 'unknown', 0, 0, NULL);
INSERT INTO checks (id, monitor_id, region_id, checked_at, duration_ms, up, status_code, failure, message,
                    cert_expires_at) VALUES
    (1, 1, 1, now() - interval '8 minutes', 84, true, 200, NULL, 'HTTP 200 in 84 ms',
     date_trunc('day', now()) + interval '70 days'),
    (2, 1, 1, now() - interval '7 minutes', 91, false, 503, 'status', 'HTTP 503, expected 200-299',
     date_trunc('day', now()) + interval '70 days'),
    (3, 1, 1, now() - interval '6 minutes', 88, false, 503, 'status', 'HTTP 503, expected 200-299',
     date_trunc('day', now()) + interval '70 days'),
    (4, 1, 1, now() - interval '10 seconds', 10000, false, NULL, 'timeout', 'no answer within 10 s', NULL),
    (5, 2, 1, now() - interval '70 seconds', 143, true, 200, NULL, 'HTTP 200 in 143 ms',
     date_trunc('day', now()) + interval '20 days'),
    (6, 2, 2, now() - interval '75 seconds', 167, true, 301, NULL, 'HTTP 301 in 167 ms',
     date_trunc('day', now()) + interval '20 days');
INSERT INTO monitor_status_changes (id, monitor_id, status, changed_at) VALUES
    (1, 1, 'up', now() - interval '50 days'),
    (2, 1, 'down', now() - interval '6 minutes'),
    (3, 2, 'up', now() - interval '50 days'),
    (4, 3, 'pending', now() - interval '50 days');
INSERT INTO daily_rollups (monitor_id, day, checks, failures, downtime_seconds, p50_ms, p95_ms) VALUES
    (1, (now() AT TIME ZONE 'UTC')::date - 1, 2880, 20, 600, 81, 190),
    (2, (now() AT TIME ZONE 'UTC')::date - 1, 2880, 0, 0, 139, 402);
INSERT INTO ssl_expiry_events (id, monitor_id, region_id, expires_at, raised_at) VALUES
    (1, 2, 1, date_trunc('day', now()) + interval '20 days', now() - interval '10 days');

INSERT INTO incidents (id, kind, title, details, impact, state, monitor_id, started_at, resolved_at,
                       scheduled_start, scheduled_end, created_by, created_at, updated_at) VALUES
    (1, 'programmatic', 'upgrade-marker-api is down',
     '**upgrade-marker-api** (`https://api.upgrade-marker.internal/health`) is down.

Last check from local: status: HTTP 503, expected 200-299

Regions reporting down: local.',
     'major_outage', 'ongoing', 1, now() - interval '6 minutes', NULL, NULL, NULL, NULL,
     now() - interval '6 minutes', now() - interval '4 minutes'),
    (2, 'manual', 'Carts not saving', 'upgrade-marker-details: the release 7 migration locked the carts table.',
     'partial_outage', 'resolved', NULL, now() - interval '3 days', now() - interval '3 days' + interval '2 hours',
     NULL, NULL, 2, now() - interval '3 days', now() - interval '3 days' + interval '2 hours');
INSERT INTO incident_monitors (incident_id, monitor_id) VALUES (1, 1), (2, 2);
INSERT INTO incident_events (id, incident_id, at, kind, actor_id, details) VALUES
    (1, 1, now() - interval '6 minutes', 'opened', NULL,
     '{"regions": ["local"], "region": "local", "failure": "status", "message": "HTTP 503, expected 200-299"}'),
    (2, 1, now() - interval '4 minutes', 'impact_changed', 1, '{"from": "unknown", "to": "major_outage"}'),
    (3, 1, now() - interval '3 minutes', 'update_published', 1,
     '{"update_id": 1, "status": "investigating", "subscribers_notified": false}'),
    (4, 1, now() - interval '2 minutes', 'comment_added', 1, '{"comment_id": 2}'),
    (5, 2, now() - interval '3 days', 'opened', 2, '{"title": "Carts not saving", "impact": "partial_outage"}'),
    (6, 2, now() - interval '3 days' + interval '30 minutes', 'comment_added', 2, '{"comment_id": 1}'),
    (7, 2, now() - interval '3 days' + interval '40 minutes', 'update_published', 2,
     '{"update_id": 2, "status": "identified", "subscribers_notified": false}'),
    (8, 2, now() - interval '3 days' + interval '2 hours', 'update_published', 1,
     '{"update_id": 3, "status": "resolved", "subscribers_notified": false}'),
    (9, 2, now() - interval '3 days' + interval '2 hours', 'resolved', 1, '{}');
INSERT INTO incident_comments (id, incident_id, author_id, body, body_html, created_at, edited_at) VALUES
    (1, 2, 2, 'upgrade-marker-comment: rolled back release 7',
     '<p>upgrade-marker-comment: rolled back release 7</p>', now() - interval '3 days' + interval '30 minutes', NULL),
    (2, 1, 1, 'upgrade-marker-comment: the load balancer answers **503**',
     '<p>upgrade-marker-comment: the load balancer answers <strong>503</strong></p>',
     now() - interval '2 minutes', now() - interval '1 minute');
INSERT INTO incident_updates (id, incident_id, status, body, body_html, author_id, published_at) VALUES
    (1, 1, 'investigating', 'Checkout API answers with errors; we are on it.',
     '<p>Checkout API answers with errors; we are on it.</p>', 1, now() - interval '3 minutes'),
    (2, 2, 'identified', 'Carts fail to save; we found the cause.',
     '<p>Carts fail to save; we found the cause.</p>', 2, now() - interval '3 days' + interval '40 minutes'),
    (3, 2, 'resolved', 'Carts save again.', '<p>Carts save again.</p>', 1,
     now() - interval '3 days' + interval '2 hours');

INSERT INTO channels (id, kind, name, url, secret, recipients, created_at, updated_at) VALUES
    (1, 'webhook', 'upgrade-marker-pager', 'https://hooks.upgrade-marker.internal/vigie',
     'whsec-upgrade-marker-0123456789', '{}', now() - interval '45 days', now() - interval '45 days'),
    (2, 'email', 'upgrade-marker-oncall', NULL, NULL, '{oncall@example.com,ops@example.com}',
     now() - interval '45 days', now() - interval '45 days');
INSERT INTO alert_rules (id, name, events, channel_id, monitor_ids, enabled, max_per_hour, created_at,
                         updated_at) VALUES
    (1, 'upgrade-marker-every-incident', '{incident_created,incident_resolved}', 1, NULL, true, 10,
     now() - interval '45 days', now() - interval '45 days'),
    (2, 'upgrade-marker-shop-certificate', '{ssl_expiring}', 2, '{2}', true, NULL,
     now() - interval '45 days', now() - interval '45 days');
INSERT INTO notifications (id, delivery_id, rule_id, rule_name, channel_id, event, incident_id, payload, state,
                           attempts, next_attempt_at, created_at, finished_at) VALUES
    (1, 'dlv_a8c1d6a524bfcfb57f57fefcd4045139', 1, 'upgrade-marker-every-incident', 1, 'incident_created', 1,
     jsonb_build_object('occurred_at', now() - interval '6 minutes')
       || '{"event": "incident_created",
            "incident": {"id": 1, "title": "upgrade-marker-api is down", "impact": "unknown",
                         "state": "ongoing", "kind": "programmatic"},
            "monitors": [{"id": 1, "name": "upgrade-marker-api", "status": "down",
                          "target": "https://api.upgrade-marker.internal/health"}]}',
     'delivered', 1, now() - interval '6 minutes', now() - interval '6 minutes',
     now() - interval '6 minutes' + interval '1 second');
INSERT INTO delivery_attempts (id, notification_id, at, duration_ms, ok, status_code, reply, error, retry_at) VALUES
    (1, 1, now() - interval '6 minutes', 212, true, 200, 'ok', NULL, NULL);

INSERT INTO status_pages (id, slug, title, description, is_default, published, custom_domain, logo_url,
                          accent_color, created_at, updated_at) VALUES
    (1, 'acme', 'Acme Status', 'Live status of Acme services.', true, true, NULL, NULL, '#0a7d4f',
     now() - interval '45 days', now() - interval '1 day');
INSERT INTO status_page_components (page_id, position, monitor_id, name, group_name) VALUES
    (1, 0, 1, 'Checkout API', NULL),
    (1, 1, 2, 'Storefront', 'Shop');

SELECT setval(pg_get_serial_sequence(table_name, 'id'), 100)
FROM information_schema.columns
WHERE table_schema = current_schema() AND column_name = 'id';
"#;

/// Each table's columns: as a select list, and as plain names.
const COLUMNS: &str = r#"
SELECT table_name::text AS name,
       string_agg(quote_ident(column_name::text), ', ' ORDER BY ordinal_position) AS select_list,
       string_agg(column_name::text, ',' ORDER BY ordinal_position) AS names
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'
GROUP BY table_name
"#;

/// A table's rows in `{columns}`, as text, in a stable order.
const ROWS: &str = "SELECT r::text AS line FROM (SELECT {columns} FROM {table}) r ORDER BY 1";

/// A table's rows in every column but `{names}`, as JSON, in the order of
/// `{columns}`.
const ADDED: &str =
    "SELECT (to_jsonb(t) - string_to_array('{names}', ','))::text AS line FROM {table} t ORDER BY {columns}";

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

fn lines(conn: &mut PgConnection, sql: &str) -> Vec<String> {
    let rows = diesel::sql_query(sql).load::<Line>(conn).unwrap_or_else(|e| panic!("{e}: {sql}"));
    rows.into_iter().map(|row| row.line).collect()
}

#[derive(QueryableByName)]
struct Columns {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    select_list: String,
    #[diesel(sql_type = Text)]
    names: String,
}

/// Table name → its columns, as [`COLUMNS`] lists them.
fn columns(conn: &mut PgConnection) -> BTreeMap<String, Columns> {
    let tables = diesel::sql_query(COLUMNS).load::<Columns>(conn).unwrap();
    tables.into_iter().map(|table| (table.name.clone(), table)).collect()
}

/// Every row of these tables in these columns (whatever else the tables
/// hold now).
fn rows(conn: &mut PgConnection, tables: &BTreeMap<String, Columns>) -> BTreeMap<String, Vec<String>> {
    tables
        .iter()
        .map(|(name, table)| {
            let sql = ROWS.replace("{columns}", &table.select_list).replace("{table}", name);
            (name.clone(), lines(conn, &sql))
        })
        .collect()
}

/// What the rows of these tables hold in the columns added since they were
/// listed, by table (tables without any left out).
fn added(conn: &mut PgConnection, tables: &BTreeMap<String, Columns>) -> BTreeMap<String, Vec<Value>> {
    let mut added = BTreeMap::new();
    for (name, table) in tables {
        let sql =
            ADDED.replace("{names}", &table.names).replace("{columns}", &table.select_list).replace("{table}", name);
        let rows: Vec<Value> = lines(conn, &sql).iter().map(|line| serde_json::from_str(line).unwrap()).collect();
        if rows.iter().any(|row| row.as_object().is_some_and(|fields| !fields.is_empty())) {
            added.insert(name.clone(), rows);
        }
    }
    added
}

/// Every migration's version (`2026-11-27-000015_status_changes` is
/// `20261127000015`), oldest first, read from the folders diesel embeds so
/// that migrations added later are expected too.
fn versions() -> Vec<String> {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let mut versions: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("up.sql").is_file())
        .map(|path| path.file_name().unwrap().to_string_lossy().split('_').next().unwrap().replace('-', ""))
        .collect();
    versions.sort();
    versions
}

/// Applies the embedded migrations up to `last` included, each in a
/// transaction of its own and recorded in `__diesel_schema_migrations`, as
/// diesel's harness does, so that `run_migrations` then applies only those
/// after it. (The harness's `run_next_migration` is in `diesel_migrations`,
/// which this crate does not depend on.) Returns their versions.
fn migrate_to(conn: &mut PgConnection, last: &str) -> Vec<String> {
    conn.setup().unwrap();
    let mut migrations = MigrationSource::<Pg>::migrations(&app::ssr::db::MIGRATIONS).unwrap();
    migrations.sort_by_key(|migration| migration.name().version().to_string());
    let mut applied = Vec::new();
    for migration in &migrations {
        let version = migration.name().version().to_string();
        if version.as_str() > last {
            break;
        }
        conn.transaction::<_, Box<dyn std::error::Error + Send + Sync>, _>(|conn| {
            migration.run(conn)?;
            diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ($1)")
                .bind::<Text, _>(version.as_str())
                .execute(conn)?;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("migration {version}: {e}"));
        applied.push(version);
    }
    applied
}

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// `uri` called with this API token.
fn bearer(method: Method, uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn an_upgraded_database_keeps_its_rows_and_is_served() {
    let db = TestDb::own_database(true);
    let mut conn = db.conn();
    let all = versions();
    let at = all.iter().position(|v| v == BASELINE).expect("the baseline migration is there");
    let (earlier, later) = all.split_at(at + 1);

    // The earlier release's schema, and nothing after it.
    assert_eq!(migrate_to(&mut conn, BASELINE), earlier);
    let recorded = lines(&mut conn, "SELECT version::text AS line FROM __diesel_schema_migrations ORDER BY version");
    assert_eq!(recorded, earlier, "stopped at the baseline");

    // What that release held.
    for secret in [TOKEN, REVOKED_TOKEN, SESSION] {
        assert!(BASELINE_ROWS.contains(secret), "the rows hold {secret}");
    }
    conn.batch_execute(BASELINE_ROWS).unwrap();
    let tables = columns(&mut conn);
    let before = rows(&mut conn, &tables);
    let counts: BTreeMap<&str, usize> = before.iter().map(|(table, rows)| (table.as_str(), rows.len())).collect();
    let expected_counts = BTreeMap::from([
        ("alert_rules", 2),
        ("api_tokens", 2),
        ("channels", 2),
        ("checks", 6),
        ("daily_rollups", 2),
        ("delivery_attempts", 1),
        ("incident_comments", 2),
        ("incident_events", 9),
        ("incident_monitors", 2),
        ("incident_updates", 3),
        ("incidents", 2),
        ("login_failures", 2),
        ("monitor_region_state", 4),
        ("monitor_regions", 4),
        ("monitor_status_changes", 4),
        ("monitors", 3),
        ("notifications", 1),
        ("regions", 2),
        ("sessions", 1),
        ("ssl_expiry_events", 1),
        ("status_page_components", 2),
        ("status_pages", 1),
        ("users", 2),
    ]);
    assert_eq!(counts, expected_counts, "rows in every table of the baseline");

    // The upgrade: the migrations after the baseline, those only.
    let applied = app::ssr::db::run_migrations(&mut conn).expect("the upgrade runs");
    assert_eq!(applied, later);

    // Every row is there, with every value it had.
    let after = rows(&mut conn, &tables);
    for (table, rows) in &before {
        assert_eq!(&after[table], rows, "{table} is as it was");
    }

    // The columns added since hold what their migrations meant for rows
    // that were already there. A migration that adds a column to one of
    // these tables says here what old rows get.
    let monitor = json!({
        "outage_closed_at": null,
        "ping_token_hash": null, "ping_token_hint": null, "period_seconds": null, "cron": null,
        "timezone": null, "grace_seconds": null, "run_started_at": null,
        "dns_record_type": null, "dns_server": null, "dns_protocol": null,
        "expected_values": [], "expected_match": null,
        "ping_count": null, "max_loss_percent": null,
        "degraded_after_ms": null, "degraded_incident": false,
        "parent_id": null, "tags": [],
    });
    // The timeline, comments and updates name who acted as they were named
    // then (`None`: the system).
    let actor = |name: Option<&str>| json!({ "actor_name": name });
    let (ada, max) = (Some("Ada Upgrade"), Some("Max Member"));
    let update = |name: &str| json!({ "author_name": name, "edited_at": null });
    let expected_added = BTreeMap::from([
        ("checks".to_owned(), vec![json!({"exit_code": null, "source": null}); 6]),
        ("daily_rollups".to_owned(), vec![json!({"maintenance_checks": 0}); 2]),
        (
            "incident_comments".to_owned(),
            vec![json!({"author_name": "Max Member"}), json!({"author_name": "Ada Upgrade"})],
        ),
        ("incident_events".to_owned(), [None, ada, ada, ada, max, max, max, ada, ada].into_iter().map(actor).collect()),
        ("incident_updates".to_owned(), vec![update("Ada Upgrade"), update("Max Member"), update("Ada Upgrade")]),
        ("incidents".to_owned(), vec![json!({"held_open": false, "public_title": null}); 2]),
        ("monitor_region_state".to_owned(), vec![json!({"consecutive_slow": 0, "consecutive_fast": 0}); 4]),
        ("monitors".to_owned(), vec![monitor; 3]),
        ("status_pages".to_owned(), vec![json!({"allow_subscriptions": true})]),
    ]);
    assert_eq!(added(&mut conn, &tables), expected_added);

    // A server on it, started as `vigie serve` starts.
    app::ssr::db::regions::ensure(&mut conn, "local").unwrap();
    let router = crate::common::router(crate::common::default_state(db.db.clone()));

    // The status page shows the components under their public names, the
    // ongoing outage under a title made from them, yesterday's rollup, and
    // the resolved incident with its public updates; nothing internal.
    let (status, page) = call(&router, get("/status/acme")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for public in [
        "Acme Status",
        "Live status of Acme services.",
        "Checkout API",
        "Storefront",
        "Shop",
        "Checkout API is down",
        "Checkout API answers with errors; we are on it.",
        "Carts not saving",
        "Carts fail to save; we found the cause.",
        "Carts save again.",
        "99.31 % uptime",
    ] {
        assert!(page.contains(public), "{public:?} is missing from {page}");
    }
    assert!(!page.contains("upgrade-marker"), "something internal is public: {page}");
    let (status, summary) = call(&router, get("/status/acme/api/v2/summary.json")).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let summary: Value = serde_json::from_str(&summary).unwrap();
    let components: Vec<(&str, &str)> = summary["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(components, [("Checkout API", "major_outage"), ("Storefront", "operational"), ("Shop", "operational")]);
    let unresolved: Vec<&str> =
        summary["incidents"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(unresolved, ["Checkout API is down"]);
    assert_eq!(summary["status"]["indicator"], "critical");

    // The API answers the token made before the upgrade (not the revoked
    // one) with the monitors as they were, secrets masked, and the new
    // settings at the values old monitors get.
    let (status, body) = call(&router, bearer(Method::GET, "/api/v1/monitors", REVOKED_TOKEN)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = call(&router, bearer(Method::GET, "/api/v1/monitors", TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Value = serde_json::from_str(&body).unwrap();
    let mask = app::ssr::text::mask;
    let expected_monitors = [
        json!({
            "name": "upgrade-marker-api", "kind": "http", "url": "https://api.upgrade-marker.internal/health",
            "host": null, "port": null, "method": "GET",
            "headers": {"X-Upgrade-Marker": mask("upgrade-marker-header-7f3a")}, "body": null,
            "accepted_status": "200-299", "keyword": "healthy", "keyword_mode": "contains", "follow_redirects": true,
            "interval_seconds": 30, "timeout_seconds": 10, "regions": ["local"], "region_threshold": 1,
            "incident_confirmations": 2, "recovery_confirmations": 2, "ssl_expiry_days": 14, "paused": false,
            "status": "down", "expected_values": [], "degraded_incident": false, "parent_id": null,
        }),
        json!({
            "name": "upgrade-marker-db", "kind": "tcp", "url": null,
            "host": "db.upgrade-marker.internal", "port": 5432, "method": "GET",
            "headers": {}, "body": null,
            "accepted_status": "200-299", "keyword": null, "keyword_mode": "contains", "follow_redirects": true,
            "interval_seconds": 120, "timeout_seconds": 3, "regions": ["eu-west"], "region_threshold": 1,
            "incident_confirmations": 3, "recovery_confirmations": 2, "ssl_expiry_days": 14, "paused": true,
            "status": "paused", "expected_values": [], "degraded_incident": false, "parent_id": null,
        }),
        json!({
            "name": "upgrade-marker-shop", "kind": "http", "url": "https://shop.upgrade-marker.internal/cart",
            "host": null, "port": null, "method": "POST",
            "headers": {}, "body": mask(r#"{"probe": "upgrade-marker-cart"}"#),
            "accepted_status": "200-299,301", "keyword": "Maintenance", "keyword_mode": "absent",
            "follow_redirects": false,
            "interval_seconds": 60, "timeout_seconds": 5, "regions": ["eu-west", "local"], "region_threshold": 2,
            "incident_confirmations": 3, "recovery_confirmations": 2, "ssl_expiry_days": 30, "paused": false,
            "status": "up", "expected_values": [], "degraded_incident": false, "parent_id": null,
        }),
    ];
    // Compared in the fields named above (ids and times are the database's).
    let fields: Vec<String> = expected_monitors[0].as_object().unwrap().keys().cloned().collect();
    assert_eq!(listed["next"], Value::Null);
    let seen: Vec<Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|monitor| Value::Object(fields.iter().map(|f| (f.clone(), monitor[f.as_str()].clone())).collect()))
        .collect();
    assert_eq!(seen, expected_monitors);

    // The session opened before the upgrade is still signed in.
    let console = Request::get("/console/team")
        .header(header::COOKIE, format!("vigie_session={SESSION}"))
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&router, console).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Removing the member keeps their name on what they wrote before the
    // upgrade (what `names_kept` is for), and the removal is audited.
    let (status, body) = call(&router, bearer(Method::DELETE, "/api/v1/users/2", TOKEN)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body) = call(&router, bearer(Method::GET, "/api/v1/incidents/2", TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let incident: Value = serde_json::from_str(&body).unwrap();
    let timeline: Vec<(&str, Option<&str>)> = incident["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["actor"]["name"].as_str()))
        .collect();
    assert_eq!(
        timeline,
        [
            ("opened", max),
            ("comment_added", max),
            ("update_published", max),
            ("update_published", ada),
            ("resolved", ada),
        ]
    );
    assert_eq!(incident["comments"][0]["author"], json!({"id": 2, "name": "Max Member"}));
    assert_eq!(incident["comments"][0]["body"], "upgrade-marker-comment: rolled back release 7");
    let authors: Vec<Option<&str>> =
        incident["updates"].as_array().unwrap().iter().map(|u| u["author"]["name"].as_str()).collect();
    assert_eq!(authors, [max, ada]);
    let audited = lines(
        &mut conn,
        "SELECT action || ' ' || subject AS line FROM audit_events WHERE action = 'member_removed' ORDER BY id",
    );
    assert_eq!(audited, ["member_removed upgrade-marker-member@example.com"]);
}
