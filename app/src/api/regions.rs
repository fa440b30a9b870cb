//! Regions: admins list them, create agent regions (token shown once),
//! replace a region's token and delete unused regions.

use crate::error::AppError;
use crate::model::{CreatedRegion, Region};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_region_details")]
pub async fn list_region_details() -> Result<Vec<Region>, AppError> {
    use crate::ssr::{AppState, monitoring::regions, reply, team::auth};
    let result = async {
        auth::require_admin()?;
        AppState::from_context()?.db.run(regions::list_regions).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "create_region")]
pub async fn create_region(name: String) -> Result<CreatedRegion, AppError> {
    use crate::ssr::{AppState, monitoring::regions, reply, team::auth};
    let result = async {
        auth::require_admin()?;
        AppState::from_context()?.db.run(move |conn| regions::create_region(conn, &name)).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "rotate_region_token")]
pub async fn rotate_region_token(id: i64) -> Result<CreatedRegion, AppError> {
    use crate::ssr::{AppState, monitoring::regions, reply, team::auth};
    let result = async {
        auth::require_admin()?;
        AppState::from_context()?.db.run(move |conn| regions::rotate_region_token(conn, id)).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "delete_region")]
pub async fn delete_region(id: i64) -> Result<(), AppError> {
    use crate::ssr::{AppState, monitoring::regions, reply, team::auth};
    let result = async {
        auth::require_admin()?;
        AppState::from_context()?.db.run(move |conn| regions::delete_region(conn, id)).await
    }
    .await;
    reply(result)
}
