//! `/console/incidents/:id`: an incident's state, impact, monitors, public
//! updates, private comments and timeline. It refreshes itself every few
//! seconds while open, so what the scheduler and teammates do shows up.

use super::incidents::{ImpactBadge, MarkdownEditor, StateBadge, duration_text};
use super::monitor_picker::MonitorPicker;
use super::monitors::StatusBadge;
use super::{use_viewer, viewer_user};
use crate::api::incidents::{
    ActOnIncident, AddComment, ChangeIncident, DeleteComment, DeleteUpdate, EditComment, EditUpdate, PostUpdate,
    get_incident,
};
use crate::components::{
    ConfirmButton, FieldError, FormError, Time, input_time, last_error, parse_input_time, show_time, ticks,
    use_viewer_zone,
};
use crate::error::AppError;
use crate::model::{
    Comment, EventKind, Impact, IncidentChanges, IncidentDetails, IncidentEvent, IncidentKind, IncidentState,
    IncidentUpdate, UpdateStatus,
};
use chrono::Utc;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// How often the page asks for what changed.
const REFRESH: Duration = Duration::from_secs(3);

type Details = Resource<Result<IncidentDetails, AppError>>;

/// One line about a timeline event; times in `zone` (UTC when `None`).
pub fn describe(event: &IncidentEvent, zone: Option<&str>) -> String {
    let d = &event.details;
    let text = |key: &str| d.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let time = |value: Option<&serde_json::Value>| {
        value
            .and_then(|v| v.as_str())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| show_time(t.with_timezone(&Utc), zone))
            .unwrap_or_default()
    };
    let window = |key: &str| {
        format!("{} – {}", time(d.pointer(&format!("/{key}/start"))), time(d.pointer(&format!("/{key}/end"))))
    };
    let ids = |key: &str| {
        d.get(key)
            .and_then(|v| v.as_array())
            .map(|list| {
                list.iter().filter_map(|v| v.as_i64()).map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ")
            })
            .unwrap_or_default()
    };
    use EventKind as K;
    match event.kind {
        K::Opened | K::Scheduled | K::Resolved | K::MaintenanceCompleted if d.get("imported_from").is_some() => {
            let what = match event.kind {
                K::Opened => "Opened",
                K::Scheduled => "Scheduled",
                K::Resolved => "Resolved",
                _ => "Completed",
            };
            format!("{what} (imported from {})", text("imported_from"))
        }
        K::Opened if event.actor.is_none() => {
            let failure = d.get("failure").and_then(|v| v.as_str());
            match failure {
                Some(failure) => format!("Opened: {failure} from {}: {}", text("region"), text("message")),
                None => "Opened: the monitor is down".to_owned(),
            }
        }
        K::Opened => "Opened".to_owned(),
        K::Scheduled => {
            format!("Maintenance scheduled from {} to {}", time(d.get("scheduled_start")), time(d.get("scheduled_end")))
        }
        K::RegionDown => format!("Region {} says down: {}", text("region"), text("message")),
        K::RegionUp => format!("Region {} says up again", text("region")),
        K::RegionDegraded => format!("Region {} says slow: {}", text("region"), text("message")),
        K::StatusChanged if d.get("monitor").is_some() => {
            format!("{}: status {} → {}", text("monitor"), text("from"), text("to"))
        }
        K::StatusChanged => format!("Monitor status {} → {}", text("from"), text("to")),
        K::ImpactChanged => format!(
            "Impact changed from {} to {}",
            Impact::parse(&text("from")).map_or("?", Impact::label),
            Impact::parse(&text("to")).map_or("?", Impact::label)
        ),
        K::TitleChanged => format!("Title changed from “{}” to “{}”", text("from"), text("to")),
        K::PublicTitleChanged => match d.get("to").and_then(|v| v.as_str()) {
            Some(to) => format!("Public title set to “{to}”"),
            None => "Public title cleared: status pages make one".to_owned(),
        },
        K::DetailsChanged => "Details edited".to_owned(),
        K::MonitorJoined => {
            format!("{} is down too: it depends on {}, so it joined this incident", text("monitor"), text("parent"))
        }
        K::MonitorsChanged => match (ids("added"), ids("removed")) {
            (added, removed) if removed.is_empty() => format!("Monitors added: {added}"),
            (added, removed) if added.is_empty() => format!("Monitors removed: {removed}"),
            (added, removed) => format!("Monitors added: {added}; removed: {removed}"),
        },
        K::WindowChanged => format!("Window moved from {} to {}", window("from"), window("to")),
        K::CommentAdded => "Comment added".to_owned(),
        K::CommentEdited => "Comment edited".to_owned(),
        K::CommentDeleted if d.get("author").is_some() => {
            format!("Comment by {} deleted", d.get("author").and_then(|v| v.as_str()).unwrap_or("a former member"))
        }
        K::CommentDeleted => "Comment deleted".to_owned(),
        K::UpdatePublished => format!("Update published ({})", text("status")),
        K::UpdateEdited => "Update corrected".to_owned(),
        K::UpdateDeleted => format!("Update deleted ({})", text("status")),
        K::AlertDelivered => format!("Alert delivered: {}", text("summary")),
        K::AlertFailed => format!("Alert failed: {}", text("summary")),
        K::AlertSuppressed => format!("Alert suppressed: {}", text("summary")),
        K::AlertMuted => format!("Alert muted: {}", text("summary")),
        K::MaintenanceStarted => "Maintenance started".to_owned(),
        K::MaintenanceCompleted => "Maintenance completed".to_owned(),
        K::Cancelled => "Maintenance cancelled".to_owned(),
        K::Resolved if text("reason") == "monitor_deleted" => {
            "Resolved automatically: the monitor was deleted".to_owned()
        }
        K::Resolved if d.get("automatically").and_then(|v| v.as_bool()) == Some(true) => {
            "Resolved automatically: the monitor is up again".to_owned()
        }
        K::Resolved if text("standing") == "outage_closed" => {
            "Resolved while the monitor still fails: no new incident until it has recovered".to_owned()
        }
        K::Resolved => "Resolved".to_owned(),
        K::Reopened if text("standing") == "held_open" => {
            "Reopened: stays open until resolved by hand, or the monitor goes down and recovers".to_owned()
        }
        K::Reopened => "Reopened".to_owned(),
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or_default();
    let tick = ticks(REFRESH);
    let act = ServerAction::<ActOnIncident>::new();
    let change = ServerAction::<ChangeIncident>::new();
    let comment = ServerAction::<AddComment>::new();
    let edit = ServerAction::<EditComment>::new();
    let remove = ServerAction::<DeleteComment>::new();
    let update = ServerAction::<PostUpdate>::new();
    let correct = ServerAction::<EditUpdate>::new();
    let withdraw = ServerAction::<DeleteUpdate>::new();
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
                (update.version().get(), correct.version().get(), withdraw.version().get()),
            )
        },
        |(id, ..)| get_incident(id),
    );
    let act_error = Signal::derive(move || {
        last_error(act.value()).get().or_else(|| last_error(change.value()).get().filter(|e| e.field().is_none()))
    });
    let update_error =
        Signal::derive(move || last_error(correct.value()).get().or_else(|| last_error(withdraw.value()).get()));
    let zone = use_viewer_zone();

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
                            {updates.into_iter().rev().map(|u| view! { <UpdateItem update=u correct withdraw /> }).collect_view()}
                        </ol>
                    }.into_any()
                })}
            </Transition>
            <FormError error=update_error />
            <UpdateBox id details update />
        </section>
        <section class="card" aria-labelledby="comments-heading">
            <h2 id="comments-heading">"Comments " <span class="muted small">"team only, never public"</span></h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let comments = details.await.map(|d| d.comments).unwrap_or_default();
                    let me = viewer_user(use_viewer()).await;
                    if comments.is_empty() {
                        return view! { <p class="muted">"No comments yet."</p> }.into_any();
                    }
                    view! {
                        <ol class="comments">
                            {comments.into_iter().map(|c| {
                                let mine = c.author.as_ref().is_some_and(|a| me.as_ref().is_some_and(|u| u.id == a.id));
                                let admin = me.as_ref().is_some_and(|u| u.is_admin());
                                view! { <CommentItem comment=c mine admin edit remove /> }
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
                            {events.into_iter().map(|event| {
                                let (kind, at) = (event.kind.as_str(), event.at);
                                let actor = event.actor.as_ref().map_or_else(|| "system".to_owned(), |a| a.name.clone());
                                view! {
                                    <li data-event=kind>
                                        <Time at />
                                        <span class="event-text">{move || describe(&event, zone.get().as_deref())}</span>
                                        <span class="muted">{actor}</span>
                                    </li>
                                }
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
            {match (&incident.public_title, incident.kind) {
                (Some(public), _) => format!(" · public title “{public}”"),
                (None, IncidentKind::Programmatic) => " · public title made from the status pages’ component names".to_owned(),
                (None, _) => String::new(),
            }}
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

/// Editing the titles, details, affected monitors and (for a maintenance
/// not over yet) the window, times in the viewer's zone.
#[component]
fn EditIncident(details: Details, change: ServerAction<ChangeIncident>) -> impl IntoView {
    let open = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let public_title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let zone = use_viewer_zone();
    let local_error = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || local_error.get().or_else(|| last_error(change.value()).get()));
    let incident = move || details.get().and_then(Result::ok).map(|d| d.incident);
    let window_open = move || {
        incident().is_some_and(|i| {
            i.kind == IncidentKind::Maintenance && matches!(i.state, IncidentState::Scheduled | IncidentState::Ongoing)
        })
    };
    let started = move || incident().is_some_and(|i| i.state == IncidentState::Ongoing);
    let begin = move |_| {
        if let Some(Ok(d)) = details.get_untracked() {
            let zone = zone.get_untracked();
            title.set(d.incident.title.clone());
            public_title.set(d.incident.public_title.clone().unwrap_or_default());
            text.set(d.incident.details.clone());
            chosen.set(d.incident.monitor_ids.clone());
            start.set(d.incident.scheduled_start.map(|t| input_time(t, zone.as_deref())).unwrap_or_default());
            end.set(d.incident.scheduled_end.map(|t| input_time(t, zone.as_deref())).unwrap_or_default());
        }
        local_error.set(None);
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
        let zone = zone.get_untracked();
        let window = (|| -> Result<_, AppError> {
            if !window_open() {
                return Ok((None, None));
            }
            let start = parse_input_time("scheduled_start", &start.get_untracked(), zone.as_deref())?;
            let end = parse_input_time("scheduled_end", &end.get_untracked(), zone.as_deref())?;
            // Only what moved is sent: a started maintenance keeps its start.
            let moved = |new: Option<chrono::DateTime<Utc>>, old| new.filter(|n| Some(*n) != old);
            Ok((moved(start, d.incident.scheduled_start), moved(end, d.incident.scheduled_end)))
        })();
        let (scheduled_start, scheduled_end) = match window {
            Ok(window) => window,
            Err(e) => return local_error.set(Some(e)),
        };
        local_error.set(None);
        let mut monitor_ids = chosen.get_untracked();
        monitor_ids.sort_unstable();
        let changes = IncidentChanges {
            title: Some(title.get_untracked()),
            public_title: Some(Some(public_title.get_untracked())),
            details: Some(text.get_untracked()),
            monitor_ids: (monitor_ids != d.incident.monitor_ids).then_some(monitor_ids),
            scheduled_start,
            scheduled_end,
            ..Default::default()
        };
        change.dispatch(ChangeIncident { id: d.incident.id, changes });
    };
    let zone_name = move || zone.get().unwrap_or_else(|| "UTC".to_owned());
    view! {
        <Show
            when=move || open.get()
            fallback=move || view! {
                <p><button type="button" class="ghost" on:click=begin>"Edit incident"</button></p>
            }
        >
            <form class="card stack" on:submit=save novalidate>
                <h2>"Edit"</h2>
                <label>
                    "Title"
                    <input type="text" bind:value=title />
                    <FieldError error field="title" />
                </label>
                <label>
                    "Public title"
                    <input type="text" bind:value=public_title placeholder="Made from the status pages’ component names" />
                    <span class="hint">"What status pages and feeds show. Leave empty to use the title (for a programmatic incident: “Checkout is down”, from the public component names)."</span>
                    <FieldError error field="public_title" />
                </label>
                <Show when=window_open>
                    <div class="grid-form">
                        <label>
                            {move || format!("Starts ({})", zone_name())}
                            <input type="datetime-local" bind:value=start disabled=started />
                            {move || started().then(|| view! { <span class="hint">"It has started: only its end can move."</span> })}
                            <FieldError error field="scheduled_start" />
                        </label>
                        <label>
                            {move || format!("Ends ({})", zone_name())}
                            <input type="datetime-local" bind:value=end />
                            <FieldError error field="scheduled_end" />
                        </label>
                    </div>
                    <p class="hint">"A new window is announced on status pages and in their feeds."</p>
                </Show>
                <fieldset>
                    <legend>"Affected monitors"</legend>
                    <MonitorPicker chosen />
                    <FieldError error field="monitor_ids" />
                </fieldset>
                <MarkdownEditor label="Details" value=text error field="details" />
                // Errors of no field show above, with the other actions'.
                <FormError error=local_error />
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
    let notify = RwSignal::new(true);
    // While the impact is unknown the public sees no update: publishing asks
    // for one (or to keep it unknown, knowingly).
    let impact = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || local_error.get().or_else(|| last_error(update.value()).get()));
    let impact_unknown =
        move || details.get().and_then(Result::ok).is_some_and(|d| d.incident.impact == Impact::Unknown);
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
        let chosen = impact.get_untracked();
        let unknown =
            details.get_untracked().and_then(Result::ok).is_some_and(|d| d.incident.impact == Impact::Unknown);
        if unknown && chosen.is_empty() {
            local_error.set(Some(AppError::validation("impact", "Choose an impact, or keep it unknown knowingly.")));
            return;
        }
        local_error.set(None);
        update.dispatch(PostUpdate {
            incident_id: id(),
            status: status.get_untracked(),
            body: body.get_untracked(),
            impact: if unknown { Impact::parse(&chosen).filter(|i| *i != Impact::Unknown) } else { None },
            resolve: offers_resolve() && resolve.get_untracked(),
            notify: Some(notify.get_untracked()),
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
            <Show when=impact_unknown>
                <div class="callout" role="note">
                    <p>"The impact is still unknown: status pages only show this incident’s components as down, and no update. Set the impact to publish this update."</p>
                    <label>
                        "Set the impact"
                        <select on:change=move |ev| impact.set(event_target_value(&ev))>
                            <option value="" selected=move || impact.get().is_empty()>"Choose…"</option>
                            {Impact::ALL.iter().filter(|i| **i != Impact::Unknown).map(|i| view! {
                                <option value=i.as_str()>{i.label()}</option>
                            }).collect_view()}
                            <option value="unknown">"Keep unknown (the public will not see this update)"</option>
                        </select>
                        <FieldError error field="impact" />
                    </label>
                </div>
            </Show>
            <MarkdownEditor label="Message" value=body error field="body"
                placeholder="What the public should know: what is affected, what you are doing, what to expect." />
            <Show when=offers_resolve>
                <label class="check">
                    <input type="checkbox" prop:checked=move || resolve.get()
                        on:change=move |ev| resolve.set(event_target_checked(&ev)) />
                    "Also resolve the incident"
                </label>
            </Show>
            <label class="check">
                <input type="checkbox" prop:checked=move || notify.get()
                    on:change=move |ev| notify.set(event_target_checked(&ev)) />
                "Notify subscribers"
                <span class="hint">"by email and webhook; untick for a correction nobody needs to be told of"</span>
            </label>
            <FormError error=Signal::derive(move || error.get().filter(|e| !matches!(e.field(), Some("body" | "impact")))) />
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
    admin: bool,
    edit: ServerAction<EditComment>,
    remove: ServerAction<DeleteComment>,
) -> impl IntoView {
    let (id, incident_id) = (comment.id, comment.incident_id);
    let editing = RwSignal::new(false);
    let text = RwSignal::new(comment.body.clone());
    let error = last_error(edit.value());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        edit.dispatch(EditComment { incident_id, id, body: text.get_untracked() });
        editing.set(false);
    };
    view! {
        <li class="comment" data-comment=id.to_string()>
            <div class="comment-head">
                <strong>{comment.author.as_ref().map_or_else(|| "a former member".to_owned(), |a| a.name.clone())}</strong>
                <Time at=comment.created_at />
                {comment.edited_at.map(|_| view! { <span class="muted">"(edited)"</span> })}
                {(mine || admin).then(|| view! {
                    <span class="comment-actions">
                        {mine.then(|| view! {
                            <button type="button" class="ghost" on:click=move |_| editing.set(true)>"Edit"</button>
                        })}
                        <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || {
                            remove.dispatch(DeleteComment { incident_id, id });
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

/// A public update, which any member may correct or withdraw.
#[component]
fn UpdateItem(
    update: IncidentUpdate,
    correct: ServerAction<EditUpdate>,
    withdraw: ServerAction<DeleteUpdate>,
) -> impl IntoView {
    let (id, incident_id) = (update.id, update.incident_id);
    let editing = RwSignal::new(false);
    let status = RwSignal::new(update.status);
    let text = RwSignal::new(update.body.clone());
    let error = last_error(correct.value());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        correct.dispatch(EditUpdate { incident_id, id, status: status.get_untracked(), body: text.get_untracked() });
        editing.set(false);
    };
    view! {
        <li class="update" data-update=id.to_string()>
            <div class="update-head">
                <span class=format!("update-status update-{}", update.status.as_str())>{update.status.as_str()}</span>
                <Time at=update.published_at />
                <span class="muted">{update.author.map(|a| format!("by {}", a.name))}</span>
                {update.edited_at.map(|_| view! { <span class="muted">"(corrected)"</span> })}
                <span class="comment-actions">
                    <button type="button" class="ghost" on:click=move |_| editing.set(true)>"Correct"</button>
                    <ConfirmButton label="Delete" confirm="Delete from every page" on_confirm=move || {
                        withdraw.dispatch(DeleteUpdate { incident_id, id });
                    } />
                </span>
            </div>
            <Show
                when=move || editing.get()
                fallback={
                    let html = update.body_html.clone();
                    move || view! { <div class="markdown" inner_html=html.clone()></div> }
                }
            >
                <form on:submit=save novalidate>
                    <label>
                        "Status"
                        <select on:change=move |ev| {
                            if let Some(s) = UpdateStatus::parse(&event_target_value(&ev)) { status.set(s) }
                        }>
                            {UpdateStatus::ALL.iter().map(|s| view! {
                                <option value=s.as_str() selected=*s == status.get_untracked()>{s.as_str()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <MarkdownEditor label="Corrected message" value=text error field="body" />
                    <p class="hint">"Status pages and feeds show the corrected text under the same update."</p>
                    <div class="form-actions">
                        <button type="submit" class="primary">"Save correction"</button>
                        <button type="button" class="ghost" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}
