//! Routing rules, handoff settings and the "test a message" box in the dashboard: admins only,
//! 422 naming the field, one workspace never sees or targets another's, reorder, the test
//! endpoint's explanation, and an audit entry for every change.

use reqwest::Method;
use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, Answer, TestApp};
use crate::on_both_backends;
use crate::teammates::Teammate;

on_both_backends!(
    agents_and_viewers_get_403_on_every_routing_endpoint,
    each_bad_rule_field_is_a_422_naming_it_and_saves_nothing,
    a_rule_is_created_edited_and_deleted_with_an_audit_entry_each,
    another_workspaces_rules_and_assistants_are_out_of_reach,
    reordering_sets_the_tie_break_among_equal_priorities,
    the_test_box_says_which_rule_matched_and_why_for_each,
    handoff_settings_default_save_and_refuse_bad_input_by_field,
    a_rule_whose_assistant_was_deleted_stays_listed_and_is_skipped,
);

const RULES: &str = "/api/dashboard/settings/routing/rules";
const ORDER: &str = "/api/dashboard/settings/routing/rules/order";
const HANDOFF: &str = "/api/dashboard/settings/routing/handoff";
const TEST: &str = "/api/dashboard/settings/routing/test";

async fn put_json(teammate: &Teammate, path: &str, body: Value) -> Answer {
    teammate
        .send(teammate.request(Method::PUT, path).json(&body))
        .await
}

