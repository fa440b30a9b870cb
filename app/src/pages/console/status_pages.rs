//! `/console/status-pages`: the public pages — which monitors they show,
//! under which names and groups, in which order, and how they look. A page
//! can be previewed (`/console/status-pages/{id}/preview`) before it is
//! published.

use super::monitor_picker::named_monitors;
use crate::api::monitors::find_monitors;
use crate::api::status_pages::{DeleteStatusPage, SaveStatusPage, list_status_pages};
use crate::components::{
    ConfirmButton, FieldError, FormError, ListCard, Managed, ManagedMark, general_error, last_error, managed_all,
};
use crate::model::status_page_limits::{DESCRIPTION_MAX, NAME_MAX, TITLE_MAX};
use crate::model::{MonitorRef, PageComponent, StatusPage, StatusPageInput};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StatusPagesPage() -> impl IntoView {
    let save = ServerAction::<SaveStatusPage>::new();
    let delete = ServerAction::<DeleteStatusPage>::new();
    let pages = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_status_pages());
    // `Some(None)`: adding a page; `Some(Some(p))`: editing `p`.
    let editing = RwSignal::new(None::<Option<StatusPage>>);
    let delete_error = last_error(delete.value());
    let managed = managed_all("status_page");
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <Title text="Status pages" />
        <h1>"Status pages"</h1>
        <p class="lead muted">
            "Public pages show chosen monitors under public names, the incidents that affect them and their "
            "public updates, with RSS and Atom feeds and a Statuspage-compatible API. Comments and monitor "
            "details never appear on them."
        </p>
        <ListCard
            title="Pages"
            columns=&["Title", "Address", "Components", "State", ""]
            empty="No status page yet."
            items=pages
            action=move || view! {
                <button type="button" class="primary" on:click=move |_| editing.set(Some(None))
                    disabled=move || editing.get().is_some()>"Add page"</button>
            }
            row=move |page| {
                let id = page.id;
                let edit = page.clone();
                let address = format!("/status/{}", page.slug);
                view! {
                    <tr data-page=page.slug.clone()>
                        <td><strong>{page.title.clone()}</strong> <ManagedMark managed id /></td>
                        <td class="break">
                            <a href=address.clone()>{address.clone()}</a>
                            {page.is_default.then(|| view! { " " <span class="badge">"default"</span> })}
                            {page.custom_domain.clone().map(|d| view! { <div class="muted small">{d}</div> })}
                        </td>
                        <td data-label="Components">{page.components.len()}</td>
                        <td>
                            <span class=if page.published { "badge published" } else { "badge" }>
                                {if page.published { "published" } else { "draft" }}
                            </span>
                        </td>
                        <td class="actions">
                            <a class="button ghost" href=format!("/console/status-pages/{id}/preview")
                                target="_blank" rel="noopener">"Preview"</a>
                            <a class="button ghost" href=format!("/console/status-pages/{id}/subscribers")>"Subscribers"</a>
                            <button type="button" class="ghost"
                                on:click=move |_| editing.set(Some(Some(edit.clone())))>"Edit"</button>
                            <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || {
                                delete.dispatch(DeleteStatusPage { id });
                            } />
                        </td>
                    </tr>
                }
            }
        >
            {move || editing.get().map(|current| view! { <PageForm current save editing managed /> })}
            <FormError error=delete_error />
        </ListCard>
    }
}

const FIELDS: &[&str] = &["slug", "title", "description", "custom_domain", "logo_url", "accent_color", "components"];

/// One row of the component picker: a monitor, whether it is shown, and how.
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    monitor: MonitorRef,
    shown: RwSignal<bool>,
    name: RwSignal<String>,
    group: RwSignal<String>,
}

impl Choice {
    /// A monitor just added: shown, under its own name until changed.
    fn added(monitor: MonitorRef) -> Self {
        Self {
            name: RwSignal::new(monitor.name.clone()),
            monitor,
            shown: RwSignal::new(true),
            group: RwSignal::new(String::new()),
        }
    }
}

