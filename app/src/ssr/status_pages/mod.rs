//! Status pages' configuration: checked, stored with their components, one
//! default at most. What the public sees is built in `read_model` (what
//! every public surface renders) and kept rendered in `cache`.

pub mod badges;
pub mod cache;
pub mod read_model;
pub mod subscriber_mail;
pub mod subscribers;

use crate::error::AppError;
use crate::model::status_page_limits::{COMPONENTS_MAX, DESCRIPTION_MAX, NAME_MAX, TITLE_MAX, URL_MAX};
use crate::model::{AuditAction, PageComponent, SLUG_RULE, StatusPage, StatusPageInput, is_slug};
use crate::ssr::db::monitors as monitor_rows;
use crate::ssr::db::status_pages::{self as db, ComponentRow, PageRow, PageValues};
use crate::ssr::db::violated_unique;
use crate::ssr::team::audit::{self, Actor};
use crate::ssr::text;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn to_model(row: PageRow, components: Vec<ComponentRow>) -> StatusPage {
    StatusPage {
        id: row.id,
        slug: row.slug,
        title: row.title,
        description: row.description,
        is_default: row.is_default,
        published: row.published,
        allow_subscriptions: row.allow_subscriptions,
        custom_domain: row.custom_domain,
        logo_url: row.logo_url,
        accent_color: row.accent_color,
        components: components
            .into_iter()
            .map(|(monitor_id, name, group)| PageComponent { monitor_id, name, group })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub fn list(conn: &mut PgConnection) -> Result<Vec<StatusPage>, AppError> {
    let rows = db::list(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut components = db::components_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let list = components.remove(&row.id).unwrap_or_default();
            to_model(row, list)
        })
        .collect())
}

pub fn get(conn: &mut PgConnection, id: i64) -> Result<StatusPage, AppError> {
    let row = db::find(conn, id)?.ok_or_else(|| AppError::not_found("status page"))?;
    let components = db::components_of(conn, &[id])?.remove(&id).unwrap_or_default();
    Ok(to_model(row, components))
}

fn check_domain(domain: &str) -> Result<String, AppError> {
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    let valid = !domain.is_empty()
        && domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if valid {
        Ok(domain)
    } else {
        Err(AppError::validation("custom_domain", "Enter a host name such as status.example.com."))
    }
}

fn check_logo(url: &str) -> Result<String, AppError> {
    let url = url.trim();
    if url.len() > URL_MAX {
        return Err(AppError::validation("logo_url", format!("At most {URL_MAX} characters.")));
    }
    match url::Url::parse(url) {
        Ok(parsed) if parsed.scheme() == "https" && parsed.host_str().is_some() => Ok(url.to_owned()),
        _ => Err(AppError::validation("logo_url", "Enter an https:// URL.")),
    }
}

fn check_colour(colour: &str) -> Result<String, AppError> {
    let colour = colour.trim().to_lowercase();
    let valid = colour.len() == 7 && colour.starts_with('#') && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if valid { Ok(colour) } else { Err(AppError::validation("accent_color", "Enter a colour as #rrggbb.")) }
}

fn check_components(list: Vec<PageComponent>) -> Result<Vec<ComponentRow>, AppError> {
    if list.len() > COMPONENTS_MAX {
        return Err(AppError::validation("components", format!("At most {COMPONENTS_MAX} components.")));
    }
    let mut checked: Vec<ComponentRow> = Vec::with_capacity(list.len());
    for component in list {
        if checked.iter().any(|(id, _, _)| *id == component.monitor_id) {
            return Err(AppError::validation(
                "components",
                format!("Monitor {} is listed twice.", component.monitor_id),
            ));
        }
        let name = text::required_line("components", &component.name, NAME_MAX, "").map_err(|_| {
            AppError::validation("components", format!("Give each component a name of 1 to {NAME_MAX} characters."))
        })?;
        let group = component
            .group
            .map(|g| text::line("components", &g, NAME_MAX))
            .transpose()
            .map_err(|_| {
                AppError::validation("components", format!("Group names have at most {NAME_MAX} characters."))
            })?
            .flatten();
        checked.push((component.monitor_id, name, group));
    }
    Ok(checked)
}

/// A page as it will be stored; `components` is `None` when unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPage {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub is_default: bool,
    pub published: bool,
    pub allow_subscriptions: bool,
    pub custom_domain: Option<String>,
    pub logo_url: Option<String>,
    pub accent_color: Option<String>,
    pub components: Option<Vec<ComponentRow>>,
}

