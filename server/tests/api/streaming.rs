//! A remote model's reply streamed to the open widget: drafts a sentence at a time over the
//! widget's event stream while the model writes, the stored reply under the drafts' id, and a
//! stream that breaks off (the connection cut, or a server that just stops) keeping what
//! arrived, flagging the conversation and finishing with the embedded assistant's answer.
//!
//! The stub is an OpenAI-compatible server the test drives piece by piece: the next piece is
//! written only once the widget has shown the last one, so a reply that reached the widget
//! only when it was finished fails the test.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::Value;
use server::ai::safety::{self, SafetyLists, SafetySettings};
use server::ai::CUT_TEXT;
use server::audit::Actor;
use shared::dashboard::Role;
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::ai_fallback::{app_with_provider, app_with_provider_at, chunks, sse_body, sse_chunk};
use crate::helpers::{Backend, TestApp};
use crate::on_each_backend;
use crate::realtime::{EventStream, Sse};

on_each_backend!(
    a_reply_reaches_the_open_widget_while_the_model_writes_it,
    a_cut_stream_keeps_what_arrived_flags_and_finishes_with_the_fallback,
    a_draft_never_shows_what_the_reply_safety_check_stops,
    a_server_that_stops_midway_is_a_cut_stream,
);

/// What the stub's streamed reply does next.
enum Piece {
    Text(&'static str),
    /// The finish reason, the usage and `[DONE]`.
    Finish,
    /// The connection breaks off.
    Cut,
}

/// An OpenAI-compatible server whose one streamed reply the test writes piece by piece.
/// Anything not streamed (the intent classification) gets a 500: the embedded classifier
/// answers instead.
struct Stub {
    uri: String,
    pieces: mpsc::UnboundedSender<Piece>,
}

type Pending = Arc<Mutex<Option<mpsc::UnboundedReceiver<Piece>>>>;

async fn completions(State(pending): State<Pending>, body: Bytes) -> Response {
    let streamed = serde_json::from_slice::<Value>(&body).is_ok_and(|body| body["stream"] == true);
    let pieces = streamed
        .then(|| pending.lock().ok().and_then(|mut p| p.take()))
        .flatten();
    let Some(pieces) = pieces else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let body = futures::stream::unfold(Some(pieces), |pieces| async move {
        let mut pieces = pieces?;
        let block: std::io::Result<String> = match pieces.recv().await? {
            Piece::Text(text) => Ok(sse_chunk(text, None)),
            Piece::Finish => {
                let rest = sse_body(&[], true);
                return Some((Ok(rest), None));
            }
            Piece::Cut => Err(std::io::Error::other("cut")),
        };
        let more = block.is_ok().then_some(pieces);
        Some((block, more))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(body))
        .unwrap_or_default()
}

async fn start_stub() -> Stub {
    let (tx, rx) = mpsc::unbounded_channel();
    let pending: Pending = Arc::new(Mutex::new(Some(rx)));
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(pending);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let uri = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Stub { uri, pieces: tx }
}

/// The next draft event of the widget stream (status and message events skipped).
async fn next_draft(stream: &mut EventStream) -> Sse {
    loop {
        let event = stream.next().await;
        if event.data["type"] == "draft" {
            return event;
        }
        assert!(
            event.data["message"]["author"] != "assistant",
            "a reply before the draft: {event:?}"
        );
    }
}

/// The next assistant message of the widget stream (the visitor's own skipped).
async fn next_reply(stream: &mut EventStream) -> Sse {
    loop {
        let event = stream.next_message().await;
        if event.data["message"]["author"] == "assistant" {
            return event;
        }
    }
}

/// A visitor with the widget open, its event stream listening.
async fn visitor(app: &TestApp) -> (String, EventStream) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let stream = EventStream::open(app, &session, "", None).await;
    (session, stream)
}

async fn a_reply_reaches_the_open_widget_while_the_model_writes_it(backend: Backend) {
    let stub = start_stub().await;
    let Some(app) = app_with_provider_at(backend, &stub.uri).await else {
        return;
    };
    let (session, mut stream) = visitor(&app).await;
    let widget = async {
        stub.pieces.send(Piece::Text("We roast on ")).ok();
        stub.pieces.send(Piece::Text("Mondays. We ship")).ok();
        // The first sentence is on screen while the model is still writing.
        let first = next_draft(&mut stream).await;
        assert_eq!(first.data["offset"], 0, "{:?}", first.data);
        assert_eq!(first.data["text"], "We roast on Mondays.");
        assert!(first.id.is_none(), "a draft is never stored: no event id");
        stub.pieces
            .send(Piece::Text(" on Tuesdays.\nAnything"))
            .ok();
        let second = next_draft(&mut stream).await;
        assert_eq!(second.data["offset"], 20);
        assert_eq!(second.data["text"], " We ship on Tuesdays.");
        stub.pieces.send(Piece::Text(" else?")).ok();
        stub.pieces.send(Piece::Finish).ok();
        let stored = next_reply(&mut stream).await;
        (first, stored)
    };
    let (answer, (first, stored)) =
        tokio::join!(app.chat(&session, "When do you roast?", "m-1"), widget);
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let whole = "We roast on Mondays. We ship on Tuesdays.\nAnything else?";
    // Clients that don't stream get the whole reply in the answer.
    assert_eq!(answer.body["message"]["body"], whole);
    assert_eq!(answer.body["metadata"]["model"], "stub-model");
    assert_eq!(answer.body["metadata"]["tokens"], 52);
    assert_eq!(answer.body["metadata"]["fallback"], false);
    // The stored reply replaces the drafts: same id.
    assert_eq!(stored.data["message"]["body"], whole);
    assert_eq!(stored.data["message"]["id"], first.data["id"]);
    assert_eq!(answer.body["message"]["id"], first.data["id"]);
    assert_eq!(first.data["conversationId"], answer.body["conversationId"]);
    assert_eq!(
        first.data["authorName"],
        stored.data["message"]["authorName"]
    );
}

async fn a_cut_stream_keeps_what_arrived_flags_and_finishes_with_the_fallback(backend: Backend) {
    let stub = start_stub().await;
    let Some(app) = app_with_provider_at(backend, &stub.uri).await else {
        return;
    };
    let (session, mut stream) = visitor(&app).await;
    let widget = async {
        stub.pieces
            .send(Piece::Text("We're open Monday to Friday. On week"))
            .ok();
        let draft = next_draft(&mut stream).await;
        assert_eq!(draft.data["text"], "We're open Monday to Friday.");
        stub.pieces.send(Piece::Cut).ok();
        next_reply(&mut stream).await
    };
    let (answer, stored) = tokio::join!(
        app.chat(&session, "What are your opening hours?", "m-1"),
        widget
    );
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let body = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("We're open Monday to Friday. On week…\n\n"),
        "what arrived is kept: {body}"
    );
    let rest = body
        .split_once(CUT_TEXT)
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(
        rest.contains("9") && rest.contains("Saturday"),
        "the embedded assistant finishes the answer: {body}"
    );
    assert_eq!(answer.body["metadata"]["fallback"], true);
    assert_eq!(stored.data["message"]["body"], body);
    assert_flagged_for_the_cut(&app, &answer.body).await;
}

