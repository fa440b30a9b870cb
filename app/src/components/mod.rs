//! Small widgets the pages share.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The message of an error not tied to one field (or of any error, when the
/// form has a single field).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            view! {
                <p class="form-error" role="alert">
                    {error.to_string()}
                </p>
            }
        })
    }
}

/// The message for one field, when the error is about that field.
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().filter(|e| e.field() == Some(field)).map(|error| {
            view! { <span class="field-error">{error.to_string()}</span> }
        })
    }
}

/// The error of an action's last result, if it failed.
pub fn last_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(Result::err))
}

/// The last error, unless it belongs to one of the form's fields (then the
/// field shows it).
pub fn general_error(error: Signal<Option<AppError>>, fields: &'static [&'static str]) -> Signal<Option<AppError>> {
    Signal::derive(move || error.get().filter(|e| e.field().is_none_or(|f| !fields.contains(&f))))
}

/// A destructive action that asks once more: `label`, then `confirm` or Cancel.
#[component]
pub fn ConfirmButton(
    label: &'static str,
    confirm: &'static str,
    on_confirm: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || view! {
                <button type="button" class="ghost danger" on:click=move |_| confirming.set(true)>{label}</button>
            }
        >
            <button type="button" class="danger" on:click=move |_| {
                on_confirm();
                confirming.set(false);
            }>{confirm}</button>
            <button type="button" class="ghost" on:click=move |_| confirming.set(false)>"Cancel"</button>
        </Show>
    }
}

/// A console list section, the one shape every list of the console takes: a
/// card titled `title` with `action` beside the title (an "Add …" button),
/// what `children` show above the list (a form, errors, a secret shown once),
/// then the list itself as a table of `columns` (an empty heading is the
/// actions column, named for screen readers), one `row` per item: "Loading…"
/// while it loads, `empty` when there is none, the error when it fails; and
/// what `footer` shows below it (a pager).
#[component]
pub fn ListCard<T, R, V>(
    title: &'static str,
    columns: &'static [&'static str],
    empty: &'static str,
    items: Resource<Result<Vec<T>, AppError>>,
    row: R,
    #[prop(optional, into)] action: Option<ViewFn>,
    #[prop(optional)] children: Option<ChildrenFn>,
    #[prop(optional, into)] footer: Option<ViewFn>,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    R: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let heading = format!("{}-heading", title.to_lowercase().replace(' ', "-"));
    let labelled_by = heading.clone();
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <div class="card-head">
                <h2 id=heading>{title}</h2>
                {action.map(|action| action.run())}
            </div>
            {children.map(|children| children())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let row = row.clone();
                    Suspend::new(async move {
                        match items.await {
                            Ok(list) if list.is_empty() => view! { <p class="muted">{empty}</p> }.into_any(),
                            Ok(list) => view! {
                                <div class="table-wrap">
                                    <table>
                                        <thead>
                                            <tr>
                                                {columns.iter().map(|&column| if column.is_empty() {
                                                    view! { <th scope="col"><span class="sr-only">"Actions"</span></th> }.into_any()
                                                } else {
                                                    view! { <th scope="col">{column}</th> }.into_any()
                                                }).collect_view()}
                                            </tr>
                                        </thead>
                                        <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                                    </table>
                                </div>
                            }.into_any(),
                            Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
            {footer.map(|footer| footer.run())}
        </section>
    }
}

/// A count that goes up every `every`, in the browser only (the server
/// renders a page once): pages fetch again what they show when it moves.
pub fn ticks(every: std::time::Duration) -> ReadSignal<u64> {
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), every) {
            on_cleanup(move || handle.clear());
        }
    });
    tick.read_only()
}

pub fn format_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The viewer's time zone (its IANA name), once the browser has said which:
/// `None` on the server and until the page is hydrated, when times are
/// shown in UTC. Times are stored in UTC and only shown or entered in it.
#[derive(Debug, Clone, Copy)]
pub struct ViewerZone(pub RwSignal<Option<String>>);

/// Provides [`ViewerZone`] and, in the browser, fills it in.
pub fn provide_viewer_zone() {
    let zone = RwSignal::new(None::<String>);
    provide_context(ViewerZone(zone));
    Effect::new(move |_| zone.set(Some(local::zone_name())));
}

/// The viewer's zone, if known, as a signal (read it in handlers with
/// `get_untracked`).
pub fn use_viewer_zone() -> Signal<Option<String>> {
    let zone = use_context::<ViewerZone>();
    Signal::derive(move || zone.and_then(|z| z.0.get()))
}

