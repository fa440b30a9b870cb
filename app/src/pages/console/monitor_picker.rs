//! Choosing monitors by name in forms (an incident's, an alert rule's):
//! a search box whose first matches can be ticked, and the chosen ones
//! listed to take away. It never loads every monitor, so it stays quick
//! with thousands of them.

use crate::api::monitors::{find_monitors, name_monitors};
use crate::error::AppError;
use crate::model::MonitorRef;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// The names of monitors chosen before a form opened, asked once.
pub fn named_monitors(ids: Vec<i64>) -> Resource<Result<Vec<MonitorRef>, AppError>> {
    Resource::new(
        || (),
        move |_| {
            let ids = ids.clone();
            async move { if ids.is_empty() { Ok(Vec::new()) } else { name_monitors(ids).await } }
        },
    )
}

#[component]
pub fn MonitorPicker(chosen: RwSignal<Vec<i64>>) -> impl IntoView {
    // The names of chosen monitors: those ticked here, and those chosen
    // before (asked once).
    let names = RwSignal::new(BTreeMap::<i64, String>::new());
    let named = named_monitors(chosen.get_untracked());
    let search = RwSignal::new(String::new());
    let found = Resource::new(move || search.get(), find_monitors);
    let name_of = move |id: i64| names.with(|n| n.get(&id).cloned()).unwrap_or_else(|| format!("#{id}"));
    let toggle = move |monitor: &MonitorRef, on: bool| {
        names.update(|n| {
            n.insert(monitor.id, monitor.name.clone());
        });
        let id = monitor.id;
        chosen.update(|list| {
            list.retain(|x| *x != id);
            if on {
                list.push(id);
            }
        });
    };
    view! {
        <div class="monitor-picker">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    if let Ok(list) = named.await {
                        names.update(|n| n.extend(list.into_iter().map(|m| (m.id, m.name))));
                    }
                })}
            </Transition>
            <Show when=move || !chosen.with(Vec::is_empty)
                fallback=|| view! { <p class="muted small">"None chosen yet."</p> }>
                <ul class="chosen-monitors" aria-label="Chosen monitors">
                    <For each=move || chosen.get() key=|id| *id let(id)>
                        <li class="tag">
                            {move || name_of(id)}
                            <button type="button" class="ghost" aria-label=move || format!("Take away {}", name_of(id))
                                on:click=move |_| chosen.update(|list| list.retain(|x| *x != id))>"×"</button>
                        </li>
                    </For>
                </ul>
            </Show>
            <input type="search" aria-label="Find monitors" placeholder="Find monitors by name" autocomplete="off"
                bind:value=search />
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted small">"No monitor has that in its name."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <div class="checks">
                                {list.into_iter().map(|monitor| {
                                    let id = monitor.id;
                                    let label = monitor.name.clone();
                                    view! {
                                        <label class="check">
                                            <input type="checkbox"
                                                prop:checked=move || chosen.with(|list| list.contains(&id))
                                                on:change=move |ev| toggle(&monitor, event_target_checked(&ev)) />
                                            {label}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                        }.into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
