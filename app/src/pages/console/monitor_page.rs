//! `/console/monitors/:id`: a monitor's state per region, uptime, response
//! times over 24 hours and its recent checks. Refreshes itself.

use super::monitors::{PingUrlMade, StatusBadge};
use crate::api::monitors::{NewPingUrl, monitor_page};
use crate::components::{ConfirmButton, FormError, Managed, ManagedMark, Time, format_time, managed_one, ticks};
use crate::error::AppError;
use crate::model::{CheckOutcome, HeartbeatReport, LatencyPoint, Monitor, MonitorDetails, MonitorKind, MonitorStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

const REFRESH: Duration = Duration::from_secs(5);

#[component]
pub fn MonitorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok());
    let tick = ticks(REFRESH);
    // Kept above the refreshing view, so a new ping URL stays on screen.
    let renew = ServerAction::<NewPingUrl>::new();
    let managed = managed_one("monitor", id);
    let details = Resource::new(
        move || (id(), tick.get()),
        |(id, _)| async move {
            match id {
                Some(id) => monitor_page(id).await,
                None => Err(AppError::not_found("monitor")),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(details) => view! { <Details details renew managed /> }.into_any(),
                    Err(error) => view! {
                        <Title text="Monitor" />
                        <h1>"Monitor"</h1>
                        <p class="form-error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "no data".to_owned(), |v| format!("{v:.2} %"))
}

#[component]
fn Details(details: MonitorDetails, renew: ServerAction<NewPingUrl>, managed: Managed) -> impl IntoView {
    let monitor = details.monitor;
    let id = monitor.id;
    let heartbeat = monitor.kind == MonitorKind::Heartbeat;
    let summary = if heartbeat {
        format!(" · grace {}", crate::model::period_text(monitor.grace_seconds.unwrap_or_default()))
    } else {
        format!(" · every {} s", monitor.interval_seconds)
    };
    let slowness = monitor.degraded_after_ms.map(|ms| format!(" · slow above {ms} ms"));
    let slow_above = monitor.degraded_after_ms;
    view! {
        <Title text=monitor.name.clone() />
        <div class="page-head">
            <h1>{monitor.name.clone()} " " <StatusBadge status=monitor.status /> <ManagedMark managed id /></h1>
            <a class="button" href=format!("/console/monitors/{id}/edit")>"Edit"</a>
        </div>
        <p class="muted">
            <code>{monitor.target()}</code> {summary} {slowness}
            {details.parent.map(|parent| view! {
                " · depends on " <a href=format!("/console/monitors/{}", parent.id) data-testid="parent">{parent.name}</a>
            })}
        </p>
        {details.heartbeat.map(|report| view! { <HeartbeatCard monitor=monitor.clone() report renew /> })}
        {details.certificate_expires_at.map(|at| {
            let class = if details.certificate_expiring { "cert cert-expiring" } else { "cert muted" };
            view! {
                <p class=class data-testid="certificate">
                    {if details.certificate_expiring { "Certificate expiring soon: " } else { "Certificate valid until " }}
                    <Time at />
                </p>
            }
        })}
        <div class="cards stats">
            {["24 hours", "7 days", "30 days"].into_iter().zip(details.uptime).map(|(label, value)| view! {
                <section class="card stat">
                    <h2>{format!("Uptime, {label}")}</h2>
                    <p class="stat-value">{percent(value)}</p>
                </section>
            }).collect_view()}
        </div>
        <section class="card" hidden=heartbeat>
            <h2>"Regions"</h2>
            <ul class="regions">
                {details.regions.into_iter().map(|report| {
                    let status = MonitorStatus::parse(&report.state);
                    view! {
                        <li data-region=report.region.clone()>
                            <strong>{report.region.clone()}</strong>
                            {match status {
                                Some(status) => view! { <StatusBadge status /> }.into_any(),
                                None => view! { <span class="status status-nodata">"no data"</span> }.into_any(),
                            }}
                            <span class="muted">{report.last_result_at.map_or_else(|| "no check yet".to_owned(), |at| format!("last check {}", format_time(at)))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card">
            <h2>{if heartbeat { "Run durations, 24 hours" } else { "Response time, 24 hours" }}</h2>
            <LatencyChart points=details.latency />
        </section>
        <section class="card">
            <h2>"Recent checks"</h2>
            {if details.recent.is_empty() {
                view! { <p class="muted">"No checks yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="checks-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Time"</th>
                                    <th scope="col">{if heartbeat { "From" } else { "Region" }}</th>
                                    <th scope="col">"Result"</th>
                                    <th scope="col">"Duration"</th>
                                    <th scope="col">{if heartbeat { "Exit code" } else { "Status code" }}</th>
                                    <th scope="col">{if heartbeat { "Output" } else { "Message" }}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {details.recent.into_iter().map(|check| {
                                    let up = check.outcome == CheckOutcome::Up;
                                    let slow = up && slow_above.is_some_and(|limit| check.duration_ms > limit);
                                    let result = match check.failure {
                                        Some(failure) => failure.as_str().to_owned(),
                                        None if slow => "slow".to_owned(),
                                        None if up => "up".to_owned(),
                                        None => "down".to_owned(),
                                    };
                                    let badge = match (up, slow) {
                                        (true, true) => "status status-degraded",
                                        (true, false) => "status status-up",
                                        (false, _) => "status status-down",
                                    };
                                    let (origin, code) = if heartbeat {
                                        (check.source.unwrap_or_else(|| "Vigie".to_owned()), check.exit_code.map(|c| c.to_string()))
                                    } else {
                                        (check.region, check.status_code.map(|c| c.to_string()))
                                    };
                                    let message = if heartbeat {
                                        view! { <pre class="job-output">{check.message}</pre> }.into_any()
                                    } else {
                                        view! { {check.message} }.into_any()
                                    };
                                    view! {
                                        <tr class=if up { "check-up" } else { "check-down" }>
                                            <td><Time at=check.checked_at /></td>
                                            <td data-label=if heartbeat { "From" } else { "Region" }>{origin}</td>
                                            <td><span class=badge>{result}</span></td>
                                            <td data-label="Duration">{duration_text(check.duration_ms)}</td>
                                            <td data-label=if heartbeat { "Exit code" } else { "Status code" }>{code.unwrap_or_default()}</td>
                                            <td class="message">{message}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// A check's or a run's duration: milliseconds, or seconds and more for long runs.
fn duration_text(ms: u32) -> String {
    if ms < 10_000 { format!("{ms} ms") } else { crate::model::period_text(ms / 1000) }
}

/// Where a heartbeat's job stands, its ping URL (masked) and a way to make
/// a new one.
#[component]
fn HeartbeatCard(monitor: Monitor, report: HeartbeatReport, renew: ServerAction<NewPingUrl>) -> impl IntoView {
    let id = monitor.id;
    let made = Signal::derive(move || renew.value().get().and_then(Result::ok).and_then(|m| m.ping_url));
    let error = Signal::derive(move || renew.value().get().and_then(Result::err));
    let masked = monitor.ping_url.clone().unwrap_or_default();
    view! {
        <section class="card heartbeat" data-testid="heartbeat">
            <h2>"Heartbeat"</h2>
            <dl class="facts">
                <dt>"Last ping"</dt>
                <dd>{match report.last_ping_at { Some(at) => view! { <Time at /> }.into_any(), None => "none yet".into_any() }}</dd>
                {report.running_since.map(|at| view! { <dt>"Running since"</dt><dd><Time at /></dd> })}
                <dt>"Late if no ping by"</dt>
                <dd>{match report.deadline { Some(at) => view! { <Time at /> }.into_any(), None => "paused".into_any() }}</dd>
                <dt>"Ping URL"</dt>
                <dd><code class="secret">{masked}</code></dd>
            </dl>
            <FormError error />
            {move || match made.get() {
                Some(url) => view! { <PingUrlMade id url /> }.into_any(),
                None => view! {
                    <ConfirmButton label="New ping URL" confirm="Confirm: the old URL stops working" on_confirm=move || {
                        renew.dispatch(NewPingUrl { id });
                    } />
                }.into_any(),
            }}
        </section>
    }
}

/// Response times as a server-rendered SVG line; failed checks as red marks.
#[component]
fn LatencyChart(points: Vec<LatencyPoint>) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 140.0;
    if points.len() < 2 {
        return view! { <p class="muted">"Not enough checks yet."</p> }.into_any();
    }
    let first = points[0].at.timestamp_millis() as f64;
    let last = points[points.len() - 1].at.timestamp_millis() as f64;
    let span = (last - first).max(1.0);
    let max = points.iter().map(|p| p.duration_ms).max().unwrap_or(1).max(1) as f64;
    let x = |p: &LatencyPoint| (p.at.timestamp_millis() as f64 - first) / span * WIDTH;
    let y = |p: &LatencyPoint| HEIGHT - (p.duration_ms as f64 / max) * (HEIGHT - 10.0);
    let line: String = points.iter().map(|p| format!("{:.1},{:.1}", x(p), y(p))).collect::<Vec<_>>().join(" ");
    let failures: Vec<(f64, f64)> = points.iter().filter(|p| !p.up).map(|p| (x(p), y(p))).collect();
    let label = format!("Response times of the last {} checks: up to {} ms.", points.len(), max as u32);
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=label.clone()>
                <polyline points=line class="chart-line" fill="none" />
                {failures.into_iter().map(|(cx, cy)| view! {
                    <circle cx=format!("{cx:.1}") cy=format!("{cy:.1}") r="3" class="chart-failure" />
                }).collect_view()}
            </svg>
            <figcaption class="muted">{label}</figcaption>
        </figure>
    }
    .into_any()
}
