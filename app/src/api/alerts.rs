//! Alerts for the console: channels (create, edit, delete, send a test,
//! deliveries) and rules. Any signed-in team member; secrets never come
//! back in full.

use crate::error::AppError;
use crate::model::{AlertRule, AlertRuleInput, Channel, ChannelInput, DeliveryAttempt, DeliveryList};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/rpc", endpoint = "list_channels")]
pub async fn list_channels() -> Result<Vec<Channel>, AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, _| alerts::list_channels(conn)).await
}

#[server(prefix = "/rpc", endpoint = "get_channel")]
pub async fn get_channel(id: i64) -> Result<Channel, AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, _| alerts::get_channel(conn, id)).await
}

/// Creates a channel (`id` none) or changes one.
#[server(prefix = "/rpc", endpoint = "save_channel", input = Json)]
pub async fn save_channel(id: Option<i64>, input: ChannelInput) -> Result<Channel, AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, caller| {
        let now = chrono::Utc::now();
        match id {
            None => alerts::create_channel(conn, &caller.actor, input, now),
            Some(id) => alerts::update_channel(conn, &caller.actor, id, input, now),
        }
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_channel")]
pub async fn delete_channel(id: i64) -> Result<(), AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, caller| alerts::delete_channel(conn, &caller.actor, id)).await
}

#[server(prefix = "/rpc", endpoint = "test_channel")]
pub async fn test_channel(id: i64) -> Result<DeliveryAttempt, AppError> {
    use crate::ssr::{AppState, alerts::notify, reply, team::auth};
    let result = async {
        auth::require_session()?;
        let state = AppState::from_context()?;
        notify::send_test(&state.db, &state.notifier, id).await
    }
    .await;
    reply(result)
}

#[server(prefix = "/rpc", endpoint = "list_deliveries")]
pub async fn list_deliveries(channel_id: i64, page: u32) -> Result<DeliveryList, AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, _| alerts::deliveries(conn, channel_id, page)).await
}

#[server(prefix = "/rpc", endpoint = "list_alert_rules")]
pub async fn list_alert_rules() -> Result<Vec<AlertRule>, AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, _| alerts::list_rules(conn)).await
}

/// Creates a rule (`id` none) or changes one.
#[server(prefix = "/rpc", endpoint = "save_alert_rule", input = Json)]
pub async fn save_alert_rule(id: Option<i64>, input: AlertRuleInput) -> Result<AlertRule, AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, _| {
        let now = chrono::Utc::now();
        match id {
            None => alerts::create_rule(conn, input, now),
            Some(id) => alerts::update_rule(conn, id, input, now),
        }
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "delete_alert_rule")]
pub async fn delete_alert_rule(id: i64) -> Result<(), AppError> {
    use crate::ssr::{alerts, as_member};
    as_member(move |conn, _| alerts::delete_rule(conn, id)).await
}
