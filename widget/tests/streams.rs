//! The reduced wasm-streams the workspace patches in for leptos's server_fn
//! (`patches/wasm-streams`): a Rust stream made into a JavaScript `ReadableStream` and read back
//! gives the same chunks, its end and its error; a JavaScript stream reads as a Rust stream.

use futures_util::stream::{self, StreamExt};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use wasm_streams::ReadableStream;

wasm_bindgen_test_configure!(run_in_browser);

async fn read_all(raw: web_sys::ReadableStream) -> Vec<Result<JsValue, JsValue>> {
    ReadableStream::from_raw(raw).into_stream().collect().await
}

#[wasm_bindgen_test]
async fn a_rust_stream_round_trips_through_a_javascript_stream() {
    let chunks = stream::iter(["one", "two", "three"].map(|s| Ok(JsValue::from_str(s))));
    let raw = ReadableStream::from_stream(chunks).into_raw();
    let read: Vec<String> = read_all(raw)
        .await
        .into_iter()
        .map(|chunk| chunk.expect("no error").as_string().expect("a string"))
        .collect();
    assert_eq!(read, ["one", "two", "three"]);
}

#[wasm_bindgen_test]
async fn an_error_ends_the_stream_after_what_came_before() {
    let chunks = stream::iter([
        Ok(JsValue::from_str("kept")),
        Err(JsValue::from_str("broken")),
        Ok(JsValue::from_str("never")),
    ]);
    let raw = ReadableStream::from_stream(chunks).into_raw();
    let read = read_all(raw).await;
    assert_eq!(read.len(), 2, "{read:?}");
    assert_eq!(
        read[0]
            .as_ref()
            .ok()
            .and_then(JsValue::as_string)
            .as_deref(),
        Some("kept")
    );
    assert!(read[1].is_err(), "{read:?}");
}

#[wasm_bindgen_test]
async fn a_javascript_response_body_reads_as_chunks() {
    let response = web_sys::Response::new_with_opt_str(Some("hello, stream")).expect("a response");
    let raw = response.body().expect("a body");
    let mut bytes = Vec::new();
    for chunk in read_all(raw).await {
        let chunk = js_sys::Uint8Array::new(&chunk.expect("no error"));
        bytes.extend(chunk.to_vec());
    }
    assert_eq!(String::from_utf8(bytes).expect("utf-8"), "hello, stream");
}
