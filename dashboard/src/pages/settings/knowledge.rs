//! An assistant's knowledge on its settings page: search, add, edit and delete entries inline,
//! and import a CSV or Markdown file (read in the browser, parsed by the server).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::assistant_settings::{KnowledgeEntryView, KnowledgeInput};
use wasm_bindgen::JsCast;

use super::assistant::{assistants_version, can_manage, ErrorFor, FormError};
use crate::api::{assistants as api, ApiError};

#[component]
pub fn KnowledgeSection(
    /// The assistant whose knowledge this is.
    assistant_id: String,
) -> impl IntoView {
    let id = StoredValue::new(assistant_id);
    let query = RwSignal::new(String::new());
    let entries = RwSignal::new(None::<Result<Vec<KnowledgeEntryView>, ApiError>>);
    // Answers to older searches that arrive late are dropped.
    let generation = StoredValue::new(0u64);
    let load = move || {
        let this = generation.get_value() + 1;
        generation.set_value(this);
        let q = query.get_untracked();
        spawn_local(async move {
            let result = api::knowledge(&id.get_value(), &q).await;
            if !entries.is_disposed() && generation.get_value() == this {
                entries.set(Some(result));
            }
        });
    };
    // Loads now, and again whenever anyone changes the assistants' knowledge.
    Effect::new(move |_| {
        assistants_version();
        load();
    });
    let editable = can_manage();

    view! {
        <section class="knowledge" data-testid="knowledge">
            <h3>"Knowledge"</h3>
            <input type="search" data-testid="knowledge-search" placeholder="Search questions, answers, keywords"
                aria-label="Search the knowledge"
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    load();
                }/>
            {editable.then(|| view! {
                <AddEntry assistant_id=id.get_value() on_added=Callback::new(move |()| load())/>
                <ImportFile assistant_id=id.get_value() on_imported=Callback::new(move |()| load())/>
            })}
            {move || match entries.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="hint" data-testid="knowledge-empty">
                        {if query.with_untracked(|q| q.trim().is_empty()) { "No entries yet." } else { "No entry matches." }}
                    </p>
                }
                .into_any(),
                Some(Ok(list)) => view! {
                    <table class="settings-table" data-testid="knowledge-table">
                        <thead>
                            <tr><th>"Question"</th><th>"Answer"</th><th>"Keywords"</th><th></th></tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|entry| view! {
                                    <EntryRow assistant_id=id.get_value() entry=entry editable=editable
                                        on_changed=Callback::new(move |()| load())/>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The question, answer and keywords inputs of an entry form.
#[derive(Clone, Copy)]
struct EntryFields {
    question: RwSignal<String>,
    answer: RwSignal<String>,
    keywords: RwSignal<String>,
}

impl EntryFields {
    fn new(entry: Option<&KnowledgeEntryView>) -> Self {
        let text = |value: Option<&String>| RwSignal::new(value.cloned().unwrap_or_default());
        Self {
            question: text(entry.map(|e| &e.question)),
            answer: text(entry.map(|e| &e.answer)),
            keywords: text(entry.map(|e| &e.keywords)),
        }
    }

    fn input(self) -> KnowledgeInput {
        KnowledgeInput {
            question: self.question.get_untracked(),
            answer: self.answer.get_untracked(),
            keywords: self.keywords.get_untracked(),
        }
    }

    fn clear(self) {
        self.question.set(String::new());
        self.answer.set(String::new());
        self.keywords.set(String::new());
    }

    /// The three inputs; `prefix` keeps test ids apart (`new-entry`, `edit-entry`).
    fn view(self, prefix: &'static str, error: FormError) -> impl IntoView {
        view! {
            <label>"Question"
                <input data-testid=format!("{prefix}-question") maxlength="300"
                    prop:value=move || self.question.get()
                    on:input=move |ev| self.question.set(event_target_value(&ev))/>
            </label>
            <ErrorFor error=error field="question"/>
            <label>"Answer"
                <textarea data-testid=format!("{prefix}-answer") maxlength="5000" rows="3"
                    prop:value=move || self.answer.get()
                    on:input=move |ev| self.answer.set(event_target_value(&ev))></textarea>
            </label>
            <ErrorFor error=error field="answer"/>
            <label>"Keywords (optional, comma separated)"
                <input data-testid=format!("{prefix}-keywords") maxlength="500"
                    prop:value=move || self.keywords.get()
                    on:input=move |ev| self.keywords.set(event_target_value(&ev))/>
            </label>
            <ErrorFor error=error field="keywords"/>
            <ErrorFor error=error field=""/>
        }
    }
}

#[component]
fn AddEntry(
    /// The assistant the entry is for.
    assistant_id: String,
    /// Called once the entry is saved.
    on_added: Callback<()>,
) -> impl IntoView {
    let id = StoredValue::new(assistant_id);
    let fields = EntryFields::new(None);
    let error = FormError::new();
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let input = fields.input();
        if let Err(e) = input.parse() {
            error.set_field(e.field, e.message);
            return;
        }
        saving.set(true);
        error.clear();
        spawn_local(async move {
            let result = api::add_entry(&id.get_value(), &input).await;
            if saving.is_disposed() {
                return;
            }
            saving.set(false);
            match result {
                Ok(_) => {
                    fields.clear();
                    on_added.run(());
                }
                Err(e) => error.set_api(&e),
            }
        });
    };
    view! {
        <form class="settings-form add-entry" data-testid="add-entry" novalidate on:submit=submit>
            <h4>"Add an entry"</h4>
            {fields.view("new-entry", error)}
            <button type="submit" class="primary" data-testid="add-entry-submit" disabled=move || saving.get()>
                {move || if saving.get() { "Adding…" } else { "Add entry" }}
            </button>
        </form>
    }
}

/// One entry: shown, or edited in place, or asking to confirm its deletion.
#[component]
fn EntryRow(
    assistant_id: String,
    entry: KnowledgeEntryView,
    /// Whether the teammate may change it.
    editable: bool,
    /// Called after a save or delete.
    on_changed: Callback<()>,
) -> impl IntoView {
    let ids = StoredValue::new((assistant_id, entry.id.clone()));
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let fields = EntryFields::new(Some(&entry));
    let error = FormError::new();
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = fields.input();
        if let Err(e) = input.parse() {
            error.set_field(e.field, e.message);
            return;
        }
        busy.set(true);
        error.clear();
        spawn_local(async move {
            let (assistant, entry) = ids.get_value();
            let result = api::update_entry(&assistant, &entry, &input).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(_) => {
                    editing.set(false);
                    on_changed.run(());
                }
                Err(e) => error.set_api(&e),
            }
        });
    };
    let remove = move |_| {
        busy.set(true);
        spawn_local(async move {
            let (assistant, entry) = ids.get_value();
            let result = api::remove_entry(&assistant, &entry).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(()) => on_changed.run(()),
                Err(e) => error.set_api(&e),
            }
        });
    };
    let shown = entry;
    move || {
        if editing.get() {
            view! {
                <tr data-testid="knowledge-row-editing">
                    <td colspan="4">
                        <form class="settings-form" data-testid="edit-entry" novalidate on:submit=save>
                            {fields.view("edit-entry", error)}
                            <button type="submit" class="primary" data-testid="edit-entry-save" disabled=move || busy.get()>
                                {move || if busy.get() { "Saving…" } else { "Save" }}
                            </button>
                            <button type="button" data-testid="edit-entry-cancel" on:click=move |_| editing.set(false)>"Cancel"</button>
                        </form>
                    </td>
                </tr>
            }
            .into_any()
        } else {
            let entry = shown.clone();
            view! {
                <tr data-testid="knowledge-row" data-entry-id=entry.id>
                    <td data-testid="knowledge-question">{entry.question.clone()}</td>
                    <td class="answer" style="white-space: pre-wrap">{entry.answer.clone()}</td>
                    <td>{entry.keywords.clone()}</td>
                    <td class="actions">
                        {editable.then(|| view! {
                            <button type="button" data-testid="edit-entry" on:click=move |_| editing.set(true)>"Edit"</button>
                            {move || if confirming.get() {
                                view! {
                                    <span class="confirm">
                                        <button type="button" class="danger" data-testid="confirm-delete-entry"
                                            disabled=move || busy.get() on:click=remove>"Delete"</button>
                                        <button type="button" data-testid="cancel-delete-entry"
                                            on:click=move |_| confirming.set(false)>"Cancel"</button>
                                    </span>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <button type="button" class="danger" data-testid="delete-entry"
                                        on:click=move |_| confirming.set(true)>"Delete"</button>
                                }
                                .into_any()
                            }}
                            <ErrorFor error=error field=""/>
                        })}
                    </td>
                </tr>
            }
            .into_any()
        }
    }
}

