//! `/console/audit`: the audit log, for admins: who signed in (or failed to),
//! and who changed members, roles, tokens, regions, channels and status pages.

use super::AdminOnly;
use crate::api::team::{AUDIT_CONSOLE_PAGE, list_audit_events};
use crate::components::{ListCard, Time};
use crate::model::{AuditAction, AuditEvent, AuditVia};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <AdminOnly refusal="Only admins read the audit log.">
            <AuditLog />
        </AdminOnly>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let action = RwSignal::new(String::new());
    // The `before` of each page shown so far: the last is the current page.
    let pages = RwSignal::new(vec![None::<i64>]);
    let entries = Resource::new(
        move || (pages.with(|p| p.last().copied().flatten()), action.get()),
        |(before, action)| async move {
            let action = (!action.is_empty()).then_some(action);
            list_audit_events(before, action).await.map(|list| list.items)
        },
    );
    let pager = move || {
        view! {
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    // A full page may have older entries behind it.
                    let older = entries.await.ok().filter(|list| list.len() == AUDIT_CONSOLE_PAGE as usize)
                        .and_then(|list| list.last().map(|entry| entry.id));
                    let newer = pages.with(|p| p.len() > 1);
                    (newer || older.is_some()).then(|| view! {
                        <nav class="pager" aria-label="Pages">
                            <button type="button" class="ghost" disabled=!newer
                                on:click=move |_| pages.update(|p| { p.pop(); })>"Newer"</button>
                            <button type="button" class="ghost" disabled=older.is_none()
                                on:click=move |_| pages.update(|p| p.push(older))>"Older"</button>
                        </nav>
                    })
                })}
            </Transition>
        }
    };
    view! {
        <p class="muted">
            "Sign-ins, failed sign-ins, members, roles, API tokens, regions, alert channels and status pages: "
            "who did what, from where. Entries are kept 90 days."
        </p>
        <section class="card filters" aria-label="Filters">
            <label>
                "Action"
                <select on:change=move |ev| {
                    action.set(event_target_value(&ev));
                    pages.set(vec![None]);
                }>
                    <option value="">"Any"</option>
                    {AuditAction::ALL.iter().map(|a| view! { <option value=a.as_str()>{a.label()}</option> }).collect_view()}
                </select>
            </label>
        </section>
        <ListCard
            title="Entries"
            columns=&["When", "Action", "Subject", "Details", "By", "From"]
            empty="Nothing recorded yet."
            items=entries
            row=move |entry| view! { <AuditRow entry /> }
            footer=pager
        />
    }
}

#[component]
fn AuditRow(entry: AuditEvent) -> impl IntoView {
    let by = match (&entry.actor_email, entry.via) {
        (Some(email), AuditVia::Api) => format!("{email} (API token)"),
        (Some(email), _) => email.clone(),
        (None, AuditVia::CommandLine) => "command line".to_owned(),
        (None, _) => "not signed in".to_owned(),
    };
    let failed = entry.action == AuditAction::SignInFailed;
    let (no_details, no_address) = (entry.details.is_none(), entry.address.is_none());
    view! {
        <tr data-action=entry.action.as_str()>
            <td data-label="When"><Time at=entry.at /></td>
            <td data-label="Action">
                <span class="badge" class:failed=failed>{entry.action.label()}</span>
            </td>
            <td data-label="Subject">{entry.subject}</td>
            <td data-label="Details" class:blank=no_details>{entry.details.unwrap_or_default()}</td>
            <td data-label="By">{by}</td>
            <td data-label="From" class:blank=no_address>
                {match entry.address {
                    Some(address) => view! { <code>{address}</code> }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
        </tr>
    }
}
