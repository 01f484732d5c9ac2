//! The handoff settings of `/settings/routing`: on/off, the guardrails, the message style or a
//! template, and business hours (off until the admin sets them; then a time zone and weekly
//! openings, overnight allowed).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::SettingsArea;
use shared::routing::{
    suggested_hours, HandoffForm, HandoffPage, HoursRange, MessageStyle, WEEKDAYS,
};

use super::local_error;
use crate::api::{routing as api, ApiError};
use crate::components::form::Submission;
use crate::pages::settings::SettingsEvents;

/// Suggested in the time zone box; any IANA name is taken.
const TIME_ZONES: [&str; 12] = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
];

const FIELDS: &[&str] = &[
    "maxHandoffs",
    "failuresBeforeHuman",
    "messageStyle",
    "handoffTemplate",
    "timeZone",
    "weeklyHours",
];

/// One change to the form, applied in place.
type Edit = Box<dyn FnOnce(&mut HandoffForm)>;

fn style_label(style: MessageStyle) -> &'static str {
    match style {
        MessageStyle::Default => "Default",
        MessageStyle::Professional => "Professional",
        MessageStyle::Casual => "Casual",
        MessageStyle::Brief => "Brief",
        MessageStyle::Detailed => "Detailed",
        MessageStyle::AiGenerated => "AI generated",
    }
}

fn capitalized(day: &str) -> String {
    let mut chars = day.chars();
    chars
        .next()
        .map(|c| format!("{}{}", c.to_uppercase(), chars.as_str()))
        .unwrap_or_default()
}

#[component]
pub fn HandoffSection() -> impl IntoView {
    let events = expect_context::<SettingsEvents>();
    let settings = RwSignal::new(None::<HandoffForm>);
    let status = RwSignal::new(None::<(bool, Option<String>)>);
    let load_error = RwSignal::new(None::<ApiError>);
    let edited = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let form = Submission::new();
    let load = move |page: HandoffPage| {
        settings.set(Some(page.settings));
        status.set(Some((page.open_now, page.closed_message)));
        edited.set(false);
    };
    Effect::new(move |_| {
        events.version(SettingsArea::Routing);
        spawn_local(async move {
            let result = api::handoff().await;
            if settings.is_disposed() {
                return;
            }
            match result {
                // Never overwrite what the admin is typing.
                Ok(page) if !edited.get_untracked() => load(page),
                Ok(_) => {}
                Err(e) => load_error.set(Some(e)),
            }
        });
    });
    let change = move |write: Edit| {
        settings.update(|s| {
            if let Some(s) = s {
                write(s);
            }
        });
        edited.set(true);
        saved.set(false);
    };
    let hours_on = move || settings.with(|s| s.as_ref().is_some_and(|s| s.business_hours_enabled));
    let read = move |f: fn(&HandoffForm) -> String| {
        settings.with(|s| s.as_ref().map(f).unwrap_or_default())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(body) = settings.get_untracked() else {
            return;
        };
        if let Err(e) = body.parse() {
            form.error.set(Some(local_error(e)));
            return;
        }
        form.send(async move { api::save_handoff(&body).await }, move |page| {
            load(page);
            saved.set(true);
        });
    };
    let number = move |id: &'static str,
                       label: &'static str,
                       field: &'static str,
                       get: fn(&HandoffForm) -> i64,
                       set: fn(&mut HandoffForm, i64)| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="number" min="1" max="10" data-testid=id
                prop:value=move || settings.with(|s| s.as_ref().map(get).unwrap_or_default().to_string())
                on:change=move |ev| {
                    let v = event_target_value(&ev).trim().parse().unwrap_or(0);
                    change(Box::new(move |s| set(s, v)));
                }/>
            {form.field_error(field)}
        }
    };
    view! {
        <form class="settings-form" data-testid="handoff-form" novalidate on:submit=submit>
            <h3>"Handoff settings"</h3>
            {move || load_error.get().map(|e| view! { <p class="error" role="alert">{e.message()}</p> })}
            <Show when=move || settings.with(Option::is_some)>
                <label class="checkbox">
                    <input type="checkbox" data-testid="handoff-enabled"
                        prop:checked=move || settings.with(|s| s.as_ref().is_some_and(|s| s.handoff_enabled))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            change(Box::new(move |s| s.handoff_enabled = on));
                        }/>
                    "Assistants may hand a conversation to a better-suited assistant"
                </label>
                {number("handoff-max", "Handoffs per conversation (past it, a human takes over)", "maxHandoffs",
                    |s| s.max_handoffs, |s, v| s.max_handoffs = v)}
                {number("handoff-failures", "Replies in a row that could not answer before a human takes over",
                    "failuresBeforeHuman", |s| s.failures_before_human, |s, v| s.failures_before_human = v)}
                <label for="handoff-style">"Message style"</label>
                <select id="handoff-style" data-testid="handoff-style"
                    prop:value=move || read(|s| s.message_style.clone())
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        change(Box::new(move |s| s.message_style = v));
                    }>
                    {MessageStyle::ALL.into_iter().map(|m| view! {
                        <option value=m.as_str() selected=move || read(|s| s.message_style.clone()) == m.as_str()>
                            {style_label(m)}
                        </option>
                    }).collect_view()}
                </select>
                {form.field_error("messageStyle")}
                <Show when=move || read(|s| s.message_style.clone()) == MessageStyle::AiGenerated.as_str()>
                    <p class="hint" data-testid="handoff-style-ai">
                        "The assistant words the message itself from the facts (who takes over, what \
                         they handle, the customer's topic). With the OpenAI-compatible provider the \
                         model writes a short line, guided by your template if you set one, and falls \
                         back to that template (else the default one) when it cannot; with the \
                         embedded assistant, a sentence is composed from the same facts."
                    </p>
                </Show>
                <label for="handoff-template">"Custom template (empty: the style's)"</label>
                <textarea id="handoff-template" data-testid="handoff-template" rows="2" maxlength="500"
                    placeholder=move || MessageStyle::parse(&read(|s| s.message_style.clone()))
                        .unwrap_or_default().template()
                    prop:value=move || read(|s| s.handoff_template.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        change(Box::new(move |s| s.handoff_template = v));
                    }></textarea>
                <p class="hint">"Placeholders: {agent_name}, {customer_intent}, {task_description}."</p>
                {form.field_error("handoffTemplate")}
                <h4>"Business hours"</h4>
                <label class="checkbox">
                    <input type="checkbox" data-testid="hours-enabled"
                        prop:checked=hours_on
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            change(Box::new(move |s| {
                                s.business_hours_enabled = on;
                                // A starting point to edit, shown before anything is saved.
                                if on && s.weekly_hours.is_empty() {
                                    s.weekly_hours = suggested_hours();
                                }
                            }));
                        }/>
                    "Set business hours (when the team answers)"
                </label>
                <Show when=hours_on
                    fallback=|| view! {
                        <p class="notice" data-testid="hours-unset">
                            "No business hours set: the team is never shown as away. Rules for                              business hours always apply, and after-hours rules never do."
                        </p>
                    }>
                    {move || status.get().filter(|_| !edited.get()).map(|(open, closed)| view! {
                        <p class="hint" data-testid="hours-now">
                            {if open { "Open now.".to_owned() } else {
                                format!("Closed now. Visitors handed to the team are told: {}", closed.unwrap_or_default())
                            }}
                        </p>
                    })}
                    <label for="handoff-tz">"Time zone"</label>
                    <input id="handoff-tz" list="time-zones" data-testid="handoff-tz" autocomplete="off"
                        prop:value=move || read(|s| s.time_zone.clone())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            change(Box::new(move |s| s.time_zone = v));
                        }/>
                    <datalist id="time-zones">
                        {TIME_ZONES.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                    </datalist>
                    <HoursEditor settings=settings change=Callback::new(move |w| change(w))/>
                </Show>
                // Outside the toggle: a bad kept value is named even while the hours are off.
                {form.field_error("timeZone")}
                {form.field_error("weeklyHours")}
                {form.form_error(FIELDS)}
                <div class="form-actions">
                    <button type="submit" class="primary" data-testid="handoff-save"
                        disabled=move || form.busy.get()>{form.label("Save handoff settings", "Saving…")}</button>
                    {move || saved.get().then(|| view! { <span class="saved" role="status" data-testid="handoff-saved">"Saved"</span> })}
                </div>
            </Show>
        </form>
    }
}

