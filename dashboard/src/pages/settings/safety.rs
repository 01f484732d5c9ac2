//! `/settings/safety`: content safety. The workspace's three phrase lists (one phrase per line,
//! each with the built-in system list it extends shown read-only under it), what happens on a
//! blocked phrase, the fallback message, contact-detail redaction and the moderation switch
//! (disabled when the server has no remote AI provider). Reloads when anyone changes the safety
//! settings, unless the admin has started editing here.

use leptos::prelude::*;
use shared::dashboard::SettingsArea;
use shared::safety::{
    phrases_from_text, phrases_to_text, BlockedActionChoice, SafetyListsView, SafetySettingsPage,
    SafetySettingsView, SystemListsView, SystemSeriousPhrase,
};

use super::load_form_page;
use crate::api::{self, ApiError};
use crate::components::form::Submission;

const PATH: &str = "/api/dashboard/settings/safety";

/// The settings' fields, as the server names them in a 422.
const FIELDS: &[&str] = &[
    "lists.blocked",
    "lists.seriousHigh",
    "lists.seriousMedium",
    "blockedAction",
    "fallbackMessage",
];

/// The three textareas' text, kept as typed (blank lines and all) until it is sent.
#[derive(Clone, Copy)]
struct ListTexts {
    blocked: RwSignal<String>,
    serious_high: RwSignal<String>,
    serious_medium: RwSignal<String>,
}

impl ListTexts {
    fn lists(self) -> SafetyListsView {
        SafetyListsView {
            blocked: phrases_from_text(&self.blocked.get_untracked()),
            serious_high: phrases_from_text(&self.serious_high.get_untracked()),
            serious_medium: phrases_from_text(&self.serious_medium.get_untracked()),
        }
    }

    fn show(self, lists: &SafetyListsView) {
        self.blocked.set(phrases_to_text(&lists.blocked));
        self.serious_high.set(phrases_to_text(&lists.serious_high));
        self.serious_medium
            .set(phrases_to_text(&lists.serious_medium));
    }
}

/// The form's state: what the admin sees and types.
#[derive(Clone, Copy)]
struct Form {
    /// Everything but the lists' text (the action, the message, the switches).
    settings: RwSignal<Option<SafetySettingsView>>,
    texts: ListTexts,
    /// The admin changed something since the last load or save.
    edited: RwSignal<bool>,
    saved: RwSignal<bool>,
    submission: Submission,
}

impl Form {
    fn get<T: Default>(self, read: fn(&SafetySettingsView) -> T) -> T {
        self.settings
            .with(|s| s.as_ref().map(read).unwrap_or_default())
    }

    fn set(self, write: impl FnOnce(&mut SafetySettingsView)) {
        self.settings.update(|s| {
            if let Some(s) = s {
                write(s);
            }
        });
        self.touched();
    }

    fn touched(self) {
        self.edited.set(true);
        self.saved.set(false);
    }

    /// What a save would send now: the lists read from the textareas.
    fn body(self) -> Option<SafetySettingsView> {
        let mut body = self.settings.get_untracked()?;
        body.lists = self.texts.lists();
        Some(body)
    }

    fn load(self, settings: SafetySettingsView) {
        self.texts.show(&settings.lists);
        self.settings.set(Some(settings));
        self.edited.set(false);
    }
}

