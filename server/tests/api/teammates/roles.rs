//! Managing teammates: who may (admins; owners for owners), the last-owner guard, deactivation
//! ending sessions and sockets at once, and tenant isolation.

use reqwest::Method;
use serde_json::json;
use server::accounts::User;
use server::teammates::{self, TeammateError};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, TestApp};
use crate::team_tests;
use crate::teammates::{close_code, Teammate, PASSWORD};

team_tests!(&[];
    agents_and_viewers_get_403_on_every_teammates_endpoint,
    admins_manage_teammates_but_only_owners_manage_owners,
    the_last_owner_can_be_neither_demoted_nor_deactivated,
    deactivating_ends_sessions_and_closes_sockets_at_once,
    another_workspaces_admin_gets_404_for_these_teammates,
);

/// Every teammates endpoint (method, path) about `target`.
fn endpoints(target: &str) -> Vec<(Method, String)> {
    vec![
        (Method::GET, "/api/dashboard/teammates".to_owned()),
        (
            Method::POST,
            "/api/dashboard/teammates/invitations".to_owned(),
        ),
        (
            Method::DELETE,
            "/api/dashboard/teammates/invitations/inv_x".to_owned(),
        ),
        (Method::PATCH, format!("/api/dashboard/teammates/{target}")),
        (
            Method::POST,
            format!("/api/dashboard/teammates/{target}/deactivate"),
        ),
        (
            Method::POST,
            format!("/api/dashboard/teammates/{target}/reactivate"),
        ),
        (
            Method::POST,
            format!("/api/dashboard/teammates/{target}/password-reset"),
        ),
    ]
}

