//! The panel mounted in a shadow root, as the loader mounts it, against a stubbed API.

mod common;

use common::{
    attr, click, global, local_storage, press_enter, sleep, submit, type_into, wait_for, FetchStub,
    Mounted,
};
use shared::api::{Author, Contact, MessageView};
use shared::{Email, EmailError};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;
use widget::storage::{self, StoredSession};

wasm_bindgen_test_configure!(run_in_browser);

/// Nothing listens there: any request fails like a network error.
const UNREACHABLE_API: &str = "http://127.0.0.1:9";

#[wasm_bindgen_test]
async fn a_new_visitor_sees_the_contact_form_with_inline_errors() {
    let tenant = "tenant-form";
    storage::clear(tenant);
    let m = Mounted::new(tenant, UNREACHABLE_API);

    let dialog = m.get("[role=dialog]");
    assert_eq!(
        dialog.get_attribute("aria-label").as_deref(),
        Some("Chat with Acme Coffee")
    );
    assert!(
        dialog.has_attribute("hidden"),
        "closed until the loader opens it"
    );
    assert_eq!(
        m.get("label[for=lc-name]").text_content().as_deref(),
        Some("Name")
    );
    assert_eq!(
        m.get("label[for=lc-email]").text_content().as_deref(),
        Some("Email")
    );

    m.panel.set_open(true);
    wait_for("the name field to take the focus", || {
        m.shadow
            .active_element()
            .is_some_and(|e| e.id() == "lc-name")
    })
    .await;
    assert!(!m.get("[role=dialog]").has_attribute("hidden"));

    type_into(&m, "#lc-name", "Jane Doe");
    type_into(&m, "#lc-email", "jane@");
    submit(&m, "form.lc-prechat");
    wait_for("the email error", || m.find("#lc-email-error").is_some()).await;
    wait_for("the invalid field to take the focus", || {
        m.shadow
            .active_element()
            .is_some_and(|e| e.id() == "lc-email")
    })
    .await;

    let want = EmailError::InvalidDomain.to_string();
    assert_eq!(Email::parse("jane@").unwrap_err().to_string(), want);
    assert_eq!(m.text("#lc-email-error"), want);
    assert_eq!(
        attr(&m, "#lc-email", "aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(
        attr(&m, "#lc-email", "aria-describedby").as_deref(),
        Some("lc-email-error")
    );
    assert_eq!(
        attr(&m, "#lc-name", "aria-invalid").as_deref(),
        Some("false")
    );
    assert_eq!(attr(&m, "#lc-name", "aria-describedby"), None);
    assert!(m.find("#lc-name-error").is_none());

    // Fixing the address clears the error as the visitor types.
    type_into(&m, "#lc-email", "jane@example.com");
    wait_for("the error to go", || m.find("#lc-email-error").is_none()).await;
    assert_eq!(
        attr(&m, "#lc-email", "aria-invalid").as_deref(),
        Some("false")
    );

    // An invalid form never reached the server: no session was created.
    assert_eq!(storage::load(tenant), None);

    m.panel.set_open(false);
    wait_for("the panel to hide", || {
        m.get("[role=dialog]").has_attribute("hidden")
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_returning_visitor_sees_cached_messages_as_text_without_the_form() {
    let tenant = "tenant-returning";
    storage::save(
        tenant,
        &StoredSession {
            session_id: "s-1".into(),
            contact: Some(Contact {
                name: "Jane".into(),
                email: "jane@example.com".into(),
                user_hash: None,
            }),
            conversation_id: Some("c-1".into()),
            messages: vec![
                MessageView {
                    id: "m1".into(),
                    author: Author::Visitor,
                    body: "<b>bold?</b> <img src=x onerror=alert(1)>".into(),
                    created_at: 1,
                    client_message_id: Some("x".into()),
                    author_name: None,
                },
                MessageView {
                    id: "m2".into(),
                    author: Author::Agent,
                    body: "Hi Jane, Sam here.".into(),
                    created_at: 2,
                    client_message_id: None,
                    author_name: None,
                },
            ],
            pending: vec![],
            human: false,
        },
    );
    let _offline = FetchStub::new("return Promise.reject(new TypeError('Failed to fetch'));");
    let m = Mounted::new(tenant, UNREACHABLE_API);

    assert!(m.find("form.lc-prechat").is_none(), "the contact is known");
    // The log is not a live region: a status line says what is new, once (not the history).
    let log = m.get("[role=log]");
    assert_eq!(log.get_attribute("aria-live").as_deref(), Some("off"));
    assert_eq!(m.text(".lc-announce[role=status]"), "");
    assert!(
        log.query_selector("ol.lc-messages").unwrap().is_some(),
        "the messages are a list inside the log"
    );
    assert!(
        m.find(".lc-messages b, .lc-messages img").is_none(),
        "bodies are never markup"
    );
    assert_eq!(
        m.text(".lc-msg--visitor .lc-bubble"),
        "<b>bold?</b> <img src=x onerror=alert(1)>"
    );
    assert_eq!(m.text(".lc-msg--visitor .lc-author"), "You");
    assert_eq!(m.text(".lc-msg--agent .lc-author"), "Acme Coffee team");
    assert_eq!(
        m.get("label[for=lc-message]").text_content().as_deref(),
        Some("Message")
    );

    // The refresh failed (offline): the cache stays on screen and in storage.
    sleep(50).await;
    assert_eq!(m.find_all_count(".lc-msg"), 2);
    assert!(storage::load(tenant).is_some());
    storage::clear(tenant);
}

trait CountAll {
    fn find_all_count(&self, selector: &str) -> u32;
}

impl CountAll for Mounted {
    fn find_all_count(&self, selector: &str) -> u32 {
        self.shadow.query_selector_all(selector).unwrap().length()
    }
}

/// A stub of the widget API: the first chat request fails like a dropped connection, later ones
/// answer. Every request is logged on `window.__lcCalls`.
const API_STUB: &str = r##"
    const calls = (window.__lcCalls = window.__lcCalls || []);
    const path = new URL(url).pathname;
    const body = init && init.body ? JSON.parse(init.body) : null;
    calls.push({ method: init.method, path, body, auth: init.headers.get("Authorization") });
    const json = (status, value, headers) => Promise.resolve(new Response(JSON.stringify(value),
        { status, headers: Object.assign({ "Content-Type": "application/json" }, headers || {}) }));
    if (path.endsWith("/config")) return json(200, { tenantId: "t", companyName: "Acme Coffee",
        primaryColor: "#6b3e26", greeting: "Hi! Ask me anything.", assistantName: "Ava" });
    if (path.endsWith("/sessions") && init.method === "POST") return json(201, { sessionId: "s-new" });
    if (path.endsWith("/contact")) {
        if (body.email.endsWith("@blocked.test")) return json(422, { error: { code: "invalid_email",
            message: "We can't send mail to that domain.", field: "email" } });
        return json(200, body);
    }
    if (path.endsWith("/chat")) {
        window.__lcChats = (window.__lcChats || 0) + 1;
        if (window.__lcChats === 1) return Promise.reject(new TypeError("Failed to fetch"));
        if (body.message === "too fast") return json(429, { error: { code: "rate_limited",
            message: "Slow down." } }, { "Retry-After": "30" });
        return json(200, { conversationId: "conv-1",
            visitorMessage: { id: "v-" + body.clientMessageId, author: "visitor", body: body.message,
                createdAt: 1, clientMessageId: body.clientMessageId },
            message: { id: "r-" + body.clientMessageId, author: "assistant", body: "We open at 7.", createdAt: 2 },
            conversationStatus: "open", metadata: { model: "embedded", tokens: null, fallback: false } });
    }
    return json(404, { error: { code: "not_found", message: "Not found." } });
"##;

fn chat_calls() -> Vec<(String, String)> {
    let calls = js_sys::Array::from(&global("__lcCalls"));
    calls
        .iter()
        .filter(|c| {
            js_sys::Reflect::get(c, &"path".into())
                .unwrap()
                .as_string()
                .unwrap()
                .ends_with("/chat")
        })
        .map(|c| {
            let body = js_sys::Reflect::get(&c, &"body".into()).unwrap();
            let get = |k: &str| {
                js_sys::Reflect::get(&body, &k.into())
                    .unwrap()
                    .as_string()
                    .unwrap()
            };
            (get("clientMessageId"), get("message"))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_visitor_signs_in_sends_and_retries_without_duplicates() {
    let tenant = "tenant-flow";
    storage::clear(tenant);
    let _ = js_sys::Reflect::delete_property(&common::window(), &"__lcCalls".into());
    let _ = js_sys::Reflect::delete_property(&common::window(), &"__lcChats".into());
    let _stub = FetchStub::new(API_STUB);
    let m = Mounted::new(tenant, "https://api.example.test/");
    m.panel.set_open(true);

    // The server refuses the email: its sentence lands on the field.
    type_into(&m, "#lc-name", "Jane Doe");
    type_into(&m, "#lc-email", "jane@blocked.test");
    submit(&m, "form.lc-prechat");
    wait_for("the server's email error", || {
        m.text("#lc-email-error") == "We can't send mail to that domain."
    })
    .await;

    type_into(&m, "#lc-email", "jane@example.com");
    submit(&m, "form.lc-prechat");
    wait_for("the conversation", || m.find("#lc-message").is_some()).await;
    let stored = storage::load(tenant).expect("a session after the form");
    assert_eq!(stored.session_id, "s-new");
    assert_eq!(stored.contact.unwrap().email, "jane@example.com");
    wait_for("the greeting from the config", || {
        m.text(".lc-messages").contains("Hi! Ask me anything.")
    })
    .await;

    // An empty message is refused inline.
    press_enter(&m, "#lc-message");
    wait_for("the empty-message error", || {
        m.find("#lc-message-error").is_some()
    })
    .await;
    assert_eq!(m.text("#lc-message-error"), "The message is empty.");

    // The first attempt fails like a dropped connection: a human sentence and a retry button.
    type_into(&m, "#lc-message", "  When do you open?  ");
    press_enter(&m, "#lc-message");
    wait_for("the failure", || m.find(".lc-status--error").is_some()).await;
    assert_eq!(
        m.text(".lc-status--error"),
        "Couldn't reach us. Check your connection and try again."
    );
    assert!(m.find("#lc-message-error").is_none());
    let first = chat_calls();
    assert_eq!(first.len(), 1);
    assert_eq!(
        first[0].1, "When do you open?",
        "the message is sent trimmed"
    );
    let pending = storage::load(tenant).unwrap().pending;
    assert_eq!(pending.len(), 1, "the unsent message survives a reload");
    assert_eq!(pending[0].client_message_id, first[0].0);

    // Retry sends the same client message id, and the reply appears once.
    click(&m, ".lc-actions .lc-link");
    wait_for("the reply", || {
        m.text(".lc-messages").contains("We open at 7.")
    })
    .await;
    let calls = chat_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].0, calls[0].0, "a retry reuses the id");
    assert_eq!(m.find_all_count(".lc-msg--visitor"), 1);
    assert_eq!(m.find_all_count(".lc-msg--pending"), 0);
    assert_eq!(m.text(".lc-msg--assistant:last-child .lc-author"), "Ava");
    assert!(m.find(".lc-typing").is_none());
    let stored = storage::load(tenant).unwrap();
    assert!(stored.pending.is_empty());
    assert_eq!(stored.conversation_id.as_deref(), Some("conv-1"));
    assert_eq!(stored.messages.len(), 2);

    // A 429 says how long to wait.
    type_into(&m, "#lc-message", "too fast");
    press_enter(&m, "#lc-message");
    wait_for("the rate limit", || m.find(".lc-status--error").is_some()).await;
    assert_eq!(
        m.text(".lc-status--error"),
        "You're sending messages too quickly. Please wait 30 seconds and try again."
    );
    let chat_ids: Vec<_> = chat_calls().into_iter().map(|c| c.0).collect();
    assert_ne!(chat_ids[2], chat_ids[0], "a new message gets a new id");

    storage::clear(tenant);
}

#[wasm_bindgen_test]
fn unmounting_empties_the_container() {
    let tenant = "tenant-unmount";
    storage::clear(tenant);
    let mut m = Mounted::new(tenant, UNREACHABLE_API);
    assert!(m.find("[role=dialog]").is_some());
    m.panel.unmount();
    assert!(m.find("[role=dialog]").is_none());
    m.panel.set_open(true); // harmless after unmount
}

#[wasm_bindgen_test]
fn unknown_options_are_refused_with_the_missing_one_named() {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"tenantId".into(), &"t".into()).unwrap();
    let container: HtmlElement = common::window()
        .document()
        .unwrap()
        .create_element("div")
        .unwrap()
        .unchecked_into();
    let err = widget::mount_panel(
        container,
        &options.into(),
        js_sys::Function::new_no_args(""),
    )
    .err()
    .expect("apiUrl and token are missing");
    let message = js_sys::Error::from(err).message();
    assert!(String::from(message).contains("\"apiUrl\""));
    let _ = local_storage();
}

/// The widget API for the live-channel test: a session a teammate has taken over (the chat
/// answer carries no reply), and a fake `EventSource` the test drives by hand.
const LIVE_STUB: &str = r##"
    const calls = (window.__lcCalls = window.__lcCalls || []);
    const path = new URL(url).pathname;
    const body = init && init.body ? JSON.parse(init.body) : null;
    calls.push({ method: init.method, path, body });
    const json = (status, value) => Promise.resolve(new Response(JSON.stringify(value),
        { status, headers: { "Content-Type": "application/json" } }));
    if (path.endsWith("/config")) return json(200, { tenantId: "t", companyName: "Acme Coffee",
        primaryColor: "#6b3e26", greeting: "", assistantName: "Ava" });
    if (path.endsWith("/typing")) return Promise.resolve(new Response(null, { status: 204 }));
    if (path.endsWith("/sessions/s-live")) return json(200, { sessionId: "s-live",
        contact: { name: "Jane", email: "jane@example.com" }, conversationId: "c-1",
        conversationStatus: "open", lastEventSeq: 41,
        messages: [{ id: "m1", author: "visitor", body: "Hello", createdAt: 1, clientMessageId: "x" }] });
    if (path.endsWith("/chat")) return json(200, { conversationId: "c-1", message: null,
        visitorMessage: { id: "v-" + body.clientMessageId, author: "visitor", body: body.message,
            createdAt: 100, clientMessageId: body.clientMessageId },
        conversationStatus: "open", metadata: { model: "", tokens: null, fallback: false } });
    return json(404, { error: { code: "not_found", message: "Not found." } });
"##;

/// Stores the session of Jane, who gave her details before, in conversation `c-1` (what
/// `LIVE_STUB` answers for).
fn save_known_visitor(tenant: &str) {
    storage::save(
        tenant,
        &StoredSession {
            session_id: "s-live".into(),
            contact: Some(Contact {
                name: "Jane".into(),
                email: "jane@example.com".into(),
                user_hash: None,
            }),
            conversation_id: Some("c-1".into()),
            messages: vec![],
            pending: vec![],
            human: false,
        },
    );
}

const FAKE_EVENT_SOURCE: &str = r##"
    window.__lcSources = [];
    window.__lcRealEventSource = window.__lcRealEventSource || window.EventSource;
    window.EventSource = class {
        constructor(url) {
            this.url = url;
            this.readyState = 0;
            window.__lcSources.push(this);
            setTimeout(() => { if (this.readyState === 0) { this.readyState = 1; this.onopen && this.onopen(new Event("open")); } }, 0);
        }
        close() { this.readyState = 2; }
        emit(data, id) {
            this.onmessage && this.onmessage(new MessageEvent("message",
                { data: JSON.stringify(data), lastEventId: id || "" }));
        }
        fail() { this.readyState = 2; this.onerror && this.onerror(new Event("error")); }
    };
"##;

/// Puts the recording `EventSource` of [`FAKE_EVENT_SOURCE`] in place of the browser's, or
/// the browser's back.
fn fake_event_sources(fake: bool) {
    let js = if fake {
        FAKE_EVENT_SOURCE
    } else {
        "window.EventSource = window.__lcRealEventSource;"
    };
    js_sys::Function::new_no_args(js)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
}

fn sources() -> js_sys::Array {
    js_sys::Array::from(&global("__lcSources"))
}

fn source_url(i: u32) -> String {
    js_sys::Reflect::get(&sources().get(i), &"url".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn source_closed(i: u32) -> bool {
    js_sys::Reflect::get(&sources().get(i), &"readyState".into())
        .unwrap()
        .as_f64()
        == Some(2.0)
}

/// Calls a method of the newest fake `EventSource`.
fn on_last_source(call: &str) {
    js_sys::Function::new_no_args(&format!(
        "const s = window.__lcSources[window.__lcSources.length - 1]; s.{call};"
    ))
    .call0(&wasm_bindgen::JsValue::NULL)
    .unwrap();
}

fn calls_to(suffix: &str) -> usize {
    js_sys::Array::from(&global("__lcCalls"))
        .iter()
        .filter(|c| {
            js_sys::Reflect::get(c, &"path".into())
                .unwrap()
                .as_string()
                .is_some_and(|p| p.ends_with(suffix))
        })
        .count()
}

#[wasm_bindgen_test]
async fn a_teammate_reaches_the_open_panel_over_the_event_stream() {
    let tenant = "tenant-live";
    save_known_visitor(tenant);
    let _ = js_sys::Reflect::delete_property(&common::window(), &"__lcCalls".into());
    fake_event_sources(true);
    let _stub = FetchStub::new(LIVE_STUB);
    let m = Mounted::new(tenant, "https://api.example.test");
    sleep(50).await;
    assert_eq!(sources().length(), 0, "no stream while the panel is closed");

    // Opened: one stream, resuming after the history's last event, token in the query.
    m.panel.set_open(true);
    wait_for("the event stream", || sources().length() == 1).await;
    assert_eq!(
        source_url(0),
        "https://api.example.test/api/widgets/tenant-live/sessions/s-live/events?token=test-token&after=41"
    );

    // A teammate types: the indicator names them.
    on_last_source(r#"emit({ type: "typing", name: "Sam", active: true })"#);
    assert_eq!(m.text(".lc-announce"), "", "the history is not announced");
    wait_for("the teammate typing", || m.text(".lc-typing-name") == "Sam").await;
    assert!(m.text(".lc-typing").contains("Sam is typing"));
    wait_for("the typing announced", || {
        m.text(".lc-announce").contains("Sam is typing")
    })
    .await;

    // A take-over, said twice (a replay): one system line.
    for id in ["42", "43"] {
        on_last_source(&format!(
            r#"emit({{ type: "status", conversationId: "c-1", status: "open", human: true }}, "{id}")"#
        ));
    }
    wait_for("the take-over line", || {
        m.text(".lc-msg--system .lc-bubble") == "You're now chatting with a person."
    })
    .await;
    sleep(20).await;
    assert_eq!(m.find_all_count(".lc-msg--system"), 1);
    assert!(
        m.text(".lc-announce")
            .ends_with("You're now chatting with a person."),
        "{}",
        m.text(".lc-announce")
    );

    // The teammate's reply, delivered twice: shown once, as text, under their name.
    for _ in 0..2 {
        on_last_source(
            r#"emit({ type: "message", conversationId: "c-1", message: { id: "a1", author: "agent",
                authorName: "Sam", body: "<img src=x onerror=alert(1)>", createdAt: 50 } }, "44")"#,
        );
    }
    wait_for("the teammate's reply", || {
        m.find(".lc-msg--agent").is_some()
    })
    .await;
    sleep(20).await;
    assert_eq!(m.find_all_count(".lc-msg--agent"), 1);
    assert_eq!(m.text(".lc-msg--agent .lc-author"), "Sam");
    assert_eq!(
        m.text(".lc-msg--agent .lc-bubble"),
        "<img src=x onerror=alert(1)>"
    );
    assert!(
        m.find(".lc-messages img").is_none(),
        "bodies are never markup"
    );
    assert!(
        m.find(".lc-typing").is_none(),
        "their reply ends the typing"
    );
    // Said once, as text, by name.
    assert_eq!(m.text(".lc-announce"), "Sam: <img src=x onerror=alert(1)>");

    // The visitor types: the dashboards hear it, not on every keystroke.
    type_into(&m, "#lc-message", "Th");
    type_into(&m, "#lc-message", "Thanks");
    wait_for("the typing call", || calls_to("/typing") == 1).await;
    sleep(30).await;
    assert_eq!(calls_to("/typing"), 1);

    // An answer without a reply: the visitor's message, no assistant line, no lasting dots.
    press_enter(&m, "#lc-message");
    wait_for("the confirmed message", || {
        m.find_all_count(".lc-msg--visitor") == 2 && m.find(".lc-msg--pending").is_none()
    })
    .await;
    assert!(m.find(".lc-msg--assistant").is_none());
    assert!(m.find(".lc-typing").is_none());
    // The visitor's own message is not read back to them.
    assert_eq!(m.text(".lc-announce"), "Sam: <img src=x onerror=alert(1)>");
    // The same message echoed by the stream (as other tabs get it) changes nothing.
    let sent = chat_calls_ids();
    on_last_source(&format!(
        r#"emit({{ type: "message", conversationId: "c-1", message: {{ id: "v-{0}", author: "visitor",
            body: "Thanks", createdAt: 100, clientMessageId: "{0}" }} }}, "45")"#,
        sent[0]
    ));
    sleep(30).await;
    assert_eq!(m.find_all_count(".lc-msg--visitor"), 2);

    // The server refuses the stream: a new one opens after a backoff, after the last event seen.
    on_last_source("fail()");
    wait_for("the stream to reopen", || sources().length() == 2).await;
    assert!(source_closed(0));
    assert!(source_url(1).ends_with("&after=45"), "{}", source_url(1));

    // Closing the panel closes the stream.
    m.panel.set_open(false);
    wait_for("the stream to close", || source_closed(1)).await;

    storage::clear(tenant);
    fake_event_sources(false);
}

