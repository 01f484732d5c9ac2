use serde_json::Value;

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    a_question_gets_an_answer_from_the_knowledge_base,
    a_follow_up_is_answered_in_context,
    the_conversation_is_resumed_and_history_comes_back_in_order,
    a_retried_send_stores_one_message_and_returns_the_same_reply,
    concurrent_retries_store_one_message_and_one_reply,
    a_question_nobody_can_answer_hands_the_conversation_to_a_human,
    chat_without_contact_details_is_rejected,
    a_new_session_has_an_empty_history,
);

fn body(answer: &Value) -> &str {
    answer["message"]["body"].as_str().unwrap_or_default()
}

async fn a_question_gets_an_answer_from_the_knowledge_base(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app.chat(&session, "Do you ship to Canada?", "m-1").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert!(
        body(&answer.body).contains("Canada"),
        "{}",
        body(&answer.body)
    );
    assert_eq!(answer.body["message"]["author"], "assistant");
    assert_eq!(
        answer.body["visitorMessage"]["body"],
        "Do you ship to Canada?"
    );
    assert_eq!(answer.body["conversationStatus"], "open");
    assert_eq!(answer.body["metadata"]["model"], "embedded");
    assert!(answer.body["conversationId"].as_str().is_some());
}

async fn a_follow_up_is_answered_in_context(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let first = app
        .chat(&session, "What are your opening hours?", "m-1")
        .await;
    let follow_up = app.chat(&session, "and on weekends?", "m-2").await;
    assert_eq!(follow_up.status, 200);
    let text = body(&follow_up.body).to_lowercase();
    assert!(
        text.contains("saturday") || text.contains("weekend"),
        "first: {} / follow-up: {text}",
        body(&first.body)
    );
    assert_eq!(follow_up.body["conversationStatus"], "open");
}

async fn the_conversation_is_resumed_and_history_comes_back_in_order(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let a = app.chat(&session, "Can I get a refund?", "m-1").await;
    let b = app
        .chat(&session, "How can I contact you by phone?", "m-2")
        .await;
    assert_eq!(a.body["conversationId"], b.body["conversationId"]);
    let history = app.history(&session).await;
    assert_eq!(history.status, 200);
    assert_eq!(history.body["conversationId"], a.body["conversationId"]);
    let messages = history.body["messages"].as_array().expect("messages");
    let authors: Vec<&str> = messages
        .iter()
        .map(|m| m["author"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(authors, ["visitor", "assistant", "visitor", "assistant"]);
    assert_eq!(messages[0]["body"], "Can I get a refund?");
    assert_eq!(messages[0]["clientMessageId"], "m-1");
    assert_eq!(messages[1]["body"], a.body["message"]["body"]);
    assert_eq!(messages[3]["body"], b.body["message"]["body"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 1);
}

async fn a_retried_send_stores_one_message_and_returns_the_same_reply(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let first = app.chat(&session, "Can I get a refund?", "retry-me").await;
    let retry = app.chat(&session, "Can I get a refund?", "retry-me").await;
    assert_eq!(retry.status, 200);
    assert_eq!(first.body["message"], retry.body["message"]);
    assert_eq!(first.body["visitorMessage"], retry.body["visitorMessage"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
}

async fn concurrent_retries_store_one_message_and_one_reply(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let sends = (0..6).map(|_| app.chat(&session, "Do you ship to Canada?", "same-id"));
    let answers = futures::future::join_all(sends).await;
    for a in &answers {
        assert_eq!(a.status, 200, "{:?}", a.body);
        assert_eq!(a.body["message"]["id"], answers[0].body["message"]["id"]);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 1);
}

/// The first question nobody can answer gets what the assistant can help with and a request to
/// put it another way; the second in a row asks a teammate to join (`UNANSWERED_BEFORE_HUMAN`).
async fn a_question_nobody_can_answer_hands_the_conversation_to_a_human(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app
        .chat(&session, "What is the capital of Mongolia?", "m-1")
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["conversationStatus"], "open");
    let first = body(&answer.body).to_lowercase();
    assert!(first.contains("i can help with"), "{first}");
    assert!(
        first.contains("another way") && !first.contains("teammate"),
        "{first}"
    );

    let answer = app
        .chat(&session, "And the population of Ulaanbaatar?", "m-2")
        .await;
    assert_eq!(answer.body["conversationStatus"], "waiting_human");
    assert!(body(&answer.body).to_lowercase().contains("teammate"));
    let history = app.history(&session).await;
    assert_eq!(history.body["conversationStatus"], "waiting_human");

    // An answered question in between starts the count again.
    let other = app.session_with_contact("Kit", "kit@example.com").await;
    for (i, text) in [
        "What is the capital of Mongolia?",
        "Do you ship to Canada?",
        "Who won the 1998 World Cup?",
    ]
    .into_iter()
    .enumerate()
    {
        let answer = app.chat(&other, text, &format!("o-{i}")).await;
        assert_eq!(
            answer.body["conversationStatus"], "open",
            "{text}: {}",
            answer.body
        );
    }
}

async fn chat_without_contact_details_is_rejected(app: TestApp) {
    let session = app.create_session().await;
    let answer = app.chat(&session, "hello?", "m-1").await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), "contact_required");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 0);
}

async fn a_new_session_has_an_empty_history(app: TestApp) {
    let session = app.create_session().await;
    let history = app.history(&session).await;
    assert_eq!(history.status, 200);
    assert_eq!(history.body["sessionId"], session.as_str());
    assert!(history.body["contact"].is_null());
    assert!(history.body["conversationId"].is_null());
    assert_eq!(history.body["messages"], serde_json::json!([]));
}
