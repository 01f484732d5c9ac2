//! A widget the server refuses (token revoked, expired or unknown; origin not allowed) says so
//! and stops asking.

mod common;

use common::{global, sleep, wait_for, FetchStub, Mounted};
use wasm_bindgen_test::*;
use widget::storage;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_401_shows_the_unavailable_state_and_makes_no_further_requests() {
    let tenant = "tenant-revoked";
    storage::clear(tenant);
    let _fetch = FetchStub::new(
        "window.__refusedCalls = (window.__refusedCalls || 0) + 1;
         const body = { error: { code: 'invalid_token', message: 'The widget token is not valid.' } };
         return Promise.resolve(new Response(JSON.stringify(body),
             { status: 401, headers: { 'content-type': 'application/json' } }));",
    );
    let m = Mounted::new(tenant, "https://api.test");
    m.panel.set_open(true);
    wait_for("the unavailable state", || {
        m.find("[data-testid=widget-unavailable]").is_some()
    })
    .await;
    assert!(m
        .text("[data-testid=widget-unavailable]")
        .contains("Chat is unavailable right now"));
    assert!(m.find("form").is_none(), "no contact form to fill in vain");
    let calls = global("__refusedCalls").as_f64().unwrap_or(0.0);
    assert!(calls >= 1.0);
    sleep(1500).await;
    m.panel.set_open(false);
    m.panel.set_open(true);
    sleep(500).await;
    assert_eq!(
        global("__refusedCalls").as_f64().unwrap_or(0.0),
        calls,
        "no further requests"
    );
}
