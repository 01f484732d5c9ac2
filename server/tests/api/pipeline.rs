//! The reply pipeline through the widget's `POST /chat`: every reply keeps why it was written
//! (shown to agents, never to visitors), safety checks on the message and the reply with the
//! workspace's actions, escalation, and personal data kept from a remote model (a stub speaking
//! the chat-completions and moderations wire formats records what it was sent).

use serde_json::{json, Value};
use server::ai::safety::{self, BlockedAction, SafetyLists, SafetySettings};
use server::audit::Actor;
use shared::dashboard::Role;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::ai_fallback::{app_with_provider, completion, says};
use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

on_both_backends!(
    every_reply_keeps_why_it_was_written_for_agents_only,
    a_confident_intent_becomes_the_conversations_and_filters_the_inbox,
    a_serious_message_gets_a_careful_reply_and_escalates,
    a_blocked_phrase_gets_the_workspaces_action,
);

/// The conversation as the dashboard shows it.
async fn detail(app: &TestApp, conversation: &str) -> Value {
    let admin = app.teammate(Role::Admin).await;
    let answer = admin
        .get(&format!("/api/dashboard/conversations/{conversation}"))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

/// The structured decision stored with the conversation's last message (agents read it as
/// the message's `why` lines).
async fn last_decision(app: &TestApp, detail: &Value) -> Value {
    let id = last_message(detail)["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let json: Option<String> = sqlx::query_scalar("SELECT decision FROM messages WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.db.pool)
        .await
        .expect("the message");
    json.map_or(Value::Null, |j| {
        serde_json::from_str(&j).expect("a decision")
    })
}

fn last_message(detail: &Value) -> Value {
    detail["messages"]
        .as_array()
        .and_then(|m| m.last())
        .cloned()
        .unwrap_or_default()
}

async fn every_reply_keeps_why_it_was_written_for_agents_only(app: TestApp) {
    let session = app.session_with_contact("Jane", "jane@example.com").await;
    let answer = app.chat(&session, "Do you ship to Canada?", "m-1").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    // The visitor sees the reply, not the decision.
    assert!(
        answer.body["message"].get("decision").is_none(),
        "{}",
        answer.body
    );
    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();

    let shown = detail(&app, &conversation).await;
    let decision = &last_decision(&app, &shown).await;
    assert_eq!(decision["reply"]["model"], "embedded", "{decision}");
    assert_eq!(decision["reply"]["answered"], true, "{decision}");
    assert!(
        decision["reply"]["usedEntries"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{decision}"
    );
    assert!(decision.get("handoff").is_none(), "{decision}");
    // Agents read it as one line per step; the visitor's own message carries none.
    let reply = last_message(&shown);
    let steps: Vec<&str> = reply["why"]
        .as_array()
        .map(|lines| lines.iter().filter_map(|l| l["step"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        steps,
        ["Intent", "Routing", "Reply"],
        "{}",
        last_message(&shown)
    );
    let messages = shown["messages"].as_array().unwrap();
    assert!(messages[messages.len() - 2].get("why").is_none());

    // Asking for a person: a handoff, and why.
    let answer = app
        .chat(&session, "Can I talk to a human please?", "m-2")
        .await;
    assert_eq!(
        answer.body["conversationStatus"], "waiting_human",
        "{}",
        answer.body
    );
    let decision = &last_decision(&app, &detail(&app, &conversation).await).await;
    assert_eq!(decision["handoff"]["toHuman"], true, "{decision}");
    assert_eq!(
        decision["handoff"]["reason"], "explicit_request",
        "{decision}"
    );
}

async fn a_confident_intent_becomes_the_conversations_and_filters_the_inbox(app: TestApp) {
    let session = app.session_with_contact("Bo", "bo@example.com").await;
    let answer = app
        .chat(&session, "I was charged twice for my last order", "m-1")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();
    let shown = detail(&app, &conversation).await;
    let intent = &last_decision(&app, &shown).await["intent"];
    assert_eq!(intent["key"], "billing", "{intent}");
    assert_eq!(intent["confident"], true, "{intent}");
    assert_eq!(intent["by"], "embedded", "{intent}");
    assert_eq!(shown["conversation"]["intent"], "billing");

    // Small talk (general, or not confident) never replaces it.
    let answer = app.chat(&session, "ok", "m-2").await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let shown = detail(&app, &conversation).await;
    assert_eq!(shown["conversation"]["intent"], "billing");

    let admin = app.teammate(Role::Admin).await;
    let billing = admin.list("intent=billing").await;
    assert_eq!(billing.status, 200, "{:?}", billing.body);
    let ids: Vec<&str> = billing.body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [conversation.as_str()]);
    assert_eq!(
        admin.list("intent=sales").await.body["conversations"],
        json!([])
    );
}

async fn a_serious_message_gets_a_careful_reply_and_escalates(app: TestApp) {
    let session = app.session_with_contact("Sam", "sam@example.com").await;
    let answer = app
        .chat(
            &session,
            "I don't want to live anymore, I want to kill myself",
            "m-1",
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let reply = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(reply.contains("988"), "{reply}");
    assert_eq!(answer.body["conversationStatus"], "escalated");
    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();

    let shown = detail(&app, &conversation).await;
    assert_eq!(
        shown["conversation"]["flagged"], true,
        "{}",
        shown["conversation"]
    );
    let reason = shown["conversation"]["flagReason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.starts_with("Escalated: self-harm"), "{reason}");
    let decision = &last_decision(&app, &shown).await;
    assert_eq!(decision["safety"][0]["stage"], "message", "{decision}");
    assert_eq!(decision["safety"][0]["category"], "self_harm", "{decision}");
    assert_eq!(
        decision["safety"][0]["action"], "careful_reply",
        "{decision}"
    );
    assert_eq!(decision["handoff"]["reason"], "safety", "{decision}");
    assert_eq!(decision["reply"]["model"], "pipeline", "{decision}");

    // The assistant stays quiet until a teammate has looked.
    let next = app
        .chat(&session, "What are your opening hours?", "m-2")
        .await;
    assert_eq!(next.status, 200, "{:?}", next.body);
    assert!(next.body["message"].is_null(), "{}", next.body);
}

async fn save_safety(app: &TestApp, settings: &SafetySettings) {
    safety::store::save(&app.db, &app.tenant.id, settings, Actor::CLI)
        .await
        .expect("save safety settings");
}

async fn a_blocked_phrase_gets_the_workspaces_action(app: TestApp) {
    let blocked = SafetyLists {
        blocked: vec!["crypto".to_owned()],
        ..SafetyLists::default()
    };
    save_safety(
        &app,
        &SafetySettings {
            lists: blocked.clone(),
            blocked_action: BlockedAction::FallbackMessage,
            fallback_message: "We only talk about coffee here.".to_owned(),
            ..SafetySettings::default()
        },
    )
    .await;
    let session = app.session_with_contact("Kim", "kim@example.com").await;
    let answer = app.chat(&session, "Can I pay in Crypto?", "m-1").await;
    assert_eq!(
        answer.body["message"]["body"],
        "We only talk about coffee here."
    );
    assert_eq!(answer.body["conversationStatus"], "open");
    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();
    let decision = &last_decision(&app, &detail(&app, &conversation).await).await;
    assert_eq!(decision["safety"][0]["verdict"], "blocked", "{decision}");
    assert_eq!(decision["safety"][0]["trigger"], "crypto", "{decision}");
    assert_eq!(
        decision["safety"][0]["action"], "fallback_message",
        "{decision}"
    );
    // An ordinary question is answered as usual.
    let answer = app.chat(&session, "Do you ship to Canada?", "m-2").await;
    assert!(
        answer.body["message"]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Canada"),
        "{}",
        answer.body
    );

    // Handing to a person.
    save_safety(
        &app,
        &SafetySettings {
            lists: blocked.clone(),
            blocked_action: BlockedAction::HandToHuman,
            ..SafetySettings::default()
        },
    )
    .await;
    let answer = app.chat(&session, "crypto?", "m-3").await;
    assert_eq!(
        answer.body["conversationStatus"], "waiting_human",
        "{}",
        answer.body
    );

    // Ending the conversation.
    save_safety(
        &app,
        &SafetySettings {
            lists: blocked,
            blocked_action: BlockedAction::EndConversation,
            fallback_message: "This chat has ended.".to_owned(),
            ..SafetySettings::default()
        },
    )
    .await;
    let other = app.session_with_contact("Lee", "lee@example.com").await;
    let answer = app.chat(&other, "tell me about crypto", "m-1").await;
    assert_eq!(answer.body["message"]["body"], "This chat has ended.");
    assert_eq!(
        answer.body["conversationStatus"], "resolved",
        "{}",
        answer.body
    );
}

/// Safety settings are cached per instance and dropped when they change, on every instance
/// (PostgreSQL: another instance learns of the change through the event log's notification).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_safety_change_reaches_every_instance_at_once() {
    let Some(app) = crate::helpers::spawn_app(Backend::Postgres).await else {
        return;
    };
    let other = app.another_instance().await;
    let session = app.session_with_contact("Ivy", "ivy@example.com").await;
    let chat_elsewhere = |text: &str, id: &str| {
        app.http
            .post(format!("{other}/api/widgets/{}/chat", app.tenant.id))
            .bearer_auth(&app.tenant.token)
            .header("Origin", &app.tenant.origin)
            .json(&json!({ "sessionId": session, "message": text, "clientMessageId": id }))
    };
    // The other instance answers (and caches the defaults).
    let before = app
        .send(chat_elsewhere("Do you ship to Canada?", "m-0"))
        .await;
    assert_eq!(before.status, 200, "{:?}", before.body);

    save_safety(
        &app,
        &SafetySettings {
            lists: SafetyLists {
                blocked: vec!["canada".to_owned()],
                ..SafetyLists::default()
            },
            blocked_action: BlockedAction::FallbackMessage,
            fallback_message: "Blocked here.".to_owned(),
            ..SafetySettings::default()
        },
    )
    .await;
    // This instance: at once.
    let here = app.chat(&session, "Canada?", "m-1").await;
    assert_eq!(
        here.body["message"]["body"], "Blocked here.",
        "{}",
        here.body
    );
    // The other: as soon as the notification arrives.
    let mut seen = Value::Null;
    for attempt in 0..50 {
        let answer = app
            .send(chat_elsewhere("Canada again?", &format!("m-2-{attempt}")))
            .await;
        seen = answer.body["message"]["body"].clone();
        if seen == "Blocked here." {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the other instance still answers with stale settings: {seen}");
}

// --- With a remote provider (a stub) -------------------------------------------------------

/// The body of every request the stub received, oldest first.
async fn sent_bodies(stub: &MockServer) -> Vec<String> {
    stub.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

/// Everything the stub was sent, as text.
async fn everything_sent(stub: &MockServer) -> String {
    sent_bodies(stub).await.join("\n")
}

async fn a_remote_model_never_sees_personal_data(backend: Backend) {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(says(
            "Thanks! I've noted card [CREDIT_CARD] and will email [EMAIL].",
        ))
        .mount(&stub)
        .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    save_safety(
        &app,
        &SafetySettings {
            redact_contact_details: true,
            ..SafetySettings::default()
        },
    )
    .await;
    let session = app.session_with_contact("Jo", "jo@example.com").await;
    let first = app
        .chat(
            &session,
            "My SSN is 123-45-6789, call me on +1 415 555 0100",
            "m-1",
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let answer = app
        .chat(
            &session,
            "Please charge 4111 1111 1111 1111 and mail me at jo.b@work.com",
            "m-2",
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    // The customer gets the values back in the reply…
    assert_eq!(
        answer.body["message"]["body"],
        "Thanks! I've noted card 4111 1111 1111 1111 and will email jo.b@work.com."
    );
    // …and the model never saw them, neither now nor in the history it was sent.
    let sent = everything_sent(&stub).await;
    for secret in [
        "4111 1111 1111 1111",
        "123-45-6789",
        "jo.b@work.com",
        "555 0100",
    ] {
        assert!(!sent.contains(secret), "the stub saw {secret}: {sent}");
    }
    for placeholder in ["[CREDIT_CARD]", "[SSN]", "[EMAIL]", "[PHONE]"] {
        assert!(sent.contains(placeholder), "{placeholder} missing: {sent}");
    }
    // The stored messages keep the originals.
    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();
    let shown = detail(&app, &conversation).await;
    let bodies = shown["messages"].to_string();
    assert!(bodies.contains("4111 1111 1111 1111") && bodies.contains("123-45-6789"));
}

async fn moderation_escalates_what_the_lists_miss(backend: Backend) {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/moderations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "modr-1", "model": "omni-moderation-latest",
            "results": [{
                "flagged": true,
                "categories": { "violence": true, "self-harm": false },
                "category_scores": { "violence": 0.93, "self-harm": 0.01 }
            }]
        })))
        .mount(&stub)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(says("Sure."))
        .mount(&stub)
        .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    save_safety(
        &app,
        &SafetySettings {
            moderation: true,
            ..SafetySettings::default()
        },
    )
    .await;
    let session = app.session_with_contact("Max", "max@example.com").await;
    let answer = app
        .chat(
            &session,
            "If my order is late again someone is going to get hurt",
            "m-1",
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body["conversationStatus"], "escalated",
        "{}",
        answer.body
    );
    assert_ne!(answer.body["message"]["body"], "Sure.");
    let sent = everything_sent(&stub).await;
    assert!(
        !sent.contains("\"messages\""),
        "the model was asked anyway: {sent}"
    );
}

macro_rules! with_stub {
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case(crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$case(crate::helpers::Backend::Postgres).await;
            }
        }
    )*};
}

/// What the stub was sent in its last request that holds `text`: for a customer's message, the
/// reply's request (intent detection asks first).
async fn last_sent_with(stub: &MockServer, text: &str) -> String {
    sent_bodies(stub)
        .await
        .into_iter()
        .rev()
        .find(|body| body.contains(text))
        .unwrap_or_else(|| panic!("no request held {text:?}"))
}

/// The model gets the conversation so far with every message, also the ones it did not write
/// (a teammate's), whether the pipeline kept the turns since its last reply or read them back.
async fn the_model_sees_every_earlier_message_of_the_conversation(backend: Backend) {
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(says("Glad to help with that."))
        .mount(&stub)
        .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    let session = app.session_with_contact("Jo", "jo@example.com").await;
    let first = app.chat(&session, "Where is my parcel?", "m-1").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let conversation = first.body["conversationId"].as_str().unwrap().to_owned();
    // A teammate writes in between, then hands the conversation back to the assistant.
    let agent = app.teammate(Role::Agent).await;
    let reply = agent
        .reply(&conversation, "It left with courier ZX-4417 today.", "a-1")
        .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    assert_eq!(agent.act(&conversation, "handback").await.status, 200);

    let second = app.chat(&session, "When will it arrive?", "m-2").await;
    assert_eq!(
        second.body["message"]["author"], "assistant",
        "{:?}",
        second.body
    );
    let sent = last_sent_with(&stub, "When will it arrive?").await;
    for earlier in ["Where is my parcel?", "Glad to help with that.", "ZX-4417"] {
        assert!(sent.contains(earlier), "{earlier:?} missing: {sent}");
    }
    // Nothing in between this time: the same turns, with the last question and its reply.
    let third = app.chat(&session, "Can I change the address?", "m-3").await;
    assert_eq!(
        third.body["message"]["author"], "assistant",
        "{:?}",
        third.body
    );
    let sent = last_sent_with(&stub, "Can I change the address?").await;
    for earlier in ["Where is my parcel?", "ZX-4417", "When will it arrive?"] {
        assert!(sent.contains(earlier), "{earlier:?} missing: {sent}");
    }
    assert_eq!(
        sent.matches("Glad to help with that.").count(),
        2,
        "both replies so far, once each: {sent}"
    );
}

with_stub!(
    a_remote_model_never_sees_personal_data,
    moderation_escalates_what_the_lists_miss,
    the_model_sees_every_earlier_message_of_the_conversation,
);

// --- Routing -----------------------------------------------------------------------------

/// Bea (the demo's billing assistant) and a rule sending billing intent to her.
async fn billing_rule(app: &TestApp) -> String {
    use shared::routing::{RuleSettings, RuleTarget, TimeWindow};
    let bea = server::assistants::create(
        &app.db,
        &app.tenant.id,
        &server::ai::demo_billing_assistant(),
        false,
    )
    .await
    .expect("billing assistant");
    let rule = RuleSettings {
        name: "Billing questions".to_owned(),
        priority: 80,
        active: true,
        keywords: Vec::new(),
        intent: Some("billing".to_owned()),
        channels: Vec::new(),
        time_window: TimeWindow::Any,
        target: RuleTarget::Assistant {
            assistant_id: bea.clone(),
        },
    };
    server::routing::store::create_rule(&app.db, &app.tenant.id, &rule, Actor::CLI)
        .await
        .expect("rule");
    bea
}

async fn a_rule_hands_billing_to_the_billing_assistant_with_a_message(app: TestApp) {
    let bea = billing_rule(&app).await;
    let session = app.session_with_contact("Hal", "hal@example.com").await;
    let first = app.chat(&session, "Do you ship to Canada?", "m-1").await;
    assert_eq!(
        first.body["message"]["authorName"], "Nora",
        "{}",
        first.body
    );

    let answer = app
        .chat(&session, "I was charged twice for my last order", "m-2")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let body = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("I'm passing you to Bea, who handles billing questions."),
        "{body}"
    );
    assert!(body.contains("refund the duplicate"), "{body}");
    assert_eq!(answer.body["message"]["authorName"], "Bea");
    assert_eq!(answer.body["conversationStatus"], "open");

    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();
    let shown = detail(&app, &conversation).await;
    assert_eq!(shown["conversation"]["assistantId"], bea.as_str());
    assert_eq!(shown["conversation"]["intent"], "billing");
    let decision = &last_decision(&app, &shown).await;
    assert_eq!(
        decision["routing"]["ruleName"], "Billing questions",
        "{decision}"
    );
    assert_eq!(decision["routing"]["assistantName"], "Bea", "{decision}");
    assert!(
        decision["routing"]["why"]
            .as_str()
            .unwrap_or_default()
            .contains("billing"),
        "{decision}"
    );
    assert_eq!(decision["handoff"]["reason"], "assistant", "{decision}");
    assert_eq!(decision["handoff"]["toHuman"], false, "{decision}");

    // Bea keeps it: no second handoff, no message.
    let next = app
        .chat(&session, "When will I get my refund?", "m-3")
        .await;
    let body = next.body["message"]["body"].as_str().unwrap_or_default();
    assert!(!body.contains("passing you"), "{body}");
    assert_eq!(next.body["message"]["authorName"], "Bea");

    // Thanks match no rule, and are no reason to go back to the default assistant.
    let thanks = app.chat(&session, "Thanks so much!", "m-4").await;
    let body = thanks.body["message"]["body"].as_str().unwrap_or_default();
    assert!(!body.contains("passing you"), "{body}");
    assert_eq!(
        thanks.body["message"]["authorName"], "Bea",
        "{}",
        thanks.body
    );
    let shown = detail(&app, &conversation).await;
    assert_eq!(shown["conversation"]["assistantId"], bea.as_str());
    let decision = &last_decision(&app, &shown).await;
    assert_eq!(decision["routing"]["assistantName"], "Bea", "{decision}");
    assert!(
        decision["routing"]["why"]
            .as_str()
            .unwrap_or_default()
            .contains("keeps it"),
        "{decision}"
    );
    assert!(decision["handoff"].is_null(), "{decision}");
    // A real question no rule covers still goes to the channel's default assistant.
    let shipping = app.chat(&session, "Do you ship to Canada?", "m-5").await;
    assert_eq!(
        shipping.body["message"]["authorName"], "Nora",
        "{}",
        shipping.body
    );

    // A conversation that starts with billing simply gets Bea: nothing to hand off.
    let other = app.session_with_contact("Ida", "ida@example.com").await;
    let answer = app
        .chat(&other, "my card was charged twice for order 1234", "o-1")
        .await;
    assert_eq!(
        answer.body["message"]["authorName"], "Bea",
        "{}",
        answer.body
    );
    let body = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(!body.contains("passing you"), "{body}");
}

async fn a_rule_for_the_team_hands_over_without_an_ai_reply(app: TestApp) {
    use shared::routing::{RuleSettings, RuleTarget, TimeWindow};
    let rule = RuleSettings {
        name: "Wholesale".to_owned(),
        priority: 90,
        active: true,
        keywords: vec!["wholesale".to_owned()],
        intent: None,
        channels: Vec::new(),
        time_window: TimeWindow::Any,
        target: RuleTarget::Human,
    };
    server::routing::store::create_rule(&app.db, &app.tenant.id, &rule, Actor::CLI)
        .await
        .expect("rule");
    let session = app.session_with_contact("Jon", "jon@example.com").await;
    let answer = app
        .chat(&session, "Do you sell wholesale to cafés?", "m-1")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["conversationStatus"], "waiting_human");
    let body = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("I've asked a member of our team"),
        "{body}"
    );
    // The workspace never set business hours: whatever the time, nobody is told when the
    // team is back.
    assert!(!body.contains("We're back"), "{body}");
    assert!(!body.contains("not available"), "{body}");
    let conversation = answer.body["conversationId"].as_str().unwrap().to_owned();
    let decision = &last_decision(&app, &detail(&app, &conversation).await).await;
    assert_eq!(decision["routing"]["ruleName"], "Wholesale", "{decision}");
    assert_eq!(decision["handoff"]["reason"], "rule", "{decision}");
    assert_eq!(decision["reply"]["model"], "pipeline", "{decision}");

    // Business hours with no opening at all: the team is never in, and the visitor is told.
    let admin = app.teammate(Role::Admin).await;
    let saved = admin
        .send(
            admin
                .request(
                    reqwest::Method::PUT,
                    "/api/dashboard/settings/routing/handoff",
                )
                .json(&json!({ "businessHoursEnabled": true, "weeklyHours": [] })),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let later = app.session_with_contact("Liv", "liv@example.com").await;
    let answer = app.chat(&later, "Wholesale prices, please", "l-1").await;
    let body = answer.body["message"]["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with("I've asked a member of our team"),
        "{body}"
    );
    assert!(body.contains("not available right now"), "{body}");
}