/// Checks a page (monitors' existence and uniqueness are checked apart).
pub fn validate(input: StatusPageInput, current: Option<&PageRow>) -> Result<ValidPage, AppError> {
    let slug = match (input.slug, current) {
        (Some(slug), _) => {
            let slug = slug.trim().to_owned();
            if !is_slug(&slug) {
                return Err(AppError::validation("slug", SLUG_RULE));
            }
            slug
        }
        (None, Some(row)) => row.slug.clone(),
        (None, None) => return Err(AppError::validation("slug", SLUG_RULE)),
    };
    let title = match (input.title, current) {
        (Some(title), _) => text::required_line("title", &title, TITLE_MAX, "Enter a title.")?,
        (None, Some(row)) => row.title.clone(),
        (None, None) => return Err(AppError::validation("title", "Enter a title.")),
    };
    let description = match (input.description, current) {
        (Some(description), _) => text::paragraphs("description", &description, DESCRIPTION_MAX)?,
        (None, Some(row)) => row.description.clone(),
        (None, None) => String::new(),
    };
    let keep = |value: Option<Option<String>>, stored: Option<String>, check: fn(&str) -> Result<String, AppError>| {
        match value {
            Some(Some(v)) if !v.trim().is_empty() => check(&v).map(Some),
            Some(_) => Ok(None),
            None => Ok(stored),
        }
    };
    Ok(ValidPage {
        slug,
        title,
        description,
        is_default: input.is_default.or(current.map(|r| r.is_default)).unwrap_or(false),
        published: input.published.or(current.map(|r| r.published)).unwrap_or(false),
        allow_subscriptions: input.allow_subscriptions.or(current.map(|r| r.allow_subscriptions)).unwrap_or(true),
        custom_domain: keep(input.custom_domain, current.and_then(|r| r.custom_domain.clone()), check_domain)?,
        logo_url: keep(input.logo_url, current.and_then(|r| r.logo_url.clone()), check_logo)?,
        accent_color: keep(input.accent_color, current.and_then(|r| r.accent_color.clone()), check_colour)?,
        components: input.components.map(check_components).transpose()?,
    })
}

fn slug_conflict(slug: &str) -> AppError {
    AppError::conflict(Some("slug"), format!("Another page uses the slug `{slug}`."))
}

fn domain_conflict() -> AppError {
    AppError::conflict(Some("custom_domain"), "Another page uses this domain.")
}

fn store(conn: &mut PgConnection, id: Option<i64>, valid: &ValidPage, now: DateTime<Utc>) -> Result<i64, AppError> {
    let (slug_taken, domain_taken) = db::taken(conn, &valid.slug, valid.custom_domain.as_deref(), id)?;
    if slug_taken {
        return Err(slug_conflict(&valid.slug));
    }
    if domain_taken {
        return Err(domain_conflict());
    }
    if let Some(components) = &valid.components {
        let ids: Vec<i64> = components.iter().map(|(id, _, _)| *id).collect();
        let found = monitor_rows::find_many(conn, &ids)?;
        if let Some(missing) = ids.iter().find(|id| !found.iter().any(|m| m.id == **id)) {
            return Err(AppError::validation("components", format!("There is no monitor {missing}.")));
        }
    }
    let values = PageValues {
        slug: &valid.slug,
        title: &valid.title,
        description: &valid.description,
        is_default: valid.is_default,
        published: valid.published,
        custom_domain: valid.custom_domain.as_deref(),
        logo_url: valid.logo_url.as_deref(),
        accent_color: valid.accent_color.as_deref(),
        updated_at: now,
        allow_subscriptions: valid.allow_subscriptions,
    };
    // One default at most: the others stop being it first (a unique index says so).
    if valid.is_default {
        db::clear_default(conn, id.unwrap_or(-1))?;
    }
    let stored = match id {
        Some(id) => db::update(conn, id, &values).map(|()| id),
        None => db::insert(conn, &values),
    };
    // The checks above cover the usual case; these cover two saves racing each other.
    let id = stored.map_err(|e| match violated_unique(&e) {
        Some("status_pages_slug_key") => slug_conflict(&valid.slug),
        Some("status_pages_custom_domain_key") => domain_conflict(),
        Some("status_pages_one_default") => {
            AppError::conflict(Some("default"), "Another page became the default at the same time; save again.")
        }
        _ => e.into(),
    })?;
    if let Some(components) = &valid.components {
        db::replace_components(conn, id, components)?;
    }
    Ok(id)
}

