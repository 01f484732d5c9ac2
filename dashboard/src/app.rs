//! The app shell: who is signed in, which page the address bar names, and the switch between the
//! login page and the inbox.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::Me;
use wasm_bindgen::prelude::*;

use crate::api;
use crate::pages::inbox::InboxPage;
use crate::pages::login::LoginPage;
use crate::route::Route;

/// Mounts the dashboard into `<body>`. Called by `boot.js` once the module is initialised.
#[wasm_bindgen]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

/// Where the signed-in state stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// `GET /me` has not answered yet.
    Checking,
    SignedOut,
    SignedIn(Me),
}

/// The signed-in teammate and the current page; provided as context to every page.
#[derive(Clone, Copy)]
pub struct Session {
    pub auth: RwSignal<Auth>,
    pub route: RwSignal<Route>,
    /// The page to return to after signing in.
    return_to: StoredValue<Option<Route>>,
}

impl Session {
    fn new() -> Self {
        Self {
            auth: RwSignal::new(Auth::Checking),
            route: RwSignal::new(Route::parse(&current_path())),
            return_to: StoredValue::new(None),
        }
    }

    pub fn me(self) -> Option<Me> {
        self.auth.with(|a| match a {
            Auth::SignedIn(me) => Some(me.clone()),
            _ => None,
        })
    }

    /// May reply and change conversations (viewers may not).
    pub fn can_act(self) -> bool {
        self.auth
            .with(|a| matches!(a, Auth::SignedIn(me) if me.role.can_act()))
    }

    /// Goes to `route`, adding a history entry.
    pub fn navigate(self, route: Route) {
        if self.route.with_untracked(|r| *r == route) {
            return;
        }
        if let Ok(history) = window().history() {
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&route.path()));
        }
        self.route.set(route);
    }

    /// Goes to `route` in place of the current history entry.
    fn replace(self, route: Route) {
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&route.path()));
        }
        self.route.set(route);
    }

    pub fn signed_in(self, me: Me) {
        self.auth.set(Auth::SignedIn(me));
        let back = self
            .return_to
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or(Route::Inbox { open: None });
        self.replace(back);
    }

    /// The session is over (401, logout, socket closed with 4001): show the login page.
    pub fn signed_out(self) {
        if self.auth.with_untracked(|a| *a == Auth::SignedOut) {
            return;
        }
        let here = self.route.get_untracked();
        if here != Route::Login {
            self.return_to.set_value(Some(here));
        }
        self.auth.set(Auth::SignedOut);
        self.replace(Route::Login);
    }
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

/// The whole dashboard.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::new();
    provide_context(session);

    // Back and forward buttons.
    let _ = window_event_listener(leptos::ev::popstate, move |_| {
        session.route.set(Route::parse(&current_path()));
    });

    spawn_local(async move {
        match api::me().await {
            Ok(me) => {
                session.auth.set(Auth::SignedIn(me));
                if session.route.get_untracked() == Route::Login {
                    session.replace(Route::Inbox { open: None });
                }
            }
            // Signed out or unreachable alike: the login page says what went wrong on submit.
            Err(_) => session.signed_out(),
        }
    });

    let page = Memo::new(move |_| {
        session.auth.with(|a| match a {
            Auth::Checking => 0,
            Auth::SignedOut => 1,
            Auth::SignedIn(_) => 2,
        })
    });
    move || match page.get() {
        0 => view! { <p class="loading" aria-live="polite">"Loading…"</p> }.into_any(),
        1 => view! { <LoginPage/> }.into_any(),
        _ => view! { <InboxPage/> }.into_any(),
    }
}
