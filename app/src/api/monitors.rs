//! Monitors in the console: list, read, save, pause, remove. Any team member.

use crate::error::AppError;
use crate::model::{
    BulkInput, BulkOutcome, Check, Monitor, MonitorDetails, MonitorInput, MonitorListPage, MonitorRef, RegionChoices,
};
use leptos::prelude::*;
use server_fn::codec::Json;

/// One page of the console's list, narrowed like the REST API's (blank
/// values: any), with the counts per status.
#[server(prefix = "/rpc", endpoint = "list_monitor_page")]
pub async fn list_monitor_page(
    search: String,
    status: String,
    kind: String,
    region: String,
    tag: String,
    sort: String,
    cursor: String,
) -> Result<MonitorListPage, AppError> {
    use crate::ssr::{as_member, config::export::managed_among, links_base, monitoring::monitors};
    let base = links_base()?;
    let (list, counts, managed) = as_member(move |conn, _| {
        let given = monitors::ListParams {
            search: Some(&search),
            status: Some(&status),
            kind: Some(&kind),
            region: Some(&region),
            tag: Some(&tag),
            sort: Some(&sort),
            cursor: Some(&cursor),
        };
        let query = monitors::ListQuery::new(given, Some(CONSOLE_PAGE))?;
        let list = monitors::page(conn, &query)?;
        let ids: Vec<i64> = list.items.iter().map(|m| m.id).collect();
        let managed = managed_among(conn, "monitor", &ids)?;
        Ok((list, monitors::counts(conn, &query)?, managed))
    })
    .await?;
    let items = list.items.into_iter().map(|monitor| monitor.with_ping_base(&base)).collect();
    Ok(MonitorListPage { items, next: list.next, counts, managed })
}

/// Pauses, resumes, deletes, tags or untags the chosen monitors.
#[server(prefix = "/rpc", endpoint = "bulk_monitors", input = Json)]
pub async fn bulk_monitors(input: BulkInput) -> Result<BulkOutcome, AppError> {
    use crate::ssr::{as_member, monitoring::monitors};
    as_member(move |conn, _| monitors::bulk(conn, &input)).await
}

/// The tags monitors have, for the list's filter.
#[server(prefix = "/rpc", endpoint = "monitor_tags")]
pub async fn monitor_tags() -> Result<Vec<String>, AppError> {
    use crate::ssr::{as_member, monitoring::monitors};
    as_member(move |conn, _| monitors::tags(conn)).await
}

/// Monitors a page of the console's list holds.
pub const CONSOLE_PAGE: i64 = 50;

#[server(prefix = "/rpc", endpoint = "get_monitor")]
pub async fn get_monitor(id: i64) -> Result<Monitor, AppError> {
    use crate::ssr::{as_member, links_base, monitoring::monitors};
    let base = links_base()?;
    Ok(as_member(move |conn, _| monitors::get(conn, id)).await?.with_ping_base(&base))
}

/// Monitors whose name contains `part` (the first 20 by name): the choices
/// of every form that picks monitors.
#[server(prefix = "/rpc", endpoint = "find_monitors")]
pub async fn find_monitors(part: String) -> Result<Vec<MonitorRef>, AppError> {
    use crate::ssr::{as_member, monitoring::monitors};
    as_member(move |conn, _| monitors::find(conn, &part)).await
}

/// The names of monitors chosen before (those that still exist).
#[server(prefix = "/rpc", endpoint = "name_monitors", input = Json)]
pub async fn name_monitors(ids: Vec<i64>) -> Result<Vec<MonitorRef>, AppError> {
    use crate::ssr::{as_member, monitoring::monitors};
    as_member(move |conn, _| monitors::names(conn, &ids)).await
}

/// The regions monitors can be probed from.
#[server(prefix = "/rpc", endpoint = "list_regions")]
pub async fn list_regions() -> Result<RegionChoices, AppError> {
    use crate::ssr::{AppState, db, reply, team::auth};
    let result = async {
        auth::require_session()?;
        let state = AppState::from_context()?;
        let default = state.monitor_settings.region.clone();
        let names = state.db.run(|conn| Ok(db::regions::list_names(conn)?)).await?;
        Ok(RegionChoices { names, default })
    }
    .await;
    reply(result)
}

/// Creates a monitor (`id` none) or changes one.
#[server(prefix = "/rpc", endpoint = "save_monitor", input = Json)]
pub async fn save_monitor(id: Option<i64>, input: MonitorInput) -> Result<Monitor, AppError> {
    use crate::ssr::{AppState, as_member, links_base, monitoring::monitors};
    let settings = AppState::from_context()?.monitor_settings;
    let base = links_base()?;
    Ok(as_member(move |conn, _| monitors::save(conn, &settings, id, input)).await?.with_ping_base(&base))
}

#[server(prefix = "/rpc", endpoint = "set_monitor_paused")]
pub async fn set_monitor_paused(id: i64, paused: bool) -> Result<Monitor, AppError> {
    use crate::ssr::{as_member, links_base, monitoring::monitors};
    let base = links_base()?;
    Ok(as_member(move |conn, _| monitors::set_paused(conn, id, paused)).await?.with_ping_base(&base))
}

/// Gives a heartbeat a new ping URL (the old one stops working), shown whole
/// this once.
#[server(prefix = "/rpc", endpoint = "new_ping_url")]
pub async fn new_ping_url(id: i64) -> Result<Monitor, AppError> {
    use crate::ssr::{as_member, links_base, monitoring::monitors};
    let base = links_base()?;
    Ok(as_member(move |conn, _| monitors::new_ping_url(conn, id)).await?.with_ping_base(&base))
}

#[server(prefix = "/rpc", endpoint = "delete_monitor")]
pub async fn delete_monitor(id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_member, monitoring::monitors};
    as_member(move |conn, _| monitors::delete(conn, id)).await
}

/// Checks a monitor once, now, from this server's region.
#[server(prefix = "/rpc", endpoint = "check_monitor")]
pub async fn check_monitor(id: i64) -> Result<Check, AppError> {
    use crate::ssr::{AppState, monitoring::monitors, reply, team::auth};
    let result = async {
        auth::require_session()?;
        monitors::check_now(&AppState::from_context()?, id).await
    }
    .await;
    reply(result)
}

/// A monitor with its regions' state, recent checks, latency and uptime.
#[server(prefix = "/rpc", endpoint = "monitor_page")]
pub async fn monitor_page(id: i64) -> Result<MonitorDetails, AppError> {
    use crate::ssr::{as_member, links_base, monitoring::monitors, monitoring::report};
    let base = links_base()?;
    as_member(move |conn, _| {
        let monitor = monitors::get(conn, id)?.with_ping_base(&base);
        Ok(report::details(conn, monitor, chrono::Utc::now())?)
    })
    .await
}
