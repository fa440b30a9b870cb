//! The public status page: a complete HTML document rendered on the server
//! with no script at all, so it works without JavaScript, loads fast and
//! can be cached whole. Only the sanitized HTML of public updates is
//! inserted as HTML; everything else is text.

use crate::model::{ComponentStatus, Impact, IncidentKind, IncidentState};
use crate::ssr::public_status::{Day, PublicComponent, PublicIncident, PublicPage};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

fn when(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %H:%M UTC").to_string()
}

fn day_label(day: &Day) -> String {
    let uptime = match day.uptime {
        Some(u) if u >= 99.995 => "100 % uptime".to_owned(),
        Some(u) => format!("{u:.2} % uptime"),
        None => "no data".to_owned(),
    };
    let incidents = match day.incidents {
        0 => String::new(),
        1 => ", 1 incident".to_owned(),
        n => format!(", {n} incidents"),
    };
    format!("{}: {uptime}{incidents}", day.date.format("%b %-d, %Y"))
}

fn day_class(day: &Day) -> &'static str {
    match day.uptime {
        None => "bar bar-none",
        Some(u) if u >= 99.9 => "bar bar-up",
        Some(u) if u >= 99.0 => "bar bar-minor",
        Some(u) if u >= 95.0 => "bar bar-partial",
        Some(_) => "bar bar-major",
    }
}

/// The uptime of the days that have data, for the summary under the bars.
fn overall_uptime(days: &[Day]) -> Option<f64> {
    let known: Vec<f64> = days.iter().filter_map(|d| d.uptime).collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

#[component]
fn Component(component: PublicComponent) -> impl IntoView {
    let uptime = overall_uptime(&component.days).map_or("no data yet".to_owned(), |u| format!("{u:.2} % uptime"));
    view! {
        <li class="component">
            <div class="component-head">
                <h3>{component.name.clone()}</h3>
                <span class=format!("component-status cs-{}", component.status.as_str())>{component.status.label()}</span>
            </div>
            <ol class="bars" aria-label=format!("{}: uptime over the last 90 days", component.name)>
                {component.days.iter().map(|day| {
                    let label = day_label(day);
                    let title = label.clone();
                    view! { <li class=day_class(day) title=title><span class="sr-only">{label}</span></li> }
                }).collect_view()}
            </ol>
            <div class="bars-legend muted small" aria-hidden="true">
                <span class="wide-only">"90 days ago"</span>
                <span class="narrow-only">"30 days ago"</span>
                <span>{uptime}</span>
                <span>"Today"</span>
            </div>
        </li>
    }
}

fn impact_text(impact: Impact) -> &'static str {
    ComponentStatus::of_impact(impact).label()
}

#[component]
fn IncidentCard(incident: PublicIncident) -> impl IntoView {
    let maintenance = incident.kind == IncidentKind::Maintenance;
    let schedule = match (maintenance, incident.scheduled_start, incident.scheduled_end) {
        (true, Some(start), Some(end)) => Some(format!("Scheduled {} – {}", when(start), when(end))),
        _ => None,
    };
    let state = match incident.state {
        IncidentState::Scheduled => "Scheduled",
        IncidentState::Ongoing if maintenance => "In progress",
        IncidentState::Ongoing => "Ongoing",
        IncidentState::Resolved if maintenance => "Completed",
        IncidentState::Resolved => "Resolved",
        IncidentState::Cancelled => "Cancelled",
    };
    view! {
        <article class=format!("incident incident-{}", incident.impact.as_str()) aria-labelledby=format!("incident-{}", incident.id)>
            <header>
                <h3 id=format!("incident-{}", incident.id)>{incident.title.clone()}</h3>
                <p class="muted small">
                    {state} " · " {impact_text(incident.impact)}
                    {(!incident.components.is_empty()).then(|| format!(" · {}", incident.components.join(", ")))}
                </p>
                {schedule.map(|text| view! { <p class="small">{text}</p> })}
            </header>
            {(!incident.updates.is_empty()).then(|| view! {
                <ol class="public-updates">
                    {incident.updates.iter().map(|update| view! {
                        <li>
                            <p class="update-line">
                                <strong class="update-status">{update.status.as_str()}</strong>
                                " "
                                <time datetime=update.published_at.to_rfc3339()>{when(update.published_at)}</time>
                            </p>
                            <div class="markdown" inner_html=update.body_html.clone()></div>
                        </li>
                    }).collect_view()}
                </ol>
            })}
        </article>
    }
}

