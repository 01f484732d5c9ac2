//! `/settings/routing`: routing rules in evaluation order (move up and down among rules of equal
//! priority, add, edit, delete after a confirm), the handoff settings with business hours (see
//! [`handoff`]) and a "test a message" box that shows which rule matched and why for each.
//! Reloads whenever anyone changes the routing settings or the assistants.

mod handoff;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::Channel;
use shared::assistant_settings::{AssistantSummary, CHANNELS};
use shared::dashboard::SettingsArea;
use shared::routing::{
    FieldError, IntentGuess, RuleInput, RuleTarget, RuleView, TestRequest, TestResult, TestTarget,
    TimeWindow, DEFAULT_INTENTS,
};

use super::assistant::channel_label;
use super::SettingsEvents;
use crate::api::{assistants as assistants_api, routing as api, ApiError};
use crate::components::form::{value_of, Field, Submission};

/// A shared parser's complaint, shown like the server's 422.
pub(crate) fn local_error(e: FieldError) -> ApiError {
    ApiError::from(e)
}

fn window_label(window: TimeWindow) -> &'static str {
    match window {
        TimeWindow::Any => "Any time",
        TimeWindow::BusinessHours => "During business hours",
        TimeWindow::AfterHours => "After hours",
    }
}

/// What a rule sends to, as a sentence.
fn target_label(rule: &RuleView) -> String {
    match (&rule.target, &rule.target_name) {
        (RuleTarget::Human, _) => "The human team".to_owned(),
        (RuleTarget::Assistant { .. }, Some(name)) => name.clone(),
        (RuleTarget::Assistant { .. }, None) => "A deleted assistant (edit this rule)".to_owned(),
    }
}

/// The rule's conditions in a line.
fn conditions(rule: &RuleView) -> String {
    let mut parts = Vec::new();
    if !rule.keywords.is_empty() {
        parts.push(format!("keywords: {}", rule.keywords.join(", ")));
    }
    if let Some(intent) = &rule.intent {
        parts.push(format!("intent: {intent}"));
    }
    if !rule.channels.is_empty() {
        let names: Vec<&str> = rule.channels.iter().map(|c| channel_label(*c)).collect();
        parts.push(names.join(", "));
    }
    if rule.time_window != TimeWindow::Any {
        parts.push(window_label(rule.time_window).to_lowercase());
    }
    if parts.is_empty() {
        "every message".to_owned()
    } else {
        parts.join(" · ")
    }
}

#[component]
pub fn RoutingPage() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let rules = RwSignal::new(None::<Result<Vec<RuleView>, ApiError>>);
    let assistants = RwSignal::new(Vec::<AssistantSummary>::new());
    // The rule being edited (`Some(None)`: a new one).
    let editing = RwSignal::new(None::<Option<RuleView>>);
    Effect::new(move |_| {
        events.version(SettingsArea::Routing);
        events.version(SettingsArea::Assistants);
        spawn_local(async move {
            let (loaded, listed) = (api::rules().await, assistants_api::list().await);
            if rules.is_disposed() {
                return;
            }
            rules.set(Some(loaded));
            if let Ok(listed) = listed {
                assistants.set(listed);
            }
        });
    });
    view! {
        <section class="settings-section" data-testid="routing-page" aria-labelledby="routing-title">
            <h2 id="routing-title">"Routing & handoff"</h2>
            <p class="hint">
                "Active rules are tried by priority (higher first); among equal priorities, in the \
                 order below. The first rule whose every condition holds picks who answers; when \
                 none does, the channel's default assistant answers, except that small talk \
                 (“thanks!”, “hi again”) stays with the assistant already \
                 answering."
            </p>
            {move || match rules.get() {
                None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e.message()}</p> }.into_any(),
                Some(Ok(list)) => view! { <RuleTable rules=list rules_signal=rules editing=editing/> }.into_any(),
            }}
            {move || match editing.get() {
                None => view! {
                    <button type="button" class="primary" data-testid="add-rule"
                        on:click=move |_| editing.set(Some(None))>"Add a rule"</button>
                }.into_any(),
                Some(rule) => view! {
                    <RuleForm rule=rule assistants=assistants editing=editing rules=rules/>
                }.into_any(),
            }}
            <TestBox/>
            <handoff::HandoffSection/>
        </section>
    }
}

