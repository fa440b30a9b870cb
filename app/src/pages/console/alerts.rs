//! `/console/alerts`: channels (where alerts go; secrets shown masked, a
//! test send) and rules (which events go to which channel);
//! `/console/alerts/channels/:id`: a channel's deliveries and every attempt.

use super::monitor_picker::MonitorPicker;
use crate::api::alerts::{
    DeleteAlertRule, DeleteChannel, SaveAlertRule, SaveChannel, TestChannel, get_channel, list_alert_rules,
    list_channels, list_deliveries,
};
use crate::components::{
    ConfirmButton, FieldError, FormError, ListCard, Managed, ManagedMark, Time, format_time, general_error, last_error,
    managed_all, ticks,
};
use crate::error::AppError;
use crate::model::alert_limits::{NAME_MAX, PER_HOUR_MAX, SECRET_MIN};
use crate::model::{
    AlertEvent, AlertRule, AlertRuleInput, Channel, ChannelInput, ChannelKind, Delivery, NotificationState, Recipients,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let save_channel = ServerAction::<SaveChannel>::new();
    let delete_channel = ServerAction::<DeleteChannel>::new();
    let save_rule = ServerAction::<SaveAlertRule>::new();
    let toggle_rule = ServerAction::<SaveAlertRule>::new();
    let delete_rule = ServerAction::<DeleteAlertRule>::new();
    let channels =
        Resource::new(move || (save_channel.version().get(), delete_channel.version().get()), |_| list_channels());
    let rules = Resource::new(
        move || {
            (
                save_rule.version().get(),
                toggle_rule.version().get(),
                delete_rule.version().get(),
                save_channel.version().get(),
                delete_channel.version().get(),
            )
        },
        |_| list_alert_rules(),
    );
    let (managed_channels, managed_rules) = (managed_all("channel"), managed_all("rule"));
    view! {
        <Title text="Alerts" />
        <h1>"Alerts"</h1>
        <p class="lead muted">
            "Rules send events (incidents opened and resolved, updates, certificates expiring, maintenance) "
            "to channels. Every notification is retried until it is delivered, for up to 24 hours."
        </p>
        <Channels channels save=save_channel delete=delete_channel managed=managed_channels />
        <Rules rules channels save=save_rule toggle=toggle_rule delete=delete_rule managed=managed_rules />
    }
}

/// What a channel sends to, for the table.
fn destination(channel: &Channel) -> String {
    match channel.kind {
        ChannelKind::Email => channel.to.join(", "),
        _ => channel.url.clone().unwrap_or_default(),
    }
}

#[component]
fn Channels(
    channels: Resource<Result<Vec<Channel>, AppError>>,
    save: ServerAction<SaveChannel>,
    delete: ServerAction<DeleteChannel>,
    managed: Managed,
) -> impl IntoView {
    let test = ServerAction::<TestChannel>::new();
    // `Some(None)`: adding a channel; `Some(Some(c))`: editing `c`.
    let editing = RwSignal::new(None::<Option<Channel>>);
    let tested = RwSignal::new(None::<i64>);
    let delete_error = last_error(delete.value());
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <ListCard
            title="Channels"
            columns=&["Name", "Kind", "Sends to", ""]
            empty="No channels yet. Add a webhook, Slack, Discord or email channel."
            items=channels
            action=move || view! {
                <button type="button" class="primary" on:click=move |_| editing.set(Some(None))
                    disabled=move || editing.get().is_some()>"Add channel"</button>
            }
            row=move |channel| {
                let id = channel.id;
                let edit = channel.clone();
                view! {
                    <tr data-channel=channel.name.clone()>
                        <td>
                            <a href=format!("/console/alerts/channels/{id}")><strong>{channel.name.clone()}</strong></a>
                            <ManagedMark managed id />
                            {channel.secret.clone().map(|s| view! {
                                <div class="muted small">"secret " <code>{s}</code></div>
                            })}
                        </td>
                        <td data-label="Kind">{channel.kind.label()}</td>
                        <td data-label="Sends to" class="break">{destination(&channel)}</td>
                        <td class="actions">
                            <button type="button" class="ghost" disabled=move || test.pending().get()
                                on:click=move |_| {
                                    tested.set(Some(id));
                                    test.dispatch(TestChannel { id });
                                }>"Send test"</button>
                            <button type="button" class="ghost"
                                on:click=move |_| editing.set(Some(Some(edit.clone())))>"Edit"</button>
                            <a class="button ghost" href=format!("/console/alerts/channels/{id}")>"Deliveries"</a>
                            <ConfirmButton label="Delete" confirm="Delete with its rules" on_confirm=move || {
                                delete.dispatch(DeleteChannel { id });
                            } />
                        </td>
                    </tr>
                    <Show when=move || tested.get() == Some(id)>
                        <tr class="subrow">
                            <td colspan="4"><TestResult test /></td>
                        </tr>
                    </Show>
                }
            }
        >
            {move || editing.get().map(|current| view! { <ChannelForm current save editing managed /> })}
            <FormError error=delete_error />
        </ListCard>
    }
}

