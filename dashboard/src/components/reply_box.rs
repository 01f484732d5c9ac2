//! The reply box: Enter sends, Shift+Enter starts a new line. A failed send keeps the text and
//! its client message id, so the retry is recognised by the server and stored once.

use std::cell::Cell;

use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::AgentReply;
use shared::MessageText;

use crate::api;
use crate::desk::{now_ms, Desk};
use crate::ids::new_client_message_id;

/// Typing notices are sent at most this often (ms).
const TYPING_EVERY_MS: i64 = 3_000;

#[component]
pub fn ReplyBox(
    /// The inbox state.
    desk: Desk,
    /// The conversation replied to.
    conversation_id: String,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    // The body and id of the reply being sent (or that failed): a retry of the same text reuses it.
    let pending = StoredValue::new(None::<(String, String)>);
    let last_typing = StoredValue::new_local(Cell::new(0i64));
    let input_ref = NodeRef::<Textarea>::new();
    let id = StoredValue::new(conversation_id);

    let submit = move || {
        if sending.get_untracked() {
            return;
        }
        let body = match MessageText::parse(&text.get_untracked()) {
            Ok(body) => body.into_string(),
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        let client_message_id = pending
            .get_value()
            .filter(|(sent, _)| *sent == body)
            .map(|(_, id)| id)
            .unwrap_or_else(new_client_message_id);
        pending.set_value(Some((body.clone(), client_message_id.clone())));
        sending.set(true);
        error.set(None);
        let conversation_id = id.get_value();
        spawn_local(async move {
            let reply = AgentReply {
                body,
                client_message_id,
            };
            let result = api::reply(&conversation_id, &reply).await;
            if sending.is_disposed() {
                return;
            }
            sending.set(false);
            match result {
                Ok(message) => {
                    pending.set_value(None);
                    text.set(String::new());
                    desk.inbox.update(|i| i.add_message(message));
                }
                Err(e) if e.is_unauthorized() => desk.session.signed_out(),
                Err(e) => error.set(Some(e.message())),
            }
            if let Some(input) = input_ref.get_untracked() {
                let _ = input.focus();
            }
        });
    };

    let notify_typing = move || {
        let now = now_ms();
        let due = last_typing.with_value(|last| {
            let due = now - last.get() >= TYPING_EVERY_MS;
            if due {
                last.set(now);
            }
            due
        });
        if due {
            let conversation_id = id.get_value();
            spawn_local(async move {
                let _ = api::typing(&conversation_id).await;
            });
        }
    };

    view! {
        <form class="reply" novalidate on:submit=move |ev| {
            ev.prevent_default();
            submit();
        }>
            <label for="reply-input" class="visually-hidden">"Reply"</label>
            <textarea id="reply-input" data-testid="reply-input" name="reply" rows="3"
                placeholder="Write a reply… (Enter sends, Shift+Enter for a new line)"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="reply-error"
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    notify_typing();
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
                node_ref=input_ref
            ></textarea>
            <div class="reply-footer">
                <div id="reply-error">
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                </div>
                <button type="submit" class="primary" data-testid="reply-send"
                    disabled=move || sending.get()>
                    {move || if sending.get() { "Sending…" } else { "Send" }}
                </button>
            </div>
        </form>
    }
}