/// A time in the viewer's zone, named (`2026-12-01 11:30 UTC+01:00`), or in
/// UTC when the zone is not known.
pub fn show_time(at: DateTime<Utc>, zone: Option<&str>) -> String {
    match zone {
        Some(_) => local::format(at),
        None => format_time(at),
    }
}

/// A `<time>` element with a readable date, in the viewer's zone (UTC on
/// hover).
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let zone = use_viewer_zone();
    view! {
        <time datetime=at.to_rfc3339() title=format_time(at)>{move || show_time(at, zone.get().as_deref())}</time>
    }
}

/// A `datetime-local` input's text for a time, in the viewer's zone (UTC
/// when it is not known).
pub fn input_time(at: DateTime<Utc>, zone: Option<&str>) -> String {
    match zone {
        Some(_) => local::input(at),
        None => at.format("%Y-%m-%dT%H:%M").to_string(),
    }
}

/// Reads a `datetime-local` input's text (`2026-12-01T10:30`) as a time in
/// the viewer's zone (UTC when it is not known); blank is `None`.
pub fn parse_input_time(field: &str, text: &str, zone: Option<&str>) -> Result<Option<DateTime<Utc>>, AppError> {
    use chrono::NaiveDateTime;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::validation(field, "Enter a date and time."))?;
    match zone {
        Some(_) => local::from_input(naive)
            .map(Some)
            .ok_or_else(|| AppError::validation(field, "This time does not exist in your time zone (a clock change).")),
        None => Ok(Some(naive.and_utc())),
    }
}

/// The browser's zone, through chrono's `Local` (which asks JavaScript's
/// `Date` in the browser) and `Intl` for its name. On the server these are
/// never reached (the zone is unknown there), and fall back to UTC.
#[cfg(feature = "hydrate")]
mod local {
    use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

    pub fn zone_name() -> String {
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).resolved_options();
        js_sys::Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "local time".to_owned())
    }

    fn offset(at: DateTime<Local>) -> String {
        let seconds = at.offset().local_minus_utc();
        if seconds == 0 {
            return "UTC".to_owned();
        }
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }

    pub fn format(at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&Local);
        format!("{} {}", local.format("%Y-%m-%d %H:%M"), offset(local))
    }

    pub fn input(at: DateTime<Utc>) -> String {
        at.with_timezone(&Local).format("%Y-%m-%dT%H:%M").to_string()
    }

    pub fn from_input(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        Local.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(not(feature = "hydrate"))]
mod local {
    use chrono::{DateTime, NaiveDateTime, Utc};

    pub fn zone_name() -> String {
        "UTC".to_owned()
    }

    pub fn format(at: DateTime<Utc>) -> String {
        super::format_time(at)
    }

    pub fn input(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%dT%H:%M").to_string()
    }

    pub fn from_input(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        Some(naive.and_utc())
    }
}

/// The keys of the objects of one kind a configuration file manages
/// (`crate::api::config::managed_keys`).
pub type Managed = Resource<Result<Vec<(i64, String)>, AppError>>;

/// Loads the managed keys of every object of `kind` (the few a list shows).
pub fn managed_all(kind: &'static str) -> Managed {
    Resource::new(|| (), move |_| crate::api::config::managed_keys(kind.to_owned(), None))
}

/// Loads whether the object of a page (its `id` from the address) is
/// managed, again only when the address changes.
pub fn managed_one(kind: &'static str, id: impl Fn() -> Option<i64> + Send + Sync + 'static) -> Managed {
    Resource::new(id, move |id| async move {
        match id {
            Some(id) => crate::api::config::managed_keys(kind.to_owned(), Some(id)).await,
            None => Ok(Vec::new()),
        }
    })
}

/// "managed by configuration" beside an object a file manages; with `warn`,
/// the note an edit form shows: the next apply undoes a change made here.
#[component]
pub fn ManagedMark(
    managed: Managed,
    id: i64,
    #[prop(optional)] warn: bool,
    #[prop(default = "object")] what: &'static str,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let keys = managed.await.unwrap_or_default();
                keys.into_iter().find(|(of, _)| *of == id).map(|(_, key)| if warn {
                    view! {
                        <p class="managed-warning" role="note">
                            "This " {what} " is managed by configuration (key " <code>{key}</code> "): the next "
                            <code>"vigie apply"</code> " of its file undoes changes saved here. Change the file instead."
                        </p>
                    }.into_any()
                } else {
                    let title = format!("Declared in a configuration file under the key {key}");
                    view! { <span class="badge managed" title=title>"managed by configuration"</span> }.into_any()
                })
            })}
        </Transition>
    }
}