/// The tenant's default assistant's id.
async fn default_assistant(app: &TestApp, tenant_id: &str) -> String {
    sqlx::query_scalar("SELECT id FROM assistants WHERE tenant_id = $1 AND is_default = 1")
        .bind(tenant_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("default assistant")
}

async fn add_assistant(admin: &Teammate, name: &str) -> String {
    let answer = admin
        .post(
            "/api/dashboard/settings/assistants",
            json!({
                "name": name,
                "instructions": "Help with invoices.",
                "greeting": "Hi!",
                "channels": ["web", "sms"],
            }),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.body["id"].as_str().unwrap().to_owned()
}

fn rule(name: &str, priority: i64, assistant_id: &str) -> Value {
    json!({
        "name": name,
        "priority": priority,
        "active": true,
        "keywords": ["Refund", "charged twice"],
        "intent": null,
        "channels": [],
        "timeWindow": "any",
        "targetKind": "assistant",
        "targetAssistantId": assistant_id,
    })
}

async fn create(admin: &Teammate, body: Value) -> Value {
    let answer = admin.post(RULES, body).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.body
}

async fn routing_audit(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE area = 'routing' ORDER BY seq")
        .fetch_all(&app.db.pool)
        .await
        .expect("audit actions")
}

async fn agents_and_viewers_get_403_on_every_routing_endpoint(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let assistant = default_assistant(&app, &app.tenant.id).await;
    let existing = create(&admin, rule("Billing", 80, &assistant)).await;
    let id = existing["id"].as_str().unwrap();
    let audited = routing_audit(&app).await.len();
    for role in [Role::Agent, Role::Viewer] {
        let t = app.teammate(role).await;
        let answers = [
            t.get(RULES).await,
            t.post(RULES, rule("Mine", 10, &assistant)).await,
            put_json(
                &t,
                &format!("{RULES}/{id}"),
                rule("Renamed", 10, &assistant),
            )
            .await,
            t.delete(&format!("{RULES}/{id}")).await,
            put_json(&t, ORDER, json!({ "ids": [id] })).await,
            t.get(HANDOFF).await,
            put_json(&t, HANDOFF, json!({ "maxHandoffs": 5 })).await,
            t.post(TEST, json!({ "message": "refund please" })).await,
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
    assert_eq!(routing_audit(&app).await.len(), audited);
    assert_eq!(app.count("SELECT COUNT(*) FROM routing_rules").await, 1);
    let owner = app.teammate(Role::Owner).await;
    assert_eq!(owner.get(RULES).await.status, 200);
}

async fn each_bad_rule_field_is_a_422_naming_it_and_saves_nothing(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let assistant = default_assistant(&app, &app.tenant.id).await;
    let cases = [
        ("name", json!("  ")),
        ("priority", json!(101)),
        ("priority", json!(-5)),
        ("channels", json!(["web", "fax"])),
        ("intent", json!("not an intent!")),
        ("timeWindow", json!("weekends")),
        ("targetKind", json!("robot")),
        ("targetAssistantId", json!(null)),
        ("targetAssistantId", json!("as_nobody")),
        ("keywords", json!(["x".repeat(61)])),
    ];
    for (field, value) in cases {
        let mut body = rule("Billing", 50, &assistant);
        body[field] = value;
        let answer = admin.post(RULES, body).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM routing_rules").await, 0);
    assert!(routing_audit(&app).await.is_empty());
}

async fn a_rule_is_created_edited_and_deleted_with_an_audit_entry_each(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = add_assistant(&admin, "Billing Bot").await;
    let created = create(&admin, rule("Billing", 80, &billing)).await;
    assert_eq!(created["keywords"], json!(["refund", "charged twice"]));
    assert_eq!(
        created["target"],
        json!({ "kind": "assistant", "assistantId": billing })
    );
    assert_eq!(created["targetName"], "Billing Bot");
    let id = created["id"].as_str().unwrap().to_owned();

    let mut human = rule("Billing to people", 95, &billing);
    human["targetKind"] = json!("human");
    human["channels"] = json!(["sms", "web"]);
    human["timeWindow"] = json!("business_hours");
    let edited = put_json(&admin, &format!("{RULES}/{id}"), human.clone()).await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    assert_eq!(edited.body["target"], json!({ "kind": "human" }));
    assert_eq!(edited.body["channels"], json!(["web", "sms"]));
    assert_eq!(edited.body["priority"], 95);
    // The same again changes nothing and records nothing.
    assert_eq!(
        put_json(&admin, &format!("{RULES}/{id}"), human)
            .await
            .status,
        200
    );

    let listed = admin.get(RULES).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(admin.delete(&format!("{RULES}/{id}")).await.status, 204);
    assert_eq!(admin.delete(&format!("{RULES}/{id}")).await.status, 404);
    assert_eq!(
        routing_audit(&app).await,
        [
            "routing_rule.created",
            "routing_rule.updated",
            "routing_rule.deleted"
        ]
    );
    let (before, after): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT before, after FROM audit_log WHERE action = 'routing_rule.updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let before: Value = serde_json::from_str(&before.unwrap()).unwrap();
    let after: Value = serde_json::from_str(&after.unwrap()).unwrap();
    assert_eq!(before["name"], "Billing");
    assert_eq!(after["name"], "Billing to people");
    assert_eq!(after["timeWindow"], "business_hours");
}

async fn another_workspaces_rules_and_assistants_are_out_of_reach(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let ours = default_assistant(&app, &app.tenant.id).await;
    let created = create(&admin, rule("Ours", 50, &ours)).await;
    let our_rule = created["id"].as_str().unwrap().to_owned();

    let other = create_tenant(&app.db, "https://other.example.com").await;
    let theirs = default_assistant(&app, &other.id).await;
    let stranger = app.teammate_of(&other.id, Role::Admin).await;
    // Their admin can't target our assistant, nor see, change, delete or reorder our rule.
    let answer = stranger.post(RULES, rule("Steal", 50, &ours)).await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(answer.body["error"]["field"], "targetAssistantId");
    assert_eq!(stranger.get(RULES).await.body, json!([]));
    let path = format!("{RULES}/{our_rule}");
    assert_eq!(
        put_json(&stranger, &path, rule("X", 1, &theirs))
            .await
            .status,
        404
    );
    assert_eq!(stranger.delete(&path).await.status, 404);
    let reorder = put_json(&stranger, ORDER, json!({ "ids": [our_rule] })).await;
    assert_eq!(reorder.status, 422);
    assert_eq!(reorder.body["error"]["field"], "ids");
    // Nor can our admin point our rule at their assistant.
    let retarget = put_json(&admin, &path, rule("Ours", 50, &theirs)).await;
    assert_eq!(retarget.status, 422);
    assert_eq!(retarget.body["error"]["code"], "unknown_assistant");
    let ours_now = admin.get(RULES).await;
    assert_eq!(ours_now.body[0]["target"]["assistantId"], ours.as_str());
}

async fn reordering_sets_the_tie_break_among_equal_priorities(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let assistant = default_assistant(&app, &app.tenant.id).await;
    let mut ids = Vec::new();
    for (name, priority) in [("A", 50), ("B", 50), ("C", 90)] {
        let created = create(&admin, rule(name, priority, &assistant)).await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let names = |answer: &Answer| -> Vec<String> {
        answer
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&admin.get(RULES).await), ["C", "A", "B"]);
    let test = admin.post(TEST, json!({ "message": "a refund" })).await;
    assert_eq!(test.body["ruleName"], "C");

    let reordered = put_json(&admin, ORDER, json!({ "ids": [ids[2], ids[1], ids[0]] })).await;
    assert_eq!(reordered.status, 200, "{:?}", reordered.body);
    assert_eq!(
        names(&reordered),
        ["C", "B", "A"],
        "priority still comes first"
    );
    for bad in [
        json!({ "ids": [ids[0], ids[1]] }),
        json!({ "ids": [ids[0], ids[0], ids[1]] }),
        json!({ "ids": [ids[0], ids[1], ids[2], "rr_nope"] }),
    ] {
        let answer = put_json(&admin, ORDER, bad).await;
        assert_eq!(answer.status, 422, "{:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], "ids");
    }
    // With C inactive, B now wins the tie.
    let mut off = rule("C", 90, &assistant);
    off["active"] = json!(false);
    assert_eq!(
        put_json(&admin, &format!("{RULES}/{}", ids[2]), off)
            .await
            .status,
        200
    );
    let test = admin.post(TEST, json!({ "message": "a refund" })).await;
    assert_eq!(test.body["ruleName"], "B");
    assert_eq!(
        routing_audit(&app)
            .await
            .iter()
            .filter(|a| *a == "routing_rule.reordered")
            .count(),
        1
    );
}

async fn the_test_box_says_which_rule_matched_and_why_for_each(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = add_assistant(&admin, "Billing Bot").await;
    let mut by_intent = rule("Billing intent", 90, &billing);
    by_intent["keywords"] = json!([]);
    by_intent["intent"] = json!("billing");
    create(&admin, by_intent).await;
    let mut people = rule("People", 40, &billing);
    people["keywords"] = json!(["speak to a human"]);
    people["targetKind"] = json!("human");
    create(&admin, people).await;

    let answer = admin
        .post(
            TEST,
            json!({
                "message": "I was charged twice",
                "channel": "web",
                "intent": { "key": "billing", "confidence": 0.9 },
            }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["ruleName"], "Billing intent");
    assert_eq!(
        answer.body["target"],
        json!({ "kind": "assistant", "assistantId": billing, "assistantName": "Billing Bot" })
    );
    assert_eq!(
        answer.body["intent"],
        json!({ "key": "billing", "confidence": 0.9, "confident": true, "detectedBy": null })
    );
    let checks = answer.body["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0]["matched"], true);
    assert!(checks[0]["why"]
        .as_str()
        .unwrap()
        .contains("intent billing"));
    assert!(checks[1]["why"].as_str().unwrap().starts_with("not tried"));

    // No intent given: the classifier's, as the reply pipeline reads it.
    let classified = admin
        .post(
            TEST,
            json!({ "message": "I was charged twice for my last order" }),
        )
        .await;
    assert_eq!(
        classified.body["ruleName"], "Billing intent",
        "{}",
        classified.body
    );
    // The test box says what the classifier read, and how sure it was.
    let read = &classified.body["intent"];
    assert_eq!(read["key"], "billing", "{read}");
    assert_eq!(read["detectedBy"], "embedded", "{read}");
    assert_eq!(read["confident"], true, "{read}");
    assert!(read["confidence"].as_f64().unwrap() >= 0.6, "{read}");
    let unknown = admin.post(TEST, json!({ "message": "hello there" })).await;
    assert_eq!(unknown.body["ruleId"], Value::Null);
    assert_eq!(unknown.body["intent"]["key"], "general");
    // A given intent below the threshold is reported as too uncertain, and no rule takes it.
    let unsure = admin
        .post(
            TEST,
            json!({ "message": "hmm", "intent": { "key": "billing", "confidence": 0.3 } }),
        )
        .await;
    assert_eq!(unsure.body["intent"]["confident"], false);
    assert_eq!(unsure.body["ruleId"], Value::Null);
    let checks = unknown.body["checks"].as_array().unwrap();
    assert!(
        checks[0]["why"]
            .as_str()
            .unwrap()
            .contains("intent is general"),
        "{}",
        checks[0]["why"]
    );
    assert!(checks[1]["why"]
        .as_str()
        .unwrap()
        .contains("none of the keywords"));
    let default = default_assistant(&app, &app.tenant.id).await;
    assert_eq!(unknown.body["target"]["kind"], "default");
    assert_eq!(unknown.body["target"]["assistantId"], default.as_str());

    // To humans on a Saturday (2026-12-05 12:00 UTC), in a workspace that never set business
    // hours: nobody is told "we're back Monday" on the strength of hours it never gave.
    let saturday = 1_796_472_000_000_i64;
    let speak = json!({ "message": "Can I SPEAK to a human?", "at": saturday });
    let human = admin.post(TEST, speak.clone()).await;
    assert_eq!(human.body["target"], json!({ "kind": "human" }));
    assert_eq!(human.body["businessHoursSet"], false);
    assert_eq!(human.body["businessHours"], true);
    assert_eq!(human.body["closedMessage"], Value::Null);
    // Once it sets Monday–Friday 9:00–17:00, the visitor is told when they're back.
    let weekdays: Vec<Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|day| json!({ "day": day, "open": "09:00", "close": "17:00" }))
        .collect();
    let saved = put_json(
        &admin,
        HANDOFF,
        json!({ "businessHoursEnabled": true, "timeZone": "UTC", "weeklyHours": weekdays }),
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let human = admin.post(TEST, speak).await;
    assert_eq!(human.body["businessHoursSet"], true);
    assert_eq!(human.body["businessHours"], false);
    assert_eq!(
        human.body["closedMessage"],
        "We're back Monday at 9:00 (UTC)."
    );

    for (body, field) in [
        (json!({ "message": "" }), "message"),
        (json!({ "message": "hi", "channel": "fax" }), "channel"),
        (
            json!({ "message": "hi", "intent": { "key": "billing", "confidence": 1.5 } }),
            "intent",
        ),
    ] {
        let answer = admin.post(TEST, body).await;
        assert_eq!(answer.status, 422, "{:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field);
    }
}

async fn handoff_settings_default_save_and_refuse_bad_input_by_field(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let page = admin.get(HANDOFF).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let defaults = page.body["settings"].clone();
    assert_eq!(defaults["handoffEnabled"], true);
    assert_eq!(defaults["maxHandoffs"], 3);
    assert_eq!(defaults["failuresBeforeHuman"], 2);
    assert_eq!(defaults["messageStyle"], "default");
    assert_eq!(defaults["timeZone"], "UTC");
    // Never saved: no business hours, so the team is never shown as away.
    assert_eq!(defaults["businessHoursEnabled"], false);
    assert_eq!(defaults["weeklyHours"], json!([]));
    assert_eq!(page.body["openNow"], true);
    assert_eq!(page.body["closedMessage"], Value::Null);

    let good = json!({
        "handoffEnabled": false,
        "maxHandoffs": 5,
        "failuresBeforeHuman": 1,
        "messageStyle": "casual",
        "handoffTemplate": "Over to {agent_name} for {customer_intent}.",
        "businessHoursEnabled": true,
        "timeZone": "Europe/London",
        "weeklyHours": [
            { "day": "monday", "open": "09:00", "close": "17:30" },
            { "day": "friday", "open": "22:00", "close": "02:00" },
        ],
    });
    let bad = [
        ("maxHandoffs", json!(11)),
        ("failuresBeforeHuman", json!(0)),
        ("messageStyle", json!("shouty")),
        ("handoffTemplate", json!("x".repeat(501))),
        ("handoffTemplate", json!("Hi {visitor}")),
        ("timeZone", json!("Europe/Atlantis")),
        (
            "weeklyHours",
            json!([{ "day": "monday", "open": "09:00", "close": "12:00" },
                               { "day": "monday", "open": "11:00", "close": "13:00" }]),
        ),
        (
            "weeklyHours",
            json!([{ "day": "monday", "open": "9am", "close": "12:00" }]),
        ),
    ];
    for (field, value) in bad {
        let mut body = good.clone();
        body[field] = value;
        let answer = put_json(&admin, HANDOFF, body).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
    }
    assert!(routing_audit(&app).await.is_empty());

    let saved = put_json(&admin, HANDOFF, good.clone()).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["settings"]["timeZone"], "Europe/London");
    assert_eq!(saved.body["settings"]["weeklyHours"][1]["close"], "02:00");
    let again = admin.get(HANDOFF).await;
    assert_eq!(again.body["settings"], saved.body["settings"]);
    assert_eq!(again.body["settings"]["maxHandoffs"], 5);
    // Saving the same again records nothing new.
    assert_eq!(put_json(&admin, HANDOFF, good.clone()).await.status, 200);
    assert_eq!(routing_audit(&app).await, ["handoff_settings.updated"]);
    let after: String =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'handoff_settings.updated'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(after.contains("Europe/London"), "{after}");

    // Switched off, the hours are kept for later but not in force.
    let mut off = good;
    off["businessHoursEnabled"] = json!(false);
    let saved = put_json(&admin, HANDOFF, off).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(saved.body["settings"]["businessHoursEnabled"], false);
    assert_eq!(
        saved.body["settings"]["weeklyHours"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(saved.body["openNow"], true);
    assert_eq!(saved.body["closedMessage"], Value::Null);
    // Switched on with no opening at all: the team is never in, and the page says so.
    let never = put_json(
        &admin,
        HANDOFF,
        json!({ "businessHoursEnabled": true, "timeZone": "UTC", "weeklyHours": [] }),
    )
    .await;
    assert_eq!(never.status, 200, "{:?}", never.body);
    assert_eq!(never.body["openNow"], false);
    assert!(never.body["closedMessage"]
        .as_str()
        .unwrap_or_default()
        .contains("not available"));

    // Every style the page offers is taken, "AI generated" included.
    for style in [
        "default",
        "professional",
        "casual",
        "brief",
        "detailed",
        "ai_generated",
    ] {
        let answer = put_json(&admin, HANDOFF, json!({ "messageStyle": style })).await;
        assert_eq!(answer.status, 200, "{style}: {:?}", answer.body);
        assert_eq!(
            admin.get(HANDOFF).await.body["settings"]["messageStyle"],
            style
        );
    }
}

async fn a_rule_whose_assistant_was_deleted_stays_listed_and_is_skipped(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = add_assistant(&admin, "Billing Bot").await;
    let fallback = default_assistant(&app, &app.tenant.id).await;
    create(&admin, rule("Billing", 90, &billing)).await;
    create(&admin, rule("Everything else", 10, &fallback)).await;
    let path = format!("/api/dashboard/settings/assistants/{billing}");
    assert_eq!(admin.delete(&path).await.status, 204);

    let listed = admin.get(RULES).await;
    assert_eq!(listed.body[0]["name"], "Billing");
    assert_eq!(listed.body[0]["targetName"], Value::Null);
    let test = admin
        .post(TEST, json!({ "message": "I want a refund" }))
        .await;
    assert_eq!(test.body["ruleName"], "Everything else");
    assert!(test.body["checks"][0]["why"]
        .as_str()
        .unwrap()
        .contains("deleted"));
    // Retargeting at the deleted assistant is refused.
    let id = listed.body[0]["id"].as_str().unwrap();
    let mut renamed = rule("Billing!", 90, &billing);
    renamed["active"] = json!(true);
    let answer = put_json(&admin, &format!("{RULES}/{id}"), renamed).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["error"]["field"], "targetAssistantId");
}
