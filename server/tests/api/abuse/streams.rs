//! Open widget event streams: capped per session and per tenant, and each hears only its own
//! session.

use std::time::Duration;

use reqwest::Method;
use shared::dashboard::Role;

use super::{on_both, seconds};
use crate::helpers::{spawn_app_with, Answer, Backend, TestApp};
use crate::realtime::EventStream;

on_both!(
    open_event_streams_are_capped_per_session_and_per_tenant,
    a_visitors_stream_never_hears_another_sessions_events,
);

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
        server::realtime::FeedItem::Draft(_) => panic!("no reply was streamed"),
    }
}
