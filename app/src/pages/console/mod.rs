//! The console: the layout every console page shares, and its pages.

mod alerts;
mod audit;
mod incident_page;
mod incidents;
mod monitor_page;
mod monitor_picker;
mod monitors;
mod overview;
mod regions;
mod status_pages;
mod subscribers;
mod team;
mod tokens;

pub use alerts::{AlertsPage, ChannelDeliveriesPage};
pub use audit::AuditPage;
pub use incident_page::IncidentPage;
pub use incidents::{IncidentsPage, NewIncidentPage};
pub use monitor_page::MonitorPage;
pub use monitors::{EditMonitorPage, MonitorsPage, NewMonitorPage};
pub use overview::Overview;
pub use regions::RegionsPage;
pub use status_pages::StatusPagesPage;
pub use subscribers::SubscribersPage;
pub use team::TeamPage;
pub use tokens::TokensPage;

use crate::api::incidents::count_incidents;
use crate::api::session::{SignOut, current_user};
use crate::api::team::describe_server;
use crate::components::ticks;
use crate::error::AppError;
use crate::model::User;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use std::time::Duration;

/// The signed-in user, provided by [`ConsoleLayout`] to every console page.
pub type Viewer = Resource<Result<User, AppError>>;

pub fn use_viewer() -> Option<Viewer> {
    use_context::<Viewer>()
}

/// The signed-in user once loaded; `None` when signed out (or outside the console).
pub async fn viewer_user(viewer: Option<Viewer>) -> Option<User> {
    match viewer {
        Some(viewer) => viewer.await.ok(),
        None => None,
    }
}

/// Shows `children` to admins, and `refusal` to everyone else.
#[component]
pub fn AdminOnly(refusal: &'static str, children: ChildrenFn) -> impl IntoView {
    let viewer = use_viewer();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                if viewer_user(viewer).await.is_some_and(|user| user.is_admin()) {
                    children.read_value()().into_any()
                } else {
                    view! { <section class="card"><p>{refusal}</p></section> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let viewer: Viewer = Resource::new(|| (), |_| current_user());
    provide_context(viewer);
    crate::components::provide_viewer_zone();
    let sign_out = ServerAction::<SignOut>::new();
    let is_admin = move || viewer.get().and_then(Result::ok).is_some_and(|u| u.is_admin());
    // The navigation shows how many incidents are ongoing.
    let tick = ticks(Duration::from_secs(10));
    let counts = Resource::new(move || tick.get(), |_| count_incidents());
    // Admins see which version runs (and, on the overview, its backups).
    let info = Resource::new(is_admin, |admin| async move { if admin { describe_server().await.ok() } else { None } });
    provide_context(info);

    view! {
        <div class="console">
            <aside class="sidebar">
                <a class="brand" href="/console">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Vigie"
                </a>
                <nav aria-label="Console">
                    <A href="/console" exact=true>"Overview"</A>
                    <A href="/console/monitors">"Monitors"</A>
                    <A href="/console/incidents">
                        "Incidents"
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let counts = counts.await.unwrap_or_default();
                                (counts.ongoing > 0).then(|| view! {
                                    <span class="count" title=format!("{} ongoing, {} scheduled", counts.ongoing, counts.scheduled)>
                                        {counts.ongoing}
                                        <span class="sr-only">" ongoing"</span>
                                    </span>
                                })
                            })}
                        </Transition>
                    </A>
                    <A href="/console/alerts">"Alerts"</A>
                    <A href="/console/status-pages">"Status pages"</A>
                    <A href="/console/team">"Team"</A>
                    <Transition fallback=|| ()>
                        <Show when=is_admin>
                            <A href="/console/regions">"Regions"</A>
                            <A href="/console/tokens">"API tokens"</A>
                            <A href="/console/audit">"Audit log"</A>
                        </Show>
                    </Transition>
                </nav>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        info.await.map(|info| view! {
                            <p class="sidebar-foot">"Vigie " {info.version}</p>
                        })
                    })}
                </Transition>
            </aside>
            <div class="console-main">
                <header class="topbar">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match viewer.await {
                                Ok(user) => view! {
                                    <span class="whoami">
                                        <span class="whoami-name">{user.name.clone()}</span>
                                        <span class="badge">{user.role.as_str()}</span>
                                    </span>
                                }.into_any(),
                                Err(_) => view! {
                                    <a href="/login">"Sign in again"</a>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                    <ActionForm action=sign_out attr:class="inline">
                        <button type="submit" class="ghost">"Sign out"</button>
                    </ActionForm>
                </header>
                <main class="content">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}
