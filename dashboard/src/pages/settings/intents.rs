//! `/settings/intents`: the intents the assistant detects in customer messages. Each intent has
//! a label and example phrases (one per line) the classifier learns from; admins add their own
//! intents (key and label), remove any but `general` (the catch-all), and save the whole list.
//! A "try it" box ranks a message against the saved intents, each with its confidence as a bar
//! and a percentage. Reloads when anyone changes the intents, unless the admin is editing here.

use leptos::prelude::*;
use shared::dashboard::SettingsArea;
use shared::intents::{
    examples_from_text, examples_to_text, field, new_key_problem, IntentTest, IntentTestResult,
    IntentView, IntentsPage, IntentsUpdate, GENERAL, MAX_EXAMPLES, MAX_EXAMPLE_CHARS, MAX_INTENTS,
    MAX_KEY_CHARS, MAX_LABEL_CHARS,
};

use super::load_form_page;
use crate::api::{self, ApiError};
use crate::components::form::Submission;

const PATH: &str = "/api/dashboard/settings/intents";
const TEST_PATH: &str = "/api/dashboard/settings/intents/test";

/// One intent as the admin edits it: the examples as the textarea's text, blank lines and all.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    /// A local id, stable while the page is open (keys repeat after a remove and re-add).
    id: u64,
    key: String,
    label: String,
    examples: String,
}

/// The form's state.
#[derive(Clone, Copy)]
struct Form {
    rows: RwSignal<Vec<Row>>,
    /// Set once the first page arrives.
    loaded: RwSignal<bool>,
    next_id: StoredValue<u64>,
    /// The admin changed something since the last load or save.
    edited: RwSignal<bool>,
    saved: RwSignal<bool>,
    submission: Submission,
}

impl Form {
    fn row(self, key: String, label: String, examples: String) -> Row {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        Row {
            id,
            key,
            label,
            examples,
        }
    }

    /// Shows `intents`; an intent already shown keeps its row (and its place in the page).
    fn load(self, intents: Vec<IntentView>) {
        let shown: Vec<(String, u64)> = self
            .rows
            .with_untracked(|rows| rows.iter().map(|r| (r.key.clone(), r.id)).collect());
        let rows = intents
            .into_iter()
            .map(|i| {
                let examples = examples_to_text(&i.examples);
                match shown.iter().find(|(key, _)| *key == i.key) {
                    Some(&(_, id)) => Row {
                        id,
                        key: i.key,
                        label: i.label,
                        examples,
                    },
                    None => self.row(i.key, i.label, examples),
                }
            })
            .collect();
        self.rows.set(rows);
        self.loaded.set(true);
        self.edited.set(false);
    }

    fn touched(self) {
        self.edited.set(true);
        self.saved.set(false);
    }

    fn edit(self, id: u64, write: impl FnOnce(&mut Row)) {
        self.rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                write(row);
            }
        });
        self.touched();
    }

    /// A field of the row `id` now (tracked).
    fn read(self, id: u64, read: impl Fn(&Row) -> String) -> String {
        self.rows
            .with(|rows| rows.iter().find(|r| r.id == id).map(read))
            .unwrap_or_default()
    }

    /// Where the row `id` is in the list (tracked): what the server's field names count.
    fn index(self, id: u64) -> Option<usize> {
        self.rows.with(|rows| rows.iter().position(|r| r.id == id))
    }

    /// What a save would send now.
    fn body(self) -> IntentsUpdate {
        IntentsUpdate {
            intents: self.rows.with_untracked(|rows| {
                rows.iter()
                    .map(|r| IntentView {
                        key: r.key.clone(),
                        label: r.label.clone(),
                        examples: examples_from_text(&r.examples),
                    })
                    .collect()
            }),
        }
    }

    /// The last error's message when it names `name` of the row `id`.
    fn error_of(self, id: u64, name: &'static str) -> Option<String> {
        let index = self.index(id)?;
        let wanted = field(index, name);
        self.submission.error.with(|e| {
            e.as_ref()
                .filter(|e| e.field() == Some(wanted.as_str()))
                .map(ApiError::message)
        })
    }
}

