//! Content safety settings in the dashboard: the defaults until a workspace saves its own, a
//! round trip that trims phrases and drops blank lines, 422s naming the field, admins only (reads
//! too), one workspace never sees another's, and every change audited (before → after) and
//! announced to open dashboards.

use reqwest::Method;
use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, spawn_app_with, Answer, Backend, TestApp};
use crate::on_both_backends;
use crate::teammates::{next_event, Teammate};

on_both_backends!(
    a_workspace_that_never_saved_reads_the_defaults_and_the_system_lists,
    saved_settings_read_back_trimmed_and_are_what_the_reply_pipeline_loads,
    each_bad_field_is_a_422_naming_it_and_saves_nothing,
    agents_and_viewers_may_neither_read_nor_change_safety_settings,
    one_workspaces_safety_settings_are_not_anothers,
    a_change_is_audited_before_to_after_and_announced_to_open_dashboards,
);

const SAFETY: &str = "/api/dashboard/settings/safety";

async fn put_safety(teammate: &Teammate, body: Value) -> Answer {
    teammate
        .send(teammate.request(Method::PUT, SAFETY).json(&body))
        .await
}

fn settings() -> Value {
    json!({
        "lists": {
            "blocked": ["  refund scam ", "", "   ", "crypto*"],
            "seriousHigh": ["chargeback fraud"],
            "seriousMedium": ["ombudsman", "\t"],
        },
        "blockedAction": "fallback_message",
        "fallbackMessage": "  Sorry, we can't discuss that here.  ",
        "redactContactDetails": true,
        "moderation": true,
    })
}

/// The stored row as `ai::safety::store` reads it, or `None` when there is none.
async fn stored(app: &TestApp, tenant_id: &str) -> Option<Value> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT settings FROM safety_settings WHERE tenant_id = $1")
            .bind(tenant_id)
            .fetch_optional(&app.db.pool)
            .await
            .expect("stored settings");
    json.map(|json| serde_json::from_str(&json).expect("stored JSON"))
}

async fn a_workspace_that_never_saved_reads_the_defaults_and_the_system_lists(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let page = admin.get(SAFETY).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let settings = &page.body["settings"];
    assert_eq!(
        settings["lists"],
        json!({ "blocked": [], "seriousHigh": [], "seriousMedium": [] })
    );
    assert_eq!(settings["blockedAction"], "hand_to_human");
    assert!(!settings["fallbackMessage"].as_str().unwrap().is_empty());
    assert_eq!(settings["redactContactDetails"], false);
    assert_eq!(settings["moderation"], false);
    // The embedded assistant has no moderation endpoint.
    assert_eq!(page.body["moderationAvailable"], false);
    let system = &page.body["system"];
    assert!(system["blocked"]
        .as_array()
        .unwrap()
        .contains(&json!("kill yourself")));
    let serious = system["serious"].as_array().unwrap();
    assert!(serious
        .contains(&json!({ "phrase": "my lawyer", "category": "legal", "confidence": "high" })));
    assert!(serious.iter().any(|p| p["category"] == "self_harm"));
    assert!(serious.iter().any(|p| p["confidence"] == "medium"));
    // Reading writes nothing.
    assert_eq!(stored(&app, &app.tenant.id).await, None);
}

async fn saved_settings_read_back_trimmed_and_are_what_the_reply_pipeline_loads(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let saved = put_safety(&admin, settings()).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let expected = json!({
        "lists": {
            "blocked": ["refund scam", "crypto*"],
            "seriousHigh": ["chargeback fraud"],
            "seriousMedium": ["ombudsman"],
        },
        "blockedAction": "fallback_message",
        "fallbackMessage": "Sorry, we can't discuss that here.",
        "redactContactDetails": true,
        "moderation": true,
    });
    assert_eq!(saved.body["settings"], expected);
    assert!(saved.body["system"]["serious"].is_array());
    assert_eq!(admin.get(SAFETY).await.body["settings"], expected);

    // The row is the server's own shape, which `ai::safety::store::load` reads.
    let row = stored(&app, &app.tenant.id).await.expect("a row");
    assert_eq!(row["lists"]["blocked"], json!(["refund scam", "crypto*"]));
    assert_eq!(row["lists"]["serious_medium"], json!(["ombudsman"]));
    assert_eq!(row["blocked_action"], "fallback_message");
    assert_eq!(row["redact_contact_details"], true);

    // Every action reads back, and the lists can be emptied again.
    for action in ["end_conversation", "hand_to_human"] {
        let mut body = expected.clone();
        body["blockedAction"] = json!(action);
        body["lists"] = json!({ "blocked": [], "seriousHigh": [], "seriousMedium": [] });
        body["moderation"] = json!(false);
        let answer = put_safety(&admin, body.clone()).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["settings"], body);
    }
    assert_eq!(
        stored(&app, &app.tenant.id).await.unwrap()["lists"]["blocked"],
        json!([])
    );
}

