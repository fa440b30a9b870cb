//! Regions: admins list them, create agent regions (token shown once),
//! replace a region's token and delete unused regions.

use crate::error::AppError;
use crate::model::{CreatedRegion, Region};
use leptos::prelude::*;

#[server(prefix = "/rpc", endpoint = "list_region_details")]
pub async fn list_region_details() -> Result<Vec<Region>, AppError> {
    use crate::ssr::{as_admin, monitoring::regions};
    as_admin(move |conn, _| regions::list_regions(conn)).await
}

#[server(prefix = "/rpc", endpoint = "create_region")]
pub async fn create_region(name: String) -> Result<CreatedRegion, AppError> {
    use crate::ssr::{as_admin, monitoring::regions};
    as_admin(move |conn, caller| regions::create_region(conn, &caller.actor, &name)).await
}

#[server(prefix = "/rpc", endpoint = "rotate_region_token")]
pub async fn rotate_region_token(id: i64) -> Result<CreatedRegion, AppError> {
    use crate::ssr::{as_admin, monitoring::regions};
    as_admin(move |conn, caller| regions::rotate_region_token(conn, &caller.actor, id)).await
}

#[server(prefix = "/rpc", endpoint = "delete_region")]
pub async fn delete_region(id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_admin, monitoring::regions};
    as_admin(move |conn, caller| regions::delete_region(conn, &caller.actor, id)).await
}
