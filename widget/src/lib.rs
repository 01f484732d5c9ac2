//! The chat panel of the embeddable widget, compiled to WASM.
//!
//! `web-widget.js` draws the launcher and loads this module lazily; it then calls
//! [`mount_panel`] with a container inside its shadow root and drives the returned
//! [`WidgetPanel`] (`set_open`, `update`, `unmount`).

pub mod announce;
pub mod api;
pub mod codec;
pub mod controller;
pub mod i18n;
pub mod ids;
pub mod live;
pub mod options;
pub mod storage;
pub mod transcript;
mod ui;

/// The stylesheet minifier `build.rs` runs, compiled here for its unit tests.
#[cfg(test)]
#[path = "../build/css.rs"]
mod build_css;

use std::any::Any;
use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use controller::Chat;
use options::WidgetOptions;

/// A mounted panel, as the loader holds it.
#[wasm_bindgen]
pub struct WidgetPanel {
    open: Option<RwSignal<bool>>,
    chat: Option<Chat>,
    container: web_sys::HtmlElement,
    /// The Leptos unmount handle: dropping it removes the view and its reactive state.
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl WidgetPanel {
    /// Shows or hides the panel; opening focuses its first field.
    pub fn set_open(&self, open: bool) {
        if let Some(signal) = self.open {
            let _ = signal.try_set(open);
        }
    }

    /// Applies changed options without remounting (the loader's `update`): company name,
    /// colour, greeting, `userHash`. `options` is the whole set, as `mount_panel` takes it. The
    /// panel keeps its language until it is mounted again.
    pub fn update(&self, options: &JsValue) -> Result<(), JsError> {
        let options = WidgetOptions::from_js(options).map_err(|e| JsError::new(&e))?;
        let Some(chat) = self.chat else {
            return Ok(());
        };
        if let Ok(Some(panel)) = self.container.query_selector(".lc-panel") {
            if let Ok(panel) = panel.dyn_into::<web_sys::HtmlElement>() {
                let _ = panel
                    .style()
                    .set_property("--lc-primary", &options.primary_color);
            }
        }
        chat.apply_options(options);
        Ok(())
    }

    /// Removes the panel and stops its timers; later calls do nothing.
    pub fn unmount(&mut self) {
        self.open = None;
        self.chat = None;
        self.mounted = None;
    }
}

/// Mounts the (closed) panel into `container`, which should sit in a shadow root.
///
/// `options` is the loader's `{tenantId, apiUrl, token, companyName?, primaryColor?,
/// greeting?, locale?}`; `on_close` is called when the visitor closes the panel from inside it.
#[wasm_bindgen]
pub fn mount_panel(
    container: web_sys::HtmlElement,
    options: &JsValue,
    on_close: js_sys::Function,
) -> Result<WidgetPanel, JsValue> {
    let options = WidgetOptions::from_js(options).map_err(|e| JsError::new(&e))?;
    // The browser's own exception, as thrown: the loader logs whatever it catches, and
    // formatting it into a new error here only cost WASM.
    ui::adopt_stylesheet(&container)?;
    let open = Rc::new(Cell::new(None));
    let open_out = Rc::clone(&open);
    let chat_cell = Rc::new(Cell::new(None));
    let chat_out = Rc::clone(&chat_cell);
    let on_close: Rc<dyn Fn()> = Rc::new(move || {
        let _ = on_close.call0(&JsValue::NULL);
    });
    let panel_container = container.clone();
    let handle = leptos::mount::mount_to(container, move || {
        let chat = Chat::new(options);
        chat.watch_browser();
        open_out.set(Some(chat.open));
        chat_out.set(Some(chat));
        view! { <ui::Panel chat on_close/> }
    });
    Ok(WidgetPanel {
        open: open.take(),
        chat: chat_cell.take(),
        container: panel_container,
        mounted: Some(Box::new(handle)),
    })
}
