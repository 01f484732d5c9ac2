//! Client records: a client's page (every channel in one timeline, company, notes, tags), two
//! clients merged into one with nothing lost, one client per phone number, and a cap on what
//! strangers can pile onto a known customer's record.

use serde_json::{json, Value};
use shared::dashboard::Role;

use crate::helpers::{create_tenant, TestApp};
use crate::on_both_backends;

on_both_backends!(
    a_stranger_cannot_pile_mentions_onto_a_client,
    merging_moves_every_conversation_and_keeps_every_detail,
    merges_and_profiles_refuse_what_they_must,
    a_phone_number_belongs_to_one_client,
    the_profile_is_kept_and_shown,
);

async fn client_id_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT id FROM clients WHERE email_normalized = $1")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .expect("the client")
}

fn conversation_of(chat: &Value) -> String {
    chat["conversationId"]
        .as_str()
        .expect("conversationId")
        .to_owned()
}

async fn a_stranger_cannot_pile_mentions_onto_a_client(app: TestApp) {
    // Anyone can type a known customer's email into the widget and then write on their record.
    let stranger = app.session_with_contact("Jo", "jo@example.com").await;
    let addresses: Vec<String> = (0..35).map(|i| format!("x{i}@spam.example")).collect();
    let chat = app.chat(&stranger, &addresses.join(" "), "m-1").await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    let cap = server::clients::mentions::PENDING_CAP;
    assert_eq!(app.count("SELECT COUNT(*) FROM client_mentions").await, cap);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM client_mentions WHERE trusted = 0")
            .await,
        cap
    );
    // Shown to agents as unverified claims.
    let agent = app.teammate(Role::Agent).await;
    let detail = agent.conversation(&conversation_of(&chat.body)).await;
    assert!(detail.body["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .all(|m| m["trusted"] == false));

    // The customer themself (verified) still gets through: the oldest claim makes room.
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    let (verified, _) = app.verified_session(&secret, "Jo", "jo@example.com").await;
    let first = app
        .chat(&verified, "call me on +1 415 555 0100", "v-1")
        .await;
    assert_eq!(first.status, 200);
    // The phone filled a gap; a second number cannot replace it and waits, trusted.
    let second = app.chat(&verified, "or +44 20 7946 0018", "v-2").await;
    assert_eq!(second.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM client_mentions").await, cap);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM client_mentions WHERE trusted = 1 AND value = '+442079460018'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM client_mentions WHERE trusted = 0")
            .await,
        cap - 1,
        "an unverified claim made room"
    );
    // More stranger claims add nothing now.
    let more = app
        .chat(&stranger, "y1@spam.example y2@spam.example", "m-2")
        .await;
    assert_eq!(more.status, 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM client_mentions").await, cap);
}

async fn merging_moves_every_conversation_and_keeps_every_detail(app: TestApp) {
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    // Jo chats as jo@example.com and says her work address.
    let home = app.session_with_contact("Jo", "jo@example.com").await;
    let first = app
        .chat(&home, "hi, my work email is jo.b@work.example", "m-1")
        .await;
    assert_eq!(first.status, 200);
    // Later, verified with her work address, she gives her full name and phone.
    let (work, _) = app
        .verified_session(&secret, "Jo", "jo.b@work.example")
        .await;
    let second = app
        .chat(&work, "my name is Jo Bloggs, phone +1 415 555 0100", "m-2")
        .await;
    assert_eq!(second.status, 200);
    let keep = client_id_of(&app, "jo@example.com").await;
    let other = client_id_of(&app, "jo.b@work.example").await;
    let agent = app.teammate(Role::Agent).await;
    let profile = agent
        .put(
            &format!("/api/dashboard/clients/{other}/profile"),
            json!({ "company": "Bloggs Ltd", "notes": "Wholesale buyer.", "tags": ["VIP"] }),
        )
        .await;
    assert_eq!(profile.status, 200, "{:?}", profile.body);

    // Her page shows the other record as a possible duplicate (she mentioned its email).
    let page = agent.get(&format!("/api/dashboard/clients/{keep}")).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    assert_eq!(page.body["duplicates"][0]["id"], other.as_str());
    assert_eq!(page.body["conversations"].as_array().map(Vec::len), Some(1));

    let settings_events = "SELECT COUNT(*) FROM events WHERE kind = 'settings_changed'";
    let settings_before = app.count(settings_events).await;
    let merged = agent
        .post(
            &format!("/api/dashboard/clients/{keep}/merge"),
            json!({ "other": other }),
        )
        .await;
    assert_eq!(merged.status, 200, "{:?}", merged.body);
    let record = &merged.body;
    assert_eq!(record["client"]["id"], keep.as_str());
    assert_eq!(record["client"]["name"], "Jo Bloggs");
    assert_eq!(record["client"]["email"], "jo@example.com");
    assert_eq!(record["client"]["phone"], "+14155550100");
    assert_eq!(record["profile"]["company"], "Bloggs Ltd");
    assert_eq!(record["profile"]["notes"], "Wholesale buyer.");
    assert_eq!(record["profile"]["tags"], json!(["vip"]));
    // The other address is not lost: it waits as a trusted mention.
    let work_email = record["mentions"]
        .as_array()
        .expect("mentions")
        .iter()
        .find(|m| m["value"] == "jo.b@work.example")
        .cloned()
        .expect("the merged email as a mention");
    assert_eq!(work_email["trusted"], true);
    assert_eq!(record["duplicates"], json!([]));
    // Both conversations, and every message of both, in one timeline.
    let conversations: Vec<&str> = record["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(conversations.len(), 2);
    assert!(conversations.contains(&conversation_of(&first.body).as_str()));
    assert!(conversations.contains(&conversation_of(&second.body).as_str()));
    let bodies: Vec<&str> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(bodies.contains(&"hi, my work email is jo.b@work.example"));
    assert!(bodies.contains(&"my name is Jo Bloggs, phone +1 415 555 0100"));
    let times: Vec<i64> = record["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|m| m["createdAt"].as_i64())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");

    // The other record is gone; its session now writes on the kept client.
    let gone = agent.get(&format!("/api/dashboard/clients/{other}")).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "client_not_found");
    let again = app.chat(&work, "still there?", "m-3").await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM conversations WHERE client_id = '{keep}'"
        ))
        .await,
        2
    );
    // In the audit log with both records as they were, and told to open dashboards.
    let admin = app.teammate(Role::Admin).await;
    let audit = admin.get("/api/dashboard/audit").await;
    assert_eq!(audit.status, 200, "{:?}", audit.body);
    let entry = audit.body["entries"]
        .as_array()
        .or_else(|| audit.body.as_array())
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "client.merged")
        .cloned()
        .expect("the merge in the audit log");
    assert_eq!(entry["area"], "clients");
    assert_eq!(entry["before"]["merged"]["email"], "jo.b@work.example");
    assert_eq!(entry["before"]["merged"]["company"], "Bloggs Ltd");
    assert_eq!(entry["before"]["kept"]["email"], "jo@example.com");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM events WHERE kind = 'clients_merged'")
            .await,
        1
    );
    // No settings event: caches are not dropped for a merge.
    assert_eq!(app.count(settings_events).await, settings_before);
}

