//! `/settings/proactive`: proactive messages, the short messages the widget shows in a bubble by
//! its launcher when a visitor does something. The on/off switch, the rules in the order they are
//! tried (move up and down, delete, add up to the limit; one rule's editor is in [`rule`], its
//! inputs in [`fields`]), each saved rule's counts over the last days, and a live preview of the
//! bubble of the rule being edited ([`preview`]). The whole list is saved at once; a 422 is shown
//! next to the input it names (`rules[2].message`) and that input gets the focus. Reloads when
//! anyone changes the proactive settings, unless the admin has started editing here. What the
//! form holds and sends is plain Rust in [`crate::proactive_form`].

mod fields;
mod preview;
mod rule;

use leptos::prelude::*;
use shared::dashboard::SettingsArea;
use shared::proactive::{ProactivePage, RuleCounts, MAX_RULES};

use super::load_form_page;
use crate::api::{self, ApiError};
use crate::components::form::Submission;
use crate::pages::client::focus_by_id;
use crate::proactive_form::{focus_target, input_id, Blame, ProactiveForm, RuleDraft};

const PATH: &str = "/api/dashboard/settings/proactive";

/// The page's state: the form, what the server said about it, and the rule the preview shows.
#[derive(Clone, Copy)]
struct Form {
    form: RwSignal<ProactiveForm>,
    /// Set once the first page arrives.
    loaded: RwSignal<bool>,
    /// The admin changed something since the last load or save.
    edited: RwSignal<bool>,
    saved: RwSignal<bool>,
    submission: Submission,
    /// Where the last error is shown.
    blame: RwSignal<Option<Blame>>,
    counts: RwSignal<Vec<RuleCounts>>,
    /// How many days the counts cover.
    days: RwSignal<u32>,
    /// The rule the admin last worked in (the preview's); `None`: the first.
    selected: RwSignal<Option<u64>>,
}

impl Form {
    fn new() -> Self {
        Self {
            form: RwSignal::new(ProactiveForm::default()),
            loaded: RwSignal::new(false),
            edited: RwSignal::new(false),
            saved: RwSignal::new(false),
            submission: Submission::new(),
            blame: RwSignal::new(None),
            counts: RwSignal::new(Vec::new()),
            days: RwSignal::new(0),
            selected: RwSignal::new(None),
        }
    }

    /// Changes the form as the admin did.
    fn change<T: Default>(self, write: impl FnOnce(&mut ProactiveForm) -> T) -> T {
        let answer = self.form.try_update(write);
        self.edited.set(true);
        self.saved.set(false);
        answer.unwrap_or_default()
    }

    /// Changes the rule `key`.
    fn edit(self, key: u64, write: impl FnOnce(&mut RuleDraft)) {
        self.change(|f| f.rule_mut(key).map(write));
    }

    /// A field of the rule `key` now (tracked); the default once the rule is gone.
    fn read<T: Default>(self, key: u64, read: impl FnOnce(&RuleDraft) -> T) -> T {
        self.form
            .with(|f| f.rule(key).map(read))
            .unwrap_or_default()
    }

    /// The rule's place in the list, from 0 (tracked).
    fn index(self, key: u64) -> Option<usize> {
        self.form.with(|f| f.index_of(key))
    }

    /// The rule the preview shows: the one last worked in, else the first (tracked).
    fn previewed(self) -> Option<u64> {
        let selected = self.selected.get();
        self.form.with(|f| {
            selected
                .filter(|key| f.rule(*key).is_some())
                .or_else(|| f.rules.first().map(|r| r.key))
        })
    }

    /// Takes a page from the server: its counts always, its settings when `show`.
    fn take(self, page: ProactivePage, show: bool) {
        self.counts.set(page.counts);
        self.days.set(page.days);
        if show {
            self.form.update(|f| f.load(page.settings));
            self.loaded.set(true);
            self.edited.set(false);
        }
    }

    /// Shows the last error where it belongs and moves the focus there.
    fn blame_error(self) {
        let blame = self.submission.error.with(|e| {
            e.as_ref()
                .map(|e| self.form.with_untracked(|f| Blame::of(e, f)))
        });
        if let Some(id) = blame.as_ref().and_then(focus_target) {
            focus_by_id(id);
        }
        self.blame.set(blame);
    }

    /// The message of an error that belongs to no rule.
    fn form_error(self) -> impl Fn() -> Option<AnyView> + Send + Sync {
        move || {
            self.blame.with(|b| match b {
                Some(Blame::Form { message }) => Some(
                    view! { <p class="error" role="alert" data-testid="form-error">{message.clone()}</p> }
                        .into_any(),
                ),
                _ => None,
            })
        }
    }

    /// The message of an error about the list (too many rules).
    fn rules_error(self) -> impl Fn() -> Option<AnyView> + Send + Sync {
        move || {
            self.blame.with(|b| match b {
                Some(Blame::Rules { message }) => Some(
                    view! {
                        <p class="field-error" role="alert" id="proactive-rules-error"
                            data-testid="error-rules">{message.clone()}</p>
                    }
                    .into_any(),
                ),
                _ => None,
            })
        }
    }

