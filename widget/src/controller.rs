//! The widget's state and what the visitor can do with it: give contact details, send, retry.
//! Views read the signals and call these methods; requests run on `spawn_local`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{ChatRequest, Contact, ConversationStatus};
use shared::{Email, MessageText, PersonName};

use crate::api::{Api, ApiError};
use crate::ids::new_client_message_id;
use crate::options::WidgetOptions;
use crate::storage::{self, StoredSession};
use crate::transcript::{PendingMessage, Transcript};

/// Shown on a message left unsent by an earlier page.
const NOT_SENT: &str = "Not sent yet.";

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
    api: StoredValue<Api>,
    pub session: RwSignal<Option<SessionState>>,
    pub transcript: RwSignal<Transcript>,
    pub status: RwSignal<Option<ConversationStatus>>,
    /// The company name shown in the header: the embedder's, else the tenant config's.
    pub company: RwSignal<String>,
    /// How the assistant signs its messages, from the tenant config.
    pub assistant_name: RwSignal<Option<String>>,
    pub greeting: RwSignal<Option<String>>,
    pub open: RwSignal<bool>,
    /// Why the contact form is shown again (the server asked for the details).
    pub form_notice: RwSignal<Option<String>>,
    config_requested: RwSignal<bool>,
    refreshing: RwSignal<bool>,
}

impl Chat {
    /// Restores the stored session, if any, and keeps the store in step with the state.
    /// Creates no session on the server: that waits for the visitor's first submission.
    pub fn new(options: WidgetOptions) -> Self {
        let stored = storage::load(&options.tenant_id);
        let (session, transcript) = match stored {
            Some(s) => (
                Some(SessionState {
                    session_id: s.session_id,
                    contact: s.contact,
                    conversation_id: s.conversation_id,
                }),
                Transcript::restore(s.messages, s.pending, NOT_SENT),
            ),
            None => (None, Transcript::default()),
        };
        let chat = Self {
            api: StoredValue::new(Api::new(&options)),
            session: RwSignal::new(session),
            transcript: RwSignal::new(transcript),
            status: RwSignal::new(None),
            company: RwSignal::new(options.company_name.clone()),
            assistant_name: RwSignal::new(None),
            greeting: RwSignal::new(options.greeting.clone()),
            open: RwSignal::new(false),
            form_notice: RwSignal::new(None),
            config_requested: RwSignal::new(false),
            refreshing: RwSignal::new(false),
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
        self.transcript.update(|t| {
            t.messages.clear();
            t.retry_failed();
        });
    }

    /// Fetches the tenant's public settings once (greeting, names), when the panel first opens.
    pub fn load_config(self) {
        if self.config_requested.get_untracked() {
            return;
        }
        self.config_requested.set(true);
        let api = self.api();
        spawn_local(async move {
            let Ok(config) = api.config().await else {
                return;
            };
            if !self.alive() {
                return;
            }
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
            match result {
                Ok(history) => {
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.contact = history.contact;
                            s.conversation_id =
                                history.conversation_id.or(s.conversation_id.take());
                        }
                    });
                    self.status.set(history.conversation_status);
                    self.transcript.update(|t| t.merge(history.messages));
                }
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
        };
        // One retry with a fresh session if the server forgot the stored one.
        for _ in 0..2 {
            let session_id = match self.session_id() {
                Some(id) => id,
                None => {
                    let created = api.create_session().await.map_err(|e| form_error(&e))?;
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
                    self.form_notice.set(None);
                    self.pump();
                    return Ok(());
                }
                Err(e) if e.status() == Some(404) => {
                    if !self.alive() {
                        return Ok(());
                    }
                    self.forget_session();
                }
                Err(e) => return Err(contact_error(&e)),
            }
        }
        Err(ContactError::Form(ApiError::Network.user_message()))
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
                    self.transcript.update(|t| {
                        t.confirm(&client_message_id, reply.visitor_message, reply.message)
                    });
                    self.pump();
                }
                Err(e) if e.code() == Some("contact_required") => {
                    // The server lost the details (or never had them): ask again, keep the message.
                    self.transcript.update(|t| t.requeue(&client_message_id));
                    self.form_notice.set(Some(e.user_message()));
                    self.session.update(|s| {
                        if let Some(s) = s {
                            s.contact = None;
                        }
                    });
                }
                Err(e) if e.status() == Some(404) && e.code() != Some("tenant_not_found") => {
                    self.transcript.update(|t| t.requeue(&client_message_id));
                    self.form_notice.set(Some(
                        "Your chat session expired. Please tell us who you are again.".into(),
                    ));
                    self.forget_session();
                }
                Err(e) => self
                    .transcript
                    .update(|t| t.fail(&client_message_id, e.user_message())),
            }
        });
    }
}

fn form_error(e: &ApiError) -> ContactError {
    ContactError::Form(e.user_message())
}

/// A 422 names the field at fault; anything else is about the whole form.
fn contact_error(e: &ApiError) -> ContactError {
    let message = e.user_message();
    match e {
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
