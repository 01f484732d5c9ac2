//! Odd requests get the right answer: NUL characters, a tenant without a default assistant,
//! malformed path parameters, a teammate's reply id reused in another conversation, a forged
//! `Host`, and the widget token in a URL where it does not belong.

use reqwest::Method;
use serde_json::json;
use server::assistants::{self, AssistantError};
use server::audit::Actor;
use server::{ai, tenants};
use shared::dashboard::Role;

use crate::helpers::{Answer, TestApp, TestTenant};
use crate::on_both_backends;

on_both_backends!(
    nul_in_a_message_is_a_422_naming_the_field_and_nothing_is_stored,
    nul_in_a_name_or_an_email_is_a_422_naming_the_field_and_nothing_is_stored,
    nul_in_any_other_json_field_is_a_422_naming_it,
    nul_in_search_or_a_filter_is_a_422_naming_the_field,
    a_tenant_without_a_default_assistant_answers_chat_with_a_503_and_stores_nothing,
    the_default_assistant_cannot_be_deleted_or_unset_only_handed_over,
    a_malformed_path_parameter_is_a_json_400,
    a_reply_id_reused_in_another_conversation_is_another_reply,
    a_request_whose_host_and_origin_name_another_site_is_refused,
    the_widget_token_in_the_query_is_accepted_only_on_the_event_stream,
);

fn assert_refused(answer: &Answer, field: &str) {
    assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
    assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
}

async fn nul_in_a_message_is_a_422_naming_the_field_and_nothing_is_stored(app: TestApp) {
    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let before = app.count("SELECT COUNT(*) FROM messages").await;
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    assert_refused(&app.chat(&session, "hel\u{0}lo", "m-nul").await, "message");
    // Other control characters are refused by the shared parser, the widget's too.
    let escape = app.chat(&session, "red \u{1b}[31m", "m-esc").await;
    assert_refused(&escape, "message");
    assert_eq!(escape.code(), "invalid_message");
    let agent = app.teammate(Role::Agent).await;
    assert_refused(
        &agent.reply(&conversation, "on \u{0}it", "r-nul").await,
        "body",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, before);
}

async fn nul_in_a_name_or_an_email_is_a_422_naming_the_field_and_nothing_is_stored(app: TestApp) {
    let session = app.create_session().await;
    let name = app
        .set_contact(&session, "Ja\u{0}ne", "jane@example.com")
        .await;
    assert_refused(&name, "name");
    let email = app
        .set_contact(&session, "Jane", "ja\u{0}ne@example.com")
        .await;
    assert_refused(&email, "email");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
    // The parsers refuse control characters the JSON guard lets through.
    let bell = app
        .set_contact(&session, "Ja\u{7}ne", "jane@example.com")
        .await;
    assert_refused(&bell, "name");
    assert_eq!(bell.code(), "invalid_name");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

async fn nul_in_any_other_json_field_is_a_422_naming_it(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let request = app.widget(Method::POST, "/chat").json(&json!({
        "sessionId": format!("{session}\u{0}"),
        "message": "hello",
        "clientMessageId": "m-1",
    }));
    let answer = app.send(request).await;
    assert_refused(&answer, "sessionId");
    assert_eq!(answer.code(), "invalid_character");
    // An escaped backslash before `u0000` is text, not NUL.
    let answer = app.chat(&session, "a path like C:\\u0000", "m-2").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author = 'visitor'")
            .await,
        1
    );
}

