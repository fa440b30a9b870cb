//! The public status page: a complete HTML document rendered on the server
//! with no script at all, so it works without JavaScript, loads fast and
//! can be cached whole. Only the sanitized HTML of public updates is
//! inserted as HTML; everything else is text.

use crate::model::{ComponentStatus, Impact, IncidentKind, IncidentState};
use crate::ssr::status_pages::read_model::{Day, PageInfo, PublicComponent, PublicIncident, PublicPage, mean_uptime};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

fn when(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %H:%M UTC").to_string()
}

/// A time in UTC; where scripts run, `/localtime.js` adds the visitor's own.
#[component]
fn When(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339() data-utc="">{when(at)}</time> }
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
    let maintenance = if day.maintenance { ", planned maintenance (not counted)" } else { "" };
    format!("{}: {uptime}{incidents}{maintenance}", day.date.format("%b %-d, %Y"))
}

fn day_class(day: &Day) -> &'static str {
    match day.uptime {
        // Maintenance is not downtime: a day of it shows as maintenance,
        // unless the rest of the day had trouble.
        Some(u) if day.maintenance && u >= 99.9 => "bar bar-maintenance",
        None if day.maintenance => "bar bar-maintenance",
        None => "bar bar-none",
        Some(u) if u >= 99.9 => "bar bar-up",
        Some(u) if u >= 99.0 => "bar bar-minor",
        Some(u) if u >= 95.0 => "bar bar-partial",
        Some(_) => "bar bar-major",
    }
}

