//! The inbox: the list with its filters on the left, the open conversation in the middle, the
//! client panel on the right. On a phone the list and the conversation take turns.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::app::Session;
use crate::components::client_panel::ClientPanel;
use crate::components::conversation_list::ConversationList;
use crate::components::conversation_view::ConversationView;
use crate::components::filters::FilterBar;
use crate::desk::Desk;

#[component]
pub fn InboxPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let desk = Desk::new(session);
    let has_open = Memo::new(move |_| {
        desk.inbox.with(|i| i.open.is_some())
            || desk.detail_loading.get()
            || desk.detail_error.with(Option::is_some)
    });

    view! {
        <div class="app">
            <TopBar desk/>
            <div class="desk" data-open=move || has_open.get().to_string()>
                <section class="list-pane" aria-label="Conversation list">
                    <FilterBar desk/>
                    <ConversationList desk/>
                </section>
                <main class="conversation-pane">
                    <ConversationView desk/>
                </main>
                <div class="client-pane">
                    <ClientPanel desk/>
                </div>
            </div>
        </div>
    }
}

#[component]
fn TopBar(
    /// The inbox state.
    desk: Desk,
) -> impl IntoView {
    let session = desk.session;
    let me = move || session.me();
    let logout = move |_| {
        spawn_local(async move {
            // Signed out here whatever the server says: the cookie is the server's to clear.
            let _ = api::logout().await;
            session.signed_out();
        });
    };
    view! {
        <header class="topbar">
            <h1 class="brand">
                "Inbox"
                <span class="tenant">{move || me().map(|m| m.tenant_name)}</span>
            </h1>
            <span class="connection" data-testid="connection"
                data-state=move || desk.connection.get().as_str() role="status">
                <span class="connection-dot" aria-hidden="true"></span>
                {move || desk.connection.get().label()}
            </span>
            <span class="me" data-testid="me">{move || me().map(|m| m.name)}</span>
            <a class="link" href="/settings" rel="external" data-testid="settings-link">"Settings"</a>
            <button type="button" class="link" data-testid="logout" on:click=logout>"Log out"</button>
        </header>
    }
}
