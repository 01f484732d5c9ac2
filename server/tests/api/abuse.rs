//! Abuse and AI cost: limits on new sessions and messages per client address and per tenant,
//! the client address behind trusted proxies (and not otherwise), the sign-in limit per
//! forwarded address, one provider call per visitor message however often it is sent, and caps
//! on open widget event streams, each of which hears only its own session.

use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use shared::dashboard::Role;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{spawn_app_with, Answer, Backend, TestApp};
use crate::realtime::EventStream;
use crate::teammates::PASSWORD;

/// Declares each listed `async fn(Backend)` as a module with a `sqlite` and a `postgres` test.
macro_rules! on_both {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            use crate::helpers::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case(Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case(Backend::Postgres).await;
            }
        }
    )*};
}

on_both!(
    new_sessions_are_limited_per_address_with_retry_after,
    new_sessions_are_limited_per_tenant_whatever_the_address,
    messages_are_limited_per_address_across_sessions,
    x_forwarded_for_is_ignored_without_trusted_proxies,
    behind_a_trusted_proxy_the_right_most_untrusted_forwarded_address_is_the_client,
    sign_ins_from_two_forwarded_addresses_do_not_share_a_limit,
    ten_copies_of_one_message_make_one_provider_call_and_get_one_answer,
    a_reply_is_still_stored_when_its_requester_disconnects,
    open_event_streams_are_capped_per_session_and_per_tenant,
    a_visitors_stream_never_hears_another_sessions_events,
);

