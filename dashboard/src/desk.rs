//! The inbox's state in signals and what a teammate can do with it. Views read the signals and
//! call these methods; requests run on `spawn_local`, and an answer that a newer request made
//! obsolete is dropped (each kind of request counts its generations).

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::{AssistantBrief, ConversationQuery, SocketFrame};

use crate::api::{self, Action, ApiError};
use crate::app::Session;
use crate::live::{Connection, Live, LiveHandlers};
use crate::query::Filters;
use crate::route::Route;
use crate::state::{FrameEffect, Inbox};

/// How long "Visitor is typing…" stays without a new typing frame.
const TYPING_SHOWN: Duration = Duration::from_secs(5);

/// The inbox page's state; `Copy`, so every closure can hold it.
#[derive(Clone, Copy)]
pub struct Desk {
    pub session: Session,
    pub inbox: RwSignal<Inbox>,
    pub filters: RwSignal<Filters>,
    pub assistants: RwSignal<Vec<AssistantBrief>>,
    pub connection: RwSignal<Connection>,
    pub list_loading: RwSignal<bool>,
    pub list_error: RwSignal<Option<String>>,
    pub detail_loading: RwSignal<bool>,
    pub detail_error: RwSignal<Option<String>>,
    /// The visitor of the open conversation is typing.
    pub visitor_typing: RwSignal<bool>,
    /// Why the last action failed.
    pub action_error: RwSignal<Option<String>>,
    pub acting: RwSignal<bool>,
    /// Unix ms, ticking so relative times age.
    pub now: RwSignal<i64>,
    list_generation: StoredValue<u32>,
    detail_generation: StoredValue<u32>,
    typing_generation: StoredValue<u32>,
    /// Failed connection attempts since the socket was last live.
    socket_failures: StoredValue<u32>,
    live: StoredValue<Option<Live>, LocalStorage>,
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The start of a local day in Unix ms; JavaScript's `Date` rolls day 32 into the next month.
fn local_midnight(year: i32, month: u32, day: u32) -> Option<i64> {
    let date = js_sys::Date::new_with_year_month_day(year as u32, month as i32 - 1, day as i32);
    let ms = date.get_time();
    ms.is_finite().then_some(ms as i64)
}

impl Desk {
    /// Creates the state, loads the first page and the assistants, and follows the route.
    pub fn new(session: Session) -> Self {
        let desk = Self {
            session,
            inbox: RwSignal::new(Inbox::default()),
            filters: RwSignal::new(Filters::default()),
            assistants: RwSignal::new(Vec::new()),
            connection: RwSignal::new(Connection::Connecting),
            list_loading: RwSignal::new(false),
            list_error: RwSignal::new(None),
            detail_loading: RwSignal::new(false),
            detail_error: RwSignal::new(None),
            visitor_typing: RwSignal::new(false),
            action_error: RwSignal::new(None),
            acting: RwSignal::new(false),
            now: RwSignal::new(now_ms()),
            list_generation: StoredValue::new(0),
            detail_generation: StoredValue::new(0),
            typing_generation: StoredValue::new(0),
            socket_failures: StoredValue::new(0),
            live: StoredValue::new_local(None),
        };

        // Any filter change reloads page 1 (the search box debounces before it gets here).
        Effect::new(move |_| {
            let query = desk.query();
            desk.load_first_page(query);
        });
        // The address bar says which conversation is open.
        Effect::new(move |_| {
            let open = desk.session.route.with(|r| match r {
                Route::Inbox { open } => open.clone(),
                Route::Login | Route::Client { .. } => None,
            });
            match open {
                Some(id) => desk.open(id),
                None => {
                    // A detail still loading is dropped with its spinner.
                    desk.detail_generation.update_value(|g| *g += 1);
                    desk.detail_loading.set(false);
                    desk.detail_error.set(None);
                    desk.visitor_typing.set(false);
                    desk.inbox.update(Inbox::close_conversation);
                }
            }
        });
        desk.load_assistants();

        let tick =
            set_interval_with_handle(move || desk.now.set(now_ms()), Duration::from_secs(30)).ok();
        on_cleanup(move || {
            if let Some(tick) = tick {
                tick.clear();
            }
            desk.stop_live();
        });
        desk
    }

    /// The API query the filters stand for.
    pub fn query(self) -> ConversationQuery {
        self.filters.with(|f| f.to_query(local_midnight))
    }

    fn alive(self) -> bool {
        !self.inbox.is_disposed()
    }

    /// A 401 anywhere means the session is over.
    fn failed(self, error: &ApiError) -> Option<String> {
        if error.is_unauthorized() {
            self.stop_live();
            self.session.signed_out();
            None
        } else {
            Some(error.message())
        }
    }

    /// Replaces the list with page 1 of `query`; the first page ever also opens the socket.
    pub fn load_first_page(self, query: ConversationQuery) {
        self.list_generation.update_value(|g| *g += 1);
        let generation = self.list_generation.get_value();
        self.list_loading.set(true);
        spawn_local(async move {
            let result = api::conversations(&query).await;
            if !self.alive() || self.list_generation.get_value() != generation {
                return;
            }
            self.list_loading.set(false);
            match result {
                Ok(page) => {
                    self.list_error.set(None);
                    let first_seq = page.last_event_seq;
                    let starting = self.live.with_value(Option::is_none);
                    self.inbox.update(|inbox| {
                        if starting {
                            inbox.last_seq = first_seq;
                        }
                        inbox.load_first_page(query, page);
                    });
                    if starting {
                        self.start_live(first_seq);
                    }
                }
                Err(e) => self.list_error.set(self.failed(&e)),
            }
        });
    }

