//! Which objects a configuration file (`vigie apply`) manages, for the
//! console to mark them and to warn before they are edited by hand.

use crate::error::AppError;
use leptos::prelude::*;

/// `(object id, key)` of the objects of `kind` (`monitor`, `channel`,
/// `rule`, `status_page`) a file manages; only `id`'s when given.
#[server(prefix = "/rpc", endpoint = "managed_keys")]
pub async fn managed_keys(kind: String, id: Option<i64>) -> Result<Vec<(i64, String)>, AppError> {
    use crate::ssr::{as_member, config::export};
    if !export::KINDS.contains(&kind.as_str()) {
        return Err(AppError::validation("kind", "Not a kind a configuration file manages."));
    }
    as_member(move |conn, _| Ok(export::managed_of(conn, &kind, id)?)).await
}