/// A server that just stops (no finish reason, no `[DONE]`) is a cut stream too.
async fn a_server_that_stops_midway_is_a_cut_stream(backend: Backend) {
    let stub = MockServer::start().await;
    let pieces = chunks("Harbour Blend is a chocolatey medium roast, while Ethiopia");
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(sse_body(&pieces, false)),
        )
        .mount(&stub)
        .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app
        .chat(&session, "Harbour Blend or Ethiopia Guji?", "m-1")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let body = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("Harbour Blend is a chocolatey medium roast, while Ethiopia…"),
        "{body}"
    );
    assert!(body.contains(CUT_TEXT), "{body}");
    assert_eq!(answer.body["metadata"]["fallback"], true);
    assert_flagged_for_the_cut(&app, &answer.body).await;
}

async fn assert_flagged_for_the_cut(app: &TestApp, answer: &Value) {
    let conversation = answer["conversationId"].as_str().unwrap_or_default();
    let admin = app.teammate(Role::Admin).await;
    let detail = admin
        .get(&format!("/api/dashboard/conversations/{conversation}"))
        .await;
    let reason = detail.body["conversation"]["flagReason"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.body["conversation"]["flagged"] == true && reason.contains("stream was cut"),
        "{:?}",
        detail.body["conversation"]
    );
}

async fn a_draft_never_shows_what_the_reply_safety_check_stops(backend: Backend) {
    let stub = start_stub().await;
    let Some(app) = app_with_provider_at(backend, &stub.uri).await else {
        return;
    };
    let settings = SafetySettings {
        lists: SafetyLists {
            blocked: vec!["crypto".to_owned()],
            ..SafetyLists::default()
        },
        fallback_message: "We only talk about coffee here.".to_owned(),
        blocked_action: safety::BlockedAction::FallbackMessage,
        ..SafetySettings::default()
    };
    safety::store::save(&app.db, &app.tenant.id, &settings, Actor::CLI)
        .await
        .expect("save safety settings");
    let (session, mut stream) = visitor(&app).await;
    let widget = async {
        stub.pieces.send(Piece::Text("Good question! ")).ok();
        let draft = next_draft(&mut stream).await;
        assert_eq!(draft.data["text"], "Good question!");
        stub.pieces
            .send(Piece::Text("You can pay with crypto. We also "))
            .ok();
        stub.pieces.send(Piece::Text("take cards.")).ok();
        stub.pieces.send(Piece::Finish).ok();
        // Straight to the stored reply: no draft with the blocked word in between.
        let mut seen = Vec::new();
        loop {
            let event = stream.next().await;
            if event.data["message"]["author"] == "assistant" {
                return (seen, event);
            }
            seen.push(event.data.to_string());
        }
    };
    let (answer, (seen, stored)) =
        tokio::join!(app.chat(&session, "How can I pay?", "m-1"), widget);
    assert!(
        seen.iter().all(|e| !e.to_lowercase().contains("crypto")),
        "{seen:?}"
    );
    assert_eq!(
        answer.body["message"]["body"],
        "We only talk about coffee here."
    );
    assert_eq!(
        stored.data["message"]["body"],
        "We only talk about coffee here."
    );
}
