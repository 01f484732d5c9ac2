//! Proactive messages: the dashboard's settings (off with no rules until saved, a normalised
//! round trip where rules keep their ids, 422s naming the rule and field, admins only, one
//! workspace never sees another's, audited and announced), the widget's view of them (only the
//! active rules of a workspace that turned them on, at once after a change), and the bubble
//! reports counted per rule (unknown rules and events refused, other workspaces untouched).

use reqwest::Method;
use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, Answer, TestApp};
use crate::on_both_backends;
use crate::teammates::{next_event, Teammate};

on_both_backends!(
    a_workspace_that_never_saved_has_proactive_messages_off_and_no_rules,
    saved_rules_read_back_normalised_and_keep_their_ids,
    each_bad_field_is_a_422_naming_the_rule_and_saves_nothing,
    only_admins_read_or_change_proactive_messages,
    the_widget_gets_the_active_rules_of_an_enabled_workspace_at_once,
    bubble_reports_are_counted_per_rule_for_the_settings_page,
    bad_bubble_reports_are_refused_and_one_workspaces_counts_are_its_own,
    a_change_is_audited_and_announced_to_open_dashboards,
    one_address_cannot_flood_the_counts,
);

const PROACTIVE: &str = "/api/dashboard/settings/proactive";

async fn put(teammate: &Teammate, body: Value) -> Answer {
    teammate
        .send(teammate.request(Method::PUT, PROACTIVE).json(&body))
        .await
}

fn settings() -> Value {
    json!({
        "enabled": true,
        "rules": [
            {
                "name": "  Pricing help ",
                "trigger": "time_on_page",
                "triggerValue": 20,
                "pages": "https://Shop.Example/pricing/",
                "message": "  Questions about plans? We're here. ",
                "delaySeconds": 2,
                "capDays": 7,
            },
            {
                "name": "Leaving",
                "trigger": "exit_intent",
                "triggerValue": 99,
                "message": "Before you go: 10% off today.",
            },
            {
                "name": "Blog readers",
                "active": false,
                "trigger": "scroll_depth",
                "triggerValue": 60,
                "pages": "/blog/*",
                "message": "Enjoying the post?",
            },
        ],
    })
}

async fn widget_rules(app: &TestApp) -> Answer {
    app.send(app.widget(Method::GET, "/proactive")).await
}

async fn track(app: &TestApp, rule_id: &str, event: &str) -> Answer {
    app.send(
        app.widget(Method::POST, "/track")
            .json(&json!({ "ruleId": rule_id, "event": event })),
    )
    .await
}

async fn a_workspace_that_never_saved_has_proactive_messages_off_and_no_rules(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let page = admin.get(PROACTIVE).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(
        page.body["settings"],
        json!({ "enabled": false, "rules": [] })
    );
    assert_eq!(page.body["counts"], json!([]));
    assert_eq!(page.body["days"], 30);
    let widget = widget_rules(&app).await;
    assert_eq!(widget.status, 200, "{:?}", widget.body);
    assert_eq!(widget.body, json!({ "rules": [] }));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM proactive_settings").await,
        0
    );
}

async fn saved_rules_read_back_normalised_and_keep_their_ids(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let saved = put(&admin, settings()).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let rules = saved.body["settings"]["rules"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 3);
    let ids: Vec<String> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("an id").to_owned())
        .collect();
    assert_eq!(
        rules[0],
        json!({
            "id": ids[0], "name": "Pricing help", "active": true, "trigger": "time_on_page",
            "triggerValue": 20, "pages": "https://shop.example/pricing",
            "message": "Questions about plans? We're here.", "delaySeconds": 2, "capDays": 7,
        })
    );
    // A trigger without a value stores none; no cap is once per session.
    assert_eq!(rules[1]["triggerValue"], 0);
    assert_eq!(rules[1]["capDays"], Value::Null);
    assert_eq!(rules[2]["pages"], "/blog/*");
    assert_eq!(
        admin.get(PROACTIVE).await.body["settings"],
        saved.body["settings"]
    );

    // Reordered and one added: the saved rules keep their ids, the new one gets its own, and
    // a made-up id is not taken.
    let mut next = saved.body["settings"].clone();
    let rules = next["rules"].as_array_mut().unwrap();
    rules.swap(0, 2);
    rules.push(
        json!({ "id": "pm_made_up", "name": "Back again", "trigger": "returning_visitor",
                        "message": "Welcome back!" }),
    );
    let again = put(&admin, next).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let got: Vec<&str> = again.body["settings"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(&got[..3], &[ids[2].as_str(), &ids[1], &ids[0]]);
    assert!(!ids.iter().any(|id| id == got[3]) && got[3] != "pm_made_up");
}

