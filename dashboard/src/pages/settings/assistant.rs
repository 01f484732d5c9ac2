//! `/settings/assistants/{id}`: one assistant's settings form (name, instructions, greeting,
//! model, channels), its knowledge (see [`super::knowledge`]) and a "try it" box. Also the small
//! form helpers the assistants pages share.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Channel;
use shared::assistant_settings::{AssistantDetail, AssistantInput, TryReply, CHANNELS};

use super::knowledge::KnowledgeSection;
use crate::api::{assistants as api, ApiError};
use leptos_router::hooks::use_params_map;
use shared::dashboard::SettingsArea;

use super::{AdminOnly, SettingsEvents};
use crate::app::Session;
use crate::query::encode_component;

/// The page of one assistant.
pub fn assistant_path(id: &str) -> String {
    format!("/settings/assistants/{}", encode_component(id))
}

/// Whether the signed-in teammate may change settings (admins and owners).
pub fn can_manage() -> bool {
    use_context::<Session>().is_some_and(Session::can_manage_settings)
}

/// Opens the page at `path` (from the site's root), adding a history entry.
pub fn go_to(path: &str) {
    if let Some(session) = use_context::<Session>() {
        session.go(path);
    }
}

/// Tracks the assistants area of the live settings events: read inside the effect that loads,
/// and the effect reruns when anyone changes an assistant or its knowledge.
pub fn assistants_version() -> u64 {
    use_context::<SettingsEvents>().map_or(0, |events| events.version(SettingsArea::Assistants))
}

/// `/settings/assistants/:id`, for admins.
#[component]
pub fn AssistantRoute() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.with(|p| p.get("id").unwrap_or_default()));
    view! { <AdminOnly><AssistantPage id=id/></AdminOnly> }
}

pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "Web chat",
        Channel::Sms => "SMS",
        Channel::Email => "Email",
        Channel::Voice => "Voice",
    }
}

/// The error of a form: the field the server (or the shared parser) blamed and its message.
/// An error naming no field of the form shows under the field `""`.
#[derive(Clone, Copy)]
pub struct FormError(RwSignal<Option<(String, String)>>);

impl Default for FormError {
    fn default() -> Self {
        Self::new()
    }
}

impl FormError {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }

    pub fn set_field(self, field: &str, message: String) {
        self.0.set(Some((field.to_owned(), message)));
    }

    pub fn set_api(self, error: &ApiError) {
        self.set_field(error.field().unwrap_or_default(), error.message());
    }

    pub fn clear(self) {
        self.0.set(None);
    }

    /// The message for `field`, if the error is about it.
    pub fn message_for(self, field: &str) -> Option<String> {
        self.0.with(|e| {
            e.as_ref()
                .filter(|(f, _)| f == field)
                .map(|(_, m)| m.clone())
        })
    }
}

/// The error message next to a field, when the error names it.
#[component]
pub fn ErrorFor(
    /// The form's error.
    error: FormError,
    /// The JSON name of the field; `""` for errors naming none.
    field: &'static str,
) -> impl IntoView {
    move || {
        error.message_for(field).map(|message| {
            view! { <p class="error field-error" role="alert" data-testid=format!("error-{}", if field.is_empty() { "form" } else { field })>{message}</p> }
        })
    }
}

