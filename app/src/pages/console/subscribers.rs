//! `/console/status-pages/{id}/subscribers`: who follows a status page —
//! how many by state, the list (search, state, newest first), removing one,
//! CSV export and import, and a test message to oneself.

use crate::api::status_pages::{ImportSubscribers, RemoveSubscriber, SendSubscriberTest, list_subscribers};
use crate::components::{ConfirmButton, FormError, ListCard, Time, last_error};
use crate::model::{PageComponent, SentNotice, Subscriber, SubscriberKind, SubscriberOverview, SubscriberState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

fn components_of(subscriber: &Subscriber, components: &[PageComponent]) -> String {
    match &subscriber.monitor_ids {
        None => "Whole page".to_owned(),
        Some(ids) => ids
            .iter()
            .filter_map(|id| components.iter().find(|c| c.monitor_id == *id).map(|c| c.name.clone()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[component]
pub fn SubscribersPage() -> impl IntoView {
    let params = use_params_map();
    let page_id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let search = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    // The `before` of each page of the list shown so far: the last is the current one.
    let pages = RwSignal::new(vec![None::<i64>]);
    let remove = ServerAction::<RemoveSubscriber>::new();
    let import = ServerAction::<ImportSubscribers>::new();
    let overview = Resource::new(
        move || {
            (
                page_id(),
                search.get(),
                state.get(),
                pages.with(|p| p.last().copied().flatten()),
                remove.version().get(),
                import.version().get(),
            )
        },
        |(page_id, search, state, before, _, _)| async move {
            list_subscribers(page_id, search, SubscriberState::parse(&state), before).await
        },
    );
    let items = Resource::new(
        move || overview.get(),
        |overview| async move {
            match overview {
                Some(Ok(o)) => Ok(o.list.items.into_iter().map(|s| (s, o.components.clone())).collect::<Vec<_>>()),
                Some(Err(e)) => Err(e),
                None => Ok(Vec::new()),
            }
        },
    );
    let sent = Resource::new(
        move || overview.get(),
        |overview| async move {
            match overview {
                Some(Ok(o)) => Ok(o.sent),
                Some(Err(e)) => Err(e),
                None => Ok(Vec::new()),
            }
        },
    );
    let remove_error = last_error(remove.value());
    let pager = move || {
        view! {
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let older = overview.await.ok().and_then(|o| o.list.next);
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
    let heading =
        move || overview.get().and_then(Result::ok).map(|o: SubscriberOverview| (o.page_title, o.page_slug, o.counts));
    view! {
        <Title text="Subscribers" />
        <p class="crumbs"><a href="/console/status-pages">"← Status pages"</a></p>
        <h1>
            "Subscribers"
            {move || heading().map(|(title, _, _)| view! { <span class="muted">{format!(" · {title}")}</span> })}
        </h1>
        <p class="lead muted">
            "People and machines told by email or webhook when this page publishes an incident, an update or a "
            "maintenance. Email addresses confirm through a link before anything is sent to them."
        </p>
        {move || heading().map(|(_, slug, counts)| view! {
            <div class="counts" role="status">
                <span><strong>{counts.confirmed}</strong> " confirmed"</span>
                <span><strong>{counts.pending}</strong> " waiting for confirmation"</span>
                <span><strong>{counts.bounced}</strong> " bounced"</span>
                <a class="button ghost" href=format!("/status/{slug}/subscribe") target="_blank" rel="noopener">
                    "The public form"
                </a>
            </div>
        })}
        <section class="card filters" aria-label="Filters">
            <label>
                "Search"
                <input type="search" placeholder="Address" prop:value=move || search.get()
                    on:change=move |ev| { search.set(event_target_value(&ev)); pages.set(vec![None]); } />
            </label>
            <label>
                "State"
                <select on:change=move |ev| { state.set(event_target_value(&ev)); pages.set(vec![None]); }>
                    <option value="">"Any"</option>
                    {SubscriberState::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
        </section>
        <ListCard
            title="Subscribers"
            columns=&["Address", "Kind", "Components", "State", "Since", ""]
            empty="No subscriber matches."
            items=items
            action=move || view! {
                <a class="button ghost" href=move || format!("/console/status-pages/{}/subscribers.csv", page_id())
                    download="">"Export CSV"</a>
            }
            row=move |(subscriber, components): (Subscriber, Vec<PageComponent>)| {
                let id = subscriber.id;
                let followed = components_of(&subscriber, &components);
                let kind = match subscriber.kind { SubscriberKind::Email => "email", SubscriberKind::Webhook => "webhook" };
                view! {
                    <tr data-subscriber=subscriber.address.clone()>
                        <td data-label="Address" class="break">{subscriber.address.clone()}</td>
                        <td data-label="Kind">{kind}</td>
                        <td data-label="Components">{followed}</td>
                        <td data-label="State">
                            <span class="badge" class:published=subscriber.state == SubscriberState::Confirmed
                                class:failed=subscriber.state == SubscriberState::Bounced>{subscriber.state.as_str()}</span>
                        </td>
                        <td data-label="Since"><Time at=subscriber.created_at /></td>
                        <td class="actions">
                            <ConfirmButton label="Remove" confirm="Confirm remove" on_confirm=move || {
                                remove.dispatch(RemoveSubscriber { page_id: page_id(), id });
                            } />
                        </td>
                    </tr>
                }
            }
            footer=pager
        >
            <FormError error=remove_error />
        </ListCard>
        <ListCard
            title="Messages sent"
            columns=&["When", "What", "Delivered", "Waiting", "Failed"]
            empty="Nothing sent yet."
            items=sent
            row=move |notice: SentNotice| {
                let failed = (notice.failed > 0).then_some(notice.failed);
                view! {
                    <tr data-notice=notice.kind.as_str()>
                        <td data-label="When"><Time at=notice.created_at /></td>
                        <td data-label="What">
                            {notice.subject.unwrap_or_else(|| "Nothing public to say, or being written".to_owned())}
                        </td>
                        <td data-label="Delivered">{notice.delivered}</td>
                        <td data-label="Waiting">{notice.waiting}</td>
                        <td data-label="Failed">
                            {match failed {
                                Some(n) => view! { <span class="badge failed">{n}</span> }.into_any(),
                                None => view! { "0" }.into_any(),
                            }}
                        </td>
                    </tr>
                }
            }
        />
        <div class="cards">
            <ImportForm page_id import />
            <TestMessage page_id />
        </div>
    }
}

#[component]
fn ImportForm(
    page_id: impl Fn() -> i64 + Copy + Send + Sync + 'static,
    import: ServerAction<ImportSubscribers>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let agreed = RwSignal::new(false);
    let error = last_error(import.value());
    let report = move || import.value().get().and_then(Result::ok);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        import.dispatch(ImportSubscribers {
            page_id: page_id(),
            csv: text.get_untracked(),
            agreed: agreed.get_untracked(),
        });
    };
    view! {
        <form class="card" on:submit=submit novalidate aria-label="Import subscribers">
            <h2>"Import"</h2>
            <p class="hint">
                "CSV with a first line naming the columns: " <code>"address"</code> " (required), "
                <code>"kind"</code> " (email or webhook) and " <code>"components"</code>
                " (public names separated by ;, empty for the whole page). An export reads back as is. At most 5,000 lines."
            </p>
            <label>
                "CSV"
                <textarea rows="5" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))
                    placeholder="address,components\nada@example.com,API; Web"></textarea>
            </label>
            <label class="check">
                <input type="checkbox" prop:checked=move || agreed.get()
                    on:change=move |ev| agreed.set(event_target_checked(&ev)) />
                "These people already agreed to receive these notifications (no confirmation email)"
            </label>
            <FormError error />
            {move || report().map(|r| view! {
                <div class="form-ok" role="status">
                    {format!("{} added, {} already subscribed, {} lines skipped.", r.added, r.existing, r.errors.len())}
                    <ul class="small">
                        {r.errors.into_iter().take(20).map(|(line, why)| view! { <li>{format!("Line {line}: {why}")}</li> }).collect_view()}
                    </ul>
                </div>
            })}
            <button type="submit" class="primary" disabled=move || import.pending().get()>"Import"</button>
        </form>
    }
}

#[component]
fn TestMessage(page_id: impl Fn() -> i64 + Copy + Send + Sync + 'static) -> impl IntoView {
    let send = ServerAction::<SendSubscriberTest>::new();
    let error = last_error(send.value());
    view! {
        <section class="card" aria-label="Test message">
            <h2>"Test message"</h2>
            <p class="hint">"Sends you, by email, a sample of what subscribers receive, in this page's name and colour."</p>
            <FormError error />
            {move || send.value().get().and_then(Result::ok).map(|sent| view! { <p class="form-ok" role="status">{sent}</p> })}
            <button type="button" class="primary" disabled=move || send.pending().get()
                on:click=move |_| { send.dispatch(SendSubscriberTest { page_id: page_id() }); }>"Send a test to me"</button>
        </section>
    }
}