on_both_backends!(
    a_rule_hands_billing_to_the_billing_assistant_with_a_message,
    a_rule_for_the_team_hands_over_without_an_ai_reply,
);

async fn a_workspaces_own_intent_is_detected_once_saved(app: TestApp) {
    use server::ai::intent::{self, Intent};
    let session = app.session_with_contact("Kai", "kai@example.com").await;
    let ask = |id: &'static str| {
        app.chat(
            &session,
            "I'd like to send back the grinder, it's the wrong model",
            id,
        )
    };
    let before = ask("m-1").await;
    let conversation = before.body["conversationId"].as_str().unwrap().to_owned();
    let shown = detail(&app, &conversation).await;
    assert_ne!(
        last_decision(&app, &shown).await["intent"]["key"],
        "returns"
    );

    let mut intents = intent::default_intents();
    intents.push(Intent {
        key: "returns".to_owned(),
        label: "Returns".to_owned(),
        examples: [
            "I want to return my order",
            "how do I send this back",
            "can I return an opened bag",
            "I need a return label",
            "returning the kettle, it arrived broken",
            "what's your returns address",
            "send back the wrong item",
            "I'd like to return it for a refund",
        ]
        .map(str::to_owned)
        .to_vec(),
    });
    intent::store::save(&app.db, &app.tenant.id, &intents, Actor::CLI)
        .await
        .expect("save intents");
    let after = ask("m-2").await;
    assert_eq!(after.status, 200, "{:?}", after.body);
    let shown = detail(&app, &conversation).await;
    assert_eq!(
        last_decision(&app, &shown).await["intent"]["key"],
        "returns"
    );
}

