//! The public's subscription pages: subscribing to a status page (email or
//! webhook, all components or some), confirming, changing what one follows
//! and leaving. Plain HTML forms rendered on the server, in the page's own
//! look: they work with JavaScript disabled. Every change is a POST from a
//! button (mail scanners follow links; they must not confirm or unsubscribe
//! anyone). Text only: nothing here is inserted as HTML.

use super::status::document;
use crate::ssr::db::status_pages::ComponentRow;
use crate::ssr::status_pages::read_model::PageInfo;
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// The public id of a component (as in the Statuspage documents).
pub fn component_id(monitor_id: i64) -> String {
    format!("c{monitor_id}")
}

/// The monitor behind a public component id.
pub fn monitor_of(component_id: &str) -> Option<i64> {
    component_id.strip_prefix('c')?.parse().ok()
}

/// What the subscribe form shows: what was typed, and what was wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscribeForm {
    pub email: String,
    pub url: String,
    /// The components ticked (their monitors); none: the whole page.
    pub chosen: Vec<i64>,
    /// `(field, message)`.
    pub error: Option<(String, String)>,
}

fn render(page: &PageInfo, title: &str, main: impl FnOnce() -> String) -> String {
    let main = Owner::new().with(main);
    document(page, format!("{title} · {}", page.title), main)
}

fn back(page: &PageInfo) -> impl IntoView + use<> {
    view! { <p class="crumbs"><a href=format!("/status/{}", page.slug)>"← Current status"</a></p> }
}

/// A group's name (none: ungrouped) and its `(monitor, public name)` members.
type Group = (Option<String>, Vec<(i64, String)>);

/// Checkboxes for the page's components, by group; `chosen` ticked.
fn picker(components: &[ComponentRow], chosen: &[i64]) -> impl IntoView + use<> {
    let mut groups: Vec<Group> = Vec::new();
    for (monitor_id, name, group) in components {
        match groups.iter_mut().find(|(g, _)| g == group) {
            Some((_, members)) => members.push((*monitor_id, name.clone())),
            None => groups.push((group.clone(), vec![(*monitor_id, name.clone())])),
        }
    }
    let chosen = chosen.to_vec();
    view! {
        <fieldset class="subscribe-components">
            <legend>"Components"</legend>
            <p class="hint">"Leave all unticked to follow the whole page, including components added later."</p>
            {groups.into_iter().map(|(group, members)| {
                let chosen = chosen.clone();
                view! {
                    {group.map(|g| view! { <h3 class="group">{g}</h3> })}
                    <ul class="subscribe-picks">
                        {members.into_iter().map(|(monitor_id, name)| view! {
                            <li>
                                <label class="check">
                                    <input type="checkbox" name="component" value=component_id(monitor_id)
                                        checked=chosen.contains(&monitor_id) />
                                    " " {name}
                                </label>
                            </li>
                        }).collect_view()}
                    </ul>
                }
            }).collect_view()}
        </fieldset>
    }
}

fn field_error(form: &SubscribeForm, field: &str) -> Option<impl IntoView + use<>> {
    form.error
        .as_ref()
        .filter(|(f, _)| f == field)
        .map(|(_, message)| view! { <span class="field-error" role="alert">{message.clone()}</span> })
}

