//! The settings pages under `/settings/…`: a left nav and the page of the address bar, for
//! admins and owners (the server refuses everyone else too; the account page is for everyone).
//!
//! The layout keeps its own live connection, listening for `settings_changed` events: a page
//! reads [`SettingsEvents::version`] of its area, so a change made in another tab or by another
//! admin reloads it at once.

pub mod account;
pub mod assistant;
pub mod assistants;
pub mod audit;
pub mod channels;
pub mod domains;
pub mod identity;
pub mod intents;
mod knowledge;
pub mod proactive;
pub mod routing;
pub mod safety;
pub mod teammates;
pub mod tokens;
pub mod usage;
pub mod widget;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route};
use leptos_router::hooks::use_location;
use leptos_router::{path, MatchNestedRoutes};
use shared::dashboard::{DashboardEvent, SettingsArea, SocketFrame};
use wasm_bindgen::JsValue;

use crate::app::{Session, SignedIn};
use crate::live::{Live, LiveHandlers, ResumePoint};

/// One entry of the settings nav.
struct NavItem {
    path: &'static str,
    label: &'static str,
    /// Owners and admins only.
    admin: bool,
}

/// The nav, in the order shown. A page is added here and in [`SettingsRoutes`].
const NAV: &[NavItem] = &[
    NavItem {
        path: "/settings/widget",
        label: "Chat widget",
        admin: true,
    },
    NavItem {
        path: "/settings/proactive",
        label: "Proactive messages",
        admin: true,
    },
    NavItem {
        path: "/settings/channels",
        label: "Channels",
        admin: true,
    },
    NavItem {
        path: "/settings/domains",
        label: "Allowed domains",
        admin: true,
    },
    NavItem {
        path: "/settings/tokens",
        label: "Widget tokens",
        admin: true,
    },
    NavItem {
        path: "/settings/identity",
        label: "Identity verification",
        admin: true,
    },
    NavItem {
        path: "/settings/safety",
        label: "Content safety",
        admin: true,
    },
    NavItem {
        path: "/settings/intents",
        label: "Intents",
        admin: true,
    },
    NavItem {
        path: "/settings/assistants",
        label: "Assistants",
        admin: true,
    },
    NavItem {
        path: "/settings/routing",
        label: "Routing & handoff",
        admin: true,
    },
    NavItem {
        path: "/settings/teammates",
        label: "Teammates",
        admin: true,
    },
    NavItem {
        path: "/settings/usage",
        label: "Usage",
        admin: true,
    },
    NavItem {
        path: "/settings/audit",
        label: "Audit log",
        admin: true,
    },
    NavItem {
        path: "/settings/account",
        label: "Your account",
        admin: false,
    },
];

/// Every settings route, under the settings layout.
#[component(transparent)]
pub fn SettingsRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/settings") view=|| view! { <SignedIn><SettingsLayout/></SignedIn> }>
            <Route path=path!("") view=SettingsHome/>
            <Route path=path!("assistants") view=|| view! { <AdminOnly><assistants::AssistantsPage/></AdminOnly> }/>
            <Route path=path!("assistants/:id") view=assistant::AssistantRoute/>
            <Route path=path!("widget") view=|| view! { <AdminOnly><widget::WidgetPage/></AdminOnly> }/>
            <Route path=path!("proactive") view=|| view! { <AdminOnly><proactive::ProactivePage/></AdminOnly> }/>
            <Route path=path!("channels") view=|| view! { <AdminOnly><channels::ChannelsPage/></AdminOnly> }/>
            <Route path=path!("domains") view=|| view! { <AdminOnly><domains::DomainsPage/></AdminOnly> }/>
            <Route path=path!("tokens") view=|| view! { <AdminOnly><tokens::TokensPage/></AdminOnly> }/>
            <Route path=path!("identity") view=|| view! { <AdminOnly><identity::IdentityPage/></AdminOnly> }/>
            <Route path=path!("safety") view=|| view! { <AdminOnly><safety::SafetyPage/></AdminOnly> }/>
            <Route path=path!("intents") view=|| view! { <AdminOnly><intents::IntentsPage/></AdminOnly> }/>
            <Route path=path!("usage") view=|| view! { <AdminOnly><usage::UsagePage/></AdminOnly> }/>
            <Route path=path!("audit") view=|| view! { <AdminOnly><audit::AuditPage/></AdminOnly> }/>
            <Route path=path!("routing") view=|| view! { <AdminOnly><routing::RoutingPage/></AdminOnly> }/>
            <Route path=path!("teammates") view=|| view! { <AdminOnly><teammates::TeammatesPage/></AdminOnly> }/>
            <Route path=path!("account") view=account::AccountPage/>
        </ParentRoute>
    }
    .into_inner()
}

/// How many times each area changed since the layout opened; pages track theirs.
#[derive(Clone, Copy)]
pub struct SettingsEvents {
    versions: RwSignal<[u64; AREAS.len()]>,
}

const AREAS: [SettingsArea; 12] = [
    SettingsArea::Workspace,
    SettingsArea::Widget,
    SettingsArea::Domains,
    SettingsArea::Tokens,
    SettingsArea::Identity,
    SettingsArea::Assistants,
    SettingsArea::Teammates,
    SettingsArea::Routing,
    SettingsArea::Intents,
    SettingsArea::Safety,
    SettingsArea::Channels,
    SettingsArea::Proactive,
];

