//! `/console/regions`: admins see where probes run from, create agent
//! regions (the token is shown once, with the command that starts the agent),
//! replace a token and delete unused regions.

use super::AdminOnly;
use crate::api::regions::{CreateRegion, DeleteRegion, RotateRegionToken, list_region_details};
use crate::components::{ConfirmButton, FieldError, FormError, ListCard, Time, general_error, last_error};
use crate::model::{CreatedRegion, Region};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RegionsPage() -> impl IntoView {
    view! {
        <Title text="Regions" />
        <h1>"Regions"</h1>
        <AdminOnly refusal="Only admins manage regions. Ask an admin of your team to add one.">
            <RegionManager />
        </AdminOnly>
    }
}

/// Where this console is served from, for the agent's `--server`.
fn server_origin() -> String {
    #[cfg(feature = "hydrate")]
    if let Ok(origin) = leptos::prelude::window().location().origin() {
        return origin;
    }
    "https://vigie.example.com".to_owned()
}

/// The token just given, with the command that starts the agent.
#[component]
fn NewToken(created: CreatedRegion, #[prop(into)] headline: String) -> impl IntoView {
    let command =
        format!("vigie agent --server {} --region {} --token {}", server_origin(), created.region.name, created.token);
    view! {
        <div class="callout" role="status">
            <p><strong>{headline}</strong>" Copy the token now: it will not be shown again. "
                "Run the agent where the probes should come from:"</p>
            <code class="secret" data-testid="agent-command">{command}</code>
        </div>
    }
}

#[component]
fn RegionManager() -> impl IntoView {
    let create = ServerAction::<CreateRegion>::new();
    let rotate = ServerAction::<RotateRegionToken>::new();
    let delete = ServerAction::<DeleteRegion>::new();
    let regions = Resource::new(
        move || (create.version().get(), rotate.version().get(), delete.version().get()),
        |_| list_region_details(),
    );
    let error = last_error(create.value());
    let rotate_error = last_error(rotate.value());
    let delete_error = last_error(delete.value());
    let row_error = Signal::derive(move || rotate_error.get().or_else(|| delete_error.get()));
    let created = move || create.value().get().and_then(Result::ok);
    let rotated = move || rotate.value().get().and_then(Result::ok);

    view! {
        <section class="card">
            <h2>"Add a region"</h2>
            <p class="muted">
                "A region probes from another place: run "<code>"vigie agent"</code>
                " there with the region's token. It fetches the region's monitors and sends back its results."
            </p>
            <ActionForm action=create attr:class="inline-form">
                <label>
                    "Name"
                    <input type="text" name="name" required maxlength="40" pattern="[a-z0-9][a-z0-9\\-]*"
                        placeholder="e.g. eu-west" autocomplete="off" />
                    <FieldError error field="name" />
                </label>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Add region"</button>
            </ActionForm>
            <FormError error=general_error(error, &["name"]) />
            {move || created().map(|created| {
                let headline = format!("Region “{}” added.", created.region.name);
                view! { <NewToken created headline /> }
            })}
        </section>
        <ListCard
            title="Regions"
            columns=&["Name", "Probed by", "Monitors", "Last heard from", ""]
            empty="No regions."
            items=regions
            row=move |region| view! { <RegionRow region rotate delete /> }
        >
            <FormError error=row_error />
            {move || rotated().map(|created| {
                let headline = format!("Region “{}” has a new token; the old one no longer works.", created.region.name);
                view! { <NewToken created headline /> }
            })}
        </ListCard>
    }
}

#[component]
fn RegionRow(
    region: Region,
    rotate: ServerAction<RotateRegionToken>,
    delete: ServerAction<DeleteRegion>,
) -> impl IntoView {
    let id = region.id;
    let last_seen = match (region.builtin, region.last_seen_at) {
        (true, _) => view! { <span class="muted">"—"</span> }.into_any(),
        (false, Some(at)) => view! { <Time at /> }.into_any(),
        (false, None) => view! { <span class="muted">"never"</span> }.into_any(),
    };
    view! {
        <tr data-region=region.name.clone()>
            <td><strong>{region.name.clone()}</strong></td>
            <td data-label="Probed by">{if region.builtin { "this server" } else { "an agent" }}</td>
            <td data-label="Monitors">{region.monitors}</td>
            <td data-label="Last heard from">{last_seen}</td>
            <td class="actions">
                {(!region.builtin).then(|| view! {
                    <ConfirmButton label="New token" confirm="Confirm new token" on_confirm=move || {
                        rotate.dispatch(RotateRegionToken { id });
                    } />
                    <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || {
                        delete.dispatch(DeleteRegion { id });
                    } />
                })}
            </td>
        </tr>
    }
}