fn chat_calls_ids() -> Vec<String> {
    js_sys::Array::from(&global("__lcCalls"))
        .iter()
        .filter(|c| {
            js_sys::Reflect::get(c, &"path".into())
                .unwrap()
                .as_string()
                .is_some_and(|p| p.ends_with("/chat"))
        })
        .map(|c| {
            let body = js_sys::Reflect::get(&c, &"body".into()).unwrap();
            js_sys::Reflect::get(&body, &"clientMessageId".into())
                .unwrap()
                .as_string()
                .unwrap()
        })
        .collect()
}

/// A site that proves its signed-in customer: the contact answer is the client's record, and the
/// history has their earlier conversations. A hash for another email is refused.
const VERIFIED_STUB: &str = r##"
    const path = new URL(url).pathname;
    const body = init && init.body ? JSON.parse(init.body) : null;
    const json = (status, value) => Promise.resolve(new Response(JSON.stringify(value),
        { status, headers: { "Content-Type": "application/json" } }));
    if (path.endsWith("/config")) return json(200, { tenantId: "t", companyName: "Acme Coffee",
        primaryColor: "#6b3e26", greeting: "Hi!", assistantName: "Ava" });
    if (path.endsWith("/sessions") && init.method === "POST") return json(201, { sessionId: "s-v" });
    if (path.endsWith("/contact")) {
        window.__lcContact = body;
        if (body.email !== "jane@example.com") return json(403, { error: { code: "invalid_user_hash",
            message: "The userHash does not match this email.", field: "userHash" } });
        return json(200, { name: "Jane Doe", email: "jane@example.com" });
    }
    if (path.endsWith("/sessions/s-v")) return json(200, { sessionId: "s-v",
        contact: { name: "Jane Doe", email: "jane@example.com" }, conversationId: null,
        conversationStatus: null, messages: [], lastEventSeq: 0, verified: true,
        earlierMessages: [{ id: "old-1", author: "visitor", body: "My grinder broke", createdAt: 1 },
                          { id: "old-2", author: "assistant", body: "Sorry to hear that!", createdAt: 2 }] });
    return json(404, { error: { code: "not_found", message: "Not found." } });
