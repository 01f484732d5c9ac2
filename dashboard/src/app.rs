//! The app shells: who is signed in, and which page the address bar names (`leptos_router`:
//! every page has a real URL, so reload, links and back/forward work).
//!
//! The dashboard is two apps built from this crate (see [`crate::route::App`]): [`InboxApp`],
//! which agents keep open, and [`SettingsApp`], loaded only when someone opens a settings page,
//! so the inbox never downloads the settings code. [`Session`] moves between pages of the same
//! app through the router and between the apps with a page load.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{path, NavigateOptions};
use shared::dashboard::Me;

use crate::api;
use crate::pages::client::ClientPage;
use crate::pages::inbox::InboxPage;
use crate::pages::login::LoginPage;
use crate::pages::setup::needs_workspace;
use crate::route::{login_path, return_path, App as Part, Route as InboxRoute};

/// Mounts the inbox app into `<body>` (the `dashboard-inbox` crate exports it to `boot.js`).
pub fn start_inbox() {
    leptos::mount::mount_to_body(InboxApp);
}

/// Mounts the settings app into `<body>` (the `dashboard-settings` crate exports it).
pub fn start_settings() {
    leptos::mount::mount_to_body(SettingsApp);
}

/// Where the signed-in state stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// `GET /me` has not answered yet.
    Checking,
    SignedOut,
    SignedIn(Me),
}

/// [`Auth`] without the teammate: what a page shows (it changes only when this does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Checking,
    SignedOut,
    SignedIn,
}

type Navigate = Rc<dyn Fn(&str, NavigateOptions)>;

/// The signed-in teammate and the current page; provided as context to every page.
#[derive(Clone, Copy)]
pub struct Session {
    pub auth: RwSignal<Auth>,
    /// The inbox app's reading of the address bar (which conversation or client is open).
    pub route: Memo<InboxRoute>,
    /// The app this is: its own paths go through the router, the other's load a page.
    app: Part,
    navigate: StoredValue<Navigate, LocalStorage>,
    pathname: Memo<String>,
    search: Memo<String>,
}

impl Session {
    /// Inside the `<Router>` of `app`: follows its location, provides itself as context and
    /// asks the server who is signed in.
    fn provide(app: Part) -> Self {
        let location = use_location();
        let pathname = location.pathname;
        let navigate = use_navigate();
        let session = Self {
            auth: RwSignal::new(Auth::Checking),
            route: Memo::new(move |_| pathname.with(|p| InboxRoute::parse(p))),
            app,
            navigate: StoredValue::new_local(Rc::new(navigate) as Navigate),
            pathname,
            search: location.search,
        };
        provide_context(session);
        spawn_local(async move {
            match api::me().await {
                Ok(me) => session.auth.set(Auth::SignedIn(me)),
                // Signed out or unreachable alike: the login page says what went wrong on submit.
                Err(_) => session.auth.set(Auth::SignedOut),
            }
        });
        session
    }

