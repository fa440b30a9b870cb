//! `/console/incidents`: the list (ongoing first, filters, pages; refreshing
//! itself) and the forms to report an incident or schedule maintenance.

use super::monitor_picker::MonitorPicker;
use crate::api::incidents::{CreateIncident, list_incidents, preview_markdown};
use crate::api::monitors::find_monitors;
use crate::components::{FieldError, FormError, Time, general_error, parse_input_time, ticks, use_viewer_zone};
use crate::error::AppError;
use crate::model::incident_limits::{BODY_MAX, TITLE_MAX};
use crate::model::{Impact, Incident, IncidentKind, IncidentState, MonitorRef, NewIncident};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::time::Duration;

/// How often the list asks for fresh states.
const REFRESH: Duration = Duration::from_secs(5);

#[component]
pub fn ImpactBadge(impact: Impact) -> impl IntoView {
    view! { <span class=format!("impact impact-{}", impact.as_str())>{impact.label()}</span> }
}

#[component]
pub fn StateBadge(state: IncidentState) -> impl IntoView {
    view! { <span class=format!("state state-{}", state.as_str())>{state.as_str()}</span> }
}

/// How long an incident has lasted (or lasted), in words.
pub fn duration_text(incident: &Incident, now: DateTime<Utc>) -> Option<String> {
    let start = incident.started_at?;
    let end = incident.resolved_at.unwrap_or(now);
    let minutes = (end - start).num_minutes().max(0);
    Some(match minutes {
        0 => "under a minute".to_owned(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days {} h", m / 1440, (m % 1440) / 60),
    })
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let tick = ticks(REFRESH);
    let state = RwSignal::new(String::new());
    let impact = RwSignal::new(String::new());
    let monitor = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let monitor_text = RwSignal::new(String::new());
    let found = Resource::new(move || monitor_text.get(), find_monitors);
    let incidents = Resource::new(
        move || (tick.get(), state.get(), impact.get(), monitor.get(), page.get()),
        |(_, state, impact, monitor, page)| list_incidents(Some(state), Some(impact), monitor.parse().ok(), page),
    );
    let reset_page = move || page.set(1);

    view! {
        <Title text="Incidents" />
        <div class="page-head">
            <h1>"Incidents"</h1>
            <div class="actions">
                <a class="button" href="/console/incidents/new?kind=maintenance">"Schedule maintenance"</a>
                <a class="button primary" href="/console/incidents/new">"Report an incident"</a>
            </div>
        </div>
        <section class="card filters" aria-label="Filters">
            <label>
                "State"
                <select on:change=move |ev| { state.set(event_target_value(&ev)); reset_page(); }>
                    <option value="">"Any"</option>
                    {IncidentState::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Impact"
                <select on:change=move |ev| { impact.set(event_target_value(&ev)); reset_page(); }>
                    <option value="">"Any"</option>
                    {Impact::ALL.iter().map(|i| view! { <option value=i.as_str()>{i.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Monitor"
                // A name typed, then chosen among the suggestions (`Name (#id)`); empty: any.
                <input type="search" list="incident-monitor-choices" placeholder="Any" autocomplete="off"
                    bind:value=monitor_text
                    on:input=move |_| {
                        let text = monitor_text.get_untracked();
                        let chosen = if text.trim().is_empty() {
                            Some(String::new())
                        } else if text.contains("(#") {
                            MonitorRef::id_in(&text).map(|id| id.to_string())
                        } else {
                            None
                        };
                        if let Some(id) = chosen.filter(|id| *id != monitor.get_untracked()) {
                            monitor.set(id);
                            reset_page();
                        }
                    } />
                <datalist id="incident-monitor-choices">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            found.await.unwrap_or_default().into_iter().map(|m| view! {
                                <option value=m.label()></option>
                            }).collect_view()
                        })}
                    </Transition>
                </datalist>
            </label>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match incidents.await {
                    Ok(list) if list.items.is_empty() => view! {
                        <section class="card notice-inline"><p>"No incidents here."</p></section>
                    }.into_any(),
                    Ok(list) => {
                        let now = Utc::now();
                        let next = list.next;
                        view! {
                            <section class="card">
                                <div class="table-wrap">
                                    <table class="incidents-table">
                                        <thead>
                                            <tr>
                                                <th scope="col">"Incident"</th>
                                                <th scope="col">"State"</th>
                                                <th scope="col">"Impact"</th>
                                                <th scope="col">"Started"</th>
                                                <th scope="col">"Duration"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list.items.into_iter().map(|incident| {
                                                let duration = duration_text(&incident, now).unwrap_or_else(|| "—".to_owned());
                                                let when = incident.started_at.or(incident.scheduled_start);
                                                view! {
                                                    <tr data-incident=incident.title.clone()>
                                                        <td>
                                                            <a href=format!("/console/incidents/{}", incident.id)>{incident.title.clone()}</a>
                                                            <span class="muted kind">{format!(" · {}", incident.kind.as_str())}</span>
                                                        </td>
                                                        <td><StateBadge state=incident.state /></td>
                                                        <td><ImpactBadge impact=incident.impact /></td>
                                                        <td data-label="Started">{when.map(|at| view! { <Time at /> })}</td>
                                                        <td data-label="Duration">{duration}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <nav class="pager" aria-label="Pages">
                                    <button type="button" class="ghost" disabled=move || page.get() <= 1
                                        on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"Newer"</button>
                                    <span class="muted">{move || format!("Page {}", page.get())}</span>
                                    <button type="button" class="ghost" disabled=next.is_none()
                                        on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
                                </nav>
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A Markdown text area with a preview rendered by the server (the same
/// sanitizing as what gets stored).
#[component]
pub fn MarkdownEditor(
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    field: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    let previewing = RwSignal::new(false);
    let preview = Action::new(|body: &String| preview_markdown(body.clone()));
    let show_preview = move |_| {
        previewing.set(true);
        preview.dispatch(value.get_untracked());
    };
    view! {
        <div class="markdown-editor">
            <div class="editor-head">
                <span class="label-text">{label}</span>
                <div class="tabs" role="group" aria-label=format!("{label} mode")>
                    <button type="button" class="tab" aria-pressed=move || (!previewing.get()).to_string()
                        on:click=move |_| previewing.set(false)>"Write"</button>
                    <button type="button" class="tab" aria-pressed=move || previewing.get().to_string()
                        on:click=show_preview>"Preview"</button>
                </div>
            </div>
            <Show
                when=move || previewing.get()
                fallback=move || view! {
                    <textarea aria-label=label rows="5" maxlength=BODY_MAX.to_string() placeholder=placeholder
                        bind:value=value></textarea>
                }
            >
                <div class="markdown preview" data-testid="preview">
                    {move || match preview.value().get() {
                        Some(Ok(html)) if html.trim().is_empty() => view! { <p class="muted">"Nothing to preview."</p> }.into_any(),
                        Some(Ok(html)) => view! { <div inner_html=html></div> }.into_any(),
                        Some(Err(error)) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                        None => view! { <p class="muted">"Rendering…"</p> }.into_any(),
                    }}
                </div>
            </Show>
            <span class="hint">"Markdown: **bold**, _italic_, `code`, [links](https://…), lists."</span>
            <FieldError error field />
        </div>
    }
}

#[component]
pub fn NewIncidentPage() -> impl IntoView {
    let query = use_query_map();
    let maintenance = move || query.read().get("kind").as_deref() == Some("maintenance");
    let title = RwSignal::new(String::new());
    let public_title = RwSignal::new(String::new());
    let details = RwSignal::new(String::new());
    let impact = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let start = RwSignal::new(String::new());
    let end = RwSignal::new(String::new());
    let zone = use_viewer_zone();
    let create = ServerAction::<CreateIncident>::new();
    let local_error = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || local_error.get().or_else(|| create.value().get().and_then(Result::err)));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(incident)) = create.value().get() {
            navigate(&format!("/console/incidents/{}", incident.id), Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let zone = zone.get_untracked();
        let input = (|| {
            Ok(NewIncident {
                kind: Some(if maintenance() { IncidentKind::Maintenance } else { IncidentKind::Manual }),
                title: title.get_untracked(),
                public_title: Some(public_title.get_untracked()).filter(|t| !t.trim().is_empty()),
                details: details.get_untracked(),
                impact: Impact::parse(&impact.get_untracked()),
                monitor_ids: chosen.get_untracked(),
                scheduled_start: if maintenance() {
                    parse_input_time("scheduled_start", &start.get_untracked(), zone.as_deref())?
                } else {
                    None
                },
                scheduled_end: if maintenance() {
                    parse_input_time("scheduled_end", &end.get_untracked(), zone.as_deref())?
                } else {
                    None
                },
            })
        })();
        match input {
            Ok(input) => {
                local_error.set(None);
                create.dispatch(CreateIncident { input });
            }
            Err(error) => local_error.set(Some(error)),
        }
    };
    const FIELDS: &[&str] =
        &["title", "public_title", "details", "monitor_ids", "scheduled_start", "scheduled_end", "impact"];
    let heading = move || if maintenance() { "Schedule maintenance" } else { "Report an incident" };

    view! {
        <Title text=heading />
        <h1>{heading}</h1>
        <form class="card incident-form" on:submit=on_submit novalidate>
            <div class="grid-form">
                <label class="wide">
                    "Title"
                    <input type="text" maxlength=TITLE_MAX.to_string() bind:value=title
                        placeholder=move || if maintenance() { "e.g. Database upgrade" } else { "e.g. Checkout fails for some customers" } />
                    <FieldError error field="title" />
                </label>
                <label class="wide">
                    "Public title " <span class="muted">"(optional)"</span>
                    <input type="text" maxlength=TITLE_MAX.to_string() bind:value=public_title
                        placeholder="Shown on status pages instead of the title" />
                    <FieldError error field="public_title" />
                </label>
                <label>
                    "Impact"
                    <select on:change=move |ev| impact.set(event_target_value(&ev))>
                        {move || {
                            let default = if maintenance() { Impact::Maintenance } else { Impact::Unknown };
                            Impact::ALL.iter().map(|i| view! {
                                <option value=i.as_str() selected=*i == default>{i.label()}</option>
                            }).collect_view()
                        }}
                    </select>
                    <FieldError error field="impact" />
                </label>
                <Show when=maintenance>
                    <label>
                        {move || format!("Starts ({})", zone.get().unwrap_or_else(|| "UTC".to_owned()))}
                        <input type="datetime-local" bind:value=start />
                        <FieldError error field="scheduled_start" />
                    </label>
                    <label>
                        {move || format!("Ends ({})", zone.get().unwrap_or_else(|| "UTC".to_owned()))}
                        <input type="datetime-local" bind:value=end />
                        <FieldError error field="scheduled_end" />
                    </label>
                </Show>
            </div>
            <fieldset>
                <legend>"Affected monitors"</legend>
                <MonitorPicker chosen />
                <FieldError error field="monitor_ids" />
            </fieldset>
            <MarkdownEditor label="Details" value=details error field="details"
                placeholder="What is happening, who is affected, what is being done." />
            <FormError error=general_error(error, FIELDS) />
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || create.pending().get()>
                    {move || if maintenance() { "Schedule maintenance" } else { "Open incident" }}
                </button>
                <a class="button ghost" href="/console/incidents">"Cancel"</a>
            </div>
        </form>
    }
}