/// The weekly openings, one row each: day, opens, closes (a close before the open is the next
/// day's).
#[component]
fn HoursEditor(
    settings: RwSignal<Option<HandoffForm>>,
    /// Applies an edit to the form.
    change: Callback<Edit>,
) -> impl IntoView {
    // Rows are redrawn only when one is added or removed, so typing keeps its place.
    let count =
        Memo::new(move |_| settings.with(|s| s.as_ref().map_or(0, |s| s.weekly_hours.len())));
    let cell = move |i: usize, read: fn(&HoursRange) -> String| {
        settings.with(|s| {
            s.as_ref()
                .and_then(|s| s.weekly_hours.get(i))
                .map(read)
                .unwrap_or_default()
        })
    };
    let edit = move |i: usize, write: fn(&mut HoursRange, String), value: String| {
        change.run(Box::new(move |s| {
            if let Some(range) = s.weekly_hours.get_mut(i) {
                write(range, value);
            }
        }));
    };
    view! {
        <table class="settings-table hours" data-testid="hours-table">
            <thead><tr><th>"Day"</th><th>"Opens"</th><th>"Closes"</th><th></th></tr></thead>
            <tbody>
                {move || (0..count.get()).map(|i| view! {
                    <tr data-testid="hours-row">
                        <td>
                            <select aria-label="Day" prop:value=move || cell(i, |r| r.day.clone())
                                on:change=move |ev| edit(i, |r, v| r.day = v, event_target_value(&ev))>
                                {WEEKDAYS.iter().map(|d| view! {
                                    <option value=*d selected=move || cell(i, |r| r.day.clone()) == *d>{capitalized(d)}</option>
                                }).collect_view()}
                            </select>
                        </td>
                        <td><input type="time" aria-label="Opens" prop:value=move || cell(i, |r| r.open.clone())
                            on:change=move |ev| edit(i, |r, v| r.open = v, event_target_value(&ev))/></td>
                        <td><input type="text" aria-label="Closes" size="5" placeholder="17:00"
                            prop:value=move || cell(i, |r| r.close.clone())
                            on:change=move |ev| edit(i, |r, v| r.close = v, event_target_value(&ev))/></td>
                        <td><button type="button" data-testid="hours-remove"
                            on:click=move |_| change.run(Box::new(move |s| { s.weekly_hours.remove(i); }))>"Remove"</button></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <button type="button" data-testid="hours-add"
            on:click=move |_| change.run(Box::new(|s| s.weekly_hours.push(HoursRange {
                day: "monday".into(),
                open: "09:00".into(),
                close: "17:00".into(),
            })))>"Add opening hours"</button>
        <p class="hint">"Close is a 24-hour time; 24:00 is midnight, and a close before the open is the next day's (22:00–02:00)."</p>
    }
}
