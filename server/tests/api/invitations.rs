//! Invitations (7 days, single use, revocable) and password-reset links (24 h, single use):
//! the admin's side under `/api/dashboard/teammates`, the invited person's on the public routes.

use reqwest::Method;
use serde_json::json;
use shared::dashboard::Role;

use crate::helpers::TestApp;
use crate::team_tests;
use crate::teammates::{token_of, PASSWORD};

team_tests!(&[];
    an_invitation_is_accepted_once_and_signs_the_new_teammate_in,
    two_concurrent_accepts_make_one_teammate,
    an_expired_invitation_is_gone_and_a_revoked_one_is_not_found,
    invitations_refuse_bad_input_taken_emails_and_admins_inviting_owners,
    a_reset_link_sets_a_new_password_once_and_ends_every_session,
    links_name_the_dashboards_own_address_never_a_forged_host,
);

const NEW_PASSWORD: &str = "a brand new password";

/// The server's port: links name the dashboard's own origin (`localhost` or the address).
fn port(app: &TestApp) -> &str {
    app.address.rsplit(':').next().unwrap_or_default()
}

async fn an_invitation_is_accepted_once_and_signs_the_new_teammate_in(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let invited = admin.invite("New.Agent@Example.com", "agent").await;
    assert_eq!(invited.status, 201, "{:?}", invited.body);
    assert_eq!(invited.body["role"], "agent");
    assert_eq!(invited.body["email"], "New.Agent@Example.com");
    let link = invited.body["link"].as_str().unwrap();
    assert!(link.starts_with("http://"), "{link}");
    assert!(
        link.contains(&format!(":{}/invitations/inv_", port(&app))),
        "{link}"
    );
    let token = token_of(&invited.body["link"]);
    // The token is not stored, only its hash.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM invitations WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );

    let team = admin.get("/api/dashboard/teammates").await;
    assert_eq!(
        team.body["invitations"][0]["email"],
        "New.Agent@Example.com"
    );
    assert_eq!(team.body["invitations"][0]["id"], invited.body["id"]);

    let info = app.public_get(&format!("/api/invitations/{token}")).await;
    assert_eq!(info.status, 200, "{:?}", info.body);
    assert_eq!(
        info.body,
        json!({
            "workspaceName": "Northwind Coffee Roasters",
            "email": "New.Agent@Example.com",
            "role": "agent",
        })
    );

    let accept = json!({ "name": "Nia Agent", "password": PASSWORD });
    let accepted = app
        .public_post(&format!("/api/invitations/{token}/accept"), accept.clone())
        .await;
    assert_eq!(accepted.status, 201, "{:?}", accepted.body);
    assert_eq!(accepted.body["role"], "agent");
    assert_eq!(accepted.body["tenantId"], app.tenant.id.as_str());
    let agent = app.signed_in(&accepted, "new.agent@example.com");
    assert_eq!(agent.me().await.body["name"], "Nia Agent");
    // An agent sees conversations, not settings.
    assert_eq!(agent.list("").await.status, 200);
    assert_eq!(agent.get("/api/dashboard/teammates").await.status, 403);

    let again = app
        .public_post(&format!("/api/invitations/{token}/accept"), accept)
        .await;
    assert_eq!(again.status, 410, "{:?}", again.body);
    assert_eq!(again.code(), "invitation_used");
    let info = app.public_get(&format!("/api/invitations/{token}")).await;
    assert_eq!(info.status, 410);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);

    let team = admin.get("/api/dashboard/teammates").await;
    assert_eq!(team.body["invitations"], json!([]));
    let members = team.body["members"].as_array().unwrap();
    assert!(members
        .iter()
        .any(|m| m["name"] == "Nia Agent" && m["active"] == true));
    let actions = app.audit_actions(&app.tenant.id).await;
    assert_eq!(actions, ["teammate.invited", "teammate.joined"]);
}