on_both_backends!(a_workspaces_own_intent_is_detected_once_saved);

// --- The "AI generated" handoff message ------------------------------------------------------

async fn save_message_style(app: &TestApp, style: &str, template: &str) {
    let admin = app.teammate(Role::Admin).await;
    let saved = admin
        .send(
            admin
                .request(
                    reqwest::Method::PUT,
                    "/api/dashboard/settings/routing/handoff",
                )
                .json(&json!({ "messageStyle": style, "handoffTemplate": template })),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
}

/// A conversation Nora starts ("Do you ship to Canada?"), then billing: Bea takes over. The
/// answer to the billing message.
async fn billing_handoff(app: &TestApp, who: &str) -> Value {
    billing_rule(app).await;
    let session = app
        .session_with_contact(who, &format!("{}@example.com", who.to_lowercase()))
        .await;
    let first = app.chat(&session, "Do you ship to Canada?", "m-1").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let answer = app
        .chat(&session, "I was charged twice for my last order", "m-2")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(
        answer.body["message"]["authorName"], "Bea",
        "{}",
        answer.body
    );
    answer.body
}

/// The handoff part of the decision stored with the reply in `answer` (what "why this reply"
/// shows the agent).
async fn handoff_detail(app: &TestApp, answer: &Value) -> String {
    let json: Option<String> = sqlx::query_scalar("SELECT decision FROM messages WHERE id = $1")
        .bind(answer["message"]["id"].as_str().unwrap_or_default())
        .fetch_one(&app.db.pool)
        .await
        .expect("the reply");
    let decision: Value = serde_json::from_str(&json.expect("a decision")).expect("json");
    decision["handoff"]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn ai_generated_handoffs_are_composed_from_the_facts_without_a_model(app: TestApp) {
    save_message_style(&app, "ai_generated", "").await;
    let answer = billing_handoff(&app, "Mia").await;
    let body = answer["message"]["body"].as_str().unwrap_or_default();
    assert!(
        body.starts_with(
            "Since your question is about billing, I'm bringing in Bea, who looks after billing \
             questions and can take it from here.\n\n"
        ),
        "{body}"
    );
    assert!(body.contains("refund the duplicate"), "{body}");
    // The agent is told who worded it.
    let detail = handoff_detail(&app, &answer).await;
    assert!(
        detail.ends_with("(composed by the embedded assistant)"),
        "{detail}"
    );
}

on_both_backends!(ai_generated_handoffs_are_composed_from_the_facts_without_a_model);

/// A stub provider: classifies the billing message as billing and everything else as general
/// (structured output), answers handoff-line requests with `handoff`, and replies "Happy to
/// help with that." to everything else.
async fn routing_stub(handoff: ResponseTemplate) -> MockServer {
    use wiremock::matchers::body_string_contains;
    let stub = MockServer::start().await;
    let classified = |intent: &str| {
        ResponseTemplate::new(200).set_body_json(completion(&format!(
            r#"{{"intent":"{intent}","confidence":0.95}}"#
        )))
    };
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_string_contains("customer_intent"))
        // The message itself: the prompt's examples hold "I was charged twice" already.
        .and(body_string_contains("charged twice for my last order"))
        .respond_with(classified("billing"))
        .with_priority(1)
        .mount(&stub)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_string_contains("customer_intent"))
        .respond_with(classified("general"))
        .with_priority(2)
        .mount(&stub)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_string_contains("passes the customer to a colleague"))
        .respond_with(handoff)
        .with_priority(1)
        .mount(&stub)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(says("Happy to help with that."))
        .with_priority(5)
        .mount(&stub)
        .await;
    stub
}

