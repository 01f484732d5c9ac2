//! The widget's state and what the visitor can do with it: give contact details, send, retry.
//! Views read the signals and call these methods; requests run on `spawn_local`.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{
    Author, ChatRequest, Contact, ConversationStatus, MessageView, WidgetConfig, WidgetEvent,
};
use shared::{Email, MessageText, PersonName};

use wasm_bindgen::JsCast;

use crate::api::{Api, ApiError};
use crate::codec::decode;
use crate::i18n::Strings;
use crate::ids::new_client_message_id;
use crate::live::LiveStream;
use crate::options::WidgetOptions;
use crate::storage::{self, StoredSession};
use crate::transcript::{PendingMessage, Transcript};

/// How long a teammate shows as typing after their last typing event.
const TEAMMATE_TYPING_FOR: Duration = Duration::from_secs(5);
/// The dashboards hear "the visitor is typing" at most this often.
const VISITOR_TYPING_EVERY_MS: f64 = 3_000.0;

/// Which session the visitor is in and what the server knows of them.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionState {
    pub session_id: String,
    pub contact: Option<Contact>,
    pub conversation_id: Option<String>,
}

/// Where a contact-details submission went wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactError {
    Name(String),
    Email(String),
    Form(String),
}

/// The whole widget state; `Copy`, so every closure can hold it.
#[derive(Clone, Copy)]
pub struct Chat {
    pub options: StoredValue<WidgetOptions>,
    /// Every sentence the panel shows, in its language (`options.locale`).
    pub t: &'static Strings,
    api: StoredValue<Api>,
    pub session: RwSignal<Option<SessionState>>,
    pub transcript: RwSignal<Transcript>,
    /// A verified visitor's earlier conversations, shown above this one; not cached.
    pub earlier: RwSignal<Vec<MessageView>>,
    pub status: RwSignal<Option<ConversationStatus>>,
    /// The company name shown in the header: the embedder's, else the tenant config's.
    pub company: RwSignal<String>,
    /// How the assistant signs its messages, from the tenant config.
    pub assistant_name: RwSignal<Option<String>>,
    pub greeting: RwSignal<Option<String>>,
    pub open: RwSignal<bool>,
    /// Why the contact form is shown again (the server asked for the details).
    pub form_notice: RwSignal<Option<String>>,
    /// The name of the teammate typing right now ("" when the event named nobody).
    pub teammate_typing: RwSignal<Option<String>>,
    teammate_typing_timer: StoredValue<Option<TimeoutHandle>>,
    visitor_typing_sent_at: StoredValue<f64>,
    config_requested: RwSignal<bool>,
    /// The tenant's branding from `/config` (the embedder's options win where given).
    pub config: RwSignal<Option<WidgetConfig>>,
    /// The browser is online (`navigator.onLine`): while it is not, messages wait in the queue
    /// and go out, with their ids, when the connection returns.
    pub online: RwSignal<bool>,
    /// The page is visible: a hidden page keeps no event stream open, and catches up on return.
    visible: RwSignal<bool>,
    /// The server refused this widget (token revoked, expired or unknown; origin not allowed):
    /// the panel says so and nothing is requested any more.
    pub unavailable: RwSignal<bool>,
    refreshing: RwSignal<bool>,
    /// True once the session's history was loaded (or could not be), or the session is new:
    /// the event stream may open then without missing anything in between.
    synced: RwSignal<bool>,
    /// The last event already reflected on screen, where the event stream resumes.
    last_event_seq: StoredValue<Option<i64>>,
    /// The open event stream and the session it listens to.
    live: StoredValue<Option<(String, LiveStream)>, LocalStorage>,
}

impl Chat {
    /// True once the session's history is on screen (or there was none to load); tracked.
    pub fn synced(&self) -> bool {
        self.synced.get()
    }