    /// Where signing in stands, as a memo pages can switch on.
    pub fn stage(self) -> Memo<Stage> {
        let auth = self.auth;
        Memo::new(move |_| {
            auth.with(|a| match a {
                Auth::Checking => Stage::Checking,
                Auth::SignedOut => Stage::SignedOut,
                Auth::SignedIn(_) => Stage::SignedIn,
            })
        })
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

    /// May see and change the workspace's settings (owners and admins).
    pub fn can_manage_settings(self) -> bool {
        self.auth
            .with(|a| matches!(a, Auth::SignedIn(me) if me.role.can_manage_settings()))
    }

    /// Goes to an inbox page, adding a history entry.
    pub fn navigate(self, route: &InboxRoute) {
        if self.route.with_untracked(|r| r == route) {
            return;
        }
        self.go(&route.path());
    }

    /// Goes to `path` (from the site's root), adding a history entry.
    pub fn go(self, path: &str) {
        self.visit(path, false);
    }

    /// Goes to `path` in place of the current history entry.
    pub fn replace(self, path: &str) {
        self.visit(path, true);
    }

    fn visit(self, path: &str, replace: bool) {
        if Part::for_path(path) == self.app {
            let navigate = self.navigate.get_value();
            navigate(
                path,
                NavigateOptions {
                    replace,
                    ..NavigateOptions::default()
                },
            );
            return;
        }
        // The other app: a page load.
        let location = window().location();
        let _ = if replace {
            location.replace(path)
        } else {
            location.assign(path)
        };
    }

    /// Signed in (login page, first run, accepted invitation): back to where the teammate was
    /// going (the login page's `next`), or the inbox.
    pub fn signed_in(self, me: Me) {
        self.auth.set(Auth::SignedIn(me));
        let back = match self.pathname.get_untracked().as_str() {
            "/login" => return_path(&self.search.get_untracked()),
            _ => "/".to_owned(),
        };
        self.replace(&back);
    }

    /// The session is over (401, logout, socket closed with 4001): show the login page, and
    /// come back here after signing in.
    pub fn signed_out(self) {
        if self.auth.with_untracked(|a| *a == Auth::SignedOut) {
            return;
        }
        self.auth.set(Auth::SignedOut);
        self.to_login();
    }

    /// The login page, coming back here afterwards.
    fn to_login(self) {
        let here = self.pathname.get_untracked();
        if here != "/login" {
            self.replace(&login_path(&format!(
                "{here}{}",
                self.search.get_untracked()
            )));
        }
    }
}

/// The inbox app: the login page, the inbox and the clients' pages. Everything else is the
/// settings app's, or not found.
#[component]
pub fn InboxApp() -> impl IntoView {
    view! {
        <Router>
            <InboxRoutes/>
        </Router>
    }
}

#[component]
fn InboxRoutes() -> impl IntoView {
    Session::provide(Part::Inbox);
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/login") view=LoginRoute/>
            // One inbox for `/` and `/conversations/:id`: opening a conversation must not
            // remount it (the list, the filters and the socket stay).
            <ParentRoute path=path!("") view=|| view! { <SignedIn><InboxPage/></SignedIn> }>
                <Route path=path!("") view=|| ()/>
                <Route path=path!("conversations/:id") view=|| ()/>
            </ParentRoute>
            <Route path=path!("/clients/:id") view=|| view! { <SignedIn><ClientPage/></SignedIn> }/>
        </Routes>
    }
}

/// The settings app: the settings pages, first run, invitations and password resets.
#[component]
pub fn SettingsApp() -> impl IntoView {
    view! {
        <Router>
            <SettingsAppRoutes/>
        </Router>
    }
}

#[component]
fn SettingsAppRoutes() -> impl IntoView {
    use crate::pages::invitation::InvitationPage;
    use crate::pages::password_reset::PasswordResetPage;
    use crate::pages::settings::SettingsRoutes;
    use crate::pages::setup::SetupPage;

    Session::provide(Part::Settings);
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/setup") view=SetupPage/>
            <Route path=path!("/invitations/:token") view=InvitationPage/>
            <Route path=path!("/reset-password/:token") view=PasswordResetPage/>
            <SettingsRoutes/>
        </Routes>
    }
}

/// Shows `children` once signed in; sends a signed-out visitor to the login page (and back
/// here afterwards).
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    let state = session.stage();
    Effect::new(move |_| {
        if state.get() == Stage::SignedOut {
            session.to_login();
        }
    });
    move || match state.get() {
        Stage::SignedIn => children().into_any(),
        _ => view! { <p class="loading" aria-live="polite">"Loading…"</p> }.into_any(),
    }
}

/// The login page; a teammate already signed in goes to the inbox.
#[component]
fn LoginRoute() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = session.stage();
    // Only when the page opened signed in: a sign-in from the form goes where `signed_in` says.
    Effect::new(move |previous: Option<Stage>| {
        let now = state.get();
        if now == Stage::SignedIn && previous.is_none_or(|p| p == Stage::Checking) {
            session.replace(&return_path(&session.search.get_untracked()));
        }
        // A server without a workspace has nobody to sign in: create it instead.
        if now == Stage::SignedOut && previous != Some(Stage::SignedOut) {
            spawn_local(async move {
                if needs_workspace().await {
                    session.replace("/setup");
                }
            });
        }
        now
    });
    move || match state.get() {
        Stage::SignedOut => view! { <LoginPage/> }.into_any(),
        _ => view! { <p class="loading" aria-live="polite">"Loading…"</p> }.into_any(),
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="not-found" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"There is no dashboard page at this address."</p>
            <p><a href="/" rel="external">"Go to the inbox"</a></p>
        </main>
    }
}
