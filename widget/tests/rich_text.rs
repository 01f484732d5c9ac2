//! Rich replies in the browser: lists, bold and safe links are elements, everything else in a
//! reply (HTML, other schemes) is visible text, and a visitor's own words stay plain.

mod common;

use common::{wait_for, FetchStub, Mounted};
use shared::api::Contact;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Event, HtmlTextAreaElement, KeyboardEvent, KeyboardEventInit};
use widget::storage::{self, StoredSession};

wasm_bindgen_test_configure!(run_in_browser);

/// A known visitor with an empty conversation; the assistant answers every message with a list,
/// a link, a `javascript:` link and an HTML image.
const RICH_STUB: &str = r##"
    const path = new URL(url).pathname;
    const body = init && init.body ? JSON.parse(init.body) : null;
    const json = (status, value) => Promise.resolve(new Response(JSON.stringify(value),
        { status, headers: { "Content-Type": "application/json" } }));
    if (path.endsWith("/config")) return json(200, { tenantId: "t", companyName: "Acme Coffee",
        primaryColor: "#6b3e26", greeting: "Hi! **Ask me anything.**", assistantName: "Ava" });
    if (path.endsWith("/sessions/s-rich")) return json(200, { sessionId: "s-rich",
        contact: { name: "Jane", email: "jane@example.com" }, conversationId: null,
        conversationStatus: null, lastEventSeq: 0, messages: [] });
    if (path.endsWith("/chat")) return json(200, { conversationId: "c-rich",
        visitorMessage: { id: "v-" + body.clientMessageId, author: "visitor", body: body.message,
            createdAt: 1, clientMessageId: body.clientMessageId },
        message: { id: "r-" + body.clientMessageId, author: "assistant", createdAt: 2,
            body: "We roast two blends:\n- **Harbour Blend**\n- Decaf\n\n3. Grind\n4. Brew\n\n" +
                "Menu: https://acme.example/menu. Or [click me](javascript:alert(1))\n" +
                "<img src=x onerror=alert(1)>" },
        conversationStatus: "open", metadata: { model: "embedded", tokens: null, fallback: false } });
    return json(404, { error: { code: "not_found", message: "Not found." } });
"##;

fn send(m: &Mounted, text: &str) {
    let input = m.get("#lc-message");
    input
        .dyn_ref::<HtmlTextAreaElement>()
        .unwrap()
        .set_value(text);
    input.dispatch_event(&Event::new("input").unwrap()).unwrap();
    let init = KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_cancelable(true);
    let enter = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    input.dispatch_event(&enter).unwrap();
}

fn count(m: &Mounted, selector: &str) -> u32 {
    m.shadow.query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn an_assistant_reply_shows_lists_and_safe_links_and_never_markup() {
    let tenant = "tenant-rich";
    storage::save(
        tenant,
        &StoredSession {
            session_id: "s-rich".into(),
            contact: Some(Contact {
                name: "Jane".into(),
                email: "jane@example.com".into(),
                user_hash: None,
            }),
            conversation_id: None,
            messages: vec![],
            pending: vec![],
            human: false,
        },
    );
    let _stub = FetchStub::new(RICH_STUB);
    let m = Mounted::new(tenant, "https://api.example.test");
    m.panel.set_open(true);

    // The site owner's greeting is rich text too.
    wait_for("the greeting", || {
        m.text(".lc-msg--assistant strong") == "Ask me anything."
    })
    .await;

    send(&m, "**not bold**\n- not a list <b>x</b>");
    wait_for("the reply", || m.find(".lc-msg--assistant li").is_some()).await;
    let reply = ".lc-msg--assistant:last-child";

    // The lists: two bullets, the first one bold, and two steps numbered from 3.
    assert_eq!(count(&m, &format!("{reply} ul > li")), 2);
    assert_eq!(m.text(&format!("{reply} li strong")), "Harbour Blend");
    assert_eq!(count(&m, &format!("{reply} ol[start='3'] > li")), 2);
    // Drawn as a list of its own, not as one nested in the message list (which has no bullets).
    let bullets = common::window()
        .get_computed_style(&m.get(&format!("{reply} ul > li")))
        .unwrap()
        .unwrap();
    assert_eq!(
        bullets.get_property_value("list-style-type").unwrap(),
        "disc"
    );

    // The http link, without the full stop after it, opens in a new tab that cannot reach back.
    let link = m.get(&format!("{reply} a"));
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("https://acme.example/menu")
    );
    assert_eq!(
        link.text_content().as_deref(),
        Some("https://acme.example/menu")
    );
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
    let rel = link.get_attribute("rel").unwrap_or_default();
    assert!(rel.split(' ').any(|r| r == "noopener"), "rel={rel:?}");

    // The javascript: link and the image are text on screen, not elements.
    assert_eq!(count(&m, &format!("{reply} a")), 1, "only the http link");
    assert_eq!(count(&m, ".lc-messages img"), 0, "bodies are never markup");
    let text = m.text(&format!("{reply} .lc-bubble"));
    assert!(text.contains("[click me](javascript:alert(1))"), "{text}");
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");

    // What the visitor typed stays as typed, line break included.
    assert_eq!(
        count(
            &m,
            ".lc-msg--visitor strong, .lc-msg--visitor li, .lc-msg--visitor b"
        ),
        0
    );
    assert_eq!(
        m.text(".lc-msg--visitor .lc-bubble"),
        "**not bold**\n- not a list <b>x</b>"
    );

    storage::clear(tenant);
}