    /// Restores the stored session, if any, and keeps the store in step with the state.
    /// Creates no session on the server: that waits for the visitor's first submission.
    pub fn new(options: WidgetOptions) -> Self {
        let stored = storage::load(&options.tenant_id);
        let t = options.locale.strings();
        let (session, transcript) = match stored {
            Some(s) => (
                Some(SessionState {
                    session_id: s.session_id,
                    contact: s.contact,
                    conversation_id: s.conversation_id,
                }),
                Transcript {
                    human: s.human,
                    ..Transcript::restore(s.messages, s.pending, t.not_sent)
                },
            ),
            None => (None, Transcript::default()),
        };
        let chat = Self {
            t,
            api: StoredValue::new(Api::new(&options)),
            session: RwSignal::new(session),
            transcript: RwSignal::new(transcript),
            earlier: RwSignal::new(Vec::new()),
            status: RwSignal::new(None),
            company: RwSignal::new(options.company_name.clone()),
            assistant_name: RwSignal::new(None),
            greeting: RwSignal::new(options.greeting.clone()),
            open: RwSignal::new(false),
            form_notice: RwSignal::new(None),
            teammate_typing: RwSignal::new(None),
            teammate_typing_timer: StoredValue::new(None),
            visitor_typing_sent_at: StoredValue::new(f64::NEG_INFINITY),
            config_requested: RwSignal::new(false),
            config: RwSignal::new(None),
            online: RwSignal::new(browser_online()),
            visible: RwSignal::new(page_visible()),
            unavailable: RwSignal::new(false),
            refreshing: RwSignal::new(false),
            synced: RwSignal::new(false),
            last_event_seq: StoredValue::new(None),
            live: StoredValue::new_local(None),
            options: StoredValue::new(options),
        };
        chat.persist_changes();
        chat.refresh();
        chat
    }

    fn tenant_id(self) -> String {
        self.options.with_value(|o| o.tenant_id.clone())
    }

    fn api(self) -> Api {
        self.api.get_value()
    }

    /// False once the panel is unmounted: async work must stop touching signals then.
    fn alive(self) -> bool {
        !self.session.is_disposed()
    }

    fn persist_changes(self) {
        let tenant = self.tenant_id();
        Effect::new(move |_| {
            self.session.with(|session| {
                let Some(s) = session else { return };
                self.transcript.with(|t| {
                    storage::save(
                        &tenant,
                        &StoredSession {
                            session_id: s.session_id.clone(),
                            contact: s.contact.clone(),
                            conversation_id: s.conversation_id.clone(),
                            messages: t.cached_messages().to_vec(),
                            pending: t.pending.clone(),
                            human: t.human,
                        },
                    );
                });
            });
        });
    }