#[component]
pub fn IntentsPage() -> impl IntoView {
    let form = Form {
        rows: RwSignal::new(Vec::new()),
        loaded: RwSignal::new(false),
        next_id: StoredValue::new(0),
        edited: RwSignal::new(false),
        saved: RwSignal::new(false),
        submission: Submission::new(),
    };
    let busy = form.submission.busy;
    let defaults = RwSignal::new(Vec::<String>::new());
    let confident = RwSignal::new(0.5_f32);
    let load_error = RwSignal::new(None::<ApiError>);

    let take_page = move |page: IntentsPage, show_intents: bool| {
        defaults.set(page.defaults);
        confident.set(page.confident);
        if show_intents {
            form.load(page.intents);
        }
    };
    load_form_page::<IntentsPage>(
        SettingsArea::Intents,
        PATH,
        form.edited,
        busy,
        load_error,
        take_page,
    );

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = form.body();
        form.saved.set(false);
        form.submission.send(
            {
                let body = body.clone();
                async move { api::put_json::<_, IntentsPage>(PATH, &body).await }
            },
            move |page| {
                // Show what was stored (cleaned), unless the admin typed on while it saved.
                let unchanged = form.body() == body;
                take_page(page, unchanged);
                form.saved.set(true);
            },
        );
    };

    // Adding an intent.
    let new_key = RwSignal::new(String::new());
    let new_label = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<(&'static str, String)>);
    let add = move |_| {
        let key = new_key.get_untracked().trim().to_owned();
        let label = new_label.get_untracked().trim().to_owned();
        let problem = form
            .rows
            .with_untracked(|rows| new_key_problem(&key, rows.iter().map(|r| r.key.as_str())));
        if let Some(message) = problem {
            add_error.set(Some(("key", message)));
            return;
        }
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            add_error.set(Some((
                "label",
                format!("A label is 1 to {MAX_LABEL_CHARS} characters."),
            )));
            return;
        }
        add_error.set(None);
        let row = form.row(key, label, String::new());
        let id = row.id;
        form.rows.update(|rows| rows.push(row));
        form.touched();
        new_key.set(String::new());
        new_label.set(String::new());
        // Take the admin to the new intent's examples.
        request_animation_frame(move || {
            if let Some(area) = document().get_element_by_id(&format!("intent-{id}-examples")) {
                use wasm_bindgen::JsCast;
                if let Ok(area) = area.dyn_into::<web_sys::HtmlElement>() {
                    let _ = area.focus();
                }
            }
        });
    };
    let add_error_for = move |which: &'static str| {
        move || {
            add_error.with(|e| {
                e.as_ref().filter(|(f, _)| *f == which).map(|(_, message)| {
                    view! {
                        <p class="field-error" role="alert" id=format!("new-intent-{which}-error")
                            data-testid=format!("error-new-intent-{which}")>{message.clone()}</p>
                    }
                })
            })
        }
    };

    let intent_row = move |row: Row| {
        let id = row.id;
        let key = row.key;
        let removable = key != GENERAL;
        let is_default = {
            let key = key.clone();
            move || defaults.with(|d| d.contains(&key))
        };
        let label_id = format!("intent-{id}-label");
        let examples_id = format!("intent-{id}-examples");
        let label_error = move || form.error_of(id, "label");
        let examples_error = move || form.error_of(id, "examples");
        let key_error = move || form.error_of(id, "key");
        let count = move || {
            form.rows.with(|rows| {
                rows.iter()
                    .find(|r| r.id == id)
                    .map_or(0, |r| examples_from_text(&r.examples).len())
            })
        };
        view! {
            <fieldset class="intent" data-testid=format!("intent-{key}") data-key=key.clone()>
                <legend>
                    <code>{key.clone()}</code>
                    {move || is_default().then(|| view! { <span class="muted">" · default"</span> })}
                    {(!removable).then(|| view! { <span class="muted">" · catch-all, always kept"</span> })}
                </legend>
                {move || key_error().map(|m| view! {
                    <p class="field-error" role="alert" data-testid=format!("error-intent-{id}-key")>{m}</p>
                })}
                <div class="form-row">
                    <label for=label_id.clone()>"Label"</label>
                    <input id=label_id type="text" data-testid=format!("intent-{key}-label")
                        maxlength=MAX_LABEL_CHARS.to_string()
                        aria-invalid=move || label_error().is_some().then_some("true")
                        prop:value=move || form.read(id, |r| r.label.clone())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            form.edit(id, |r| r.label = v);
                        }/>
                    {move || label_error().map(|m| view! {
                        <p class="field-error" role="alert" data-testid=format!("error-intent-{id}-label")>{m}</p>
                    })}
                </div>
                <div class="form-row">
                    <label for=examples_id.clone()>
                        "Example phrases "
                        <span class="muted">{move || format!("({} of at most {MAX_EXAMPLES})", count())}</span>
                    </label>
                    <textarea id=examples_id rows="6" spellcheck="true" autocomplete="off"
                        data-testid=format!("intent-{key}-examples")
                        placeholder="One customer message per line"
                        aria-invalid=move || examples_error().is_some().then_some("true")
                        prop:value=move || form.read(id, |r| r.examples.clone())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            form.edit(id, |r| r.examples = v);
                        }></textarea>
                    {move || examples_error().map(|m| view! {
                        <p class="field-error" role="alert" data-testid=format!("error-intent-{id}-examples")>{m}</p>
                    })}
                </div>
                {removable.then(|| view! {
                    <button type="button" class="danger" data-testid=format!("intent-{key}-remove")
                        aria-label=format!("Remove the intent {key}")
                        on:click=move |_| {
                            form.rows.update(|rows| rows.retain(|r| r.id != id));
                            form.touched();
                        }>
                        "Remove"
                    </button>
                })}
            </fieldset>
        }
    };

    // An error naming no row of the list (the list as a whole, or a row since removed).
    let list_error = move || {
        let rows = form.rows.with(Vec::len);
        form.submission.error.with(|e| {
            e.as_ref()
                .filter(|e| {
                    e.field()
                        .and_then(|f| f.strip_prefix("intents["))
                        .and_then(|f| f.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok())
                        .is_none_or(|i| i >= rows)
                })
                .map(|e| view! { <p class="error" role="alert" data-testid="form-error">{e.message()}</p> })
        })
    };

    view! {
        <section class="settings-section" data-testid="intents-page" aria-labelledby="intents-title">
            <h2 id="intents-title">"Intents"</h2>
            <p class="hint">
                "Every customer message gets the intent it most likely means, learnt from the \
                 example phrases below. A few varied phrases (eight or more) per intent, written as \
                 customers write, work best. "
                {move || format!(
                    "A message whose intent is at least {:.0}% likely becomes the conversation's intent.",
                    f64::from(confident.get()) * 100.0
                )}
            </p>
            {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <Show when=move || form.loaded.get()
                fallback=move || load_error.with(Option::is_none).then(|| view! { <p class="loading">"Loading…"</p> })>
            <form class="form" novalidate on:submit=submit data-testid="intents-form">
                <For each=move || form.rows.get() key=|row| row.id children=intent_row/>
                <fieldset class="intent intent-new" data-testid="intent-add">
                    <legend>"Add an intent"</legend>
                    <div class="form-row">
                        <label for="new-intent-key">"Key"</label>
                        <input id="new-intent-key" type="text" data-testid="new-intent-key"
                            maxlength=MAX_KEY_CHARS.to_string() autocomplete="off" spellcheck="false"
                            aria-describedby="new-intent-key-hint"
                            aria-invalid=move || add_error.with(|e| matches!(e, Some(("key", _)))).then_some("true")
                            prop:value=move || new_key.get()
                            on:input=move |ev| new_key.set(event_target_value(&ev))/>
                        <p class="hint" id="new-intent-key-hint">
                            "Lowercase a-z, 0-9 and _, e.g. returns. Conversations keep it, so it cannot be renamed."
                        </p>
                        {add_error_for("key")}
                    </div>
                    <div class="form-row">
                        <label for="new-intent-label">"Label"</label>
                        <input id="new-intent-label" type="text" data-testid="new-intent-label"
                            maxlength=MAX_LABEL_CHARS.to_string()
                            aria-invalid=move || add_error.with(|e| matches!(e, Some(("label", _)))).then_some("true")
                            prop:value=move || new_label.get()
                            on:input=move |ev| new_label.set(event_target_value(&ev))/>
                        {add_error_for("label")}
                    </div>
                    <button type="button" class="secondary" data-testid="new-intent-add" on:click=add>
                        "Add intent"
                    </button>
                    <p class="hint">"Then give it example phrases and save."</p>
                </fieldset>
                <p class="hint">
                    {format!("At most {MAX_INTENTS} intents, {MAX_EXAMPLES} phrases each, \
                              {MAX_EXAMPLE_CHARS} characters a phrase.")}
                </p>
                {list_error}
                <div class="form-actions">
                    <button type="submit" class="primary" data-testid="intents-save"
                        disabled=move || busy.get()>
                        {form.submission.label("Save", "Saving…")}
                    </button>
                    {move || form.saved.get().then(|| view! {
                        <span class="saved" role="status" data-testid="intents-saved">"Saved"</span>
                    })}
                    {move || form.edited.get().then(|| view! {
                        <span class="muted" data-testid="intents-unsaved">"Unsaved changes"</span>
                    })}
                </div>
            </form>
            <TryIntents rows=form.rows/>
            </Show>
        </section>
    }
}