/// `/status/{slug}/subscribe`: by email (when the server sends email) or webhook.
pub fn render_subscribe(page: &PageInfo, components: &[ComponentRow], form: &SubscribeForm, email: bool) -> String {
    let action = format!("/status/{}/subscribe", page.slug);
    let general = form.error.as_ref().filter(|(f, _)| f != "email" && f != "url").map(|(_, m)| m.clone());
    render(page, "Subscribe", || {
        view! {
            {back(page)}
            <h1 class="incident-title">"Get updates"</h1>
            <p>"Be told when an incident or a planned maintenance concerning you is published, updated and resolved."</p>
            {general.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {email.then(|| view! {
                <form class="card subscribe-form" method="post" action=action.clone()>
                    <h2>"By email"</h2>
                    <input type="hidden" name="kind" value="email" />
                    <label>
                        "Email address"
                        <input type="email" name="email" required maxlength="254" autocomplete="email"
                            value=form.email.clone() placeholder="you@example.com" />
                        {field_error(form, "email")}
                    </label>
                    // Left empty by people (it is hidden); robots fill it in.
                    <label class="trap" aria-hidden="true">
                        "Leave this empty"
                        <input type="text" name="website" tabindex="-1" autocomplete="off" />
                    </label>
                    {picker(components, &form.chosen)}
                    <p class="hint">"We send a link to confirm the address; nothing else is sent before it is confirmed."</p>
                    <button type="submit" class="primary">"Subscribe"</button>
                </form>
            })}
            <form class="card subscribe-form" method="post" action=action>
                <h2>"By webhook"</h2>
                <input type="hidden" name="kind" value="webhook" />
                <label>
                    "URL"
                    <input type="url" name="url" required maxlength="2000" value=form.url.clone()
                        placeholder="https://example.com/hooks/status" />
                    {field_error(form, "url")}
                </label>
                <label class="trap" aria-hidden="true">
                    "Leave this empty"
                    <input type="text" name="website" tabindex="-1" autocomplete="off" />
                </label>
                {picker(components, &form.chosen)}
                <p class="hint">"Each notification is a JSON POST in Atlassian Statuspage's webhook format; its "
                    <code>"meta.unsubscribe"</code> " link ends the subscription."</p>
                <button type="submit" class="primary">"Subscribe"</button>
            </form>
        }
        .to_html()
    })
}

/// A page that only says something: what happened, with a way back.
pub fn render_message(page: &PageInfo, heading: &str, lines: &[String]) -> String {
    let heading = heading.to_owned();
    let lines = lines.to_vec();
    render(page, &heading.clone(), || {
        view! {
            {back(page)}
            <h1 class="incident-title">{heading}</h1>
            {lines.into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}
        }
        .to_html()
    })
}

/// A page whose one button does what a link asked for.
fn button_page(page: &PageInfo, title: &str, action: String, text: String, button: (&str, &str)) -> String {
    let (label, class) = (button.0.to_owned(), button.1.to_owned());
    let heading = title.to_owned();
    render(page, title, || {
        view! {
            {back(page)}
            <h1 class="incident-title">{heading}</h1>
            <form class="card subscribe-form" method="post" action=action>
                <p>{text}</p>
                <button type="submit" class=class>{label}</button>
            </form>
        }
        .to_html()
    })
}

/// The confirmation link's page: one button confirms.
pub fn render_confirm(page: &PageInfo, token: &str) -> String {
    let text = format!("Receive {}'s incident and maintenance notifications by email.", page.title);
    button_page(
        page,
        "Confirm your subscription",
        format!("/subscriptions/confirm/{token}"),
        text,
        ("Confirm", "primary"),
    )
}

/// A subscription's own page (from a link in one of its messages): what it
/// follows, and leaving.
pub fn render_manage(
    page: &PageInfo,
    token: &str,
    address: &str,
    components: &[ComponentRow],
    chosen: &[i64],
    notice: Option<&str>,
) -> String {
    let save = format!("/subscriptions/{token}");
    let leave = format!("/subscriptions/{token}/unsubscribe");
    let notice = notice.map(str::to_owned);
    render(page, "Your subscription", || {
        view! {
            {back(page)}
            <h1 class="incident-title">"Your subscription"</h1>
            {notice.map(|n| view! { <p class="form-ok" role="status">{n}</p> })}
            <p>"Notifications go to " <strong>{address.to_owned()}</strong> "."</p>
            <form class="card subscribe-form" method="post" action=save>
                {picker(components, chosen)}
                <button type="submit" class="primary">"Save"</button>
            </form>
            <form class="card subscribe-form" method="post" action=leave>
                <p>"Stop receiving notifications from this page."</p>
                <button type="submit" class="danger">"Unsubscribe"</button>
            </form>
        }
        .to_html()
    })
}

/// The unsubscribe link's page: one button leaves (the one-click POST of
/// mail programs goes to the same address).
pub fn render_unsubscribe(page: &PageInfo, token: &str) -> String {
    let text = format!("Stop receiving {}'s notifications.", page.title);
    button_page(page, "Unsubscribe", format!("/subscriptions/{token}/unsubscribe"), text, ("Unsubscribe", "danger"))
}
