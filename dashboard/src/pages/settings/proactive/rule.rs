//! One proactive rule's editor: its place in the list (move up, move down, delete), its fields
//! (name, active, trigger and the seconds or percent it waits for, pages, message with its
//! character count, delay, how often a visitor may see it), each with the server's or the
//! parser's message under it, and the rule's counts once it is saved. Working in a rule makes it
//! the one the preview shows.

use leptos::prelude::*;

use super::fields::{described_by, field_error, hint_id, invalid, text_input, text_row, TextField};
use super::Form;
use crate::pages::client::focus_by_id;
use crate::proactive_form::{
    counts_of, input_id, message_count, open_rate, period, value_label, value_unit, ValueUnit,
    TRIGGERS,
};

/// One rule, `key`, of the form.
#[component]
pub(super) fn RuleEditor(
    /// The page's form.
    form: Form,
    /// The rule's local key.
    key: u64,
) -> impl IntoView {
    let title = move || {
        let place = form.index(key).map_or(0, |i| i + 1);
        let name = form.read(key, |r| r.name.trim().to_owned());
        if name.is_empty() {
            format!("Rule {place}")
        } else {
            format!("Rule {place}: {name}")
        }
    };
    let other_error = move || {
        form.blame
            .with(|b| b.as_ref()?.rule_other_message(key).map(str::to_owned))
            .map(|m| view! { <p class="field-error" role="alert" data-testid="error-rule">{m}</p> })
    };
    view! {
        <fieldset class="proactive-rule" data-testid="proactive-rule" data-key=key
            class:previewed=move || form.previewed() == Some(key)
            on:focusin=move |_| form.selected.set(Some(key))>
            <legend>{title}</legend>
            <RuleMoves form=form key=key/>
            {other_error}
            {text_row(form, key, TextField {
                field: "name",
                label: "Name",
                testid: "rule-name",
                hint: Some("For you and your team; visitors never see it."),
                numeric: false,
                read: |r| r.name.clone(),
                write: |r, v| r.name = v,
            })}
            <div class="form-row">
                <label>
                    <input type="checkbox" id=input_id(key, "active") data-testid="rule-active"
                        prop:checked=move || form.read(key, |r| r.active)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            form.edit(key, |r| r.active = on);
                        }/>
                    " Active"
                </label>
            </div>
            <TriggerRows form=form key=key/>
            {text_row(form, key, TextField {
                field: "pages",
                label: "Pages",
                testid: "rule-pages",
                hint: Some("/pricing, /blog/* or a full URL; empty: every page"),
                numeric: false,
                read: |r| r.pages.clone(),
                write: |r, v| r.pages = v,
            })}
            <MessageRow form=form key=key/>
            {text_row(form, key, TextField {
                field: "delaySeconds",
                label: "Delay (seconds)",
                testid: "rule-delay",
                hint: Some("How long after the trigger the bubble shows: 0 to 600."),
                numeric: true,
                read: |r| r.delay_seconds.clone(),
                write: |r, v| r.delay_seconds = v,
            })}
            <CapRow form=form key=key/>
            <RuleCountsView form=form key=key/>
        </fieldset>
    }
}

/// Move up, move down and delete. The focus stays on the button pressed (or its neighbour once
/// the rule reached an end); after a delete it goes to "Add a rule".
#[component]
fn RuleMoves(form: Form, key: u64) -> impl IntoView {
    let place = move || form.index(key).map_or(0, |i| i + 1);
    let at_top = move || form.index(key).is_none_or(|i| i == 0);
    let at_bottom = move || {
        form.form
            .with(|f| f.index_of(key).is_none_or(|i| i + 1 == f.rules.len()))
    };
    let shift = move |up: bool| {
        if !form.change(|f| f.shift(key, up)) {
            return;
        }
        // Moved to an end, the button pressed is disabled: the focus goes to the other one.
        let stuck = form.form.with_untracked(|f| match f.index_of(key) {
            Some(i) if up => i == 0,
            Some(i) => i + 1 == f.rules.len(),
            None => true,
        });
        let button = if up != stuck { "up" } else { "down" };
        focus_by_id(input_id(key, button));
    };
    let remove = move || {
        form.change(|f| f.remove(key));
        focus_by_id("proactive-add".to_owned());
    };
    view! {
        <div class="rule-tools">
            <button type="button" id=input_id(key, "up") data-testid="rule-up"
                aria-label=move || format!("Move rule {} up", place())
                disabled=at_top on:click=move |_| shift(true)>"↑"</button>
            <button type="button" id=input_id(key, "down") data-testid="rule-down"
                aria-label=move || format!("Move rule {} down", place())
                disabled=at_bottom on:click=move |_| shift(false)>"↓"</button>
            <button type="button" class="danger" data-testid="rule-delete"
                aria-label=move || format!("Delete rule {}", place())
                on:click=move |_| remove()>"Delete"</button>
        </div>
    }
}