#[component]
fn RuleTable(
    /// The rules in evaluation order.
    rules: Vec<RuleView>,
    /// Set with the answer of a reorder or after a delete.
    rules_signal: RwSignal<Option<Result<Vec<RuleView>, ApiError>>>,
    /// Opens the form on a rule.
    editing: RwSignal<Option<Option<RuleView>>>,
) -> impl IntoView {
    if rules.is_empty() {
        return view! {
            <p class="notice" data-testid="no-rules">
                "No rules yet: every conversation goes to the channel's default assistant."
            </p>
        }
        .into_any();
    }
    let confirming = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let action_error = RwSignal::new(None::<String>);
    let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let priorities: Vec<u8> = rules.iter().map(|r| r.priority).collect();
    let swap = move |order: Vec<String>| {
        busy.set(true);
        spawn_local(async move {
            let result = api::reorder(order).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            match result {
                Ok(list) => rules_signal.set(Some(Ok(list))),
                Err(e) => action_error.set(Some(e.message())),
            }
        });
    };
    let remove = move |id: String| {
        busy.set(true);
        spawn_local(async move {
            let result = api::remove(&id).await;
            if busy.is_disposed() {
                return;
            }
            busy.set(false);
            confirming.set(None);
            match result {
                Ok(()) => rules_signal.update(|r| {
                    if let Some(Ok(list)) = r {
                        list.retain(|rule| rule.id != id);
                    }
                }),
                Err(e) => action_error.set(Some(e.message())),
            }
        });
    };
    let rows = rules
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            // Position only breaks ties: moving is offered among rules of equal priority.
            let up = (i > 0 && priorities[i - 1] == rule.priority).then(|| {
                let mut order = ids.clone();
                order.swap(i - 1, i);
                order
            });
            let down = (i + 1 < ids.len() && priorities[i + 1] == rule.priority).then(|| {
                let mut order = ids.clone();
                order.swap(i, i + 1);
                order
            });
            let (can_up, can_down) = (up.is_some(), down.is_some());
            let id = StoredValue::new(rule.id.clone());
            let is_confirming = move || confirming.get() == Some(id.get_value());
            let edit_rule = StoredValue::new(rule.clone());
            view! {
                <tr data-testid="rule-row" data-rule-id=rule.id.clone()
                    class:inactive=!rule.active>
                    <td>{rule.priority}</td>
                    <td>
                        <strong>{rule.name.clone()}</strong>
                        {(!rule.active).then(|| view! { <span class="badge">"Off"</span> })}
                        <p class="hint">{conditions(&rule)}</p>
                    </td>
                    <td>{target_label(&rule)}</td>
                    <td class="actions">
                        <button type="button" data-testid="move-up" aria-label="Move up"
                            disabled=move || !can_up || busy.get()
                            on:click=move |_| if let Some(order) = up.clone() { swap(order) }>"↑"</button>
                        <button type="button" data-testid="move-down" aria-label="Move down"
                            disabled=move || !can_down || busy.get()
                            on:click=move |_| if let Some(order) = down.clone() { swap(order) }>"↓"</button>
                        <button type="button" data-testid="edit-rule"
                            on:click=move |_| editing.set(Some(Some(edit_rule.get_value())))>"Edit"</button>
                        <button type="button" class="danger" data-testid="delete-rule"
                            hidden=is_confirming
                            on:click=move |_| confirming.set(Some(id.get_value()))>"Delete"</button>
                        <Show when=is_confirming>
                            <span class="confirm" role="group" aria-label="Confirm delete">
                                "Delete this rule? "
                                <button type="button" class="danger" data-testid="confirm-delete"
                                    disabled=move || busy.get()
                                    on:click=move |_| remove(id.get_value())>"Delete"</button>
                                <button type="button" data-testid="cancel-delete"
                                    on:click=move |_| confirming.set(None)>"Cancel"</button>
                            </span>
                        </Show>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {move || action_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <table class="settings-table" data-testid="rules-table">
            <thead>
                <tr>
                    <th>"Priority"</th>
                    <th>"Rule"</th>
                    <th>"Sends to"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The form's fields, as the server names them in a 422.
const RULE_FIELDS: &[&str] = &[
    "name",
    "priority",
    "keywords",
    "intent",
    "channels",
    "timeWindow",
    "targetKind",
    "targetAssistantId",
];

/// Adds a rule (`rule: None`) or edits one.
#[component]
fn RuleForm(
    rule: Option<RuleView>,
    /// The choices of target assistant.
    assistants: RwSignal<Vec<AssistantSummary>>,
    /// Closed (`None`) on save or cancel.
    editing: RwSignal<Option<Option<RuleView>>>,
    /// Updated with the saved rule.
    rules: RwSignal<Option<Result<Vec<RuleView>, ApiError>>>,
) -> impl IntoView {
    let id = rule.as_ref().map(|r| r.id.clone());
    let start = rule.as_ref().map(RuleView::to_input).unwrap_or_default();
    let form = Submission::new();
    let name = NodeRef::new();
    let priority = NodeRef::new();
    let keywords = NodeRef::new();
    let intent = NodeRef::new();
    let active = RwSignal::new(start.active);
    let channels = RwSignal::new(
        start
            .channels
            .iter()
            .filter_map(|c| Channel::parse(c))
            .collect::<Vec<_>>(),
    );
    let window = RwSignal::new(start.time_window.clone());
    let target = RwSignal::new(match (&start.target_kind[..], &start.target_assistant_id) {
        ("human", _) => "human".to_owned(),
        (_, Some(id)) => id.clone(),
        _ => String::new(),
    });
    // The text inputs start with the rule's values.
    let initial = StoredValue::new(start);
    Effect::new(move |_| {
        let start = initial.get_value();
        let set = |node: NodeRef<leptos::html::Input>, value: &str| {
            if let Some(input) = node.get() {
                input.set_value(value);
            }
        };
        set(name, &start.name);
        set(priority, &start.priority.to_string());
        set(keywords, &start.keywords.join(", "));
        set(intent, start.intent.as_deref().unwrap_or_default());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = target.get_untracked();
        let input = RuleInput {
            name: value_of(name),
            // Not a number: out of range, so the parser names the field.
            priority: value_of(priority).trim().parse().unwrap_or(-1),
            active: active.get_untracked(),
            keywords: value_of(keywords).split(',').map(str::to_owned).collect(),
            intent: Some(value_of(intent)),
            channels: channels
                .get_untracked()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            time_window: window.get_untracked(),
            target_kind: if chosen == "human" {
                "human"
            } else {
                "assistant"
            }
            .to_owned(),
            target_assistant_id: (chosen != "human").then_some(chosen),
        };
        if let Err(e) = input.parse() {
            form.error.set(Some(local_error(e)));
            return;
        }
        let id = id.clone();
        form.send(
            async move {
                match id {
                    Some(id) => api::update(&id, &input).await,
                    None => api::create(&input).await,
                }
            },
            move |_saved| {
                editing.set(None);
                // The list comes back in evaluation order.
                spawn_local(async move {
                    let list = api::rules().await;
                    if !rules.is_disposed() {
                        rules.set(Some(list));
                    }
                });
            },
        );
    };
    view! {
        <form class="settings-form" data-testid="rule-form" novalidate on:submit=submit>
            <h3>{if initial.with_value(|s| s.name.is_empty()) { "New rule" } else { "Edit rule" }}</h3>
            <Field form=form field="name" id="rule-name" label="Name" node_ref=name maxlength=80
                testid="rule-name"/>
            <Field form=form field="priority" id="rule-priority" label="Priority (0–100, higher first)"
                node_ref=priority kind="number" testid="rule-priority"
                hint="90–100: urgent and specific; 50–89: general; 0–49: catch-all."/>
            <label class="checkbox">
                <input type="checkbox" data-testid="rule-active" prop:checked=move || active.get()
                    on:change=move |ev| active.set(event_target_checked(&ev))/>
                "Active"
            </label>
            <Field form=form field="keywords" id="rule-keywords" label="Keywords (comma separated)"
                node_ref=keywords testid="rule-keywords"
                hint="Any of them, as a whole word or phrase, in any case: refund, charged twice, speak to a human. Empty: no keyword condition."/>
            <label for="rule-intent">"Intent"</label>
            <input id="rule-intent" name="intent" list="rule-intents" data-testid="rule-intent"
                node_ref=intent autocomplete="off" placeholder="any intent"/>
            <datalist id="rule-intents">
                {DEFAULT_INTENTS.iter().map(|i| view! { <option value=*i></option> }).collect_view()}
            </datalist>
            {form.field_error("intent")}
            <fieldset data-testid="rule-channels">
                <legend>"Channels (none ticked: every channel)"</legend>
                {CHANNELS.into_iter().map(|channel| view! {
                    <label class="checkbox">
                        <input type="checkbox" data-testid=format!("rule-channel-{}", channel.as_str())
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
                }).collect_view()}
            </fieldset>
            {form.field_error("channels")}
            <label for="rule-window">"When"</label>
            <select id="rule-window" data-testid="rule-window" prop:value=move || window.get()
                on:change=move |ev| window.set(event_target_value(&ev))>
                {TimeWindow::ALL.into_iter().map(|w| view! {
                    <option value=w.as_str() selected=move || window.get() == w.as_str()>{window_label(w)}</option>
                }).collect_view()}
            </select>
            {form.field_error("timeWindow")}
            <label for="rule-target">"Send to"</label>
            <select id="rule-target" data-testid="rule-target" prop:value=move || target.get()
                on:change=move |ev| target.set(event_target_value(&ev))>
                <option value="" disabled=true selected=move || target.get().is_empty()>"Choose…"</option>
                {move || assistants.get().into_iter().map(|a| {
                    let value = a.id.clone();
                    view! {
                        <option value=a.id selected=move || target.get() == value>{a.name}</option>
                    }
                }).collect_view()}
                <option value="human" selected=move || target.get() == "human">"The human team"</option>
            </select>
            {form.field_error("targetAssistantId")}
            {form.field_error("targetKind")}
            {form.form_error(RULE_FIELDS)}
            <div class="form-actions">
                <button type="submit" class="primary" data-testid="rule-save"
                    disabled=move || form.busy.get()>{form.label("Save rule", "Saving…")}</button>
                <button type="button" data-testid="rule-cancel" on:click=move |_| editing.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

/// "Test a message": which rule would match now, and why for each rule.
#[component]
fn TestBox() -> impl IntoView {
    let form = Submission::new();
    let message = NodeRef::new();
    let intent = NodeRef::new();
    let confidence = NodeRef::new();
    let channel = RwSignal::new("web".to_owned());
    // Answers so far, numbered: a new answer is told from the last even when it reads the same.
    let result = RwSignal::new(None::<(u32, TestResult)>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let key = value_of(intent).trim().to_owned();
        let request = TestRequest {
            message: value_of(message),
            channel: channel.get_untracked(),
            intent: (!key.is_empty()).then(|| IntentGuess {
                key,
                confidence: value_of(confidence).trim().parse().unwrap_or(1.0),
            }),
            at: None,
        };
        form.send(async move { api::test(&request).await }, move |answer| {
            let run = result.with_untracked(|r| r.as_ref().map_or(0, |(n, _)| *n)) + 1;
            result.set(Some((run, answer)));
        });
    };
    view! {
        <form class="settings-form" data-testid="routing-test" novalidate on:submit=submit>
            <h3>"Test a message"</h3>
            <Field form=form field="message" id="test-message" label="Message" node_ref=message
                testid="test-message"/>
            <label for="test-channel">"Channel"</label>
            <select id="test-channel" data-testid="test-channel" prop:value=move || channel.get()
                on:change=move |ev| channel.set(event_target_value(&ev))>
                {CHANNELS.into_iter().map(|c| view! { <option value=c.as_str()>{channel_label(c)}</option> }).collect_view()}
            </select>
            {form.field_error("channel")}
            <label for="test-intent">"Detected intent (optional)"</label>
            <input id="test-intent" list="rule-intents" data-testid="test-intent" node_ref=intent
                autocomplete="off" placeholder="unknown"/>
            <label for="test-confidence">"Confidence (0–1)"</label>
            <input id="test-confidence" type="number" min="0" max="1" step="0.05" value="0.9"
                data-testid="test-confidence" node_ref=confidence/>
            {form.field_error("intent")}
            {form.form_error(&["message", "channel", "intent"])}
            <button type="submit" class="primary" data-testid="test-submit"
                disabled=move || form.busy.get()>{form.label("Test", "Testing…")}</button>
            {move || result.get().map(|(run, r)| view! { <TestOutcome result=r run=run/> })}
        </form>
    }
}

#[component]
fn TestOutcome(
    result: TestResult,
    /// Which answer of the box this is (1, 2, …).
    run: u32,
) -> impl IntoView {
    let goes_to = match &result.target {
        TestTarget::Assistant { assistant_name, .. } => assistant_name.clone(),
        TestTarget::Human => "the human team".to_owned(),
        TestTarget::Default { assistant_name, .. } => format!(
            "{} (default)",
            assistant_name
                .clone()
                .unwrap_or_else(|| "no assistant".to_owned())
        ),
    };
    let intent = &result.intent;
    let percent = (f64::from(intent.confidence) * 100.0).round();
    let intent_line = format!(
        "Intent: {} ({percent:.0}%), {}{}",
        intent.key,
        intent.detected_by.as_ref().map_or_else(
            || "as given".to_owned(),
            |by| format!("detected by the {by} classifier")
        ),
        if intent.confident {
            "."
        } else {
            ": too uncertain for a rule's intent condition."
        }
    );
    let headline = match &result.rule_name {
        Some(rule) => format!("Rule \"{rule}\" matched: it goes to {goes_to}."),
        None => format!("No rule matched: it goes to {goes_to}."),
    };
    view! {
        <div class="test-result" role="status" data-testid="test-result" data-run=run>
            <p data-testid="test-headline"><strong>{headline}</strong></p>
            <p data-testid="test-detected" data-key=result.intent.key.clone()
                data-confident=result.intent.confident.to_string()>{intent_line}</p>
            <p class="hint" data-testid="test-hours">{if !result.business_hours_set {
                "No business hours set: the team is never shown as away."
            } else if result.business_hours {
                "Within business hours."
            } else {
                "Outside business hours."
            }}</p>
            {result.closed_message.map(|m| view! { <p data-testid="test-closed">{format!("The visitor is told: {m}")}</p> })}
            <ol class="checks">
                {result.checks.into_iter().map(|check| view! {
                    <li data-testid="test-check" class:matched=check.matched>
                        <strong>{check.rule_name}</strong>
                        {if check.matched { " ✓ " } else { " ✗ " }}
                        <span>{check.why}</span>
                    </li>
                }).collect_view()}
            </ol>
        </div>
    }
}
