//! The conversation: the message list, the typing indicator and the composer. Screen readers
//! hear each new message and typing state once, from a status line ([`crate::announce`]), not
//! from the list itself (which would repeat a message as it goes from sending to sent).

use leptos::html::{Ol, Textarea};
use leptos::prelude::*;
use shared::api::{Author, MessageView};
use shared::text::MAX_MESSAGE_CHARS;
use shared::MessageText;
use wasm_bindgen::JsCast;

use super::rich_text::fill_bubble;
use crate::announce::{plain_text, Announcer, Line};
use crate::controller::Chat;
use crate::i18n::fill;
use crate::transcript::{Entry, PendingMessage, SendState, Transcript};

#[component]
pub fn Conversation(
    /// The widget state.
    chat: Chat,
) -> impl IntoView {
    let entries = Memo::new(move |_| chat.transcript.with(Transcript::entries));
    // The assistant "types" while a reply is on its way, unless a teammate has the conversation
    // (the answer then carries no reply); a teammate types when the event stream says so.
    let assistant_typing =
        Memo::new(move |_| chat.transcript.with(|t| t.awaiting_reply() && !t.human));
    let typing =
        Memo::new(move |_| assistant_typing.get() || chat.teammate_typing.with(Option::is_some));
    let list_ref = NodeRef::<Ol>::new();
    let t = chat.t;

    // Keep the newest message in view.
    Effect::new(move |_| {
        entries.track();
        typing.track();
        request_animation_frame(move || {
            if let Some(list) = list_ref.try_get_untracked().flatten() {
                list.set_scroll_top(list.scroll_height());
            }
        });
    });

    let teammate = move || {
        chat.teammate_typing.get().map(|name| {
            if name.trim().is_empty() {
                t.a_teammate.to_owned()
            } else {
                name
            }
        })
    };
    let typing_label = move || {
        let who = teammate()
            .or_else(|| chat.assistant_name.get())
            .or_else(|| chat.company.with(|c| (!c.is_empty()).then(|| c.clone())))
            .unwrap_or_else(|| t.the_assistant.to_owned());
        fill(t.is_typing, &who)
    };
    // What a screen reader is told, as it happens. The same words twice in a row (two equal
    // replies) alternate a trailing no-break space, or the second would go unsaid.
    let announcer = StoredValue::new(Announcer::default());
    let spoken = RwSignal::new(String::new());
    Effect::new(move |_| {
        let synced = chat.synced();
        let typing_now = typing.get();
        let said = chat.transcript.with(|t| {
            announcer
                .try_update_value(|a| {
                    // One line each, built in place: `[String]::join` would be one more
                    // generic copy of std's joining code in the WASM.
                    let mut said = String::new();
                    for (i, line) in a
                        .next(&t.messages, synced, typing_now)
                        .into_iter()
                        .enumerate()
                    {
                        if i > 0 {
                            said.push('\n');
                        }
                        match line {
                            Line::Message(m) => {
                                said += &author_label(chat, m.author, m.author_name.as_deref());
                                said += ": ";
                                said += &plain_text(&m.body);
                            }
                            Line::Typing => said += &typing_label(),
                        }
                    }
                    said
                })
                .unwrap_or_default()
        });
        if !said.is_empty() {
            spoken.update(|old| {
                *old = if old.trim_end_matches('\u{a0}') == said && !old.ends_with('\u{a0}') {
                    format!("{said}\u{a0}")
                } else {
                    said
                };
            });
        }
    });

    // The greeting is drawn like an assistant message (rich text too: the site owner writes it),
    // but it is not part of the transcript.
    let greeting = move || {
        chat.greeting.get().map(|body| {
            message_item(
                chat,
                Entry::Stored(MessageView {
                    id: String::new(),
                    author: Author::Assistant,
                    body,
                    created_at: 0,
                    client_message_id: None,
                    author_name: None,
                }),
            )
        })
    };

    // A verified visitor's earlier conversations, set apart from this one by two notices.
    let earlier = move || {
        chat.earlier.with(|messages| {
            (!messages.is_empty()).then(|| {
                let mut items = vec![notice(t.earlier_conversations)];
                items.extend(messages.iter().cloned().map(Entry::Stored));
                items.push(notice(t.this_conversation));
                items
                    .into_iter()
                    .map(|entry| message_item(chat, entry))
                    .collect::<Vec<_>>()
            })
        })
    };

    view! {
        <div class="lc-conversation">
            // A log, but not a live one: the status line below says what is new, once. The list
            // inside keeps its list semantics (a `log` role on the <ol> itself would leave its
            // items outside any list).
            <div class="lc-log" role="log" aria-live="off" aria-label=t.messages>
            <ol class="lc-messages" aria-label=t.messages node_ref=list_ref>
                {earlier}
                {greeting}
                <For each=move || entries.get() key=Entry::key children=move |entry| message_item(chat, entry)/>
                {move || typing.get().then(|| view! {
                    <li class="lc-typing">
                        <span class="lc-dots" aria-hidden="true"><span></span><span></span><span></span></span>
                        <span class="lc-visually-hidden">{typing_label}</span>
                        // A teammate is named on screen too: the visitor learns a person is there.
                        {move || teammate().map(|name| view! { <span class="lc-typing-name" aria-hidden="true">{name}</span> })}
                    </li>
                })}
            </ol>
            </div>
            <div class="lc-visually-hidden lc-announce" role="status" aria-atomic="true">{move || spoken.get()}</div>
            {move || (!chat.online.get()).then(|| view! {
                <p class="lc-offline" role="status">{t.offline}</p>
            })}
            <Composer chat/>
        </div>
    }
}

