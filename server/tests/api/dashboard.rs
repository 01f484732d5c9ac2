//! The dashboard API: sign-in, roles, sessions, tenant isolation, and what teammates do to
//! conversations.

use reqwest::Method;
use serde_json::json;
use shared::dashboard::Role;

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::on_both_backends;
use crate::teammates::PASSWORD;

on_both_backends!(
    signing_in_sets_an_http_only_cookie_and_me_answers_the_user,
    a_wrong_password_or_unknown_email_is_a_401_that_does_not_say_which,
    signing_out_ends_the_session,
    dashboard_endpoints_without_a_session_are_401,
    a_viewer_reads_but_cannot_reply_or_act,
    another_tenants_conversation_is_a_404_on_every_endpoint,
    a_cross_site_request_is_refused,
    taking_over_stops_the_assistant_and_the_agent_reply_reaches_the_widget_history,
    handing_back_lets_the_assistant_answer_again,
    resolve_then_reopen,
    an_agent_reply_retried_with_the_same_id_is_stored_once,
    opening_a_conversation_clears_its_unread_marker,
    the_conversation_view_has_the_timeline_and_the_clients_other_conversations,
);

async fn signing_in_sets_an_http_only_cookie_and_me_answers_the_user(app: TestApp) {
    let email = app.create_user(&app.tenant.id, Role::Agent).await;
    let answer = app.sign_in(&email, PASSWORD).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["role"], "agent");
    assert_eq!(answer.body["tenantId"], app.tenant.id.as_str());
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("lc_session=ls_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    let teammate = app.teammate(Role::Admin).await;
    let me = teammate.get("/api/dashboard/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], teammate.email.as_str());
    assert_eq!(me.body["role"], "admin");
    assert!(me.body.get("passwordHash").is_none());
}

async fn a_wrong_password_or_unknown_email_is_a_401_that_does_not_say_which(app: TestApp) {
    let email = app.create_user(&app.tenant.id, Role::Agent).await;
    let wrong = app.sign_in(&email, "not the password at all").await;
    let unknown = app.sign_in("nobody@example.com", PASSWORD).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.code(), "invalid_credentials");
    assert!(wrong.headers.get("set-cookie").is_none());
}

async fn signing_out_ends_the_session(app: TestApp) {
    let teammate = app.teammate(Role::Agent).await;
    let out = teammate
        .send(teammate.request(Method::POST, "/api/dashboard/logout"))
        .await;
    assert_eq!(out.status, 204);
    assert!(out.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    // The old cookie no longer works, even if a browser kept it.
    let me = teammate.get("/api/dashboard/me").await;
    assert_eq!(me.status, 401);
    assert_eq!(me.code(), "not_signed_in");
}

async fn dashboard_endpoints_without_a_session_are_401(app: TestApp) {
    for path in [
        "/api/dashboard/me",
        "/api/dashboard/conversations",
        "/api/dashboard/conversations/cv_x",
        "/api/dashboard/assistants",
        "/api/dashboard/export.csv",
        "/api/dashboard/ws",
    ] {
        let answer = app.send(app.http.get(app.url(path))).await;
        assert_eq!(answer.status, 401, "{path}");
        assert_eq!(answer.code(), "not_signed_in", "{path}");
    }
    let forged = app
        .send(
            app.http
                .get(app.url("/api/dashboard/me"))
                .header("Cookie", "lc_session=ls_forged"),
        )
        .await;
    assert_eq!(forged.status, 401);
}

async fn a_viewer_reads_but_cannot_reply_or_act(app: TestApp) {
    let (_, conversation) = app
        .visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    let viewer = app.teammate(Role::Viewer).await;
    assert_eq!(viewer.list("").await.status, 200);
    assert_eq!(viewer.conversation(&conversation).await.status, 200);
    let reply = viewer.reply(&conversation, "hello", "v-1").await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.code(), "read_only");
    for action in ["takeover", "handback", "resolve", "reopen", "typing"] {
        let answer = viewer.act(&conversation, action).await;
        assert_eq!(answer.status, 403, "{action}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author = 'agent'")
            .await,
        0
    );
}

