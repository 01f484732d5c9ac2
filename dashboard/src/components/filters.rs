//! The search box and the filters above the list, and the export links for what they select.

use std::time::Duration;

use leptos::prelude::*;
use shared::api::{Channel, ConversationStatus};

use crate::desk::Desk;
use crate::format::{channel_label, status_label, INTENTS};
use crate::query::export_href;

/// The search waits this long after the last keystroke before it asks the server.
const SEARCH_DEBOUNCE: Duration = Duration::from_millis(250);

const CHANNELS: [Channel; 4] = [Channel::Web, Channel::Sms, Channel::Email, Channel::Voice];
const STATUSES: [ConversationStatus; 4] = [
    ConversationStatus::Open,
    ConversationStatus::WaitingHuman,
    ConversationStatus::Escalated,
    ConversationStatus::Resolved,
];

#[component]
pub fn FilterBar(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let filters = desk.filters;
    let search = RwSignal::new(String::new());
    let search_generation = StoredValue::new(0u32);
    let on_search = move |ev: leptos::ev::Event| {
        search.set(event_target_value(&ev));
        search_generation.update_value(|g| *g += 1);
        let generation = search_generation.get_value();
        set_timeout(
            move || {
                if search_generation.try_get_value() == Some(generation) {
                    let q = search.get_untracked();
                    if filters.with_untracked(|f| f.q != q) {
                        filters.update(|f| f.q = q);
                    }
                }
            },
            SEARCH_DEBOUNCE,
        );
    };

    let channel_options = CHANNELS
        .iter()
        .map(|c| view! { <option value=c.as_str()>{channel_label(*c)}</option> })
        .collect_view();
    let status_options = STATUSES
        .iter()
        .map(|s| view! { <option value=s.as_str()>{status_label(*s)}</option> })
        .collect_view();
    let intent_options = INTENTS
        .iter()
        .map(|i| view! { <option value=*i>{capitalised(i)}</option> })
        .collect_view();
    let assistant_options = move || {
        desk.assistants
            .get()
            .into_iter()
            .map(|a| view! { <option value=a.id>{a.name}</option> })
            .collect_view()
    };

    let export = move |messages: bool| desk.filters.with(|_| export_href(&desk.query(), messages));

    view! {
        <form class="filters" role="search" aria-label="Search and filter conversations"
            on:submit=|ev| ev.prevent_default()>
            <label class="field field--wide">
                <span class="field-label">"Search"</span>
                <input type="search" data-testid="search" name="q"
                    placeholder="Message, name, email or phone"
                    prop:value=move || search.get() on:input=on_search/>
            </label>
            <label class="field">
                <span class="field-label">"Channel"</span>
                <select data-testid="filter-channel" name="channel"
                    prop:value=move || filters.with(|f| f.channel.clone())
                    on:change=move |ev| filters.update(|f| f.channel = event_target_value(&ev))>
                    <option value="">"All channels"</option>
                    {channel_options}
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Status"</span>
                <select data-testid="filter-status" name="status"
                    prop:value=move || filters.with(|f| f.status.clone())
                    on:change=move |ev| filters.update(|f| f.status = event_target_value(&ev))>
                    <option value="">"Any status"</option>
                    {status_options}
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Assistant"</span>
                <select data-testid="filter-assistant" name="assistant"
                    prop:value=move || filters.with(|f| f.assistant.clone())
                    on:change=move |ev| filters.update(|f| f.assistant = event_target_value(&ev))>
                    <option value="">"Any assistant"</option>
                    {assistant_options}
                </select>
            </label>
            <label class="field">
                <span class="field-label">"Intent"</span>
                <select data-testid="filter-intent" name="intent"
                    prop:value=move || filters.with(|f| f.intent.clone())
                    on:change=move |ev| filters.update(|f| f.intent = event_target_value(&ev))>
                    <option value="">"Any intent"</option>
                    {intent_options}
                </select>
            </label>
            <label class="field">
                <span class="field-label">"From"</span>
                <input type="date" data-testid="filter-from" name="from"
                    prop:value=move || filters.with(|f| f.from.clone())
                    on:change=move |ev| filters.update(|f| f.from = event_target_value(&ev))/>
            </label>
            <label class="field">
                <span class="field-label">"To"</span>
                <input type="date" data-testid="filter-to" name="to"
                    prop:value=move || filters.with(|f| f.to.clone())
                    on:change=move |ev| filters.update(|f| f.to = event_target_value(&ev))/>
            </label>
        </form>
        <p class="exports">
            "Export: "
            <a data-testid="export" download="" href=move || export(false)>"Conversations (CSV)"</a>
            " · "
            <a data-testid="export-messages" download="" href=move || export(true)>"Messages (CSV)"</a>
        </p>
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