/// Components in order, grouped where they have a group.
fn grouped(components: Vec<PublicComponent>) -> Vec<(Option<String>, Vec<PublicComponent>)> {
    let mut groups: Vec<(Option<String>, Vec<PublicComponent>)> = Vec::new();
    for component in components {
        match groups.iter_mut().find(|(g, _)| *g == component.group) {
            Some((_, list)) => list.push(component),
            None => groups.push((component.group.clone(), vec![component])),
        }
    }
    groups
}

/// The page as a complete HTML document.
pub fn render(page: PublicPage) -> String {
    let title = page.page.title.clone();
    let accent = page.page.accent_color.clone().map(|c| format!("--accent: {c}; --accent-strong: {c};"));
    let status = page.status;
    let updated = when(page.generated_at);
    let description = page.page.description.clone();
    let logo = page.page.logo_url.clone();
    let groups = grouped(page.components);
    let (active, maintenance, recent) = (page.active, page.maintenance, page.recent);
    let owner = Owner::new();
    let body = owner.with(|| {
        view! {
            <body class="public-status" style=accent>
                <a class="skip" href="#main">"Skip to content"</a>
                <header class="status-header">
                    {logo.map(|src| view! { <img class="status-logo" src=src alt="" /> })}
                    <h1>{title.clone()}</h1>
                </header>
                <main id="main" class="status-main">
                    {(!description.is_empty()).then(|| view! { <p class="lead">{description.clone()}</p> })}
                    <div class=format!("banner banner-{}", status.as_str()) role="status">
                        <strong>{status.label()}</strong>
                        <span class="small">"Updated " {updated}</span>
                    </div>
                    {(!active.is_empty()).then(|| view! {
                        <section aria-labelledby="active-heading">
                            <h2 id="active-heading">"Active incidents"</h2>
                            {active.into_iter().map(|incident| view! { <IncidentCard incident /> }).collect_view()}
                        </section>
                    })}
                    {(!maintenance.is_empty()).then(|| view! {
                        <section aria-labelledby="maintenance-heading">
                            <h2 id="maintenance-heading">"Maintenance"</h2>
                            {maintenance.into_iter().map(|incident| view! { <IncidentCard incident /> }).collect_view()}
                        </section>
                    })}
                    <section aria-labelledby="components-heading">
                        <h2 id="components-heading">"Components"</h2>
                        {groups.into_iter().map(|(group, list)| view! {
                            {group.map(|g| view! { <h3 class="group">{g}</h3> })}
                            <ul class="components">
                                {list.into_iter().map(|component| view! { <Component component /> }).collect_view()}
                            </ul>
                        }).collect_view()}
                    </section>
                    <section aria-labelledby="recent-heading">
                        <h2 id="recent-heading">"Past incidents"</h2>
                        {if recent.is_empty() {
                            view! { <p class="muted">"No incidents in the last 14 days."</p> }.into_any()
                        } else {
                            recent.into_iter().map(|incident| view! { <IncidentCard incident /> }).collect_view().into_any()
                        }}
                    </section>
                </main>
                <footer class="status-footer muted small">"Powered by Vigie"</footer>
            </body>
        }
        .to_html()
    });
    let head = view! {
        <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <meta name="color-scheme" content="light dark" />
            <title>{format!("{} · {}", status.label(), page.page.title)}</title>
            <link rel="icon" href="/favicon.ico" />
            <link rel="stylesheet" href="/pkg/vigie.css" />
        </head>
    }
    .to_html();
    format!("<!DOCTYPE html><html lang=\"en\">{head}{body}</html>")
}
