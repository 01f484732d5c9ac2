//! The dashboard's inbox app: the login page and the inbox, which agents keep open all day. It
//! links none of the settings pages (those are `dashboard-settings`), so its download stays small.

/// Mounts the app; `boot.js` calls it once the module is initialised.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    dashboard::start_inbox();
}