async fn merges_and_profiles_refuse_what_they_must(app: TestApp) {
    app.session_with_contact("A", "a@example.com").await;
    app.session_with_contact("B", "b@example.com").await;
    let a = client_id_of(&app, "a@example.com").await;
    let b = client_id_of(&app, "b@example.com").await;
    let agent = app.teammate(Role::Agent).await;
    let merge = |into: &str| format!("/api/dashboard/clients/{into}/merge");

    let same = agent.post(&merge(&a), json!({ "other": a })).await;
    assert_eq!(same.status, 422, "{:?}", same.body);
    assert_eq!(same.code(), "same_client");
    assert_eq!(same.body["error"]["field"], "other");
    let unknown = agent.post(&merge(&a), json!({ "other": "cl_nope" })).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.code(), "client_not_found");
    let missing = agent.post(&merge(&a), json!({})).await;
    assert_eq!(missing.status, 400, "{:?}", missing.body);
    assert_eq!(missing.code(), "invalid_body");

    let viewer = app.teammate(Role::Viewer).await;
    let refused = viewer.post(&merge(&a), json!({ "other": b })).await;
    assert_eq!(refused.status, 403);
    let refused = viewer
        .put(
            &format!("/api/dashboard/clients/{a}/profile"),
            json!({ "notes": "x" }),
        )
        .await;
    assert_eq!(refused.status, 403);
    // Viewers may read the page.
    assert_eq!(
        viewer
            .get(&format!("/api/dashboard/clients/{a}"))
            .await
            .status,
        200
    );

    let other = create_tenant(&app.db, "https://other.example.com").await;
    let outsider = app.teammate_of(&other.id, Role::Admin).await;
    assert_eq!(
        outsider
            .get(&format!("/api/dashboard/clients/{a}"))
            .await
            .status,
        404
    );
    let across = outsider.post(&merge(&a), json!({ "other": b })).await;
    assert_eq!(across.status, 404);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM clients").await,
        2,
        "nothing merged"
    );

    let bad_tag = agent
        .put(
            &format!("/api/dashboard/clients/{a}/profile"),
            json!({ "tags": ["<script>"] }),
        )
        .await;
    assert_eq!(bad_tag.status, 422, "{:?}", bad_tag.body);
    assert_eq!(bad_tag.body["error"]["field"], "tags");
    let nobody = agent
        .put("/api/dashboard/clients/cl_nope/profile", json!({}))
        .await;
    assert_eq!(nobody.status, 404);
}

