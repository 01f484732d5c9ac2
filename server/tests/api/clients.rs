//! Contact details customers write in their messages: a verified visitor's fill gaps on their
//! client at once; an unverified visitor's change nothing and wait, as mentions, for an agent to
//! apply them with one click; nothing known is ever erased.

use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, TestApp};
use crate::on_both_backends;

on_both_backends!(
    an_unverified_visitor_s_details_wait_for_an_agent,
    a_verified_visitor_fills_gaps_and_never_erases,
    applying_keeps_the_replaced_value_and_refuses_a_taken_email,
    viewers_and_other_workspaces_cannot_apply,
    messages_without_contact_details_write_nothing,
);

/// The client row as stored: (name, email, phone).
async fn client_row(app: &TestApp, email: &str) -> (String, Option<String>, Option<String>) {
    let row: (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT name, email, phone FROM clients WHERE email_normalized = $1")
            .bind(email)
            .fetch_one(&app.db.pool)
            .await
            .expect("the client");
    row
}

/// The conversation detail an agent opens for the session's conversation.
async fn detail_of(app: &TestApp, conversation_id: &str) -> Value {
    let agent = app.teammate(Role::Agent).await;
    let answer = agent
        .get(&format!("/api/dashboard/conversations/{conversation_id}"))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body
}

fn mentions(detail: &Value) -> Vec<(String, String)> {
    detail["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap_or_default().to_owned(),
                m["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn mention_id(detail: &Value, kind: &str) -> String {
    detail["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .find(|m| m["kind"] == kind)
        .and_then(|m| m["id"].as_str())
        .expect("a mention of that kind")
        .to_owned()
}

async fn an_unverified_visitor_s_details_wait_for_an_agent(app: TestApp) {
    let session = app.session_with_contact("Jo", "jo@example.com").await;
    let chat = app
        .chat(
            &session,
            "my phone is +1 415 555 0100 and email jo.b@work.com, my name is Jo Bloggs",
            "m-1",
        )
        .await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    // Nothing changed on the client: a stranger could have written it.
    assert_eq!(
        client_row(&app, "jo@example.com").await,
        ("Jo".to_owned(), Some("jo@example.com".to_owned()), None)
    );
    let conversation = chat.body["conversationId"].as_str().unwrap().to_owned();
    let detail = detail_of(&app, &conversation).await;
    let mut shown = mentions(&detail);
    shown.sort();
    assert_eq!(
        shown,
        [
            ("email".to_owned(), "jo.b@work.com".to_owned()),
            ("name".to_owned(), "Jo Bloggs".to_owned()),
            ("phone".to_owned(), "+14155550100".to_owned()),
        ]
    );
    assert!(detail["mentions"][0]["conversationId"] == conversation.as_str());
    // Open dashboards were told, with the client's pending list.
    let told: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'client_changed'")
            .fetch_all(&app.db.pool)
            .await
            .expect("events");
    assert_eq!(told.len(), 1, "{told:?}");
    let told: Value = serde_json::from_str(&told[0]).expect("json");
    assert_eq!(told["client"]["id"], detail["client"]["id"]);
    assert_eq!(told["mentions"].as_array().map(Vec::len), Some(3), "{told}");

    // Saying it again adds nothing.
    let again = app.chat(&session, "again: 415-555-0100", "m-2").await;
    assert_eq!(again.status, 200);
    assert_eq!(mentions(&detail_of(&app, &conversation).await).len(), 3);

    // One click: the client has the phone, and the mention is gone.
    let agent = app.teammate(Role::Agent).await;
    let client_id = detail["client"]["id"].as_str().unwrap();
    let applied = agent
        .post(
            &format!(
                "/api/dashboard/clients/{client_id}/mentions/{}/apply",
                mention_id(&detail, "phone")
            ),
            json!({}),
        )
        .await;
    assert_eq!(applied.status, 200, "{:?}", applied.body);
    assert_eq!(applied.body["phone"], "+14155550100");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE kind = 'client_changed'")
            .await,
        2,
        "the apply is announced too"
    );
    assert_eq!(
        client_row(&app, "jo@example.com").await.2.as_deref(),
        Some("+14155550100")
    );
    let left = mentions(&detail_of(&app, &conversation).await);
    assert!(!left.iter().any(|(k, _)| k == "phone"), "{left:?}");
    // The same mention twice: already applied.
    let twice = agent
        .post(
            &format!(
                "/api/dashboard/clients/{client_id}/mentions/{}/apply",
                mention_id(&detail, "phone")
            ),
            json!({}),
        )
        .await;
    assert_eq!(twice.status, 404);
    assert_eq!(twice.code(), "mention_not_found");
}

async fn a_verified_visitor_fills_gaps_and_never_erases(app: TestApp) {
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    let (session, _) = app
        .verified_session(&secret, "Jane", "jane@example.com")
        .await;
    let chat = app
        .chat(
            &session,
            "Hi, my name is Jane Doe. Call me on (415) 555-0100 or mail jane@work.example.com",
            "m-1",
        )
        .await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    // The fuller name and the phone fill gaps; the second email can't replace the known one.
    assert_eq!(
        client_row(&app, "jane@example.com").await,
        (
            "Jane Doe".to_owned(),
            Some("jane@example.com".to_owned()),
            Some("+14155550100".to_owned())
        )
    );
    let conversation = chat.body["conversationId"].as_str().unwrap();
    assert_eq!(
        mentions(&detail_of(&app, conversation).await),
        [("email".to_owned(), "jane@work.example.com".to_owned())]
    );
    // Another number later is kept beside the known one, not over it; a shorter name changes
    // nothing.
    let later = app
        .chat(
            &session,
            "new number: +44 20 7946 0018. My name is Jane",
            "m-2",
        )
        .await;
    assert_eq!(later.status, 200);
    let (name, _, phone) = client_row(&app, "jane@example.com").await;
    assert_eq!(
        (name.as_str(), phone.as_deref()),
        ("Jane Doe", Some("+14155550100"))
    );
    let mut shown = mentions(&detail_of(&app, conversation).await);
    shown.sort();
    assert_eq!(
        shown,
        [
            ("email".to_owned(), "jane@work.example.com".to_owned()),
            ("name".to_owned(), "Jane".to_owned()),
            ("phone".to_owned(), "+442079460018".to_owned()),
        ]
    );
}

async fn applying_keeps_the_replaced_value_and_refuses_a_taken_email(app: TestApp) {
    app.session_with_contact("Other", "taken@example.com").await;
    let session = app.session_with_contact("Kim", "kim@example.com").await;
    let chat = app
        .chat(
            &session,
            "my name is Kim Lee, reach me at taken@example.com",
            "m-1",
        )
        .await;
    let conversation = chat.body["conversationId"].as_str().unwrap();
    let detail = detail_of(&app, conversation).await;
    let client_id = detail["client"]["id"].as_str().unwrap();
    let agent = app.teammate(Role::Agent).await;
    let apply = |kind: &str| {
        format!(
            "/api/dashboard/clients/{client_id}/mentions/{}/apply",
            mention_id(&detail, kind)
        )
    };
    let taken = agent.post(&apply("email"), json!({})).await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(taken.code(), "email_taken");
    assert_eq!(
        client_row(&app, "kim@example.com").await.1.as_deref(),
        Some("kim@example.com")
    );

    let named = agent.post(&apply("name"), json!({})).await;
    assert_eq!(named.status, 200, "{:?}", named.body);
    assert_eq!(named.body["name"], "Kim Lee");
    // "Kim" is not lost: it is offered back.
    let shown = mentions(&detail_of(&app, conversation).await);
    assert!(
        shown.contains(&("name".to_owned(), "Kim".to_owned())),
        "{shown:?}"
    );
}

async fn viewers_and_other_workspaces_cannot_apply(app: TestApp) {
    let session = app.session_with_contact("Lu", "lu@example.com").await;
    let chat = app.chat(&session, "call +1 415 555 0100", "m-1").await;
    let conversation = chat.body["conversationId"].as_str().unwrap();
    let detail = detail_of(&app, conversation).await;
    let path = format!(
        "/api/dashboard/clients/{}/mentions/{}/apply",
        detail["client"]["id"].as_str().unwrap(),
        mention_id(&detail, "phone")
    );
    let viewer = app.teammate(Role::Viewer).await;
    let refused = viewer.post(&path, json!({})).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    let other = create_tenant(&app.db, "https://other.example.com").await;
    let outsider = app.teammate_of(&other.id, Role::Admin).await;
    let hidden = outsider.post(&path, json!({})).await;
    assert_eq!(hidden.status, 404, "{:?}", hidden.body);
    assert_eq!(client_row(&app, "lu@example.com").await.2, None);
}

async fn messages_without_contact_details_write_nothing(app: TestApp) {
    let session = app.session_with_contact("Max", "max@example.com").await;
    for (i, text) in [
        "my card was charged twice for order 1234",
        "What's the name of your decaf?",
        "it arrived on 2024-05-01",
    ]
    .into_iter()
    .enumerate()
    {
        let chat = app.chat(&session, text, &format!("m-{i}")).await;
        assert_eq!(chat.status, 200, "{:?}", chat.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM client_mentions").await, 0);
}