    /// True once the server has the visitor's name and email (the chat view shows).
    pub fn has_contact(self) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.contact.is_some()))
    }

    pub fn has_conversation(self) -> bool {
        self.session
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.conversation_id.is_some()))
    }

    fn session_id(self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.session_id.clone()))
    }

    /// Forgets the session the server no longer knows; unsent messages stay for the next one.
    fn forget_session(self) {
        storage::clear(&self.tenant_id());
        self.session.set(None);
        self.status.set(None);
        self.last_event_seq.set_value(None);
        self.transcript.update(|t| {
            t.messages.clear();
            t.human = false;
            t.retry_failed();
        });
    }

    /// True when `e` says this widget may not be used at all (401: token revoked, expired or
    /// unknown; 403 `origin_not_allowed`; 404 `tenant_not_found`): the panel then shows the
    /// unavailable state, the event stream closes and is not reopened, nothing is retried.
    pub fn note_refusal(self, e: &ApiError) -> bool {
        let refused = match e.status() {
            Some(401) => true,
            Some(403) => e.code() == Some("origin_not_allowed"),
            Some(404) => e.code() == Some("tenant_not_found"),
            _ => false,
        };
        if refused {
            self.unavailable.set(true);
            self.close_live();
        }
        refused
    }

    /// Fetches the tenant's public settings once (greeting, names), when the panel first opens.
    pub fn load_config(self) {
        if self.config_requested.get_untracked() {
            return;
        }
        self.config_requested.set(true);
        let api = self.api();
        spawn_local(async move {
            let config = match api.config().await {
                Ok(config) => config,
                Err(e) => {
                    if self.alive() {
                        self.note_refusal(&e);
                    }
                    return;
                }
            };
            if !self.alive() {
                return;
            }
            self.config.set(Some(config.clone()));
            if self.company.with_untracked(String::is_empty) {
                self.company.set(config.company_name);
            }
            if self.greeting.with_untracked(Option::is_none) && !config.greeting.trim().is_empty() {
                self.greeting.set(Some(config.greeting));
            }
            if !config.assistant_name.trim().is_empty() {
                self.assistant_name.set(Some(config.assistant_name));
            }
        });
    }

    /// Takes the embedder's changed options (`handle.update`): the company name, greeting,
    /// colour and `userHash`; where one is no longer given, the tenant's setting applies again.
    /// The tenant, API and token are fixed for the panel's life.
    pub fn apply_options(self, changed: WidgetOptions) {
        let config = self.config.get_untracked();
        let company = if changed.company_name.is_empty() {
            config
                .as_ref()
                .map(|c| c.company_name.clone())
                .unwrap_or_default()
        } else {
            changed.company_name.clone()
        };
        let greeting = changed.greeting.clone().or_else(|| {
            config
                .as_ref()
                .map(|c| c.greeting.clone())
                .filter(|g| !g.trim().is_empty())
        });
        self.company.set(company);
        self.greeting.set(greeting);
        self.options.update_value(|o| {
            o.company_name = changed.company_name;
            o.primary_color = changed.primary_color;
            o.greeting = changed.greeting;
            o.user_hash = changed.user_hash;
            o.explicit = changed.explicit;
        });
        // The tenant's branding again where the embedder chose nothing now.
        self.config.notify();
    }

    /// Brings the stored session up to date with the server (new replies, a teammate's
    /// messages); a session the server doesn't know is forgotten.
    pub fn refresh(self) {
        let Some(session_id) = self.session_id() else {
            return;
        };
        if self.refreshing.get_untracked() {
            return;
        }
        self.refreshing.set(true);
        let api = self.api();
        spawn_local(async move {
            let result = api.session(&session_id).await;
            if !self.alive() {
                return;
            }
            self.refreshing.set(false);
            // The visitor may have started over while the request was out.
            if self.session_id().as_deref() != Some(session_id.as_str()) {
                return;
            }
            // Offline or not, the event stream may open now: it catches up by itself.
            self.synced.set(true);
            match result {
                Ok(history) => {
                    // 0: the server has no events (or predates the stream); it then picks.
                    if history.last_event_seq > 0 {
                        self.saw_event(history.last_event_seq);
                    }
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.contact = history.contact;
                            s.conversation_id =
                                history.conversation_id.or(s.conversation_id.take());
                        }
                    });
                    self.status.set(history.conversation_status);
                    self.earlier.set(history.earlier_messages);
                    self.transcript.update(|t| t.merge(history.messages));
                }
                Err(e) if self.note_refusal(&e) => {}
                Err(e) if e.status() == Some(404) => self.forget_session(),
                // Offline or a server hiccup: the cached messages stay on screen.
                Err(_) => {}
            }
        });
    }

    /// Creates the session if needed, then gives the server the visitor's contact details.
    pub async fn submit_contact(self, name: PersonName, email: Email) -> Result<(), ContactError> {
        let api = self.api();
        let contact = Contact {
            name: name.as_str().to_owned(),
            email: email.as_str().to_owned(),
            user_hash: self.options.with_value(|o| o.user_hash.clone()),
        };
        let verifying = contact.user_hash.is_some();
        // One retry with a fresh session if the server forgot the stored one.
        for _ in 0..2 {
            let session_id = match self.session_id() {
                Some(id) => id,
                None => {
                    let created = match api.create_session().await {
                        Ok(created) => created,
                        Err(e) => {
                            if self.alive() {
                                self.note_refusal(&e);
                            }
                            return Err(ContactError::Form(e.user_message(self.t)));
                        }
                    };
                    if !self.alive() {
                        return Ok(());
                    }
                    self.session.set(Some(SessionState {
                        session_id: created.session_id.clone(),
                        contact: None,
                        conversation_id: None,
                    }));
                    created.session_id
                }
            };
            match api.put_contact(&session_id, &contact).await {
                Ok(saved) => {
                    if !self.alive() {
                        return Ok(());
                    }
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.contact = Some(saved);
                        }
                    });
                    self.synced.set(true);
                    self.form_notice.set(None);
                    self.pump();
                    if verifying {
                        // A verified visitor's earlier conversations come with the history.
                        self.refresh();
                    }
                    return Ok(());
                }
                Err(e) if e.status() == Some(404) => {
                    if !self.alive() {
                        return Ok(());
                    }
                    self.forget_session();
                }
                Err(e) => {
                    if self.alive() {
                        self.note_refusal(&e);
                    }
                    return Err(contact_error(&e, self.t));
                }
            }
        }
        Err(ContactError::Form(ApiError::Network.user_message(self.t)))
    }

    /// Shows the message at once and sends it (after any earlier unsent ones).
    pub fn send(self, text: MessageText) {
        let pending = PendingMessage {
            client_message_id: new_client_message_id(),
            body: text.into_string(),
            created_at: js_sys::Date::now() as i64,
            state: Default::default(),
        };
        self.transcript.update(|t| {
            // A new message also retries those that failed before it: order is kept.
            t.retry_failed();
            t.queue(pending);
        });
        self.pump();
    }

    /// Resends every failed message with its original client message id.
    pub fn retry(self) {
        self.transcript.update(Transcript::retry_failed);
        self.pump();
    }

    pub fn discard(self, client_message_id: &str) {
        self.transcript.update(|t| t.discard(client_message_id));
        self.pump();
    }

    /// Sends the next queued message, one request at a time.
    fn pump(self) {
        if !self.alive() || self.unavailable.get_untracked() {
            return;
        }
        if !browser_online() {
            // Sent when the connection returns (`back_online`), in order, with the same ids.
            self.online.set(false);
            return;
        }
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        if session.contact.is_none() {
            return;
        }
        let Some((client_message_id, message)) =
            self.transcript.try_update(Transcript::start_next).flatten()
        else {
            return;
        };
        let api = self.api();
        spawn_local(async move {
            let request = ChatRequest {
                session_id: session.session_id,
                message,
                client_message_id: client_message_id.clone(),
                conversation_id: session.conversation_id,
            };
            let result = api.chat(&request).await;
            if !self.alive() {
                return;
            }
            match result {
                Ok(reply) => {
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.conversation_id = Some(reply.conversation_id);
                        }
                    });
                    self.status.set(Some(reply.conversation_status));
                    // No reply when a teammate has the conversation: theirs comes as an event.
                    self.transcript.update(|t| {
                        t.confirm(&client_message_id, reply.visitor_message, reply.message)
                    });
                    self.pump();
                }
                Err(e) if self.note_refusal(&e) => {
                    self.transcript.update(|t| t.requeue(&client_message_id));
                }
                Err(e) if e.code() == Some("contact_required") => {
                    // The server lost the details (or never had them): ask again, keep the message.
                    self.transcript.update(|t| t.requeue(&client_message_id));
                    self.form_notice.set(Some(e.user_message(self.t)));
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.contact = None;
                        }
                    });
                }
                Err(e) if e.status() == Some(404) && e.code() != Some("tenant_not_found") => {
                    self.transcript.update(|t| t.requeue(&client_message_id));
                    self.form_notice
                        .set(Some(self.t.session_expired.to_owned()));
                    self.forget_session();
                }
                Err(ApiError::Network) if !browser_online() => {
                    // The connection went while it was out: it waits for the connection, and the
                    // server drops a duplicate by its id should the first attempt have arrived.
                    self.transcript.update(|t| t.requeue(&client_message_id));
                    self.online.set(false);
                }
                Err(e) => self
                    .transcript
                    .update(|t| t.fail(&client_message_id, e.user_message(self.t))),
            }
        });
    }

    /// Follows the browser's connection and the page's visibility until the panel unmounts:
    /// queued messages go out when the connection returns; a hidden page closes its event stream
    /// and catches up from where it was when it shows again.
    pub fn watch_browser(self) {
        let online = window_event_listener_untyped("online", move |_| self.back_online());
        let offline = window_event_listener_untyped("offline", move |_| {
            let _ = self.online.try_set(false);
        });
        let visibility = window_event_listener_untyped("visibilitychange", move |_| {
            let _ = self.visible.try_set(page_visible());
        });
        // Another tab of the site saved the session (`storage` fires in every other tab).
        let key = storage::storage_key(&self.tenant_id());
        let other_tab = window_event_listener_untyped("storage", move |event| {
            let Ok(event) = event.dyn_into::<web_sys::StorageEvent>() else {
                return;
            };
            if event.key().as_deref() == Some(key.as_str()) {
                if let Some(theirs) = event.new_value().and_then(|text| decode(&text)) {
                    self.adopt(theirs);
                }
            }
        });
        on_cleanup(move || {
            online.remove();
            offline.remove();
            visibility.remove();
            other_tab.remove();
        });
    }

    /// Another tab of this site saved its session. One visitor, one conversation: a tab without
    /// a session (or whose visitor has not given contact details yet) takes the other tab's;
    /// the same session's contact details and conversation follow it. Messages are not copied:
    /// an open tab hears them on its own stream, and a closed one catches up when it opens. A
    /// tab keeps its own conversation if it has one with contact details, and writes back only
    /// what changed, so two tabs never echo each other.
    pub fn adopt(self, theirs: StoredSession) {
        if !self.alive() {
            return;
        }
        let ours = self.session.with_untracked(|s| {
            s.as_ref()
                .map(|s| (s.session_id.clone(), s.contact.is_some()))
        });
        match ours {
            Some((id, _)) if id == theirs.session_id => {
                let changed = self.session.with_untracked(|s| {
                    s.as_ref().is_some_and(|s| {
                        (s.contact.is_none() && theirs.contact.is_some())
                            || (theirs.conversation_id.is_some()
                                && s.conversation_id != theirs.conversation_id)
                    })
                });
                if changed {
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.contact = s.contact.take().or(theirs.contact);
                            s.conversation_id = theirs.conversation_id.or(s.conversation_id.take());
                        }
                    });
                    self.refresh();
                }
            }
            Some((_, true)) => {}
            _ if theirs.contact.is_none() => {}
            _ => {
                self.session.set(Some(SessionState {
                    session_id: theirs.session_id,
                    contact: theirs.contact,
                    conversation_id: theirs.conversation_id,
                }));
                self.last_event_seq.set_value(None);
                self.synced.set(false);
                self.transcript.update(|t| {
                    t.human = theirs.human;
                    t.merge(theirs.messages);
                });
                self.refresh();
            }
        }
    }

    /// The connection is back: whatever waited is sent, and the stream may open again.
    pub fn back_online(self) {
        if !self.alive() {
            return;
        }
        self.online.set(true);
        self.transcript.update(Transcript::retry_failed);
        self.pump();
    }
}