/// The trigger select and, for the triggers that wait for a number, its input.
#[component]
fn TriggerRows(form: Form, key: u64) -> impl IntoView {
    let kind = move || form.read(key, |r| r.trigger.clone());
    // Only a change of unit redraws the value input (not every keystroke, which would drop the
    // focus).
    let unit = Memo::new(move |_| value_unit(&kind()));
    let select_id = input_id(key, "trigger");
    let value_row = move || {
        unit.get().map(|unit| {
            let suffix = match unit {
                ValueUnit::Seconds => "seconds",
                ValueUnit::Percent => "%",
            };
            view! {
                <div class="form-row">
                    <label for=input_id(key, "triggerValue")>{move || value_label(&kind())}</label>
                    <div class="form-row--inline">
                        {text_input(form, key, TextField {
                            field: "triggerValue",
                            label: "",
                            testid: "rule-trigger-value",
                            hint: None,
                            numeric: true,
                            read: |r| r.trigger_value.clone(),
                            write: |r, v| r.trigger_value = v,
                        })}
                        <span aria-hidden="true">{suffix}</span>
                    </div>
                    {field_error(form, key, "triggerValue")}
                </div>
            }
        })
    };
    view! {
        <div class="form-row">
            <label for=select_id.clone()>"Trigger"</label>
            <select id=select_id data-testid="rule-trigger"
                aria-invalid=invalid(form, key, "trigger")
                aria-describedby=described_by(form, key, "trigger", false)
                prop:value=kind
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    form.edit(key, |r| r.set_trigger(v));
                }>
                {TRIGGERS.into_iter().map(|(value, label)| view! {
                    <option value=value selected=move || kind() == value>{label}</option>
                }).collect_view()}
            </select>
            {field_error(form, key, "trigger")}
        </div>
        {value_row}
    }
}

/// The message, with its length out of the limit.
#[component]
fn MessageRow(form: Form, key: u64) -> impl IntoView {
    let id = input_id(key, "message");
    let count = move || message_count(&form.read(key, |r| r.message.clone()));
    view! {
        <div class="form-row">
            <label for=id.clone()>"Message"</label>
            <textarea id=id data-testid="rule-message" rows="3"
                aria-invalid=invalid(form, key, "message")
                aria-describedby=described_by(form, key, "message", true)
                prop:value=move || form.read(key, |r| r.message.clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    form.edit(key, |r| r.message = v);
                }></textarea>
            <p class="hint message-count" id=hint_id(key, "message") data-testid="rule-message-count"
                class:over=move || count().1>
                {move || format!("{} characters", count().0)}
            </p>
            {field_error(form, key, "message")}
        </div>
    }
}

/// How often one visitor may see the bubble: once per session, or once every N days.
#[component]
fn CapRow(form: Form, key: u64) -> impl IntoView {
    let per_visitor = Memo::new(move |_| form.read(key, |r| r.per_visitor));
    let choice = move || {
        if per_visitor.get() {
            "visitor"
        } else {
            "session"
        }
    };
    let select_id = input_id(key, "cap");
    let days = move || {
        per_visitor.get().then(|| {
            view! {
                <label for=input_id(key, "capDays")>"Days"</label>
                {text_input(form, key, TextField {
                    field: "capDays",
                    label: "Days",
                    testid: "rule-cap-days",
                    hint: None,
                    numeric: true,
                    read: |r| r.cap_days.clone(),
                    write: |r, v| r.cap_days = v,
                })}
            }
        })
    };
    view! {
        <div class="form-row">
            <label for=select_id.clone()>"How often a visitor may see it"</label>
            <div class="form-row--inline">
                <select id=select_id data-testid="rule-cap" aria-describedby=hint_id(key, "cap")
                    prop:value=choice
                    on:change=move |ev| {
                        let on = event_target_value(&ev) == "visitor";
                        form.edit(key, |r| r.per_visitor = on);
                    }>
                    <option value="session" selected=move || choice() == "session">"Once per browsing session"</option>
                    <option value="visitor" selected=move || choice() == "visitor">"Once per visitor every N days"</option>
                </select>
                {days}
            </div>
            <p class="hint" id=hint_id(key, "cap")>"Either way, never again once they closed it."</p>
            {field_error(form, key, "capDays")}
        </div>
    }
}

/// Shown, opened, dismissed and the open rate over the counted days; a new rule has none yet.
#[component]
fn RuleCountsView(form: Form, key: u64) -> impl IntoView {
    let id = Memo::new(move |_| form.read(key, |r| r.id.clone()));
    move || {
        match id.get() {
        None => view! {
            <p class="hint" data-testid="rule-counts-none">"Counts start once the rule is saved."</p>
        }
        .into_any(),
        Some(id) => {
            let counts = Memo::new(move |_| form.counts.with(|all| counts_of(all, &id)));
            view! {
                <div class="proactive-counts" data-testid="rule-counts">
                    <p class="label">{move || period(form.days.get())}</p>
                    <dl>
                        <div><dt>"Shown"</dt><dd data-testid="count-shown">{move || counts.with(|c| c.shown)}</dd></div>
                        <div><dt>"Opened"</dt><dd data-testid="count-opened">{move || counts.with(|c| c.opened)}</dd></div>
                        <div><dt>"Dismissed"</dt><dd data-testid="count-dismissed">{move || counts.with(|c| c.dismissed)}</dd></div>
                        <div>
                            <dt>"Open rate"</dt>
                            <dd data-testid="open-rate">{move || counts.with(|c| open_rate(c.shown, c.opened))}</dd>
                        </div>
                    </dl>
                </div>
            }
            .into_any()
        }
    }
    }
}