    /// Reloads page 1 with the current filters (after "new activity").
    pub fn refresh(self) {
        self.load_first_page(self.query());
    }

    /// Appends the next page of the loaded query.
    pub fn load_more(self) {
        let Some((query, cursor)) = self.inbox.with_untracked(|i| {
            i.next_cursor
                .clone()
                .map(|cursor| (i.query.clone(), cursor))
        }) else {
            return;
        };
        if self.list_loading.get_untracked() {
            return;
        }
        let generation = self.list_generation.get_value();
        self.list_loading.set(true);
        spawn_local(async move {
            let page_query = ConversationQuery {
                cursor: Some(cursor),
                ..query
            };
            let result = api::conversations(&page_query).await;
            if !self.alive() || self.list_generation.get_value() != generation {
                return;
            }
            self.list_loading.set(false);
            match result {
                Ok(page) => {
                    self.list_error.set(None);
                    self.inbox.update(|i| i.append_page(page));
                }
                Err(e) => self.list_error.set(self.failed(&e)),
            }
        });
    }

    fn load_assistants(self) {
        spawn_local(async move {
            if let Ok(list) = api::assistants().await {
                if self.alive() {
                    self.assistants.set(list);
                }
            }
        });
    }

    /// Loads and shows a conversation's timeline.
    fn open(self, id: String) {
        self.detail_generation.update_value(|g| *g += 1);
        let generation = self.detail_generation.get_value();
        self.detail_loading.set(true);
        self.detail_error.set(None);
        self.action_error.set(None);
        self.visitor_typing.set(false);
        spawn_local(async move {
            let result = api::conversation(&id).await;
            if !self.alive() || self.detail_generation.get_value() != generation {
                return;
            }
            self.detail_loading.set(false);
            match result {
                Ok(detail) => self.inbox.update(|i| i.open_conversation(detail)),
                Err(e) => {
                    self.inbox.update(Inbox::close_conversation);
                    self.detail_error.set(self.failed(&e));
                }
            }
        });
    }

    /// Takes over, hands back, resolves or reopens the open conversation.
    pub fn act(self, id: String, action: Action) {
        if self.acting.get_untracked() {
            return;
        }
        self.acting.set(true);
        self.action_error.set(None);
        spawn_local(async move {
            let result = api::act(&id, action).await;
            if !self.alive() {
                return;
            }
            self.acting.set(false);
            match result {
                Ok(conversation) => self.inbox.update(|i| i.update_conversation(conversation)),
                Err(e) => self.action_error.set(self.failed(&e)),
            }
        });
    }

    /// Applies a mention of the open conversation's client (one click in the client panel).
    pub fn apply_mention(self, client_id: String, mention_id: String) {
        if self.acting.get_untracked() {
            return;
        }
        self.acting.set(true);
        self.action_error.set(None);
        spawn_local(async move {
            let result = api::apply_mention(&client_id, &mention_id).await;
            if !self.alive() {
                return;
            }
            self.acting.set(false);
            match result {
                Ok(client) => self
                    .inbox
                    .update(|i| i.mention_applied(&mention_id, &client)),
                Err(e) => self.action_error.set(self.failed(&e)),
            }
        });
    }

    fn start_live(self, after: i64) {
        let live = Live::start(
            after,
            LiveHandlers {
                on_frame: Box::new(move |frame| self.apply_frame(frame)),
                on_connection: Box::new(move |state| self.connection_changed(state)),
                on_session_ended: Box::new(move || {
                    if self.alive() {
                        self.session.signed_out();
                    }
                }),
            },
        );
        self.live.set_value(Some(live));
    }

    /// Shows the state; a socket that keeps failing may be refused for an expired session (a
    /// refused upgrade has no close code), so every third failure asks the API who we are.
    fn connection_changed(self, state: Connection) {
        if !self.alive() {
            return;
        }
        self.connection.set(state);
        match state {
            Connection::Live => self.socket_failures.set_value(0),
            Connection::Offline => {
                self.socket_failures.update_value(|n| *n += 1);
                if self.socket_failures.get_value().is_multiple_of(3) {
                    spawn_local(async move {
                        if let Err(e) = api::me().await {
                            if self.alive() {
                                self.failed(&e);
                            }
                        }
                    });
                }
            }
            Connection::Connecting => {}
        }
    }

    fn stop_live(self) {
        if let Some(live) = self.live.try_update_value(Option::take).flatten() {
            live.stop();
        }
    }

    fn apply_frame(self, frame: SocketFrame) {
        if !self.alive() {
            return;
        }
        let mut effect = FrameEffect::Ignored;
        self.inbox.update(|i| effect = i.apply_frame(frame));
        if matches!(effect, FrameEffect::Reset) {
            self.refresh();
            if let Some(id) = self
                .inbox
                .with_untracked(|i| i.open_id().map(str::to_owned))
            {
                self.open(id);
            }
            return;
        }
        if let FrameEffect::Typing(typing) = effect {
            self.typing_generation.update_value(|g| *g += 1);
            self.visitor_typing.set(typing.active);
            if typing.active {
                let generation = self.typing_generation.get_value();
                set_timeout(
                    move || {
                        if self.alive() && self.typing_generation.get_value() == generation {
                            self.visitor_typing.set(false);
                        }
                    },
                    TYPING_SHOWN,
                );
            }
        }
    }
}