#[component]
pub fn SafetyPage() -> impl IntoView {
    let form = Form {
        settings: RwSignal::new(None),
        texts: ListTexts {
            blocked: RwSignal::new(String::new()),
            serious_high: RwSignal::new(String::new()),
            serious_medium: RwSignal::new(String::new()),
        },
        edited: RwSignal::new(false),
        saved: RwSignal::new(false),
        submission: Submission::new(),
    };
    let busy = form.submission.busy;
    let system = RwSignal::new(SystemListsView::default());
    let moderation_available = RwSignal::new(false);
    let load_error = RwSignal::new(None::<ApiError>);

    let take_page = move |page: SafetySettingsPage, show_settings: bool| {
        system.set(page.system);
        moderation_available.set(page.moderation_available);
        if show_settings {
            form.load(page.settings);
        }
    };
    load_form_page::<SafetySettingsPage>(
        SettingsArea::Safety,
        PATH,
        form.edited,
        busy,
        load_error,
        take_page,
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(body) = form.body() else {
            return;
        };
        form.saved.set(false);
        form.submission.send(
            {
                let body = body.clone();
                async move { api::put_json::<_, SafetySettingsPage>(PATH, &body).await }
            },
            move |page| {
                // Show what was stored (trimmed), unless the admin typed on while it saved.
                let unchanged = form.body().as_ref() == Some(&body);
                take_page(page, unchanged);
                form.saved.set(true);
            },
        );
    };

    let list_row = move |id: &'static str,
                         field: &'static str,
                         label: &'static str,
                         hint: &'static str,
                         text: RwSignal<String>,
                         built_in: Box<dyn Fn() -> AnyView + Send + Sync>| {
        view! {
            <div class="form-row">
                <label for=id>{label}</label>
                <textarea id=id data-testid=id rows="5" spellcheck="false" autocomplete="off"
                    placeholder="One phrase per line"
                    aria-invalid=move || form.submission.error.with(|e| {
                        e.as_ref().is_some_and(|e| e.field() == Some(field)).then_some("true")
                    })
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        form.touched();
                    }></textarea>
                <p class="hint">{hint}</p>
                {form.submission.field_error(field)}
                {built_in()}
            </div>
        }
    };

    view! {
        <section class="settings-section" data-testid="safety-page" aria-labelledby="safety-title">
            <h2 id="safety-title">"Content safety"</h2>
            <p class="hint">
                "Phrases are checked in every visitor message and in every reply before it is sent. "
                "They match whole words, ignoring case, accents and punctuation; end a word with * \
                 to match any word it starts (refund*). Your phrases extend the built-in lists; \
                 they cannot switch any of them off."
            </p>
            {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <Show when=move || form.settings.with(Option::is_some)
                fallback=move || load_error.with(Option::is_none).then(|| view! { <p class="loading">"Loading…"</p> })>
            <form class="form" novalidate on:submit=submit data-testid="safety-form">
                {list_row("safety-blocked", "lists.blocked", "Blocked phrases",
                    "Never said to or by the assistant: the action below runs instead.",
                    form.texts.blocked,
                    Box::new(move || view! {
                        <SystemPhrases testid="safety-system-blocked" title="Built-in blocked phrases"
                            phrases=Signal::derive(move || system.with(|s| s.blocked.iter()
                                .map(|p| (p.clone(), None)).collect()))/>
                    }.into_any()))}
                {list_row("safety-serious-high", "lists.seriousHigh",
                    "Serious situations, high confidence",
                    "The assistant sends a careful reply and the conversation is escalated to your team at once.",
                    form.texts.serious_high,
                    Box::new(move || view! {
                        <SystemPhrases testid="safety-system-serious-high"
                            title="Built-in serious phrases, high confidence"
                            phrases=Signal::derive(move || serious(system, "high"))/>
                    }.into_any()))}
                {list_row("safety-serious-medium", "lists.seriousMedium",
                    "Serious situations, medium confidence",
                    "Possibly serious: confirmed (by moderation, when on) before the conversation is escalated.",
                    form.texts.serious_medium,
                    Box::new(move || view! {
                        <SystemPhrases testid="safety-system-serious-medium"
                            title="Built-in serious phrases, medium confidence"
                            phrases=Signal::derive(move || serious(system, "medium"))/>
                    }.into_any()))}
                <div class="form-row">
                    <label for="safety-action">"When a blocked phrase appears"</label>
                    <select id="safety-action" data-testid="safety-action"
                        prop:value=move || form.get(|s| s.blocked_action.clone())
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            form.set(|s| s.blocked_action = v);
                        }>
                        {BlockedActionChoice::ALL.into_iter().map(|a| view! {
                            <option value=a.as_str()
                                selected=move || form.get(|s| s.blocked_action.clone()) == a.as_str()>
                                {a.label()}
                            </option>
                        }).collect_view()}
                    </select>
                    {form.submission.field_error("blockedAction")}
                </div>
                <div class="form-row">
                    <label for="safety-fallback">"Fallback message"</label>
                    <textarea id="safety-fallback" data-testid="safety-fallback" rows="3"
                        maxlength=shared::safety::MAX_FALLBACK_MESSAGE_CHARS.to_string()
                        prop:value=move || form.get(|s| s.fallback_message.clone())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            form.set(|s| s.fallback_message = v);
                        }></textarea>
                    <p class="hint">"What the visitor reads instead of a reply when the action sends it."</p>
                    {form.submission.field_error("fallbackMessage")}
                </div>
                <div class="form-row">
                    <label>
                        <input type="checkbox" data-testid="safety-redact"
                            prop:checked=move || form.get(|s| s.redact_contact_details)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                form.set(|s| s.redact_contact_details = on);
                            }/>
                        " Hide email addresses and phone numbers from the AI provider"
                    </label>
                    <p class="hint">
                        "Card numbers and social security numbers are always replaced by placeholders \
                         before a message leaves this server; stored messages keep the original."
                    </p>
                </div>
                <div class="form-row">
                    <label>
                        <input type="checkbox" data-testid="safety-moderation"
                            disabled=move || !moderation_available.get()
                            aria-describedby="safety-moderation-hint"
                            prop:checked=move || form.get(|s| s.moderation)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                form.set(|s| s.moderation = on);
                            }/>
                        " Also ask the AI provider's moderation endpoint about each message"
                    </label>
                    <p class="hint" id="safety-moderation-hint" data-testid="safety-moderation-hint">
                        {move || if moderation_available.get() {
                            "Uses the OpenAI-compatible provider this server is set up with."
                        } else {
                            "Needs a remote AI provider: this server answers with the built-in \
                             assistant, which has no moderation endpoint."
                        }}
                    </p>
                </div>
                {form.submission.form_error(FIELDS)}
                <div class="form-actions">
                    <button type="submit" class="primary" data-testid="safety-save"
                        disabled=move || busy.get()>
                        {form.submission.label("Save", "Saving…")}
                    </button>
                    {move || form.saved.get().then(|| view! {
                        <span class="saved" role="status" data-testid="safety-saved">"Saved"</span>
                    })}
                </div>
            </form>
            </Show>
        </section>
    }
}