    fn add_rule(self) {
        if let Some(key) = self.change(ProactiveForm::add) {
            self.selected.set(Some(key));
            focus_by_id(input_id(key, "name"));
        }
    }

    /// Sends the whole form, once the shared parser has nothing against it.
    fn save(self) {
        let (body, sent_keys) = self.form.with_untracked(|f| {
            let keys: Vec<u64> = f.rules.iter().map(|r| r.key).collect();
            (f.to_view(), keys)
        });
        self.saved.set(false);
        if let Err(e) = self.form.with_untracked(ProactiveForm::check) {
            self.submission.error.set(Some(e));
            return;
        }
        self.submission.send(
            {
                let body = body.clone();
                async move { api::put_json::<_, ProactivePage>(PATH, &body).await }
            },
            move |page| {
                // Show what was stored (trimmed, with the new rules' ids), unless the admin typed
                // on while it saved: then only the new rules' ids are taken.
                let unchanged = self.form.with_untracked(|f| f.to_view() == body);
                if !unchanged {
                    self.form
                        .update(|f| f.adopt_ids(&sent_keys, &page.settings));
                }
                self.take(page, unchanged);
                self.saved.set(true);
            },
        );
    }
}

#[component]
pub fn ProactivePage() -> impl IntoView {
    let form = Form::new();
    let busy = form.submission.busy;
    let load_error = RwSignal::new(None::<ApiError>);
    load_form_page::<ProactivePage>(
        SettingsArea::Proactive,
        PATH,
        form.edited,
        busy,
        load_error,
        move |page, show| form.take(page, show),
    );
    Effect::new(move |_| form.blame_error());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.loaded.get_untracked() {
            form.save();
        }
    };
    let keys = move || {
        form.form
            .with(|f| f.rules.iter().map(|r| r.key).collect::<Vec<_>>())
    };

    view! {
        <section class="settings-section" data-testid="proactive-page" aria-labelledby="proactive-title">
            <h2 id="proactive-title">"Proactive messages"</h2>
            <p class="hint">
                "A short message in a bubble by the chat launcher, shown when a visitor does \
                 something: stays a while, scrolls, idles, is about to leave, opens a page or comes \
                 back. Rules are tried in the order below; a visitor sees at most one bubble per page \
                 and never again a bubble they closed."
            </p>
            {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <Show when=move || form.loaded.get()
                fallback=move || load_error.with(Option::is_none).then(|| view! { <p class="loading">"Loading…"</p> })>
            <div class="settings-columns">
                <form class="form proactive-form" novalidate on:submit=submit data-testid="proactive-form">
                    <div class="form-row">
                        <label>
                            <input type="checkbox" id="proactive-enabled" data-testid="proactive-enabled"
                                aria-describedby="proactive-enabled-hint"
                                prop:checked=move || form.form.with(|f| f.enabled)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    form.change(|f| f.enabled = on);
                                }/>
                            " Show proactive messages"
                        </label>
                        <p class="hint" id="proactive-enabled-hint">
                            "Off: no visitor sees any bubble, whatever the rules say."
                        </p>
                    </div>
                    <h3 id="proactive-rules-title">"Rules"</h3>
                    <Show when=move || form.form.with(|f| f.rules.is_empty())>
                        <p class="notice" data-testid="proactive-no-rules">
                            "No rules yet: add one to greet visitors before they open the chat."
                        </p>
                    </Show>
                    <ol class="proactive-rules" aria-labelledby="proactive-rules-title">
                        <For each=keys key=|key| *key let:key>
                            <li><rule::RuleEditor form=form key=key/></li>
                        </For>
                    </ol>
                    <div class="form-row">
                        <div class="form-row--inline">
                            <button type="button" id="proactive-add" data-testid="proactive-add"
                                aria-describedby=move || if form.blame.with(|b| matches!(b, Some(Blame::Rules { .. }))) {
                                    "proactive-add-hint proactive-rules-error"
                                } else {
                                    "proactive-add-hint"
                                }
                                disabled=move || !form.form.with(ProactiveForm::can_add)
                                on:click=move |_| form.add_rule()>"Add a rule"</button>
                            <span class="hint" id="proactive-add-hint">
                                {move || format!("{} of {MAX_RULES} rules", form.form.with(|f| f.rules.len()))}
                            </span>
                        </div>
                        {form.rules_error()}
                    </div>
                    {form.form_error()}
                    <div class="form-actions">
                        <button type="submit" class="primary" data-testid="proactive-save"
                            disabled=move || busy.get()>
                            {form.submission.label("Save", "Saving…")}
                        </button>
                        {move || form.saved.get().then(|| view! {
                            <span class="saved" role="status" data-testid="proactive-saved">"Saved"</span>
                        })}
                    </div>
                </form>
                <preview::BubblePreview form=form/>
            </div>
            </Show>
        </section>
    }
}