async fn each_bad_field_is_a_422_naming_it_and_saves_nothing(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let too_many: Vec<String> = (0..501).map(|i| format!("phrase {i}")).collect();
    let cases = [
        (
            "lists.blocked",
            "/lists/blocked",
            json!(["fine", "x".repeat(101)]),
        ),
        ("lists.blocked", "/lists/blocked", json!(too_many)),
        ("lists.seriousHigh", "/lists/seriousHigh", json!(["?!"])),
        (
            "lists.seriousMedium",
            "/lists/seriousMedium",
            json!(["--- ..."]),
        ),
        ("blockedAction", "/blockedAction", json!("shout_back")),
        ("blockedAction", "/blockedAction", json!("")),
        ("fallbackMessage", "/fallbackMessage", json!("   ")),
        (
            "fallbackMessage",
            "/fallbackMessage",
            json!("y".repeat(501)),
        ),
    ];
    for (field, pointer, value) in cases {
        let mut body = settings();
        *body.pointer_mut(pointer).expect(pointer) = value;
        let answer = put_safety(&admin, body).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
        assert!(!answer.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }
    // The offending phrase is quoted, since blank lines shift the line numbers.
    let mut body = settings();
    body["lists"]["seriousHigh"] = json!(["", "fine", "#%&"]);
    let answer = put_safety(&admin, body).await;
    let message = answer.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("#%&"), "{message}");
    // A body that is not the settings at all is refused in the same error format.
    let answer = put_safety(&admin, json!({ "lists": [] })).await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    assert_eq!(answer.code(), "invalid_body");

    assert_eq!(stored(&app, &app.tenant.id).await, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    let page = admin.get(SAFETY).await;
    assert_eq!(page.body["settings"]["blockedAction"], "hand_to_human");
}

async fn agents_and_viewers_may_neither_read_nor_change_safety_settings(app: TestApp) {
    for role in [Role::Agent, Role::Viewer] {
        let t = app.teammate(role).await;
        for (i, answer) in [t.get(SAFETY).await, put_safety(&t, settings()).await]
            .iter()
            .enumerate()
        {
            assert_eq!(
                answer.status, 403,
                "{role:?} request {i}: {:?}",
                answer.body
            );
            assert_eq!(answer.code(), "admin_only");
        }
    }
    assert_eq!(stored(&app, &app.tenant.id).await, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    // An owner may, like an admin.
    let owner = app.teammate(Role::Owner).await;
    assert_eq!(put_safety(&owner, settings()).await.status, 200);
    assert_eq!(owner.get(SAFETY).await.status, 200);
}

async fn one_workspaces_safety_settings_are_not_anothers(app: TestApp) {
    let b = create_tenant(&app.db, "https://b.example.org").await;
    let admin_a = app.teammate(Role::Admin).await;
    let admin_b = app.teammate_of(&b.id, Role::Admin).await;
    assert_eq!(put_safety(&admin_a, settings()).await.status, 200);

    let b_page = admin_b.get(SAFETY).await;
    assert_eq!(b_page.status, 200);
    assert_eq!(b_page.body["settings"]["lists"]["blocked"], json!([]));
    assert!(!b_page.body.to_string().contains("refund scam"));
    assert_eq!(stored(&app, &b.id).await, None);

    let mut theirs = settings();
    theirs["lists"]["blocked"] = json!(["only for b"]);
    theirs["blockedAction"] = json!("end_conversation");
    assert_eq!(put_safety(&admin_b, theirs).await.status, 200);
    // A is untouched, and its audit log holds only its own change.
    let a_page = admin_a.get(SAFETY).await;
    assert_eq!(
        a_page.body["settings"]["lists"]["blocked"],
        json!(["refund scam", "crypto*"])
    );
    assert_eq!(a_page.body["settings"]["blockedAction"], "fallback_message");
    let log = admin_a.get("/api/dashboard/audit").await;
    assert_eq!(log.body["entries"].as_array().unwrap().len(), 1);
}

async fn a_change_is_audited_before_to_after_and_announced_to_open_dashboards(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let watcher = app.teammate(Role::Agent).await;
    let mut socket = watcher.socket(None).await;
    assert_eq!(put_safety(&admin, settings()).await.status, 200);
    let event = next_event(&mut socket).await;
    assert_eq!(event["event"]["type"], "settings_changed");
    assert_eq!(event["event"]["area"], "safety");

    let mut changed = settings();
    changed["lists"]["seriousHigh"] = json!(["chargeback fraud", "identity theft"]);
    assert_eq!(put_safety(&admin, changed.clone()).await.status, 200);
    // Saving the same again changes nothing and logs nothing.
    assert_eq!(put_safety(&admin, changed).await.status, 200);

    let log = admin.get("/api/dashboard/audit").await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let entries = log.body["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let first = &entries[1];
    assert_eq!(first["action"], "safety.updated");
    assert_eq!(first["area"], "safety");
    assert_eq!(first["actorId"], admin.id.as_str());
    assert_eq!(first["before"]["blocked_action"], "hand_to_human");
    assert_eq!(first["after"]["blocked_action"], "fallback_message");
    let latest = &entries[0];
    assert_eq!(
        latest["before"]["lists"]["serious_high"],
        json!(["chargeback fraud"])
    );
    assert_eq!(
        latest["after"]["lists"]["serious_high"],
        json!(["chargeback fraud", "identity theft"])
    );
}

async fn moderation_is_available_with_the_openai_compatible_provider(backend: Backend) {
    let Some(app) = spawn_app_with(
        backend,
        &[
            ("LIVECHAT_AI_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("OPENAI_API_KEY", "sk-test-not-a-secret"),
            ("OPENAI_MODEL", "stub-model"),
        ],
    )
    .await
    else {
        return;
    };
    let admin = app.teammate(Role::Admin).await;
    let page = admin.get(SAFETY).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body["moderationAvailable"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_available_sqlite() {
    moderation_is_available_with_the_openai_compatible_provider(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_available_postgres() {
    moderation_is_available_with_the_openai_compatible_provider(Backend::Postgres).await;
}
