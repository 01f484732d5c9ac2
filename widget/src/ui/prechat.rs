//! The form that asks for the visitor's name and email before the first message.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{Email, PersonName};
use wasm_bindgen::JsCast;

use crate::controller::{Chat, ContactError};
use crate::i18n::Strings;

fn name_error(t: &Strings, value: &str) -> Option<String> {
    PersonName::parse(value).err().map(|e| t.name_error(&e))
}

fn email_error(t: &Strings, value: &str) -> Option<String> {
    Email::parse(value).err().map(|e| t.email_error(&e))
}

/// Name and email, both required, checked as the visitor types with the parsers the server
/// uses; the server's own verdict (422) lands on the same fields.
#[component]
pub fn PreChatForm(
    /// The widget state.
    chat: Chat,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let name_err = RwSignal::new(None::<String>);
    let email_err = RwSignal::new(None::<String>);
    let form_err = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name_ref = NodeRef::<Input>::new();
    let email_ref = NodeRef::<Input>::new();
    let t = chat.t;

    let focus = move |field: NodeRef<Input>| {
        if let Some(input) = field.get_untracked() {
            let _ = input.focus();
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        form_err.set(None);
        let parsed_name = PersonName::parse(&name.get_untracked());
        let parsed_email = Email::parse(&email.get_untracked());
        name_err.set(parsed_name.as_ref().err().map(|e| t.name_error(e)));
        email_err.set(parsed_email.as_ref().err().map(|e| t.email_error(e)));
        let (Ok(parsed_name), Ok(parsed_email)) = (parsed_name, parsed_email) else {
            focus(if name_err.get_untracked().is_some() {
                name_ref
            } else {
                email_ref
            });
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let result = chat.submit_contact(parsed_name, parsed_email).await;
            // On success the conversation replaces this form (and its signals).
            let Err(error) = result else { return };
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match error {
                ContactError::Name(m) => {
                    name_err.set(Some(m));
                    focus(name_ref);
                }
                ContactError::Email(m) => {
                    email_err.set(Some(m));
                    focus(email_ref);
                }
                ContactError::Form(m) => form_err.set(Some(m)),
            }
        });
    };

    view! {
        <form class="lc-prechat" novalidate on:submit=on_submit>
            {move || chat.form_notice.get().map(|n| view! { <p class="lc-notice" role="status">{n}</p> })}
            <p class="lc-intro">{t.intro}</p>
            <Field id="lc-name" label=t.name kind="text" autocomplete="name" value=name error=name_err t validate=name_error input_ref=name_ref/>
            <Field id="lc-email" label=t.email kind="email" autocomplete="email" value=email error=email_err t validate=email_error input_ref=email_ref/>
            {move || form_err.get().map(|e| view! { <p class="lc-form-error" role="alert">{e}</p> })}
            <button type="submit" class="lc-button" aria-disabled=move || busy.get().to_string()>
                {move || if busy.get() { t.starting_chat } else { t.start_chat }}
            </button>
        </form>
    }
}

/// A labelled, required input whose error sentence is tied to it (`aria-describedby`).
#[component]
fn Field(
    /// The input's id; the error's id is `{id}-error`.
    id: &'static str,
    label: &'static str,
    /// The input `type`.
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
    /// The panel's sentences.
    t: &'static Strings,
    /// The error sentence for a value, if it is invalid.
    validate: fn(&Strings, &str) -> Option<String>,
    input_ref: NodeRef<Input>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described_by = {
        let error_id = error_id.clone();
        move || error.with(|e| e.as_ref().map(|_| error_id.clone()))
    };
    // Checked when the visitor moves to the next field or submits, then on every keystroke.
    let touched = RwSignal::new(false);
    view! {
        <div class="lc-field">
            <label for=id>{label}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                required
                aria-required="true"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    if touched.get_untracked() || error.with_untracked(Option::is_some) {
                        error.set(validate(t, &v));
                    }
                    value.set(v);
                }
                on:blur=move |ev: leptos::ev::FocusEvent| {
                    // Only when the visitor moves on to the next field: an error appearing as
                    // they press "Start chat" would push the button away from under the pointer
                    // and swallow the click (the submit validates anyway).
                    let to_field = ev.related_target().is_some_and(|t| t.has_type::<web_sys::HtmlInputElement>());
                    // Blur also fires while the form is being replaced by the conversation, when
                    // its signals are already gone.
                    let Some(v) = value.try_get_untracked() else { return };
                    if to_field && !v.trim().is_empty() {
                        touched.set(true);
                        error.set(validate(t, &v));
                    }
                }
                node_ref=input_ref
            />
            {move || error.get().map(|e| view! { <p id=error_id.clone() class="lc-error">{e}</p> })}
        </div>
    }
}
