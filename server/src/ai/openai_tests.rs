use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::api::Author;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::super::demo::demo_assistant;
use super::super::embedded::TEAMMATE_TEXT;
use super::super::{
    AiConfig, Assistant, Knowledge, Outcome, ProviderKind, ReplyRequest, Responder, Turn,
};
use super::*;

const KEY: &str = "sk-test-key-123";

fn completion(content: &str) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 120, "completion_tokens": 22, "total_tokens": 142}
    })
}

fn config(server: &MockServer, timeout: Duration) -> AiConfig {
    AiConfig {
        provider: ProviderKind::OpenAi,
        base_url: format!("{}/v1", server.uri()),
        api_key: Some(KEY.to_string()),
        model: "gpt-4o-mini".to_string(),
        timeout,
    }
}

struct Demo {
    assistant: Assistant,
    knowledge: Knowledge,
    history: Vec<Turn>,
}

fn demo() -> Demo {
    let seed = demo_assistant();
    Demo {
        assistant: seed.to_assistant("nora"),
        knowledge: Knowledge::new(seed.to_knowledge()),
        history: vec![
            Turn {
                author: Author::Visitor,
                body: "Hi, I have a question about my coffee order".into(),
            },
            Turn {
                author: Author::Agent,
                body: "Sure, happy to help with your order!".into(),
            },
            Turn {
                author: Author::System,
                body: "Agent joined".into(),
            },
        ],
    }
}

impl Demo {
    async fn ask(&self, responder: &Responder, message: &str) -> Outcome {
        responder
            .reply(&ReplyRequest {
                assistant: &self.assistant,
                knowledge: &self.knowledge,
                history: &self.history,
                message,
                visitor_name: Some("Sam Carter"),
            })
            .await
    }
}

async fn stub(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn remote_reply_is_grounded_in_instructions_knowledge_and_history() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(
            "We ship to Canada in 5-8 business days for $12.95.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut d = demo();
    d.assistant.model = Some("nora-large".to_string());
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let outcome = d.ask(&responder, "Do you ship to Canada?").await;

    assert_eq!(outcome.provider_error, None);
    assert_eq!(
        outcome.reply.text,
        "We ship to Canada in 5-8 business days for $12.95."
    );
    assert_eq!(outcome.reply.tokens, Some(142));
    assert_eq!(outcome.reply.model, "gpt-4o-mini-2024-07-18");
    assert!(!outcome.reply.needs_human);

    let requests = server.received_requests().await.expect("recording on");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json body");
    assert_eq!(
        body["model"], "nora-large",
        "assistant model overrides config"
    );
    let messages = body["messages"].as_array().expect("messages");
    let roles: Vec<&str> = messages.iter().filter_map(|m| m["role"].as_str()).collect();
    assert_eq!(
        roles,
        ["system", "user", "assistant", "user"],
        "system turn skipped"
    );
    let system = messages[0]["content"].as_str().expect("system text");
    assert!(system.starts_with("You are Nora"), "{system}");
    assert!(system.contains("Relevant knowledge:"), "{system}");
    assert!(system.contains("Canada: 5-8 business days"), "{system}");
    assert!(system.contains(HANDOFF_MARKER), "{system}");
    assert!(system.contains("Sam Carter"), "{system}");
    assert_eq!(
        system.matches("- Q: ").count(),
        3,
        "top 3 entries: {system}"
    );
    assert_eq!(
        messages[1]["content"],
        "Hi, I have a question about my coffee order"
    );
    assert_eq!(
        messages[2]["content"],
        "Sure, happy to help with your order!"
    );
    assert_eq!(messages[3]["content"], "Do you ship to Canada?");
}

#[tokio::test]
async fn server_error_falls_back_to_the_embedded_answer() {
    let server = stub(ResponseTemplate::new(500).set_body_string("upstream exploded")).await;
    let d = demo();
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let outcome = d.ask(&responder, "Can I get a refund?").await;

    assert_eq!(
        outcome.provider_error.as_deref(),
        Some("provider returned HTTP 500")
    );
    assert_eq!(outcome.reply.model, "embedded");
    assert!(
        outcome.reply.text.contains("full refund"),
        "{:?}",
        outcome.reply
    );
    assert!(!outcome.reply.needs_human);
    let attempts = server
        .received_requests()
        .await
        .expect("recording on")
        .len();
    assert_eq!(attempts, 1, "no built-in retries");
}

#[tokio::test]
async fn slow_provider_times_out_and_falls_back_quickly() {
    let server = stub(
        ResponseTemplate::new(200)
            .set_body_json(completion("too late"))
            .set_delay(Duration::from_secs(2)),
    )
    .await;
    let d = demo();
    let responder =
        Responder::new(&config(&server, Duration::from_millis(300))).expect("responder");
    let started = Instant::now();
    let outcome = d.ask(&responder, "What are your opening hours?").await;
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    assert_eq!(
        outcome.provider_error.as_deref(),
        Some("timeout after 300ms")
    );
    assert_eq!(outcome.reply.model, "embedded");
    assert!(outcome.reply.text.contains("Saturday and Sunday"));
}

#[tokio::test]
async fn rate_limit_with_long_retry_after_is_not_waited_out() {
    let server = stub(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "30")
            .set_body_json(
                json!({"error": {"message": "slow down", "type": "rate_limit_error",
                "param": null, "code": null}}),
            ),
    )
    .await;
    let d = demo();
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let started = Instant::now();
    let outcome = d.ask(&responder, "where is my order").await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        outcome.provider_error.as_deref(),
        Some("provider returned HTTP 429")
    );
    assert!(outcome.reply.text.contains("tracking link"));
}

