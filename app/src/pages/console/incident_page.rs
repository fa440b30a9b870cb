//! `/console/incidents/:id`: an incident's state, impact, monitors, public
//! updates, private comments and timeline. It refreshes itself every few
//! seconds while open, so what the scheduler and teammates do shows up.

use super::incidents::{ImpactBadge, MarkdownEditor, StateBadge, duration_text};
use super::monitors::StatusBadge;
use super::{use_viewer, viewer_user};
use crate::api::incidents::{
    ActOnIncident, AddComment, ChangeIncident, DeleteComment, EditComment, PostUpdate, get_incident,
};
use crate::components::{ConfirmButton, FormError, Time, format_time, last_error};
use crate::error::AppError;
use crate::model::{
    Comment, Impact, IncidentChanges, IncidentDetails, IncidentEvent, IncidentKind, IncidentState, UpdateStatus,
};
use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// How often the page asks for what changed.
const REFRESH: Duration = Duration::from_secs(3);

type Details = Resource<Result<IncidentDetails, AppError>>;

/// One line about a timeline event.
pub fn describe(event: &IncidentEvent) -> String {
    let d = &event.details;
    let text = |key: &str| d.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    match event.kind.as_str() {
        "opened" if event.actor.is_none() => {
            let failure = d.get("failure").and_then(|v| v.as_str());
            match failure {
                Some(failure) => format!("Opened: {failure} from {}: {}", text("region"), text("message")),
                None => "Opened: the monitor is down".to_owned(),
            }
        }
        "opened" => "Opened".to_owned(),
        "scheduled" => format!(
            "Maintenance scheduled from {} to {}",
            d.get("scheduled_start").and_then(|v| v.as_str()).map(short_time).unwrap_or_default(),
            d.get("scheduled_end").and_then(|v| v.as_str()).map(short_time).unwrap_or_default(),
        ),
        "region_down" => format!("Region {} says down: {}", text("region"), text("message")),
        "region_up" => format!("Region {} says up again", text("region")),
        "status_changed" => format!("Monitor status {} → {}", text("from"), text("to")),
        "impact_changed" => format!(
            "Impact changed from {} to {}",
            Impact::parse(&text("from")).map_or("?", Impact::label),
            Impact::parse(&text("to")).map_or("?", Impact::label)
        ),
        "title_changed" => format!("Title changed from “{}” to “{}”", text("from"), text("to")),
        "details_changed" => "Details edited".to_owned(),
        "comment_added" => "Comment added".to_owned(),
        "comment_edited" => "Comment edited".to_owned(),
        "comment_deleted" => "Comment deleted".to_owned(),
        "update_published" => format!("Update published ({})", text("status")),
        "alert_delivered" => format!("Alert delivered: {}", text("summary")),
        "alert_failed" => format!("Alert failed: {}", text("summary")),
        "alert_suppressed" => format!("Alert suppressed: {}", text("summary")),
        "alert_muted" => format!("Alert muted: {}", text("summary")),
        "maintenance_started" => "Maintenance started".to_owned(),
        "maintenance_completed" => "Maintenance completed".to_owned(),
        "cancelled" => "Maintenance cancelled".to_owned(),
        "resolved" if text("reason") == "monitor_deleted" => {
            "Resolved automatically: the monitor was deleted".to_owned()
        }
        "resolved" if d.get("automatically").and_then(|v| v.as_bool()) == Some(true) => {
            "Resolved automatically: the monitor is up again".to_owned()
        }
        "resolved" => "Resolved".to_owned(),
        "reopened" => "Reopened".to_owned(),
        other => other.replace('_', " "),
    }
}

fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map(|t| format_time(t.with_timezone(&Utc))).unwrap_or_default()
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    let act = ServerAction::<ActOnIncident>::new();
    let change = ServerAction::<ChangeIncident>::new();
    let comment = ServerAction::<AddComment>::new();
    let edit = ServerAction::<EditComment>::new();
    let remove = ServerAction::<DeleteComment>::new();
    let update = ServerAction::<PostUpdate>::new();
    let details: Details = Resource::new(
        move || {
            (
                id(),
                tick.get(),
                act.version().get(),
                change.version().get(),
                comment.version().get(),
                edit.version().get(),
                remove.version().get(),
                update.version().get(),
            )
        },
        |(id, ..)| get_incident(id),
    );
    let act_error = Signal::derive(move || last_error(act.value()).get().or_else(|| last_error(change.value()).get()));

    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(details) => view! { <Summary details act change /> }.into_any(),
                    Err(error) => view! {
                        <Title text="Incident" />
                        <h1>"Incident"</h1>
                        <p class="form-error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Transition>
        <FormError error=act_error />
        <EditIncident details change />
        <section class="card" aria-labelledby="updates-heading">
            <h2 id="updates-heading">"Updates " <span class="muted small">"public"</span></h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let updates = details.await.map(|d| d.updates).unwrap_or_default();
                    if updates.is_empty() {
                        return view! { <p class="muted">"No update published yet."</p> }.into_any();
                    }
                    view! {
                        <ol class="updates">
                            {updates.into_iter().rev().map(|u| view! {
                                <li class="update">
                                    <div class="update-head">
                                        <span class=format!("update-status update-{}", u.status.as_str())>{u.status.as_str()}</span>
                                        <Time at=u.published_at />
                                        <span class="muted">{u.author.map(|a| format!("by {}", a.name))}</span>
                                    </div>
                                    <div class="markdown" inner_html=u.body_html></div>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                })}
            </Transition>
            <UpdateBox id details update />
        </section>
        <section class="card" aria-labelledby="comments-heading">
            <h2 id="comments-heading">"Comments " <span class="muted small">"team only, never public"</span></h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let comments = details.await.map(|d| d.comments).unwrap_or_default();
                    let me = viewer_user(use_viewer()).await.map(|u| u.id);
                    if comments.is_empty() {
                        return view! { <p class="muted">"No comments yet."</p> }.into_any();
                    }
                    view! {
                        <ol class="comments">
                            {comments.into_iter().map(|c| {
                                let mine = c.author.as_ref().is_some_and(|a| Some(a.id) == me);
                                view! { <CommentItem comment=c mine edit remove /> }
                            }).collect_view()}
                        </ol>
                    }.into_any()
                })}
            </Transition>
            <CommentBox id comment />
        </section>
        <section class="card" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">"Timeline"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let events = details.await.map(|d| d.events).unwrap_or_default();
                    view! {
                        <ol class="timeline">
                            {events.into_iter().map(|event| view! {
                                <li data-event=event.kind.clone()>
                                    <Time at=event.at />
                                    <span class="event-text">{describe(&event)}</span>
                                    <span class="muted">{event.actor.as_ref().map_or_else(|| "system".to_owned(), |a| a.name.clone())}</span>
                                </li>
                            }).collect_view()}
                        </ol>
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Summary(
    details: IncidentDetails,
    act: ServerAction<ActOnIncident>,
    change: ServerAction<ChangeIncident>,
) -> impl IntoView {
    let incident = details.incident;
    let id = incident.id;
    let now = Utc::now();
    let duration = duration_text(&incident, now);
    let can_resolve = incident.state == IncidentState::Ongoing;
    let can_reopen = incident.state == IncidentState::Resolved && incident.kind != IncidentKind::Maintenance;
    let can_cancel = incident.state == IncidentState::Scheduled;
    let current = incident.impact;
    view! {
        <Title text=incident.title.clone() />
        <div class="page-head">
            <h1>{incident.title.clone()} " " <StateBadge state=incident.state /></h1>
            <div class="actions">
                {can_resolve.then(|| view! {
                    <button type="button" class="primary" on:click=move |_| {
                        act.dispatch(ActOnIncident { id, action: "resolve".into() });
                    }>"Resolve"</button>
                })}
                {can_reopen.then(|| view! {
                    <button type="button" on:click=move |_| {
                        act.dispatch(ActOnIncident { id, action: "reopen".into() });
                    }>"Reopen"</button>
                })}
                {can_cancel.then(|| view! {
                    <ConfirmButton label="Cancel maintenance" confirm="Confirm cancel" on_confirm=move || {
                        act.dispatch(ActOnIncident { id, action: "cancel".into() });
                    } />
                })}
            </div>
        </div>
        <p class="muted incident-meta">
            {format!("{} incident", incident.kind.as_str())}
            {incident.started_at.map(|at| view! { " · started " <Time at /> })}
            {duration.map(|d| format!(" · {d}"))}
            {incident.scheduled_start.zip(incident.scheduled_end).map(|(start, end)| view! {
                " · window " <Time at=start /> " – " <Time at=end />
            })}
        </p>
        <div class="cards incident-summary">
            <section class="card">
                <h2>"Impact"</h2>
                <label class="sr-only" for="impact-select">"Impact"</label>
                <select id="impact-select" on:change=move |ev| {
                    if let Some(impact) = Impact::parse(&event_target_value(&ev)) {
                        change.dispatch(ChangeIncident { id, changes: IncidentChanges { impact: Some(impact), ..Default::default() } });
                    }
                }>
                    {Impact::ALL.iter().map(|i| view! {
                        <option value=i.as_str() selected=*i == current>{i.label()}</option>
                    }).collect_view()}
                </select>
                <p><ImpactBadge impact=current /></p>
            </section>
            <section class="card">
                <h2>"Monitors"</h2>
                <ul class="affected">
                    {details.monitors.into_iter().map(|m| view! {
                        <li data-monitor=m.name.clone()>
                            <a href=format!("/console/monitors/{}", m.id)>{m.name.clone()}</a>
                            " " <StatusBadge status=m.status />
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        </div>
        <section class="card">
            <h2>"Details"</h2>
            {if incident.details.is_empty() {
                view! { <p class="muted">"No details."</p> }.into_any()
            } else {
                view! { <div class="markdown" inner_html=incident.details_html></div> }.into_any()
            }}
        </section>
    }
}

/// Renaming and editing the details.
#[component]
fn EditIncident(details: Details, change: ServerAction<ChangeIncident>) -> impl IntoView {
    let open = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let error = last_error(change.value());
    let start = move |_| {
        if let Some(Ok(d)) = details.get_untracked() {
            title.set(d.incident.title.clone());
            text.set(d.incident.details.clone());
        }
        open.set(true);
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = change.value().get() {
            open.set(false);
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(Ok(d)) = details.get_untracked() else { return };
        let changes =
            IncidentChanges { title: Some(title.get_untracked()), details: Some(text.get_untracked()), impact: None };
        change.dispatch(ChangeIncident { id: d.incident.id, changes });
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <p><button type="button" class="ghost" on:click=start>"Edit title and details"</button></p>
            }
        >
            <form class="card" on:submit=save novalidate>
                <h2>"Edit"</h2>
                <label>
                    "Title"
                    <input type="text" bind:value=title />
                    <crate::components::FieldError error field="title" />
                </label>
                <MarkdownEditor label="Details" value=text error field="details" />
                <div class="form-actions">
                    <button type="submit" class="primary">"Save"</button>
                    <button type="button" class="ghost" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </form>
        </Show>
    }
}

#[component]
fn UpdateBox(
    id: impl Fn() -> i64 + Copy + Send + Sync + 'static,
    details: Details,
    update: ServerAction<PostUpdate>,
) -> impl IntoView {
    let status = RwSignal::new(UpdateStatus::Investigating);
    let body = RwSignal::new(String::new());
    let resolve = RwSignal::new(true);
    let error = last_error(update.value());
    Effect::new(move |_| {
        if let Some(Ok(_)) = update.value().get() {
            body.set(String::new());
        }
    });
    // A manual incident still ongoing may be resolved with a `resolved` update.
    let offers_resolve = move || {
        status.get() == UpdateStatus::Resolved
            && details.get().and_then(Result::ok).is_some_and(|d| {
                d.incident.state == IncidentState::Ongoing && d.incident.kind != IncidentKind::Programmatic
            })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch(PostUpdate {
            incident_id: id(),
            status: status.get_untracked(),
            body: body.get_untracked(),
            resolve: offers_resolve() && resolve.get_untracked(),
        });
    };
    view! {
        <form class="post-box" on:submit=submit novalidate>
            <h3>"Post an update"</h3>
            <label>
                "Status"
                <select on:change=move |ev| {
                    if let Some(s) = UpdateStatus::parse(&event_target_value(&ev)) { status.set(s) }
                }>
                    {UpdateStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <MarkdownEditor label="Message" value=body error field="body"
                placeholder="What the public should know: what is affected, what you are doing, what to expect." />
            <Show when=offers_resolve>
                <label class="check">
                    <input type="checkbox" prop:checked=move || resolve.get()
                        on:change=move |ev| resolve.set(event_target_checked(&ev)) />
                    "Also resolve the incident"
                </label>
            </Show>
            <FormError error=Signal::derive(move || error.get().filter(|e| e.field() != Some("body"))) />
            <button type="submit" class="primary" disabled=move || update.pending().get()>"Publish update"</button>
        </form>
    }
}

#[component]
fn CommentBox(id: impl Fn() -> i64 + Copy + Send + Sync + 'static, comment: ServerAction<AddComment>) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let error = last_error(comment.value());
    Effect::new(move |_| {
        if let Some(Ok(_)) = comment.value().get() {
            body.set(String::new());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        comment.dispatch(AddComment { incident_id: id(), body: body.get_untracked() });
    };
    view! {
        <form class="post-box" on:submit=submit novalidate>
            <MarkdownEditor label="Comment" value=body error field="body"
                placeholder="Troubleshooting steps, links to logs, root cause…" />
            <FormError error=Signal::derive(move || error.get().filter(|e| e.field() != Some("body"))) />
            <button type="submit" class="primary" disabled=move || comment.pending().get()>"Add comment"</button>
        </form>
    }
}

#[component]
fn CommentItem(
    comment: Comment,
    mine: bool,
    edit: ServerAction<EditComment>,
    remove: ServerAction<DeleteComment>,
) -> impl IntoView {
    let id = comment.id;
    let editing = RwSignal::new(false);
    let text = RwSignal::new(comment.body.clone());
    let error = last_error(edit.value());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        edit.dispatch(EditComment { id, body: text.get_untracked() });
        editing.set(false);
    };
    view! {
        <li class="comment" data-comment=id.to_string()>
            <div class="comment-head">
                <strong>{comment.author.as_ref().map_or_else(|| "a former member".to_owned(), |a| a.name.clone())}</strong>
                <Time at=comment.created_at />
                {comment.edited_at.map(|_| view! { <span class="muted">"(edited)"</span> })}
                {mine.then(|| view! {
                    <span class="comment-actions">
                        <button type="button" class="ghost" on:click=move |_| editing.set(true)>"Edit"</button>
                        <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || {
                            remove.dispatch(DeleteComment { id });
                        } />
                    </span>
                })}
            </div>
            <Show
                when=move || editing.get()
                fallback={
                    let html = comment.body_html.clone();
                    move || view! { <div class="markdown" inner_html=html.clone()></div> }
                }
            >
                <form on:submit=save novalidate>
                    <MarkdownEditor label="Edit comment" value=text error field="body" />
                    <div class="form-actions">
                        <button type="submit" class="primary">"Save"</button>
                        <button type="button" class="ghost" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}
