//! The chat widget's settings in the dashboard: branding read by `/config`, allowed domains,
//! widget tokens; admins only, 422 naming the field, one workspace never sees another's, and
//! every change holds at once (the open event stream of a revoked token ends).

use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, Answer, TestApp, TestTenant};
use crate::on_both_backends;
use crate::teammates::Teammate;

on_both_backends!(
    agents_and_viewers_may_neither_read_nor_change_widget_settings,
    each_bad_branding_field_is_a_422_naming_it_and_saves_nothing,
    a_branding_change_shows_in_the_widget_config_at_once_and_is_audited,
    an_added_origin_works_at_once_and_a_removed_one_is_refused_at_once,
    bad_origins_are_a_422_naming_the_origin_field,
    an_issued_token_works_records_its_last_use_and_is_refused_at_once_when_revoked,
    an_expired_token_is_refused,
    token_expiry_choices_and_bad_token_input,
    another_workspaces_admin_can_neither_see_nor_revoke_these_tokens_or_domains,
    an_open_event_stream_ends_when_its_token_is_revoked,
);

const WIDGET: &str = "/api/dashboard/settings/widget";
const DOMAINS: &str = "/api/dashboard/settings/domains";
const TOKENS: &str = "/api/dashboard/settings/tokens";

impl Teammate {
    async fn issue_token(&self, body: Value) -> Answer {
        self.post(TOKENS, body).await
    }

    async fn remove_origin(&self, origin: &str) -> Answer {
        let query = serde_urlencoded_origin(origin);
        self.delete(&format!("{DOMAINS}?origin={query}")).await
    }