async fn two_concurrent_accepts_make_one_teammate(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let invited = admin.invite("racer@example.com", "viewer").await;
    let path = format!(
        "/api/invitations/{}/accept",
        token_of(&invited.body["link"])
    );
    let (a, b) = tokio::join!(
        app.public_post(&path, json!({ "name": "Racer One", "password": PASSWORD })),
        app.public_post(&path, json!({ "name": "Racer Two", "password": PASSWORD })),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 410], "{:?} / {:?}", a.body, b.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_normalized = 'racer@example.com'")
            .await,
        1
    );
}

async fn an_expired_invitation_is_gone_and_a_revoked_one_is_not_found(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let expired = admin.invite("late@example.com", "agent").await;
    sqlx::query("UPDATE invitations SET expires_at = 1 WHERE id = $1")
        .bind(expired.body["id"].as_str().unwrap())
        .execute(&app.db.pool)
        .await
        .unwrap();
    let token = token_of(&expired.body["link"]);
    let info = app.public_get(&format!("/api/invitations/{token}")).await;
    assert_eq!(info.status, 410);
    assert_eq!(info.code(), "invitation_expired");
    let accept = json!({ "name": "Late Person", "password": PASSWORD });
    let refused = app
        .public_post(&format!("/api/invitations/{token}/accept"), accept.clone())
        .await;
    assert_eq!(refused.status, 410);
    assert_eq!(refused.code(), "invitation_expired");
    // Expired invitations are not pending any more.
    let team = admin.get("/api/dashboard/teammates").await;
    assert_eq!(team.body["invitations"], json!([]));

    let revoked = admin.invite("changed-mind@example.com", "agent").await;
    let id = revoked.body["id"].as_str().unwrap();
    let gone = admin
        .delete(&format!("/api/dashboard/teammates/invitations/{id}"))
        .await;
    assert_eq!(gone.status, 204, "{:?}", gone.body);
    let token = token_of(&revoked.body["link"]);
    let info = app.public_get(&format!("/api/invitations/{token}")).await;
    assert_eq!(info.status, 404);
    assert_eq!(info.code(), "invitation_not_found");
    let refused = app
        .public_post(&format!("/api/invitations/{token}/accept"), accept)
        .await;
    assert_eq!(refused.status, 404);
    let twice = admin
        .delete(&format!("/api/dashboard/teammates/invitations/{id}"))
        .await;
    assert_eq!(twice.status, 404);
    assert_eq!(
        app.public_get("/api/invitations/inv_nonsense").await.status,
        404
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    let actions = app.audit_actions(&app.tenant.id).await;
    assert!(actions.contains(&"teammate.invitation_revoked".to_owned()));
}

async fn invitations_refuse_bad_input_taken_emails_and_admins_inviting_owners(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let bad_email = admin.invite("nope", "agent").await;
    assert_eq!(bad_email.status, 422);
    assert_eq!(bad_email.body["error"]["field"], "email");
    let bad_role = admin.invite("x@example.com", "boss").await;
    assert_eq!(bad_role.status, 422);
    assert_eq!(bad_role.body["error"]["field"], "role");
    let taken = admin.invite(&admin.email.to_uppercase(), "agent").await;
    assert_eq!(taken.status, 409);
    assert_eq!(taken.code(), "email_taken");
    let owner_by_admin = admin.invite("boss@example.com", "owner").await;
    assert_eq!(owner_by_admin.status, 403);
    assert_eq!(owner_by_admin.code(), "owner_only");
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);

    let owner = app.teammate(Role::Owner).await;
    let owner_by_owner = owner.invite("boss@example.com", "owner").await;
    assert_eq!(owner_by_owner.status, 201, "{:?}", owner_by_owner.body);
    let path = format!(
        "/api/invitations/{}/accept",
        token_of(&owner_by_owner.body["link"])
    );
    let short = app
        .public_post(&path, json!({ "name": "Bo Ss", "password": "short" }))
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(short.body["error"]["field"], "password");
    let nameless = app
        .public_post(&path, json!({ "name": " ", "password": PASSWORD }))
        .await;
    assert_eq!(nameless.status, 422);
    assert_eq!(nameless.body["error"]["field"], "name");
    // Nothing was used up by the refused attempts.
    let accepted = app
        .public_post(&path, json!({ "name": "Bo Ss", "password": PASSWORD }))
        .await;
    assert_eq!(accepted.status, 201, "{:?}", accepted.body);
    assert_eq!(accepted.body["role"], "owner");
}