/// The "try it" box: ranks a message against the saved intents.
#[component]
fn TryIntents(
    /// The list shown, for the labels of the ranked keys.
    rows: RwSignal<Vec<Row>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let result = RwSignal::new(None::<IntentTestResult>);
    let submission = Submission::new();
    let busy = submission.busy;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = IntentTest {
            text: text.get_untracked(),
        };
        submission.send(
            async move { api::post_json::<_, IntentTestResult>(TEST_PATH, &body).await },
            move |answer| result.set(Some(answer)),
        );
    };
    let label_of = move |key: &str| {
        rows.with_untracked(|rows| rows.iter().find(|r| r.key == key).map(|r| r.label.clone()))
    };
    view! {
        <form class="form try-it" data-testid="intents-try" novalidate on:submit=submit>
            <h3>"Try it"</h3>
            <p class="hint">"Type a message as a customer would. It is ranked by the saved intents: save first to try your changes."</p>
            <div class="form-row">
                <label for="intents-try-text">"Message"</label>
                <textarea id="intents-try-text" data-testid="intents-try-text" rows="2"
                    aria-invalid=move || submission.error.with(|e| e.as_ref().is_some_and(|e| e.field() == Some("text"))).then_some("true")
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                {submission.field_error("text")}
                {submission.form_error(&["text"])}
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="intents-try-submit" disabled=move || busy.get()>
                    {submission.label("Classify", "Classifying…")}
                </button>
            </div>
            {move || result.get().map(|answer| {
                let top = answer.ranked.first().map(|r| r.key.clone()).unwrap_or_default();
                view! {
                    <div class="try-reply" data-testid="intents-try-result" aria-live="polite">
                        <p data-testid="intents-try-verdict">
                            {if answer.confident {
                                format!("Detected: {top}, confident enough to set the conversation's intent.")
                            } else {
                                format!("Most likely {top}, but not confident: the conversation would keep its earlier intent.")
                            }}
                        </p>
                        <ol class="intent-ranking" data-testid="intents-try-ranked">
                            {answer.ranked.into_iter().map(|r| {
                                let percent = (f64::from(r.confidence) * 100.0).round();
                                let label = label_of(&r.key).unwrap_or_else(|| r.key.clone());
                                let meter_label = format!("{label}: {percent:.0}%");
                                view! {
                                    <li data-key=r.key>
                                        <span>{label}" "<code class="muted">{r.key.clone()}</code></span>" "
                                        <meter min="0" max="1" low="0.2" high="0.5" optimum="1"
                                            value=r.confidence.to_string() aria-label=meter_label></meter>
                                        " "<strong>{format!("{percent:.0}%")}</strong>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    </div>
                }
            })}
        </form>
    }
}
