//! Every migration goes down and up again: each `down.sql` undoes its
//! `up.sql` exactly, so a deployment can step back, and the schema built
//! again is the same.

use crate::common::db::TestDb;
use diesel::prelude::*;

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Every table, column (with its type and nullability), index, constraint,
/// trigger and function of the current schema, as sorted lines.
fn shape(conn: &mut PgConnection) -> Vec<String> {
    let query = "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS name \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                   AND table_name <> '__diesel_schema_migrations' \
                 UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                   AND tablename <> '__diesel_schema_migrations' \
                 UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) \
                   FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
                   AND conrelid::regclass::text NOT LIKE '%diesel_schema_migrations' \
                 UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                   WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal \
                 UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace";
    let mut lines: Vec<String> =
        diesel::sql_query(query).load::<Column>(conn).unwrap().into_iter().map(|c| c.name).collect();
    lines.sort();
    lines
}

#[test]
fn every_migration_goes_down_and_up_again() {
    let db = TestDb::new();
    let mut conn = db.conn();
    let before = shape(&mut conn);
    assert!(before.iter().any(|l| l.starts_with("incidents.held_open")), "the schema is there: {before:?}");

    let reverted = app::ssr::db::revert_migrations(&mut conn).expect("every down.sql runs");
    assert!(reverted.len() >= 18, "{reverted:?}");
    assert_eq!(shape(&mut conn), Vec::<String>::new(), "nothing is left once all are reverted");

    let applied = app::ssr::db::run_migrations(&mut conn).expect("and up again");
    assert_eq!(applied.len(), reverted.len());
    assert_eq!(shape(&mut conn), before, "the same schema again");
}
