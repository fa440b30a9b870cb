//! Queries on `status_pages` and `status_page_components`.

use super::schema::{status_page_components as components, status_pages as pages};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pages)]
pub struct PageRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub is_default: bool,
    pub published: bool,
    pub custom_domain: Option<String>,
    pub logo_url: Option<String>,
    pub accent_color: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub allow_subscriptions: bool,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = pages, treat_none_as_null = true)]
pub struct PageValues<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub is_default: bool,
    pub published: bool,
    pub custom_domain: Option<&'a str>,
    pub logo_url: Option<&'a str>,
    pub accent_color: Option<&'a str>,
    pub updated_at: DateTime<Utc>,
    pub allow_subscriptions: bool,
}

/// `(monitor_id, name, group)` of a page's components, in order.
pub type ComponentRow = (i64, String, Option<String>);

pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<PageRow>> {
    pages::table.order((pages::title.asc(), pages::id.asc())).select(PageRow::as_select()).load(conn)
}

pub fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<PageRow>> {
    pages::table.find(id).select(PageRow::as_select()).first(conn).optional()
}

pub fn lock(conn: &mut PgConnection, id: i64) -> QueryResult<Option<PageRow>> {
    pages::table.find(id).select(PageRow::as_select()).for_update().first(conn).optional()
}

pub fn find_by_slug(conn: &mut PgConnection, slug: &str) -> QueryResult<Option<PageRow>> {
    pages::table.filter(pages::slug.eq(slug)).select(PageRow::as_select()).first(conn).optional()
}

/// The id of the page with this slug or custom domain, other than `except`.
pub fn taken(
    conn: &mut PgConnection,
    slug: &str,
    domain: Option<&str>,
    except: Option<i64>,
) -> QueryResult<(bool, bool)> {
    let others = pages::table.filter(pages::id.ne(except.unwrap_or(-1)));
    let slug_taken = diesel::select(diesel::dsl::exists(others.filter(pages::slug.eq(slug)))).get_result(conn)?;
    let domain_taken = match domain {
        Some(domain) => diesel::select(diesel::dsl::exists(
            pages::table.filter(pages::id.ne(except.unwrap_or(-1))).filter(pages::custom_domain.eq(domain)),
        ))
        .get_result(conn)?,
        None => false,
    };
    Ok((slug_taken, domain_taken))
}

pub fn insert(conn: &mut PgConnection, values: &PageValues<'_>) -> QueryResult<i64> {
    diesel::insert_into(pages::table).values(values).returning(pages::id).get_result(conn)
}

pub fn update(conn: &mut PgConnection, id: i64, values: &PageValues<'_>) -> QueryResult<()> {
    diesel::update(pages::table.find(id)).set(values).execute(conn).map(drop)
}

/// Makes every page but `keep` not the default.
pub fn clear_default(conn: &mut PgConnection, keep: i64) -> QueryResult<()> {
    diesel::update(pages::table.filter(pages::is_default).filter(pages::id.ne(keep)))
        .set(pages::is_default.eq(false))
        .execute(conn)
        .map(drop)
}

/// Deletes a page; returns its slug, `None` when there was none.
pub fn delete(conn: &mut PgConnection, id: i64) -> QueryResult<Option<String>> {
    diesel::delete(pages::table.find(id)).returning(pages::slug).get_result(conn).optional()
}

/// The components of these pages, in order, by page.
pub fn components_of(conn: &mut PgConnection, page_ids: &[i64]) -> QueryResult<HashMap<i64, Vec<ComponentRow>>> {
    let rows: Vec<(i64, i64, String, Option<String>)> = components::table
        .filter(components::page_id.eq_any(page_ids))
        .order((components::page_id.asc(), components::position.asc()))
        .select((components::page_id, components::monitor_id, components::name, components::group_name))
        .load(conn)?;
    let mut by_page: HashMap<i64, Vec<ComponentRow>> = HashMap::new();
    for (page, monitor, name, group) in rows {
        by_page.entry(page).or_default().push((monitor, name, group));
    }
    Ok(by_page)
}

/// Replaces a page's components with `list`, in its order.
pub fn replace_components(conn: &mut PgConnection, page_id: i64, list: &[ComponentRow]) -> QueryResult<()> {
    diesel::delete(components::table.filter(components::page_id.eq(page_id))).execute(conn)?;
    let rows: Vec<_> = list
        .iter()
        .enumerate()
        .map(|(position, (monitor, name, group))| {
            (
                components::page_id.eq(page_id),
                components::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                components::monitor_id.eq(*monitor),
                components::name.eq(name),
                components::group_name.eq(group.as_deref()),
            )
        })
        .collect();
    diesel::insert_into(components::table).values(rows).execute(conn).map(drop)
}

/// The published page to serve at `/` for a request to `host`: the one with
/// that custom domain, else the default one.
/// `(slug, custom_domain)` of every published page.
pub fn published_names(conn: &mut PgConnection) -> QueryResult<Vec<(String, Option<String>)>> {
    pages::table.filter(pages::published).select((pages::slug, pages::custom_domain)).load(conn)
}

pub fn find_for_root(conn: &mut PgConnection, host: Option<&str>) -> QueryResult<Option<PageRow>> {
    if let Some(host) = host {
        let page = pages::table
            .filter(pages::published)
            .filter(pages::custom_domain.eq(host))
            .select(PageRow::as_select())
            .first(conn)
            .optional()?;
        if page.is_some() {
            return Ok(page);
        }
    }
    pages::table.filter(pages::published).filter(pages::is_default).select(PageRow::as_select()).first(conn).optional()
}
