//! Voice: signed call records stored once as a call in the caller's client's timeline (its
//! summary line and speaker-labelled transcript), the seed's analytics, and one client whose
//! web chat, SMS, email and call end in one timeline once an agent merges the two records.

use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::email::{now, signature};
use crate::helpers::{Backend, TestApp};
use crate::on_each_backend;
use crate::sms;

on_each_backend!(
    a_signed_call_record_is_stored_once_in_the_callers_timeline,
    bad_call_records_store_nothing,
    analytics_count_calls_minutes_and_outcomes_per_day,
    chat_sms_email_and_a_call_end_in_one_timeline,
    send_a_test_posts_a_signed_call_through_the_public_url,
);

const LINE: &str = "+14155550123";

async fn connect(app: &TestApp) -> String {
    let admin = app.teammate(Role::Admin).await;
    let created = admin
        .post(
            "/api/dashboard/settings/channels/voice",
            json!({ "phoneNumber": LINE }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert!(created.body["channel"]["webhookUrl"]
        .as_str()
        .is_some_and(|u| u.ends_with("/webhooks/voice")));
    created.body["webhookSecret"]
        .as_str()
        .expect("secret")
        .to_owned()
}

async fn post_call(app: &TestApp, secret: &str, record: &Value) -> (u16, Value) {
    let body = record.to_string();
    let ts = now();
    let response = app
        .http
        .post(app.url("/webhooks/voice"))
        .header("content-type", "application/json")
        .header("x-livechat-timestamp", ts.to_string())
        .header(
            "x-livechat-signature",
            signature(secret, ts, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn call(id: &str, from: &str, start: &str, end: &str, outcome: &str) -> Value {
    json!({
        "callId": id,
        "from": from,
        "to": LINE,
        "startedAt": start,
        "endedAt": end,
        "recordingUrl": "https://recordings.example/rec-1.mp3",
        "transcript": [
            {"speaker": "assistant", "text": "Northwind Coffee, how can I help?"},
            {"speaker": "customer", "text": "Is my order 1234 on its way?"},
            {"speaker": "assistant", "text": "Yes, it shipped this morning."}
        ],
        "summary": "Customer asked about order 1234; it shipped.",
        "outcome": outcome,
    })
}

async fn a_signed_call_record_is_stored_once_in_the_callers_timeline(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let secret = connect(&app).await;
    let record = call(
        "CA-1",
        "+1 (415) 555-0199",
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:03:12Z",
        "resolved",
    );
    let (status, body) = post_call(&app, &secret, &record).await;
    assert_eq!(status, 201, "{body}");
    let conversation = body["conversationId"].as_str().expect("id").to_owned();
    let (again, body) = post_call(&app, &secret, &record).await;
    assert_eq!(again, 200);
    assert_eq!(body["conversationId"], conversation.as_str());
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 1);

    let agent = app.teammate(Role::Agent).await;
    let detail = agent.conversation(&conversation).await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert_eq!(detail.body["conversation"]["channel"], "voice");
    assert_eq!(detail.body["conversation"]["status"], "resolved");
    assert_eq!(detail.body["client"]["phone"], "+14155550199");
    let messages = detail.body["messages"].as_array().expect("messages");
    let authors: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["author"].as_str())
        .collect();
    assert_eq!(authors, ["system", "assistant", "visitor", "assistant"]);
    let line = messages[0]["body"].as_str().expect("call line");
    assert!(
        line.contains("Call from +14155550199 to +14155550123, 3 min 12 s, resolved by the AI."),
        "{line}"
    );
    assert!(
        line.contains("Recording: https://recordings.example/rec-1.mp3"),
        "{line}"
    );
    assert!(
        line.contains("Summary: Customer asked about order 1234"),
        "{line}"
    );
    assert_eq!(messages[0]["createdAt"], 1_796_119_200_000_i64);

    // A transferred call waits for the team.
    let transferred = call(
        "CA-2",
        "+14155550199",
        "2026-12-02T09:00:00Z",
        "2026-12-02T09:01:00Z",
        "transferred",
    );
    let (status, body) = post_call(&app, &secret, &transferred).await;
    assert_eq!(status, 201);
    let second = agent
        .conversation(body["conversationId"].as_str().expect("id"))
        .await;
    assert_eq!(second.body["conversation"]["status"], "waiting_human");
    // Both calls are the same client's.
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT client_id) FROM calls")
            .await,
        1
    );
}

async fn bad_call_records_store_nothing(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let secret = connect(&app).await;
    let good = call(
        "CA-9",
        "+14155550199",
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:01:00Z",
        "abandoned",
    );
    assert_eq!(post_call(&app, "whsec_wrong", &good).await.0, 403);
    let mut elsewhere = good.clone();
    elsewhere["to"] = json!("+14155550000");
    assert_eq!(post_call(&app, &secret, &elsewhere).await.0, 404);
    let mut backwards = good.clone();
    backwards["endedAt"] = json!("2026-12-01T09:00:00Z");
    let (status, body) = post_call(&app, &secret, &backwards).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "endedAt");
    let mut not_a_time = good.clone();
    not_a_time["startedAt"] = json!("yesterday");
    assert_eq!(post_call(&app, &secret, &not_a_time).await.0, 422);
    let mut bad_url = good.clone();
    bad_url["recordingUrl"] = json!("javascript:alert(1)");
    assert_eq!(post_call(&app, &secret, &bad_url).await.0, 422);
    let mut bad_outcome = good.clone();
    bad_outcome["outcome"] = json!("exploded");
    assert_eq!(post_call(&app, &secret, &bad_outcome).await.0, 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
}

async fn analytics_count_calls_minutes_and_outcomes_per_day(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let secret = connect(&app).await;
    let mut no_recording = call(
        "A3",
        "+14155550102",
        "2026-12-02T08:00:00Z",
        "2026-12-02T08:00:30Z",
        "abandoned",
    );
    no_recording["recordingUrl"] = Value::Null;
    for record in [
        call(
            "A1",
            "+14155550101",
            "2026-12-01T10:00:00Z",
            "2026-12-01T10:02:00Z",
            "resolved",
        ),
        call(
            "A2",
            "+14155550101",
            "2026-12-01T23:59:00Z",
            "2026-12-02T00:00:30Z",
            "transferred",
        ),
        no_recording,
    ] {
        assert_eq!(post_call(&app, &secret, &record).await.0, 201);
    }
    let viewer = app.teammate(Role::Viewer).await;
    let overview = viewer
        .get("/api/dashboard/voice/analytics/overview?start_date=2026-12-01&end_date=2026-12-02")
        .await;
    assert_eq!(overview.status, 200, "{:?}", overview.body);
    let m = &overview.body["metrics"];
    assert_eq!(m["total_calls"], 3);
    assert_eq!(m["completed_calls"], 2);
    assert_eq!(m["incomplete_calls"], 1);
    assert_eq!(m["avg_duration_seconds"], 80.0);
    // 2 + 2 (90 s, over midnight: counted on its start day) + 1.
    assert_eq!(m["total_minutes"], 5);
    let rate = m["recording_availability_rate"].as_f64().expect("rate");
    assert!((rate - 2.0 / 3.0).abs() < 1e-9);

    let timeline = viewer
        .get("/api/dashboard/voice/analytics/timeline?start_date=2026-12-01&end_date=2026-12-02&bucket=day")
        .await;
    assert_eq!(timeline.status, 200, "{:?}", timeline.body);
    let points = timeline.body["points"].as_array().expect("points");
    assert_eq!(points.len(), 2);
    assert_eq!(points[0]["start"], "2026-12-01T00:00:00Z");
    assert_eq!(points[0]["total_calls"], 2);
    assert_eq!(points[1]["total_calls"], 1);
    let hourly = viewer
        .get("/api/dashboard/voice/analytics/timeline?start_date=2026-12-01&end_date=2026-12-01&bucket=hour")
        .await;
    assert_eq!(hourly.body["points"].as_array().map(Vec::len), Some(24));
    let bad = viewer
        .get("/api/dashboard/voice/analytics/timeline?bucket=week")
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["error"]["field"], "bucket");
    let too_long = viewer
        .get("/api/dashboard/voice/analytics/timeline?start_date=2025-01-01&end_date=2026-12-01&bucket=hour")
        .await;
    assert_eq!(too_long.status, 422);
}