async fn another_tenants_conversation_is_a_404_on_every_endpoint(app: TestApp) {
    let (_, conversation) = app
        .visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    let other = crate::helpers::create_tenant(&app.db, "https://other.example.com").await;
    let outsider = app.teammate_of(&other.id, Role::Admin).await;
    let detail = outsider.conversation(&conversation).await;
    assert_eq!(detail.status, 404);
    assert_eq!(detail.code(), "conversation_not_found");
    for action in ["takeover", "handback", "resolve", "reopen", "typing"] {
        assert_eq!(
            outsider.act(&conversation, action).await.status,
            404,
            "{action}"
        );
    }
    assert_eq!(outsider.reply(&conversation, "hi", "o-1").await.status, 404);
    let list = outsider.list("").await;
    assert_eq!(list.body["conversations"], json!([]));
    let status: String = sqlx::query_scalar("SELECT status FROM conversations WHERE id = $1")
        .bind(&conversation)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "open");
}

async fn a_cross_site_request_is_refused(app: TestApp) {
    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let forged = app
        .send(
            app.http
                .post(app.url(&format!(
                    "/api/dashboard/conversations/{conversation}/resolve"
                )))
                .header("Cookie", &agent.cookie)
                .header("Origin", "https://evil.example"),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(forged.code(), "origin_not_allowed");
}

async fn taking_over_stops_the_assistant_and_the_agent_reply_reaches_the_widget_history(
    app: TestApp,
) {
    let (session, conversation) = app
        .visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    let agent = app.teammate(Role::Agent).await;
    let taken = agent.act(&conversation, "takeover").await;
    assert_eq!(taken.status, 200, "{:?}", taken.body);
    assert_eq!(taken.body["aiPaused"], true);
    assert_eq!(taken.body["assigneeId"], agent.id.as_str());

    let before = app
        .count("SELECT COUNT(*) FROM messages WHERE author = 'assistant'")
        .await;
    let chat = app
        .chat(&session, "Do you ship to Norway?", "m-after")
        .await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    assert!(chat.body["message"].is_null(), "{:?}", chat.body);
    assert_eq!(
        chat.body["visitorMessage"]["body"],
        "Do you ship to Norway?"
    );
    let after = app
        .count("SELECT COUNT(*) FROM messages WHERE author = 'assistant'")
        .await;
    assert_eq!(before, after, "the assistant must not answer");

    let reply = agent
        .reply(&conversation, "Yes, we ship to Norway in 3 days.", "a-1")
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(reply.body["author"], "agent");
    let history = app.history(&session).await;
    let messages = history.body["messages"].as_array().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last["author"], "agent");
    assert_eq!(last["body"], "Yes, we ship to Norway in 3 days.");
    assert_eq!(last["authorName"], "Sam agent");
}

async fn handing_back_lets_the_assistant_answer_again(app: TestApp) {
    let (session, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    assert_eq!(agent.act(&conversation, "takeover").await.status, 200);
    let back = agent.act(&conversation, "handback").await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body["aiPaused"], false);
    assert!(back.body["assigneeId"].is_null());
    let chat = app
        .chat(&session, "What are your opening hours?", "m-2")
        .await;
    assert_eq!(chat.body["message"]["author"], "assistant");
}

async fn resolve_then_reopen(app: TestApp) {
    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let resolved = agent.act(&conversation, "resolve").await;
    assert_eq!(resolved.body["status"], "resolved");
    let reply = agent.reply(&conversation, "late reply", "a-late").await;
    assert_eq!(reply.status, 409);
    assert_eq!(reply.code(), "conversation_resolved");
    let reopened = agent.act(&conversation, "reopen").await;
    assert_eq!(reopened.status, 200);
    assert_eq!(reopened.body["status"], "open");
}

