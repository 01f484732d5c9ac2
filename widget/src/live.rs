//! The live channel: one `EventSource` on the session's event stream, so a teammate's reply, a
//! take-over or a teammate typing reaches the open panel at once.
//!
//! The browser's `EventSource` reconnects by itself after a dropped connection and resumes with
//! `Last-Event-ID`. It gives up for good (readyState CLOSED) when the server answers an error
//! or something other than an event stream; the channel then opens a new one after a backoff,
//! resuming after the last event it saw.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use shared::api::WidgetEvent;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use crate::codec::decode;

const FIRST_RETRY_MS: i32 = 1_000;
const MAX_RETRY_MS: i32 = 30_000;

/// Receives each decoded event with its stream id (stored events have one, typing has none).
pub type OnEvent = Rc<dyn Fn(WidgetEvent, Option<i64>)>;
/// Told when the browser gave up on a connection (the session may be gone).
pub type OnClosed = Rc<dyn Fn()>;
/// Builds the stream's URL for a resume point.
pub type StreamUrl = Rc<dyn Fn(Option<i64>) -> String>;

/// An open channel; dropping it closes the connection and cancels any pending reopen.
pub struct LiveStream {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    url: StreamUrl,
    on_event: OnEvent,
    on_closed: OnClosed,
    /// The newest event id seen (or the resume point given): where a reopen starts.
    last_id: Option<i64>,
    next_retry_ms: i32,
    connection: Option<Connection>,
    retry: Option<Retry>,
}

struct Connection {
    source: EventSource,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.source.set_onopen(None);
        self.source.set_onmessage(None);
        self.source.set_onerror(None);
        self.source.close();
    }
}

struct Retry {
    handle: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let (Some(retry), Some(window)) = (&self.retry, web_sys::window()) {
            window.clear_timeout_with_handle(retry.handle);
        }
    }
}

impl LiveStream {
    /// Opens the stream after `after` (the last event already reflected on screen).
    pub fn open(
        url: StreamUrl,
        after: Option<i64>,
        on_event: OnEvent,
        on_closed: OnClosed,
    ) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            url,
            on_event,
            on_closed,
            last_id: after,
            next_retry_ms: FIRST_RETRY_MS,
            connection: None,
            retry: None,
        }));
        connect(&inner);
        Self { inner }
    }

    /// The newest event id the channel has seen.
    pub fn last_id(&self) -> Option<i64> {
        self.inner.borrow().last_id
    }
}

fn connect(inner: &Rc<RefCell<Inner>>) {
    let url = {
        let mut state = inner.borrow_mut();
        state.retry = None;
        state.connection = None;
        (state.url)(state.last_id)
    };
    let Ok(source) = EventSource::new(&url) else {
        schedule_reopen(inner);
        return;
    };
    let weak = Rc::downgrade(inner);
    let on_open = Closure::<dyn FnMut()>::new({
        let weak = weak.clone();
        move || {
            if let Some(inner) = weak.upgrade() {
                inner.borrow_mut().next_retry_ms = FIRST_RETRY_MS;
            }
        }
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
        let weak = weak.clone();
        move |event: MessageEvent| received(&weak, &event)
    });
    let on_error = Closure::<dyn FnMut()>::new(move || failed(&weak));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    inner.borrow_mut().connection = Some(Connection {
        source,
        _on_open: on_open,
        _on_message: on_message,
        _on_error: on_error,
    });
}

fn received(weak: &Weak<RefCell<Inner>>, event: &MessageEvent) {
    let Some(inner) = weak.upgrade() else { return };
    let id = event.last_event_id().trim().parse::<i64>().ok();
    let on_event = {
        let mut state = inner.borrow_mut();
        if id.is_some() && id > state.last_id {
            state.last_id = id;
        }
        Rc::clone(&state.on_event)
    };
    // Anything unreadable (a newer server's event type) is skipped, not fatal.
    if let Some(event) = event
        .data()
        .as_string()
        .and_then(|d| decode::<WidgetEvent>(&d))
    {
        on_event(event, id);
    }
}

fn failed(weak: &Weak<RefCell<Inner>>) {
    let Some(inner) = weak.upgrade() else { return };
    let closed = inner
        .borrow()
        .connection
        .as_ref()
        .is_some_and(|c| c.source.ready_state() == EventSource::CLOSED);
    // While CONNECTING the browser is retrying by itself, with Last-Event-ID.
    if !closed {
        return;
    }
    let on_closed = {
        let mut state = inner.borrow_mut();
        state.connection = None;
        Rc::clone(&state.on_closed)
    };
    schedule_reopen(&inner);
    on_closed();
}

fn schedule_reopen(inner: &Rc<RefCell<Inner>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let weak = Rc::downgrade(inner);
    let callback = Closure::<dyn FnMut()>::new(move || {
        if let Some(inner) = weak.upgrade() {
            connect(&inner);
        }
    });
    let mut state = inner.borrow_mut();
    let delay = state.next_retry_ms;
    state.next_retry_ms = (delay * 2).min(MAX_RETRY_MS);
    if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
        callback.as_ref().unchecked_ref(),
        delay,
    ) {
        state.retry = Some(Retry {
            handle,
            _callback: callback,
        });
    }
}
