//! Usage per billing cycle: conversations counted once at creation whatever their channel and
//! messages, the cycle's boundary at midnight UTC, voice minutes from start to end, the plan's
//! overage and projection, owners and admins only, and each workspace seeing its own.

use serde_json::{json, Value};
use server::usage::cycle::Cycle;
use shared::dashboard::Role;
use shared::usage::project;

use crate::helpers::{create_tenant, spawn_app_with, Backend, TestApp};
use crate::on_each_backend;

on_each_backend!(
    usage_counts_conversations_once_per_cycle_by_channel,
    a_plan_prices_its_overage_and_projects_the_cycle,
    past_a_capped_plan_the_widget_starts_no_new_chat,
);

const PLANS: &str = include_str!("../../plans.example.toml");

async fn app_with_plans(backend: Backend) -> Option<(TestApp, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("plans.toml");
    std::fs::write(&path, PLANS).expect("plans file");
    let path = path.display().to_string();
    let app = spawn_app_with(backend, &[("LIVECHAT_PLANS", path.as_str())]).await?;
    Some((app, dir))
}

/// A conversation of `tenant` on `channel`, created at `at` (ms), with `messages` messages at
/// the same instant.
async fn conversation(app: &TestApp, tenant: &str, channel: &str, at: i64, messages: usize) {
    let assistant: String =
        sqlx::query_scalar("SELECT id FROM assistants WHERE tenant_id = $1 LIMIT 1")
            .bind(tenant)
            .fetch_one(&app.db.pool)
            .await
            .expect("assistant");
    let id = format!("cv_u{:016x}", rand::random::<u64>());
    sqlx::query(
        "INSERT INTO conversations (id, tenant_id, assistant_id, channel, status, created_at,
            updated_at, last_message_at) VALUES ($1, $2, $3, $4, 'open', $5, $5, $5)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(&assistant)
    .bind(channel)
    .bind(at)
    .execute(&app.db.pool)
    .await
    .expect("conversation");
    for i in 0..messages {
        let author = if i % 2 == 0 { "visitor" } else { "assistant" };
        let tokens = (author == "assistant").then_some(40_i64);
        sqlx::query(
            "INSERT INTO messages (id, tenant_id, conversation_id, author, channel, body, tokens,
                created_at) VALUES ($1, $2, $3, $4, $5, 'hi', $6, $7)",
        )
        .bind(format!("msg_u{:016x}", rand::random::<u64>()))
        .bind(tenant)
        .bind(&id)
        .bind(author)
        .bind(channel)
        .bind(tokens)
        .bind(at)
        .execute(&app.db.pool)
        .await
        .expect("message");
    }
}

async fn call(app: &TestApp, tenant: &str, started: i64, secs: i64) {
    conversation(app, tenant, "voice", started, 0).await;
    let conversation: String = sqlx::query_scalar(
        "SELECT id FROM conversations WHERE channel = 'voice' ORDER BY created_at DESC, id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("conversation");
    sqlx::query(
        "INSERT INTO calls (id, tenant_id, conversation_id, external_id, caller, called,
            started_at, ended_at, duration_secs, outcome, created_at)
         VALUES ($1, $2, $3, $1, '+14155550199', '+14155550123', $4, $5, $6, 'resolved', $4)",
    )
    .bind(format!("call_{:016x}", rand::random::<u64>()))
    .bind(tenant)
    .bind(&conversation)
    .bind(started)
    .bind(started + secs * 1000)
    .bind(secs)
    .execute(&app.db.pool)
    .await
    .expect("call");
}

async fn usage_counts_conversations_once_per_cycle_by_channel(backend: Backend) {
    let Some((app, _plans)) = app_with_plans(backend).await else {
        return;
    };
    let tenant = app.tenant.id.clone();
    let cycle = Cycle::current(1);
    let start = cycle.start_ms();
    // The cycle's first instant counts; the instant before it is the last cycle's.
    conversation(&app, &tenant, "sms", start - 1, 4).await;
    conversation(&app, &tenant, "sms", start, 3).await;
    conversation(&app, &tenant, "email", start + 1, 2).await;
    call(&app, &tenant, start + 2, 192).await;
    call(&app, &tenant, start + 3, 60).await;
    // A web chat with several messages is one conversation.
    let session = app.session_with_contact("Ada", "ada@example.com").await;
    for (i, text) in ["hello", "what are your hours?", "thanks"]
        .iter()
        .enumerate()
    {
        let answer = app.chat(&session, text, &format!("u-{i}")).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
    }
    // Another workspace's use is its own.
    let other = create_tenant(&app.db, "https://other.example.com").await;
    conversation(&app, &other.id, "web", start + 5, 2).await;

    let admin = app.teammate(Role::Admin).await;
    let report = admin.get("/api/dashboard/usage").await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    let r = &report.body;
    assert_eq!(r["cycleStart"], cycle.start.to_string());
    assert_eq!(r["cycleEnd"], cycle.end.to_string());
    assert_eq!(
        r["conversations"],
        json!({"web": 1, "sms": 1, "email": 1, "voice": 2})
    );
    assert_eq!(r["messages"]["sms"], 3);
    assert_eq!(r["messages"]["email"], 2);
    assert_eq!(r["messages"]["web"], 6, "three questions, three answers");
    // 3 min 12 s is 4 minutes, 60 s is 1.
    assert_eq!(r["voiceMinutes"], 5);
    assert!(r["aiTokens"].as_u64().is_some_and(|t| t >= 40));
    assert_eq!(r["plan"], Value::Null);
    assert_eq!(r["overageCents"], Value::Null);
    assert_eq!(r["limitReached"], false);
    let days = r["days"].as_array().expect("days");
    assert_eq!(
        days.len() as u64,
        r["daysUsed"].as_u64().expect("days used")
    );
    assert_eq!(days[0]["date"], cycle.start.to_string());
    assert_eq!(days[0]["conversations"]["sms"], 1);
    assert_eq!(days[0]["conversations"]["voice"], 2);

    let csv = app
        .http
        .get(app.url("/api/dashboard/usage.csv"))
        .header("cookie", &admin.cookie)
        .header("origin", app.origin.clone())
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status().as_u16(), 200);
    let text = csv.text().await.expect("text");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("date,web,sms,email,voice,total"));
    assert!(lines
        .next()
        .is_some_and(|l| l.starts_with(&format!("{},", cycle.start)) && l.contains(",1,1,2,")));

    // Agents and viewers don't see billing.
    let agent = app.teammate(Role::Agent).await;
    assert_eq!(agent.get("/api/dashboard/usage").await.status, 403);
}