fn seconds(answer: &Answer) -> u64 {
    answer
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn from(request: RequestBuilder, forwarded_for: &str) -> RequestBuilder {
    request.header("X-Forwarded-For", forwarded_for)
}

impl TestApp {
    /// `POST /sessions`, as sent through a proxy that says it is for `forwarded_for`.
    async fn new_session_for(&self, forwarded_for: &str) -> Answer {
        self.send(from(self.widget(Method::POST, "/sessions"), forwarded_for))
            .await
    }
}

async fn new_sessions_are_limited_per_address_with_retry_after(backend: Backend) {
    let settings = [
        ("LIVECHAT_SESSION_BURST", "3"),
        ("LIVECHAT_SESSIONS_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    for _ in 0..3 {
        app.create_session().await;
    }
    let limited = app.send(app.widget(Method::POST, "/sessions")).await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert_eq!(limited.code(), "too_many_sessions");
    assert!(
        (1..=60).contains(&seconds(&limited)),
        "{:?}",
        limited.headers
    );
    // The widget on another origin can read why.
    assert!(limited
        .headers
        .contains_key("access-control-expose-headers"));
    assert_eq!(app.count("SELECT COUNT(*) FROM visitor_sessions").await, 3);
}

async fn new_sessions_are_limited_per_tenant_whatever_the_address(backend: Backend) {
    let settings = [
        ("LIVECHAT_TRUSTED_PROXIES", "127.0.0.1"),
        ("LIVECHAT_TENANT_SESSION_BURST", "3"),
        ("LIVECHAT_TENANT_SESSIONS_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    for i in 0..3 {
        let created = app.new_session_for(&format!("203.0.113.{i}")).await;
        assert_eq!(created.status, 201, "{:?}", created.body);
    }
    let limited = app.new_session_for("203.0.113.200").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "too_many_sessions");
    assert!(seconds(&limited) >= 1);
    // Another tenant has its own allowance.
    let other = crate::helpers::create_tenant(&app.db, "https://other.example.com").await;
    let theirs = app
        .send(from(
            app.widget_as(&other, Method::POST, "/sessions"),
            "203.0.113.201",
        ))
        .await;
    assert_eq!(theirs.status, 201, "{:?}", theirs.body);
}

async fn messages_are_limited_per_address_across_sessions(backend: Backend) {
    let settings = [
        ("LIVECHAT_ADDRESS_MESSAGE_BURST", "3"),
        ("LIVECHAT_ADDRESS_MESSAGES_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    let first = app.session_with_contact("Ann", "ann@example.com").await;
    let second = app.session_with_contact("Bob", "bob@example.com").await;
    assert_eq!(app.chat(&first, "hello", "m-1").await.status, 200);
    assert_eq!(app.chat(&first, "hello again", "m-2").await.status, 200);
    assert_eq!(app.chat(&second, "hi", "m-1").await.status, 200);
    // A fresh session from the same address does not escape the limit.
    let limited = app.chat(&second, "hi again", "m-2").await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert_eq!(limited.code(), "rate_limited");
    assert!(seconds(&limited) >= 1);
    // Refused before anything was stored; a retry of a stored message is still answered.
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 6);
    assert_eq!(app.chat(&first, "hello", "m-1").await.status, 200);
}

async fn x_forwarded_for_is_ignored_without_trusted_proxies(backend: Backend) {
    let settings = [
        ("LIVECHAT_SESSION_BURST", "2"),
        ("LIVECHAT_SESSIONS_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    assert_eq!(app.new_session_for("198.51.100.1").await.status, 201);
    assert_eq!(app.new_session_for("198.51.100.2").await.status, 201);
    // Every claimed address is really 127.0.0.1, whose allowance is spent.
    let limited = app.new_session_for("198.51.100.3").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "too_many_sessions");
}

async fn behind_a_trusted_proxy_the_right_most_untrusted_forwarded_address_is_the_client(
    backend: Backend,
) {
    let settings = [
        ("LIVECHAT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8"),
        ("LIVECHAT_SESSION_BURST", "2"),
        ("LIVECHAT_SESSIONS_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    // The visitor at 198.51.100.1 writes a made-up address to the left each time: ignored.
    for claimed in ["192.0.2.1", "192.0.2.2"] {
        let created = app
            .new_session_for(&format!("{claimed}, 198.51.100.1"))
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
    }
    let limited = app.new_session_for("192.0.2.3, 198.51.100.1").await;
    assert_eq!(limited.status, 429);
    // A second visitor has an allowance of their own, behind two of our proxies as well.
    assert_eq!(
        app.new_session_for("198.51.100.1, 198.51.100.2")
            .await
            .status,
        201
    );
    assert_eq!(
        app.new_session_for("198.51.100.2, 10.1.2.3").await.status,
        201
    );
    assert_eq!(app.new_session_for("198.51.100.2").await.status, 429);
    // Unreadable entries do not let anyone out of their limit: the proxy that passed the junk
    // on is the address limited.
    assert_eq!(app.new_session_for("junk, 10.9.9.9").await.status, 201);
    assert_eq!(
        app.new_session_for("[nonsense], 10.9.9.9").await.status,
        201
    );
    assert_eq!(app.new_session_for("???, 10.9.9.9").await.status, 429);
}

async fn sign_ins_from_two_forwarded_addresses_do_not_share_a_limit(backend: Backend) {
    let settings = [
        ("LIVECHAT_TRUSTED_PROXIES", "127.0.0.1"),
        ("LIVECHAT_LOGIN_BURST", "2"),
        ("LIVECHAT_LOGINS_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    let guessed = app.create_user(&app.tenant.id, Role::Agent).await;
    let colleague = app.create_user(&app.tenant.id, Role::Agent).await;
    let sign_in = |forwarded_for: &'static str, email: &str, password: &str| {
        let request = app
            .http
            .post(app.url("/api/dashboard/login"))
            .header("Origin", &app.address)
            .header("X-Forwarded-For", forwarded_for)
            .json(&json!({ "email": email, "password": password }));
        app.send(request)
    };
    for _ in 0..2 {
        let wrong = sign_in("203.0.113.66", &guessed, "not the password").await;
        assert_eq!(wrong.status, 401);
    }
    let limited = sign_in("203.0.113.66", &colleague, PASSWORD).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "too_many_attempts");
    assert!(seconds(&limited) >= 1);
    // A teammate at another address behind the same proxy signs in.
    let signed_in = sign_in("198.51.100.7", &colleague, PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{:?}", signed_in.body);
}

fn completion(text: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1_700_000_000, "model": "stub-model",
        "choices": [{ "index": 0, "finish_reason": "stop",
                      "message": { "role": "assistant", "content": text } }],
        "usage": { "prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52 }
    })
}

/// An OpenAI-compatible stub that answers after `delay`, and an app using it.
async fn app_with_slow_provider(
    backend: Backend,
    delay: Duration,
) -> Option<(TestApp, MockServer)> {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(completion("We roast on Mondays."))
                .set_delay(delay),
        )
        .mount(&stub)
        .await;
    let base = format!("{}/v1", stub.uri());
    let settings = [
        ("LIVECHAT_AI_PROVIDER", "openai"),
        ("OPENAI_BASE_URL", base.as_str()),
        ("OPENAI_API_KEY", "sk-test-not-a-secret"),
        ("OPENAI_MODEL", "stub-model"),
        ("LIVECHAT_MESSAGE_BURST", "20"),
    ];
    let app = spawn_app_with(backend, &settings).await?;
    Some((app, stub))
}

async fn provider_calls(stub: &MockServer) -> usize {
    stub.received_requests().await.unwrap_or_default().len()
}

async fn ten_copies_of_one_message_make_one_provider_call_and_get_one_answer(backend: Backend) {
    let Some((app, stub)) = app_with_slow_provider(backend, Duration::from_millis(400)).await
    else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let copies = (0..10).map(|_| app.chat(&session, "When do you roast?", "m-1"));
    let answers = futures::future::join_all(copies).await;
    assert_eq!(provider_calls(&stub).await, 1);
    for answer in &answers {
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body, answers[0].body);
    }
    assert_eq!(answers[0].body["message"]["body"], "We roast on Mondays.");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
    // A later retry is answered from the store.
    let retry = app.chat(&session, "When do you roast?", "m-1").await;
    assert_eq!(retry.body["message"], answers[0].body["message"]);
    assert_eq!(provider_calls(&stub).await, 1);
}

async fn a_reply_is_still_stored_when_its_requester_disconnects(backend: Backend) {
    let Some((app, stub)) = app_with_slow_provider(backend, Duration::from_millis(600)).await
    else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let request = app
        .widget(Method::POST, "/chat")
        .timeout(Duration::from_millis(150))
        .json(&json!({ "sessionId": session, "message": "When do you roast?", "clientMessageId": "m-1" }));
    assert!(request.send().await.is_err(), "the client gave up first");
    // While the first call is under way, a retry joins it rather than calling again.
    let retry = app.chat(&session, "When do you roast?", "m-1").await;
    assert_eq!(retry.status, 200, "{:?}", retry.body);
    assert_eq!(retry.body["message"]["body"], "We roast on Mondays.");
    assert_eq!(provider_calls(&stub).await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
}

/// Opens the session's event stream; answers the response, whose body is the open stream.
async fn open_stream(app: &TestApp, session: &str) -> reqwest::Response {
    app.widget(Method::GET, &format!("/sessions/{session}/events"))
        .send()
        .await
        .expect("stream")
}

async fn open_event_streams_are_capped_per_session_and_per_tenant(backend: Backend) {
    let settings = [
        ("LIVECHAT_STREAMS_PER_SESSION", "2"),
        ("LIVECHAT_STREAMS_PER_TENANT", "3"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    let (ann, bob, cy) = (
        app.create_session().await,
        app.create_session().await,
        app.create_session().await,
    );
    let first = open_stream(&app, &ann).await;
    let second = open_stream(&app, &ann).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = Answer::read(open_stream(&app, &ann).await).await;
    assert_eq!(third.status, 429);
    assert_eq!(third.code(), "too_many_streams");
    assert!(seconds(&third) >= 1);
    let bobs = open_stream(&app, &bob).await;
    assert_eq!(bobs.status().as_u16(), 200);
    // The tenant is at its cap: a session holding nothing is refused too.
    let full = Answer::read(open_stream(&app, &cy).await).await;
    assert_eq!(full.status, 429);
    assert_eq!(full.code(), "too_many_streams");
    // Closing a stream frees its slot.
    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = open_stream(&app, &cy).await;
        if again.status() == 200 {
            break;
        }
        drop(again);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot was never freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_visitors_stream_never_hears_another_sessions_events(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[]).await else {
        return;
    };
    let (ann, ann_conversation) = app.visitor_conversation("Ann Visitor", "hello").await;
    let (bob, bob_conversation) = app.visitor_conversation("Bob Visitor", "hello").await;
    let mut hub_feed = app
        .hub
        .subscribe_session(&app.tenant.id, &ann)
        .await
        .expect("subscribe");
    let after = app.history(&ann).await.body["lastEventSeq"]
        .as_i64()
        .expect("lastEventSeq");
    let mut stream = EventStream::open(&app, &ann, &format!("&after={after}"), None).await;
    let agent = app.teammate(Role::Agent).await;
    for i in 0..5 {
        let sent = agent
            .reply(&bob_conversation, "for Bob", &format!("b-{i}"))
            .await;
        assert_eq!(sent.status, 201);
    }
    app.chat(&bob, "and me", "m-2").await;
    assert_eq!(
        agent
            .reply(&ann_conversation, "for Ann", "a-1")
            .await
            .status,
        201
    );
    // Bob's news came first, yet the first thing Ann's stream and feed get is hers.
    let event = stream.next_message().await;
    assert_eq!(event.data["message"]["body"], "for Ann");
    assert_eq!(event.data["conversationId"], ann_conversation.as_str());
    let item = tokio::time::timeout(Duration::from_secs(10), hub_feed.rx.recv())
        .await
        .expect("an item")
        .expect("open");
    match item {
        server::realtime::FeedItem::Event(event) => {
            assert_eq!(event.session_id.as_deref(), Some(ann.as_str()));
        }
        server::realtime::FeedItem::Typing(_) => panic!("nobody typed"),
    }
}