async fn agents_and_viewers_get_403_on_every_teammates_endpoint(app: TestApp) {
    let target = app.teammate(Role::Agent).await;
    for role in [Role::Agent, Role::Viewer] {
        let user = app.teammate(role).await;
        for (method, path) in endpoints(&target.id) {
            let body = json!({ "email": "x@example.com", "role": "viewer" });
            let answer = user
                .send(user.request(method.clone(), &path).json(&body))
                .await;
            assert_eq!(
                answer.status, 403,
                "{role:?} {method} {path}: {:?}",
                answer.body
            );
            assert_eq!(answer.code(), "admin_only");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
}

async fn admins_manage_teammates_but_only_owners_manage_owners(app: TestApp) {
    let owner = app.teammate(Role::Owner).await;
    let admin = app.teammate(Role::Admin).await;
    let agent = app.teammate(Role::Agent).await;
    let path = |t: &Teammate| format!("/api/dashboard/teammates/{}", t.id);

    let viewer = admin
        .patch(&path(&agent), json!({ "role": "viewer" }))
        .await;
    assert_eq!(viewer.status, 200, "{:?}", viewer.body);
    assert_eq!(viewer.body["role"], "viewer");
    assert_eq!(viewer.body["email"], agent.email.as_str());
    let bad = admin.patch(&path(&agent), json!({ "role": "boss" })).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["error"]["field"], "role");

    for answer in [
        admin.patch(&path(&agent), json!({ "role": "owner" })).await,
        admin.patch(&path(&owner), json!({ "role": "admin" })).await,
        admin
            .post_empty(&format!("{}/deactivate", path(&owner)))
            .await,
        admin
            .post_empty(&format!("{}/password-reset", path(&owner)))
            .await,
    ] {
        assert_eq!(answer.status, 403, "{:?}", answer.body);
        assert_eq!(answer.code(), "owner_only");
    }
    let own = admin.patch(&path(&admin), json!({ "role": "agent" })).await;
    assert_eq!(own.status, 403);
    assert_eq!(own.code(), "own_account");
    let own = owner
        .post_empty(&format!("{}/deactivate", path(&owner)))
        .await;
    assert_eq!(own.code(), "own_account");

    let promoted = owner.patch(&path(&agent), json!({ "role": "owner" })).await;
    assert_eq!(promoted.status, 200, "{:?}", promoted.body);
    let team = owner.get("/api/dashboard/teammates").await;
    let members = team.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert!(
        members[..2].iter().all(|m| m["role"] == "owner"),
        "owners first"
    );

    let entry: (String, String, String) = sqlx::query_as(
        "SELECT target, before, after FROM audit_log
          WHERE action = 'teammate.role_changed' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(entry.0, agent.email);
    assert_eq!(entry.1, r#"{"role":"viewer"}"#);
    assert_eq!(entry.2, r#"{"role":"owner"}"#);
}

/// `teammate` as a request would have loaded them, with `role`.
fn user_of(app: &TestApp, teammate: &Teammate, role: Role) -> User {
    User {
        id: teammate.id.clone(),
        tenant_id: app.tenant.id.clone(),
        tenant_name: String::new(),
        email: teammate.email.clone(),
        name: "Sam".to_owned(),
        role,
    }
}

async fn the_last_owner_can_be_neither_demoted_nor_deactivated(app: TestApp) {
    let first = app.teammate(Role::Owner).await;
    let second = app.teammate(Role::Owner).await;
    // Two owners demoting each other at once: one wins, the workspace keeps an owner.
    let (to_second, to_first) = (
        format!("/api/dashboard/teammates/{}", second.id),
        format!("/api/dashboard/teammates/{}", first.id),
    );
    let (a, b) = tokio::join!(
        first.patch(&to_second, json!({ "role": "admin" })),
        second.patch(&to_first, json!({ "role": "admin" })),
    );
    assert!(
        !(a.status == 200 && b.status == 200),
        "{:?} / {:?}",
        a.body,
        b.body
    );
    let owners = "SELECT COUNT(*) FROM users WHERE role = 'owner' AND disabled_at IS NULL";
    assert_eq!(app.count(owners).await, 1);

    // A request authorised while its owner still was one (the race above, made certain):
    // the store's guard holds.
    let (survivor, former) = if a.status == 200 {
        (&first, &second)
    } else {
        (&second, &first)
    };
    let stale = user_of(&app, former, Role::Owner);
    let demote = teammates::change_role(&app.db, &stale, &survivor.id, Role::Admin).await;
    assert!(
        matches!(demote, Err(TeammateError::LastOwner)),
        "{demote:?}"
    );
    let deactivate = teammates::deactivate(&app.db, &stale, &survivor.id).await;
    assert!(
        matches!(deactivate, Err(TeammateError::LastOwner)),
        "{deactivate:?}"
    );
    assert_eq!(app.count(owners).await, 1);
    // An owner makes another owner.
    let back = survivor
        .patch(
            &format!("/api/dashboard/teammates/{}", former.id),
            json!({ "role": "owner" }),
        )
        .await;
    assert_eq!(back.status, 200, "{:?}", back.body);
    assert_eq!(app.count(owners).await, 2);
}

async fn deactivating_ends_sessions_and_closes_sockets_at_once(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let agent = app.teammate(Role::Agent).await;
    let mut socket = agent.socket(None).await;
    // On PostgreSQL, a socket on another instance closes too (the event reaches it by notify).
    let mut remote = if app.db.backend == server::db::Backend::Postgres {
        let other = app.another_instance().await;
        Some(agent.on(&other).socket(None).await)
    } else {
        None
    };

    let started = std::time::Instant::now();
    let done = admin
        .post_empty(&format!("/api/dashboard/teammates/{}/deactivate", agent.id))
        .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["active"], false);
    assert_eq!(close_code(&mut socket).await, Some(4001));
    if let Some(remote) = remote.as_mut() {
        assert_eq!(close_code(remote).await, Some(4001));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(agent.me().await.status, 401);
    assert_eq!(app.sign_in(&agent.email, PASSWORD).await.status, 401);
    let team = admin.get("/api/dashboard/teammates").await;
    let row = team.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == agent.id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["active"], false);

    let back = admin
        .post_empty(&format!("/api/dashboard/teammates/{}/reactivate", agent.id))
        .await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body["active"], true);
    assert_eq!(app.sign_in(&agent.email, PASSWORD).await.status, 200);
    let actions = app.audit_actions(&app.tenant.id).await;
    assert_eq!(actions, ["teammate.deactivated", "teammate.reactivated"]);
}

async fn another_workspaces_admin_gets_404_for_these_teammates(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let agent = app.teammate(Role::Agent).await;
    let invited = admin.invite("pending@example.com", "agent").await;
    let other = create_tenant(&app.db, "https://other.example").await;
    let stranger = app.teammate_of(&other.id, Role::Owner).await;

    let team = stranger.get("/api/dashboard/teammates").await;
    assert_eq!(team.status, 200);
    assert_eq!(team.body["members"].as_array().unwrap().len(), 1);
    assert_eq!(team.body["invitations"], json!([]));
    let base = format!("/api/dashboard/teammates/{}", agent.id);
    for answer in [
        stranger.patch(&base, json!({ "role": "viewer" })).await,
        stranger.post_empty(&format!("{base}/deactivate")).await,
        stranger.post_empty(&format!("{base}/reactivate")).await,
        stranger.post_empty(&format!("{base}/password-reset")).await,
        stranger
            .delete(&format!(
                "/api/dashboard/teammates/invitations/{}",
                invited.body["id"].as_str().unwrap()
            ))
            .await,
    ] {
        assert_eq!(answer.status, 404, "{:?}", answer.body);
    }
    assert_eq!(agent.me().await.body["role"], "agent");
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1);
}
