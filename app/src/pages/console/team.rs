//! `/console/team`: members, roles and one's own password.

use super::{use_viewer, viewer_user};
use crate::api::team::{AddMember, ChangePassword, ChangeRole, RemoveMember, list_members};
use crate::components::{ConfirmButton, FieldError, FormError, Time, general_error, last_error};
use crate::model::{Role, User};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TeamPage() -> impl IntoView {
    let viewer = use_viewer();
    let add = ServerAction::<AddMember>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let members = Resource::new(
        move || (add.version().get(), change_role.version().get(), remove.version().get()),
        |_| list_members(),
    );
    let table_error = Signal::derive(move || {
        let role_error = change_role.value().get().and_then(Result::err);
        role_error.or_else(|| remove.value().get().and_then(Result::err))
    });

    view! {
        <Title text="Team" />
        <h1>"Team"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let me = viewer_user(viewer).await;
                let is_admin = me.as_ref().is_some_and(User::is_admin);
                let my_id = me.as_ref().map(|u| u.id);
                match members.await {
                    Ok(list) => view! {
                        <section class="card">
                            <h2>"Members"</h2>
                            <FormError error=table_error />
                            <div class="table-wrap">
                                <table>
                                    <thead>
                                        <tr>
                                            <th scope="col">"Name"</th>
                                            <th scope="col">"Email"</th>
                                            <th scope="col">"Role"</th>
                                            <th scope="col">"Added"</th>
                                            {is_admin.then(|| view! { <th scope="col"><span class="sr-only">"Actions"</span></th> })}
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|member| {
                                            let is_me = Some(member.id) == my_id;
                                            view! { <MemberRow member is_admin is_me change_role remove /> }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                        {is_admin.then(|| view! { <AddMemberForm add /> })}
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <ChangePasswordForm />
    }
}

#[component]
fn MemberRow(
    member: User,
    is_admin: bool,
    is_me: bool,
    change_role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let id = member.id;
    let role_cell = if is_admin {
        let current = member.role;
        view! {
            <select
                aria-label=format!("Role of {}", member.name)
                on:change=move |ev| {
                    change_role.dispatch(ChangeRole { user_id: id, role: event_target_value(&ev) });
                }
            >
                {Role::ALL.iter().map(|&role| view! {
                    <option value=role.as_str() selected=role == current>{role.as_str()}</option>
                }).collect_view()}
            </select>
        }
        .into_any()
    } else {
        view! { <span class="badge">{member.role.as_str()}</span> }.into_any()
    };
    view! {
        <tr data-email=member.email.clone()>
            <td>{member.name.clone()} {is_me.then(|| view! { <span class="muted">" (you)"</span> })}</td>
            <td>{member.email.clone()}</td>
            <td data-label="Role">{role_cell}</td>
            <td data-label="Added"><Time at=member.created_at /></td>
            {is_admin.then(|| view! {
                <td class="actions">
                    {(!is_me).then(|| view! {
                        <ConfirmButton label="Remove" confirm="Confirm removal" on_confirm=move || {
                    remove.dispatch(RemoveMember { user_id: id });
                } />
                    })}
                </td>
            })}
        </tr>
    }
}

#[component]
fn AddMemberForm(add: ServerAction<AddMember>) -> impl IntoView {
    const FIELDS: &[&str] = &["email", "name", "role", "password"];
    let error = last_error(add.value());
    let added = move || add.value().get().and_then(Result::ok);
    view! {
        <section class="card">
            <h2>"Add a member"</h2>
            <p class="muted">"Give them the initial password; they can change it on this page."</p>
            <ActionForm action=add attr:class="grid-form">
                <label>
                    "Email"
                    <input type="email" name="email" required maxlength="254" autocomplete="off" />
                    <FieldError error field="email" />
                </label>
                <label>
                    "Name"
                    <input type="text" name="name" required maxlength="100" autocomplete="off" />
                    <FieldError error field="name" />
                </label>
                <label>
                    "Role"
                    <select name="role">
                        <option value="member" selected>"member"</option>
                        <option value="admin">"admin"</option>
                    </select>
                    <FieldError error field="role" />
                </label>
                <label>
                    "Initial password"
                    <input type="password" name="password" required minlength="10" autocomplete="new-password" />
                    <FieldError error field="password" />
                </label>
                <div class="form-actions">
                    <FormError error=general_error(error, FIELDS) />
                    {move || added().map(|user| view! {
                        <p class="form-ok" role="status">{format!("Added {}.", user.name)}</p>
                    })}
                    <button type="submit" class="primary" disabled=move || add.pending().get()>"Add member"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    const FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];
    let change = ServerAction::<ChangePassword>::new();
    let error = last_error(change.value());
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section class="card">
            <h2>"Your password"</h2>
            <p class="muted">"Changing it signs you out everywhere else."</p>
            <ActionForm action=change attr:class="grid-form">
                <label>
                    "Current password"
                    <input type="password" name="current_password" required autocomplete="current-password" />
                    <FieldError error field="current_password" />
                </label>
                <label>
                    "New password"
                    <input type="password" name="new_password" required minlength="10" autocomplete="new-password" />
                    <FieldError error field="new_password" />
                </label>
                <label>
                    "Repeat the new password"
                    <input type="password" name="confirm_password" required minlength="10" autocomplete="new-password" />
                    <FieldError error field="confirm_password" />
                </label>
                <div class="form-actions">
                    <FormError error=general_error(error, FIELDS) />
                    <Show when=done>
                        <p class="form-ok" role="status">"Password changed."</p>
                    </Show>
                    <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
                </div>
            </ActionForm>
        </section>
    }
}