/// The handoff-line requests the stub received.
async fn handoff_requests(stub: &MockServer) -> Vec<String> {
    sent_bodies(stub)
        .await
        .into_iter()
        .filter(|body| body.contains("passes the customer to a colleague"))
        .collect()
}

async fn a_remote_model_words_an_ai_generated_handoff(backend: Backend) {
    let stub = routing_stub(ResponseTemplate::new(200).set_body_json(completion(
        "Bea looks after billing questions and will take it from here.",
    )))
    .await;
    let Some(app) = app_with_provider(backend, &stub).await else {
        return;
    };
    save_message_style(
        &app,
        "ai_generated",
        "Over to {agent_name} for {customer_intent}.",
    )
    .await;
    let answer = billing_handoff(&app, "Noa").await;
    assert_eq!(
        answer["message"]["body"],
        "Bea looks after billing questions and will take it from here.\n\nHappy to help with that."
    );
    // One line asked for, from the facts and the workspace's template: nothing the customer
    // wrote was sent with it.
    let asked = handoff_requests(&stub).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("Colleague: Bea"), "{}", asked[0]);
    assert!(asked[0].contains("Over to {agent_name}"), "{}", asked[0]);
    assert!(!asked[0].contains("last order"), "{}", asked[0]);
    let detail = handoff_detail(&app, &answer).await;
    assert!(detail.contains("(written by the model "), "{detail}");
}