async fn a_reset_link_sets_a_new_password_once_and_ends_every_session(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let agent = app.teammate(Role::Agent).await;
    let issued = admin
        .post_empty(&format!(
            "/api/dashboard/teammates/{}/password-reset",
            agent.id
        ))
        .await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let link = issued.body["link"].as_str().unwrap();
    assert!(
        link.contains(&format!(":{}/reset-password/pwr_", port(&app))),
        "{link}"
    );
    assert!(issued.body["expiresAt"].as_i64().is_some());
    let token = token_of(&issued.body["link"]);
    let path = format!("/api/password-resets/{token}");

    let info = app.public_get(&path).await;
    assert_eq!(info.status, 200, "{:?}", info.body);
    assert_eq!(info.body, json!({ "email": agent.email }));
    assert_eq!(agent.me().await.status, 200);

    let short = app.public_post(&path, json!({ "password": "short" })).await;
    assert_eq!(short.status, 422);
    assert_eq!(short.body["error"]["field"], "password");

    let set = app
        .public_post(&path, json!({ "password": NEW_PASSWORD }))
        .await;
    assert_eq!(set.status, 204, "{:?}", set.body);
    assert_eq!(agent.me().await.status, 401);
    assert_eq!(app.sign_in(&agent.email, PASSWORD).await.status, 401);
    assert_eq!(app.sign_in(&agent.email, NEW_PASSWORD).await.status, 200);

    let again = app
        .public_post(&path, json!({ "password": "yet another password" }))
        .await;
    assert_eq!(again.status, 410);
    assert_eq!(again.code(), "reset_used");

    let second = admin
        .post_empty(&format!(
            "/api/dashboard/teammates/{}/password-reset",
            agent.id
        ))
        .await;
    sqlx::query("UPDATE password_resets SET expires_at = 1 WHERE used_at IS NULL")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let late = format!("/api/password-resets/{}", token_of(&second.body["link"]));
    assert_eq!(app.public_get(&late).await.code(), "reset_expired");
    assert_eq!(
        app.public_get("/api/password-resets/pwr_nonsense")
            .await
            .status,
        404
    );
    let actions = app.audit_actions(&app.tenant.id).await;
    assert!(actions.contains(&"teammate.password_reset".to_owned()));
}

/// Links and the embed snippet's `apiUrl` use the address the admin is on when it is one of the
/// dashboard's own, and never what a forged `Host` header names.
async fn links_name_the_dashboards_own_address_never_a_forged_host(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let port = port(&app);
    for (host, expected) in [
        // One of the dashboard's own addresses: kept.
        (
            format!("127.0.0.1:{port}"),
            format!("http://127.0.0.1:{port}/invitations/inv_"),
        ),
        // Anything else: the first own address instead.
        (
            "evil.example".to_owned(),
            format!("http://localhost:{port}/invitations/inv_"),
        ),
    ] {
        let email = format!("host.{}@example.com", host.len());
        let invited = admin
            .send(
                admin
                    .request(Method::POST, "/api/dashboard/teammates/invitations")
                    .header("Host", &host)
                    .json(&json!({ "email": email, "role": "agent" })),
            )
            .await;
        assert_eq!(invited.status, 201, "{host}: {:?}", invited.body);
        let link = invited.body["link"].as_str().unwrap_or_default();
        assert!(link.starts_with(&expected), "{host}: {link}");

        let settings = admin
            .send(
                admin
                    .request(Method::GET, "/api/dashboard/settings/widget")
                    .header("Host", &host),
            )
            .await;
        assert_eq!(settings.status, 200, "{:?}", settings.body);
        let api_url = settings.body["apiUrl"].as_str().unwrap_or_default();
        assert!(!api_url.contains("evil"), "{api_url}");
        assert!(expected.starts_with(api_url), "{api_url} vs {expected}");
    }
}