async fn an_agent_reply_retried_with_the_same_id_is_stored_once(app: TestApp) {
    let (_, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let first = agent.reply(&conversation, "On it!", "retry-1").await;
    let second = agent.reply(&conversation, "On it!", "retry-1").await;
    assert_eq!(first.status, 201);
    assert_eq!(second.status, 201);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author = 'agent'")
            .await,
        1
    );
}

async fn opening_a_conversation_clears_its_unread_marker(app: TestApp) {
    let (session, conversation) = app.visitor_conversation("Ada Visitor", "hello").await;
    let agent = app.teammate(Role::Agent).await;
    let list = agent.list("").await;
    assert_eq!(list.body["conversations"][0]["unread"], true);
    assert_eq!(agent.conversation(&conversation).await.status, 200);
    let list = agent.list("").await;
    assert_eq!(list.body["conversations"][0]["unread"], false);
    app.chat(&session, "one more thing", "m-3").await;
    let list = agent.list("").await;
    assert_eq!(list.body["conversations"][0]["unread"], true);
    // Per user: a teammate who never opened it still sees it unread.
    let other = app.teammate(Role::Agent).await;
    assert_eq!(
        other.list("").await.body["conversations"][0]["unread"],
        true
    );
}

async fn the_conversation_view_has_the_timeline_and_the_clients_other_conversations(app: TestApp) {
    let (session, first) = app
        .visitor_conversation("Ada Visitor", "What are your opening hours?")
        .await;
    let agent = app.teammate(Role::Agent).await;
    agent.act(&first, "resolve").await;
    let chat = app.chat(&session, "Back again", "m-new").await;
    let second = chat.body["conversationId"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let detail = agent.conversation(&second).await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    let messages = detail.body["messages"].as_array().unwrap();
    assert_eq!(messages[0]["author"], "visitor");
    assert_eq!(messages[0]["body"], "Back again");
    assert_eq!(messages[0]["channel"], "web");
    assert_eq!(detail.body["client"]["name"], "Ada Visitor");
    let others = detail.body["otherConversations"].as_array().unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["id"], first.as_str());
    assert_eq!(detail.body["conversation"]["messageCount"], 2);
}

/// Session expiry and the login rate limit need their own settings.
mod with_settings {
    use super::*;

    async fn expired_session(backend: Backend) {
        let Some(app) = spawn_app_with(backend, &[("LIVECHAT_SESSION_TTL_SECS", "1")]).await else {
            return;
        };
        let agent = app.teammate(Role::Agent).await;
        assert_eq!(agent.get("/api/dashboard/me").await.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let me = agent.get("/api/dashboard/me").await;
        assert_eq!(me.status, 401);
        assert_eq!(me.code(), "not_signed_in");
    }

    async fn login_rate_limit(backend: Backend) {
        let Some(app) = spawn_app_with(
            backend,
            &[
                ("LIVECHAT_LOGIN_BURST", "3"),
                ("LIVECHAT_LOGINS_PER_MINUTE", "1"),
            ],
        )
        .await
        else {
            return;
        };
        let email = app.create_user(&app.tenant.id, Role::Agent).await;
        for _ in 0..3 {
            assert_eq!(app.sign_in(&email, "wrong password!").await.status, 401);
        }
        let limited = app.sign_in(&email, PASSWORD).await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.code(), "too_many_attempts");
        assert!(limited.headers.contains_key("retry-after"));
        assert!(limited.headers.get("set-cookie").is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_past_its_expiry_is_refused_sqlite() {
        expired_session(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_session_past_its_expiry_is_refused_postgres() {
        expired_session(Backend::Postgres).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn repeated_failed_logins_are_rate_limited_sqlite() {
        login_rate_limit(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn repeated_failed_logins_are_rate_limited_postgres() {
        login_rate_limit(Backend::Postgres).await;
    }
}
