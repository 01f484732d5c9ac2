//! The open conversation: its header with status and actions, the whole timeline, the typing
//! indicator and the reply box.

use leptos::html::Ol;
use leptos::prelude::*;
use shared::dashboard::{ConversationSummary, TimelineMessage};

use super::reply_box::ReplyBox;
use crate::api::{Action, ActionView};
use crate::desk::Desk;
use crate::format::{author_label, channel_label, client_label, client_name, status_label};
use crate::route::Route;

#[component]
pub fn ConversationView(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let summary = Memo::new(move |_| {
        desk.inbox
            .with(|i| i.open.as_ref().map(|d| d.conversation.clone()))
    });
    let open_id = Memo::new(move |_| desk.inbox.with(|i| i.open_id().map(str::to_owned)));

    let back = move |_| desk.session.navigate(&Route::Inbox { open: None });

    move || {
        let Some(id) = open_id.get() else {
            return if desk.detail_loading.get() {
                view! { <p class="placeholder" aria-live="polite">"Loading conversation…"</p> }
                    .into_any()
            } else if let Some(e) = desk.detail_error.get() {
                view! {
                    <div class="placeholder">
                        <button type="button" class="back" on:click=back>"← Conversations"</button>
                        <p class="error" role="alert">{e}</p>
                    </div>
                }
                .into_any()
            } else {
                view! { <p class="placeholder">"Select a conversation."</p> }.into_any()
            };
        };
        let reply_id = id.clone();
        let title = move || summary.with(|s| s.as_ref().map(client_name).unwrap_or_default());
        let status = move || summary.with(|s| s.as_ref().map(|s| s.status));
        let subtitle = move || summary.with(|s| s.as_ref().map(subtitle).unwrap_or_default());
        view! {
            <section class="conversation" data-testid="conversation" data-id=id
                aria-labelledby="conversation-title">
                <header class="conversation-header">
                    <button type="button" class="back" on:click=back>"← Conversations"</button>
                    <div class="conversation-title">
                        <h2 id="conversation-title">{title}</h2>
                        <p class="subtitle">{subtitle}</p>
                    </div>
                    <span class="badge" data-testid="status"
                        data-status=move || status().map(|s| s.as_str())>
                        {move || status().map(status_label)}
                    </span>
                    {move || desk.session.can_act().then(|| view! { <Actions desk summary/> })}
                </header>
                {move || desk.action_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <Timeline desk/>
                {move || desk.visitor_typing.get().then(|| view! {
                    <p class="typing" data-testid="typing" aria-live="polite">"Visitor is typing…"</p>
                })}
                {move || desk.session.can_act().then(|| view! { <ReplyBox desk conversation_id=reply_id.clone()/> })}
            </section>
        }
        .into_any()
    }
}

/// "Web chat · Assistant Ava · billing · taken over by Sam".
fn subtitle(c: &ConversationSummary) -> String {
    let mut parts = vec![channel_label(c.channel).to_owned()];
    parts.extend(c.assistant_name.clone());
    parts.extend(c.intent.clone());
    if let Some(name) = &c.assignee_name {
        parts.push(format!("taken over by {name}"));
    }
    if c.flagged {
        parts.push(format!(
            "flagged{}",
            c.flag_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        ));
    }
    parts.join(" · ")
}

#[component]
fn Actions(
    /// The inbox state.
    desk: Desk,
    /// The open conversation.
    summary: Memo<Option<ConversationSummary>>,
) -> impl IntoView {
    let available =
        move || summary.with(|s| s.as_ref().map(|s| (s.id.clone(), Action::available(s))));
    view! {
        <div class="actions" role="group" aria-label="Conversation actions">
            {move || available().map(|(id, actions)| {
                actions
                    .iter()
                    .map(|action| {
                        let action = *action;
                        let id = id.clone();
                        view! {
                            <button type="button" data-testid=action.test_id()
                                class:primary=action == Action::TakeOver
                                disabled=move || desk.acting.get()
                                on:click=move |_| desk.act(id.clone(), action)>
                                {action.label()}
                            </button>
                        }
                    })
                    .collect_view()
            })}
        </div>
    }
}

/// Every message, oldest first, kept scrolled to the newest.
#[component]
fn Timeline(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let messages = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.open
                .as_ref()
                .map(|d| d.messages.clone())
                .unwrap_or_default()
        })
    });
    let visitor = Memo::new(move |_| {
        desk.inbox.with(|i| {
            i.open
                .as_ref()
                .and_then(|d| d.client.as_ref().or(d.conversation.client.as_ref()))
                .and_then(client_label)
                .unwrap_or_else(|| "Visitor".to_owned())
        })
    });
    let list_ref = NodeRef::<Ol>::new();
    Effect::new(move |_| {
        messages.track();
        request_animation_frame(move || {
            if let Some(list) = list_ref.try_get_untracked().flatten() {
                list.set_scroll_top(list.scroll_height());
            }
        });
    });
    view! {
        // The log announces new messages; the list inside keeps its list semantics (a `log`
        // role on the <ol> itself would leave its items outside any list).
        <div class="timeline-log" role="log" aria-live="polite" aria-label="Messages">
            <ol class="timeline" data-testid="timeline" aria-label="Messages" tabindex="0"
                node_ref=list_ref>
                // Keyed by its delivery too: a delivery report redraws the message.
                <For each=move || messages.get()
                    key=|m| (m.id.clone(), m.delivery.as_ref().map(|d| d.status))
                    children=move |m| message_item(&m, &visitor.get_untracked())/>
            </ol>
        </div>
    }
}

/// One message. The body is a text node: whatever it holds, it is never markup.
pub fn message_item(message: &TimelineMessage, visitor: &str) -> impl IntoView {
    let author = message.author.as_str();
    let at = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(message.created_at as f64));
    let time = String::from(at.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED));
    view! {
        <li class="message" data-testid="message" data-author=author>
            <p class="message-meta">
                <span class="message-author">{author_label(message, visitor)}</span>
                " · "
                <span class="message-channel">{channel_label(message.channel)}</span>
                " · "
                <time>{time}</time>
            </p>
            <p class="message-body" data-testid="message-body">{message.body.clone()}</p>
            {message.delivery.as_ref().map(|d| {
                let failed = d.status.is_failure();
                let text = match &d.error {
                    Some(error) => format!("{}: {error}", d.status.label()),
                    None => d.status.label().to_owned(),
                };
                view! {
                    <p class="message-delivery" class:failed=failed data-testid="delivery"
                        data-status=d.status.as_str()>{text}</p>
                }
            })}
            {(!message.why.is_empty()).then(|| view! {
                <details class="decision" data-testid="decision">
                    <summary>"Why this reply"</summary>
                    <dl>
                        {message.why.iter().map(|line| view! {
                            <div data-testid=format!("decision-{}", line.step.to_ascii_lowercase())>
                                <dt>{line.step.clone()}</dt>
                                <dd>{line.text.clone()}</dd>
                            </div>
                        }).collect_view()}
                    </dl>
                </details>
            })}
        </li>
    }
}