pub fn create(
    conn: &mut PgConnection,
    actor: &Actor,
    input: StatusPageInput,
    now: DateTime<Utc>,
) -> Result<StatusPage, AppError> {
    let valid = validate(input, None)?;
    conn.transaction(|conn| {
        let id = store(conn, None, &valid, now)?;
        let details = if valid.published { "published" } else { "not published" };
        audit::record(conn, actor, AuditAction::StatusPageCreated, &valid.slug, Some(details))?;
        get(conn, id)
    })
}

pub fn update(
    conn: &mut PgConnection,
    actor: &Actor,
    id: i64,
    input: StatusPageInput,
    now: DateTime<Utc>,
) -> Result<StatusPage, AppError> {
    conn.transaction(|conn| {
        let current = db::lock(conn, id)?.ok_or_else(|| AppError::not_found("status page"))?;
        let components = db::components_of(conn, &[id])?.remove(&id).unwrap_or_default();
        let valid = validate(input, Some(&current))?;
        store(conn, Some(id), &valid, now)?;
        let changed = audit::changed_fields(&[
            ("slug", current.slug != valid.slug),
            ("title", current.title != valid.title),
            ("description", current.description != valid.description),
            ("default", current.is_default != valid.is_default),
            ("published", current.published != valid.published),
            ("subscriptions", current.allow_subscriptions != valid.allow_subscriptions),
            ("custom domain", current.custom_domain != valid.custom_domain),
            ("logo", current.logo_url != valid.logo_url),
            ("accent colour", current.accent_color != valid.accent_color),
            ("components", valid.components.as_ref().is_some_and(|new| *new != components)),
        ]);
        if let Some(changed) = changed {
            audit::record(conn, actor, AuditAction::StatusPageChanged, &current.slug, Some(&changed))?;
        }
        get(conn, id)
    })
}

pub fn delete(conn: &mut PgConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    conn.transaction(|conn| {
        let slug = db::delete(conn, id)?.ok_or_else(|| AppError::not_found("status page"))?;
        audit::record(conn, actor, AuditAction::StatusPageDeleted, &slug, None)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> StatusPageInput {
        StatusPageInput {
            slug: Some("acme".into()),
            title: Some("Acme status".into()),
            components: Some(vec![PageComponent { monitor_id: 1, name: "API".into(), group: None }]),
            ..Default::default()
        }
    }

    #[test]
    fn new_pages_take_defaults() {
        let valid = validate(page(), None).unwrap();
        assert_eq!((valid.is_default, valid.published, valid.description.as_str()), (false, false, ""));
        let styled = StatusPageInput {
            custom_domain: Some(Some("Status.Example.com.".into())),
            accent_color: Some(Some("#0F766E".into())),
            logo_url: Some(Some("https://example.com/logo.svg".into())),
            ..page()
        };
        let valid = validate(styled, None).unwrap();
        assert_eq!(valid.custom_domain.as_deref(), Some("status.example.com"));
        assert_eq!(valid.accent_color.as_deref(), Some("#0f766e"));
    }

    #[test]
    fn bad_pages_name_their_field() {
        let component = |name: &str| PageComponent { monitor_id: 1, name: name.into(), group: None };
        let cases = [
            (StatusPageInput { slug: Some("Acme Corp".into()), ..page() }, "slug"),
            (StatusPageInput { slug: None, ..page() }, "slug"),
            (StatusPageInput { title: Some(" ".into()), ..page() }, "title"),
            (StatusPageInput { title: Some("x".repeat(TITLE_MAX + 1)), ..page() }, "title"),
            (StatusPageInput { description: Some("x".repeat(DESCRIPTION_MAX + 1)), ..page() }, "description"),
            (StatusPageInput { custom_domain: Some(Some("not a domain".into())), ..page() }, "custom_domain"),
            (StatusPageInput { logo_url: Some(Some("http://example.com/logo.png".into())), ..page() }, "logo_url"),
            (StatusPageInput { accent_color: Some(Some("teal".into())), ..page() }, "accent_color"),
            (StatusPageInput { components: Some(vec![component("")]), ..page() }, "components"),
            (StatusPageInput { components: Some(vec![component("A"), component("B")]), ..page() }, "components"),
        ];
        for (input, field) in cases {
            let error = validate(input.clone(), None).unwrap_err();
            assert_eq!(error.field(), Some(field), "{input:?}: {error}");
        }
    }
}