"##;

#[wasm_bindgen_test]
async fn a_verified_visitor_sends_the_user_hash_and_sees_earlier_conversations() {
    let tenant = "tenant-verified";
    storage::clear(tenant);
    let _stub = FetchStub::new(VERIFIED_STUB);
    let m = Mounted::with_options(
        tenant,
        "https://api.example.test",
        &[(
            "userHash",
            "c56360d283a3038ea6f01b2e9a62a155ad9416491464597ff600ec1fdd85d1ca",
        )],
    );
    m.panel.set_open(true);
    // Typing before the opened panel has settled races its focus handling.
    wait_for("the name field to take the focus", || {
        m.shadow
            .active_element()
            .is_some_and(|e| e.id() == "lc-name")
    })
    .await;

    // Another address than the one the site proved: the visitor is told which one to use.
    type_into(&m, "#lc-name", "Jane");
    type_into(&m, "#lc-email", "someone@else.test");
    submit(&m, "form.lc-prechat");
    wait_for("the email error", || {
        m.text("#lc-email-error").contains("signed in with")
    })
    .await;

    type_into(&m, "#lc-email", "jane@example.com");
    submit(&m, "form.lc-prechat");
    wait_for("the earlier conversation", || {
        m.text(".lc-messages").contains("My grinder broke")
    })
    .await;
    let sent = global("__lcContact");
    assert_eq!(
        js_sys::Reflect::get(&sent, &"userHash".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("c56360d283a3038ea6f01b2e9a62a155ad9416491464597ff600ec1fdd85d1ca")
    );
    let text = m.text(".lc-messages");
    let earlier = text.find("Your earlier conversations").expect("a heading");
    let old = text.find("My grinder broke").unwrap();
    let now = text.find("This conversation").expect("a divider");
    assert!(earlier < old && old < now, "{text}");
    storage::clear(tenant);
}

/// Makes the browser say it is offline (or online again) and tells the page, as a lost Wi-Fi
/// does.
fn set_online(online: bool) {
    let js = if online {
        "delete navigator.onLine; window.dispatchEvent(new Event('online'));"
    } else {
        "Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => false });
         window.dispatchEvent(new Event('offline'));"
    };
    js_sys::Function::new_no_args(js)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
}

/// Hides or shows the page, as switching tabs does.
fn set_hidden(hidden: bool) {
    let js = if hidden {
        "Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
         document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));"
    } else {
        "delete document.hidden; document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));"
    };
    js_sys::Function::new_no_args(js)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_message_written_offline_waits_and_goes_out_with_its_id_when_the_connection_returns() {
    let tenant = "tenant-offline";
    save_known_visitor(tenant);
    let _ = js_sys::Reflect::delete_property(&common::window(), &"__lcCalls".into());
    let _stub = FetchStub::new(LIVE_STUB);
    let m = Mounted::new(tenant, "https://api.example.test");
    m.panel.set_open(true);
    wait_for("the message box", || m.find("#lc-message").is_some()).await;

    set_online(false);
    type_into(&m, "#lc-message", "Are you open on Sunday?");
    press_enter(&m, "#lc-message");
    sleep(200).await;
    assert_eq!(calls_to("/chat"), 0, "nothing is sent while offline");
    assert_eq!(m.find_all_count(".lc-msg--pending"), 1, "it shows, waiting");
    assert_eq!(
        m.text(".lc-offline"),
        "You're offline. Messages will be sent when you're back online."
    );
    let waiting = storage::load(tenant).unwrap().pending;
    assert_eq!(waiting.len(), 1, "and survives a reload while it waits");

    set_online(true);
    wait_for("the message to go out", || {
        calls_to("/chat") == 1 && m.find(".lc-msg--pending").is_none()
    })
    .await;
    assert_eq!(chat_calls_ids(), vec![waiting[0].client_message_id.clone()]);
    assert!(m.find(".lc-offline").is_none());
    assert_eq!(m.find_all_count(".lc-msg--visitor"), 2);
    assert!(storage::load(tenant).unwrap().pending.is_empty());
    storage::clear(tenant);
}

