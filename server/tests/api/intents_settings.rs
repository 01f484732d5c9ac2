//! Intent settings in the dashboard: the defaults until a workspace saves its own, a round trip
//! that trims and keeps the order, 422s naming the field (`intents[3].key`), admins and owners
//! only (reads too), one workspace never sees another's, every change audited and announced, and
//! the "try it" box answering from a classifier retrained on the saved list.

use reqwest::Method;
use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, Answer, TestApp};
use crate::on_both_backends;
use crate::teammates::{next_event, Teammate};

on_both_backends!(
    a_workspace_that_never_saved_reads_the_default_intents,
    saved_intents_read_back_cleaned_in_order,
    each_bad_field_is_a_422_naming_it_and_saves_nothing,
    agents_and_viewers_may_neither_read_nor_change_nor_try_intents,
    one_workspaces_intents_are_not_anothers,
    a_change_is_audited_before_to_after_and_announced_to_open_dashboards,
    a_saved_custom_intent_is_learnt_and_recognised_in_new_phrasings,
);

const INTENTS: &str = "/api/dashboard/settings/intents";
const TEST: &str = "/api/dashboard/settings/intents/test";
const DEFAULT_KEYS: [&str; 5] = ["sales", "support", "billing", "technical", "general"];

async fn put_intents(teammate: &Teammate, intents: Value) -> Answer {
    teammate
        .send(
            teammate
                .request(Method::PUT, INTENTS)
                .json(&json!({ "intents": intents })),
        )
        .await
}

async fn try_text(teammate: &Teammate, text: &str) -> Answer {
    teammate.post(TEST, json!({ "text": text })).await
}

fn keys(page: &Value) -> Vec<String> {
    page["intents"]
        .as_array()
        .expect("intents")
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect()
}

/// A small list of the workspace's own.
fn small() -> Value {
    json!([
        { "key": "orders", "label": "Orders", "examples": ["where is my order", "track my parcel"] },
        { "key": "general", "label": "General", "examples": ["hello", "thanks"] },
    ])
}