#[component]
pub fn AssistantPage(
    /// The assistant's id, from the address.
    #[prop(into)]
    id: Signal<String>,
) -> impl IntoView {
    let detail = RwSignal::new(None::<Result<AssistantDetail, ApiError>>);
    let load = move || {
        let id = id.get_untracked();
        spawn_local(async move {
            let result = api::detail(&id).await;
            if !detail.is_disposed() {
                detail.set(Some(result));
            }
        });
    };
    Effect::new(move |_| {
        id.track();
        load();
    });

    view! {
        <section class="settings-section" data-testid="assistant-page">
            <p><a href="/settings/assistants" data-testid="back-to-assistants">"← All assistants"</a></p>
            {move || match detail.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(assistant)) => view! {
                    <AssistantForm assistant=assistant.clone()/>
                    <KnowledgeSection assistant_id=assistant.id.clone()/>
                    <TryIt assistant_id=assistant.id/>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The editable fields. Keeps what the teammate typed when a save fails; a live change from
/// elsewhere does not overwrite them (the knowledge list below does follow live changes).
#[component]
fn AssistantForm(
    /// The assistant as last loaded.
    assistant: AssistantDetail,
) -> impl IntoView {
    let id = StoredValue::new(assistant.id.clone());
    let input = AssistantInput::from(&assistant);
    let name = RwSignal::new(input.name);
    let instructions = RwSignal::new(input.instructions);
    let greeting = RwSignal::new(input.greeting);
    let model = RwSignal::new(input.model.unwrap_or_default());
    let channels = RwSignal::new(assistant.channels.clone());
    let error = FormError::new();
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let editable = can_manage();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = AssistantInput {
            name: name.get_untracked(),
            instructions: instructions.get_untracked(),
            greeting: greeting.get_untracked(),
            model: Some(model.get_untracked()),
            channels: channels
                .with_untracked(|c| c.iter().map(|c| c.as_str().to_owned()).collect()),
        };
        if let Err(e) = input.parse() {
            error.set_field(e.field, e.message);
            return;
        }
        saving.set(true);
        saved.set(false);
        error.clear();
        spawn_local(async move {
            let result = api::update(&id.get_value(), &input).await;
            if saving.is_disposed() {
                return;
            }
            saving.set(false);
            match result {
                Ok(_) => saved.set(true),
                Err(e) => error.set_api(&e),
            }
        });
    };

    let text_input = move |field: &'static str,
                           label: &'static str,
                           value: RwSignal<String>,
                           max: usize| {
        let dom_id = format!("assistant-{field}");
        view! {
            <label for=dom_id.clone()>{label}</label>
            <input id=dom_id data-testid=format!("assistant-{field}") maxlength=max.to_string()
                disabled=!editable
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <ErrorFor error=error field=field/>
        }
    };
    let text_area = move |field: &'static str,
                          label: &'static str,
                          value: RwSignal<String>,
                          max: usize| {
        let dom_id = format!("assistant-{field}");
        view! {
            <label for=dom_id.clone()>{label}</label>
            <textarea id=dom_id data-testid=format!("assistant-{field}") maxlength=max.to_string()
                rows="4" disabled=!editable
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))>
            </textarea>
            <ErrorFor error=error field=field/>
        }
    };

    view! {
        <form class="settings-form" data-testid="assistant-form" novalidate on:submit=submit>
            <h2>
                {move || name.get()}
                {assistant.is_default.then(|| view! { <span class="badge" data-testid="default-badge">"Default"</span> })}
            </h2>
            {text_input("name", "Name", name, 80)}
            {text_area("instructions", "Instructions (the system prompt for the AI provider)", instructions, 8_000)}
            {text_area("greeting", "Greeting (its first words to a visitor; {name} is their first name)", greeting, 500)}
            {text_input("model", "Model (for the OpenAI-compatible provider; empty: the server's default)", model, 100)}
            <fieldset data-testid="assistant-channels">
                <legend>"Channels it answers on"</legend>
                {CHANNELS
                    .into_iter()
                    .map(|channel| {
                        view! {
                            <label class="checkbox">
                                <input type="checkbox" data-testid=format!("channel-{}", channel.as_str())
                                    disabled=!editable
                                    prop:checked=move || channels.with(|c| c.contains(&channel))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        channels.update(|c| {
                                            c.retain(|x| *x != channel);
                                            if on {
                                                c.push(channel);
                                            }
                                        });
                                    }/>
                                {channel_label(channel)}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <ErrorFor error=error field="channels"/>
            <ErrorFor error=error field=""/>
            {editable.then(|| view! {
                <button type="submit" class="primary" data-testid="assistant-save"
                    disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                {move || saved.get().then(|| view! { <span class="saved" role="status" data-testid="assistant-saved">"Saved"</span> })}
            })}
        </form>
    }
}

/// Ask a question and see how the assistant would answer, from which entries. Writes nothing.
#[component]
fn TryIt(
    /// The assistant asked.
    assistant_id: String,
) -> impl IntoView {
    let id = StoredValue::new(assistant_id);
    let question = RwSignal::new(String::new());
    let answer = RwSignal::new(None::<TryReply>);
    let error = FormError::new();
    let asking = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if asking.get_untracked() {
            return;
        }
        let text = question.get_untracked();
        if text.trim().is_empty() {
            error.set_field("question", "Type a question to try.".to_owned());
            return;
        }
        asking.set(true);
        error.clear();
        spawn_local(async move {
            let result = api::try_question(&id.get_value(), &text).await;
            if asking.is_disposed() {
                return;
            }
            asking.set(false);
            match result {
                Ok(reply) => answer.set(Some(reply)),
                Err(e) => error.set_api(&e),
            }
        });
    };
    view! {
        <form class="settings-form try-it" data-testid="try-it" novalidate on:submit=submit>
            <h3>"Try it"</h3>
            <p class="hint">"Ask a question as a visitor would. No conversation is created."</p>
            <label for="try-question">"Question"</label>
            <textarea id="try-question" data-testid="try-question" rows="2"
                prop:value=move || question.get() on:input=move |ev| question.set(event_target_value(&ev))>
            </textarea>
            <ErrorFor error=error field="question"/>
            <ErrorFor error=error field=""/>
            <button type="submit" class="primary" data-testid="try-submit" disabled=move || asking.get()>
                {move || if asking.get() { "Asking…" } else { "Ask" }}
            </button>
            {move || answer.get().map(|reply| {
                let used = reply.used_entries.clone();
                let provider = match &reply.model {
                    Some(model) => format!("{} ({model})", reply.provider),
                    None => reply.provider.clone(),
                };
                view! {
                    <div class="try-reply" data-testid="try-reply" aria-live="polite">
                        <p class="reply-text" data-testid="try-reply-text" style="white-space: pre-wrap">{reply.reply}</p>
                        <p class="hint" data-testid="try-provider">"Answered by " {provider}</p>
                        {if used.is_empty() {
                            view! { <p class="hint" data-testid="try-no-entries">"No knowledge entry was used."</p> }.into_any()
                        } else {
                            view! {
                                <p>"Entries used:"</p>
                                <ul data-testid="try-used-entries">
                                    {used.into_iter().map(|e| view! { <li data-entry-id=e.id>{e.question}</li> }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </div>
                }
            })}
        </form>
    }
}
