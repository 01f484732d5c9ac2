//! The conversation list: one row per conversation, newest activity first, "Load more" below.

use leptos::prelude::*;

use super::{conversation_href, open_on_click};
use crate::desk::Desk;
use crate::format::{
    channel_label, channel_tag, client_name, is_unverified_claim, relative_time, status_label,
};

#[component]
pub fn ConversationList(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let ids = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.conversations
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let has_more = Memo::new(move |_| desk.inbox.with(|i| i.next_cursor.is_some()));
    let stale = Memo::new(move |_| desk.inbox.with(|i| i.stale));

    view! {
        {move || stale.get().then(|| view! {
            <button type="button" class="notice" on:click=move |_| desk.refresh()>
                "New activity — refresh list"
            </button>
        })}
        {move || desk.list_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <ul class="conversation-list" data-testid="conversation-list" aria-label="Conversations"
            aria-busy=move || desk.list_loading.get().to_string()>
            <For each=move || ids.get() key=|id| id.clone() children=move |id| view! {
                <ConversationRow desk id/>
            }/>
        </ul>
        {move || (ids.with(Vec::is_empty) && !desk.list_loading.get()).then(|| view! {
            <p class="empty">"No conversations match."</p>
        })}
        {move || has_more.get().then(|| view! {
            <button type="button" class="load-more" data-testid="load-more"
                disabled=move || desk.list_loading.get()
                on:click=move |_| desk.load_more()>
                {move || if desk.list_loading.get() { "Loading…" } else { "Load more" }}
            </button>
        })}
    }
}

/// One row. It reads its conversation by id, so an update redraws the row's text in place and a
/// move keeps its element (and the keyboard focus on it).
#[component]
fn ConversationRow(
    /// The inbox state.
    desk: Desk,
    /// The conversation shown.
    id: String,
) -> impl IntoView {
    let row = {
        let id = id.clone();
        Memo::new(move |_| {
            desk.inbox
                .with(|i| i.conversations.iter().find(|c| c.id == id).cloned())
        })
    };
    let unread = {
        let id = id.clone();
        Memo::new(move |_| desk.inbox.with(|i| i.is_unread(&id)))
    };
    let selected = {
        let id = id.clone();
        Memo::new(move |_| desk.inbox.with(|i| i.open_id() == Some(id.as_str())))
    };
    let field = move |f: fn(&shared::dashboard::ConversationSummary) -> String| {
        move || row.with(|r| r.as_ref().map(f).unwrap_or_default())
    };
    let status = move || row.with(|r| r.as_ref().map(|r| r.status));
    let channel = move || row.with(|r| r.as_ref().map(|r| r.channel));
    let meta = field(|c| {
        [c.assistant_name.as_deref(), c.intent.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    });
    let time = move || {
        let now = desk.now.get();
        row.with(|r| {
            r.as_ref()
                .map(|r| relative_time(now, r.last_message_at))
                .unwrap_or_default()
        })
    };
    let unverified = move || row.with(|r| r.as_ref().is_some_and(is_unverified_claim));
    let assignee = move || row.with(|r| r.as_ref().and_then(|r| r.assignee_name.clone()));

    view! {
        <li class="conversation-item" data-testid="conversation-item" data-id=id.clone()
            data-status=move || status().map(|s| s.as_str())
            class:unread=move || unread.get() class:selected=move || selected.get()>
            <a href=conversation_href(&id) on:click=open_on_click(desk.session, id.clone())
                aria-current=move || selected.get().then_some("page")>
                <span class="row-top">
                    <span class="client-name">{field(client_name)}</span>
                    {move || unverified().then(|| view! {
                        <span class="unverified" data-testid="unverified"
                            title="Gave a known client's email without proving it">"unverified"</span>
                    })}
                    {move || unread.get().then(|| view! {
                        <span class="unread-dot" data-testid="unread" title="Unread">
                            <span class="visually-hidden">"Unread"</span>
                        </span>
                    })}
                    <span class="time">{time}</span>
                </span>
                <span class="row-meta">
                    <span class="channel" title=move || channel().map(channel_label)>
                        {move || channel().map(channel_tag)}
                    </span>
                    <span class="badge" data-status=move || status().map(|s| s.as_str())>
                        {move || status().map(status_label)}
                    </span>
                    <span class="meta">{meta}</span>
                </span>
                <span class="preview" data-testid="preview">
                    {field(|c| c.last_message.clone().unwrap_or_default())}
                </span>
                {move || assignee().map(|name| view! {
                    <span class="taken">{format!("Taken over by {name}")}</span>
                })}
            </a>
        </li>
    }
}
