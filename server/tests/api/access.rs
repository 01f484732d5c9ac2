use reqwest::Method;

use crate::helpers::{create_tenant, TestApp};
use crate::on_both_backends;

on_both_backends!(
    requests_without_a_valid_token_are_refused,
    a_revoked_or_expired_token_is_refused,
    another_tenants_token_is_refused,
    tenant_a_cannot_read_or_write_tenant_b_sessions,
    an_origin_not_on_the_list_is_refused,
    cors_answers_only_allowed_origins,
    an_unknown_tenant_is_not_found,
);

async fn requests_without_a_valid_token_are_refused(app: TestApp) {
    let url = app.url(&format!("/api/widgets/{}/sessions", app.tenant.id));
    let none = app.send(app.http.post(&url)).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.code(), "invalid_token");
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let wrong = app
        .send(app.http.post(&url).bearer_auth("wt_not_a_real_token"))
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(app.count("SELECT COUNT(*) FROM visitor_sessions").await, 0);
}

async fn a_revoked_or_expired_token_is_refused(app: TestApp) {
    let issued = server::tenants::issue_widget_token(&app.db, &app.tenant.id, "t", None)
        .await
        .expect("token");
    let url = app.url(&format!("/api/widgets/{}/config", app.tenant.id));
    let ok = app
        .send(app.http.get(&url).bearer_auth(&issued.token))
        .await;
    assert_eq!(ok.status, 200);
    assert!(
        server::tenants::revoke_widget_token(&app.db, &app.tenant.id, &issued.id)
            .await
            .expect("revoke")
    );
    let revoked = app
        .send(app.http.get(&url).bearer_auth(&issued.token))
        .await;
    assert_eq!(revoked.status, 401);

    let past = server::db::now_ms() - 1000;
    let expired = server::tenants::issue_widget_token(&app.db, &app.tenant.id, "t", Some(past))
        .await
        .expect("token");
    let answer = app
        .send(app.http.get(&url).bearer_auth(&expired.token))
        .await;
    assert_eq!(answer.status, 401);
}

async fn another_tenants_token_is_refused(app: TestApp) {
    let other = create_tenant(&app.db, "https://other.example.org").await;
    let url = app.url(&format!("/api/widgets/{}/sessions", app.tenant.id));
    let answer = app
        .send(app.http.post(&url).bearer_auth(&other.token))
        .await;
    assert_eq!(answer.status, 401);
}

async fn tenant_a_cannot_read_or_write_tenant_b_sessions(app: TestApp) {
    let b = create_tenant(&app.db, "https://b.example.org").await;
    let b_session = {
        let answer = app.send(app.widget_as(&b, Method::POST, "/sessions")).await;
        answer.body["sessionId"]
            .as_str()
            .expect("session")
            .to_owned()
    };
    // Tenant A's token and path, tenant B's session id: not found, nothing revealed.
    let read = app.history(&b_session).await;
    assert_eq!(read.status, 404);
    assert_eq!(read.code(), "session_not_found");
    let write = app
        .set_contact(&b_session, "Mallory", "m@example.com")
        .await;
    assert_eq!(write.status, 404);
    let chat = app.chat(&b_session, "hi", "m-1").await;
    assert_eq!(chat.status, 404);
    // Tenant B's path with tenant A's token: refused.
    let cross = app
        .send(
            app.http
                .get(app.url(&format!("/api/widgets/{}/sessions/{b_session}", b.id)))
                .bearer_auth(&app.tenant.token),
        )
        .await;
    assert_eq!(cross.status, 401);
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

async fn an_origin_not_on_the_list_is_refused(app: TestApp) {
    let url = app.url(&format!("/api/widgets/{}/sessions", app.tenant.id));
    let request = app
        .http
        .post(&url)
        .bearer_auth(&app.tenant.token)
        .header("Origin", "https://evil.example.net");
    let answer = app.send(request).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.code(), "origin_not_allowed");
    assert!(answer.headers.get("access-control-allow-origin").is_none());
    // Two origins (an allowed one smuggled beside another) are refused too.
    let twice = app
        .widget(Method::POST, "/sessions")
        .header("Origin", "https://evil.example.net");
    assert_eq!(app.send(twice).await.status, 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM visitor_sessions").await, 0);
}

async fn cors_answers_only_allowed_origins(app: TestApp) {
    let url = app.url(&format!("/api/widgets/{}/chat", app.tenant.id));
    let preflight = |origin: &str| {
        app.http
            .request(Method::OPTIONS, &url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
    };
    let allowed = preflight(&app.tenant.origin)
        .send()
        .await
        .expect("preflight");
    assert_eq!(allowed.status().as_u16(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        app.tenant.origin.as_str()
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap_or("");
    assert!(methods.contains("POST"));
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap_or("");
    assert!(headers.contains("authorization") && headers.contains("content-type"));

    let refused = preflight("https://evil.example.net")
        .send()
        .await
        .expect("preflight");
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let config = app.config().await;
    assert_eq!(config.status, 200);
    assert_eq!(
        config.headers["access-control-allow-origin"],
        app.tenant.origin.as_str()
    );
    assert_eq!(config.body["companyName"], "Northwind Coffee Roasters");
    assert_eq!(config.body["primaryColor"], "#6b3e26");
}

async fn an_unknown_tenant_is_not_found(app: TestApp) {
    let answer = app
        .send(
            app.http
                .get(app.url("/api/widgets/tn_nope/config"))
                .bearer_auth(&app.tenant.token),
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.code(), "tenant_not_found");
}
