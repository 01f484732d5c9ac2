//! Who a visitor is: an email given in the widget is only a claim, unless the site proves it with
//! `userHash` (HMAC-SHA256 of the lowercase email under the workspace's identity secret).

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, Answer, TestApp, TestTenant};
use crate::on_both_backends;
use crate::teammates::Teammate;

on_both_backends!(
    an_unverified_visitor_claiming_a_known_email_gets_back_only_what_they_sent,
    an_unverified_claim_is_linked_as_such_and_the_dashboard_shows_it_unverified,
    the_assistant_greets_an_unverified_visitor_by_the_name_they_gave_only,
    a_verified_visitor_updates_the_client_and_sees_only_verified_earlier_conversations,
    a_wrong_user_hash_is_a_403_and_stores_nothing,
    a_user_hash_without_a_workspace_secret_is_refused,
    a_user_hash_computed_by_openssl_verifies,
    rotating_the_secret_stops_the_old_one_verifying_at_once,
    only_admins_may_see_or_rotate_the_identity_secret,
    another_workspaces_secret_never_verifies,
);

const EMAIL: &str = "jane@example.com";

/// `HMAC-SHA256(secret, lowercase email)` in hex, computed by openssl, not by the server's code.
pub(crate) fn openssl_user_hash(secret: &str, email: &str) -> String {
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run openssl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(email.to_lowercase().as_bytes())
        .expect("write to openssl");
    let output = child.wait_with_output().expect("openssl output");
    assert!(output.status.success(), "openssl failed");
    // `SHA2-256(stdin)= <hex>` (or `(stdin)= <hex>` on older versions).
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .split_whitespace()
        .last()
        .expect("a hash")
        .to_owned()
}

impl TestApp {
    pub(crate) async fn set_contact_with_hash(
        &self,
        tenant: &TestTenant,
        session: &str,
        name: &str,
        email: &str,
        user_hash: &str,
    ) -> Answer {
        let request = self
            .widget_as(tenant, Method::PUT, &format!("/sessions/{session}/contact"))
            .json(&json!({ "name": name, "email": email, "userHash": user_hash }));
        self.send(request).await
    }

    async fn session_as(&self, tenant: &TestTenant) -> String {
        let answer = self
            .send(self.widget_as(tenant, Method::POST, "/sessions"))
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body["sessionId"].as_str().expect("id").to_owned()
    }

    /// A verified session of this app's tenant: answers (session, the contact answer).
    pub(crate) async fn verified_session(
        &self,
        secret: &str,
        name: &str,
        email: &str,
    ) -> (String, Answer) {
        let session = self.create_session().await;
        let hash = openssl_user_hash(secret, email);
        let answer = self
            .set_contact_with_hash(&self.tenant, &session, name, email, &hash)
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        (session, answer)
    }

    async fn stored_client_name(&self) -> String {
        sqlx::query_scalar("SELECT name FROM clients WHERE email_normalized = $1")
            .bind(EMAIL)
            .fetch_one(&self.db.pool)
            .await
            .expect("the client")
    }

    async fn chat_ok(&self, session: &str, message: &str) -> Value {
        let id = format!("m-{:08x}", rand::random::<u32>());
        let answer = self.chat(session, message, &id).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body
    }
}

impl Teammate {
    pub async fn rotate_secret(&self) -> String {
        let answer = self
            .post("/api/dashboard/settings/identity-secret", json!({}))
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body["secret"].as_str().expect("secret").to_owned()
    }
}

async fn an_unverified_visitor_claiming_a_known_email_gets_back_only_what_they_sent(app: TestApp) {
    app.session_with_contact("Jane Doe", EMAIL).await;
    let stranger = app.create_session().await;
    let answer = app
        .set_contact(&stranger, "Mallory Maximilian Longname", "JANE@example.com")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body,
        json!({ "name": "Mallory Maximilian Longname", "email": "JANE@example.com" })
    );
    let history = app.history(&stranger).await;
    assert_eq!(
        history.body["contact"]["name"],
        "Mallory Maximilian Longname"
    );
    assert_eq!(history.body["verified"], false);
    // The longer name did not overwrite the customer's, and no duplicate client appeared.
    assert_eq!(app.stored_client_name().await, "Jane Doe");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 1);
}