    async fn audit_actions(&self) -> Vec<Value> {
        let answer = self.get("/api/dashboard/audit").await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn serde_urlencoded_origin(origin: &str) -> String {
    percent_encoding::utf8_percent_encode(origin, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn branding() -> Value {
    json!({
        "companyName": "Blue Bottle",
        "primaryColor": "#1D4ED8",
        "position": "top-left",
        "theme": "dark",
        "greeting": "Welcome to Blue Bottle!",
        "avatarUrl": "https://cdn.example.com/avatar.png",
        "headerLogoUrl": "https://cdn.example.com/logo.svg",
        "wordmarkUrl": null,
    })
}

/// A widget request with `token` from `origin`.
async fn config_with(app: &TestApp, token: &str, origin: &str) -> Answer {
    let url = app.url(&format!("/api/widgets/{}/config", app.tenant.id));
    app.send(
        app.http
            .get(url)
            .bearer_auth(token)
            .header("Origin", origin),
    )
    .await
}

async fn agents_and_viewers_may_neither_read_nor_change_widget_settings(app: TestApp) {
    let token_id: String = sqlx::query_scalar("SELECT id FROM widget_tokens LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .expect("token id");
    for role in [Role::Agent, Role::Viewer] {
        let t = app.teammate(role).await;
        let answers = [
            t.get(WIDGET).await,
            t.put(WIDGET, branding()).await,
            t.get(DOMAINS).await,
            t.post(DOMAINS, json!({ "origin": "https://new.example.com" }))
                .await,
            t.remove_origin(&app.tenant.origin).await,
            t.get(TOKENS).await,
            t.issue_token(json!({ "label": "mine" })).await,
            t.post(&format!("{TOKENS}/{token_id}/revoke"), json!({}))
                .await,
        ];
        for (i, answer) in answers.iter().enumerate() {
            assert_eq!(
                answer.status, 403,
                "{role:?} request {i}: {:?}",
                answer.body
            );
            assert_eq!(answer.code(), "admin_only");
        }
    }
    // Nothing changed: the origin still works, the token too, no new token, no audit entry.
    assert_eq!(app.config().await.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM widget_tokens").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    let config = app.config().await;
    assert_eq!(config.body["companyName"], "Northwind Coffee Roasters");
    // An owner may, like an admin.
    let owner = app.teammate(Role::Owner).await;
    assert_eq!(owner.get(TOKENS).await.status, 200);
}

async fn each_bad_branding_field_is_a_422_naming_it_and_saves_nothing(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let cases = [
        ("companyName", json!("   ")),
        ("primaryColor", json!("red")),
        ("primaryColor", json!("#12345")),
        ("position", json!("center")),
        ("theme", json!("sepia")),
        ("greeting", json!("x".repeat(501))),
        ("avatarUrl", json!("javascript:alert(1)")),
        ("headerLogoUrl", json!("data:image/png;base64,AAAA")),
        (
            "wordmarkUrl",
            json!(format!("https://a.example.com/{}", "x".repeat(2048))),
        ),
        ("wordmarkUrl", json!("/relative.png")),
    ];
    for (field, value) in cases {
        let mut body = branding();
        body[field] = value;
        let answer = admin.put(WIDGET, body).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
    }
    let page = admin.get(WIDGET).await;
    assert_eq!(
        page.body["settings"]["companyName"],
        "Northwind Coffee Roasters"
    );
    assert_eq!(page.body["settings"]["position"], "bottom-right");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
}

async fn a_branding_change_shows_in_the_widget_config_at_once_and_is_audited(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let before = admin.get(WIDGET).await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    assert_eq!(before.body["tenantId"], app.tenant.id.as_str());
    assert!(before.body["apiUrl"].as_str().unwrap().starts_with("http"));
    let default_greeting = before.body["defaultGreeting"].as_str().unwrap().to_owned();
    assert!(!default_greeting.is_empty());
    assert_eq!(before.body["settings"]["theme"], "light");

    let saved = admin.put(WIDGET, branding()).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["settings"]["primaryColor"], "#1d4ed8");

    let config = app.config().await;
    assert_eq!(config.status, 200);
    assert_eq!(config.body["companyName"], "Blue Bottle");
    assert_eq!(config.body["primaryColor"], "#1d4ed8");
    assert_eq!(config.body["position"], "top-left");
    assert_eq!(config.body["theme"], "dark");
    assert_eq!(config.body["greeting"], "Welcome to Blue Bottle!");
    assert_eq!(
        config.body["avatarUrl"],
        "https://cdn.example.com/avatar.png"
    );
    assert_eq!(
        config.body["headerLogoUrl"],
        "https://cdn.example.com/logo.svg"
    );
    assert!(config.body.get("wordmarkUrl").is_none());

    // An empty greeting is the default assistant's again.
    let mut body = branding();
    body["greeting"] = json!("");
    assert_eq!(admin.put(WIDGET, body).await.status, 200);
    assert_eq!(
        app.config().await.body["greeting"],
        default_greeting.as_str()
    );

    let entries = admin.audit_actions().await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let first = &entries[1];
    assert_eq!(first["action"], "widget.updated");
    assert_eq!(first["area"], "widget");
    assert_eq!(first["before"]["companyName"], "Northwind Coffee Roasters");
    assert_eq!(first["after"]["companyName"], "Blue Bottle");
    // Saving the same again changes nothing and logs nothing.
    let mut same = branding();
    same["greeting"] = json!("");
    assert_eq!(admin.put(WIDGET, same).await.status, 200);
    assert_eq!(admin.audit_actions().await.len(), 2);
}

async fn an_added_origin_works_at_once_and_a_removed_one_is_refused_at_once(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let new_origin = "http://localhost:4321";
    assert_eq!(
        config_with(&app, &app.tenant.token, new_origin)
            .await
            .status,
        403
    );

    let added = admin
        .post(DOMAINS, json!({ "origin": "HTTP://LocalHost:4321/" }))
        .await;
    assert_eq!(added.status, 201, "{:?}", added.body);
    assert_eq!(added.body["origin"], new_origin);
    let ok = config_with(&app, &app.tenant.token, new_origin).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.headers["access-control-allow-origin"], new_origin);

    let again = admin.post(DOMAINS, json!({ "origin": new_origin })).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body["error"]["field"], "origin");

    let wildcard = admin
        .post(DOMAINS, json!({ "origin": "https://*.example.org" }))
        .await;
    assert_eq!(wildcard.status, 201);
    assert_eq!(
        config_with(&app, &app.tenant.token, "https://eu.shop.example.org")
            .await
            .status,
        200
    );
    assert_eq!(
        config_with(&app, &app.tenant.token, "https://example.org")
            .await
            .status,
        403
    );

    let list = admin.get(DOMAINS).await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body,
        json!({
            "origins": ["http://localhost:4321", "https://*.example.org", "https://shop.example.com"],
            "empty": false,
        })
    );

    assert_eq!(admin.remove_origin(new_origin).await.status, 204);
    let refused = config_with(&app, &app.tenant.token, new_origin).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.code(), "origin_not_allowed");
    assert_eq!(admin.remove_origin(new_origin).await.status, 404);

    assert_eq!(
        admin.remove_origin("https://*.example.org").await.status,
        204
    );
    assert_eq!(admin.remove_origin(&app.tenant.origin).await.status, 204);
    let empty = admin.get(DOMAINS).await;
    assert_eq!(empty.body, json!({ "origins": [], "empty": true }));
    assert_eq!(app.config().await.status, 403);

    let actions: Vec<String> = admin
        .audit_actions()
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "domain.removed",
            "domain.removed",
            "domain.removed",
            "domain.added",
            "domain.added"
        ]
    );
}

