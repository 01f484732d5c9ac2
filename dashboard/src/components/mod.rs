//! Pieces of the dashboard's pages: the inbox's, and the forms every settings page uses.

pub mod client_panel;
pub mod conversation_list;
pub mod conversation_view;
pub mod filters;
pub mod form;
pub mod reply_box;
pub mod start_sms;
pub mod top_bar;

use crate::app::Session;
use crate::route::Route;

/// A link to a conversation: a real `href` (open in a new tab works), handled in place on a
/// plain click.
pub fn open_on_click(session: Session, id: String) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    go_on_click(session, Route::Inbox { open: Some(id) })
}

/// A link to an inbox page: a real `href` (open in a new tab works), handled in place on a plain
/// click.
pub fn go_on_click(session: Session, route: Route) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    move |ev: leptos::ev::MouseEvent| {
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        ev.prevent_default();
        session.navigate(&route);
    }
}

/// `/conversations/{id}`.
pub fn conversation_href(id: &str) -> String {
    Route::Inbox {
        open: Some(id.to_owned()),
    }
    .path()
}

/// `/clients/{id}`.
pub fn client_href(id: &str) -> String {
    Route::Client { id: id.to_owned() }.path()
}
