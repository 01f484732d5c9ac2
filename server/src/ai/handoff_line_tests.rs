use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::super::ProviderKind;
use super::*;

const KEY: &str = "sk-handoff-test";

const FACTS: HandoffFacts<'static> = HandoffFacts {
    agent_name: "Bea",
    customer_intent: "billing_issue",
    task_description: "billing questions",
};

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-handoff", "object": "chat.completion", "created": 1_700_000_000,
        "model": "stub-model",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": content } }],
        "usage": { "prompt_tokens": 90, "completion_tokens": 20, "total_tokens": 110 }
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

fn writer(server: &MockServer, timeout: Duration) -> HandoffWriter {
    HandoffWriter::new(&AiConfig {
        provider: ProviderKind::OpenAi,
        base_url: format!("{}/v1", server.uri()),
        api_key: Some(KEY.to_string()),
        model: "stub-model".to_string(),
        timeout,
    })
    .expect("writer")
}

#[tokio::test]
async fn the_model_words_the_line_from_the_facts_and_nothing_else() {
    let server = stub(ResponseTemplate::new(200).set_body_json(completion(
        "  \"Bea looks after billing questions and will take it from here.\"\n",
    )))
    .await;
    let line = writer(&server, Duration::from_secs(2))
        .write(&FACTS, Some("Over to {agent_name} for {customer_intent}."))
        .await
        .expect("a usable line");
    assert_eq!(
        line,
        "Bea looks after billing questions and will take it from here."
    );
    let requests = server.received_requests().await.expect("recording on");
    assert_eq!(requests.len(), 1);
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["model"], "stub-model");
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert_eq!(
        user,
        "Colleague: Bea\nWhat they handle: billing questions\nThe customer's topic: billing issue"
    );
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("Over to {agent_name} for {customer_intent}."),
        "{system}"
    );
}

#[test]
fn unusable_lines_are_refused() {
    for content in [
        "",
        "   ",
        "Someone from billing will take it from here.",
        "Over to {agent_name}!",
        "Bea will help.\n\nAlso, here is our refund policy: …",
        &format!("Bea {}", "very ".repeat(60)),
    ] {
        assert!(check_line(content, &FACTS).is_err(), "{content:?}");
    }
    assert_eq!(
        check_line(
            "bea, our billing specialist,\nwill take it from here.",
            &FACTS
        )
        .unwrap(),
        "bea, our billing specialist, will take it from here."
    );
}

#[tokio::test]
async fn a_failing_or_slow_provider_is_an_error_for_the_caller_to_fall_back_on() {
    let failing = stub(ResponseTemplate::new(500)).await;
    let error = writer(&failing, Duration::from_secs(2))
        .write(&FACTS, None)
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Http(500)), "{error:?}");

    let slow = stub(
        ResponseTemplate::new(200)
            .set_body_json(completion("Bea will take it from here."))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let error = writer(&slow, Duration::from_millis(300))
        .write(&FACTS, None)
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::Timeout(_)), "{error:?}");
}
