//! The browser side of [`super`]: a `WebSocket` that reconnects with backoff until stopped.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use shared::dashboard::SocketFrame;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

use super::{Backoff, Connection, ResumePoint, SESSION_ENDED};

/// What the socket reports to the page.
pub struct LiveHandlers {
    /// Every frame, in order, after the resume point has moved past it.
    pub on_frame: Box<dyn Fn(SocketFrame)>,
    pub on_connection: Box<dyn Fn(Connection)>,
    /// The server closed with 4001: the session is over, do not reconnect.
    pub on_session_ended: Box<dyn Fn()>,
}

/// The tab's live connection. Dropping it does not close the socket: call [`Live::stop`].
#[derive(Clone)]
pub struct Live {
    inner: Rc<Inner>,
}

struct Inner {
    resume: Cell<ResumePoint>,
    backoff: RefCell<Backoff>,
    socket: RefCell<Option<Connected>>,
    retry_timer: Cell<Option<i32>>,
    stopped: Cell<bool>,
    handlers: LiveHandlers,
}

/// A socket and the callbacks it calls (kept alive as long as it is).
struct Connected {
    socket: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Live {
    /// Connects asking for the events after `after`.
    pub fn start(after: i64, handlers: LiveHandlers) -> Self {
        Self::start_at(ResumePoint::after(after), handlers)
    }

    /// Connects from `resume` ([`ResumePoint::now`]: only what happens from now on).
    pub fn start_at(resume: ResumePoint, handlers: LiveHandlers) -> Self {
        let live = Self {
            inner: Rc::new(Inner {
                resume: Cell::new(resume),
                backoff: RefCell::new(Backoff::default()),
                socket: RefCell::new(None),
                retry_timer: Cell::new(None),
                stopped: Cell::new(false),
                handlers,
            }),
        };
        connect(&live.inner);
        live
    }

    /// Closes the socket for good (page left, signed out).
    pub fn stop(&self) {
        self.inner.stop();
    }
}

impl Inner {
    fn stop(&self) {
        self.stopped.set(true);
        if let (Some(timer), Some(window)) = (self.retry_timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(timer);
        }
        if let Some(connected) = self.socket.borrow_mut().take() {
            connected.socket.set_onclose(None);
            let _ = connected.socket.close();
            // Stopping may happen inside one of the socket's own callbacks (a 4001 close signs
            // out, which unmounts the page): free them once that callback has returned.
            wasm_bindgen_futures::spawn_local(async move { drop(connected) });
        }
    }
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    (inner.handlers.on_connection)(Connection::Connecting);
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let url = inner.resume.get().url(
        &location.protocol().unwrap_or_default(),
        &location.host().unwrap_or_default(),
    );
    let socket = match WebSocket::new(&url) {
        Ok(socket) => socket,
        Err(_) => {
            schedule_reconnect(inner);
            return;
        }
    };

    let weak = Rc::downgrade(inner);
    let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
        if let Some(inner) = weak.upgrade() {
            (inner.handlers.on_connection)(Connection::Live);
        }
    });
    let weak = Rc::downgrade(inner);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let Some(inner) = weak.upgrade() else { return };
        let Some(text) = ev.data().as_string() else {
            return;
        };
        let Ok(frame) = serde_json::from_str::<SocketFrame>(&text) else {
            return;
        };
        if matches!(frame, SocketFrame::CaughtUp { .. }) {
            // Only a connection that got this far is healthy enough to reset the backoff.
            inner.backoff.borrow_mut().reset();
        }
        let mut resume = inner.resume.get();
        resume.observe(&frame);
        inner.resume.set(resume);
        (inner.handlers.on_frame)(frame);
    });
    let weak: Weak<Inner> = Rc::downgrade(inner);
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
        let Some(inner) = weak.upgrade() else { return };
        if inner.stopped.get() {
            return;
        }
        if ev.code() == SESSION_ENDED {
            inner.stop();
            (inner.handlers.on_session_ended)();
            return;
        }
        schedule_reconnect(&inner);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // Dropping the previous socket's callbacks while it runs one is not possible: it is closed.
    let previous = inner.socket.replace(Some(Connected {
        socket,
        _on_open: on_open,
        _on_message: on_message,
        _on_close: on_close,
    }));
    drop(previous);
}

/// Waits per the backoff, then connects again from the last event seen.
fn schedule_reconnect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    (inner.handlers.on_connection)(Connection::Offline);
    let delay = inner
        .backoff
        .borrow_mut()
        .next_delay(js_sys::Math::random());
    let weak = Rc::downgrade(inner);
    let retry = Closure::once_into_js(move || {
        if let Some(inner) = weak.upgrade() {
            inner.retry_timer.set(None);
            connect(&inner);
        }
    });
    let timer = web_sys::window().and_then(|w| {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(
            retry.unchecked_ref(),
            i32::try_from(delay).unwrap_or(i32::MAX),
        )
        .ok()
    });
    inner.retry_timer.set(timer);
}
