//! The HTML shell and the route tree: public pages, sign-in and the console.

use crate::pages::console::{
    AlertsPage, AuditPage, ChannelDeliveriesPage, ConsoleLayout, EditMonitorPage, IncidentPage, IncidentsPage,
    MonitorPage, MonitorsPage, NewIncidentPage, NewMonitorPage, Overview, RegionsPage, StatusPagesPage,
    SubscribersPage, TeamPage, TokensPage,
};
use crate::pages::{HomePage, LoginPage, NotFound};
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

/// The document around every page, rendered by the server only. The script
/// and stylesheet names carry a hash of their content (crate `site`).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    crate::ssr::security::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.ico" />
                <AutoReload options=options.clone() />
                <link rel="stylesheet" href=crate::ssr::site::stylesheet() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once the page is hydrated: mark it, so
    // tests (and styles) can tell a live page from the server's HTML.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|title: String| if title.is_empty() { "Vigie".to_owned() } else { format!("{title} · Vigie") } />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage />
                <Route path=path!("/login") view=LoginPage />
                <ParentRoute path=path!("/console") view=ConsoleLayout>
                    <Route path=path!("") view=Overview />
                    <Route path=path!("monitors") view=MonitorsPage />
                    <Route path=path!("monitors/new") view=NewMonitorPage />
                    <Route path=path!("monitors/:id") view=MonitorPage />
                    <Route path=path!("monitors/:id/edit") view=EditMonitorPage />
                    <Route path=path!("incidents") view=IncidentsPage />
                    <Route path=path!("incidents/new") view=NewIncidentPage />
                    <Route path=path!("incidents/:id") view=IncidentPage />
                    <Route path=path!("team") view=TeamPage />
                    <Route path=path!("regions") view=RegionsPage />
                    <Route path=path!("alerts") view=AlertsPage />
                    <Route path=path!("status-pages") view=StatusPagesPage />
                    <Route path=path!("status-pages/:id/subscribers") view=SubscribersPage />
                    <Route path=path!("alerts/channels/:id") view=ChannelDeliveriesPage />
                    <Route path=path!("tokens") view=TokensPage />
                    <Route path=path!("audit") view=AuditPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
