//! The inputs of a proactive rule wired to the page's errors: a labelled text input of one of
//! the rule's fields, invalid and described by the message under it while the last error (the
//! server's 422 or the shared parser's, `rules[i].<field>`) names that field of that rule.

use leptos::prelude::*;

use super::Form;
use crate::proactive_form::{error_id, input_id, RuleDraft};

/// What a text input of a rule edits.
#[derive(Clone, Copy)]
pub(super) struct TextField {
    /// The rule's field as the server names it (`delaySeconds`).
    pub field: &'static str,
    /// The label's words (where [`text_row`] draws the label).
    pub label: &'static str,
    pub testid: &'static str,
    pub hint: Option<&'static str>,
    /// A whole number (the phone keyboard shows digits).
    pub numeric: bool,
    pub read: fn(&RuleDraft) -> String,
    pub write: fn(&mut RuleDraft, String),
}

/// A labelled text input of the rule `key`, with its hint and its error.
pub(super) fn text_row(form: Form, key: u64, spec: TextField) -> impl IntoView {
    let field = spec.field;
    view! {
        <div class="form-row">
            <label for=input_id(key, field)>{spec.label}</label>
            {text_input(form, key, spec)}
            {spec.hint.map(|h| view! { <p class="hint" id=hint_id(key, field)>{h}</p> })}
            {field_error(form, key, field)}
        </div>
    }
}

/// The input of the rule `key` that `spec` edits (its label is the caller's): invalid and
/// described by its error while the last error names it. Numbers are typed as text, so what was
/// typed stays as typed (the parser names a number that does not read).
pub(super) fn text_input(form: Form, key: u64, spec: TextField) -> impl IntoView {
    let TextField {
        field,
        testid,
        hint,
        numeric,
        read,
        write,
        ..
    } = spec;
    view! {
        <input id=input_id(key, field) type="text" data-testid=testid autocomplete="off"
            inputmode=numeric.then_some("numeric") size=numeric.then_some("6")
            class:number=numeric
            aria-invalid=invalid(form, key, field)
            aria-describedby=described_by(form, key, field, hint.is_some())
            prop:value=move || form.read(key, read)
            on:input=move |ev| {
                let v = event_target_value(&ev);
                form.edit(key, |r| write(r, v));
            }/>
    }
}

pub(super) fn hint_id(key: u64, field: &str) -> String {
    format!("{}-hint", input_id(key, field))
}

/// The last error's message when it names `field` of the rule `key` (tracked).
fn message_for(form: Form, key: u64, field: &'static str) -> Option<String> {
    form.blame
        .with(|b| b.as_ref()?.rule_message(key, field).map(str::to_owned))
}

/// `aria-invalid` of the input of `field`.
pub(super) fn invalid(
    form: Form,
    key: u64,
    field: &'static str,
) -> impl Fn() -> Option<&'static str> + Send + Sync {
    move || message_for(form, key, field).map(|_| "true")
}

/// `aria-describedby` of the input of `field`: its hint, when it has one, and its error.
pub(super) fn described_by(
    form: Form,
    key: u64,
    field: &'static str,
    has_hint: bool,
) -> impl Fn() -> Option<String> + Send + Sync {
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id(key, field));
        }
        if message_for(form, key, field).is_some() {
            ids.push(error_id(key, field));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The message under the input of `field`, when the last error names it.
pub(super) fn field_error(
    form: Form,
    key: u64,
    field: &'static str,
) -> impl Fn() -> Option<AnyView> + Send + Sync {
    move || {
        message_for(form, key, field).map(|m| {
            view! {
                <p class="field-error" role="alert" id=error_id(key, field)
                    data-testid=format!("error-{field}")>{m}</p>
            }
            .into_any()
        })
    }
}