#[tokio::test]
async fn handoff_marker_sets_needs_human_and_is_stripped() {
    let server = stub(ResponseTemplate::new(200).set_body_json(completion(
        "I'm not sure, so I'm bringing in a teammate.\n[HANDOFF]",
    )))
    .await;
    let d = demo();
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let outcome = d
        .ask(&responder, "Is the Ethiopia roast good for cold brew?")
        .await;
    assert_eq!(outcome.provider_error, None);
    assert!(outcome.reply.needs_human);
    assert_eq!(
        outcome.reply.text,
        "I'm not sure, so I'm bringing in a teammate."
    );
}

#[tokio::test]
async fn asking_for_a_human_sets_needs_human_on_remote_replies() {
    let server = stub(
        ResponseTemplate::new(200)
            .set_body_json(completion("Sure, a teammate will be with you shortly.")),
    )
    .await;
    let d = demo();
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let outcome = d.ask(&responder, "can I talk to a human").await;
    assert_eq!(outcome.provider_error, None);
    assert!(outcome.reply.needs_human);
}

#[tokio::test]
async fn empty_content_is_an_error_and_falls_back() {
    let server = stub(ResponseTemplate::new(200).set_body_json(completion("   "))).await;
    let d = demo();
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let outcome = d.ask(&responder, "asdf qwer").await;
    assert_eq!(
        outcome.provider_error.as_deref(),
        Some("provider returned an empty reply")
    );
    assert!(outcome.reply.needs_human);
    assert!(outcome.reply.text.contains(TEAMMATE_TEXT));
}

#[tokio::test]
async fn unreachable_provider_falls_back_without_leaking_the_key() {
    let d = demo();
    let responder = Responder::new(&AiConfig {
        provider: ProviderKind::OpenAi,
        base_url: "http://127.0.0.1:9/v1".to_string(),
        api_key: Some(KEY.to_string()),
        model: "gpt-4o-mini".to_string(),
        timeout: Duration::from_secs(5),
    })
    .expect("responder");
    let outcome = d.ask(&responder, "How can I contact you by phone?").await;
    let reason = outcome.provider_error.expect("provider error");
    assert!(reason.starts_with("could not reach provider"), "{reason}");
    assert!(!reason.contains(KEY), "{reason}");
    assert!(outcome.reply.text.contains("555-0142"));
}

/// A streamed reply in the wire format: `pieces` as content deltas, then (when `finished`)
/// a chunk with the finish reason, one with the usage, and `[DONE]`.
fn streamed(pieces: &[&str], finished: bool) -> ResponseTemplate {
    let chunk = |delta: &str, finish: Option<&str>| {
        let chunk = json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": finish}]
        });
        format!("data: {chunk}\n\n")
    };
    let mut body: String = pieces.iter().map(|p| chunk(p, None)).collect();
    if finished {
        body.push_str(&chunk("", Some("stop")));
        let usage = json!({
            "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18", "choices": [],
            "usage": {"prompt_tokens": 100, "completion_tokens": 9, "total_tokens": 109}
        });
        body.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    }
    ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body)
}

impl Demo {
    async fn ask_live(
        &self,
        responder: &Responder,
        message: &str,
    ) -> (Outcome, tokio::sync::watch::Receiver<String>) {
        let (progress, raw) = tokio::sync::watch::channel(String::new());
        let outcome = responder
            .reply_live(
                &ReplyRequest {
                    assistant: &self.assistant,
                    knowledge: &self.knowledge,
                    history: &self.history,
                    message,
                    visitor_name: None,
                },
                &progress,
            )
            .await;
        (outcome, raw)
    }
}

