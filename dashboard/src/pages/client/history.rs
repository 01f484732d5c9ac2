//! The client's conversations on every channel (each a link to the inbox), and one timeline of
//! their newest messages, oldest first, in runs of one conversation with its channel.

use leptos::prelude::*;
use shared::dashboard::{ClientRecord, ConversationSummary};

use super::ClientView;
use crate::client_record::{display_name, runs};
use crate::components::conversation_view::message_item;
use crate::components::{conversation_href, open_on_click};
use crate::desk::now_ms;
use crate::format::{channel_label, channel_tag, relative_time, status_label};

#[component]
pub(super) fn ConversationsSection(
    /// The page's state.
    view: ClientView,
) -> impl IntoView {
    view! {
        <section class="client-section" aria-labelledby="conversations-title"
            data-testid="client-conversations">
            <h2 id="conversations-title">"Conversations"</h2>
            {move || view.with(|r| conversation_list(view, &r.conversations))}
        </section>
    }
}

fn conversation_list(view: ClientView, conversations: &[ConversationSummary]) -> AnyView {
    if conversations.is_empty() {
        return view! { <p class="muted">"None yet."</p> }.into_any();
    }
    let now = now_ms();
    view! {
        <ul class="other-conversations">
            {conversations.iter().map(|c| view! {
                <li>
                    <a data-testid="client-conversation" data-id=c.id.clone()
                        href=conversation_href(&c.id) on:click=open_on_click(view.session, c.id.clone())>
                        <span class="row-top">
                            <span class="channel" title=channel_label(c.channel)>{channel_tag(c.channel)}</span>
                            <span class="badge" data-status=c.status.as_str()>{status_label(c.status)}</span>
                            <span class="time">{relative_time(now, c.last_message_at)}</span>
                        </span>
                        <span class="preview">{c.last_message.clone().unwrap_or_default()}</span>
                    </a>
                </li>
            }.into_any()).collect::<Vec<_>>()}
        </ul>
    }
    .into_any()
}

#[component]
pub(super) fn TimelineSection(
    /// The page's state.
    view: ClientView,
) -> impl IntoView {
    view! {
        <section class="client-section" aria-labelledby="timeline-title" data-testid="client-timeline">
            <h2 id="timeline-title">"Every message"</h2>
            {move || view.with(|r| timeline(view, r))}
        </section>
    }
}

fn timeline(view: ClientView, record: &ClientRecord) -> AnyView {
    if record.timeline.is_empty() {
        return view! { <p class="muted">"No messages yet."</p> }.into_any();
    }
    let visitor = display_name(&record.client);
    view! {
        {record.timeline_truncated.then(|| view! {
            <p class="hint" role="note" data-testid="timeline-truncated">
                "Only the newest messages are shown here: open a conversation to read all of it."
            </p>
        })}
        <ol class="timeline-runs">
            {runs(&record.timeline).into_iter().map(|run| {
                let id = run.conversation_id.to_owned();
                let channel = channel_label(run.channel);
                view! {
                    <li class="timeline-run" data-testid="timeline-run" data-conversation=id.clone()
                        data-channel=run.channel.as_str()>
                        <p class="run-header">
                            <span class="channel">{channel_tag(run.channel)}</span>
                            " "
                            <a href=conversation_href(&id) on:click=open_on_click(view.session, id.clone())>
                                {format!("{channel} conversation")}
                            </a>
                        </p>
                        <ol class="timeline-messages" aria-label=format!("{channel} messages")>
                            {run.messages.iter().map(|m| message_item(m, &visitor).into_any()).collect::<Vec<_>>()}
                        </ol>
                    </li>
                }
                .into_any()
            }).collect::<Vec<_>>()}
        </ol>
    }
    .into_any()
}