/// Reads the chosen file in the browser and sends its text; the server checks every row and
/// imports all or nothing.
#[component]
fn ImportFile(
    assistant_id: String,
    /// Called once entries were imported.
    on_imported: Callback<()>,
) -> impl IntoView {
    let id = StoredValue::new(assistant_id);
    let error = FormError::new();
    let result = RwSignal::new(None::<usize>);
    let busy = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // The same file can be chosen again after fixing it.
        input.set_value("");
        let content_type = api::import_content_type(&file.name());
        busy.set(true);
        error.clear();
        result.set(None);
        spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string());
            let outcome = match text {
                Some(text) => api::import(&id.get_value(), content_type, text).await,
                None => {
                    if !busy.is_disposed() {
                        busy.set(false);
                        error.set_field("file", "The file could not be read.".to_owned());
                    }
                    return;
                }
            };
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match outcome {
                Ok(done) => {
                    result.set(Some(done.imported));
                    on_imported.run(());
                }
                Err(e) => error.set_api(&e),
            }
        });
    };
    view! {
        <div class="settings-form import" data-testid="knowledge-import">
            <h4>"Import from a file"</h4>
            <p class="hint">
                "CSV with a header row: question (or title), answer, keywords. Or Markdown: one \
                 entry per ## heading, with an optional line \"Keywords: a, b\". All rows are \
                 checked first: one bad row imports nothing."
            </p>
            <input type="file" data-testid="knowledge-import-file" aria-label="Knowledge file (CSV or Markdown)"
                accept=".csv,.md,.markdown,text/csv,text/markdown"
                disabled=move || busy.get() on:change=on_change/>
            {move || busy.get().then(|| view! { <span class="hint">"Importing…"</span> })}
            <ErrorFor error=error field="file"/>
            <ErrorFor error=error field=""/>
            {move || result.get().map(|n| view! {
                <p class="saved" role="status" data-testid="knowledge-imported">
                    {format!("Imported {n} {}.", if n == 1 { "entry" } else { "entries" })}
                </p>
            })}
        </div>
    }
}
