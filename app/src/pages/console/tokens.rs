//! `/console/tokens`: admins create (shown once), list and revoke API tokens.

use super::AdminOnly;
use crate::api::tokens::{CreateToken, RevokeToken, list_tokens};
use crate::components::{ConfirmButton, FieldError, FormError, ListCard, Time, general_error, last_error};
use crate::model::ApiToken;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TokensPage() -> impl IntoView {
    view! {
        <Title text="API tokens" />
        <h1>"API tokens"</h1>
        <AdminOnly refusal="Only admins manage API tokens. Ask an admin of your team for one.">
            <TokenManager />
        </AdminOnly>
    }
}

/// Creating, listing and revoking tokens (admins).
#[component]
fn TokenManager() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    let error = last_error(create.value());
    let created = move || create.value().get().and_then(Result::ok);
    let revoke_error = last_error(revoke.value());

    view! {
        <section class="card">
            <h2>"Create a token"</h2>
            <p class="muted">
                "A token acts as you on the REST API: send it as "
                <code>"Authorization: Bearer <token>"</code> "."
            </p>
            <ActionForm action=create attr:class="inline-form">
                <label>
                    "Name"
                    <input type="text" name="name" required maxlength="100" placeholder="e.g. deploy script" autocomplete="off" />
                    <FieldError error field="name" />
                </label>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create token"</button>
            </ActionForm>
            <FormError error=general_error(error, &["name"]) />
            {move || created().map(|created| view! {
                <div class="callout" role="status">
                    <p><strong>{format!("Token “{}” created.", created.token.name)}</strong>
                        " Copy it now: it will not be shown again."</p>
                    <code class="secret" data-testid="new-token">{created.secret}</code>
                </div>
            })}
        </section>
        <ListCard
            title="Active tokens"
            columns=&["Name", "Token", "Owner", "Created", "Last used", ""]
            empty="No tokens yet."
            items=tokens
            row=move |token| view! { <TokenRow token revoke /> }
        >
            <FormError error=revoke_error />
        </ListCard>
    }
}

#[component]
fn TokenRow(token: ApiToken, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let id = token.id;
    view! {
        <tr data-token-name=token.name.clone()>
            <td>{token.name.clone()}</td>
            <td data-label="Token"><code>{format!("{}…", token.prefix)}</code></td>
            <td data-label="Owner">{token.owner_name.clone()}</td>
            <td data-label="Created"><Time at=token.created_at /></td>
            <td data-label="Last used">{match token.last_used_at {
                Some(at) => view! { <Time at /> }.into_any(),
                None => view! { <span class="muted">"never"</span> }.into_any(),
            }}</td>
            <td class="actions">
                <ConfirmButton label="Revoke" confirm="Confirm revoke" on_confirm=move || {
                    revoke.dispatch(RevokeToken { id });
                } />
            </td>
        </tr>
    }
}
