//! `/clients/{id}`: one client on one page. Who they are (the name, or the phone or email when
//! they gave none), what agents wrote about them ([`profile`]), the contact details they
//! mentioned and the clients that may be the same person ([`mentions`]), and every conversation
//! of every channel with one timeline ([`history`]).
//!
//! The page keeps its own live connection, listening from "now": a change to this client or one
//! of its conversations reloads the record, and a merge of this client into another moves the
//! page to the other's (rules in [`crate::client_record`]).

mod history;
mod mentions;
mod profile;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::{ClientBrief, ClientRecord};

use crate::api::{self, ApiError};
use crate::app::Session;
use crate::client_record::{apply_delivery, display_name, follow, Follow};
use crate::components::go_on_click;
use crate::components::top_bar::TopBar;
use crate::live::{Connection, Live, LiveHandlers, ResumePoint};
use crate::route::Route;

/// The page's state; `Copy`, so every closure can hold it.
#[derive(Clone, Copy)]
pub(crate) struct ClientView {
    session: Session,
    /// The client of the address bar.
    id: Memo<Option<String>>,
    record: RwSignal<Option<Result<ClientRecord, ApiError>>>,
    /// An apply or a merge is on its way: their buttons wait.
    acting: RwSignal<bool>,
    /// The merge offer whose confirm step is open (`{place}:{client id}`).
    confirming: RwSignal<Option<String>>,
    /// Why the last merge failed.
    merge_error: RwSignal<Option<ApiError>>,
    /// What the last merge did, said once.
    merged: RwSignal<Option<String>>,
    /// The notice the next client's page starts with (set before moving to it).
    next_notice: StoredValue<Option<String>>,
    connection: RwSignal<Connection>,
    /// Each load of a new client counts up; an older answer is dropped.
    generation: StoredValue<u32>,
    in_flight: StoredValue<bool>,
    /// A reload was asked for while one was on its way: run one more after it.
    queued: StoredValue<bool>,
    /// Move the focus to the heading once the record is on screen (a new page).
    focus_heading: StoredValue<bool>,
}

impl ClientView {
    fn new(session: Session) -> Self {
        let id = Memo::new(move |_| {
            session.route.with(|r| match r {
                Route::Client { id } => Some(id.clone()),
                _ => None,
            })
        });
        Self {
            session,
            id,
            record: RwSignal::new(None),
            acting: RwSignal::new(false),
            confirming: RwSignal::new(None),
            merge_error: RwSignal::new(None),
            merged: RwSignal::new(None),
            next_notice: StoredValue::new(None),
            connection: RwSignal::new(Connection::Connecting),
            generation: StoredValue::new(0),
            in_flight: StoredValue::new(false),
            queued: StoredValue::new(false),
            focus_heading: StoredValue::new(true),
        }
    }

    /// Reads `f` of the record on screen (tracked).
    pub(crate) fn with<T>(self, f: impl FnOnce(&ClientRecord) -> T) -> Option<T> {
        self.record
            .with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).map(f))
    }

    fn alive(self) -> bool {
        !self.record.is_disposed()
    }

    /// A 401 ends the session; anything else is the caller's to show.
    pub(crate) fn failed(self, error: ApiError) -> Option<ApiError> {
        if error.is_unauthorized() {
            self.session.signed_out();
            None
        } else {
            Some(error)
        }
    }

    /// Loads the client of the address bar: `fresh` for a new page (what is shown goes), else a
    /// reload that keeps the page until the answer, coalescing with one already on its way.
    fn load(self, fresh: bool) {
        let Some(id) = self.id.get_untracked() else {
            return;
        };
        if fresh {
            self.generation.update_value(|g| *g += 1);
            self.queued.set_value(false);
            self.record.set(None);
            self.confirming.set(None);
            self.merged
                .set(self.next_notice.try_update_value(Option::take).flatten());
            self.focus_heading.set_value(true);
        } else if self.in_flight.get_value() {
            self.queued.set_value(true);
            return;
        }
        self.in_flight.set_value(true);
        let generation = self.generation.get_value();
        spawn_local(async move {
            let result = api::client(&id).await;
            if !self.alive() || self.generation.get_value() != generation {
                return;
            }
            self.in_flight.set_value(false);
            match result {
                Ok(record) => self.record.set(Some(Ok(record))),
                Err(e) => {
                    let shown = self.record.with_untracked(|r| matches!(r, Some(Ok(_))));
                    let gone = matches!(e, ApiError::Status { status: 404, .. });
                    // A reload that fails for a moment keeps the page; a client gone is gone.
                    if let Some(e) = self.failed(e).filter(|_| !shown || gone) {
                        self.record.set(Some(Err(e)));
                    }
                }
            }
            if self.queued.get_value() {
                self.queued.set_value(false);
                self.load(false);
            }
        });
    }

    /// Shows the record an action answered with, newer than any reload on its way.
    pub(crate) fn take(self, record: ClientRecord) {
        self.generation.update_value(|g| *g += 1);
        self.in_flight.set_value(false);
        self.queued.set_value(false);
        self.record.set(Some(Ok(record)));
    }

    /// Reads the record again (after an action whose answer is not the record).
    pub(crate) fn reload(self) {
        self.load(false);
    }

    fn follow_frame(self, frame: &shared::dashboard::SocketFrame) {
        if !self.alive() {
            return;
        }
        let Some(id) = self.id.get_untracked() else {
            return;
        };
        match follow(&id, frame) {
            Follow::Nothing => {
                // A reply on the page got further (or failed): shown where it is.
                self.record.maybe_update(|r| match r {
                    Some(Ok(r)) => apply_delivery(r, frame),
                    _ => false,
                });
            }
            Follow::Reload => self.load(false),
            Follow::MovedTo(other) => {
                let was = self
                    .record
                    .with_untracked(|r| match r {
                        Some(Ok(r)) => Some(display_name(&r.client)),
                        _ => None,
                    })
                    .unwrap_or_else(|| "The client you had open".to_owned());
                self.next_notice.set_value(Some(format!(
                    "{was} was merged into this client by a teammate."
                )));
                self.session.replace(&Route::Client { id: other }.path());
            }
        }
    }

    /// Listens from now on; every (re)connection reloads the record, so nothing is missed.
    fn start_live(self) {
        let live = Live::start_at(
            ResumePoint::now(),
            LiveHandlers {
                on_frame: Box::new(move |frame| self.follow_frame(&frame)),
                on_connection: Box::new(move |state| {
                    if self.alive() {
                        self.connection.set(state);
                    }
                }),
                on_session_ended: Box::new(move || {
                    if self.alive() {
                        self.session.signed_out();
                    }
                }),
            },
        );
        // The socket is not `Send`: the cleanup reaches it through a local stored value.
        let live = StoredValue::new_local(Some(live));
        on_cleanup(move || {
            if let Some(live) = live.try_update_value(Option::take).flatten() {
                live.stop();
            }
        });
    }
}