async fn each_bad_field_is_a_422_naming_the_rule_and_saves_nothing(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let cases = [
        ("rules[0].name", "/rules/0/name", json!("   ")),
        ("rules[1].trigger", "/rules/1/trigger", json!("on_sneeze")),
        ("rules[0].triggerValue", "/rules/0/triggerValue", json!(0)),
        ("rules[2].triggerValue", "/rules/2/triggerValue", json!(101)),
        ("rules[2].pages", "/rules/2/pages", json!("/blog/*/x")),
        (
            "rules[0].pages",
            "/rules/0/pages",
            json!("ftp://shop.example/"),
        ),
        ("rules[1].message", "/rules/1/message", json!("")),
        (
            "rules[1].message",
            "/rules/1/message",
            json!("x".repeat(281)),
        ),
        ("rules[0].delaySeconds", "/rules/0/delaySeconds", json!(601)),
        ("rules[0].capDays", "/rules/0/capDays", json!(0)),
    ];
    for (field, pointer, value) in cases {
        let mut body = settings();
        *body.pointer_mut(pointer).expect(pointer) = value;
        let answer = put(&admin, body).await;
        assert_eq!(answer.status, 422, "{field}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{:?}", answer.body);
        let message = answer.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Rule "), "{message}");
    }
    // A page-visit rule needs its pages.
    let mut body = settings();
    body["rules"][1]["trigger"] = json!("page_visit");
    let answer = put(&admin, body).await;
    assert_eq!(answer.body["error"]["field"], "rules[1].pages");
    let many: Vec<Value> = (0..21)
        .map(|i| settings()["rules"][i % 3].clone())
        .collect();
    let answer = put(&admin, json!({ "enabled": true, "rules": many })).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["error"]["field"], "rules");
    assert_eq!(answer.code(), "too_many");
    let answer = put(&admin, json!({ "rules": {} })).await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);

    assert_eq!(
        app.count("SELECT COUNT(*) FROM proactive_settings").await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
}

async fn only_admins_read_or_change_proactive_messages(app: TestApp) {
    for role in [Role::Agent, Role::Viewer] {
        let t = app.teammate(role).await;
        for answer in [t.get(PROACTIVE).await, put(&t, settings()).await] {
            assert_eq!(answer.status, 403, "{role:?}: {:?}", answer.body);
            assert_eq!(answer.code(), "admin_only");
        }
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM proactive_settings").await,
        0
    );
    let owner = app.teammate(Role::Owner).await;
    assert_eq!(put(&owner, settings()).await.status, 200);
}

async fn the_widget_gets_the_active_rules_of_an_enabled_workspace_at_once(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    // Asked before anything is saved: the empty answer is cached, and a save drops it.
    assert_eq!(widget_rules(&app).await.body, json!({ "rules": [] }));
    let saved = put(&admin, settings()).await;
    let ids: Vec<String> = saved.body["settings"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let widget = widget_rules(&app).await;
    assert_eq!(widget.status, 200, "{:?}", widget.body);
    assert_eq!(
        widget.body,
        json!({ "rules": [
            { "id": ids[0], "trigger": "time_on_page", "triggerValue": 20,
              "pages": "https://shop.example/pricing",
              "message": "Questions about plans? We're here.", "delaySeconds": 2, "capDays": 7 },
            { "id": ids[1], "trigger": "exit_intent", "triggerValue": 0, "pages": null,
              "message": "Before you go: 10% off today.", "delaySeconds": 0, "capDays": null },
        ] })
    );
    // Browsers may keep it a minute.
    let response = app
        .widget(Method::GET, "/proactive")
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "private, max-age=60"
    );

    let mut off = saved.body["settings"].clone();
    off["enabled"] = json!(false);
    assert_eq!(put(&admin, off).await.status, 200);
    assert_eq!(widget_rules(&app).await.body, json!({ "rules": [] }));

    // Strangers get what every widget request gets: no token, no rules.
    let anonymous = app
        .send(
            app.http
                .get(app.url(&format!("/api/widgets/{}/proactive", app.tenant.id)))
                .header("Origin", &app.tenant.origin),
        )
        .await;
    assert_eq!(anonymous.status, 401, "{:?}", anonymous.body);
    let foreign = app
        .send(
            app.http
                .get(app.url(&format!("/api/widgets/{}/proactive", app.tenant.id)))
                .bearer_auth(&app.tenant.token)
                .header("Origin", "https://evil.example"),
        )
        .await;
    assert_eq!(foreign.status, 403, "{:?}", foreign.body);
}

