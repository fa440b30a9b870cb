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

pub fn format_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A `<time>` element with a readable date.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{format_time(at)}</time> }
}