async fn an_ai_generated_handoff_falls_back_to_the_template(backend: Backend) {
    // The model fails, then answers a line that does not say who takes over.
    for (i, handoff) in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(200).set_body_json(completion("A colleague will take it from here.")),
    ]
    .into_iter()
    .enumerate()
    {
        let stub = routing_stub(handoff).await;
        let Some(app) = app_with_provider(backend, &stub).await else {
            return;
        };
        let template = if i == 0 {
            ""
        } else {
            "Over to {agent_name} for {customer_intent}."
        };
        save_message_style(&app, "ai_generated", template).await;
        let answer = billing_handoff(&app, "Ola").await;
        let expected = if i == 0 {
            "I'm passing you to Bea, who handles billing questions.\n\nHappy to help with that."
        } else {
            "Over to Bea for billing.\n\nHappy to help with that."
        };
        assert_eq!(answer["message"]["body"], expected);
        assert_eq!(handoff_requests(&stub).await.len(), 1);
        let detail = handoff_detail(&app, &answer).await;
        assert!(
            detail.contains("(the template's words: the model's line was unusable"),
            "{detail}"
        );
    }
}

with_stub!(
    a_remote_model_words_an_ai_generated_handoff,
    an_ai_generated_handoff_falls_back_to_the_template,
);