async fn bad_origins_are_a_422_naming_the_origin_field(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    for bad in [
        "*",
        "",
        "https://*",
        "https://*.com",
        "shop.example.com",
        "ftp://shop.example.com",
        "javascript:alert(1)",
        "https://shop.example.com/path",
        "https://shop.example.com?x=1",
        "https://user:pw@shop.example.com",
        "https://shop.example.com:99999",
        "https://a.*.example.com",
    ] {
        let answer = admin.post(DOMAINS, json!({ "origin": bad })).await;
        assert_eq!(answer.status, 422, "{bad}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], "origin", "{bad}");
    }
    let missing = admin.delete(DOMAINS).await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["error"]["field"], "origin");
    assert_eq!(app.count("SELECT COUNT(*) FROM allowed_origins").await, 1);
}

async fn an_issued_token_works_records_its_last_use_and_is_refused_at_once_when_revoked(
    app: TestApp,
) {
    let admin = app.teammate(Role::Admin).await;
    let issued = admin.issue_token(json!({ "label": "Main site" })).await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let secret = issued.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("wt_"));
    assert_eq!(issued.body["tenantId"], app.tenant.id.as_str());
    assert!(issued.body["apiUrl"].as_str().unwrap().starts_with("http"));
    let id = issued.body["token"]["id"].as_str().unwrap().to_owned();
    assert_eq!(issued.body["token"]["label"], "Main site");
    assert!(issued.body["token"]["lastUsedAt"].is_null());

    let list = admin.get(TOKENS).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["tokens"][0]["id"], id.as_str(), "newest first");
    assert!(list.body["tokens"][0]["lastUsedAt"].is_null());
    assert!(
        !list.body.to_string().contains(&secret),
        "the list never shows a token"
    );

    assert_eq!(
        config_with(&app, &secret, &app.tenant.origin).await.status,
        200
    );
    assert_eq!(
        config_with(&app, &secret, &app.tenant.origin).await.status,
        200
    );
    let list = admin.get(TOKENS).await;
    let used = list.body["tokens"][0]["lastUsedAt"]
        .as_i64()
        .expect("lastUsedAt set");
    assert!(used >= list.body["tokens"][0]["createdAt"].as_i64().unwrap());

    let revoked = admin
        .post(&format!("{TOKENS}/{id}/revoke"), json!({}))
        .await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert!(revoked.body["revokedAt"].as_i64().is_some());
    let refused = config_with(&app, &secret, &app.tenant.origin).await;
    assert_eq!(refused.status, 401);
    // On another instance too: each request reads the store.
    let other = app.another_instance().await;
    let url = format!("{other}/api/widgets/{}/config", app.tenant.id);
    let elsewhere = app.send(app.http.get(url).bearer_auth(&secret)).await;
    assert_eq!(elsewhere.status, 401);
    // Revoking again answers the row and logs nothing new.
    let again = admin
        .post(&format!("{TOKENS}/{id}/revoke"), json!({}))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["revokedAt"], revoked.body["revokedAt"]);

    let entries = admin.audit_actions().await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["token.revoked", "token.issued"]);
    assert_eq!(entries[1]["target"], "Main site");
    assert!(!Value::Array(entries.clone()).to_string().contains(&secret));
    // The seeded token is untouched.
    assert_eq!(app.config().await.status, 200);
}

async fn an_expired_token_is_refused(app: TestApp) {
    // A token that expires in a moment: accepted (and so cached) now, refused once it expired.
    let expires_at = server::db::now_ms() + 1_500;
    let issued =
        server::tenants::issue_widget_token(&app.db, &app.tenant.id, "short", Some(expires_at))
            .await
            .expect("token");
    assert_eq!(
        config_with(&app, &issued.token, &app.tenant.origin)
            .await
            .status,
        200
    );
    let left = expires_at - server::db::now_ms();
    tokio::time::sleep(std::time::Duration::from_millis(
        u64::try_from(left).unwrap_or(0) + 50,
    ))
    .await;
    assert_eq!(
        config_with(&app, &issued.token, &app.tenant.origin)
            .await
            .status,
        401
    );
}