/// The bubble style of a message by its author.
fn bubble_class(author: Author) -> &'static str {
    match author {
        Author::Visitor => "lc-msg lc-msg--visitor",
        Author::Assistant => "lc-msg lc-msg--assistant",
        Author::Agent => "lc-msg lc-msg--agent",
        Author::System => "lc-msg lc-msg--system",
    }
}

/// Who wrote a message, in words: the name the message carries (the teammate's on agent
/// replies, the assistant's on its own), else the tenant config's (tracked: it arrives late).
fn author_label(chat: Chat, author: Author, name: Option<&str>) -> String {
    if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
        if matches!(author, Author::Agent | Author::Assistant) {
            return name.to_owned();
        }
    }
    let t = chat.t;
    match author {
        Author::Visitor => t.you.to_owned(),
        Author::Assistant => chat
            .assistant_name
            .get()
            .unwrap_or_else(|| t.assistant.to_owned()),
        Author::Agent => chat.company.with(|c| {
            if c.is_empty() {
                t.support_team.to_owned()
            } else {
                fill(t.company_team, c)
            }
        }),
        Author::System => t.notice.to_owned(),
    }
}

/// After Retry or Delete the clicked button is gone: the composer takes the focus, so keyboard
/// users (and Escape) stay inside the widget.
fn focus_composer(ev: &leptos::ev::MouseEvent) {
    let composer = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|button| button.closest(".lc-conversation").ok().flatten())
        .and_then(|conversation| conversation.query_selector("#lc-message").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(composer) = composer {
        let _ = composer.focus();
    }
}

/// A centred line between messages, drawn like a system message.
fn notice(text: &str) -> Entry {
    Entry::Stored(MessageView {
        id: String::new(),
        author: Author::System,
        body: text.to_owned(),
        created_at: 0,
        client_message_id: None,
        author_name: None,
    })
}

