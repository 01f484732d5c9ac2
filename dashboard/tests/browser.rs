//! The dashboard's views in a real browser.
#![cfg(target_arch = "wasm32")]

use dashboard::components::conversation_view::message_item;
use shared::api::{Author, Channel};
use shared::dashboard::{DeliveryStatus, MessageDelivery, TimelineMessage};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn message_bodies_show_markup_as_text() {
    let document = web_sys::window().unwrap().document().unwrap();
    let container: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&container).unwrap();
    let attack = "<img src=x onerror=alert(1)>";
    let message = TimelineMessage {
        id: "msg_1".into(),
        conversation_id: "cv_1".into(),
        author: Author::Visitor,
        author_name: None,
        channel: Channel::Sms,
        body: attack.into(),
        created_at: 0,
        client_message_id: None,
        why: Vec::new(),
        // A provider's words about a failure are text too.
        delivery: Some(MessageDelivery {
            status: DeliveryStatus::Failed,
            error: Some(attack.into()),
        }),
    };
    let handle = leptos::mount::mount_to(container.clone(), move || message_item(&message, "Jane"));

    let item = container
        .query_selector("[data-testid=message]")
        .unwrap()
        .unwrap();
    assert_eq!(
        item.get_attribute("data-author").as_deref(),
        Some("visitor")
    );
    let body = item
        .query_selector("[data-testid=message-body]")
        .unwrap()
        .unwrap();
    assert_eq!(body.text_content().as_deref(), Some(attack));
    assert!(container.query_selector("img").unwrap().is_none());
    let delivery = item
        .query_selector("[data-testid=delivery]")
        .unwrap()
        .unwrap();
    assert_eq!(
        delivery.text_content().as_deref(),
        Some(format!("Not sent: {attack}").as_str())
    );
    assert_eq!(
        delivery.get_attribute("data-status").as_deref(),
        Some("failed")
    );
    assert!(item.text_content().unwrap().contains("Jane"));
    drop(handle);
    container.remove();
}