#[component]
pub fn ClientPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let view = ClientView::new(session);
    // A new id (a link, a merge) is a new page.
    Effect::new(move |_| {
        view.id.track();
        view.load(true);
    });
    view.start_live();

    // The page's frame is drawn once per client: a reload only changes the parts.
    let shown = Memo::new(move |_| view.with(|r| r.client.id.clone()));
    Effect::new(move |_| {
        if shown.get().is_some() && view.focus_heading.get_value() {
            view.focus_heading.set_value(false);
            focus_by_id("client-name".to_owned());
        }
    });

    view! {
        <div class="app client-app">
            <TopBar session connection=view.connection away=true/>
            <main class="client-page" data-testid="client-page">
                {move || match shown.get() {
                    Some(id) => view! { <ClientRecordView view id/> }.into_any(),
                    None => match view.record.get() {
                        Some(Err(e)) => view! { <LoadError view error=e/> }.into_any(),
                        _ => view! {
                            <p class="loading" aria-live="polite">"Loading client…"</p>
                        }
                        .into_any(),
                    },
                }}
            </main>
        </div>
    }
}

#[component]
fn LoadError(
    /// The page's state.
    view: ClientView,
    error: ApiError,
) -> impl IntoView {
    let gone = matches!(error, ApiError::Status { status: 404, .. });
    view! {
        <section class="client-missing" data-testid="client-error">
            <h1>{if gone { "No such client" } else { "The client could not be loaded" }}</h1>
            <p class="error" role="alert">{error.message()}</p>
            {(!gone).then(|| view! {
                <button type="button" on:click=move |_| view.load(true)>"Try again"</button>
            })}
            <p><a href="/" on:click=go_on_click(view.session, Route::Inbox { open: None })>
                "Go to the inbox"
            </a></p>
        </section>
    }
}

/// The loaded client: details, then the profile, mentions and duplicates beside the history.
#[component]
fn ClientRecordView(
    /// The page's state.
    view: ClientView,
    /// The client shown.
    id: String,
) -> impl IntoView {
    view! {
        <header class="client-header" data-id=id>
            {move || view.with(|r| header(&r.client))}
            {move || view.merged.get().map(|m| view! {
                <p class="saved" role="status" data-testid="merged-notice">{m}</p>
            })}
        </header>
        <div class="client-columns">
            <div class="client-side">
                <profile::ProfileSection view/>
                <mentions::MentionsSection view/>
                <mentions::DuplicatesSection view/>
            </div>
            <div class="client-main">
                <history::ConversationsSection view/>
                <history::TimelineSection view/>
            </div>
        </div>
    }
}

/// The name (or what stands for it) as the page's heading, the email and the phone.
fn header(client: &ClientBrief) -> AnyView {
    let or_dash = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or("—")
            .to_owned()
    };
    view! {
        <h1 id="client-name" data-testid="client-name" tabindex="-1">{display_name(client)}</h1>
        <dl class="client-details" data-testid="client-details">
            <dt>"Email"</dt>
            <dd data-testid="client-email">{or_dash(&client.email)}</dd>
            <dt>"Phone"</dt>
            <dd data-testid="client-phone">{or_dash(&client.phone)}</dd>
        </dl>
    }
    .into_any()
}

/// Moves the focus to the element `id` once it is drawn (a redraw replaced what had it).
pub(crate) fn focus_by_id(id: String) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .get_element_by_id(&id)
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}