#[wasm_bindgen_test]
async fn a_hidden_page_closes_its_event_stream_and_catches_up_when_shown() {
    let tenant = "tenant-hidden";
    save_known_visitor(tenant);
    let _ = js_sys::Reflect::delete_property(&common::window(), &"__lcCalls".into());
    fake_event_sources(true);
    let _stub = FetchStub::new(LIVE_STUB);
    let m = Mounted::new(tenant, "https://api.example.test");
    m.panel.set_open(true);
    wait_for("the event stream", || sources().length() == 1).await;
    on_last_source(
        r#"emit({ type: "message", conversationId: "c-1", message: { id: "a1", author: "agent",
            authorName: "Sam", body: "Still there?", createdAt: 50 } }, "44")"#,
    );
    wait_for("the teammate's message", || {
        m.find(".lc-msg--agent").is_some()
    })
    .await;

    set_hidden(true);
    wait_for("the stream to close", || source_closed(0)).await;
    set_hidden(false);
    wait_for("a new stream", || sources().length() == 2).await;
    assert!(source_url(1).ends_with("&after=44"), "{}", source_url(1));

    storage::clear(tenant);
    fake_event_sources(false);
}

/// What the `storage` event of another tab saving `tenant`'s session looks like here.
fn other_tab_saves(tenant: &str, session: &StoredSession) {
    let key = storage::storage_key(tenant);
    let value = widget::codec::encode(session);
    js_sys::Function::new_with_args(
        "key, value",
        "window.dispatchEvent(new StorageEvent('storage', { key, newValue: value }));",
    )
    .call2(&wasm_bindgen::JsValue::NULL, &key.into(), &value.into())
    .unwrap();
}

