//! The client panel: who the client is (with a link to their page), what they mentioned in
//! messages that is not on the client yet (verified or not; applied with one click by agents),
//! and their other conversations.

use leptos::prelude::*;
use shared::dashboard::{ConversationSummary, MentionView};

use super::{client_href, conversation_href, go_on_click, open_on_click};
use crate::client_record::mention_marker;
use crate::desk::Desk;
use crate::format::{
    channel_label, client_label, mention_kind_label, relative_time, status_label, ANONYMOUS,
};
use crate::route::Route;

#[component]
pub fn ClientPanel(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let client = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.open
                .as_ref()
                .and_then(|d| d.client.clone().or_else(|| d.conversation.client.clone()))
        })
    });
    let others = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.open
                .as_ref()
                .map(|d| d.other_conversations.clone())
                .unwrap_or_default()
        })
    });
    // The visitor only claimed this client's email: say so, with the name they gave.
    let claim = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.open
                .as_ref()
                .filter(|d| d.client.as_ref().is_some_and(|c| !c.verified))
                .map(|d| d.conversation.visitor_name.clone().unwrap_or_default())
        })
    });
    let mentions = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.open
                .as_ref()
                .map(|d| d.mentions.clone())
                .unwrap_or_default()
        })
    });
    let is_open = Memo::new(move |_| desk.inbox.with(|i| i.open.is_some()));
    let text = |value: Option<String>| value.filter(|v| !v.trim().is_empty());

    move || {
        is_open.get().then(|| {
            view! {
                <aside class="client-panel" data-testid="client-panel" aria-labelledby="client-title">
                    <h2 id="client-title">"Client"</h2>
                    {move || claim.get().map(|given| view! {
                        <p class="unverified-claim" data-testid="unverified-claim" role="note">
                            <span class="unverified">"unverified"</span>
                            {format!(
                                " This visitor{} gave this client's email but did not prove it: \
                                 it may not be them.",
                                if given.trim().is_empty() { String::new() } else { format!(" (\"{}\")", given.trim()) },
                            )}
                        </p>
                    })}
                    {move || match client.get() {
                        Some(c) => view! {
                            <dl class="client-details">
                                <dt>"Name"</dt>
                                <dd>{client_label(&c).unwrap_or_else(|| ANONYMOUS.to_owned())}</dd>
                                <dt>"Email"</dt>
                                <dd>{text(c.email).unwrap_or_else(|| "—".to_owned())}</dd>
                                <dt>"Phone"</dt>
                                <dd>{text(c.phone).unwrap_or_else(|| "—".to_owned())}</dd>
                            </dl>
                            <p class="client-page-link">
                                <a href=client_href(&c.id) data-testid="client-page-link"
                                    on:click=go_on_click(desk.session, Route::Client { id: c.id.clone() })>
                                    "Client page"
                                </a>
                            </p>
                        }
                        .into_any(),
                        None => view! { <p class="muted">"Anonymous visitor: no contact details yet."</p> }
                            .into_any(),
                    }}
                    {move || {
                        let mentions = mentions.get();
                        let client_id = client.get().map(|c| c.id)?;
                        (!mentions.is_empty()).then(|| view! {
                            <h3>"Mentioned in messages"</h3>
                            <p class="muted">"Not on the client yet: the customer wrote it, nobody checked it."</p>
                            <ul class="mentions" data-testid="mentions">
                                {mentions.iter().map(|m| mention_item(desk, &client_id, m)).collect_view()}
                            </ul>
                        })
                    }}
                    <h3>"Other conversations"</h3>
                    {move || {
                        let others = others.get();
                        if others.is_empty() {
                            view! { <p class="muted">"None."</p> }.into_any()
                        } else {
                            let now = desk.now.get();
                            view! {
                                <ul class="other-conversations">
                                    {others.iter().map(|c| other_item(desk, c, now)).collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                    }}
                </aside>
            }
        })
    }
}

/// A mention's kind, value and whether the customer who wrote it was verified; shared with the
/// client page.
pub fn mention_details(m: &MentionView) -> impl IntoView + use<> {
    let marker = mention_marker(m);
    view! {
        <span class="mention-kind">{mention_kind_label(m.kind)}</span>
        " "
        <span class="mention-value">{m.value.clone()}</span>
        " "
        <span class=format!("mention-marker {marker}") data-testid="mention-marker"
            title=if m.trusted {
                "Written in a verified conversation, or kept from a merge"
            } else {
                "Written by a visitor who did not prove who they are"
            }>
            {marker}
        </span>
    }
}

/// What the Apply button says to a screen reader: which value goes where.
pub fn apply_label(m: &MentionView) -> String {
    format!(
        "Use {} as the client's {}",
        m.value,
        mention_kind_label(m.kind).to_lowercase()
    )
}

fn mention_item(desk: Desk, client_id: &str, m: &MentionView) -> impl IntoView {
    let (client_id, mention_id) = (client_id.to_owned(), m.id.clone());
    let label = apply_label(m);
    view! {
        <li data-testid="mention" data-kind=m.kind.as_str() data-trusted=m.trusted.to_string()>
            {mention_details(m)}
            {desk.session.can_act().then(|| view! {
                " "
                <button type="button" data-testid="mention-apply" aria-label=label
                    disabled=move || desk.acting.get()
                    on:click=move |_| desk.apply_mention(client_id.clone(), mention_id.clone())>
                    "Apply"
                </button>
            })}
        </li>
    }
}

fn other_item(desk: Desk, c: &ConversationSummary, now: i64) -> impl IntoView {
    view! {
        <li>
            <a data-testid="other-conversation" data-id=c.id.clone() href=conversation_href(&c.id)
                on:click=open_on_click(desk.session, c.id.clone())>
                <span class="row-top">
                    <span>{channel_label(c.channel)}</span>
                    <span class="badge" data-status=c.status.as_str()>{status_label(c.status)}</span>
                    <span class="time">{relative_time(now, c.last_message_at)}</span>
                </span>
                <span class="preview">{c.last_message.clone().unwrap_or_default()}</span>
            </a>
        </li>
    }
}