/// `navigator.onLine`; true where the browser cannot say.
fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// False while the page is hidden (another tab, a minimised window, a locked phone).
fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden())
}

/// The live channel and typing.
impl Chat {
    /// Keeps one event stream open while `want` holds and the session has contact details and
    /// has been synced; closes it otherwise. Idempotent: called whenever any of these change.
    pub fn keep_live(self, want: bool) {
        let session_id = self.session.with(|s| {
            s.as_ref()
                .filter(|s| s.contact.is_some())
                .map(|s| s.session_id.clone())
        });
        let target = session_id
            .filter(|_| want && self.visible.get() && self.synced.get() && !self.unavailable.get());
        let current = self
            .live
            .try_with_value(|live| live.as_ref().map(|(id, _)| id.clone()))
            .flatten();
        if target == current {
            return;
        }
        self.close_live();
        let Some(session_id) = target else {
            return;
        };
        let api = self.api();
        let url_session = session_id.clone();
        let stream = LiveStream::open(
            Rc::new(move |after| api.events_url(&url_session, after)),
            self.last_event_seq.get_value(),
            Rc::new(move |event, id| {
                if self.alive() {
                    if let Some(id) = id {
                        self.saw_event(id);
                    }
                    self.apply_event(event);
                }
            }),
            // The server refused the stream: a session it forgot is forgotten here too.
            Rc::new(move || {
                if self.alive() {
                    self.refresh();
                }
            }),
        );
        self.live.set_value(Some((session_id, stream)));
    }

