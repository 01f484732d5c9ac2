//! The audit log: a settings change writes who, what, before → after and when, in the change's
//! own transaction, and reaches every open dashboard as a `settings_changed` event.

use serde_json::Value;
use shared::dashboard::Role;

use crate::helpers::{create_tenant, TestApp};
use crate::on_both_backends;
use crate::teammates::next_event;

on_both_backends!(
    a_settings_change_is_logged_with_its_author_and_reaches_open_dashboards,
    only_owners_and_admins_read_the_audit_log,
    the_audit_log_pages_newest_first_and_names_a_bad_limit,
    a_workspace_reads_only_its_own_audit_log,
);

fn entries(body: &Value) -> Vec<Value> {
    body["entries"].as_array().cloned().unwrap_or_default()
}

async fn a_settings_change_is_logged_with_its_author_and_reaches_open_dashboards(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let agent = app.teammate(Role::Agent).await;
    // An agent's open inbox hears about it too (it may show settings-dependent things).
    let mut socket = agent.socket(None).await;
    let secret = admin.rotate_secret().await;

    let event = next_event(&mut socket).await;
    assert_eq!(event["event"]["type"], "settings_changed");
    assert_eq!(event["event"]["area"], "identity");

    let log = admin.get("/api/dashboard/audit").await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let first = entries(&log.body);
    assert_eq!(first.len(), 1);
    let entry = &first[0];
    assert_eq!(entry["action"], "identity_secret.created");
    assert_eq!(entry["area"], "identity");
    assert_eq!(entry["actorId"], admin.id.as_str());
    assert!(entry["before"].is_null());
    assert!(entry["after"]["createdAt"].is_i64());
    // The secret itself is never in the log.
    assert!(!log.body.to_string().contains(&secret));

    admin.rotate_secret().await;
    let log = admin.get("/api/dashboard/audit").await;
    let both = entries(&log.body);
    assert_eq!(both.len(), 2);
    assert_eq!(both[0]["action"], "identity_secret.rotated");
    assert_eq!(
        both[0]["before"]["createdAt"],
        both[1]["after"]["createdAt"]
    );
}

async fn only_owners_and_admins_read_the_audit_log(app: TestApp) {
    for role in [Role::Agent, Role::Viewer] {
        let teammate = app.teammate(role).await;
        let answer = teammate.get("/api/dashboard/audit").await;
        assert_eq!(answer.status, 403, "{role:?}");
        assert_eq!(answer.code(), "admin_only");
    }
    let owner = app.teammate(Role::Owner).await;
    assert_eq!(owner.get("/api/dashboard/audit").await.status, 200);
}

async fn the_audit_log_pages_newest_first_and_names_a_bad_limit(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    for _ in 0..3 {
        admin.rotate_secret().await;
    }
    let first = admin.get("/api/dashboard/audit?limit=2").await;
    assert_eq!(first.status, 200);
    let page = entries(&first.body);
    assert_eq!(page.len(), 2);
    assert!(page[0]["seq"].as_i64() > page[1]["seq"].as_i64());
    let before = first.body["nextBefore"].as_i64().expect("a next page");
    let second = admin
        .get(&format!("/api/dashboard/audit?limit=2&before={before}"))
        .await;
    let rest = entries(&second.body);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["action"], "identity_secret.created");
    assert!(second.body["nextBefore"].is_null());

    for bad in ["0", "201", "x"] {
        let answer = admin
            .get(&format!("/api/dashboard/audit?limit={bad}"))
            .await;
        assert!(
            answer.status == 422 || answer.status == 400,
            "{bad}: {}",
            answer.status
        );
    }
    let answer = admin.get("/api/dashboard/audit?limit=0").await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["error"]["field"], "limit");
}

async fn a_workspace_reads_only_its_own_audit_log(app: TestApp) {
    app.teammate(Role::Admin).await.rotate_secret().await;
    let other = create_tenant(&app.db, "https://other.example").await;
    let theirs = app.teammate_of(&other.id, Role::Admin).await;
    let log = theirs.get("/api/dashboard/audit").await;
    assert_eq!(log.status, 200);
    assert!(entries(&log.body).is_empty());
}