#[component]
fn TestResult(test: ServerAction<TestChannel>) -> impl IntoView {
    move || {
        if test.pending().get() {
            return view! { <p class="muted" role="status">"Sending a test…"</p> }.into_any();
        }
        match test.value().get() {
            Some(Ok(attempt)) if attempt.ok => {
                let code = attempt.status_code.map(|c| format!(" (HTTP {c})")).unwrap_or_default();
                view! {
                    <p class="test-result ok" role="status">
                        {format!("Test delivered in {} ms{code}.", attempt.duration_ms)}
                    </p>
                }
                .into_any()
            }
            Some(Ok(attempt)) => {
                let code = attempt.status_code.map(|c| format!("HTTP {c}: ")).unwrap_or_default();
                let error = attempt.error.unwrap_or_default();
                view! { <p class="test-result failed" role="alert">{format!("Test failed: {code}{error}")}</p> }
                    .into_any()
            }
            Some(Err(error)) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
            None => ().into_any(),
        }
    }
}

const CHANNEL_FIELDS: &[&str] = &["kind", "name", "url", "secret", "to"];

#[component]
fn ChannelForm(
    current: Option<Channel>,
    save: ServerAction<SaveChannel>,
    editing: RwSignal<Option<Option<Channel>>>,
    managed: Managed,
) -> impl IntoView {
    let id = current.as_ref().map(|c| c.id);
    let kind = RwSignal::new(current.as_ref().map_or(ChannelKind::Webhook, |c| c.kind));
    let name = RwSignal::new(current.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    // Slack and Discord URLs are secrets: not shown, kept unless replaced.
    let url = RwSignal::new(
        current.as_ref().filter(|c| c.kind == ChannelKind::Webhook).and_then(|c| c.url.clone()).unwrap_or_default(),
    );
    let secret = RwSignal::new(String::new());
    let to = RwSignal::new(current.as_ref().map(|c| c.to.join(", ")).unwrap_or_default());
    let kept_url = current.as_ref().filter(|c| c.kind != ChannelKind::Webhook).and_then(|c| c.url.clone());
    let kept_secret = current.as_ref().and_then(|c| c.secret.clone());
    let error = last_error(save.value());
    let editing_existing = id.is_some();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let kind_now = kind.get_untracked();
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        let input = ChannelInput {
            kind: (!editing_existing).then_some(kind_now),
            name: Some(name.get_untracked()),
            url: if kind_now == ChannelKind::Email {
                None
            } else {
                text(url).or((!editing_existing).then(String::new))
            },
            secret: if kind_now == ChannelKind::Webhook { text(secret) } else { None },
            to: (kind_now == ChannelKind::Email).then(|| Recipients::One(to.get_untracked())),
        };
        save.dispatch(SaveChannel { id, input });
    };
    let url_placeholder = kept_url.clone().unwrap_or_else(|| "https://…".to_owned());
    view! {
        <form class="subcard" on:submit=on_submit novalidate aria-label=if editing_existing { "Edit channel" } else { "Add channel" }>
            {id.map(|id| view! { <ManagedMark managed id warn=true what="channel" /> })}
            <div class="grid-form">
                <label>
                    "Kind"
                    <select disabled=editing_existing on:change=move |ev| {
                        if let Some(k) = ChannelKind::parse(&event_target_value(&ev)) { kind.set(k) }
                    }>
                        {ChannelKind::ALL.iter().map(|k| view! {
                            <option value=k.as_str() selected=*k == kind.get_untracked()>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error field="kind" />
                </label>
                <label>
                    "Name"
                    <input type="text" bind:value=name maxlength=NAME_MAX.to_string() placeholder="e.g. On-call" />
                    <FieldError error field="name" />
                </label>
                <Show when=move || kind.get() != ChannelKind::Email>
                    <label class="wide">
                        {move || match kind.get() {
                            ChannelKind::Slack => "Slack incoming webhook URL",
                            ChannelKind::Discord => "Discord webhook URL",
                            _ => "URL",
                        }}
                        <input type="url" bind:value=url placeholder=url_placeholder.clone() autocomplete="off" />
                        {kept_url.clone().map(|_| view! { <span class="hint">"Leave empty to keep the current URL."</span> })}
                        <FieldError error field="url" />
                    </label>
                </Show>
                <Show when=move || kind.get() == ChannelKind::Webhook>
                    <label class="wide">
                        "Signing secret"
                        <input type="password" bind:value=secret autocomplete="new-password"
                            placeholder=kept_secret.clone().map_or_else(|| format!("at least {SECRET_MIN} characters"), |s| format!("{s} (leave empty to keep)")) />
                        <span class="hint">"Receivers check " <code>"X-Vigie-Signature"</code>
                            ": HMAC-SHA256 of " <code>"<t>.<body>"</code> " with this secret."</span>
                        <FieldError error field="secret" />
                    </label>
                </Show>
                <Show when=move || kind.get() == ChannelKind::Email>
                    <label class="wide">
                        "Recipients"
                        <input type="text" bind:value=to placeholder="ops@example.com, oncall@example.com" />
                        <span class="hint">"Sent through the server's SMTP settings (VIGIE_SMTP_URL)."</span>
                        <FieldError error field="to" />
                    </label>
                </Show>
            </div>
            <FormError error=general_error(error, CHANNEL_FIELDS) />
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {if editing_existing { "Save channel" } else { "Add channel" }}
                </button>
                <button type="button" class="ghost" on:click=move |_| editing.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

const RULE_FIELDS: &[&str] = &["name", "events", "channel_id", "monitor_ids", "max_per_hour"];

#[component]
fn Rules(
    rules: Resource<Result<Vec<AlertRule>, AppError>>,
    channels: Resource<Result<Vec<Channel>, AppError>>,
    save: ServerAction<SaveAlertRule>,
    toggle: ServerAction<SaveAlertRule>,
    delete: ServerAction<DeleteAlertRule>,
    managed: Managed,
) -> impl IntoView {
    let editing = RwSignal::new(None::<Option<AlertRule>>);
    let delete_error = last_error(delete.value());
    let toggle_error = last_error(toggle.value());
    let row_error = Signal::derive(move || delete_error.get().or_else(|| toggle_error.get()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <ListCard
            title="Rules"
            columns=&["Name", "Events", "Channel", "Monitors", "Limit", "Enabled", ""]
            empty="No rules yet: nothing is sent. Add a channel, then a rule."
            items=rules
            action=move || view! {
                <button type="button" class="primary" on:click=move |_| editing.set(Some(None))
                    disabled=move || editing.get().is_some()>"Add rule"</button>
            }
            row=move |rule| {
                let id = rule.id;
                let enabled = rule.enabled;
                let edit = rule.clone();
                let events = rule.events.iter().map(|e| e.label()).collect::<Vec<_>>().join(", ");
                let scope = match &rule.monitor_ids {
                    None => "All".to_owned(),
                    Some(ids) if ids.len() == 1 => "1 monitor".to_owned(),
                    Some(ids) => format!("{} monitors", ids.len()),
                };
                let limit = rule.max_per_hour.map_or("—".to_owned(), |n| format!("{n} / hour"));
                view! {
                    <tr data-rule=rule.name.clone()>
                        <td><strong>{rule.name.clone()}</strong> <ManagedMark managed id /></td>
                        <td data-label="Events">{events}</td>
                        <td data-label="Channel"><a href=format!("/console/alerts/channels/{}", rule.channel_id)>{rule.channel_name.clone()}</a></td>
                        <td data-label="Monitors">{scope}</td>
                        <td data-label="Limit">{limit}</td>
                        <td data-label="Enabled">
                            <label class="switch">
                                <input type="checkbox" checked=enabled on:change=move |ev| {
                                    let input = AlertRuleInput { enabled: Some(event_target_checked(&ev)), ..Default::default() };
                                    toggle.dispatch(SaveAlertRule { id: Some(id), input });
                                } />
                                <span class="sr-only">"Enabled"</span>
                            </label>
                        </td>
                        <td class="actions">
                            <button type="button" class="ghost"
                                on:click=move |_| editing.set(Some(Some(edit.clone())))>"Edit"</button>
                            <ConfirmButton label="Delete" confirm="Confirm delete" on_confirm=move || {
                                delete.dispatch(DeleteAlertRule { id });
                            } />
                        </td>
                    </tr>
                }
            }
        >
            {move || editing.get().map(|current| view! { <RuleForm current channels save editing managed /> })}
            <FormError error=row_error />
        </ListCard>
    }
}

#[component]
fn RuleForm(
    current: Option<AlertRule>,
    channels: Resource<Result<Vec<Channel>, AppError>>,
    save: ServerAction<SaveAlertRule>,
    editing: RwSignal<Option<Option<AlertRule>>>,
    managed: Managed,
) -> impl IntoView {
    let id = current.as_ref().map(|r| r.id);
    let name = RwSignal::new(current.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let channel_id = RwSignal::new(current.as_ref().map(|r| r.channel_id));
    let events = RwSignal::new(
        current
            .as_ref()
            .map(|r| r.events.clone())
            .unwrap_or_else(|| vec![AlertEvent::IncidentCreated, AlertEvent::IncidentResolved]),
    );
    let all_monitors = RwSignal::new(current.as_ref().is_none_or(|r| r.monitor_ids.is_none()));
    let chosen = RwSignal::new(current.as_ref().and_then(|r| r.monitor_ids.clone()).unwrap_or_default());
    let limit = RwSignal::new(current.as_ref().and_then(|r| r.max_per_hour).map(|n| n.to_string()).unwrap_or_default());
    let enabled = RwSignal::new(current.as_ref().is_none_or(|r| r.enabled));
    let local_error = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || local_error.get().or_else(|| save.value().get().and_then(Result::err)));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let limit_text = limit.get_untracked();
        let max_per_hour = match limit_text.trim() {
            "" => None,
            text => match text.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    local_error.set(Some(AppError::validation(
                        "max_per_hour",
                        format!("A number from 1 to {PER_HOUR_MAX}, or empty for no limit."),
                    )));
                    return;
                }
            },
        };
        let Some(channel) = channel_id.get_untracked() else {
            local_error.set(Some(AppError::validation("channel_id", "Choose a channel.")));
            return;
        };
        local_error.set(None);
        let input = AlertRuleInput {
            name: Some(name.get_untracked()),
            events: Some(events.get_untracked()),
            channel_id: Some(channel),
            monitor_ids: Some((!all_monitors.get_untracked()).then(|| chosen.get_untracked())),
            enabled: Some(enabled.get_untracked()),
            max_per_hour: Some(max_per_hour),
        };
        save.dispatch(SaveAlertRule { id, input });
    };
    view! {
        <form class="subcard" on:submit=on_submit novalidate aria-label=if id.is_some() { "Edit rule" } else { "Add rule" }>
            {id.map(|id| view! { <ManagedMark managed id warn=true what="rule" /> })}
            <div class="grid-form">
                <label>
                    "Name"
                    <input type="text" bind:value=name maxlength=NAME_MAX.to_string() placeholder="e.g. Page on-call" />
                    <FieldError error field="name" />
                </label>
                <label>
                    "Channel"
                    <Transition fallback=|| view! { <select disabled=true></select> }>
                        {move || Suspend::new(async move {
                            let list = channels.await.unwrap_or_default();
                            if channel_id.get_untracked().is_none() {
                                channel_id.set(list.first().map(|c| c.id));
                            }
                            view! {
                                <select name="channel" on:change=move |ev| channel_id.set(event_target_value(&ev).parse().ok())>
                                    {list.into_iter().map(|c| {
                                        let selected = channel_id.get_untracked() == Some(c.id);
                                        view! { <option value=c.id.to_string() selected=selected>{format!("{} ({})", c.name, c.kind.label())}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                    <FieldError error field="channel_id" />
                </label>
                <label>
                    "At most per hour"
                    <input type="text" inputmode="numeric" bind:value=limit placeholder="no limit" />
                    <span class="hint">"Beyond it, notifications are recorded as suppressed."</span>
                    <FieldError error field="max_per_hour" />
                </label>
            </div>
            <fieldset>
                <legend>"Events"</legend>
                <div class="checks">
                    {AlertEvent::ALL.iter().map(|event| {
                        let event = *event;
                        view! {
                            <label class="check">
                                <input type="checkbox" name="events" value=event.as_str()
                                    prop:checked=move || events.get().contains(&event)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        events.update(|list| {
                                            list.retain(|e| *e != event);
                                            if on { list.push(event); }
                                        });
                                    } />
                                {event.label()}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <FieldError error field="events" />
            </fieldset>
            <fieldset>
                <legend>"Monitors"</legend>
                <div class="checks">
                    <label class="check">
                        <input type="radio" name="scope" prop:checked=move || all_monitors.get()
                            on:change=move |_| all_monitors.set(true) />
                        "All monitors, present and future"
                    </label>
                    <label class="check">
                        <input type="radio" name="scope" prop:checked=move || !all_monitors.get()
                            on:change=move |_| all_monitors.set(false) />
                        "Only these:"
                    </label>
                </div>
                <Show when=move || !all_monitors.get()>
                    <MonitorPicker chosen />
                </Show>
                <FieldError error field="monitor_ids" />
            </fieldset>
            <label class="check">
                <input type="checkbox" bind:checked=enabled />
                "Enabled"
            </label>
            <FormError error=general_error(error, RULE_FIELDS) />
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {if id.is_some() { "Save rule" } else { "Add rule" }}
                </button>
                <button type="button" class="ghost" on:click=move |_| editing.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

fn state_label(state: NotificationState) -> &'static str {
    match state {
        NotificationState::Pending => "retrying",
        NotificationState::Delivered => "delivered",
        NotificationState::Failed => "failed",
        NotificationState::Suppressed => "suppressed",
        NotificationState::Muted => "muted",
    }
}

fn event_label(event: &str) -> String {
    match AlertEvent::parse(event) {
        Some(event) => event.label().to_owned(),
        None if event == "test" => "Test".to_owned(),
        None => event.to_owned(),
    }
}

#[component]
pub fn ChannelDeliveriesPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let page = RwSignal::new(1u32);
    let opened = RwSignal::new(Vec::<i64>::new());
    let tick = ticks(Duration::from_secs(5));
    let channel = Resource::new(id, get_channel);
    let deliveries = Resource::new(move || (id(), page.get(), tick.get()), |(id, page, _)| list_deliveries(id, page));
    view! {
        <Transition fallback=|| view! { <h1>"Deliveries"</h1> }>
            {move || Suspend::new(async move {
                match channel.await {
                    Ok(channel) => view! {
                        <Title text=format!("Deliveries · {}", channel.name) />
                        <p class="crumbs"><a href="/console/alerts">"Alerts"</a> " / " {channel.name.clone()}</p>
                        <h1>"Deliveries to " {channel.name.clone()}</h1>
                        <p class="muted">{channel.kind.label()} " · " {destination(&channel)}</p>
                    }.into_any(),
                    Err(error) => view! {
                        <Title text="Deliveries" />
                        <h1>"Deliveries"</h1>
                        <p class="form-error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(list) if list.items.is_empty() => view! {
                            <p class="muted">"Nothing sent to this channel yet. “Send test” on the Alerts page tries it."</p>
                        }.into_any(),
                        Ok(list) => {
                            let next = list.next;
                            view! {
                                <ol class="deliveries">
                                    {list.items.into_iter().map(|d| view! { <DeliveryItem delivery=d opened /> }).collect_view()}
                                </ol>
                                <Show when=move || { page.get() > 1 || next.is_some() }>
                                    <nav class="pager" aria-label="Pages">
                                        <button type="button" class="ghost" disabled=move || page.get() <= 1
                                            on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"Newer"</button>
                                        <button type="button" class="ghost" disabled=next.is_none()
                                            on:click=move |_| if let Some(n) = next { page.set(n) }>"Older"</button>
                                    </nav>
                                </Show>
                            }.into_any()
                        }
                        Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeliveryItem(delivery: Delivery, opened: RwSignal<Vec<i64>>) -> impl IntoView {
    let id = delivery.id;
    let state = delivery.state;
    let tries = delivery.attempts.len();
    let summary = match (state, &delivery.next_attempt_at) {
        (NotificationState::Pending, Some(at)) if tries > 0 => format!("retrying at {}", format_time(*at)),
        (NotificationState::Pending, _) => "sending".to_owned(),
        _ => format!("{tries} attempt{}", if tries == 1 { "" } else { "s" }),
    };
    // Open items stay open when the list refreshes.
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        opened.update(|ids| {
            if ids.contains(&id) {
                ids.retain(|x| *x != id);
            } else {
                ids.push(id);
            }
        });
    };
    view! {
        <li class="delivery" data-state=state.as_str()>
            <details prop:open=move || opened.get().contains(&id)>
                <summary on:click=toggle>
                    <span class=format!("badge delivery-{}", state.as_str())>{state_label(state)}</span>
                    <span class="delivery-event">{event_label(&delivery.event)}</span>
                    {(delivery.rule_id.is_some()).then(|| view! { <span class="muted">{delivery.rule_name.clone()}</span> })}
                    <span class="muted small">{summary}</span>
                    <Time at=delivery.created_at />
                </summary>
                <p class="muted small">
                    {delivery.incident_id.map(|incident| view! {
                        <a href=format!("/console/incidents/{incident}")>{format!("Incident #{incident}")}</a>
                        " · "
                    })}
                    "delivery id " <code>{delivery.delivery_id.clone()}</code>
                </p>
                <ol class="attempts">
                    {delivery.attempts.into_iter().map(|a| {
                        let outcome = match (a.ok, a.status_code) {
                            (true, Some(code)) => format!("delivered, HTTP {code}"),
                            (true, None) => "delivered".to_owned(),
                            (false, Some(code)) => format!("failed, HTTP {code}"),
                            (false, None) => "failed".to_owned(),
                        };
                        view! {
                            <li>
                                <Time at=a.at />
                                " · " {outcome} " · " {format!("{} ms", a.duration_ms)}
                                {(!a.reply.is_empty()).then(|| view! { <div class="muted small">"reply: " <code>{a.reply.clone()}</code></div> })}
                                {a.error.clone().map(|e| view! { <div class="field-error">{e}</div> })}
                                {a.retry_at.map(|at| view! { <div class="muted small">"next attempt " <Time at /></div> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </details>
        </li>
    }
}
