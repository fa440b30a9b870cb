//! Closed sets of values stored as text (statuses, kinds, impacts, roles…)
//! are read into their enums strictly: a value the code does not know is an
//! error, never a silent default. So the schema and the enums must agree.

use crate::common::db::TestDb;
use app::model::{
    AuditAction, AuditVia, ChannelKind, Impact, IncidentKind, IncidentState, KeywordMode, MonitorKind, MonitorStatus,
    NotificationState, Role, SubscriberKind, SubscriberState, UpdateStatus,
};
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    def: String,
}

/// The values a `CHECK (column IN (…))` constraint of `table` allows.
fn allowed(conn: &mut PgConnection, table: &str, column: &str) -> Vec<String> {
    let defs: Vec<Definition> = diesel::sql_query(
        "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint \
         WHERE conrelid = $1::regclass AND contype = 'c'",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .unwrap();
    // PostgreSQL writes `column IN ('a', 'b')` back as
    // `(column = ANY (ARRAY['a'::text, 'b'::text]))`.
    let start = format!("({column} = ANY (ARRAY[");
    let def = defs
        .iter()
        .find_map(|d| d.def.split_once(&start).map(|(_, rest)| rest.to_owned()))
        .unwrap_or_else(|| panic!("no IN list for {table}.{column}"));
    let list = def.split_once("])").unwrap().0;
    list.split(", ").map(|item| item.trim_end_matches("::text").trim_matches('\'').to_owned()).collect()
}

#[test]
fn every_value_the_schema_allows_is_one_its_enum_reads() {
    let db = TestDb::new();
    let mut conn = db.conn();
    type Case = (&'static str, &'static str, fn(&str) -> bool);
    let cases: [Case; 14] = [
        ("monitors", "kind", |v| MonitorKind::parse(v).is_some()),
        ("monitors", "keyword_mode", |v| KeywordMode::parse(v).is_some()),
        ("monitors", "status", |v| MonitorStatus::parse(v).is_some()),
        ("incidents", "kind", |v| IncidentKind::parse(v).is_some()),
        ("incidents", "impact", |v| Impact::parse(v).is_some()),
        ("incidents", "state", |v| IncidentState::parse(v).is_some()),
        ("incident_updates", "status", |v| UpdateStatus::parse(v).is_some()),
        ("channels", "kind", |v| ChannelKind::parse(v).is_some()),
        ("notifications", "state", |v| NotificationState::parse(v).is_some()),
        ("users", "role", |v| Role::parse(v).is_some()),
        ("audit_events", "action", |v| AuditAction::parse(v).is_some()),
        ("audit_events", "via", |v| AuditVia::parse(v).is_some()),
        ("subscribers", "kind", |v| SubscriberKind::parse(v).is_some()),
        ("subscribers", "state", |v| SubscriberState::parse(v).is_some()),
    ];
    for (table, column, reads) in cases {
        let values = allowed(&mut conn, table, column);
        assert!(values.len() >= 2, "{table}.{column}: {values:?}");
        for value in values {
            assert!(reads(&value), "{table}.{column} allows `{value}`, which its enum does not read");
        }
    }
    // And what the code writes, the schema takes (paused is a flag, not a status).
    let statuses = allowed(&mut conn, "monitors", "status");
    for status in MonitorStatus::ALL.iter().filter(|s| **s != MonitorStatus::Paused) {
        assert!(statuses.iter().any(|v| v == status.as_str()), "monitors.status refuses {status}");
    }
    for (table, column, all) in [
        ("incidents", "impact", Impact::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()),
        ("incidents", "state", IncidentState::ALL.iter().map(|v| v.as_str()).collect()),
        ("notifications", "state", NotificationState::ALL.iter().map(|v| v.as_str()).collect()),
        ("audit_events", "action", AuditAction::ALL.iter().map(|v| v.as_str()).collect()),
        ("audit_events", "via", AuditVia::ALL.iter().map(|v| v.as_str()).collect()),
        ("subscribers", "kind", SubscriberKind::ALL.iter().map(|v| v.as_str()).collect()),
        ("subscribers", "state", SubscriberState::ALL.iter().map(|v| v.as_str()).collect()),
    ] {
        let values = allowed(&mut conn, table, column);
        for value in all {
            assert!(values.iter().any(|v| v == value), "{table}.{column} refuses {value}");
        }
    }
}

#[derive(QueryableByName, Debug)]
struct Stored {
    #[diesel(sql_type = Text)]
    status: MonitorStatus,
}

#[test]
fn a_value_no_enum_knows_is_an_error_not_a_default() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let read = diesel::sql_query("SELECT 'partial' AS status").get_result::<Stored>(&mut conn).unwrap();
    assert_eq!(read.status, MonitorStatus::Partial);
    let error = diesel::sql_query("SELECT 'sideways' AS status").get_result::<Stored>(&mut conn).unwrap_err();
    assert!(error.to_string().contains("unknown monitor status `sideways`"), "{error}");
}
