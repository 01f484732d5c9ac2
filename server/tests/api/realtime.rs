//! Live updates: the dashboard socket (fan-out, exact resume, tenant isolation, origin check),
//! the widget's event stream, and events shared by two server instances on one PostgreSQL.

use futures::StreamExt;
use serde_json::Value;
use shared::dashboard::Role;

use crate::helpers::{spawn_app, Backend, TestApp};
use crate::on_both_backends;
use crate::teammates::{next_event, next_frame, Socket};

on_both_backends!(
    two_sockets_of_a_tenant_receive_the_same_events_in_order,
    a_socket_that_misses_three_events_resumes_with_exactly_those_three,
    another_tenants_socket_never_sees_these_events,
    a_socket_handshake_from_another_origin_is_refused,
    an_agent_reply_reaches_the_visitors_open_event_stream,
    the_widget_stream_resumes_from_last_event_id,
    a_widget_catching_up_gets_its_sessions_messages_across_conversations_and_no_others,
    a_visitor_typing_reaches_the_dashboard,
    a_subscriber_that_falls_behind_is_told_so_and_the_store_replays_everything_in_order,
    message_and_conversation_events_are_stored_by_reference_and_read_whole,
);

/// The first frame of a fresh socket is `caught_up`; answers its seq.
async fn caught_up(socket: &mut Socket) -> i64 {
    let frame = next_frame(socket).await;
    assert_eq!(frame["type"], "caught_up", "{frame}");
    frame["seq"].as_i64().expect("seq")
}

async fn two_sockets_of_a_tenant_receive_the_same_events_in_order(app: TestApp) {
    let ana = app.teammate(Role::Agent).await;
    let ben = app.teammate(Role::Viewer).await;
    let mut first = ana.socket(None).await;
    let mut second = ben.socket(None).await;
    caught_up(&mut first).await;
    caught_up(&mut second).await;
    app.visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    // Created, the visitor's message, the assistant's reply (the contact was linked before the
    // conversation existed, so it adds no event).
    let mut seen = Vec::new();
    for _ in 0..3 {
        let a = next_event(&mut first).await;
        let b = next_event(&mut second).await;
        assert_eq!(a, b);
        seen.push(a);
    }
    assert_eq!(seen[0]["event"]["type"], "conversation_created");
    assert_eq!(seen[1]["event"]["type"], "message_created");
    assert_eq!(seen[1]["event"]["message"]["author"], "visitor");
    assert_eq!(
        seen[1]["event"]["message"]["body"],
        "What are your opening hours?"
    );
    assert_eq!(seen[2]["event"]["message"]["author"], "assistant");
    assert_eq!(seen[2]["event"]["conversation"]["messageCount"], 2);
    let seqs: Vec<i64> = seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs[1], seqs[0] + 1);
    assert_eq!(seqs[2], seqs[1] + 1);
}

async fn a_socket_that_misses_three_events_resumes_with_exactly_those_three(app: TestApp) {
    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let mut socket = agent.socket(None).await;
    let last_seen = caught_up(&mut socket).await;
    drop(socket);
    for action in ["takeover", "handback", "resolve"] {
        assert_eq!(agent.act(&conversation, action).await.status, 200);
    }
    let mut resumed = agent.socket(Some(last_seen)).await;
    let mut replayed = Vec::new();
    loop {
        let frame = next_frame(&mut resumed).await;
        if frame["type"] == "caught_up" {
            assert_eq!(frame["seq"], last_seen + 3);
            break;
        }
        replayed.push(frame["envelope"].clone());
    }
    let seqs: Vec<i64> = replayed
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![last_seen + 1, last_seen + 2, last_seen + 3]);
    let states: Vec<(Value, Value)> = replayed
        .iter()
        .map(|e| {
            let c = &e["event"]["conversation"];
            (c["aiPaused"].clone(), c["status"].clone())
        })
        .collect();
    assert_eq!(
        states,
        vec![
            (Value::Bool(true), "open".into()),
            (Value::Bool(false), "open".into()),
            (Value::Bool(false), "resolved".into()),
        ]
    );
    // And then live ones, continuing the sequence.
    assert_eq!(agent.act(&conversation, "reopen").await.status, 200);
    let live = next_event(&mut resumed).await;
    assert_eq!(live["seq"], last_seen + 4);
}

