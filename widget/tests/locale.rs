//! The panel in Spanish: chosen by the `locale` option, or by the browser's languages.

mod common;

use common::{attr, submit, type_into, wait_for, FetchStub, Mounted};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use widget::storage;

wasm_bindgen_test_configure!(run_in_browser);

/// The widget API, enough to sign in: a session, contact details (refused for one domain).
const API_STUB: &str = r##"
    const path = new URL(url).pathname;
    const body = init && init.body ? JSON.parse(init.body) : null;
    const json = (status, value) => Promise.resolve(new Response(JSON.stringify(value),
        { status, headers: { "Content-Type": "application/json" } }));
    if (path.endsWith("/config")) return json(200, { tenantId: "t", companyName: "Acme Coffee",
        primaryColor: "#6b3e26", greeting: "", assistantName: "Ava" });
    if (path.endsWith("/sessions") && init.method === "POST") return json(201, { sessionId: "s-es" });
    if (path.endsWith("/contact")) {
        if (body.email.endsWith("@blocked.test")) return json(422, { error: { code: "invalid_email",
            message: "We can't send mail to that domain.", field: "email" } });
        return json(200, body);
    }
    return json(404, { error: { code: "not_found", message: "Not found." } });
"##;

/// Makes the browser prefer `languages` until dropped.
struct BrowserLanguages;

impl BrowserLanguages {
    fn set(languages: &str) -> Self {
        js_sys::Function::new_no_args(&format!(
            "Object.defineProperty(navigator, 'languages', {{ configurable: true, get: () => {languages} }});"
        ))
        .call0(&JsValue::NULL)
        .unwrap();
        Self
    }
}

impl Drop for BrowserLanguages {
    fn drop(&mut self) {
        js_sys::Function::new_no_args("delete navigator.languages;")
            .call0(&JsValue::NULL)
            .unwrap();
    }
}

#[wasm_bindgen_test]
async fn the_locale_option_puts_the_whole_panel_in_spanish() {
    let tenant = "tenant-es";
    storage::clear(tenant);
    let _stub = FetchStub::new(API_STUB);
    let m = Mounted::with_options(tenant, "https://api.example.test", &[("locale", "es-MX")]);

    assert_eq!(attr(&m, ".lc-panel", "lang").as_deref(), Some("es"));
    assert_eq!(
        attr(&m, "[role=dialog]", "aria-label").as_deref(),
        Some("Chat con Acme Coffee")
    );
    assert_eq!(
        attr(&m, ".lc-close", "aria-label").as_deref(),
        Some("Cerrar el chat")
    );
    assert_eq!(m.text("label[for=lc-name]"), "Nombre");
    assert_eq!(m.text("label[for=lc-email]"), "Correo electrónico");
    assert_eq!(m.text("button.lc-button"), "Iniciar chat");

    m.panel.set_open(true);
    wait_for("the name field to take the focus", || {
        m.shadow
            .active_element()
            .is_some_and(|e| e.id() == "lc-name")
    })
    .await;

    // The parsers' verdicts, in Spanish.
    type_into(&m, "#lc-email", "jane@");
    submit(&m, "form.lc-prechat");
    wait_for("the inline errors", || m.find("#lc-name-error").is_some()).await;
    assert_eq!(m.text("#lc-name-error"), "Escribe tu nombre.");
    assert_eq!(
        m.text("#lc-email-error"),
        "La parte después de la @ no parece un dominio, como ejemplo.com."
    );

    // The server's verdict on a code the widget knows: its Spanish sentence.
    type_into(&m, "#lc-name", "Juana Pérez");
    type_into(&m, "#lc-email", "juana@blocked.test");
    submit(&m, "form.lc-prechat");
    wait_for("the server's email error", || {
        m.text("#lc-email-error")
            == "No podemos usar esa dirección de correo. Revísala e inténtalo de nuevo."
    })
    .await;

    type_into(&m, "#lc-email", "juana@example.com");
    submit(&m, "form.lc-prechat");
    wait_for("the conversation", || m.find("#lc-message").is_some()).await;
    assert_eq!(m.text("label[for=lc-message]"), "Mensaje");
    assert_eq!(
        attr(&m, "#lc-message", "placeholder").as_deref(),
        Some("Escribe un mensaje…")
    );
    assert_eq!(
        attr(&m, "button.lc-send", "aria-label").as_deref(),
        Some("Enviar mensaje")
    );
    assert_eq!(
        attr(&m, "ol.lc-messages", "aria-label").as_deref(),
        Some("Mensajes")
    );
    assert_eq!(
        m.text(".lc-subtitle"),
        "Solemos responder en unos segundos."
    );
    storage::clear(tenant);
}

#[wasm_bindgen_test]
async fn without_the_option_the_browser_s_languages_decide() {
    let tenant = "tenant-es-browser";
    storage::clear(tenant);
    let _languages = BrowserLanguages::set(r#"["es-ES", "es"]"#);

    let m = Mounted::new(tenant, "http://127.0.0.1:9");
    assert_eq!(attr(&m, ".lc-panel", "lang").as_deref(), Some("es"));
    assert_eq!(m.text("label[for=lc-name]"), "Nombre");
    assert_eq!(m.text("button.lc-button"), "Iniciar chat");
    drop(m);

    // The option wins over the browser.
    let m = Mounted::with_options(tenant, "http://127.0.0.1:9", &[("locale", "en")]);
    assert_eq!(attr(&m, ".lc-panel", "lang").as_deref(), Some("en"));
    assert_eq!(m.text("label[for=lc-name]"), "Name");
    assert_eq!(m.text("button.lc-button"), "Start chat");
    storage::clear(tenant);
}
