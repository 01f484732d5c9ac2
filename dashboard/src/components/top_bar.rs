//! The inbox app's top bar: the workspace, whether the page is live, who is signed in, the way
//! to the settings and out. On a page other than the inbox the brand is a link back to it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::go_on_click;
use crate::api;
use crate::app::Session;
use crate::live::Connection;
use crate::route::Route;

#[component]
pub fn TopBar(
    /// Who is signed in.
    session: Session,
    /// The page's live connection.
    connection: RwSignal<Connection>,
    /// Not the inbox: the brand links back to it (and the page has its own heading).
    #[prop(optional)]
    away: bool,
) -> impl IntoView {
    let me = move || session.me();
    let tenant =
        move || view! { <span class="tenant">{move || me().map(|m| m.tenant_name)}</span> };
    let logout = move |_| {
        spawn_local(async move {
            // Signed out here whatever the server says: the cookie is the server's to clear.
            let _ = api::logout().await;
            session.signed_out();
        });
    };
    let brand = if away {
        view! {
            <p class="brand">
                <a href="/" data-testid="back-to-inbox"
                    on:click=go_on_click(session, Route::Inbox { open: None })>"← Inbox"</a>
                {tenant()}
            </p>
        }
        .into_any()
    } else {
        view! { <h1 class="brand">"Inbox" {tenant()}</h1> }.into_any()
    };
    view! {
        <header class="topbar">
            {brand}
            <span class="connection" data-testid="connection"
                data-state=move || connection.get().as_str() role="status">
                <span class="connection-dot" aria-hidden="true"></span>
                {move || connection.get().label()}
            </span>
            <span class="me" data-testid="me">{move || me().map(|m| m.name)}</span>
            <a class="link" href="/settings" rel="external" data-testid="settings-link">"Settings"</a>
            <button type="button" class="link" data-testid="logout" on:click=logout>"Log out"</button>
        </header>
    }
}
