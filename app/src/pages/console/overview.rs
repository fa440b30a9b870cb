//! `/console`: the overview. What a person opening the console wants first:
//! monitors by status, ongoing incidents, maintenance, the latest changes,
//! regions and expiring certificates (and, for admins, the server itself).

use super::incidents::{ImpactBadge, StateBadge, duration_text};
use super::monitors::{StatusBadge, status_chips};
use crate::api::overview::console_overview;
use crate::components::{Time, ticks};
use crate::model::{BackupReport, Incident, OverviewReport, ServerInfo};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;
use std::time::Duration;

/// How often the overview asks for fresh figures.
const REFRESH: Duration = Duration::from_secs(10);

/// An agent not heard from for this long is marked silent.
const SILENT_AFTER_MINUTES: i64 = 5;

#[component]
pub fn Overview() -> impl IntoView {
    let tick = ticks(REFRESH);
    let report = Resource::new(move || tick.get(), |_| console_overview());
    view! {
        <Title text="Overview" />
        <h1>"Overview"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Report report /> }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <div class="cards">
            <ServerCard />
        </div>
    }
}

#[component]
fn Report(report: OverviewReport) -> impl IntoView {
    let now = Utc::now();
    let monitors = if report.counts.total() == 0 {
        view! {
            <section class="card notice-inline">
                <p>"No monitors yet. " <a href="/console/monitors/new">"Create the first one"</a> "."</p>
            </section>
        }
        .into_any()
    } else {
        status_chips(&ParamsMap::new(), &report.counts, false).into_any()
    };
    let more = report.incidents_total.saturating_sub(report.incidents.len() as u32);
    let incidents = report.incidents.into_iter().map(|incident| view! { <IncidentItem incident now /> }).collect();
    let maintenance = report.maintenance.into_iter().map(|incident| view! { <MaintenanceItem incident /> }).collect();
    let changes = report
        .changes
        .into_iter()
        .map(|change| {
            view! {
                <li>
                    <a href=format!("/console/monitors/{}", change.monitor.id)>{change.monitor.name}</a>
                    <StatusBadge status=change.status />
                    <span class="muted small"><Time at=change.at /></span>
                </li>
            }
        })
        .collect();
    let regions = report
        .regions
        .into_iter()
        .map(|region| {
            let heard = heard_from(region.builtin, region.last_seen_at, now);
            view! {
                <li data-region=region.name.clone()>
                    <strong>{region.name.clone()}</strong>
                    <span class="muted small">{format!("{} monitors", region.monitors)}</span>
                    {heard}
                </li>
            }
        })
        .collect();
    let certificates = report
        .certificates
        .into_iter()
        .map(|certificate| {
            let expired = certificate.expires_at <= now;
            view! {
                <li>
                    <a href=format!("/console/monitors/{}", certificate.monitor.id)>{certificate.monitor.name}</a>
                    <span class=if expired { "warning small" } else { "muted small" }>
                        {if expired { "expired " } else { "expires " }}<Time at=certificate.expires_at />
                    </span>
                </li>
            }
        })
        .collect();
    view! {
        <section aria-label="Monitors by status">{monitors}</section>
        <div class="cards overview">
            <section class="card" aria-labelledby="ongoing-incidents">
                <h2 id="ongoing-incidents">"Ongoing incidents"</h2>
                {listed("None: every monitor is answering.", incidents)}
                {(more > 0).then(|| view! { <p><a href="/console/incidents">{format!("and {more} more")}</a></p> })}
            </section>
            <section class="card" aria-labelledby="maintenance">
                <h2 id="maintenance">"Maintenance"</h2>
                {listed("None in progress or announced.", maintenance)}
            </section>
            <section class="card" aria-labelledby="latest-changes">
                <h2 id="latest-changes">"Latest changes"</h2>
                {listed("No monitor has changed status yet.", changes)}
            </section>
            <section class="card" aria-labelledby="overview-regions">
                <h2 id="overview-regions">"Regions"</h2>
                {listed("No region yet.", regions)}
                <p><a href="/console/regions">"Manage regions"</a></p>
            </section>
            <section class="card" aria-labelledby="certificates">
                <h2 id="certificates">"Certificates expiring"</h2>
                {listed("None within their warning window.", certificates)}
            </section>
        </div>
    }
}

