//! Monitors in the console: list, read, save, pause, remove. Any team member.

use crate::error::AppError;
use crate::model::{Check, Monitor, MonitorDetails, MonitorInput, RegionChoices};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/rpc", endpoint = "list_monitors")]
pub async fn list_monitors() -> Result<Vec<Monitor>, AppError> {
    use crate::ssr::{AppState, monitoring::monitors, reply, team::auth};
    let result = async {
        auth::require_session()?;
        AppState::from_context()?.db.run(monitors::list).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "get_monitor")]
pub async fn get_monitor(id: i64) -> Result<Monitor, AppError> {
    use crate::ssr::{AppState, monitoring::monitors, reply, team::auth};
    let result = async {
        auth::require_session()?;
        AppState::from_context()?.db.run(move |conn| monitors::get(conn, id)).await
    }
    .await;
    reply(result)
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
    use crate::ssr::{AppState, monitoring::monitors, reply, team::auth};
    let result = async {
        auth::require_session()?;
        let state = AppState::from_context()?;
        let settings = state.monitor_settings.clone();
        state
            .db
            .run(move |conn| {
                let rules = monitors::rules(conn, settings.min_interval_seconds, &settings.region)?;
                match id {
                    Some(id) => monitors::update(conn, &rules, id, input),
                    None => monitors::create(conn, &rules, input),
                }
            })
            .await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "set_monitor_paused")]
pub async fn set_monitor_paused(id: i64, paused: bool) -> Result<Monitor, AppError> {
    use crate::ssr::{AppState, monitoring::monitors, reply, team::auth};
    let result = async {
        auth::require_session()?;
        AppState::from_context()?.db.run(move |conn| monitors::set_paused(conn, id, paused)).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "delete_monitor")]
pub async fn delete_monitor(id: i64) -> Result<(), AppError> {
    use crate::ssr::{AppState, monitoring::monitors, reply, team::auth};
    let result = async {
        auth::require_session()?;
        AppState::from_context()?.db.run(move |conn| monitors::delete(conn, id)).await
    }
    .await;
    reply(result)
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
    use crate::ssr::{AppState, monitoring::monitors, monitoring::report, reply, team::auth};
    let result = async {
        auth::require_session()?;
        AppState::from_context()?
            .db
            .run(move |conn| {
                let monitor = monitors::get(conn, id)?;
                Ok(report::details(conn, monitor, chrono::Utc::now())?)
            })
            .await
    }
    .await;
    reply(result)
}
