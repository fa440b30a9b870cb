use crate::api::session::SignIn;
use crate::components::FormError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/login`: email and password. The error never says which one was wrong.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || sign_in.value().get().and_then(Result::err);

    view! {
        <Title text="Sign in" />
        <main class="auth">
            <section class="card auth-card">
                <div class="brand brand-large">
                    <span class="brand-mark" aria-hidden="true"></span>
                    "Vigie"
                </div>
                <h1>"Sign in"</h1>
                <ActionForm action=sign_in attr:class="stack">
                    <input type="hidden" name="next" value=next />
                    <label>
                        "Email"
                        <input type="email" name="email" autocomplete="username" required autofocus />
                    </label>
                    <label>
                        "Password"
                        <input type="password" name="password" autocomplete="current-password" required />
                    </label>
                    <FormError error=Signal::derive(error) />
                    <button type="submit" class="primary" disabled=move || sign_in.pending().get()>
                        {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