impl SettingsEvents {
    /// Tracks `area`: read it in an effect that loads the area, and the effect reruns when an
    /// admin (here or anywhere) changes it.
    pub fn version(self, area: SettingsArea) -> u64 {
        let i = AREAS.iter().position(|a| *a == area).unwrap_or(0);
        self.versions.with(|v| v[i])
    }

    /// Tracks every area (the audit log).
    pub fn any_version(self) -> u64 {
        self.versions.with(|v| v.iter().sum())
    }

    fn bump(self, area: Option<SettingsArea>) {
        self.versions.update(|v| match area {
            Some(area) => {
                if let Some(i) = AREAS.iter().position(|a| *a == area) {
                    v[i] += 1;
                }
            }
            None => v.iter_mut().for_each(|n| *n += 1),
        });
    }
}

/// A form page's loader: fetches `path` now and again whenever `area` changes (in this tab or
/// anywhere), and hands the page to `take` with whether the form may be refilled from it: not
/// while the admin has typed into it or a save is on its way. A failed load lands in
/// `load_error`; a page left before the answer came ignores it.
pub(crate) fn load_form_page<P>(
    area: SettingsArea,
    path: &'static str,
    edited: RwSignal<bool>,
    busy: RwSignal<bool>,
    load_error: RwSignal<Option<crate::api::ApiError>>,
    take: impl Fn(P, bool) + Copy + 'static,
) where
    P: serde::de::DeserializeOwned + 'static,
{
    let events = expect_context::<SettingsEvents>();
    Effect::new(move |_| {
        events.version(area);
        leptos::task::spawn_local(async move {
            let result = crate::api::get_json::<P>(path).await;
            if busy.is_disposed() {
                return;
            }
            match result {
                Ok(page) => {
                    load_error.set(None);
                    // Never overwrite what the admin is typing.
                    let editing = edited.get_untracked() || busy.get_untracked();
                    take(page, !editing);
                }
                Err(e) => load_error.set(Some(e)),
            }
        });
    });
}

/// The nav and the current page; opens the settings' live connection.
#[component]
pub fn SettingsLayout() -> impl IntoView {
    let session = expect_context::<Session>();
    let events = SettingsEvents {
        versions: RwSignal::new([0; AREAS.len()]),
    };
    provide_context(events);
    let live = Live::start_at(
        ResumePoint::now(),
        LiveHandlers {
            on_frame: Box::new(move |frame| match frame {
                SocketFrame::Event { envelope } => {
                    if let DashboardEvent::SettingsChanged { area } = envelope.event {
                        events.bump(Some(area));
                    }
                }
                // Events were pruned while away: reload everything.
                SocketFrame::Reset { .. } => events.bump(None),
                _ => {}
            }),
            on_connection: Box::new(|_| {}),
            on_session_ended: Box::new(move || session.signed_out()),
        },
    );
    // The socket is not `Send`: the cleanup reaches it through a local stored value.
    let live = StoredValue::new_local(Some(live));
    on_cleanup(move || {
        if let Some(live) = live.try_update_value(Option::take).flatten() {
            live.stop();
        }
    });

    let pathname = use_location().pathname;
    let admin = move || session.can_manage_settings();
    view! {
        <div class="settings-app">
            <header class="topbar">
                <h1 class="brand">
                    "Settings"
                    <span class="tenant">{move || session.me().map(|m| m.tenant_name)}</span>
                </h1>
                <a class="link" href="/" rel="external" data-testid="back-to-inbox">"Back to the inbox"</a>
            </header>
            <div class="settings">
                <nav class="settings-nav" aria-label="Settings">
                    <ul>
                        {NAV.iter().map(|item| {
                            let href = item.path;
                            let needs_admin = item.admin;
                            let current = move || pathname.with(|p| p.starts_with(href));
                            view! {
                                <li style:display=move || (needs_admin && !admin()).then_some("none")>
                                    <a href=href
                                        data-testid=format!("nav-{}", href.trim_start_matches("/settings/").replace('/', "-"))
                                        aria-current=move || current().then_some("page")>
                                        {item.label}
                                    </a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </nav>
                <main class="settings-page">
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

/// `/settings`: the first page this teammate may see.
#[component]
fn SettingsHome() -> impl IntoView {
    let session = expect_context::<Session>();
    let admin = session.can_manage_settings();
    let first = NAV
        .iter()
        .find(|item| admin || !item.admin)
        .map(|item| item.path);
    Effect::new(move |_| {
        if let Some(path) = first {
            session.replace(path);
        }
    });
    view! { <p class="loading">"Loading…"</p> }
}

/// Shows `children` to owners and admins; others read why not.
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    move || {
        if session.can_manage_settings() {
            children().into_any()
        } else {
            view! {
                <p class="notice" data-testid="admin-only">
                    "Only an owner or an admin of this workspace can see and change its settings."
                </p>
            }
            .into_any()
        }
    }
}

/// A date and time in the teammate's locale, e.g. `28 Nov 2026, 10:56`.
pub fn when(ms: i64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let options = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    };
    set("dateStyle", "medium");
    set("timeStyle", "short");
    date.to_locale_string("default", &options)
        .as_string()
        .unwrap_or_default()
}