/// The page's components, in their order, with their monitors' names
/// (those whose monitor still exists).
fn choices(current: &[PageComponent], monitors: &[MonitorRef]) -> Vec<Choice> {
    current
        .iter()
        .filter_map(|c| {
            monitors.iter().find(|m| m.id == c.monitor_id).map(|m| Choice {
                monitor: m.clone(),
                shown: RwSignal::new(true),
                name: RwSignal::new(c.name.clone()),
                group: RwSignal::new(c.group.clone().unwrap_or_default()),
            })
        })
        .collect()
}

#[component]
fn PageForm(
    current: Option<StatusPage>,
    save: ServerAction<SaveStatusPage>,
    editing: RwSignal<Option<Option<StatusPage>>>,
    managed: Managed,
) -> impl IntoView {
    let id = current.as_ref().map(|p| p.id);
    let text = |f: fn(&StatusPage) -> Option<String>| RwSignal::new(current.as_ref().and_then(f).unwrap_or_default());
    let title = text(|p| Some(p.title.clone()));
    let slug = text(|p| Some(p.slug.clone()));
    let description = text(|p| Some(p.description.clone()));
    let domain = text(|p| p.custom_domain.clone());
    let logo = text(|p| p.logo_url.clone());
    let accent = text(|p| p.accent_color.clone());
    let is_default = RwSignal::new(current.as_ref().is_some_and(|p| p.is_default));
    let published = RwSignal::new(current.as_ref().is_some_and(|p| p.published));
    let subscriptions = RwSignal::new(current.as_ref().is_none_or(|p| p.allow_subscriptions));
    let existing = current.as_ref().map(|p| p.components.clone()).unwrap_or_default();
    let picked = RwSignal::new(Vec::<Choice>::new());
    let monitors = named_monitors(existing.iter().map(|c| c.monitor_id).collect());
    let search = RwSignal::new(String::new());
    let found = Resource::new(move || search.get(), find_monitors);
    let add = move |monitor: MonitorRef| {
        picked.update(|list| {
            if !list.iter().any(|c| c.monitor.id == monitor.id) {
                list.push(Choice::added(monitor));
            }
        });
    };
    let error = last_error(save.value());
    let optional = |s: RwSignal<String>| Some(Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let components = picked
            .get_untracked()
            .iter()
            .filter(|c| c.shown.get_untracked())
            .map(|c| PageComponent {
                monitor_id: c.monitor.id,
                name: c.name.get_untracked(),
                group: Some(c.group.get_untracked()).filter(|g| !g.trim().is_empty()),
            })
            .collect();
        let input = StatusPageInput {
            slug: Some(slug.get_untracked()),
            title: Some(title.get_untracked()),
            description: Some(description.get_untracked()),
            is_default: Some(is_default.get_untracked()),
            published: Some(published.get_untracked()),
            allow_subscriptions: Some(subscriptions.get_untracked()),
            custom_domain: optional(domain),
            logo_url: optional(logo),
            accent_color: optional(accent),
            components: Some(components),
        };
        save.dispatch(SaveStatusPage { id, input });
    };
    let move_by = move |index: usize, up: bool| {
        picked.update(|list| {
            let other = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < list.len()) };
            if let Some(other) = other {
                list.swap(index, other);
            }
        });
    };
    view! {
        <form class="subcard" on:submit=on_submit novalidate aria-label=if id.is_some() { "Edit page" } else { "Add page" }>
            {id.map(|id| view! { <ManagedMark managed id warn=true what="status page" /> })}
            <div class="grid-form">
                <label>
                    "Title"
                    <input type="text" bind:value=title maxlength=TITLE_MAX.to_string() placeholder="e.g. Acme status" />
                    <FieldError error field="title" />
                </label>
                <label>
                    "Slug"
                    <input type="text" bind:value=slug maxlength="63" placeholder="e.g. acme" autocomplete="off" />
                    <span class="hint">"The page is at /status/<slug>."</span>
                    <FieldError error field="slug" />
                </label>
                <label class="wide">
                    "Description"
                    <textarea rows="2" bind:value=description maxlength=DESCRIPTION_MAX.to_string()></textarea>
                    <FieldError error field="description" />
                </label>
                <label>
                    "Custom domain"
                    <input type="text" bind:value=domain placeholder="status.example.com" autocomplete="off" />
                    <span class="hint">"Requests for this host get this page at /."</span>
                    <FieldError error field="custom_domain" />
                </label>
                <label>
                    "Logo URL"
                    <input type="url" bind:value=logo placeholder="https://…" />
                    <FieldError error field="logo_url" />
                </label>
                <label>
                    "Accent colour"
                    <input type="text" bind:value=accent placeholder="#0f766e" maxlength="7" />
                    <FieldError error field="accent_color" />
                </label>
            </div>
            <div class="checks">
                <label class="check"><input type="checkbox" bind:checked=published /> "Published"</label>
                <label class="check"><input type="checkbox" bind:checked=is_default /> "Default page (served at /)"</label>
                <label class="check"><input type="checkbox" bind:checked=subscriptions /> "Visitors may subscribe (email, webhook)"</label>
            </div>
            <fieldset>
                <legend>"Components"</legend>
                <p class="hint">"Add the monitors to show; the public sees the name and group given here, never the monitor's own. Untick one to take it off the page."</p>
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new({
                        let existing = existing.clone();
                        async move {
                            let list = monitors.await.unwrap_or_default();
                            if picked.get_untracked().is_empty() {
                                picked.set(choices(&existing, &list));
                            }
                            view! {
                                <ol class="component-picker">
                                    <For each=move || picked.get().into_iter().enumerate() key=|(i, c)| (*i, c.monitor.id) let((index, choice))>
                                        <li>
                                            <label class="check">
                                                <input type="checkbox" bind:checked=choice.shown />
                                                <span class="muted small">{choice.monitor.name.clone()}</span>
                                            </label>
                                            <input type="text" aria-label=format!("Public name of {}", choice.monitor.name)
                                                bind:value=choice.name maxlength=NAME_MAX.to_string() />
                                            <input type="text" aria-label=format!("Group of {}", choice.monitor.name)
                                                bind:value=choice.group placeholder="group (optional)" maxlength=NAME_MAX.to_string() />
                                            <span class="order">
                                                <button type="button" class="ghost" aria-label=format!("Move {} up", choice.monitor.name)
                                                    on:click=move |_| move_by(index, true)>"↑"</button>
                                                <button type="button" class="ghost" aria-label=format!("Move {} down", choice.monitor.name)
                                                    on:click=move |_| move_by(index, false)>"↓"</button>
                                            </span>
                                        </li>
                                    </For>
                                </ol>
                            }
                        }
                    })}
                </Transition>
                <div class="component-search">
                    <input type="search" aria-label="Find monitors" placeholder="Find a monitor to add" autocomplete="off"
                        bind:value=search />
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let list = found.await.unwrap_or_default();
                            view! {
                                <ul class="found-monitors">
                                    {list.into_iter().map(|monitor| {
                                        let id = monitor.id;
                                        let label = format!("Add {}", monitor.name);
                                        let name = monitor.name.clone();
                                        let on_page = move || picked.with(|list| list.iter().any(|c| c.monitor.id == id));
                                        view! {
                                            <li>
                                                <span>{name}</span>
                                                <button type="button" class="ghost" aria-label=label disabled=on_page
                                                    on:click=move |_| add(monitor.clone())>
                                                    {move || if on_page() { "Added" } else { "Add" }}
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }
                        })}
                    </Transition>
                </div>
                <FieldError error field="components" />
            </fieldset>
            <FormError error=general_error(error, FIELDS) />
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save page" } else { "Add page" }}
                </button>
                <button type="button" class="ghost" on:click=move |_| editing.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}