async fn token_expiry_choices_and_bad_token_input(app: TestApp) {
    const DAY: i64 = 24 * 60 * 60 * 1000;
    let admin = app.teammate(Role::Admin).await;
    let expiry = |answer: &Answer| {
        let t = &answer.body["token"];
        t["expiresAt"]
            .as_i64()
            .map(|e| (e - t["createdAt"].as_i64().unwrap()) / DAY)
    };
    let default = admin.issue_token(json!({ "label": "a" })).await;
    assert_eq!(expiry(&default), Some(30));
    let never = admin
        .issue_token(json!({ "label": "b", "expiresInDays": null }))
        .await;
    assert_eq!(never.status, 201);
    assert_eq!(expiry(&never), None);
    let year = admin
        .issue_token(json!({ "label": "c", "expiresInDays": 365 }))
        .await;
    assert_eq!(expiry(&year), Some(365));
    for (body, field) in [
        (
            json!({ "label": "d", "expiresInDays": 31 }),
            "expiresInDays",
        ),
        (
            json!({ "label": "d", "expiresInDays": -1 }),
            "expiresInDays",
        ),
        (json!({ "label": "  " }), "label"),
        (json!({ "label": "x".repeat(101) }), "label"),
        (json!({ "label": "a\u{0}b" }), "label"),
    ] {
        let answer = admin.issue_token(body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM widget_tokens").await, 4);
}

async fn another_workspaces_admin_can_neither_see_nor_revoke_these_tokens_or_domains(app: TestApp) {
    let b: TestTenant = create_tenant(&app.db, "https://b.example.org").await;
    let admin_a = app.teammate(Role::Admin).await;
    let admin_b = app.teammate_of(&b.id, Role::Admin).await;
    let issued = admin_a.issue_token(json!({ "label": "A's site" })).await;
    let a_token = issued.body["token"]["id"].as_str().unwrap().to_owned();
    let b_list = admin_b.get(TOKENS).await;
    assert!(!b_list.body.to_string().contains(&a_token));
    assert!(!b_list.body.to_string().contains("A's site"));
    let revoke = admin_b
        .post(&format!("{TOKENS}/{a_token}/revoke"), json!({}))
        .await;
    assert_eq!(revoke.status, 404);
    assert_eq!(revoke.code(), "token_not_found");
    let domains = admin_b.get(DOMAINS).await;
    assert_eq!(domains.body["origins"], json!(["https://b.example.org"]));
    assert_eq!(admin_b.remove_origin(&app.tenant.origin).await.status, 404);
    let b_widget = admin_b.get(WIDGET).await;
    assert_eq!(b_widget.body["tenantId"], b.id.as_str());
    assert_eq!(admin_b.put(WIDGET, branding()).await.status, 200);
    // A is untouched.
    let secret = issued.body["secret"].as_str().unwrap();
    assert_eq!(
        config_with(&app, secret, &app.tenant.origin).await.status,
        200
    );
    let config = app.config().await;
    assert_eq!(config.status, 200);
    assert_eq!(config.body["companyName"], "Northwind Coffee Roasters");
    assert_eq!(admin_a.audit_actions().await.len(), 1);
}

async fn an_open_event_stream_ends_when_its_token_is_revoked(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let issued = admin.issue_token(json!({ "label": "streaming" })).await;
    let secret = issued.body["secret"].as_str().unwrap().to_owned();
    let id = issued.body["token"]["id"].as_str().unwrap().to_owned();
    let session = {
        let url = app.url(&format!("/api/widgets/{}/sessions", app.tenant.id));
        let answer = app
            .send(
                app.http
                    .post(url)
                    .bearer_auth(&secret)
                    .header("Origin", &app.tenant.origin),
            )
            .await;
        answer.body["sessionId"].as_str().unwrap().to_owned()
    };
    // On PostgreSQL the stream sits on another instance: the revocation reaches it by NOTIFY.
    let base = if app.database_url.starts_with("postgres") {
        app.another_instance().await
    } else {
        app.address.clone()
    };
    let open_stream = |token: String| {
        let url = format!(
            "{base}/api/widgets/{}/sessions/{session}/events?token={token}",
            app.tenant.id
        );
        app.http
            .get(url)
            .header("Origin", &app.tenant.origin)
            .send()
    };
    let response = open_stream(secret.clone()).await.expect("stream");
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    // A change that does not concern this token leaves the stream open.
    let other = admin.issue_token(json!({ "label": "other" })).await;
    let other_id = other.body["token"]["id"].as_str().unwrap();
    assert_eq!(
        admin
            .post(&format!("{TOKENS}/{other_id}/revoke"), json!({}))
            .await
            .status,
        200
    );
    let still_open = tokio::time::timeout(Duration::from_millis(1500), body.next()).await;
    assert!(
        still_open.is_err() || matches!(still_open, Ok(Some(Ok(_)))),
        "the stream of a live token stays open"
    );

    assert_eq!(
        admin
            .post(&format!("{TOKENS}/{id}/revoke"), json!({}))
            .await
            .status,
        200
    );
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = body.next().await {
            if chunk.is_err() {
                break;
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream ends within 10 s of the revocation"
    );
    let reopened = open_stream(secret).await.expect("request");
    assert_eq!(reopened.status(), 401);
}
