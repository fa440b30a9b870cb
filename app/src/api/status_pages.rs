//! Status pages for the console: list, create or change, delete. Any
//! signed-in team member.

use crate::error::AppError;
use crate::model::{StatusPage, StatusPageInput};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/rpc", endpoint = "list_status_pages")]
pub async fn list_status_pages() -> Result<Vec<StatusPage>, AppError> {
    use crate::ssr::{as_member, status_pages};
    as_member(move |conn, _| status_pages::list(conn)).await
}

/// Creates a page (`id` none) or changes one.
#[server(prefix = "/rpc", endpoint = "save_status_page", input = Json)]
pub async fn save_status_page(id: Option<i64>, input: StatusPageInput) -> Result<StatusPage, AppError> {
    use crate::ssr::{as_member, status_pages};
    as_member(move |conn, caller| {
        let now = chrono::Utc::now();
        match id {
            None => status_pages::create(conn, &caller.actor, input, now),
            Some(id) => status_pages::update(conn, &caller.actor, id, input, now),
        }
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_status_page")]
pub async fn delete_status_page(id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_member, status_pages};
    as_member(move |conn, caller| status_pages::delete(conn, &caller.actor, id)).await
}
