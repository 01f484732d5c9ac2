//! What the widget, the dashboard and the server agree on: the JSON that crosses the wire and the
//! parsers for what a visitor types. Depends on serde only, so it compiles to native and to
//! `wasm32-unknown-unknown` alike: the browser and the server run the very same validation.

pub mod api;
pub mod assistant_settings;
pub mod channels;
pub mod contact;
pub mod dashboard;
pub mod decision;
pub mod form;
pub mod intents;
pub mod origin;
pub mod proactive;
pub mod rich_text;
pub mod routing;
pub mod safety;
pub mod text;
pub mod usage;
pub mod widget_settings;
pub mod workspace;

pub use contact::{Email, EmailError, NameError, PersonName};
pub use text::{ClientMessageId, ClientMessageIdError, MessageText, MessageTextError};