/// The picture: Jo chats on the website (her email), texts from her phone, mails from
/// her email, and calls from her phone. Email and chat meet on her address, SMS and the call on
/// her number; an agent merges the two records and sees everything in one timeline.
async fn chat_sms_email_and_a_call_end_in_one_timeline(backend: Backend) {
    let Some(sms_app) = sms::start(backend).await else {
        return;
    };
    let app = &sms_app.app;
    sms_app.connect_twilio(None).await;
    sms_app.mock_twilio_send().await;
    let voice_secret = connect(app).await;
    let admin = app.teammate(Role::Admin).await;
    let email = admin
        .post(
            "/api/dashboard/settings/channels/email",
            json!({
                "inboundAddress": "support@shop.example",
                "smtpHost": "127.0.0.1",
                "smtpPort": 9,
                "smtpTls": "none",
                "replyDelaySecs": 3600,
            }),
        )
        .await;
    assert_eq!(email.status, 201, "{:?}", email.body);
    let email_secret = email.body["webhookSecret"]
        .as_str()
        .expect("secret")
        .to_owned();

    let session = app.session_with_contact("Jo", "jo@customer.example").await;
    assert_eq!(
        app.chat(&session, "Hi from the website", "w-1")
            .await
            .status,
        200
    );
    assert_eq!(sms_app.send(1, "Hi from my phone").await, 200);
    let raw = "From: Jo <jo@customer.example>\r\nTo: support@shop.example\r\nSubject: Hello\r\n\
               Message-ID: <e1@customer.example>\r\n\r\nHi by email\r\n";
    let ts = now();
    let posted = app
        .http
        .post(app.url("/webhooks/email"))
        .header("content-type", "message/rfc822")
        .header("x-livechat-timestamp", ts.to_string())
        .header(
            "x-livechat-signature",
            signature(&email_secret, ts, raw.as_bytes()),
        )
        .body(raw)
        .send()
        .await
        .expect("email");
    assert_eq!(posted.status().as_u16(), 204);
    let record = call(
        "CA-J",
        sms::CUSTOMER,
        "2026-12-01T10:00:00Z",
        "2026-12-01T10:01:00Z",
        "resolved",
    );
    assert_eq!(post_call(app, &voice_secret, &record).await.0, 201);

    let by_email: String =
        sqlx::query_scalar("SELECT id FROM clients WHERE email = 'jo@customer.example'")
            .fetch_one(&app.db.pool)
            .await
            .expect("email client");
    let by_phone: String = sqlx::query_scalar("SELECT id FROM clients WHERE phone = $1")
        .bind(sms::CUSTOMER)
        .fetch_one(&app.db.pool)
        .await
        .expect("phone client");
    assert_ne!(by_email, by_phone);
    let agent = app.teammate(Role::Agent).await;
    let merged = agent
        .post(
            &format!("/api/dashboard/clients/{by_email}/merge"),
            json!({ "other": by_phone }),
        )
        .await;
    assert_eq!(merged.status, 200, "{:?}", merged.body);
    let record = &merged.body;
    assert_eq!(record["client"]["email"], "jo@customer.example");
    assert_eq!(record["client"]["phone"], sms::CUSTOMER);
    let mut channels: Vec<&str> = record["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter_map(|c| c["channel"].as_str())
        .collect();
    channels.sort_unstable();
    assert_eq!(channels, ["email", "sms", "voice", "web"]);
    let bodies: Vec<&str> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    for said in [
        "Hi from the website",
        "Hi from my phone",
        "Hi by email",
        "Is my order 1234 on its way?",
    ] {
        assert!(bodies.contains(&said), "{said} missing from {bodies:?}");
    }
}

async fn send_a_test_posts_a_signed_call_through_the_public_url(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend).await else {
        return;
    };
    let admin = app.teammate(Role::Admin).await;
    let created = admin
        .post(
            "/api/dashboard/settings/channels/voice",
            json!({ "phoneNumber": LINE }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["channel"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let test = format!("/api/dashboard/settings/channels/voice/{id}/test");

    let bad = admin.post(&test, json!({ "from": "call me" })).await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(bad.body["error"]["field"], "from");
    let agent = app.teammate(Role::Agent).await;
    assert_eq!(
        agent
            .post(&test, json!({ "from": "+14155550177" }))
            .await
            .status,
        403
    );
    let elsewhere = admin
        .post(
            "/api/dashboard/settings/channels/voice/vc_nope/test",
            json!({ "from": "+14155550177" }),
        )
        .await;
    assert_eq!(elsewhere.status, 404);

    // The call went over HTTP to the webhook, signed, and landed on the caller's client.
    let sent = admin.post(&test, json!({ "from": "+14155550177" })).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let conversation = sent.body["conversationId"].as_str().expect("conversation");
    let detail = agent.conversation(conversation).await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    assert_eq!(detail.body["conversation"]["channel"], "voice");
    assert_eq!(detail.body["client"]["phone"], "+14155550177");
    let first = detail.body["messages"][0]["body"]
        .as_str()
        .expect("call line");
    assert!(
        first.contains("Call from +14155550177 to +14155550123"),
        "{first}"
    );
    assert!(
        first.contains("A test call sent from the voice settings."),
        "{first}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM calls").await, 1);

    // Where the public URL does not lead to this server, the test says so.
    let Some(lost) =
        crate::helpers::spawn_app_with(backend, &[("LIVECHAT_PUBLIC_URL", "http://127.0.0.1:9")])
            .await
    else {
        return;
    };
    let admin = lost.teammate(Role::Admin).await;
    let created = admin
        .post(
            "/api/dashboard/settings/channels/voice",
            json!({ "phoneNumber": LINE }),
        )
        .await;
    let id = created.body["channel"]["id"].as_str().expect("id");
    let failed = admin
        .post(
            &format!("/api/dashboard/settings/channels/voice/{id}/test"),
            json!({ "from": "+14155550177" }),
        )
        .await;
    assert_eq!(failed.status, 502, "{:?}", failed.body);
    assert_eq!(failed.body["error"]["code"], "webhook_unreachable");
    assert!(failed.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("http://127.0.0.1:9/webhooks/voice")));
    assert_eq!(lost.count("SELECT COUNT(*) FROM calls").await, 0);
}
