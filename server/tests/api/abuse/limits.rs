//! Limits on new sessions, messages and sign-ins, per client address and per tenant.

use reqwest::{Method, RequestBuilder};
use serde_json::json;
use shared::dashboard::Role;

use super::{on_both, seconds};
use crate::helpers::{spawn_app_with, Answer, Backend, TestApp};
use crate::teammates::PASSWORD;

on_both!(
    new_sessions_are_limited_per_address_with_retry_after,
    new_sessions_are_limited_per_tenant_whatever_the_address,
    messages_are_limited_per_address_across_sessions,
    messages_are_limited_per_tenant_whatever_the_address,
    x_forwarded_for_is_ignored_without_trusted_proxies,
    behind_a_trusted_proxy_the_right_most_untrusted_forwarded_address_is_the_client,
    sign_ins_from_two_forwarded_addresses_do_not_share_a_limit,
);

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

async fn messages_are_limited_per_tenant_whatever_the_address(backend: Backend) {
    let settings = [
        ("LIVECHAT_TRUSTED_PROXIES", "127.0.0.1"),
        ("LIVECHAT_TENANT_MESSAGE_BURST", "3"),
        ("LIVECHAT_TENANT_MESSAGES_PER_MINUTE", "1"),
    ];
    let Some(app) = spawn_app_with(backend, &settings).await else {
        return;
    };
    let chat_from = |session: String, forwarded_for: String| {
        let request = app.widget(Method::POST, "/chat").json(&json!({
            "sessionId": session, "message": "hello", "clientMessageId": "m-1",
        }));
        app.send(from(request, &forwarded_for))
    };
    for i in 0..3 {
        let session = app
            .session_with_contact("Ann", &format!("ann{i}@example.com"))
            .await;
        let sent = chat_from(session, format!("203.0.113.{i}")).await;
        assert_eq!(sent.status, 200, "{:?}", sent.body);
    }
    let session = app.session_with_contact("Bob", "bob@example.com").await;
    let limited = chat_from(session, "198.51.100.9".to_owned()).await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert_eq!(limited.code(), "rate_limited");
    assert!(seconds(&limited) >= 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 6);
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