#[wasm_bindgen_test]
async fn a_second_tab_takes_up_the_conversation_another_tab_started() {
    let tenant = "tenant-tabs";
    storage::clear(tenant);
    let _ = js_sys::Reflect::delete_property(&common::window(), &"__lcCalls".into());
    fake_event_sources(true);
    let _stub = FetchStub::new(LIVE_STUB);
    let m = Mounted::new(tenant, "https://api.example.test");
    m.panel.set_open(true);
    wait_for("the contact form", || m.find("form.lc-prechat").is_some()).await;

    // Another tab's visitor is still filling in the form: nothing to take up yet.
    let mut theirs = StoredSession {
        session_id: "s-live".into(),
        contact: None,
        conversation_id: None,
        messages: vec![],
        pending: vec![],
        human: false,
    };
    other_tab_saves(tenant, &theirs);
    sleep(30).await;
    assert!(m.find("form.lc-prechat").is_some());
    assert_eq!(calls_to("/sessions/s-live"), 0);

    // They gave their details and chatted: this tab shows the same conversation, its history
    // loaded once, and listens to it.
    theirs.contact = Some(Contact {
        name: "Jane".into(),
        email: "jane@example.com".into(),
        user_hash: None,
    });
    theirs.conversation_id = Some("c-1".into());
    other_tab_saves(tenant, &theirs);
    wait_for("the conversation", || m.find("form.lc-prechat").is_none()).await;
    wait_for("the history", || {
        m.text(".lc-msg--visitor .lc-bubble") == "Hello"
    })
    .await;
    wait_for("the event stream", || sources().length() == 1).await;
    assert!(source_url(0).contains("/sessions/s-live/events"));
    assert_eq!(calls_to("/sessions/s-live"), 1);

    // Their next save (a new message in their cache) changes nothing here: no echo, no refetch.
    theirs.messages = vec![MessageView {
        id: "m2".into(),
        author: Author::Assistant,
        body: "Hi Jane".into(),
        created_at: 2,
        client_message_id: None,
        author_name: None,
    }];
    other_tab_saves(tenant, &theirs);
    sleep(50).await;
    assert_eq!(calls_to("/sessions/s-live"), 1);
    assert_eq!(sources().length(), 1);

    // A tab with a conversation of its own keeps it.
    other_tab_saves(
        tenant,
        &StoredSession {
            session_id: "s-other".into(),
            ..theirs.clone()
        },
    );
    sleep(30).await;
    assert_eq!(
        storage::load(tenant).map(|s| s.session_id).as_deref(),
        Some("s-live")
    );
    assert_eq!(calls_to("/sessions/s-other"), 0);

    drop(m);
    storage::clear(tenant);
    fake_event_sources(false);
}