/// The items of a card as a list, or `empty` when there are none.
fn listed<V: IntoView + 'static>(empty: &'static str, items: Vec<V>) -> AnyView {
    if items.is_empty() {
        view! { <p class="muted">{empty}</p> }.into_any()
    } else {
        view! { <ul class="overview-list">{items}</ul> }.into_any()
    }
}

#[component]
fn IncidentItem(incident: Incident, now: DateTime<Utc>) -> impl IntoView {
    let duration = duration_text(&incident, now).map(|d| format!("for {d}"));
    view! {
        <li>
            <a href=format!("/console/incidents/{}", incident.id)>{incident.title.clone()}</a>
            <ImpactBadge impact=incident.impact />
            <span class="muted small">{duration}</span>
        </li>
    }
}

#[component]
fn MaintenanceItem(incident: Incident) -> impl IntoView {
    let window = incident.scheduled_start.map(|start| {
        view! { <span class="muted small"><Time at=start />{incident.scheduled_end.map(|end| view! { " – " <Time at=end /> })}</span> }
    });
    view! {
        <li>
            <a href=format!("/console/incidents/{}", incident.id)>{incident.title.clone()}</a>
            <StateBadge state=incident.state />
            {window}
        </li>
    }
}

/// When a region was last heard from: this server's own always is; an
/// agent silent for a while is marked.
fn heard_from(builtin: bool, last_seen_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> impl IntoView + use<> {
    match (builtin, last_seen_at) {
        (true, _) => view! { <span class="muted small">"this server"</span> }.into_any(),
        (false, Some(at)) if now - at > chrono::Duration::minutes(SILENT_AFTER_MINUTES) => {
            view! { <span class="warning small">"silent since " <Time at /></span> }.into_any()
        }
        (false, Some(at)) => view! { <span class="muted small">"heard " <Time at /></span> }.into_any(),
        (false, None) => view! { <span class="warning small">"never heard from"</span> }.into_any(),
    }
}

/// What admins are told about the server: its version and its backups.
#[component]
fn ServerCard() -> impl IntoView {
    let info = use_context::<Resource<Option<ServerInfo>>>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let info = match info {
                    Some(info) => info.await,
                    None => None,
                };
                info.map(|info| view! {
                    <section class="card server-card">
                        <h2>"This server"</h2>
                        <p>"Vigie " {info.version}</p>
                        {match info.backups {
                            Some(report) => view! { <Backups report /> }.into_any(),
                            None => view! {
                                <p class="muted">"Scheduled backups are off: set " <code>"VIGIE_BACKUP_DIR"</code>
                                    " to keep a copy of the database every day. "
                                    <code>"vigie backup"</code> " makes one now."</p>
                            }.into_any(),
                        }}
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
fn Backups(report: BackupReport) -> impl IntoView {
    let failure = report.failing.then(|| {
        let error = report.last_error.clone().unwrap_or_default();
        view! {
            <p class="form-error" role="alert">
                "The last backup failed"
                {report.last_failure_at.map(|at| view! { " " <Time at /> })}
                ": " {error}
            </p>
        }
    });
    let last = match (report.last_success_at, report.last_file.clone()) {
        (Some(at), Some(file)) => view! {
            <p>"Last backup " <Time at /> ", " {megabytes(report.last_bytes.unwrap_or_default())}
                ": " <code class="path">{file}</code></p>
        }
        .into_any(),
        _ => view! { <p class="muted">"No backup made since the server started."</p> }.into_any(),
    };
    view! {
        {failure}
        {last}
        <p class="muted">"One a day into " <code class="path">{report.dir}</code> ", the newest "
            {report.keep} " kept."</p>
    }
}

fn megabytes(bytes: u64) -> String {
    match bytes {
        0..1_000_000 => format!("{:.0} KB", (bytes as f64 / 1e3).ceil()),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}