async fn an_unverified_claim_is_linked_as_such_and_the_dashboard_shows_it_unverified(app: TestApp) {
    app.session_with_contact("Jane Doe", EMAIL).await;
    let stranger = app.session_with_contact("Mallory", EMAIL).await;
    let conversation = app.chat_ok(&stranger, "Where is my order?").await["conversationId"]
        .as_str()
        .expect("conversation")
        .to_owned();
    let admin = app.teammate(Role::Agent).await;
    let list = admin.list("").await;
    let row = &list.body["conversations"][0];
    assert_eq!(row["id"], conversation.as_str(), "{:?}", list.body);
    assert_eq!(row["client"]["verified"], false);
    assert_eq!(row["client"]["email"], EMAIL);
    assert_eq!(row["visitorName"], "Mallory");
    let detail = admin.conversation(&conversation).await;
    assert_eq!(detail.body["client"]["verified"], false);
    let client_id: String = sqlx::query_scalar("SELECT id FROM clients")
        .fetch_one(&app.db.pool)
        .await
        .expect("client");
    assert_eq!(detail.body["client"]["id"], client_id.as_str());
}

async fn the_assistant_greets_an_unverified_visitor_by_the_name_they_gave_only(app: TestApp) {
    app.session_with_contact("Jane Doe", EMAIL).await;
    let stranger = app.session_with_contact("Mallory", EMAIL).await;
    let reply = app.chat_ok(&stranger, "Hello").await;
    let body = reply["message"]["body"].as_str().expect("a reply");
    assert!(body.contains("Mallory"), "{body}");
    assert!(!body.contains("Jane"), "{body}");
}

async fn a_verified_visitor_updates_the_client_and_sees_only_verified_earlier_conversations(
    app: TestApp,
) {
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    let (first, _) = app.verified_session(&secret, "Jane", EMAIL).await;
    app.chat_ok(&first, "My grinder arrived broken").await;
    // A stranger's claim on the same email is linked too, but is not Jane's history.
    let stranger = app.session_with_contact("Mallory", EMAIL).await;
    app.chat_ok(&stranger, "stranger's words").await;
    let stranger_history = app.history(&stranger).await;
    assert!(stranger_history.body.get("earlierMessages").is_none());

    let (second, answer) = app
        .verified_session(&secret, "Jane Doe", "Jane@Example.com")
        .await;
    assert_eq!(answer.body["name"], "Jane Doe");
    assert_eq!(app.stored_client_name().await, "Jane Doe");
    // A shorter name from a verified visitor does not erase what we know.
    let hash = openssl_user_hash(&secret, EMAIL);
    let again = app
        .set_contact_with_hash(&app.tenant, &second, "J", EMAIL, &hash)
        .await;
    assert_eq!(again.body["name"], "Jane Doe");

    let history = app.history(&second).await;
    assert_eq!(history.body["verified"], true);
    assert_eq!(history.body["contact"]["name"], "Jane Doe");
    let earlier: Vec<&str> = history.body["earlierMessages"]
        .as_array()
        .expect("earlier messages")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        earlier.contains(&"My grinder arrived broken"),
        "{earlier:?}"
    );
    assert!(!earlier.contains(&"stranger's words"), "{earlier:?}");

    let reply = app.chat_ok(&second, "Hello").await;
    let conversation = reply["conversationId"].as_str().expect("conversation");
    let agent = app.teammate(Role::Agent).await;
    let detail = agent.conversation(conversation).await;
    assert_eq!(detail.body["client"]["verified"], true);
    assert_eq!(detail.body["client"]["name"], "Jane Doe");
}

async fn a_wrong_user_hash_is_a_403_and_stores_nothing(app: TestApp) {
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    let session = app.create_session().await;
    let others = openssl_user_hash(&secret, "john@example.com");
    for hash in [others.as_str(), "not hex at all", "00"] {
        let answer = app
            .set_contact_with_hash(&app.tenant, &session, "Jane", EMAIL, hash)
            .await;
        assert_eq!(answer.status, 403, "{hash}: {:?}", answer.body);
        assert_eq!(answer.code(), "invalid_user_hash");
        assert_eq!(answer.body["error"]["field"], "userHash");
        assert!(answer.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("userHash"));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM visitor_sessions WHERE client_id IS NOT NULL OR visitor_name IS NOT NULL")
            .await,
        0
    );
    assert!(app.history(&session).await.body["contact"].is_null());
}

async fn a_user_hash_without_a_workspace_secret_is_refused(app: TestApp) {
    let session = app.create_session().await;
    let hash = openssl_user_hash("guessed", EMAIL);
    let answer = app
        .set_contact_with_hash(&app.tenant, &session, "Jane", EMAIL, &hash)
        .await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
    assert_eq!(answer.code(), "identity_verification_off");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
}