/// The system's serious phrases of one confidence, each with its category.
fn serious(system: RwSignal<SystemListsView>, confidence: &str) -> Vec<(String, Option<String>)> {
    system.with(|s| {
        s.serious
            .iter()
            .filter(|p| p.confidence == confidence)
            .map(|p: &SystemSeriousPhrase| (p.phrase.clone(), Some(category_label(&p.category))))
            .collect()
    })
}

fn category_label(category: &str) -> String {
    match category {
        "self_harm" => "self-harm".to_owned(),
        other => other.to_owned(),
    }
}

/// A built-in list, read-only and collapsed: each phrase, with its category when it has one.
#[component]
fn SystemPhrases(
    /// The `<details>` element's test id.
    testid: &'static str,
    /// The summary's words, before the count.
    title: &'static str,
    /// Phrase and category.
    phrases: Signal<Vec<(String, Option<String>)>>,
) -> impl IntoView {
    view! {
        <details class="system-list" data-testid=testid>
            <summary>{move || format!("{title} ({}, always on)", phrases.with(Vec::len))}</summary>
            <ul>
                {move || phrases.get().into_iter().map(|(phrase, category)| view! {
                    <li>
                        <code>{phrase}</code>
                        {category.map(|c| view! { <span class="muted">" · "{c}</span> })}
                    </li>
                }).collect_view()}
            </ul>
        </details>
    }
}
