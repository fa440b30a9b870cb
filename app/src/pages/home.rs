use leptos::prelude::*;
use leptos_meta::Title;

/// `/`: the default status page once one is published; until then, says so.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Status" />
        <main class="public">
            <section class="card notice">
                <h1>"No status page is published yet"</h1>
                <p>"This Vigie server has no public status page yet. Check back later."</p>
                <p class="muted">
                    "Team members can " <a href="/login">"sign in to the console"</a> "."
                </p>
            </section>
        </main>
    }
}