#[tokio::test]
async fn a_streamed_reply_is_read_whole_with_its_model_and_tokens() {
    let server = stub(streamed(&["We roast ", "on Mondays.", "\n[HANDOFF]"], true)).await;
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let (outcome, raw) = demo().ask_live(&responder, "When do you roast?").await;
    assert_eq!(outcome.provider_error, None);
    assert_eq!(outcome.reply.text, "We roast on Mondays.");
    assert!(outcome.reply.needs_human, "the marker still counts");
    assert_eq!(outcome.reply.model, "gpt-4o-mini-2024-07-18");
    assert_eq!(outcome.reply.tokens, Some(109));
    // The raw text as it arrived, for the drafts (which take the marker out themselves).
    assert_eq!(*raw.borrow(), "We roast on Mondays.\n[HANDOFF]");
    let requests = server.received_requests().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn a_stream_that_stops_before_finishing_keeps_what_arrived_and_the_embedded_answer_ends_it() {
    let server = stub(streamed(&["Our opening hours ", "are Monday to"], false)).await;
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let (outcome, _) = demo()
        .ask_live(&responder, "What are your opening hours?")
        .await;
    let reason = outcome.provider_error.expect("a cut is a provider error");
    assert!(reason.starts_with("the reply stream was cut"), "{reason}");
    let (arrived, rest) = outcome
        .reply
        .text
        .split_once(crate::ai::CUT_TEXT)
        .expect("the bridge");
    assert_eq!(arrived, "Our opening hours are Monday to…\n\n");
    assert!(rest.contains("Saturday"), "{rest}");
    assert_eq!(
        outcome.reply.model, "gpt-4o-mini-2024-07-18",
        "the model that wrote the start"
    );
}

#[tokio::test]
async fn a_stream_with_no_text_before_it_ends_falls_back_whole() {
    let server = stub(streamed(&[], false)).await;
    let responder = Responder::new(&config(&server, Duration::from_secs(5))).expect("responder");
    let (outcome, raw) = demo().ask_live(&responder, "Do you ship to Canada?").await;
    assert_eq!(
        outcome.provider_error.as_deref(),
        Some("the reply stream ended before the reply was finished")
    );
    assert_eq!(outcome.reply.model, "embedded");
    assert!(outcome.reply.text.contains("Canada"));
    assert!(raw.borrow().is_empty());
}

#[tokio::test]
async fn a_slow_stream_is_cut_at_the_timeout() {
    let server = stub(streamed(&["Too late."], true).set_delay(Duration::from_secs(3))).await;
    let responder =
        Responder::new(&config(&server, Duration::from_millis(300))).expect("responder");
    let started = Instant::now();
    let (outcome, _) = demo().ask_live(&responder, "Do you ship to Canada?").await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        outcome.provider_error.as_deref(),
        Some("timeout after 300ms")
    );
    assert_eq!(outcome.reply.model, "embedded");
}

#[test]
fn history_is_limited_to_the_last_twenty_turns() {
    let d = demo();
    let history: Vec<Turn> = (0..30)
        .map(|i| Turn {
            author: if i % 2 == 0 {
                Author::Visitor
            } else {
                Author::Assistant
            },
            body: format!("turn {i}").into(),
        })
        .collect();
    let request = build_request(
        &ReplyRequest {
            assistant: &d.assistant,
            knowledge: &d.knowledge,
            history: &history,
            message: "hello",
            visitor_name: None,
        },
        "gpt-4o-mini",
    );
    assert_eq!(request.model, "gpt-4o-mini");
    assert_eq!(request.messages.len(), 1 + 20 + 1);
    let json = serde_json::to_value(&request).expect("serializes");
    assert_eq!(json["messages"][1]["content"], "turn 10");
}

#[test]
fn markers_are_stripped_wherever_they_appear() {
    assert_eq!(strip_marker("Hello"), ("Hello".to_string(), false));
    assert_eq!(
        strip_marker("[HANDOFF]\nLet me get a teammate."),
        ("Let me get a teammate.".to_string(), true)
    );
    assert_eq!(
        strip_marker("Let me get a teammate. [HANDOFF]"),
        ("Let me get a teammate.".to_string(), true)
    );
    assert_eq!(strip_marker("[HANDOFF]"), (String::new(), true));
}

#[test]
fn provider_errors_read_as_short_reasons() {
    assert_eq!(
        ProviderError::Timeout(Duration::from_secs(2)).to_string(),
        "timeout after 2s"
    );
    assert_eq!(
        ProviderError::Http(500).to_string(),
        "provider returned HTTP 500"
    );
}
