//! `/console/monitors`: the list (refreshing itself), and the form to create
//! or change a monitor.

use crate::api::monitors::{
    BulkMonitors, CheckMonitor, DeleteMonitor, SaveMonitor, SetMonitorPaused, find_monitors, get_monitor,
    list_monitor_page, list_regions, monitor_tags,
};
use crate::components::{
    ConfirmButton, FieldError, FormError, ManagedMark, general_error, last_error, managed_one, ticks,
};
use crate::error::AppError;
use crate::model::MASK;
use crate::model::{
    BulkAction, BulkInput, Check, CheckOutcome, DnsMatch, DnsProtocol, DnsRecordType, KeywordMode, Monitor,
    MonitorInput, MonitorKind, MonitorRef, MonitorStatus, StatusCounts,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::location::Url;
use leptos_router::params::ParamsMap;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How often the list asks for fresh statuses.
const REFRESH: Duration = Duration::from_secs(5);

#[component]
pub fn StatusBadge(status: MonitorStatus) -> impl IntoView {
    view! { <span class=format!("status status-{}", status.as_str())>{status.as_str()}</span> }
}

/// The list's filters, as its address holds them (so a count or a link
/// elsewhere can open the list narrowed).
const FILTERS: [&str; 6] = ["q", "status", "kind", "region", "tag", "sort"];

/// The list's address with `changes` applied to the current filters; any
/// change of filter goes back to the first page.
fn list_href(current: &ParamsMap, changes: &[(&str, &str)]) -> String {
    let mut parts = Vec::new();
    for name in FILTERS.iter().chain(["cursor"].iter()) {
        let value = match changes.iter().find(|(key, _)| key == name) {
            Some((_, value)) => Some((*value).to_owned()),
            None if *name == "cursor" => None,
            None => current.get(name),
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            parts.push(format!("{name}={}", Url::escape(&value)));
        }
    }
    if parts.is_empty() { "/console/monitors".to_owned() } else { format!("/console/monitors?{}", parts.join("&")) }
}

#[component]
pub fn MonitorsPage() -> impl IntoView {
    // In the browser only: refetch on a timer so statuses change without a
    // reload (only the page shown, and the counts).
    let tick = ticks(REFRESH);
    let query = use_query_map();
    let param = move |name: &'static str| Memo::new(move |_| query.with(|q| q.get(name).unwrap_or_default()));
    let (search, status, kind, region, tag, cursor) =
        (param("q"), param("status"), param("kind"), param("region"), param("tag"), param("cursor"));
    let sort = param("sort");
    let navigate = use_navigate();
    let go = move |changes: &[(&str, &str)]| {
        let href = query.with_untracked(|q| list_href(q, changes));
        navigate(&href, Default::default());
    };
    let pause = ServerAction::<SetMonitorPaused>::new();
    let remove = ServerAction::<DeleteMonitor>::new();
    let bulk = ServerAction::<BulkMonitors>::new();
    let regions = Resource::new(|| (), |_| list_regions());
    let tags = Resource::new(move || bulk.version().get(), |_| monitor_tags());
    let monitors = Resource::new(
        move || {
            let changes = (pause.version().get(), remove.version().get(), bulk.version().get());
            let filters = (search.get(), status.get(), kind.get(), region.get(), tag.get(), sort.get());
            (tick.get(), changes, filters, cursor.get())
        },
        |(_, _, (search, status, kind, region, tag, sort), cursor)| {
            list_monitor_page(search, status, kind, region, tag, sort, cursor)
        },
    );
    let action_error = Signal::derive(move || {
        pause.value().get().and_then(Result::err).or_else(|| remove.value().get().and_then(Result::err))
    });
    // The monitors ticked for a bulk action: those of the page shown (a
    // change of filter or page starts again from none).
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    Effect::new(move |_| {
        query.track();
        selected.set(BTreeSet::new());
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = bulk.value().get() {
            selected.set(BTreeSet::new());
        }
    });
    let filtered = move || FILTERS.iter().any(|name| query.with(|q| q.get(name).is_some_and(|v| !v.is_empty())));
    // The search box follows the address (back, forward, a count's link).
    let search_text = RwSignal::new(search.get_untracked());
    Effect::new(move |_| search_text.set(search.get()));
    let go_search = go.clone();
    let go_kind = go.clone();
    let go_region = go.clone();
    let go_tag = go.clone();
    let go_sort = go.clone();

    view! {
        <Title text="Monitors" />
        <div class="page-head">
            <h1>"Monitors"</h1>
            <a class="button primary" href="/console/monitors/new">"New monitor"</a>
        </div>
        <FormError error=action_error />
        <form class="card filters" aria-label="Filters" method="get" action="/console/monitors"
            on:submit=move |ev| {
                ev.prevent_default();
                let text = search_text.get_untracked();
                go_search(&[("q", text.as_str())]);
            }>
            <label>
                "Search"
                <input type="search" name="q" placeholder="Name, URL or host" bind:value=search_text />
            </label>
            <label>
                "Kind"
                <select name="kind" prop:value=move || kind.get() on:change=move |ev| go_kind(&[("kind", event_target_value(&ev).as_str())])>
                    <option value="">"Any"</option>
                    {MonitorKind::ALL.iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k.as_str()>{k.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Region"
                <select name="region" prop:value=move || region.get() on:change=move |ev| go_region(&[("region", event_target_value(&ev).as_str())])>
                    <option value="">"Any"</option>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let names = regions.await.map(|choices| choices.names).unwrap_or_default();
                            names.into_iter().map(|name| view! {
                                <option value=name.clone() selected=region.get_untracked() == name>{name.clone()}</option>
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </label>
            <label>
                "Tag"
                <select name="tag" prop:value=move || tag.get() on:change=move |ev| go_tag(&[("tag", event_target_value(&ev).as_str())])>
                    <option value="">"Any"</option>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let mut names = tags.await.unwrap_or_default();
                            // A tag no monitor has any more, still in the address.
                            let current = tag.get_untracked();
                            if !current.is_empty() && !names.contains(&current) {
                                names.push(current.clone());
                            }
                            names.into_iter().map(|name| view! {
                                <option value=name.clone() selected=current == name>{name.clone()}</option>
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </label>
            <label>
                "Order"
                <select name="sort" prop:value=move || sort.get() on:change=move |ev| go_sort(&[("sort", event_target_value(&ev).as_str())])>
                    <option value="" selected=move || sort.get() != "status">"By name"</option>
                    <option value="status" selected=move || sort.get() == "status">"Worst first"</option>
                </select>
            </label>
            <input type="hidden" name="status" prop:value=move || status.get() />
            <noscript><button type="submit">"Filter"</button></noscript>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match monitors.await {
                    Ok(page) if page.counts.total() == 0 && !filtered() => view! {
                        <section class="card notice-inline">
                            <p>"No monitors yet. " <a href="/console/monitors/new">"Create the first one"</a> "."</p>
                        </section>
                    }.into_any(),
                    Ok(page) => {
                        let (chips, rows, pager) = query.with_untracked(|q| {
                            (status_chips(q, &page.counts, true), page.items.len(), pager_links(q, page.next.as_deref()))
                        });
                        let shown: Vec<i64> = page.items.iter().map(|m| m.id).collect();
                        // Ticked monitors gone from the page (deleted elsewhere) are let go.
                        selected.update_untracked(|s| s.retain(|id| shown.contains(id)));
                        let all_ticked = {
                            let shown = shown.clone();
                            move || !shown.is_empty() && selected.with(|s| shown.iter().all(|id| s.contains(id)))
                        };
                        view! {
                            {chips}
                            <BulkBar selected bulk tags />
                            <section class="card">
                                {if rows == 0 {
                                    view! { <p class="muted empty">"No monitor matches these filters."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap">
                                            <table>
                                                <thead>
                                                    <tr>
                                                        <th scope="col" class="tick">
                                                            <input type="checkbox" aria-label="Choose every monitor of this page"
                                                                prop:checked=all_ticked
                                                                on:change=move |ev| {
                                                                    let on = event_target_checked(&ev);
                                                                    selected.set(if on { shown.iter().copied().collect() } else { BTreeSet::new() });
                                                                } />
                                                        </th>
                                                        <th scope="col">"Status"</th>
                                                        <th scope="col">"Name"</th>
                                                        <th scope="col">"Target"</th>
                                                        <th scope="col">"Every"</th>
                                                        <th scope="col">"Regions"</th>
                                                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {page.items.into_iter().map(|monitor| {
                                                        let managed = page.managed.contains(&monitor.id);
                                                        view! { <MonitorRow monitor pause remove selected managed /> }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    }.into_any()
                                }}
                                {pager}
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The counts per status at the top of the list (and of the overview), each
/// a link that narrows the list to it (the current one links back to every
/// status). `in_list`: shown on the list, which marks the current one.
pub fn status_chips(query: &ParamsMap, counts: &StatusCounts, in_list: bool) -> impl IntoView + use<> {
    let current = query.get("status").unwrap_or_default();
    let all = list_href(query, &[("status", "")]);
    let chips = MonitorStatus::ALL
        .iter()
        .filter(|status| counts.get(**status) > 0 || current == status.as_str())
        .map(|status| {
            let chosen = current == status.as_str();
            let href = if chosen { all.clone() } else { list_href(query, &[("status", status.as_str())]) };
            view! {
                <a class=format!("count-chip status status-{}", status.as_str()) href=href
                    aria-current=chosen.then_some("true")>
                    <strong>{counts.get(*status)}</strong>" "{status.as_str()}
                </a>
            }
        })
        .collect_view();
    view! {
        <nav class="count-chips" aria-label="By status">
            <a class="count-chip" href=all.clone() aria-current=(in_list && current.is_empty()).then_some("true")>
                <strong>{counts.total()}</strong>" in all"
            </a>
            {chips}
        </nav>
    }
}

/// Links to the first page and to the next one.
fn pager_links(query: &ParamsMap, next: Option<&str>) -> impl IntoView + use<> {
    let on_first = query.get("cursor").is_none_or(|c| c.is_empty());
    if on_first && next.is_none() {
        return None;
    }
    let first = list_href(query, &[]);
    let next = next.map(|cursor| list_href(query, &[("cursor", cursor)]));
    Some(view! {
        <nav class="pager" aria-label="Pages">
            {(!on_first).then(|| view! { <a class="button ghost" href=first>"First page"</a> })}
            <span></span>
            {next.map(|href| view! { <a class="button ghost" href=href rel="next">"Next page"</a> })}
        </nav>
    })
}

#[component]
fn MonitorRow(
    monitor: Monitor,
    pause: ServerAction<SetMonitorPaused>,
    remove: ServerAction<DeleteMonitor>,
    selected: RwSignal<BTreeSet<i64>>,
    /// A configuration file manages it.
    managed: bool,
) -> impl IntoView {
    let id = monitor.id;
    let paused = monitor.paused;
    let tags = monitor
        .tags
        .iter()
        .map(
            |tag| view! { <a class="tag" href=format!("/console/monitors?tag={}", Url::escape(tag))>{tag.clone()}</a> },
        )
        .collect_view();
    view! {
        <tr data-monitor=monitor.name.clone()>
            <td class="tick">
                <input type="checkbox" aria-label=format!("Choose {}", monitor.name)
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| if on { s.insert(id); } else { s.remove(&id); });
                    } />
            </td>
            <td><StatusBadge status=monitor.status /></td>
            <td>
                <a href=format!("/console/monitors/{id}")>{monitor.name.clone()}</a>
                {managed.then(|| view! {
                    <span class="badge managed" title="Declared in a configuration file">"managed by configuration"</span>
                })}
                <span class="tags">{tags}</span>
            </td>
            <td class="target"><code>{monitor.target()}</code></td>
            <td data-label="Every">{every_text(&monitor)}</td>
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

/// What to do with the ticked monitors: shown while some are.
#[component]
fn BulkBar(
    selected: RwSignal<BTreeSet<i64>>,
    bulk: ServerAction<BulkMonitors>,
    tags: Resource<Result<Vec<String>, AppError>>,
) -> impl IntoView {
    let tag = RwSignal::new(String::new());
    let run = move |action: BulkAction| {
        let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
        let tag = matches!(action, BulkAction::Tag | BulkAction::Untag).then(|| tag.get_untracked());
        bulk.dispatch(BulkMonitors { input: BulkInput { ids, action, tag } });
    };
    let error = last_error(bulk.value());
    let done = move || {
        bulk.value().get().and_then(Result::ok).map(|outcome| match outcome.changed {
            1 => "1 monitor changed.".to_owned(),
            n => format!("{n} monitors changed."),
        })
    };
    let count = move || selected.with(BTreeSet::len);
    view! {
        <Show when=move || { count() > 0 } fallback=move || view! {
            {move || done().map(|text| view! { <p class="muted small bulk-done" role="status">{text}</p> })}
        }>
            <section class="card bulk-bar" aria-label="With the chosen monitors">
                <strong>{move || match count() { 1 => "1 chosen".to_owned(), n => format!("{n} chosen") }}</strong>
                <button type="button" class="ghost" disabled=move || bulk.pending().get()
                    on:click=move |_| run(BulkAction::Pause)>"Pause"</button>
                <button type="button" class="ghost" disabled=move || bulk.pending().get()
                    on:click=move |_| run(BulkAction::Resume)>"Resume"</button>
                <span class="bulk-tag">
                    <input type="text" aria-label="Tag to add or remove" placeholder="Tag" list="tag-choices" autocomplete="off"
                        bind:value=tag />
                    <datalist id="tag-choices">
                        <Transition>
                            {move || Suspend::new(async move {
                                tags.await.unwrap_or_default().into_iter()
                                    .map(|name| view! { <option value=name></option> })
                                    .collect_view()
                            })}
                        </Transition>
                    </datalist>
                    <button type="button" class="ghost" disabled=move || bulk.pending().get()
                        on:click=move |_| run(BulkAction::Tag)>"Add tag"</button>
                    <button type="button" class="ghost" disabled=move || bulk.pending().get()
                        on:click=move |_| run(BulkAction::Untag)>"Remove tag"</button>
                </span>
                <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || run(BulkAction::Delete) />
                <FieldError error field="tag" />
                <FieldError error field="ids" />
                <FormError error=general_error(error, &["tag", "ids"]) />
            </section>
        </Show>
    }
}

/// How often a monitor is checked, for the list.
fn every_text(monitor: &Monitor) -> String {
    match (monitor.kind, monitor.period_seconds) {
        (MonitorKind::Heartbeat, Some(period)) => crate::model::period_text(period),
        (MonitorKind::Heartbeat, None) => "cron".to_owned(),
        _ => format!("{} s", monitor.interval_seconds),
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
    let managed = managed_one("monitor", id);
    view! {
        <Title text="Edit monitor" />
        <h1>"Edit monitor"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match monitor.await {
                    Ok(monitor) => {
                        let id = monitor.id;
                        let probed = monitor.kind != MonitorKind::Heartbeat;
                        view! {
                            <ManagedMark managed id warn=true what="monitor" />
                            <Show when=move || probed><CheckNow id /></Show>
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
    record_type: RwSignal<DnsRecordType>,
    dns_server: RwSignal<String>,
    dns_protocol: RwSignal<DnsProtocol>,
    /// One expected value per line.
    expected_values: RwSignal<String>,
    expected_match: RwSignal<DnsMatch>,
    ping_count: RwSignal<String>,
    max_loss_percent: RwSignal<String>,
    /// A heartbeat's schedule: `period` or `cron`.
    schedule: RwSignal<&'static str>,
    period_minutes: RwSignal<String>,
    cron: RwSignal<String>,
    timezone: RwSignal<String>,
    grace_minutes: RwSignal<String>,
    /// Empty: slowness is not watched.
    degraded_after_ms: RwSignal<String>,
    degraded_incident: RwSignal<bool>,
    /// The parent as chosen (`Name (#id)`), empty for none.
    parent: RwSignal<String>,
    /// Comma-separated.
    tags: RwSignal<String>,
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
            record_type: RwSignal::new(monitor.and_then(|m| m.record_type).unwrap_or(DnsRecordType::A)),
            dns_server: text(monitor.and_then(|m| m.dns_server.clone()), ""),
            dns_protocol: RwSignal::new(monitor.and_then(|m| m.dns_protocol).unwrap_or(DnsProtocol::Udp)),
            expected_values: text(monitor.map(|m| m.expected_values.join("\n")), ""),
            expected_match: RwSignal::new(monitor.and_then(|m| m.expected_match).unwrap_or(DnsMatch::Any)),
            ping_count: number(monitor.and_then(|m| m.ping_count), 3),
            max_loss_percent: number(monitor.and_then(|m| m.max_loss_percent), 0),
            schedule: RwSignal::new(if monitor.is_some_and(|m| m.cron.is_some()) { "cron" } else { "period" }),
            period_minutes: minutes(monitor.and_then(|m| m.period_seconds), 1440),
            cron: text(monitor.and_then(|m| m.cron.clone()), ""),
            timezone: text(monitor.and_then(|m| m.timezone.clone()), "UTC"),
            grace_minutes: minutes(monitor.and_then(|m| m.grace_seconds), 60),
            degraded_after_ms: text(monitor.and_then(|m| m.degraded_after_ms).map(|ms| ms.to_string()), ""),
            degraded_incident: RwSignal::new(monitor.is_some_and(|m| m.degraded_incident)),
            parent: text(monitor.and_then(|m| m.parent_id).map(|id| format!("#{id}")), ""),
            tags: text(monitor.map(|m| m.tags.join(", ")), ""),
        }
    }

    /// A new monitor's confirmations follow its kind while untouched: a
    /// heartbeat acts on the first missed run (1 and 1), probes on 3 and 2.
    fn confirmation_defaults(&self, kind: MonitorKind) {
        let (down, up) = (self.incident_confirmations.get_untracked(), self.recovery_confirmations.get_untracked());
        let wanted = if kind == MonitorKind::Heartbeat { ("1", "1") } else { ("3", "2") };
        if [("1", "1"), ("3", "2")].contains(&(down.as_str(), up.as_str())) {
            self.incident_confirmations.set(wanted.0.to_owned());
            self.recovery_confirmations.set(wanted.1.to_owned());
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
        let parent = self.parent.get_untracked();
        let parent_id = match parent.trim() {
            "" => 0,
            chosen => MonitorRef::id_in(chosen).ok_or_else(|| {
                AppError::validation("parent_id", "Choose a monitor from the suggestions (its name and #id).")
            })?,
        };
        let tags = self.tags.get_untracked();
        let mut input = MonitorInput {
            tags: Some(tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()),
            parent_id: Some(parent_id),
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
        if kind.is_timed() {
            let limit = self.degraded_after_ms.get_untracked();
            input.degraded_after_ms = Some(match limit.trim() {
                "" => 0,
                limit => limit.parse::<u32>().ok().filter(|ms| *ms > 0).ok_or_else(|| {
                    AppError::validation("degraded_after_ms", "Enter a number of milliseconds, or leave it empty.")
                })?,
            });
            input.degraded_incident = Some(self.degraded_incident.get_untracked());
        }
        match kind {
            MonitorKind::Http => input.url = Some(self.url.get_untracked()),
            MonitorKind::Tcp => {
                input.host = Some(self.host.get_untracked());
                input.port = Some(number("port", self.port)?);
            }
            MonitorKind::Ping => {
                input.host = Some(self.host.get_untracked());
                input.ping_count = Some(number("ping_count", self.ping_count)?);
                input.max_loss_percent = Some(number("max_loss_percent", self.max_loss_percent)?);
            }
            MonitorKind::Dns => {
                input.host = Some(self.host.get_untracked());
                input.record_type = Some(self.record_type.get_untracked());
                input.dns_server = Some(self.dns_server.get_untracked());
                input.dns_protocol = Some(self.dns_protocol.get_untracked());
                input.expected_values = Some(self.expected_values.get_untracked().lines().map(str::to_owned).collect());
                input.expected_match = Some(self.expected_match.get_untracked());
            }
            MonitorKind::Heartbeat => {
                // Regions and the probe's timing are the server's own here.
                (input.regions, input.region_threshold) = (None, None);
                (input.interval_seconds, input.timeout_seconds) = (None, None);
                if self.schedule.get_untracked() == "cron" {
                    input.cron = Some(self.cron.get_untracked());
                    input.timezone = Some(self.timezone.get_untracked());
                } else {
                    input.period_seconds = Some(seconds_of("period_seconds", &self.period_minutes.get_untracked())?);
                }
                input.grace_seconds = Some(seconds_of("grace_seconds", &self.grace_minutes.get_untracked())?);
            }
        }
        Ok(input)
    }
}

/// Seconds shown as minutes in the form (whole ones, or with a decimal).
fn minutes(seconds: Option<u32>, default_minutes: u32) -> RwSignal<String> {
    RwSignal::new(match seconds {
        Some(s) if s % 60 == 0 => (s / 60).to_string(),
        Some(s) => format!("{:.2}", f64::from(s) / 60.0).trim_end_matches('0').to_owned(),
        None => default_minutes.to_string(),
    })
}

/// Minutes as typed (a decimal point allowed) into seconds.
fn seconds_of(field: &str, text: &str) -> Result<u32, AppError> {
    match text.trim().replace(',', ".").parse::<f64>() {
        Ok(minutes) if minutes.is_finite() && minutes > 0.0 && minutes * 60.0 <= f64::from(u32::MAX) => {
            Ok((minutes * 60.0).round() as u32)
        }
        _ => Err(AppError::validation(field, "Enter a number of minutes, like 5 or 0.5.")),
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
    // A heartbeat's ping URL is shown whole once, after it is made: the
    // form gives way to it instead of going back to the list.
    let made_url = RwSignal::new(None::<(i64, String)>);
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            match saved.ping_url.filter(|url| !url.contains(MASK)) {
                Some(url) => made_url.set(Some((saved.id, url))),
                None => navigate("/console/monitors", Default::default()),
            }
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
    let is_heartbeat = move || fields.kind.get() == MonitorKind::Heartbeat;
    let by_cron = move || fields.schedule.get() == "cron";
    const FIELDS: &[&str] = &[
        "name",
        "kind",
        "record_type",
        "dns_server",
        "ping_count",
        "max_loss_percent",
        "expected_values",
        "period_seconds",
        "cron",
        "timezone",
        "grace_seconds",
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
        "degraded_after_ms",
        "parent_id",
        "tags",
    ];

    view! {
        <Show when=move || made_url.get().is_some()>
            {move || made_url.get().map(|(id, url)| view! { <PingUrlMade id url /> })}
        </Show>
        <Show when=move || made_url.get().is_none()>
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
                        <select name="kind" on:change=move |ev| {
                            let kind = MonitorKind::parse(&event_target_value(&ev)).unwrap_or(MonitorKind::Http);
                            fields.kind.set(kind);
                            if id.is_none() {
                                fields.confirmation_defaults(kind);
                            }
                        }>
                            <option value="http" selected=is_http>"HTTP(S)"</option>
                            <option value="tcp" selected=move || fields.kind.get() == MonitorKind::Tcp>"TCP port"</option>
                            <option value="dns" selected=move || fields.kind.get() == MonitorKind::Dns>"DNS record"</option>
                            <option value="ping" selected=move || fields.kind.get() == MonitorKind::Ping>"Ping (ICMP)"</option>
                            <option value="heartbeat" selected=is_heartbeat>"Heartbeat (a job pings Vigie)"</option>
                        </select>
                        <FieldError error field="kind" />
                    </label>
                    {move || match fields.kind.get() {
                        MonitorKind::Http => view! {
                            <label class="wide">
                                "URL"
                                <input type="url" placeholder="https://example.com/health" bind:value=fields.url />
                                <FieldError error field="url" />
                            </label>
                        }.into_any(),
                        MonitorKind::Tcp => view! {
                            <TextField label="Host" field="host" value=fields.host error placeholder="db.example.com" />
                            <TextField label="Port" field="port" value=fields.port error numeric=true placeholder="5432" />
                        }.into_any(),
                        MonitorKind::Dns => view! { <DnsFields fields error /> }.into_any(),
                        MonitorKind::Ping => view! {
                            <TextField label="Host" field="host" value=fields.host error placeholder="router.example.com or 192.0.2.1" />
                            <TextField label="Echo requests per check" field="ping_count" value=fields.ping_count error numeric=true />
                            <TextField label="Loss allowed (percent)" field="max_loss_percent" value=fields.max_loss_percent error numeric=true />
                        }.into_any(),
                        MonitorKind::Heartbeat => view! {
                            <label>
                                "The job runs"
                                <select name="schedule" on:change=move |ev| fields.schedule.set(
                                    if event_target_value(&ev) == "cron" { "cron" } else { "period" },
                                )>
                                    <option value="period" selected=move || !by_cron()>"every so many minutes"</option>
                                    <option value="cron" selected=by_cron>"on a cron schedule"</option>
                                </select>
                            </label>
                            <Show
                                when=by_cron
                                fallback=move || view! {
                                    <TextField label="Every (minutes)" field="period_seconds" value=fields.period_minutes error numeric=true placeholder="1440" />
                                }
                            >
                                <TextField label="Cron expression" field="cron" value=fields.cron error placeholder="0 2 * * *" />
                                <TextField label="Time zone" field="timezone" value=fields.timezone error placeholder="Europe/Paris" />
                            </Show>
                            <TextField label="Grace time (minutes)" field="grace_seconds" value=fields.grace_minutes error numeric=true placeholder="60" />
                            <p class="muted small wide">
                                "The job calls its ping URL each time it runs; Vigie declares it late when no ping comes within the grace time after the expected run. The URL is shown once the monitor is saved."
                            </p>
                        }.into_any(),
                    }}
                    <label class="wide">
                        "Tags (comma-separated, for the list's filter)"
                        <input type="text" name="tags" placeholder="payments, prod" bind:value=fields.tags />
                        <FieldError error field="tags" />
                    </label>
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
                <legend>{move || if is_heartbeat() { "Confirmation" } else { "Schedule and confirmation" }}</legend>
                <div class="grid-form">
                    <Show when=move || !is_heartbeat()>
                        <TextField label="Check every (seconds)" field="interval_seconds" value=fields.interval_seconds error numeric=true />
                        <TextField label="Timeout (seconds)" field="timeout_seconds" value=fields.timeout_seconds error numeric=true />
                    </Show>
                    {move || if is_heartbeat() {
                        view! {
                            <TextField label="Missed or failed runs before down" field="incident_confirmations" value=fields.incident_confirmations error numeric=true />
                            <TextField label="Good runs before up again" field="recovery_confirmations" value=fields.recovery_confirmations error numeric=true />
                        }.into_any()
                    } else {
                        view! {
                            <TextField label="Failed checks before down" field="incident_confirmations" value=fields.incident_confirmations error numeric=true />
                            <TextField label="Good checks before up again" field="recovery_confirmations" value=fields.recovery_confirmations error numeric=true />
                        }.into_any()
                    }}
                    <Show when=move || fields.kind.get().is_timed()>
                        <TextField label="Slow when slower than (ms; empty: never)" field="degraded_after_ms" value=fields.degraded_after_ms error numeric=true placeholder="800" />
                        <label class="check">
                            <input type="checkbox" name="degraded_incident" bind:checked=fields.degraded_incident />
                            "Open an incident when slow (degraded performance)"
                        </label>
                        <p class="muted small wide">
                            "Slow checks are confirmed like failures: after as many in a row, the monitor is degraded and status pages show degraded performance; as many fast ones as it takes to be up again end it."
                        </p>
                    </Show>
                </div>
            </fieldset>
            <ParentField fields error exclude=id />
            <Show when=move || !is_heartbeat()>
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
            </Show>
            <div class="form-actions">
                <FormError error=Signal::derive(move || error.get().filter(|e| e.field().is_none_or(|f| !FIELDS.contains(&f)))) />
                <a class="button ghost" href="/console/monitors">"Cancel"</a>
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save changes" } else { "Create monitor" }}
                </button>
            </div>
        </form>
        </Show>
    }
}

/// The monitor this one depends on, chosen by name among suggestions.
#[component]
fn ParentField(fields: Fields, error: Signal<Option<AppError>>, exclude: Option<i64>) -> impl IntoView {
    // What is typed, once it is not a choice already made.
    let typed = Signal::derive(move || {
        let text = fields.parent.get();
        if MonitorRef::id_in(&text).is_some() { String::new() } else { text.trim().to_owned() }
    });
    let found = Resource::new(
        move || typed.get(),
        |part| async move { if part.is_empty() { Ok(Vec::new()) } else { find_monitors(part).await } },
    );
    // A saved parent is shown by name once it is known.
    let saved = fields.parent.get_untracked();
    if let Some(id) = MonitorRef::id_in(&saved).filter(|_| saved.starts_with('#')) {
        let named = Resource::new(move || id, get_monitor);
        Effect::new(move |_| {
            if let Some(Ok(parent)) = named.get()
                && fields.parent.get_untracked() == saved
            {
                fields.parent.set(MonitorRef { id: parent.id, name: parent.name }.label());
            }
        });
    }
    view! {
        <fieldset>
            <legend>"Depends on"</legend>
            <div class="grid-form">
                <label class="wide">
                    "Parent monitor (what this one needs to work)"
                    <input type="text" name="parent" list="parent-choices" autocomplete="off"
                        placeholder="Type a name, choose from the list; empty: none" bind:value=fields.parent />
                    <datalist id="parent-choices">
                        <Transition>
                            {move || Suspend::new(async move {
                                found.await.unwrap_or_default().into_iter()
                                    .filter(|choice| Some(choice.id) != exclude)
                                    .map(|choice| view! { <option value=choice.label()></option> })
                                    .collect_view()
                            })}
                        </Transition>
                    </datalist>
                    <FieldError error field="parent_id" />
                </label>
                <p class="muted small wide">
                    "While the parent is down, this monitor's outage joins the parent's incident instead of opening its own, and its alerts are held back."
                </p>
            </div>
        </fieldset>
    }
}

/// What a DNS monitor asks, and what the answer must hold.
#[component]
fn DnsFields(fields: Fields, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <TextField label="Name to resolve" field="host" value=fields.host error placeholder="example.com" />
        <label>
            "Record type"
            <select name="record_type" on:change=move |ev| {
                if let Some(kind) = DnsRecordType::parse(&event_target_value(&ev)) {
                    fields.record_type.set(kind);
                }
            }>
                {DnsRecordType::ALL.iter().map(|kind| {
                    let kind = *kind;
                    view! { <option value=kind.as_str() selected=move || fields.record_type.get() == kind>{kind.label()}</option> }
                }).collect_view()}
            </select>
        </label>
        <TextField label="DNS server (empty: the system's)" field="dns_server" value=fields.dns_server error placeholder="192.0.2.53 or 192.0.2.53:5353" />
        <label>
            "Over"
            <select name="dns_protocol" on:change=move |ev| fields.dns_protocol.set(
                if event_target_value(&ev) == "tcp" { DnsProtocol::Tcp } else { DnsProtocol::Udp },
            )>
                <option value="udp" selected=move || fields.dns_protocol.get() == DnsProtocol::Udp>"UDP"</option>
                <option value="tcp" selected=move || fields.dns_protocol.get() == DnsProtocol::Tcp>"TCP"</option>
            </select>
        </label>
        <label class="wide">
            "Expected values, one per line (empty: any answer will do)"
            <textarea rows="3" bind:value=fields.expected_values placeholder="192.0.2.10"></textarea>
            <FieldError error field="expected_values" />
        </label>
        <label>
            "The answer must hold"
            <select name="expected_match" on:change=move |ev| {
                if let Some(mode) = DnsMatch::parse(&event_target_value(&ev)) {
                    fields.expected_match.set(mode);
                }
            }>
                <option value="any" selected=move || fields.expected_match.get() == DnsMatch::Any>"any of them"</option>
                <option value="all" selected=move || fields.expected_match.get() == DnsMatch::All>"all of them"</option>
                <option value="none" selected=move || fields.expected_match.get() == DnsMatch::None>"none of them"</option>
            </select>
        </label>
    }
}

/// A heartbeat's new ping URL, shown whole this once, with the lines a job
/// adds to call it.
#[component]
pub fn PingUrlMade(id: i64, url: String) -> impl IntoView {
    let crontab = format!("0 2 * * * /usr/local/bin/backup.sh && curl -fsS -m 10 --retry 5 {url}");
    let report = format!(
        "0 2 * * * /usr/local/bin/backup.sh > /tmp/backup.log 2>&1; curl -fsS -m 10 --retry 5 --data-binary @/tmp/backup.log {url}/$?"
    );
    view! {
        <section class="card ping-made" role="status">
            <h2>"Ping URL"</h2>
            <p>"Copy it now: it is shown only this once (you can make a new one later)."</p>
            <p><code class="secret" data-testid="ping-url">{url}</code></p>
            <p class="muted small">"Call it when the job succeeds, for instance from crontab:"</p>
            <pre class="snippet">{crontab}</pre>
            <p class="muted small">
                "Add " <code>"/start"</code> " when a run begins (its duration is measured), " <code>"/fail"</code>
                " when it fails, or " <code>"/<exit code>"</code> " to report it; a POST body (the job's output, 10 KB kept) is shown on the monitor's page:"
            </p>
            <pre class="snippet">{report}</pre>
            <div class="form-actions">
                <a class="button primary" href=format!("/console/monitors/{id}")>"Done"</a>
            </div>
        </section>
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
