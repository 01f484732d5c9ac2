use crate::helpers::TestApp;
use crate::on_both_backends;

// A fuller name updates the client only for a verified visitor: see `identity.rs`.

on_both_backends!(
    valid_contact_details_create_a_client,
    invalid_contact_details_are_refused_and_store_nothing,
    the_same_email_in_another_case_links_the_existing_client,
);

async fn valid_contact_details_create_a_client(app: TestApp) {
    let session = app.create_session().await;
    let answer = app
        .set_contact(&session, "  Jane   Doe ", "Jane@Example.com")
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["name"], "Jane Doe");
    assert_eq!(answer.body["email"], "Jane@Example.com");
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 1);
    let history = app.history(&session).await;
    assert_eq!(history.body["contact"]["name"], "Jane Doe");
}

async fn invalid_contact_details_are_refused_and_store_nothing(app: TestApp) {
    let session = app.create_session().await;
    for (name, email, field) in [
        ("Jane", "jane.example.com", "email"),
        ("Jane", "jane@example", "email"),
        ("", "jane@example.com", "name"),
        ("<script>", "jane@example.com", "name"),
        ("1234", "jane@example.com", "name"),
    ] {
        let answer = app.set_contact(&session, name, email).await;
        assert_eq!(answer.status, 422, "{name:?} {email:?}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field);
        assert!(!answer.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 0);
    let history = app.history(&session).await;
    assert!(history.body["contact"].is_null());
}

async fn the_same_email_in_another_case_links_the_existing_client(app: TestApp) {
    let first = app.session_with_contact("Jane", "jane@example.com").await;
    let second = app
        .session_with_contact("Jane", "  JANE@example.COM ")
        .await;
    assert_ne!(first, second);
    assert_eq!(app.count("SELECT COUNT(*) FROM clients").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT client_id) FROM visitor_sessions")
            .await,
        1
    );
}
