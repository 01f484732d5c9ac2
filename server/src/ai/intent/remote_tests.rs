use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::super::super::ProviderKind;
use super::super::{classify, default_intents, Classifier};
use super::*;

const KEY: &str = "sk-intent-test";

/// A chat completion whose message content is `content`, as the provider sends it.
fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-intent",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 310, "completion_tokens": 12, "total_tokens": 322}
    })
}

async fn stub(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

fn remote(server: &MockServer) -> RemoteClassifier {
    RemoteClassifier::new(&AiConfig {
        provider: ProviderKind::OpenAi,
        base_url: format!("{}/v1", server.uri()),
        api_key: Some(KEY.to_string()),
        model: "gpt-4o-mini".to_string(),
        timeout: Duration::from_secs(5),
    })
    .expect("remote classifier")
}

/// Runs the fallback-aware `classify` against a stub answering `response`.
async fn classify_with(response: ResponseTemplate, text: &str) -> (Classification, Option<String>) {
    let server = stub(response).await;
    let intents = default_intents();
    let embedded = Classifier::train(&intents).expect("trained");
    classify(Some(&remote(&server)), &embedded, &intents, text).await
}

#[tokio::test]
async fn a_valid_structured_answer_is_used_and_the_schema_lists_the_intent_keys() {
    let server = stub(
        ResponseTemplate::new(200)
            .set_body_json(completion(r#"{"intent":"billing","confidence":0.93}"#)),
    )
    .await;
    let intents = default_intents();
    let answer = remote(&server)
        .classify(&intents, "my card was charged twice for order 1234")
        .await
        .expect("usable answer");
    assert_eq!(
        answer,
        Classification {
            intent: "billing".to_string(),
            confidence: 0.93
        }
    );

    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json body");
    assert_eq!(body["model"], "gpt-4o-mini");
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema", "{format}");
    assert_eq!(format["json_schema"]["name"], SCHEMA_NAME);
    assert_eq!(format["json_schema"]["strict"], true);
    let schema = &format["json_schema"]["schema"];
    assert_eq!(
        schema["properties"]["intent"]["enum"],
        json!(["sales", "support", "billing", "technical", "general"])
    );
    assert_eq!(schema["properties"]["confidence"]["type"], "number");
    assert_eq!(schema["required"], json!(["intent", "confidence"]));
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().expect("system text");
    assert!(system.contains("- billing: Billing (e.g. "), "{system}");
    assert_eq!(messages[1]["role"], "user");
    assert_eq!(
        messages[1]["content"],
        "my card was charged twice for order 1234"
    );
}

#[tokio::test]
async fn classify_uses_the_remote_answer_when_it_is_usable() {
    let (answer, fallback) = classify_with(
        ResponseTemplate::new(200).set_body_json(completion(
            "```json\n{\"intent\": \"technical\", \"confidence\": 0.7, \"reason\": \"app\"}\n```",
        )),
        "my card was charged twice for order 1234",
    )
    .await;
    // The stub's answer, not the embedded model's (which says billing): the remote one was used.
    assert_eq!(answer.intent, "technical");
    assert_eq!(fallback, None);
}

#[tokio::test]
async fn an_intent_outside_the_workspace_list_falls_back_to_the_embedded_classifier() {
    let (answer, fallback) = classify_with(
        ResponseTemplate::new(200)
            .set_body_json(completion(r#"{"intent":"refunds","confidence":0.9}"#)),
        "I was charged twice for my last order",
    )
    .await;
    assert_eq!(answer.intent, "billing");
    let reason = fallback.expect("a fallback reason");
    assert!(reason.contains("unknown intent \"refunds\""), "{reason}");
}

#[tokio::test]
async fn a_reply_that_is_not_json_falls_back_to_the_embedded_classifier() {
    let (answer, fallback) = classify_with(
        ResponseTemplate::new(200).set_body_json(completion("The customer wants billing help.")),
        "I was charged twice for my last order",
    )
    .await;
    assert_eq!(answer.intent, "billing");
    assert_eq!(
        fallback.as_deref(),
        Some("provider returned an unreadable response")
    );
}

#[tokio::test]
async fn a_confidence_outside_zero_to_one_falls_back() {
    let (answer, fallback) = classify_with(
        ResponseTemplate::new(200)
            .set_body_json(completion(r#"{"intent":"billing","confidence":87}"#)),
        "how do I update my card",
    )
    .await;
    let reason = fallback.expect("a fallback reason");
    assert!(reason.contains("confidence 87"), "{reason}");
    assert!((0.0..=1.0).contains(&answer.confidence));
}

#[tokio::test]
async fn a_garbled_http_body_falls_back() {
    let (answer, fallback) = classify_with(
        ResponseTemplate::new(200).set_body_string("<html>bad gateway</html>"),
        "I was charged twice for my last order",
    )
    .await;
    assert_eq!(answer.intent, "billing");
    assert_eq!(
        fallback.as_deref(),
        Some("provider returned an unreadable response")
    );
}

#[tokio::test]
async fn a_server_error_falls_back_after_one_attempt() {
    let server = stub(ResponseTemplate::new(500).set_body_string("upstream exploded")).await;
    let intents = default_intents();
    let embedded = Classifier::train(&intents).expect("trained");
    let (answer, fallback) = classify(
        Some(&remote(&server)),
        &embedded,
        &intents,
        "I was charged twice for my last order",
    )
    .await;
    assert_eq!(answer.intent, "billing");
    assert_eq!(fallback.as_deref(), Some("provider returned HTTP 500"));
    let attempts = server.received_requests().await.expect("recording on");
    assert_eq!(attempts.len(), 1, "no built-in retries");
}

#[tokio::test]
async fn a_slow_provider_times_out_and_falls_back() {
    let server = stub(
        ResponseTemplate::new(200)
            .set_body_json(completion(r#"{"intent":"sales","confidence":0.9}"#))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let remote = RemoteClassifier::new(&AiConfig {
        provider: ProviderKind::OpenAi,
        base_url: format!("{}/v1", server.uri()),
        api_key: Some(KEY.to_string()),
        model: "gpt-4o-mini".to_string(),
        timeout: Duration::from_millis(200),
    })
    .expect("remote classifier");
    let intents = default_intents();
    let embedded = Classifier::train(&intents).expect("trained");
    let (answer, fallback) = classify(
        Some(&remote),
        &embedded,
        &intents,
        "I was charged twice for my last order",
    )
    .await;
    assert_eq!(answer.intent, "billing");
    assert_eq!(fallback.as_deref(), Some("timeout after 200ms"));
}

#[tokio::test]
async fn without_a_remote_the_embedded_classifier_answers_without_a_reason() {
    let intents = default_intents();
    let embedded = Classifier::train(&intents).expect("trained");
    let (answer, fallback) = classify(None, &embedded, &intents, "where is my parcel").await;
    assert_eq!(answer, embedded.classify("where is my parcel"));
    assert_eq!(fallback, None);
}

#[test]
fn parse_answer_rejects_what_the_schema_forbids() {
    let intents = default_intents();
    assert!(parse_answer(r#"{"intent":"sales","confidence":0}"#, &intents).is_ok());
    assert!(parse_answer(r#"{"intent":"sales","confidence":1.0}"#, &intents).is_ok());
    assert!(parse_answer(r#"{"intent":"sales","confidence":-0.1}"#, &intents).is_err());
    assert!(parse_answer(r#"{"intent":"Sales","confidence":0.5}"#, &intents).is_err());
    assert!(parse_answer(r#"{"intent":"sales"}"#, &intents).is_err());
    assert!(parse_answer(r#"{"intent":"sales","confidence":"high"}"#, &intents).is_err());
    assert!(parse_answer(r#"["sales", 0.5]"#, &intents).is_err());
}

#[test]
fn remote_classifier_rejects_unusable_settings_without_echoing_the_key() {
    let bad_key = AiConfig {
        provider: ProviderKind::OpenAi,
        api_key: Some("sk-secret\nline".to_string()),
        ..AiConfig::default()
    };
    let err = RemoteClassifier::new(&bad_key)
        .expect_err("bad key")
        .to_string();
    assert!(!err.contains("sk-secret"), "{err}");
    let bad_url = AiConfig {
        base_url: "api.openai.com".to_string(),
        ..AiConfig::default()
    };
    assert!(RemoteClassifier::new(&bad_url).is_err());
}