/// One line of the list. Bodies are text nodes and elements built one by one: whatever a
/// message holds, it is never markup.
/// Stored and pending messages share one shape (one view type keeps the binary small).
fn message_item(chat: Chat, entry: Entry) -> impl IntoView {
    // A draft is not announced: the stored reply that replaces it is, once.
    let draft = matches!(entry, Entry::Draft(_));
    let (who, name, class, body, status, failed) = match entry {
        Entry::Stored(MessageView {
            author: who,
            body,
            author_name,
            ..
        }) => (who, author_name, bubble_class(who), body, None, None),
        Entry::Draft(shared::api::Draft {
            author_name, text, ..
        }) => (
            Author::Assistant,
            author_name,
            "lc-msg lc-msg--assistant lc-msg--draft",
            text,
            None,
            None,
        ),
        Entry::Pending(PendingMessage {
            client_message_id,
            body,
            state,
            ..
        }) => {
            let (status, failed) = match state {
                SendState::Queued => (("lc-status", chat.t.waiting_to_send.to_owned()), None),
                SendState::Sending => (("lc-status", chat.t.sending.to_owned()), None),
                SendState::Failed(reason) => (
                    ("lc-status lc-status--error", reason),
                    Some(client_message_id),
                ),
            };
            (
                Author::Visitor,
                None,
                "lc-msg lc-msg--visitor lc-msg--pending",
                body,
                Some(status),
                failed,
            )
        }
    };
    // What the assistant and teammates write is read as rich text; what a visitor typed, and
    // the widget's own notices, stay exactly as written (the bubble keeps their line breaks).
    let rich = matches!(who, Author::Assistant | Author::Agent);
    view! {
        <li class=class aria-hidden=draft.then_some("true")>
            <span class="lc-author">{move || author_label(chat, who, name.as_deref())}</span>
            <div class="lc-bubble" use:fill_bubble=(body, rich)></div>
            {status.map(|(class, text)| view! { <p class=class>{text}</p> })}
            {failed.map(|id| view! {
                <div class="lc-actions">
                    <button type="button" class="lc-link" on:click=move |ev| {
                        focus_composer(&ev);
                        chat.retry();
                    }>{chat.t.retry}</button>
                    <button type="button" class="lc-link" on:click=move |ev| {
                        focus_composer(&ev);
                        chat.discard(&id);
                    }>{chat.t.delete}</button>
                </div>
            })}
        </li>
    }
}

/// A labelled textarea: Enter sends, Shift+Enter starts a new line.
#[component]
fn Composer(
    /// The widget state.
    chat: Chat,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<Textarea>::new();
    let t = chat.t;

    let submit = move || match MessageText::parse(&text.get_untracked()) {
        Ok(message) => {
            chat.send(message);
            text.set(String::new());
            error.set(None);
        }
        Err(e) => {
            error.set(Some(t.message_error(&e)));
            if let Some(input) = input_ref.get_untracked() {
                let _ = input.focus();
            }
        }
    };

    // The conversation replaces the form while the panel is open: the composer takes the focus.
    if chat.open.get_untracked() {
        request_animation_frame(move || {
            if let Some(input) = input_ref.try_get_untracked().flatten() {
                let _ = input.focus();
            }
        });
    }

    view! {
        <form class="lc-composer" novalidate on:submit=move |ev| {
            ev.prevent_default();
            submit();
        }>
            <label for="lc-message" class="lc-visually-hidden">{t.message}</label>
            <textarea
                id="lc-message"
                name="message"
                rows="1"
                placeholder=t.message_placeholder
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=move || error.with(|e| e.as_ref().map(|_| "lc-message-error"))
                prop:value=move || text.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    // Too long is said at once; an empty box is only an error when sending.
                    let too_long = v.trim().chars().count() > MAX_MESSAGE_CHARS;
                    if too_long || error.with_untracked(Option::is_some) {
                        error.set(if v.trim().is_empty() { None } else { MessageText::parse(&v).err().map(|e| t.message_error(&e)) });
                    }
                    if !v.trim().is_empty() {
                        chat.visitor_typing();
                    }
                    text.set(v);
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
                node_ref=input_ref
            ></textarea>
            <button type="submit" class="lc-send" aria-label=t.send>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                    <path d="M3.4 20.4l17.45-7.48a1 1 0 000-1.84L3.4 3.6a.99.99 0 00-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z" fill="currentColor"/>
                </svg>
            </button>
            {move || error.get().map(|e| view! { <p id="lc-message-error" class="lc-error">{e}</p> })}
        </form>
    }
}