async fn nul_in_search_or_a_filter_is_a_422_naming_the_field(app: TestApp) {
    app.visitor_conversation("Ada Visitor", "refund please")
        .await;
    let agent = app.teammate(Role::Viewer).await;
    for (query, field) in [
        ("q=ref%00und", "q"),
        ("assistant=as%00x", "assistant"),
        ("intent=%00", "intent"),
    ] {
        assert_refused(&agent.list(query).await, field);
        let export = agent
            .get(&format!("/api/dashboard/export.csv?{query}"))
            .await;
        assert_refused(&export, field);
    }
    let cursor = hex_of("1700000000000:cv_\u{0}");
    let answer = agent.list(&format!("cursor={cursor}")).await;
    assert_refused(&answer, "cursor");
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A tenant with a widget token but no assistant at all, as between creating a tenant and its
/// first assistant.
async fn tenant_without_assistant(app: &TestApp) -> TestTenant {
    let tenant = tenants::create_tenant(
        &app.db,
        &tenants::NewTenant {
            id: None,
            name: "Bare shop".into(),
            company_name: "Bare Shop".into(),
            primary_color: "#123456".into(),
            allowed_origins: vec![app.tenant.origin.clone()],
        },
    )
    .await
    .expect("create tenant");
    let token = tenants::issue_widget_token(&app.db, &tenant.id, "test", None)
        .await
        .expect("issue token");
    TestTenant {
        id: tenant.id,
        token: token.token,
        origin: app.tenant.origin.clone(),
    }
}

async fn a_tenant_without_a_default_assistant_answers_chat_with_a_503_and_stores_nothing(
    app: TestApp,
) {
    let bare = tenant_without_assistant(&app).await;
    let config = app.send(app.widget_as(&bare, Method::GET, "/config")).await;
    assert_eq!(config.status, 200, "{:?}", config.body);
    let created = app
        .send(app.widget_as(&bare, Method::POST, "/sessions"))
        .await;
    let session = created.body["sessionId"]
        .as_str()
        .expect("session")
        .to_owned();
    let contact = app
        .widget_as(&bare, Method::PUT, &format!("/sessions/{session}/contact"))
        .json(&json!({ "name": "Jane", "email": "jane@example.com" }));
    assert_eq!(app.send(contact).await.status, 200);
    let chat = app.widget_as(&bare, Method::POST, "/chat").json(&json!({
        "sessionId": session,
        "message": "hello?",
        "clientMessageId": "m-1",
    }));
    let answer = app.send(chat).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.code(), "assistant_unavailable");
    let message = answer.body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("try again later"), "{message}");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 0);
}

async fn default_of(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM assistants WHERE tenant_id = $1 AND is_default = 1")
        .bind(&app.tenant.id)
        .fetch_all(&app.db.pool)
        .await
        .expect("defaults")
}

async fn the_default_assistant_cannot_be_deleted_or_unset_only_handed_over(app: TestApp) {
    let first = default_of(&app).await.remove(0);
    let second = assistants::create(&app.db, &app.tenant.id, &ai::demo_assistant(), false)
        .await
        .expect("second assistant");

    let deleted = assistants::delete(&app.db, &app.tenant.id, &first, Actor::CLI).await;
    assert!(
        matches!(deleted, Err(AssistantError::DefaultRequired)),
        "{deleted:?}"
    );
    // The store refuses it too, whoever asks.
    for sql in [
        "DELETE FROM assistants WHERE id = $1",
        "UPDATE assistants SET is_default = 0 WHERE id = $1",
    ] {
        let raw = sqlx::query(sql).bind(&first).execute(&app.db.pool).await;
        assert!(raw.is_err(), "{sql} was allowed");
    }
    assert_eq!(default_of(&app).await, vec![first.clone()]);

    assistants::set_default(&app.db, &app.tenant.id, &second, Actor::CLI)
        .await
        .expect("hand over");
    assert_eq!(default_of(&app).await, vec![second.clone()]);
    assistants::delete(&app.db, &app.tenant.id, &first, Actor::CLI)
        .await
        .expect("the former default goes");
    let missing = assistants::set_default(&app.db, &app.tenant.id, &first, Actor::CLI).await;
    assert!(
        matches!(missing, Err(AssistantError::NotFound)),
        "{missing:?}"
    );

    // A tenant going away takes its default with it.
    let other = tenant_without_assistant(&app).await;
    assistants::create(&app.db, &other.id, &ai::demo_assistant(), true)
        .await
        .expect("other default");
    sqlx::query("DELETE FROM tenants WHERE id = $1")
        .bind(&other.id)
        .execute(&app.db.pool)
        .await
        .expect("the tenant and its default go");
}

