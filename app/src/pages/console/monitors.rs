//! `/console/monitors`: the list (refreshing itself), and the form to create
//! or change a monitor.

use crate::api::monitors::{
    CheckMonitor, DeleteMonitor, SaveMonitor, SetMonitorPaused, get_monitor, list_monitors, list_regions,
};
use crate::components::{ConfirmButton, FieldError, FormError};
use crate::error::AppError;
use crate::model::{Check, CheckOutcome, KeywordMode, Monitor, MonitorInput, MonitorKind, MonitorStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use std::collections::BTreeMap;
use std::time::Duration;

/// How often the list asks for fresh statuses.
const REFRESH: Duration = Duration::from_secs(5);

#[component]
pub fn StatusBadge(status: MonitorStatus) -> impl IntoView {
    view! { <span class=format!("status status-{}", status.as_str())>{status.as_str()}</span> }
}

#[component]
pub fn MonitorsPage() -> impl IntoView {
    let tick = RwSignal::new(0u64);
    // In the browser only: refetch on a timer so statuses change without a reload.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    let pause = ServerAction::<SetMonitorPaused>::new();
    let remove = ServerAction::<DeleteMonitor>::new();
    let monitors =
        Resource::new(move || (tick.get(), pause.version().get(), remove.version().get()), |_| list_monitors());
    let action_error = Signal::derive(move || {
        pause.value().get().and_then(Result::err).or_else(|| remove.value().get().and_then(Result::err))
    });

    view! {
        <Title text="Monitors" />
        <div class="page-head">
            <h1>"Monitors"</h1>
            <a class="button primary" href="/console/monitors/new">"New monitor"</a>
        </div>
        <FormError error=action_error />
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match monitors.await {
                    Ok(list) if list.is_empty() => view! {
                        <section class="card notice-inline">
                            <p>"No monitors yet. " <a href="/console/monitors/new">"Create the first one"</a> "."</p>
                        </section>
                    }.into_any(),
                    Ok(list) => view! {
                        <section class="card">
                            <div class="table-wrap">
                                <table>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Target"</th>
                                            <th scope="col">"Every"</th>
                                            <th scope="col">"Regions"</th>
                                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|monitor| view! { <MonitorRow monitor pause remove /> }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MonitorRow(
    monitor: Monitor,
    pause: ServerAction<SetMonitorPaused>,
    remove: ServerAction<DeleteMonitor>,
) -> impl IntoView {
    let id = monitor.id;
    let paused = monitor.paused;
    view! {
        <tr data-monitor=monitor.name.clone()>
            <td><StatusBadge status=monitor.status /></td>
            <td><a href=format!("/console/monitors/{id}")>{monitor.name.clone()}</a></td>
            <td class="target"><code>{monitor.target()}</code></td>
            <td data-label="Every">{format!("{} s", monitor.interval_seconds)}</td>
            <td data-label="Regions">{monitor.regions.join(", ")}</td>
            <td class="actions">
                <button type="button" class="ghost" on:click=move |_| {
                    pause.dispatch(SetMonitorPaused { id, paused: !paused });
                }>{if paused { "Resume" } else { "Pause" }}</button>
                <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || {
                    remove.dispatch(DeleteMonitor { id });
                } />
            </td>
        </tr>
    }
}

#[component]
pub fn NewMonitorPage() -> impl IntoView {
    view! {
        <Title text="New monitor" />
        <h1>"New monitor"</h1>
        <MonitorForm monitor=None />
    }
}

#[component]
pub fn EditMonitorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let monitor = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_monitor(id).await,
            None => Err(AppError::not_found("monitor")),
        }
    });
    view! {
        <Title text="Edit monitor" />
        <h1>"Edit monitor"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match monitor.await {
                    Ok(monitor) => {
                        let id = monitor.id;
                        view! {
                            <CheckNow id />
                            <MonitorForm monitor=Some(monitor) />
                        }
                        .into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Checks the saved monitor once, from the server's region, and shows the result.
#[component]
fn CheckNow(id: i64) -> impl IntoView {
    let check = ServerAction::<CheckMonitor>::new();
    view! {
        <section class="card check-now">
            <div class="check-now-row">
                <p class="muted">"Try the saved settings once, from this server."</p>
                <button type="button" disabled=move || check.pending().get() on:click=move |_| {
                    check.dispatch(CheckMonitor { id });
                }>{move || if check.pending().get() { "Checking…" } else { "Check now" }}</button>
            </div>
            {move || check.value().get().map(|result| match result {
                Ok(check) => view! { <CheckSummary check /> }.into_any(),
                Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn CheckSummary(check: Check) -> impl IntoView {
    let up = check.outcome == CheckOutcome::Up;
    let status = if up { MonitorStatus::Up } else { MonitorStatus::Down };
    let failure = check.failure.map(|f| format!(" ({})", f.as_str())).unwrap_or_default();
    view! {
        <p class="check-result" role="status" data-outcome=if up { "up" } else { "down" }>
            <StatusBadge status />
            {format!(" in {} ms from {}{failure}: {}", check.duration_ms, check.region, check.message)}
        </p>
    }
}

/// The form's fields, as typed.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    kind: RwSignal<MonitorKind>,
    url: RwSignal<String>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    method: RwSignal<String>,
    headers: RwSignal<String>,
    body: RwSignal<String>,
    accepted_status: RwSignal<String>,
    keyword: RwSignal<String>,
    keyword_mode: RwSignal<KeywordMode>,
    follow_redirects: RwSignal<bool>,
    interval_seconds: RwSignal<String>,
    timeout_seconds: RwSignal<String>,
    regions: RwSignal<Vec<String>>,
    region_threshold: RwSignal<String>,
    incident_confirmations: RwSignal<String>,
    recovery_confirmations: RwSignal<String>,
    ssl_expiry_days: RwSignal<String>,
}

impl Fields {
    fn new(monitor: Option<&Monitor>) -> Self {
        let text = |value: Option<String>, default: &str| RwSignal::new(value.unwrap_or_else(|| default.to_owned()));
        let number = |value: Option<u32>, default: u32| RwSignal::new(value.unwrap_or(default).to_string());
        Self {
            name: text(monitor.map(|m| m.name.clone()), ""),
            kind: RwSignal::new(monitor.map_or(MonitorKind::Http, |m| m.kind)),
            url: text(monitor.and_then(|m| m.url.clone()), ""),
            host: text(monitor.and_then(|m| m.host.clone()), ""),
            port: text(monitor.and_then(|m| m.port).map(|p| p.to_string()), ""),
            method: text(monitor.map(|m| m.method.clone()), "GET"),
            headers: text(
                monitor.map(|m| m.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n")),
                "",
            ),
            body: text(monitor.and_then(|m| m.body.clone()), ""),
            accepted_status: text(monitor.map(|m| m.accepted_status.clone()), "200-299"),
            keyword: text(monitor.and_then(|m| m.keyword.clone()), ""),
            keyword_mode: RwSignal::new(monitor.map_or(KeywordMode::Contains, |m| m.keyword_mode)),
            follow_redirects: RwSignal::new(monitor.is_none_or(|m| m.follow_redirects)),
            interval_seconds: number(monitor.map(|m| m.interval_seconds), 60),
            timeout_seconds: number(monitor.map(|m| m.timeout_seconds), 10),
            regions: RwSignal::new(monitor.map(|m| m.regions.clone()).unwrap_or_default()),
            region_threshold: number(monitor.map(|m| m.region_threshold), 1),
            incident_confirmations: number(monitor.map(|m| m.incident_confirmations), 3),
            recovery_confirmations: number(monitor.map(|m| m.recovery_confirmations), 2),
            ssl_expiry_days: number(monitor.map(|m| m.ssl_expiry_days), 14),
        }
    }

    fn input(&self) -> Result<MonitorInput, AppError> {
        let number = |field: &str, signal: RwSignal<String>| {
            signal
                .get_untracked()
                .trim()
                .parse::<u32>()
                .map_err(|_| AppError::validation(field, "Enter a whole number."))
        };
        let kind = self.kind.get_untracked();
        let mut input = MonitorInput {
            name: Some(self.name.get_untracked()),
            kind: Some(kind),
            method: Some(self.method.get_untracked()),
            headers: Some(parse_headers(&self.headers.get_untracked())?),
            body: Some(self.body.get_untracked()),
            accepted_status: Some(self.accepted_status.get_untracked()),
            keyword: Some(self.keyword.get_untracked()),
            keyword_mode: Some(self.keyword_mode.get_untracked()),
            follow_redirects: Some(self.follow_redirects.get_untracked()),
            interval_seconds: Some(number("interval_seconds", self.interval_seconds)?),
            timeout_seconds: Some(number("timeout_seconds", self.timeout_seconds)?),
            regions: Some(self.regions.get_untracked()),
            region_threshold: Some(number("region_threshold", self.region_threshold)?),
            incident_confirmations: Some(number("incident_confirmations", self.incident_confirmations)?),
            recovery_confirmations: Some(number("recovery_confirmations", self.recovery_confirmations)?),
            ssl_expiry_days: Some(number("ssl_expiry_days", self.ssl_expiry_days)?),
            ..Default::default()
        };
        match kind {
            MonitorKind::Http => input.url = Some(self.url.get_untracked()),
            MonitorKind::Tcp => {
                input.host = Some(self.host.get_untracked());
                input.port = Some(number("port", self.port)?);
            }
        }
        Ok(input)
    }
}

/// A labelled one-line input bound to a field of the form, with its error.
#[component]
fn TextField(
    label: &'static str,
    field: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
    #[prop(optional)] numeric: bool,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    view! {
        <label>
            {label}
            <input type="text" inputmode=if numeric { "numeric" } else { "text" } placeholder=placeholder bind:value=value />
            <FieldError error field />
        </label>
    }
}

/// `Name: value` lines into headers.
fn parse_headers(text: &str) -> Result<BTreeMap<String, String>, AppError> {
    let mut headers = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| AppError::validation("headers", format!("Write `Name: value` on each line (`{line}`).")))?;
        headers.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    Ok(headers)
}

#[component]
fn MonitorForm(monitor: Option<Monitor>) -> impl IntoView {
    let id = monitor.as_ref().map(|m| m.id);
    let fields = Fields::new(monitor.as_ref());
    let save = ServerAction::<SaveMonitor>::new();
    let regions = Resource::new(|| (), |_| list_regions());
    let local_error = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || local_error.get().or_else(|| save.value().get().and_then(Result::err)));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            navigate("/console/monitors", Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match fields.input() {
            Ok(input) => {
                local_error.set(None);
                save.dispatch(SaveMonitor { id, input });
            }
            Err(error) => local_error.set(Some(error)),
        }
    };
    let is_http = move || fields.kind.get() == MonitorKind::Http;
    const FIELDS: &[&str] = &[
        "name",
        "url",
        "host",
        "port",
        "method",
        "headers",
        "body",
        "accepted_status",
        "keyword",
        "interval_seconds",
        "timeout_seconds",
        "regions",
        "region_threshold",
        "incident_confirmations",
        "recovery_confirmations",
        "ssl_expiry_days",
    ];

    view! {
        <form class="card monitor-form" on:submit=on_submit novalidate>
            <fieldset>
                <legend>"What to watch"</legend>
                <div class="grid-form">
                    <label>
                        "Name"
                        <input type="text" maxlength="100" bind:value=fields.name />
                        <FieldError error field="name" />
                    </label>
                    <label>
                        "Kind"
                        <select on:change=move |ev| fields.kind.set(
                            if event_target_value(&ev) == "tcp" { MonitorKind::Tcp } else { MonitorKind::Http },
                        )>
                            <option value="http" selected=is_http>"HTTP(S)"</option>
                            <option value="tcp" selected=move || !is_http()>"TCP port"</option>
                        </select>
                    </label>
                    <Show
                        when=is_http
                        fallback=move || view! {
                            <TextField label="Host" field="host" value=fields.host error placeholder="db.example.com" />
                            <TextField label="Port" field="port" value=fields.port error numeric=true placeholder="5432" />
                        }
                    >
                        <label class="wide">
                            "URL"
                            <input type="url" placeholder="https://example.com/health" bind:value=fields.url />
                            <FieldError error field="url" />
                        </label>
                    </Show>
                </div>
            </fieldset>
            <Show when=is_http>
                <fieldset>
                    <legend>"Request and response"</legend>
                    <div class="grid-form">
                        <label>
                            "Method"
                            <select on:change=move |ev| fields.method.set(event_target_value(&ev))>
                                {["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map(|m| view! {
                                    <option value=m selected=move || fields.method.get() == m>{m}</option>
                                }).collect_view()}
                            </select>
                            <FieldError error field="method" />
                        </label>
                        <TextField label="Accepted status codes" field="accepted_status" value=fields.accepted_status error placeholder="200-299,301" />
                        <label>
                            "Keyword"
                            <input type="text" maxlength="200" bind:value=fields.keyword />
                            <FieldError error field="keyword" />
                        </label>
                        <label>
                            "The keyword must"
                            <select on:change=move |ev| fields.keyword_mode.set(
                                if event_target_value(&ev) == "absent" { KeywordMode::Absent } else { KeywordMode::Contains },
                            )>
                                <option value="contains" selected=move || fields.keyword_mode.get() == KeywordMode::Contains>"appear"</option>
                                <option value="absent" selected=move || fields.keyword_mode.get() == KeywordMode::Absent>"not appear"</option>
                            </select>
                        </label>
                        <label class="wide">
                            "Headers, one per line as Name: value"
                            <textarea rows="3" bind:value=fields.headers></textarea>
                            <FieldError error field="headers" />
                        </label>
                        <label class="wide">
                            "Body"
                            <textarea rows="3" bind:value=fields.body></textarea>
                            <FieldError error field="body" />
                        </label>
                        <p class="muted small wide">
                            "Saved header values and the body are shown masked (••••); leave a masked value as it is to keep it."
                        </p>
                        <label class="check">
                            <input type="checkbox" bind:checked=fields.follow_redirects />
                            "Follow redirects"
                        </label>
                        <TextField label="Warn when the certificate expires within (days)" field="ssl_expiry_days" value=fields.ssl_expiry_days error numeric=true />
                    </div>
                </fieldset>
            </Show>
            <fieldset>
                <legend>"Schedule and confirmation"</legend>
                <div class="grid-form">
                    <TextField label="Check every (seconds)" field="interval_seconds" value=fields.interval_seconds error numeric=true />
                    <TextField label="Timeout (seconds)" field="timeout_seconds" value=fields.timeout_seconds error numeric=true />
                    <TextField label="Failed checks before down" field="incident_confirmations" value=fields.incident_confirmations error numeric=true />
                    <TextField label="Good checks before up again" field="recovery_confirmations" value=fields.recovery_confirmations error numeric=true />
                </div>
            </fieldset>
            <fieldset>
                <legend>"Regions"</legend>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let Ok(choices) = regions.await else {
                            return view! { <p class="form-error">"The regions could not be loaded."</p> }.into_any();
                        };
                        // A new monitor starts with the server's own region.
                        if id.is_none() && fields.regions.get_untracked().is_empty() {
                            fields.regions.set(vec![choices.default.clone()]);
                        }
                        let names = choices.names;
                        view! {
                            <div class="checks">
                                {names.into_iter().map(|name| {
                                    let checked_name = name.clone();
                                    let toggled_name = name.clone();
                                    view! {
                                        <label class="check">
                                            <input
                                                type="checkbox"
                                                prop:checked=move || fields.regions.get().contains(&checked_name)
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    fields.regions.update(|list| {
                                                        list.retain(|r| r != &toggled_name);
                                                        if on { list.push(toggled_name.clone()); }
                                                    });
                                                }
                                            />
                                            {name}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        }
                        .into_any()
                    })}
                </Transition>
                <FieldError error field="regions" />
                <label class="narrow">
                    "Regions that must agree it is down"
                    <input type="text" inputmode="numeric" bind:value=fields.region_threshold />
                    <FieldError error field="region_threshold" />
                </label>
            </fieldset>
            <div class="form-actions">
                <FormError error=Signal::derive(move || error.get().filter(|e| e.field().is_none_or(|f| !FIELDS.contains(&f)))) />
                <a class="button ghost" href="/console/monitors">"Cancel"</a>
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save changes" } else { "Create monitor" }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_headers;

    #[test]
    fn headers_are_read_one_per_line() {
        let headers = parse_headers("Accept: text/html\n\n X-Token : abc:def ").unwrap();
        assert_eq!(headers.get("Accept").map(String::as_str), Some("text/html"));
        assert_eq!(headers.get("X-Token").map(String::as_str), Some("abc:def"));
        assert_eq!(parse_headers("no colon").unwrap_err().field(), Some("headers"));
    }
}
