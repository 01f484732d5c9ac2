//! The agents' dashboard: sign in, watch every channel's conversations live, answer, take over
//! from the assistant, resolve; and the workspace's settings. Two Leptos CSR apps compiled to
//! WASM from this library by the `dashboard-inbox` and `dashboard-settings` crates (`apps/`),
//! served by the server at `/dashboard/` with `index.html` or `settings.html` for the page paths.
//!
//! The rules are plain Rust ([`state`], [`query`], [`route`], [`format`], [`client_record`],
//! [`channel_forms`], [`proactive_form`], [`usage_chart`], the reconnect logic in [`live`]) and run
//! as native tests; the views and requests only build for the browser.

pub mod api;
pub mod channel_forms;
pub mod client_record;
pub mod format;
pub mod ids;
pub mod live;
pub mod proactive_form;
pub mod query;
pub mod route;
pub mod snippets;
pub mod state;
pub mod usage_chart;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
mod desk;
#[cfg(target_arch = "wasm32")]
pub mod pages;

#[cfg(target_arch = "wasm32")]
pub use app::{start_inbox, start_settings, InboxApp, SettingsApp};