async fn another_tenants_socket_never_sees_these_events(app: TestApp) {
    let other = crate::helpers::create_tenant(&app.db, "https://other.example.com").await;
    let outsider = app.teammate_of(&other.id, Role::Admin).await;
    let mut socket = outsider.socket(None).await;
    // Its own set-up so far (its token's issue).
    let before = caught_up(&mut socket).await;
    assert!(before <= 2, "{before}");
    app.visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    // Then something in the outsider's own tenant: it must be the first event they get.
    let session = app
        .send(app.widget_as(&other, reqwest::Method::POST, "/sessions"))
        .await
        .body["sessionId"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = app
        .widget_as(
            &other,
            reqwest::Method::PUT,
            &format!("/sessions/{session}/contact"),
        )
        .json(&serde_json::json!({"name": "Olga Other", "email": "olga@example.net"}));
    assert_eq!(app.send(contact).await.status, 200);
    let chat = app.widget_as(&other, reqwest::Method::POST, "/chat").json(
        &serde_json::json!({"sessionId": session, "message": "hi", "clientMessageId": "o-1"}),
    );
    let chat = app.send(chat).await;
    let theirs = chat.body["conversationId"].as_str().unwrap();
    let first = next_event(&mut socket).await;
    assert_eq!(first["event"]["conversation"]["id"], theirs);
    assert_eq!(first["seq"], before + 1, "tenants have their own sequences");
}

async fn a_socket_handshake_from_another_origin_is_refused(app: TestApp) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let agent = app.teammate(Role::Agent).await;
    let url = format!("{}/api/dashboard/ws", app.address.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Cookie", agent.cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("Origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
        }
        other => panic!("expected a 403 handshake, got {:?}", other.map(|_| ())),
    }
}

/// A reader of a widget event stream.
pub struct EventStream {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

/// One server-sent event.
#[derive(Debug)]
pub struct Sse {
    pub id: Option<String>,
    pub data: Value,
}

impl EventStream {
    pub async fn open(
        app: &TestApp,
        session: &str,
        query: &str,
        last_event_id: Option<&str>,
    ) -> Self {
        let url = app.url(&format!(
            "/api/widgets/{}/sessions/{session}/events?token={}{query}",
            app.tenant.id, app.tenant.token
        ));
        let mut request = app.http.get(url).header("Origin", &app.tenant.origin);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event with data (keep-alive comments skipped).
    pub async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    return Sse {
                        id,
                        data: serde_json::from_str(&data).expect("JSON data"),
                    };
                }
                continue;
            }
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), self.body.next())
                .await
                .expect("an event within 10 s")
                .expect("stream open")
                .expect("chunk");
            self.buffer
                .push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
        }
    }

    /// The next `message` event.
    pub async fn next_message(&mut self) -> Sse {
        loop {
            let event = self.next().await;
            if event.data["type"] == "message" {
                return event;
            }
        }
    }
}

