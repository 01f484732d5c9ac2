//! The inbox: the list with its filters on the left, the open conversation in the middle, the
//! client panel on the right. On a phone the list and the conversation take turns.

use leptos::prelude::*;

use crate::app::Session;
use crate::components::client_panel::ClientPanel;
use crate::components::conversation_list::ConversationList;
use crate::components::conversation_view::ConversationView;
use crate::components::filters::FilterBar;
use crate::components::start_sms::StartSms;
use crate::components::top_bar::TopBar;
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
            <TopBar session=desk.session connection=desk.connection/>
            <div class="desk" data-open=move || has_open.get().to_string()>
                <section class="list-pane" aria-label="Conversation list">
                    <StartSms desk/>
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
