//! The dashboard's settings app: the settings pages, first run, invitations and password resets,
//! loaded only when someone opens one of them.

/// Mounts the app; `settings-boot.js` calls it once the module is initialised.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start() {
    dashboard::start_settings();
}