    /// Closes the event stream, if open, remembering how far it got.
    pub fn close_live(self) {
        if let Some(Some((_, old))) = self.live.try_update_value(Option::take) {
            if let Some(id) = old.last_id() {
                self.saw_event(id);
            }
        }
        let _ = self.teammate_typing.try_set(None);
    }

    fn saw_event(self, seq: i64) {
        let _ = self.last_event_seq.try_update_value(|last| {
            if Some(seq) > *last {
                *last = Some(seq);
            }
        });
    }

    /// Shows what the event stream said.
    pub fn apply_event(self, event: WidgetEvent) {
        match event {
            WidgetEvent::Message {
                conversation_id,
                message,
            } => {
                self.set_conversation(conversation_id);
                if message.author == Author::Agent {
                    self.set_teammate_typing(None);
                }
                self.transcript.update(|t| t.receive(message));
            }
            WidgetEvent::Status {
                conversation_id,
                status,
                human,
            } => {
                self.set_conversation(conversation_id);
                self.status.set(Some(status));
                let now = js_sys::Date::now() as i64;
                // Only a change is announced: replays and repeats leave the transcript alone.
                if self.transcript.with_untracked(|t| t.human != human) {
                    self.transcript.update(|t| {
                        t.set_human(human, now, self.t.human_joined);
                    });
                }
            }
            WidgetEvent::Typing { name, active } => {
                self.set_teammate_typing(active.then(|| name.unwrap_or_default()));
            }
            WidgetEvent::Draft {
                conversation_id,
                id,
                author_name,
                offset,
                text,
            } => {
                self.set_conversation(conversation_id);
                self.transcript
                    .update(|t| t.draft(id, author_name, offset, &text));
            }
        }
    }

