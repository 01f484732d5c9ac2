//! Helpers for the browser tests: mounting a panel into a shadow root, waiting, stubbing fetch.

#![allow(dead_code)]

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Element, Event, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement,
    KeyboardEvent, KeyboardEventInit, ShadowRoot, ShadowRootInit, ShadowRootMode,
};
use widget::WidgetPanel;

pub fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Polls `ready` until it holds; panics with `what` after a generous deadline.
pub async fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ready() {
            return;
        }
        sleep(10).await;
    }
    panic!("timed out waiting for {what}");
}

/// A panel mounted in a fresh shadow root, removed on drop.
pub struct Mounted {
    pub host: HtmlElement,
    pub shadow: ShadowRoot,
    pub panel: WidgetPanel,
}

impl Mounted {
    pub fn new(tenant_id: &str, api_url: &str) -> Self {
        Self::with_options(tenant_id, api_url, &[])
    }

    /// A panel given `extra` options besides the usual ones (e.g. `userHash`).
    pub fn with_options(tenant_id: &str, api_url: &str, extra: &[(&str, &str)]) -> Self {
        let document = window().document().unwrap();
        let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let shadow = host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .unwrap();
        let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
        shadow.append_child(&container).unwrap();
        let options = Object::new();
        for (key, value) in [
            ("tenantId", tenant_id),
            ("apiUrl", api_url),
            ("token", "test-token"),
            ("companyName", "Acme Coffee"),
            ("primaryColor", "#6b3e26"),
        ]
        .iter()
        .chain(extra)
        {
            Reflect::set(&options, &(*key).into(), &(*value).into()).unwrap();
        }
        let panel =
            widget::mount_panel(container, &options.into(), Function::new_no_args("")).unwrap();
        Self {
            host,
            shadow,
            panel,
        }
    }

    pub fn find(&self, selector: &str) -> Option<Element> {
        self.shadow.query_selector(selector).unwrap()
    }

    pub fn get(&self, selector: &str) -> Element {
        self.find(selector)
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    pub fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.panel.unmount();
        self.host.remove();
    }
}

/// Replaces `window.fetch` with `body` (a JS function body over `url, init`) until dropped.
pub struct FetchStub {
    original: JsValue,
}

impl FetchStub {
    pub fn new(body: &str) -> Self {
        let w = window();
        let original = Reflect::get(&w, &"fetch".into()).unwrap();
        let stub = Function::new_with_args("url, init", body);
        Reflect::set(&w, &"fetch".into(), &stub).unwrap();
        Self { original }
    }
}

impl Drop for FetchStub {
    fn drop(&mut self) {
        Reflect::set(&window(), &"fetch".into(), &self.original).unwrap();
    }
}

/// A value the stub left on `window`.
pub fn global(key: &str) -> JsValue {
    Reflect::get(&window(), &key.into()).unwrap()
}

pub fn local_storage() -> web_sys::Storage {
    window().local_storage().unwrap().unwrap()
}

/// Types `value` into an input or textarea, as the visitor would.
pub fn type_into(m: &Mounted, selector: &str, value: &str) {
    let el = m.get(selector);
    if let Some(input) = el.dyn_ref::<HtmlInputElement>() {
        input.set_value(value);
    } else {
        el.dyn_ref::<HtmlTextAreaElement>()
            .unwrap()
            .set_value(value);
    }
    el.dispatch_event(&Event::new("input").unwrap()).unwrap();
}

pub fn submit(m: &Mounted, selector: &str) {
    m.get(selector)
        .dyn_into::<HtmlFormElement>()
        .unwrap()
        .request_submit()
        .unwrap();
}

pub fn press_enter(m: &Mounted, selector: &str) {
    let init = KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_cancelable(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    m.get(selector).dispatch_event(&event).unwrap();
}

pub fn click(m: &Mounted, selector: &str) {
    m.get(selector).dyn_into::<HtmlElement>().unwrap().click();
}

pub fn attr(m: &Mounted, selector: &str, name: &str) -> Option<String> {
    m.get(selector).get_attribute(name)
}