async fn stored_rows(app: &TestApp, tenant_id: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM workspace_intents WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

async fn a_workspace_that_never_saved_reads_the_default_intents(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let page = admin.get(INTENTS).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(keys(&page.body), DEFAULT_KEYS);
    assert_eq!(page.body["defaults"], json!(DEFAULT_KEYS));
    assert_eq!(page.body["confident"], 0.5);
    for intent in page.body["intents"].as_array().unwrap() {
        assert!(!intent["label"].as_str().unwrap().is_empty());
        assert!(
            intent["examples"].as_array().unwrap().len() >= 10,
            "{intent}"
        );
    }
    // The defaults answer the "try it" box.
    let tried = try_text(&admin, "my card was charged twice for order 1234").await;
    assert_eq!(tried.status, 200, "{:?}", tried.body);
    assert_eq!(tried.body["ranked"][0]["key"], "billing");
    assert_eq!(tried.body["ranked"].as_array().unwrap().len(), 5);
    // Reading and trying write nothing.
    assert_eq!(stored_rows(&app, &app.tenant.id).await, 0);
}

async fn saved_intents_read_back_cleaned_in_order(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let body = json!([
        { "key": " orders ", "label": "  Orders ", "examples": [" where is my order ", "", "   ", "track my parcel", "track my parcel"] },
        { "key": "general", "label": "Anything else", "examples": ["hello"] },
        { "key": "billing", "label": "Billing", "examples": ["I was charged twice"] },
    ]);
    let saved = put_intents(&admin, body).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let expected = json!([
        { "key": "orders", "label": "Orders", "examples": ["where is my order", "track my parcel"] },
        { "key": "general", "label": "Anything else", "examples": ["hello"] },
        { "key": "billing", "label": "Billing", "examples": ["I was charged twice"] },
    ]);
    assert_eq!(saved.body["intents"], expected);
    assert_eq!(saved.body["defaults"], json!(DEFAULT_KEYS));
    assert_eq!(admin.get(INTENTS).await.body["intents"], expected);
    assert_eq!(stored_rows(&app, &app.tenant.id).await, 3);

    // A shorter list replaces the whole of it, in its new order.
    let answer = put_intents(&admin, small()).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(keys(&admin.get(INTENTS).await.body), ["orders", "general"]);
    assert_eq!(stored_rows(&app, &app.tenant.id).await, 2);
    let reordered = json!([small()[1], small()[0]]);
    assert_eq!(put_intents(&admin, reordered).await.status, 200);
    assert_eq!(keys(&admin.get(INTENTS).await.body), ["general", "orders"]);

    // A long list (far above the API's usual 32 KiB body limit) saves too.
    let long: Vec<Value> = (0..50)
        .map(|i| {
            let key = if i == 0 {
                "general".to_owned()
            } else {
                format!("topic_{i}")
            };
            let examples: Vec<String> = (0..40)
                .map(|j| {
                    format!("customer message number {j} about topic {i}, written at some length")
                })
                .collect();
            json!({ "key": key, "label": format!("Topic {i}"), "examples": examples })
        })
        .collect();
    let long = Value::Array(long);
    assert!(long.to_string().len() > 100_000);
    let answer = put_intents(&admin, long).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(stored_rows(&app, &app.tenant.id).await, 50);
    let page = admin.get(INTENTS).await.body;
    assert_eq!(
        page["intents"][49]["examples"].as_array().unwrap().len(),
        40
    );
}

async fn each_bad_field_is_a_422_naming_it_and_saves_nothing(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let defaults = admin.get(INTENTS).await.body["intents"].clone();
    let with = |change: &dyn Fn(&mut Value)| {
        let mut list = defaults.clone();
        change(&mut list);
        list
    };
    let cases: Vec<(&str, Value)> = vec![
        (
            "intents[3].key",
            with(&|l| l[3]["key"] = json!("Tech Stuff")),
        ),
        ("intents[2].key", with(&|l| l[2]["key"] = json!("sales"))),
        ("intents[0].key", with(&|l| l[0]["key"] = json!(""))),
        ("intents[1].label", with(&|l| l[1]["label"] = json!("   "))),
        (
            "intents[1].label",
            with(&|l| l[1]["label"] = json!("L".repeat(61))),
        ),
        (
            "intents[4].examples",
            with(&|l| l[4]["examples"] = json!(["", "  "])),
        ),
        (
            "intents[0].examples",
            with(&|l| {
                l[0]["examples"] =
                    json!((0..201).map(|i| format!("phrase {i}")).collect::<Vec<_>>())
            }),
        ),
        (
            "intents[2].examples",
            with(&|l| {
                l[2]["examples"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("x".repeat(301)))
            }),
        ),
        (
            "intents",
            with(&|l| l.as_array_mut().unwrap().retain(|i| i["key"] != "general")),
        ),
        (
            "intents",
            json!((0..51)
                .map(|i| json!({ "key": format!("k{i}"), "label": "K", "examples": ["x"] }))
                .collect::<Vec<_>>()),
        ),
    ];
    for (field, list) in cases {
        let answer = put_intents(&admin, list).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
        assert!(!answer.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }
    // A body that is not a list of intents is refused in the same error format.
    let answer = admin
        .send(
            admin
                .request(Method::PUT, INTENTS)
                .json(&json!({ "intents": "all" })),
        )
        .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);
    assert_eq!(answer.code(), "invalid_body");
    // An empty message cannot be tried.
    let answer = try_text(&admin, "   ").await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(answer.body["error"]["field"], "text");

    assert_eq!(stored_rows(&app, &app.tenant.id).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    assert_eq!(keys(&admin.get(INTENTS).await.body), DEFAULT_KEYS);
}

async fn agents_and_viewers_may_neither_read_nor_change_nor_try_intents(app: TestApp) {
    for role in [Role::Agent, Role::Viewer] {
        let t = app.teammate(role).await;
        let answers = [
            t.get(INTENTS).await,
            put_intents(&t, small()).await,
            try_text(&t, "where is my order").await,
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
    assert_eq!(stored_rows(&app, &app.tenant.id).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
    // An owner may, like an admin.
    let owner = app.teammate(Role::Owner).await;
    assert_eq!(put_intents(&owner, small()).await.status, 200);
    assert_eq!(owner.get(INTENTS).await.status, 200);
    assert_eq!(try_text(&owner, "where is my order").await.status, 200);
}

async fn one_workspaces_intents_are_not_anothers(app: TestApp) {
    let b = create_tenant(&app.db, "https://b.example.org").await;
    let admin_a = app.teammate(Role::Admin).await;
    let admin_b = app.teammate_of(&b.id, Role::Admin).await;
    assert_eq!(put_intents(&admin_a, small()).await.status, 200);

    let b_page = admin_b.get(INTENTS).await;
    assert_eq!(b_page.status, 200);
    assert_eq!(keys(&b_page.body), DEFAULT_KEYS);
    let tried = try_text(&admin_b, "track my parcel").await;
    assert!(
        !tried.body.to_string().contains("orders"),
        "{:?}",
        tried.body
    );
    assert_eq!(stored_rows(&app, &b.id).await, 0);

    // B may use the same keys; A is untouched by B's save.
    let theirs = json!([
        { "key": "orders", "label": "B's orders", "examples": ["only for b"] },
        { "key": "general", "label": "General", "examples": ["hi"] },
    ]);
    assert_eq!(put_intents(&admin_b, theirs).await.status, 200);
    let a_page = admin_a.get(INTENTS).await;
    assert_eq!(a_page.body["intents"], small());
    assert_eq!(
        admin_b.get(INTENTS).await.body["intents"][0]["label"],
        "B's orders"
    );
    let log = admin_a.get("/api/dashboard/audit").await;
    assert_eq!(log.body["entries"].as_array().unwrap().len(), 1);
}

async fn a_change_is_audited_before_to_after_and_announced_to_open_dashboards(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let watcher = app.teammate(Role::Agent).await;
    let mut socket = watcher.socket(None).await;
    assert_eq!(put_intents(&admin, small()).await.status, 200);
    let event = next_event(&mut socket).await;
    assert_eq!(event["event"]["type"], "settings_changed");
    assert_eq!(event["event"]["area"], "intents");

    let mut changed = small();
    changed[0]["examples"]
        .as_array_mut()
        .unwrap()
        .push(json!("has my order shipped"));
    assert_eq!(put_intents(&admin, changed.clone()).await.status, 200);
    // Saving the same again changes nothing and logs nothing.
    assert_eq!(put_intents(&admin, changed).await.status, 200);

    let log = admin.get("/api/dashboard/audit").await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let entries = log.body["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let first = &entries[1];
    assert_eq!(first["action"], "intents.updated");
    assert_eq!(first["area"], "intents");
    assert_eq!(first["actorId"], admin.id.as_str());
    // Before: the defaults, too many phrases to list, so keys and counts.
    let before = first["before"]["intents"].as_array().unwrap();
    assert_eq!(before.len(), 5);
    assert_eq!(before[0]["key"], "sales");
    assert!(before[0]["examples"].as_u64().unwrap() > 10);
    assert!(before[0].get("phrases").is_none());
    assert_eq!(first["after"]["intents"][0]["key"], "orders");
    assert_eq!(first["after"]["intents"][0]["examples"], 2);
    let latest = &entries[0];
    assert_eq!(latest["before"]["intents"][0]["examples"], 2);
    assert_eq!(latest["after"]["intents"][0]["examples"], 3);
    assert_eq!(
        latest["after"]["intents"][0]["phrases"][2],
        "has my order shipped"
    );
}

async fn a_saved_custom_intent_is_learnt_and_recognised_in_new_phrasings(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    // Phrasings none of the examples below use.
    let held_out = [
        "please email me a prepaid return label",
        "these boots don't fit, how do I send them back?",
        "what address do I post my returns to",
        "can I still return the kettle after 20 days?",
    ];
    for text in held_out {
        let before = try_text(&admin, text).await;
        assert_eq!(before.status, 200, "{:?}", before.body);
        let ranked = before.body["ranked"].as_array().unwrap();
        assert!(ranked.iter().all(|r| r["key"] != "returns"), "{ranked:?}");
    }

    let mut list = admin.get(INTENTS).await.body["intents"].clone();
    list.as_array_mut().unwrap().push(json!({
        "key": "returns",
        "label": "Returns",
        "examples": [
            "I want to return my order",
            "How do I send this item back?",
            "Can I get a return label?",
            "The jacket doesn't fit, can I return it?",
            "Where do I ship my return to?",
            "Is there a free returns period?",
            "I'd like to send back the grinder",
            "How many days do I have to return something?",
        ],
    }));
    let saved = put_intents(&admin, list).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);

    for text in held_out {
        let after = try_text(&admin, text).await;
        assert_eq!(after.status, 200, "{:?}", after.body);
        let ranked = after.body["ranked"].as_array().unwrap();
        assert_eq!(ranked.len(), 6);
        assert_eq!(ranked[0]["key"], "returns", "{text}: {ranked:?}");
        let confidences: Vec<f64> = ranked
            .iter()
            .map(|r| r["confidence"].as_f64().unwrap())
            .collect();
        assert!(
            confidences.windows(2).all(|w| w[0] >= w[1]),
            "{confidences:?}"
        );
        let sum: f64 = confidences.iter().sum();
        assert!((sum - 1.0).abs() < 1e-3, "{sum}");
        assert_eq!(
            after.body["confident"],
            confidences[0] >= 0.5,
            "{:?}",
            after.body
        );
    }
    // The other intents still answer as before.
    let billing = try_text(&admin, "my card was charged twice for order 1234").await;
    assert_eq!(billing.body["ranked"][0]["key"], "billing");
}