async fn a_plan_prices_its_overage_and_projects_the_cycle(backend: Backend) {
    let Some((app, _plans)) = app_with_plans(backend).await else {
        return;
    };
    let tenant = app.tenant.id.clone();
    assert!(
        server::usage::set_plan(&app.db, &tenant, Some("starter"), Some(1))
            .await
            .expect("set plan")
    );
    assert!(
        !server::usage::set_plan(&app.db, "t_nobody", Some("starter"), None)
            .await
            .expect("set plan")
    );
    let start = Cycle::current(1).start_ms();
    for i in 0..275 {
        conversation(&app, &tenant, "web", start + i, 0).await;
    }
    for i in 0..2 {
        call(&app, &tenant, start + 1000 + i, 60 * 60).await;
    }
    let admin = app.teammate(Role::Owner).await;
    let report = admin.get("/api/dashboard/usage").await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    let r = &report.body;
    assert_eq!(r["plan"]["id"], "starter");
    assert_eq!(r["conversations"]["web"], 275);
    assert_eq!(r["conversations"]["voice"], 2);
    assert_eq!(r["voiceMinutes"], 120);
    // 277 conversations and 120 minutes on Starter: 27 × $0.50 + 20 × $0.30.
    assert_eq!(r["overageCents"], 27 * 50 + 20 * 30);
    let (used, total) = (
        r["daysUsed"].as_u64().expect("used"),
        r["daysTotal"].as_u64().expect("total"),
    );
    let conversations = project(277, used, total);
    let minutes = project(120, used, total);
    assert_eq!(r["projectedConversations"], conversations);
    assert_eq!(r["projectedVoiceMinutes"], minutes);
    let overage = (conversations - 250) * 50 + (minutes - 100) * 30;
    assert_eq!(r["projectedOverageCents"], overage);
    assert_eq!(r["projectedTotalCents"], 29_900 + overage);
    // Overage, not a cap.
    assert_eq!(r["limitReached"], false);
}

async fn past_a_capped_plan_the_widget_starts_no_new_chat(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let plans = dir.path().join("plans.toml");
    std::fs::write(
        &plans,
        "[plans.free]\nname = \"Free\"\nconversations = 2\nat_limit = \"cap\"\n",
    )
    .expect("plans");
    let plans = plans.display().to_string();
    let Some(app) = spawn_app_with(backend, &[("LIVECHAT_PLANS", plans.as_str())]).await else {
        return;
    };
    assert!(
        server::usage::set_plan(&app.db, &app.tenant.id, Some("free"), None)
            .await
            .expect("plan")
    );
    // A proactive message invites visitors to chat while chats can start...
    let admin = app.teammate(Role::Admin).await;
    let rules = json!({ "enabled": true, "rules": [{ "name": "Hi", "trigger": "page_visit",
                                                     "pages": "/*", "message": "Need help?" }] });
    let saved = admin
        .send(
            admin
                .request(reqwest::Method::PUT, "/api/dashboard/settings/proactive")
                .json(&rules),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let proactive = || app.send(app.widget(reqwest::Method::GET, "/proactive"));
    assert_eq!(
        proactive().await.body["rules"].as_array().map(Vec::len),
        Some(1)
    );
    let first = app.session_with_contact("Ada", "ada@example.com").await;
    let second = app.session_with_contact("Bo", "bo@example.com").await;
    for session in [&first, &second] {
        let answer = app.chat(session, "hello", "c-1").await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
    }
    let third = app.session_with_contact("Cy", "cy@example.com").await;
    let refused = app.chat(&third, "hello", "c-1").await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert_eq!(refused.body["error"]["code"], "usage_limit");
    assert!(refused.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("can't start new chats")));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE body = 'hello'")
            .await,
        2,
        "nothing of the refused chat is stored"
    );
    // ...and not once they can't.
    assert_eq!(proactive().await.body, json!({ "rules": [] }));
    // The chats already started go on.
    let again = app.chat(&first, "what are your hours?", "c-2").await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        admin.get("/api/dashboard/usage").await.body["limitReached"],
        true
    );
}