async fn a_malformed_path_parameter_is_a_json_400(app: TestApp) {
    let agent = app.teammate(Role::Agent).await;
    for path in [
        "/api/dashboard/conversations/%FF",
        "/api/dashboard/conversations/cv%C3",
    ] {
        let answer = agent.get(path).await;
        assert_eq!(answer.status, 400, "{path}");
        assert_eq!(answer.code(), "invalid_path", "{path}");
    }
    let posted = agent
        .post("/api/dashboard/conversations/%FF/resolve", json!({}))
        .await;
    assert_eq!(posted.code(), "invalid_path");
    for path in ["/sessions/%FF", "/sessions/se%00x", "/sessions/%FF/contact"] {
        let answer = app.send(app.widget(Method::GET, path)).await;
        assert_eq!(answer.status, 400, "{path}");
        assert_eq!(answer.code(), "invalid_path", "{path}");
    }
}

async fn a_reply_id_reused_in_another_conversation_is_another_reply(app: TestApp) {
    let (_, first) = app.visitor_conversation("Ada Visitor", "hello").await;
    let (_, second) = app.visitor_conversation("Bo Visitor", "hi there").await;
    let agent = app.teammate(Role::Agent).await;
    let to_first = agent.reply(&first, "Hello Ada", "reply-1").await;
    let to_second = agent.reply(&second, "Hello Bo", "reply-1").await;
    let retried = agent.reply(&second, "Hello Bo", "reply-1").await;
    for answer in [&to_first, &to_second, &retried] {
        assert_eq!(answer.status, 201, "{:?}", answer.body);
    }
    assert_ne!(to_first.body["id"], to_second.body["id"]);
    assert_eq!(to_second.body["id"], retried.body["id"]);
    assert_eq!(to_second.body["conversationId"], second.as_str());
    assert_eq!(to_second.body["body"], "Hello Bo");
    for (conversation, body) in [(&first, "Hello Ada"), (&second, "Hello Bo")] {
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT body FROM messages WHERE conversation_id = $1 AND author = 'agent'",
        )
        .bind(conversation)
        .fetch_all(&app.db.pool)
        .await
        .expect("replies");
        assert_eq!(stored, [body]);
    }
}

async fn a_request_whose_host_and_origin_name_another_site_is_refused(app: TestApp) {
    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let forged = app
        .send(
            app.http
                .post(app.url(&format!(
                    "/api/dashboard/conversations/{conversation}/resolve"
                )))
                .header("Cookie", &agent.cookie)
                .header("Host", "evil.example")
                .header("Origin", "http://evil.example"),
        )
        .await;
    assert_eq!(forged.status, 403, "{:?}", forged.body);
    assert_eq!(forged.code(), "origin_not_allowed");
    let login = app
        .http
        .post(app.url("/api/dashboard/login"))
        .header("Host", "evil.example")
        .header("Origin", "http://evil.example")
        .json(&json!({ "email": agent.email, "password": crate::teammates::PASSWORD }));
    let login = app.send(login).await;
    assert_eq!(login.status, 403, "{:?}", login.body);
    // The server's own origin still works.
    assert_eq!(agent.act(&conversation, "resolve").await.status, 200);
}

async fn the_widget_token_in_the_query_is_accepted_only_on_the_event_stream(app: TestApp) {
    let session = app.create_session().await;
    let token = &app.tenant.token;
    let base = format!("/api/widgets/{}", app.tenant.id);
    for path in [
        format!("{base}/config?token={token}"),
        format!("{base}/sessions/{session}?token={token}"),
    ] {
        let request = app
            .http
            .get(app.url(&path))
            .header("Origin", &app.tenant.origin);
        let answer = app.send(request).await;
        assert_eq!(answer.status, 401, "{path}: {:?}", answer.body);
        assert_eq!(answer.code(), "invalid_token");
    }
    let stream = app
        .http
        .get(app.url(&format!("{base}/sessions/{session}/events?token={token}")))
        .header("Origin", &app.tenant.origin)
        .send()
        .await
        .expect("event stream");
    assert_eq!(stream.status(), 200);
    assert!(stream
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream")));
}