async fn an_agent_reply_reaches_the_visitors_open_event_stream(app: TestApp) {
    let (session, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let (other_session, other_conversation) = app.visitor_conversation("Bo Visitor", "hello").await;
    let history = app.history(&session).await;
    let after = history.body["lastEventSeq"].as_i64().unwrap();
    let mut stream = EventStream::open(&app, &session, &format!("&after={after}"), None).await;
    let mut other = EventStream::open(&app, &other_session, "", None).await;
    let agent = app.teammate(Role::Agent).await;
    assert_eq!(
        agent
            .reply(&conversation, "<img src=x onerror=alert(1)> hi!", "a-1")
            .await
            .status,
        201
    );
    let event = stream.next_message().await;
    assert_eq!(event.data["conversationId"], conversation.as_str());
    assert_eq!(event.data["message"]["author"], "agent");
    assert_eq!(event.data["message"]["authorName"], "Sam agent");
    assert_eq!(
        event.data["message"]["body"],
        "<img src=x onerror=alert(1)> hi!"
    );
    assert!(event.id.is_some());
    // The other visitor's stream gets only its own conversation's news.
    agent.reply(&other_conversation, "for Bo", "a-2").await;
    let theirs = other.next_message().await;
    assert_eq!(theirs.data["message"]["body"], "for Bo");
    // Nothing internal reaches a visitor.
    let text = theirs.data.to_string();
    assert!(!text.contains("flag"), "{text}");
    assert!(!text.contains("email"), "{text}");
}

async fn the_widget_stream_resumes_from_last_event_id(app: TestApp) {
    let (session, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let after = app.history(&session).await.body["lastEventSeq"]
        .as_i64()
        .unwrap();
    let mut stream = EventStream::open(&app, &session, &format!("&after={after}"), None).await;
    agent.reply(&conversation, "first", "a-1").await;
    let first = stream.next_message().await;
    drop(stream);
    agent.reply(&conversation, "second", "a-2").await;
    agent.reply(&conversation, "third", "a-3").await;
    let mut resumed = EventStream::open(&app, &session, "", first.id.as_deref()).await;
    assert_eq!(
        resumed.next_message().await.data["message"]["body"],
        "second"
    );
    assert_eq!(
        resumed.next_message().await.data["message"]["body"],
        "third"
    );
}

async fn a_widget_catching_up_gets_its_sessions_messages_across_conversations_and_no_others(
    app: TestApp,
) {
    let (session, first) = app.visitor_conversation("Ada Visitor", "hello").await;
    let (_, others) = app.visitor_conversation("Bo Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let after = app.history(&session).await.body["lastEventSeq"]
        .as_i64()
        .unwrap();
    // While the widget is away: an agent answers and resolves, the visitor comes back with a
    // new conversation, and another visitor's conversation goes on.
    assert_eq!(agent.reply(&first, "first", "a-1").await.status, 201);
    assert_eq!(agent.act(&first, "resolve").await.status, 200);
    let again = app.chat(&session, "hello again", "m-again").await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let second = again.body["conversationId"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(agent.reply(&others, "for Bo", "a-2").await.status, 201);
    assert_eq!(agent.reply(&second, "second", "a-3").await.status, 201);
    let last = server::events::last_seq(&app.db, &app.tenant.id)
        .await
        .unwrap();

    // Catching up (as after a reconnect) replays exactly the session's events, in order.
    let mut stream = EventStream::open(&app, &session, &format!("&after={after}"), None).await;
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    let mut ids = Vec::new();
    while messages.len() < 4 {
        let event = stream.next().await;
        ids.push(event.id.as_deref().unwrap().parse::<i64>().unwrap());
        match event.data["type"].as_str().unwrap() {
            "message" => messages.push((
                event.data["conversationId"].as_str().unwrap().to_owned(),
                event.data["message"]["body"].as_str().unwrap().to_owned(),
            )),
            "status" => statuses.push(event.data["status"].as_str().unwrap().to_owned()),
            other => panic!("unexpected {other}"),
        }
    }
    let reply = again.body["message"]["body"].as_str().unwrap().to_owned();
    assert_eq!(
        messages,
        [
            (first.clone(), "first".to_owned()),
            (second.clone(), "hello again".to_owned()),
            (second.clone(), reply),
            (second, "second".to_owned()),
        ]
    );
    assert!(statuses.contains(&"resolved".to_owned()), "{statuses:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(ids.iter().all(|&id| id > after && id <= last), "{ids:?}");
}

async fn a_visitor_typing_reaches_the_dashboard(app: TestApp) {
    let (session, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let mut socket = agent.socket(None).await;
    caught_up(&mut socket).await;
    let typing = app
        .send(app.widget(
            reqwest::Method::POST,
            &format!("/sessions/{session}/typing"),
        ))
        .await;
    assert_eq!(typing.status, 204);
    let frame = next_frame(&mut socket).await;
    assert_eq!(frame["type"], "typing", "{frame}");
    assert_eq!(frame["typing"]["conversationId"], conversation.as_str());
    assert_eq!(frame["typing"]["author"], "visitor");
    assert_eq!(frame["typing"]["name"], "Ada Visitor");
}

async fn a_subscriber_that_falls_behind_is_told_so_and_the_store_replays_everything_in_order(
    app: TestApp,
) {
    use server::{events, inbox};
    use shared::dashboard::DashboardEvent;
    use tokio::sync::broadcast::error::RecvError;

    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let start = events::last_seq(&app.db, &app.tenant.id).await.unwrap();
    // A subscriber that never reads: the hub must not wait for it.
    let mut stalled = app.hub.subscribe(&app.tenant.id).await.unwrap();
    const N: i64 = 1_200; // more than the hub's buffer (1,024) and than two store pages (500)
    for _ in 0..N {
        let mut tx = app.db.begin_write().await.unwrap();
        let conversation = inbox::event_summary(&mut tx, &app.tenant.id, &conversation)
            .await
            .unwrap();
        let event = DashboardEvent::ConversationUpdated { conversation };
        tx.record_event(&app.tenant.id, None, &event).await.unwrap();
        tx.commit().await.unwrap();
    }
    // Meanwhile a live socket got every one of them, in order.
    let agent = app.teammate(Role::Agent).await;
    let mut socket = agent.socket(Some(start)).await;
    for expected in start + 1..=start + N {
        assert_eq!(next_event(&mut socket).await["seq"], expected);
    }
    // The stalled subscriber is told it lagged (then it catches up from the store, as the
    // socket's replay above did across pages).
    let lagged = loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), stalled.rx.recv())
            .await
            .expect("the hub delivers or reports the lag")
        {
            Err(RecvError::Lagged(n)) => break n,
            Ok(_) => continue,
            Err(RecvError::Closed) => panic!("the feed closed"),
        }
    };
    assert!(lagged > 0);
}

/// Two server instances on one PostgreSQL: what happens on A reaches sockets on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgresql_share_events() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let instance_b = app.another_instance().await;
    let agent = app.teammate(Role::Agent).await;
    let mut on_b = agent.on(&instance_b).socket(None).await;
    caught_up(&mut on_b).await;
    // The visitor talks to instance A.
    let (_, conversation) = app
        .visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    let created = next_event(&mut on_b).await;
    assert_eq!(created["event"]["type"], "conversation_created");
    assert_eq!(
        created["event"]["conversation"]["id"],
        conversation.as_str()
    );
    let message = next_event(&mut on_b).await;
    assert_eq!(
        message["event"]["message"]["body"],
        "What are your opening hours?"
    );
    // A teammate acting on A shows on B too; and typing crosses instances.
    agent.act(&conversation, "takeover").await;
    let mut saw_update = false;
    for _ in 0..3 {
        let event = next_event(&mut on_b).await;
        if event["event"]["type"] == "conversation_updated" {
            assert_eq!(event["event"]["conversation"]["aiPaused"], true);
            saw_update = true;
            break;
        }
    }
    assert!(saw_update);
    let typing = agent
        .send(agent.request(
            reqwest::Method::POST,
            &format!("/api/dashboard/conversations/{conversation}/typing"),
        ))
        .await;
    assert_eq!(typing.status, 204);
    let frame = next_frame(&mut on_b).await;
    assert_eq!(frame["type"], "typing", "{frame}");
}

/// Events are kept for a while (`LIVECHAT_EVENT_RETENTION_HOURS`); a dashboard that was away
/// longer is told to reload instead of being given a partial replay.
mod retention {
    use super::*;
    use server::events;

    async fn pruned(backend: Backend) {
        let Some(app) = spawn_app(backend).await else {
            return;
        };
        let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
        let agent = app.teammate(Role::Agent).await;
        let mut socket = agent.socket(Some(0)).await;
        let first = next_event(&mut socket).await;
        assert_eq!(first["seq"], 1);
        drop(socket);
        // Everything recorded so far is older than the cut: pruned.
        let cut = server::db::now_ms() + 1;
        assert!(events::prune(&app.db, cut).await.unwrap() >= 3);
        let pruned_through = events::last_seq(&app.db, &app.tenant.id).await.unwrap();
        assert_eq!(
            events::oldest_seq(&app.db, &app.tenant.id).await.unwrap(),
            None
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        agent.act(&conversation, "takeover").await;
        let last = events::last_seq(&app.db, &app.tenant.id).await.unwrap();
        // The same cut again: what was recorded since stays.
        assert_eq!(events::prune(&app.db, cut).await.unwrap(), 0);
        assert_eq!(
            events::oldest_seq(&app.db, &app.tenant.id).await.unwrap(),
            Some(pruned_through + 1)
        );
        let mut resumed = agent.socket(Some(1)).await;
        let frame = next_frame(&mut resumed).await;
        assert_eq!(frame["type"], "reset", "{frame}");
        assert_eq!(frame["seq"], last);
        let frame = next_frame(&mut resumed).await;
        assert_eq!(frame["type"], "caught_up", "{frame}");
        // A client that saw the last kept event resumes normally.
        let mut current = agent.socket(Some(last - 1)).await;
        let replayed = next_event(&mut current).await;
        assert_eq!(replayed["seq"], last);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_socket_resuming_past_pruned_events_is_told_to_reload_sqlite() {
        pruned(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_socket_resuming_past_pruned_events_is_told_to_reload_postgres() {
        pruned(Backend::Postgres).await;
    }
}

async fn message_and_conversation_events_are_stored_by_reference_and_read_whole(app: TestApp) {
    use server::{events, inbox};
    use shared::dashboard::DashboardEvent;

    let agent = app.teammate(Role::Agent).await;
    let mut socket = agent.socket(None).await;
    caught_up(&mut socket).await;
    let (session, conversation) = app
        .visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    // The log names the two messages; it does not copy them.
    let by_reference = "SELECT COUNT(*) FROM events
         WHERE kind = 'message_created' AND message_seq IS NOT NULL AND payload = ''";
    assert_eq!(app.count(by_reference).await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE kind = 'message_created'")
            .await,
        2
    );
    // So does the conversation's creation.
    let created_by_reference = "SELECT COUNT(*) FROM events
         WHERE kind = 'conversation_created' AND message_seq IS NULL AND payload = ''";
    assert_eq!(app.count(created_by_reference).await, 1);
    // Read back whole: the conversation, the message, and its conversation as it stands when
    // read.
    let created = next_event(&mut socket).await;
    assert_eq!(created["event"]["type"], "conversation_created");
    assert_eq!(
        created["event"]["conversation"]["id"],
        conversation.as_str()
    );
    assert_eq!(
        created["event"]["conversation"]["client"]["name"],
        "Ada Visitor"
    );
    assert_eq!(created["event"]["conversation"]["channel"], "web");
    let visitor = next_event(&mut socket).await;
    assert_eq!(visitor["event"]["type"], "message_created");
    assert_eq!(visitor["event"]["conversationId"], conversation.as_str());
    assert_eq!(visitor["event"]["message"]["author"], "visitor");
    assert_eq!(
        visitor["event"]["message"]["body"],
        "What are your opening hours?"
    );
    assert_eq!(
        visitor["event"]["conversation"]["id"],
        conversation.as_str()
    );
    assert_eq!(
        visitor["event"]["conversation"]["client"]["name"],
        "Ada Visitor"
    );
    let reply = next_event(&mut socket).await;
    assert_eq!(reply["event"]["message"]["author"], "assistant");
    // Why the assistant answered so comes from the message's stored decision.
    let why = reply["event"]["message"]["why"].as_array().expect("why");
    assert!(!why.is_empty(), "{reply}");
    assert_eq!(reply["event"]["conversation"]["messageCount"], 2);
    // The visitor gives other details: the conversation's update is a reference too, read with
    // them.
    let answer = app
        .set_contact(&session, "Ada Lovelace", "ada.lovelace@example.org")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let updated_by_reference = "SELECT COUNT(*) FROM events
         WHERE kind = 'conversation_updated' AND message_seq IS NULL AND payload = ''";
    assert_eq!(app.count(updated_by_reference).await, 1);
    let updated = next_event(&mut socket).await;
    assert_eq!(updated["event"]["type"], "conversation_updated");
    assert_eq!(
        updated["event"]["conversation"]["id"],
        conversation.as_str()
    );
    assert_eq!(
        updated["event"]["conversation"]["client"]["name"],
        "Ada Lovelace"
    );
    // An entry written before messages were referenced (its JSON payload) still reads as it was.
    let mut tx = app.db.begin_write().await.unwrap();
    let mut summary = inbox::event_summary(&mut tx, &app.tenant.id, &conversation)
        .await
        .unwrap();
    summary.message_count = 41;
    let mut message = serde_json::from_value::<shared::dashboard::TimelineMessage>(
        reply["event"]["message"].clone(),
    )
    .unwrap();
    message.body = "An answer from an older version".to_owned();
    let legacy = DashboardEvent::MessageCreated {
        conversation_id: conversation.clone(),
        message,
        conversation: summary,
    };
    let seq = tx
        .record_event(&app.tenant.id, None, &legacy)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let read = next_event(&mut socket).await;
    assert_eq!(read["seq"], seq);
    assert_eq!(
        read["event"]["message"]["body"],
        "An answer from an older version"
    );
    assert_eq!(read["event"]["conversation"]["messageCount"], 41);
    let stored = events::after(&app.db, &app.tenant.id, seq - 1, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
}