async fn a_phone_number_belongs_to_one_client(app: TestApp) {
    let secret = app.teammate(Role::Admin).await.rotate_secret().await;
    let (first, _) = app
        .verified_session(&secret, "Ann", "ann@example.com")
        .await;
    let chat = app
        .chat(&first, "my number is +1 415 555 0100", "m-1")
        .await;
    assert_eq!(chat.status, 200);
    // Someone else, also verified, gives the same number: it is not put on their record.
    let (second, _) = app.verified_session(&secret, "Bo", "bo@example.com").await;
    let chat = app.chat(&second, "call me: +1 415 555 0100", "m-1").await;
    assert_eq!(chat.status, 200);
    let phones: Vec<Option<String>> =
        sqlx::query_scalar("SELECT phone FROM clients ORDER BY created_at, id")
            .fetch_all(&app.db.pool)
            .await
            .expect("phones");
    assert_eq!(phones, [Some("+14155550100".to_owned()), None]);
    let bo = client_id_of(&app, "bo@example.com").await;
    let agent = app.teammate(Role::Agent).await;
    let page = agent.get(&format!("/api/dashboard/clients/{bo}")).await;
    assert_eq!(page.body["duplicates"][0]["email"], "ann@example.com");
    let mention = page.body["mentions"][0]["id"]
        .as_str()
        .expect("mention")
        .to_owned();
    let taken = agent
        .post(
            &format!("/api/dashboard/clients/{bo}/mentions/{mention}/apply"),
            json!({}),
        )
        .await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(taken.code(), "phone_taken");
    // The store holds it too, whatever a caller forgets.
    let duplicate = sqlx::query("UPDATE clients SET phone = '+14155550100' WHERE id = $1")
        .bind(&bo)
        .execute(&app.db.pool)
        .await;
    assert!(duplicate.is_err(), "a second client with the same phone");
}

async fn the_profile_is_kept_and_shown(app: TestApp) {
    app.session_with_contact("Cy", "cy@example.com").await;
    let cy = client_id_of(&app, "cy@example.com").await;
    let agent = app.teammate(Role::Agent).await;
    let path = format!("/api/dashboard/clients/{cy}/profile");
    let saved = agent
        .put(
            &path,
            json!({ "company": " Cy & Co ", "notes": "Allergic to hazelnut.", "tags": ["Retail", "retail", "espresso"] }),
        )
        .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let page = agent.get(&format!("/api/dashboard/clients/{cy}")).await;
    assert_eq!(page.body["profile"]["company"], "Cy & Co");
    assert_eq!(page.body["profile"]["notes"], "Allergic to hazelnut.");
    assert_eq!(page.body["profile"]["tags"], json!(["retail", "espresso"]));
    // Clearing works; an empty company is none.
    let cleared = agent.put(&path, json!({})).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(
        cleared.body["profile"],
        json!({ "company": "", "notes": "", "tags": [] })
    );
    let company: Option<String> = sqlx::query_scalar("SELECT company FROM clients WHERE id = $1")
        .bind(&cy)
        .fetch_one(&app.db.pool)
        .await
        .expect("company");
    assert_eq!(company, None);
}