#[component]
fn Component(component: PublicComponent) -> impl IntoView {
    let uptime = mean_uptime(&component.days).map_or("no data yet".to_owned(), |u| format!("{u:.2} % uptime"));
    view! {
        <li class="component">
            <div class="component-head">
                <h3>{component.name.clone()}</h3>
                <span class=format!("component-status cs-{}", component.status.as_str())>{component.status.label()}</span>
            </div>
            <ol class="bars" aria-label=format!("{}: uptime over the last 90 days", component.name)>
                {component.days.iter().map(|day| {
                    // The label is read by screen readers and shown as a tooltip on hover or tap.
                    view! { <li class=day_class(day)><span class="sr-only">{day_label(day)}</span></li> }
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
fn IncidentCard(incident: PublicIncident, slug: String) -> impl IntoView {
    let maintenance = incident.kind == IncidentKind::Maintenance;
    let cancelled = incident.state == IncidentState::Cancelled;
    let schedule = match (maintenance, incident.scheduled_start, incident.scheduled_end) {
        (true, Some(start), Some(end)) => {
            let (before, after) = match (cancelled, incident.reschedules.is_empty()) {
                (true, _) => ("Was scheduled ", "; cancelled"),
                (false, false) => ("Scheduled ", " (rescheduled)"),
                (false, true) => ("Scheduled ", ""),
            };
            Some(view! { {before} <When at=start /> " – " <When at=end /> {after} })
        }
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
    let class = if cancelled {
        "incident incident-cancelled".to_owned()
    } else {
        format!("incident incident-{}", incident.impact.as_str())
    };
    view! {
        <article class=class aria-labelledby=format!("incident-{}", incident.id)>
            <header>
                <h3 id=format!("incident-{}", incident.id)>
                    <a href=format!("/status/{slug}/incidents/{}", incident.id)>{incident.title.clone()}</a>
                </h3>
                <p class="muted small">
                    {state} " · " {if maintenance { "Planned maintenance" } else { impact_text(incident.impact) }}
                    {(!incident.components.is_empty()).then(|| format!(" · {}", incident.components.join(", ")))}
                </p>
                {schedule.map(|schedule| view! { <p class="small">{schedule}</p> })}
            </header>
            {(!incident.updates.is_empty()).then(|| view! {
                <ol class="public-updates">
                    {incident.updates.iter().map(|update| view! {
                        <li>
                            <p class="update-line">
                                <strong class="update-status">{update.status.as_str()}</strong>
                                " "
                                <When at=update.published_at />
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

/// A complete HTML document for one of `page`'s public views: its header,
/// `main` (already rendered), its footer, and links to its feeds.
pub(crate) fn document(page: &PageInfo, title: String, main: String) -> String {
    document_with(page, title, main, "")
}

/// [`document`], with `before` (already rendered) at the top of the body.
fn document_with(page: &PageInfo, title: String, main: String, before: &str) -> String {
    let slug = page.slug.clone();
    let accent =
        page.accent_color.clone().map(|c| format!("--accent: {c}; --accent-strong: {c}; --accent-text: #fff;"));
    let logo = page.logo_url.clone();
    let name = page.title.clone();
    let head = view! {
        <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <meta name="color-scheme" content="light dark" />
            <title>{title}</title>
            <link rel="icon" href="/favicon.ico" />
            <link rel="stylesheet" href=crate::ssr::site::stylesheet() />
            <link rel="alternate" type="application/rss+xml" title=format!("{name} (RSS)") href=format!("/status/{slug}/feed.rss") />
            <link rel="alternate" type="application/atom+xml" title=format!("{name} (Atom)") href=format!("/status/{slug}/feed.atom") />
            // The page is complete without it: it only adds local times.
            <script src="/localtime.js" defer></script>
        </head>
    }
    .to_html();
    let top = view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="status-header">
            {logo.map(|src| view! { <img class="status-logo" src=src alt="" /> })}
            <p class="status-name"><a href=format!("/status/{}", page.slug)>{page.title.clone()}</a></p>
            {page.allow_subscriptions.then(|| view! {
                <a class="subscribe-link" href=format!("/status/{}/subscribe", page.slug)>"Subscribe to updates"</a>
            })}
        </header>
    }
    .to_html();
    let bottom = view! {
        <footer class="status-footer muted small">
            <a href=format!("/status/{}/feed.rss", page.slug)>"RSS"</a> " · "
            <a href=format!("/status/{}/feed.atom", page.slug)>"Atom"</a> " · "
            "Powered by Vigie"
        </footer>
    }
    .to_html();
    let style = accent.map(|a| format!(" style=\"{a}\"")).unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"en\">{head}<body class=\"public-status\"{style}>{before}{top}\
         <main id=\"main\" class=\"status-main\">{main}</main>{bottom}</body></html>"
    )
}

/// The page as a complete HTML document.
pub fn render(page: PublicPage) -> String {
    let (row, title, main) = render_parts(page);
    document(&row, title, main)
}

/// The page as the team previews it: the same, with a notice on top.
pub fn render_preview(page: PublicPage) -> String {
    let published = page.page.published;
    let (row, title, main) = render_parts(page);
    let notice = if published {
        "Preview: this page is published."
    } else {
        "Preview: this page is not published; the public cannot see it."
    };
    let ribbon = format!("<div class=\"preview-ribbon\" role=\"note\">{notice}</div>");
    document_with(&row, title, main, &ribbon)
}

fn render_parts(page: PublicPage) -> (PageInfo, String, String) {
    let slug = page.page.slug.clone();
    let status = page.status;
    // To the minute, as shown: a page rendered again in the same minute is
    // the same page (the same ETag).
    let minute = page.generated_at.timestamp() - page.generated_at.timestamp().rem_euclid(60);
    let updated = DateTime::from_timestamp(minute, 0).unwrap_or(page.generated_at);
    let description = page.page.description.clone();
    let groups = grouped(page.components);
    let (active, maintenance, recent) = (page.active, page.maintenance, page.recent);
    let main = Owner::new().with(|| {
        view! {
            <h1 class="sr-only">{page.page.title.clone()}</h1>
            {(!description.is_empty()).then(|| view! { <p class="lead">{description.clone()}</p> })}
            <div class=format!("banner banner-{}", status.as_str()) role="status">
                <strong>{status.label()}</strong>
                <span class="small">"Updated " <When at=updated /></span>
            </div>
            {(!active.is_empty()).then(|| view! {
                <section aria-labelledby="active-heading">
                    <h2 id="active-heading">"Active incidents"</h2>
                    {active.into_iter().map(|incident| view! { <IncidentCard incident slug=slug.clone() /> }).collect_view()}
                </section>
            })}
            {(!maintenance.is_empty()).then(|| view! {
                <section aria-labelledby="maintenance-heading">
                    <h2 id="maintenance-heading">"Maintenance"</h2>
                    {maintenance.into_iter().map(|incident| view! { <IncidentCard incident slug=slug.clone() /> }).collect_view()}
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
                <p class="small"><a href=format!("/status/{}/history", page.page.slug)>"Incident history"</a></p>
                {if recent.is_empty() {
                    view! { <p class="muted">"No incidents in the last 14 days."</p> }.into_any()
                } else {
                    recent.into_iter().map(|incident| view! { <IncidentCard incident slug=slug.clone() /> }).collect_view().into_any()
                }}
            </section>
        }
        .to_html()
    });
    let title = format!("{} · {}", status.label(), page.page.title);
    (page.page, title, main)
}

/// One incident's public page.
pub fn render_incident(page: &PageInfo, incident: PublicIncident) -> String {
    let title = format!("{} · {}", incident.title, page.title);
    let slug = page.slug.clone();
    let main = Owner::new().with(|| {
        view! {
            <p class="crumbs"><a href=format!("/status/{slug}")>"← Current status"</a></p>
            <h1 class="incident-title">{incident.title.clone()}</h1>
            <IncidentCard incident slug=slug.clone() />
        }
        .to_html()
    });
    document(page, title, main)
}

/// One month of the page's history, with links to the months around it.
pub fn render_history(
    page: &PageInfo,
    month: chrono::NaiveDate,
    incidents: Vec<PublicIncident>,
    previous: chrono::NaiveDate,
    next: Option<chrono::NaiveDate>,
) -> String {
    let slug = page.slug.clone();
    let heading = month.format("%B %Y").to_string();
    let title = format!("History, {heading} · {}", page.title);
    let link = |m: chrono::NaiveDate| format!("/status/{slug}/history?month={}", m.format("%Y-%m"));
    let main = Owner::new().with(|| {
        view! {
            <p class="crumbs"><a href=format!("/status/{slug}")>"← Current status"</a></p>
            <h1 class="incident-title">"Incident history"</h1>
            <nav class="month-nav" aria-label="Months">
                <a href=link(previous) rel="prev">{format!("← {}", previous.format("%B %Y"))}</a>
                <h2>{heading.clone()}</h2>
                {match next {
                    Some(n) => view! { <a href=link(n) rel="next">{format!("{} →", n.format("%B %Y"))}</a> }.into_any(),
                    None => view! { <span></span> }.into_any(),
                }}
            </nav>
            {if incidents.is_empty() {
                view! { <p class="muted">"No incidents this month."</p> }.into_any()
            } else {
                incidents.into_iter().map(|incident| view! { <IncidentCard incident slug=slug.clone() /> }).collect_view().into_any()
            }}
        }
        .to_html()
    });
    document(page, title, main)
}