async fn a_user_hash_computed_by_openssl_verifies(app: TestApp) {
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    assert_eq!(secret.len(), 64, "256 random bits in hex");
    let (session, _) = app
        .verified_session(&secret, "Jane", "Jane.Doe@Example.COM")
        .await;
    assert_eq!(app.history(&session).await.body["verified"], true);

    // A fixed vector: `printf %s jane@example.com | openssl dgst -sha256 -hmac s3cret`.
    sqlx::query("UPDATE identity_secrets SET secret = 's3cret'")
        .execute(&app.db.pool)
        .await
        .expect("set a known secret");
    let session = app.create_session().await;
    let answer = app
        .set_contact_with_hash(
            &app.tenant,
            &session,
            "Jane",
            "Jane@Example.com",
            "c56360d283a3038ea6f01b2e9a62a155ad9416491464597ff600ec1fdd85d1ca",
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(app.history(&session).await.body["verified"], true);
}

async fn rotating_the_secret_stops_the_old_one_verifying_at_once(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let before = admin.get("/api/dashboard/settings/identity-secret").await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    assert_eq!(before.body["configured"], false);

    let old = admin.rotate_secret().await;
    let new = admin.rotate_secret().await;
    assert_ne!(old, new);
    let session = app.create_session().await;
    let stale = app
        .set_contact_with_hash(
            &app.tenant,
            &session,
            "Jane",
            EMAIL,
            &openssl_user_hash(&old, EMAIL),
        )
        .await;
    assert_eq!(stale.status, 403, "{:?}", stale.body);
    assert_eq!(stale.code(), "invalid_user_hash");
    let fresh = app
        .set_contact_with_hash(
            &app.tenant,
            &session,
            "Jane",
            EMAIL,
            &openssl_user_hash(&new, EMAIL),
        )
        .await;
    assert_eq!(fresh.status, 200, "{:?}", fresh.body);
    assert_eq!(app.history(&session).await.body["verified"], true);
    // A session verified by a secret is verified no longer once that secret is rotated out.
    admin.rotate_secret().await;
    let history = app.history(&session).await;
    assert_eq!(history.body["verified"], false);
    assert_eq!(history.body["contact"]["name"], "Jane");

    let status = admin.get("/api/dashboard/settings/identity-secret").await;
    assert_eq!(status.body["configured"], true);
    assert!(status.body["createdAt"].as_i64().is_some_and(|t| t > 0));
    let text = status.body.to_string();
    assert!(!text.contains(&new) && !text.contains(&old), "{text}");
}

async fn only_admins_may_see_or_rotate_the_identity_secret(app: TestApp) {
    for role in [Role::Agent, Role::Viewer] {
        let teammate = app.teammate(role).await;
        let read = teammate
            .get("/api/dashboard/settings/identity-secret")
            .await;
        let rotate = teammate
            .post("/api/dashboard/settings/identity-secret", json!({}))
            .await;
        for answer in [read, rotate] {
            assert_eq!(answer.status, 403, "{role:?}: {:?}", answer.body);
            assert_eq!(answer.code(), "admin_only");
        }
    }
    let anonymous = app
        .send(
            app.http
                .post(app.url("/api/dashboard/settings/identity-secret"))
                .header("Origin", &app.address),
        )
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM identity_secrets").await,
        0,
        "nothing was created"
    );
}

async fn another_workspaces_secret_never_verifies(app: TestApp) {
    let other = create_tenant(&app.db, "https://other.example.net").await;
    let other_secret = app
        .teammate_of(&other.id, Role::Admin)
        .await
        .rotate_secret()
        .await;
    let forged = openssl_user_hash(&other_secret, EMAIL);

    // Ours has no secret yet: refused, and still refused once it has its own.
    let session = app.create_session().await;
    let answer = app
        .set_contact_with_hash(&app.tenant, &session, "Jane", EMAIL, &forged)
        .await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
    app.teammate(Role::Admin).await.rotate_secret().await;
    let answer = app
        .set_contact_with_hash(&app.tenant, &session, "Jane", EMAIL, &forged)
        .await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
    assert_eq!(answer.code(), "invalid_user_hash");

    // The other workspace's own visitors do verify with it.
    let theirs = app.session_as(&other).await;
    let answer = app
        .set_contact_with_hash(&other, &theirs, "Jane", EMAIL, &forged)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
}