async fn bubble_reports_are_counted_per_rule_for_the_settings_page(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let saved = put(&admin, settings()).await;
    let id = |i: usize| {
        saved.body["settings"]["rules"][i]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for event in ["shown", "shown", "shown", "opened", "dismissed"] {
        let answer = track(&app, &id(0), event).await;
        assert_eq!(answer.status, 204, "{event}: {:?}", answer.body);
    }
    assert_eq!(track(&app, &id(1), "shown").await.status, 204);
    let page = admin.get(PROACTIVE).await;
    let mut counts = page.body["counts"].as_array().unwrap().clone();
    counts.sort_by_key(|c| c["shown"].as_i64());
    assert_eq!(
        counts,
        vec![
            json!({ "ruleId": id(1), "shown": 1, "opened": 0, "dismissed": 0 }),
            json!({ "ruleId": id(0), "shown": 3, "opened": 1, "dismissed": 1 }),
        ]
    );
    // One row per rule and day, however many reports.
    assert_eq!(app.count("SELECT COUNT(*) FROM proactive_counts").await, 2);
    // Counts older than the window are not shown.
    sqlx::query("UPDATE proactive_counts SET day = day - 30 WHERE rule_id = $1")
        .bind(id(1))
        .execute(&app.db.pool)
        .await
        .expect("age the counts");
    let page = admin.get(PROACTIVE).await;
    assert_eq!(page.body["counts"].as_array().unwrap().len(), 1);
}

async fn bad_bubble_reports_are_refused_and_one_workspaces_counts_are_its_own(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let saved = put(&admin, settings()).await;
    let inactive = saved.body["settings"]["rules"][2]["id"].as_str().unwrap();
    let active = saved.body["settings"]["rules"][0]["id"].as_str().unwrap();
    let answer = track(&app, inactive, "shown").await;
    assert_eq!(answer.status, 404, "{:?}", answer.body);
    assert_eq!(answer.code(), "unknown_rule");
    assert_eq!(
        track(&app, "pm_nope", "opened").await.code(),
        "unknown_rule"
    );
    let answer = track(&app, active, "clicked").await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(answer.body["error"]["field"], "event");
    let answer = app
        .send(
            app.widget(Method::POST, "/track")
                .json(&json!({ "ruleId": 5 })),
        )
        .await;
    assert_eq!(answer.status, 400, "{:?}", answer.body);

    // Another workspace can neither count this one's rule nor see its counts.
    let b = create_tenant(&app.db, "https://b.example.org").await;
    let answer = app
        .send(
            app.widget_as(&b, Method::POST, "/track")
                .json(&json!({ "ruleId": active, "event": "shown" })),
        )
        .await;
    assert_eq!(answer.code(), "unknown_rule", "{:?}", answer.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM proactive_counts").await, 0);
    assert_eq!(track(&app, active, "shown").await.status, 204);
    let admin_b = app.teammate_of(&b.id, Role::Admin).await;
    let page_b = admin_b.get(PROACTIVE).await;
    assert_eq!(page_b.body["counts"], json!([]));
    assert_eq!(page_b.body["settings"]["rules"], json!([]));
}

async fn a_change_is_audited_and_announced_to_open_dashboards(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let watcher = app.teammate(Role::Agent).await;
    let mut socket = watcher.socket(None).await;
    let saved = put(&admin, settings()).await;
    assert_eq!(saved.status, 200);
    let event = next_event(&mut socket).await;
    assert_eq!(event["event"]["type"], "settings_changed");
    assert_eq!(event["event"]["area"], "proactive");
    // Saving what is stored (as the page sends it back) logs nothing.
    assert_eq!(
        put(&admin, saved.body["settings"].clone()).await.status,
        200
    );
    let mut off = saved.body["settings"].clone();
    off["enabled"] = json!(false);
    assert_eq!(put(&admin, off).await.status, 200);

    let log = admin.get("/api/dashboard/audit").await;
    let entries = log.body["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["action"], "proactive.updated");
    assert_eq!(entries[0]["area"], "proactive");
    assert_eq!(entries[0]["before"]["enabled"], true);
    assert_eq!(entries[0]["after"]["enabled"], false);
    assert_eq!(entries[1]["before"]["rules"], json!([]));
}

/// The token is public: anyone who read a page can send reports, so one address gets a burst and
/// then 429s, and what was refused is not counted.
async fn one_address_cannot_flood_the_counts(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let saved = put(&admin, settings()).await;
    let id = saved.body["settings"]["rules"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut counted = 0;
    let mut refused = None;
    for _ in 0..80 {
        let answer = track(&app, &id, "shown").await;
        if answer.status == 204 {
            counted += 1;
        } else {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a 429 within 80 reports");
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert_eq!(refused.code(), "rate_limited");
    assert!((60..80).contains(&counted), "{counted}");
    let page = admin.get(PROACTIVE).await;
    assert_eq!(page.body["counts"][0]["shown"], counted);
}
