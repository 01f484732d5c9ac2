//! What the dashboard's forms do alike: one submission at a time; the server's 422 shown next to
//! the field it names (or above the button when it names none of the form's fields); what was
//! typed kept on an error; nothing done once the page is gone. [`Field`] is a labelled input
//! wired to all of that.

use std::future::Future;

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// A form's state between the click and the server's answer.
#[derive(Clone, Copy)]
pub struct Submission {
    /// A request is on its way: the submit button is disabled and says so.
    pub busy: RwSignal<bool>,
    /// The last answer's error, until the next success.
    pub error: RwSignal<Option<ApiError>>,
}

impl Default for Submission {
    fn default() -> Self {
        Self::new()
    }
}

impl Submission {
    pub fn new() -> Self {
        Self {
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Sends `request` unless one is already on its way. On success the error is cleared and
    /// `done` gets the answer; on failure the error is shown. Neither happens if the form is gone
    /// by then.
    pub fn send<T: 'static>(
        self,
        request: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            let result = request.await;
            if self.busy.is_disposed() {
                return;
            }
            self.busy.set(false);
            match result {
                Ok(answer) => {
                    self.error.set(None);
                    done(answer);
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }

    /// The message under `field` when the last error named it.
    pub fn field_error(self, field: &'static str) -> impl Fn() -> Option<AnyView> + Send + Sync {
        let error = self.error;
        move || {
            error.with(|e| {
                e.as_ref().filter(|e| e.field() == Some(field)).map(|e| {
                    view! {
                        <p class="field-error" role="alert" id=error_id(field)
                            data-testid=format!("error-{field}")>{e.message()}</p>
                    }
                    .into_any()
                })
            })
        }
    }

    /// The message of an error that names none of the form's `fields`.
    pub fn form_error(
        self,
        fields: &'static [&'static str],
    ) -> impl Fn() -> Option<AnyView> + Send + Sync {
        let error = self.error;
        move || {
            error.with(|e| {
                e.as_ref()
                    .filter(|e| e.field().is_none_or(|f| !fields.contains(&f)))
                    .map(|e| {
                        view! { <p class="error" role="alert" data-testid="form-error">{e.message()}</p> }
                            .into_any()
                    })
            })
        }
    }

    /// The submit button's words: `idle`, or `working` while a request is on its way.
    pub fn label(self, idle: &'static str, working: &'static str) -> impl Fn() -> &'static str {
        move || if self.busy.get() { working } else { idle }
    }
}

/// The id of the message a 422 naming `field` shows (what the field's `aria-describedby` names).
pub fn error_id(field: &str) -> String {
    format!("{field}-error")
}

/// What an input holds now (read at submit: autofill does not always fire input events).
pub fn value_of(input: NodeRef<Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// A labelled input named after the request `field` it fills, with an optional hint and the
/// server's message for that field under it (the input is then `aria-invalid` and described by
/// the message).
#[component]
pub fn Field(
    /// The form this field belongs to.
    form: Submission,
    /// The request's JSON field: the input's `name`, and what a 422 names.
    field: &'static str,
    /// The input's `id` (the label points at it).
    id: &'static str,
    label: &'static str,
    node_ref: NodeRef<Input>,
    /// The input's `type`.
    #[prop(default = "text")]
    kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
    /// Not required (the input is then not marked `required`).
    #[prop(optional)]
    optional: bool,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    /// What the input starts with.
    #[prop(optional)]
    value: Option<&'static str>,
) -> impl IntoView {
    let error = form.error;
    let invalid = move || error.with(|e| e.as_ref().is_some_and(|e| e.field() == Some(field)));
    let hint_id = format!("{id}-hint");
    let described = {
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if invalid() {
                ids.push(error_id(field));
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <label for=id>{label}</label>
        <input id=id name=field type=kind autocomplete=autocomplete required=!optional autofocus=autofocus
            minlength=minlength maxlength=maxlength value=value node_ref=node_ref data-testid=testid
            aria-invalid=move || invalid().then_some("true") aria-describedby=described/>
        {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
        {form.field_error(field)}
    }
}
