//! Incidents for the console: list, counts, details, create, change,
//! resolve/reopen/cancel, comments, updates and a Markdown preview. Any
//! signed-in team member.

use crate::error::AppError;
use crate::model::{
    Comment, Incident, IncidentChanges, IncidentCounts, IncidentDetails, IncidentList, IncidentUpdate, NewIncident,
    UpdateStatus,
};
use leptos::prelude::*;
use server_fn::codec::Json;

#[server(prefix = "/rpc", endpoint = "list_incidents")]
pub async fn list_incidents(
    state: Option<String>,
    impact: Option<String>,
    monitor_id: Option<i64>,
    page: u32,
) -> Result<IncidentList, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, _| {
        let query = incidents::ListQuery::new(state.as_deref(), impact.as_deref(), monitor_id, page)?;
        incidents::list(conn, &query)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "count_incidents")]
pub async fn count_incidents() -> Result<IncidentCounts, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, _| incidents::counts(conn)).await
}

#[server(prefix = "/rpc", endpoint = "get_incident")]
pub async fn get_incident(id: i64) -> Result<IncidentDetails, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, _| incidents::details(conn, id)).await
}

#[server(prefix = "/rpc", endpoint = "create_incident", input = Json)]
pub async fn create_incident(input: NewIncident) -> Result<Incident, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| incidents::create(conn, user.id, input, chrono::Utc::now())).await
}

#[server(prefix = "/rpc", endpoint = "change_incident", input = Json)]
pub async fn change_incident(id: i64, changes: IncidentChanges) -> Result<Incident, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| incidents::change(conn, user.id, id, changes, chrono::Utc::now())).await
}

/// `action`: `resolve`, `reopen` or `cancel`.
#[server(prefix = "/rpc", endpoint = "act_on_incident")]
pub async fn act_on_incident(id: i64, action: String) -> Result<Incident, AppError> {
    use crate::ssr::incidents::lifecycle::ManualAction;
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| {
        let action = match action.as_str() {
            "resolve" => ManualAction::Resolve,
            "reopen" => ManualAction::Reopen,
            "cancel" => ManualAction::Cancel,
            _ => return Err(AppError::validation("action", "Use resolve, reopen or cancel.")),
        };
        incidents::act(conn, user.id, id, action, chrono::Utc::now())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "add_comment")]
pub async fn add_comment(incident_id: i64, body: String) -> Result<Comment, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| incidents::add_comment(conn, user.id, incident_id, &body, chrono::Utc::now())).await
}

#[server(prefix = "/rpc", endpoint = "edit_comment")]
pub async fn edit_comment(incident_id: i64, id: i64, body: String) -> Result<Comment, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| incidents::edit_comment(conn, user.id, incident_id, id, &body, chrono::Utc::now()))
        .await
}

/// One's own comment, or anyone's for an admin.
#[server(prefix = "/rpc", endpoint = "delete_comment")]
pub async fn delete_comment(incident_id: i64, id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| incidents::delete_comment(conn, user, incident_id, id, chrono::Utc::now())).await
}

/// Corrects a public update (same id, marked as edited).
#[server(prefix = "/rpc", endpoint = "edit_update")]
pub async fn edit_update(
    incident_id: i64,
    id: i64,
    status: UpdateStatus,
    body: String,
) -> Result<IncidentUpdate, AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| {
        incidents::edit_update(conn, user.id, incident_id, id, Some(status), Some(&body), chrono::Utc::now())
    })
    .await
}

/// Withdraws a public update.
#[server(prefix = "/rpc", endpoint = "delete_update")]
pub async fn delete_update(incident_id: i64, id: i64) -> Result<(), AppError> {
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| incidents::delete_update(conn, user.id, incident_id, id, chrono::Utc::now())).await
}

/// Publishes an update; with `impact`, sets the impact in the same step
/// (the public sees no update while it is unknown); with `resolve`, also
/// resolves the incident; with `notify` (the default), the status pages'
/// subscribers are told, once.
#[server(prefix = "/rpc", endpoint = "post_update")]
pub async fn post_update(
    incident_id: i64,
    status: UpdateStatus,
    body: String,
    #[server(default)] impact: Option<crate::model::Impact>,
    resolve: bool,
    #[server(default)] notify: Option<bool>,
) -> Result<IncidentUpdate, AppError> {
    use crate::ssr::incidents::lifecycle::ManualAction;
    use crate::ssr::{as_member, incidents};
    as_member(move |conn, user| {
        let actor = user.id;
        let now = chrono::Utc::now();
        use diesel::Connection;
        conn.transaction(|conn| {
            let notify = notify.unwrap_or(true);
            let update = incidents::post_update(conn, actor, incident_id, status, &body, impact, notify, now)?;
            if resolve {
                // The update (if told) says it is resolved: no second message.
                incidents::act_with(conn, actor, incident_id, ManualAction::Resolve, now, false)?;
            }
            Ok(update)
        })
    })
    .await
}

/// Markdown as it will be shown (rendered and sanitized by the server).
#[server(prefix = "/rpc", endpoint = "preview_markdown")]
pub async fn preview_markdown(body: String) -> Result<String, AppError> {
    use crate::model::incident_limits::BODY_MAX;
    use crate::ssr::{markdown, reply, team::auth};
    let result = async {
        auth::require_session()?;
        if body.chars().count() > BODY_MAX {
            return Err(AppError::validation("body", format!("At most {BODY_MAX} characters.")));
        }
        Ok(markdown::render(&body))
    }
    .await;
    reply(result)
}