    fn set_conversation(self, conversation_id: String) {
        if self.session.with_untracked(|s| {
            s.as_ref()
                .is_some_and(|s| s.conversation_id.as_ref() != Some(&conversation_id))
        }) {
            self.session.update(|s| {
                if let Some(s) = s {
                    s.conversation_id = Some(conversation_id);
                }
            });
        }
    }

    /// Shows a teammate typing for a few seconds (each typing event restarts the clock).
    fn set_teammate_typing(self, name: Option<String>) {
        if let Some(Some(timer)) = self.teammate_typing_timer.try_update_value(Option::take) {
            timer.clear();
        }
        let active = name.is_some();
        self.teammate_typing.set(name);
        if active {
            let timer = set_timeout_with_handle(
                move || {
                    let _ = self.teammate_typing.try_set(None);
                },
                TEAMMATE_TYPING_FOR,
            )
            .ok();
            self.teammate_typing_timer.set_value(timer);
        }
    }

    /// The visitor typed in the message box: the dashboards hear it, at most every 3 s.
    pub fn visitor_typing(self) {
        let now = js_sys::Date::now();
        if now - self.visitor_typing_sent_at.get_value() < VISITOR_TYPING_EVERY_MS {
            return;
        }
        let Some(session_id) = self.session.with_untracked(|s| {
            s.as_ref()
                .filter(|s| s.contact.is_some())
                .map(|s| s.session_id.clone())
        }) else {
            return;
        };
        self.visitor_typing_sent_at.set_value(now);
        let api = self.api();
        spawn_local(async move { api.typing(&session_id).await });
    }
}

/// A 422 names the field at fault; anything else is about the whole form.
fn contact_error(e: &ApiError, t: &Strings) -> ContactError {
    let message = e.user_message(t);
    match e {
        // The site proved a signed-in visitor's email: another address can't be used.
        ApiError::Status {
            status: 403,
            detail: Some(d),
            ..
        } if d.field.as_deref() == Some("userHash") => {
            ContactError::Email(t.signed_in_email.to_owned())
        }
        ApiError::Status {
            status: 422,
            detail: Some(d),
            ..
        } => match d.field.as_deref() {
            Some("name") => ContactError::Name(message),
            Some("email") => ContactError::Email(message),
            _ => ContactError::Form(message),
        },
        _ => ContactError::Form(message),
    }
}
