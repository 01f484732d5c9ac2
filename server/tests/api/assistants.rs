//! Assistants and knowledge in the settings: CRUD, one default, the last-default guard, roles,
//! validation naming fields, tenant isolation, search, CSV and Markdown import, "try it", and a
//! widget chat answered from an entry added a moment before.

use reqwest::Method;
use serde_json::{json, Value};
use server::tenants;
use shared::dashboard::Role;

use crate::helpers::{create_tenant, Answer, TestApp};
use crate::on_both_backends;
use crate::teammates::{next_event, Teammate};

on_both_backends!(
    assistants_are_created_read_edited_and_deleted,
    the_first_assistant_of_a_workspace_becomes_its_default,
    making_an_assistant_the_default_clears_the_old_one,
    the_default_assistant_cannot_be_deleted,
    deleting_an_assistant_keeps_its_conversations,
    agents_and_viewers_read_but_cannot_change_assistants,
    bad_assistant_input_is_refused_naming_the_field,
    bad_knowledge_input_is_refused_naming_the_field,
    another_workspace_sees_none_of_the_assistants_or_entries,
    knowledge_entries_are_added_edited_searched_and_deleted,
    a_csv_import_reads_quoted_commas_newlines_a_bom_and_titles,
    a_markdown_import_makes_one_entry_per_heading,
    a_bad_row_fails_the_whole_import,
    an_import_of_another_type_is_refused,
    trying_a_question_answers_from_a_new_entry_and_writes_nothing,
    a_widget_chat_is_answered_from_an_entry_added_a_moment_before,
    every_change_is_audited_and_announced,
);

const BASE: &str = "/api/dashboard/settings/assistants";

fn support_bot() -> Value {
    json!({
        "name": "Billing bot",
        "instructions": "Answer billing questions politely.",
        "greeting": "Hi! Ask me about invoices.",
        "model": "gpt-4o-mini",
        "channels": ["web", "email"],
    })
}

async fn put(teammate: &Teammate, path: &str, body: Value) -> Answer {
    teammate
        .send(teammate.request(Method::PUT, path).json(&body))
        .await
}

async fn delete(teammate: &Teammate, path: &str) -> Answer {
    teammate.send(teammate.request(Method::DELETE, path)).await
}

async fn upload(teammate: &Teammate, path: &str, content_type: &str, body: &str) -> Answer {
    let request = teammate
        .request(Method::POST, path)
        .header("Content-Type", content_type)
        .body(body.to_owned());
    teammate.send(request).await
}

/// Creates an assistant from `body`; answers its id.
async fn create(admin: &Teammate, body: Value) -> String {
    let answer = admin.post(BASE, body).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.body["id"].as_str().expect("id").to_owned()
}

async fn add_entry(admin: &Teammate, assistant: &str, question: &str, answer: &str) -> String {
    let created = admin
        .post(
            &format!("{BASE}/{assistant}/knowledge"),
            json!({ "question": question, "answer": answer, "keywords": "" }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.body["id"].as_str().expect("id").to_owned()
}

/// The id of the test tenant's default (demo) assistant.
async fn default_id(admin: &Teammate) -> String {
    let list = admin.get(BASE).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["isDefault"] == true)
        .and_then(|a| a["id"].as_str())
        .expect("a default assistant")
        .to_owned()
}

fn field(answer: &Answer) -> &str {
    answer.body["error"]["field"].as_str().unwrap_or_default()
}

async fn assistants_are_created_read_edited_and_deleted(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let created = admin.post(BASE, support_bot()).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["name"], "Billing bot");
    assert_eq!(
        created.body["isDefault"], false,
        "the demo stays the default"
    );
    assert_eq!(created.body["channels"], json!(["web", "email"]));
    let id = created.body["id"].as_str().expect("id").to_owned();

    let list = admin.get(BASE).await;
    assert_eq!(list.status, 200);
    let row = list
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == id.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(row["knowledgeCount"], 0);
    assert_eq!(row["model"], "gpt-4o-mini");
    assert!(row["updatedAt"].as_i64().is_some());

    let edited = put(
        &admin,
        &format!("{BASE}/{id}"),
        json!({
            "name": "  Invoices  ",
            "instructions": "",
            "greeting": "Hello!",
            "model": "",
            "channels": ["sms", "web", "sms"],
        }),
    )
    .await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    let read = admin.get(&format!("{BASE}/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["name"], "Invoices");
    assert_eq!(read.body["instructions"], "");
    assert_eq!(read.body["greeting"], "Hello!");
    assert_eq!(read.body["model"], Value::Null);
    assert_eq!(read.body["channels"], json!(["web", "sms"]));
    assert_eq!(read.body["createdAt"], created.body["createdAt"]);

    // The inbox filter's brief list keeps working and shows the new name.
    let briefs = admin.get("/api/dashboard/assistants").await;
    assert_eq!(briefs.status, 200);
    assert!(briefs
        .body
        .as_array()
        .expect("briefs")
        .iter()
        .any(|a| a["name"] == "Invoices"));

    let deleted = delete(&admin, &format!("{BASE}/{id}")).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert_eq!(admin.get(&format!("{BASE}/{id}")).await.status, 404);
    assert_eq!(delete(&admin, &format!("{BASE}/{id}")).await.status, 404);
}

async fn the_first_assistant_of_a_workspace_becomes_its_default(app: TestApp) {
    let empty = tenants::create_tenant(
        &app.db,
        &tenants::NewTenant {
            id: None,
            name: "New shop".into(),
            company_name: "New shop".into(),
            primary_color: "#123456".into(),
            allowed_origins: vec!["https://new.example.com".into()],
        },
    )
    .await
    .expect("tenant");
    let admin = app.teammate_of(&empty.id, Role::Admin).await;
    assert_eq!(admin.get(BASE).await.body, json!([]));
    let first = admin.post(BASE, support_bot()).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["isDefault"], true);
    let second = admin.post(BASE, support_bot()).await;
    assert_eq!(second.body["isDefault"], false);
}

async fn making_an_assistant_the_default_clears_the_old_one(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let billing = create(&admin, support_bot()).await;

    let made = admin
        .post(&format!("{BASE}/{billing}/default"), json!({}))
        .await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    assert_eq!(made.body["isDefault"], true);
    let list = admin.get(BASE).await;
    let defaults: Vec<&str> = list
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| a["isDefault"] == true)
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(defaults, vec![billing.as_str()]);
    assert_eq!(
        list.body[0]["id"],
        billing.as_str(),
        "the default is listed first"
    );
    let old = admin.get(&format!("{BASE}/{demo}")).await;
    assert_eq!(old.body["isDefault"], false);

    // The widget meets the new default at once.
    let config = app.config().await;
    assert_eq!(config.status, 200, "{:?}", config.body);
    assert_eq!(config.body["assistantName"], "Billing bot");

    // Again is a no-op, and the old default can now go.
    let again = admin
        .post(&format!("{BASE}/{billing}/default"), json!({}))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(delete(&admin, &format!("{BASE}/{demo}")).await.status, 204);
}

async fn the_default_assistant_cannot_be_deleted(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let refused = delete(&admin, &format!("{BASE}/{demo}")).await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(refused.code(), "default_assistant_required");
    // Also when it is the only one, and with other assistants around.
    create(&admin, support_bot()).await;
    let refused = delete(&admin, &format!("{BASE}/{demo}")).await;
    assert_eq!(refused.code(), "default_assistant_required");
    assert_eq!(admin.get(&format!("{BASE}/{demo}")).await.status, 200);
    assert!(app.count("SELECT COUNT(*) FROM knowledge_entries").await > 0);
}

async fn deleting_an_assistant_keeps_its_conversations(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let billing = create(&admin, support_bot()).await;
    add_entry(&admin, &billing, "Where is my invoice?", "In your account.").await;
    admin
        .post(&format!("{BASE}/{billing}/default"), json!({}))
        .await;
    let (_, conversation) = app
        .visitor_conversation("Ada Lovelace", "Where is my invoice?")
        .await;
    admin
        .post(&format!("{BASE}/{demo}/default"), json!({}))
        .await;

    let deleted = delete(&admin, &format!("{BASE}/{billing}")).await;
    assert_eq!(deleted.status, 204, "{:?}", deleted.body);
    assert_eq!(admin.get(&format!("{BASE}/{billing}")).await.status, 404);
    let list = admin.get(BASE).await;
    assert!(!list
        .body
        .as_array()
        .expect("list")
        .iter()
        .any(|a| a["id"] == billing.as_str()));
    assert_eq!(
        admin
            .get(&format!("{BASE}/{billing}/knowledge"))
            .await
            .status,
        404
    );
    // The conversation still names the assistant that answered it.
    let detail = admin.conversation(&conversation).await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    let summary = if detail.body["conversation"].is_object() {
        &detail.body["conversation"]
    } else {
        &detail.body
    };
    assert_eq!(summary["assistantId"], billing.as_str(), "{summary}");
    assert_eq!(summary["assistantName"], "Billing bot");
    let knowledge = app
        .count(&format!(
            "SELECT COUNT(*) FROM knowledge_entries WHERE assistant_id = '{billing}'"
        ))
        .await;
    assert_eq!(knowledge, 0, "a deleted assistant's knowledge goes");
}

async fn agents_and_viewers_read_but_cannot_change_assistants(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let entry = add_entry(&admin, &demo, "Do you ship to Mars?", "Not yet.").await;
    for role in [Role::Agent, Role::Viewer] {
        let teammate = app.teammate(role).await;
        assert_eq!(teammate.get(BASE).await.status, 200);
        assert_eq!(teammate.get(&format!("{BASE}/{demo}")).await.status, 200);
        assert_eq!(
            teammate
                .get(&format!("{BASE}/{demo}/knowledge"))
                .await
                .status,
            200
        );
        let writes = [
            teammate.post(BASE, support_bot()).await,
            put(&teammate, &format!("{BASE}/{demo}"), support_bot()).await,
            delete(&teammate, &format!("{BASE}/{demo}")).await,
            teammate
                .post(&format!("{BASE}/{demo}/default"), json!({}))
                .await,
            teammate
                .post(
                    &format!("{BASE}/{demo}/knowledge"),
                    json!({ "question": "Q?", "answer": "A." }),
                )
                .await,
            put(
                &teammate,
                &format!("{BASE}/{demo}/knowledge/{entry}"),
                json!({ "question": "Q?", "answer": "A." }),
            )
            .await,
            delete(&teammate, &format!("{BASE}/{demo}/knowledge/{entry}")).await,
            upload(
                &teammate,
                &format!("{BASE}/{demo}/knowledge/import"),
                "text/csv",
                "question,answer\nQ?,A.\n",
            )
            .await,
            teammate
                .post(
                    &format!("{BASE}/{demo}/try"),
                    json!({ "question": "Refunds?" }),
                )
                .await,
        ];
        for (i, answer) in writes.iter().enumerate() {
            assert_eq!(answer.status, 403, "{role:?} write #{i}: {:?}", answer.body);
            assert_eq!(answer.code(), "admin_only");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM assistants").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 1);
}

async fn bad_assistant_input_is_refused_naming_the_field(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let with = |key: &str, value: Value| {
        let mut body = support_bot();
        body[key] = value;
        body
    };
    let cases = [
        (with("name", json!("  ")), "name"),
        (with("name", json!("n".repeat(81))), "name"),
        (
            with("instructions", json!("i".repeat(8_001))),
            "instructions",
        ),
        (with("greeting", json!("")), "greeting"),
        (with("greeting", json!("g".repeat(501))), "greeting"),
        (with("model", json!("gpt 4o; drop")), "model"),
        (with("model", json!("m".repeat(101))), "model"),
        (with("channels", json!([])), "channels"),
        (with("channels", json!(["web", "fax"])), "channels"),
        (json!({ "greeting": "Hi", "channels": ["web"] }), "name"),
    ];
    for (body, expected) in cases {
        let created = admin.post(BASE, body.clone()).await;
        assert_eq!(created.status, 422, "{body}: {:?}", created.body);
        assert_eq!(field(&created), expected, "{:?}", created.body);
        let edited = put(&admin, &format!("{BASE}/{demo}"), body).await;
        assert_eq!(edited.status, 422);
        assert_eq!(field(&edited), expected);
    }
    // Limits count characters, and at the limit they pass.
    let at_limit = admin.post(BASE, with("name", json!("é".repeat(80)))).await;
    assert_eq!(at_limit.status, 201, "{:?}", at_limit.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM assistants").await, 2);
    let unchanged = admin.get(&format!("{BASE}/{demo}")).await;
    assert_ne!(unchanged.body["name"], "Billing bot");
}

async fn bad_knowledge_input_is_refused_naming_the_field(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let entry = add_entry(&admin, &demo, "Is there parking?", "Yes, behind the shop.").await;
    let before = app.count("SELECT COUNT(*) FROM knowledge_entries").await;
    let cases = [
        (json!({ "question": " ", "answer": "A." }), "question"),
        (
            json!({ "question": "q".repeat(301), "answer": "A." }),
            "question",
        ),
        (json!({ "question": "Q?", "answer": "" }), "answer"),
        (
            json!({ "question": "Q?", "answer": "a".repeat(5_001) }),
            "answer",
        ),
        (
            json!({ "question": "Q?", "answer": "A.", "keywords": "k".repeat(501) }),
            "keywords",
        ),
    ];
    for (body, expected) in cases {
        let created = admin
            .post(&format!("{BASE}/{demo}/knowledge"), body.clone())
            .await;
        assert_eq!(created.status, 422, "{body}: {:?}", created.body);
        assert_eq!(field(&created), expected);
        let edited = put(&admin, &format!("{BASE}/{demo}/knowledge/{entry}"), body).await;
        assert_eq!(edited.status, 422);
        assert_eq!(field(&edited), expected);
    }
    let question = admin
        .post(&format!("{BASE}/{demo}/try"), json!({ "question": "  " }))
        .await;
    assert_eq!(question.status, 422);
    assert_eq!(field(&question), "question");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM knowledge_entries").await,
        before
    );
}

async fn another_workspace_sees_none_of_the_assistants_or_entries(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let ours = default_id(&admin).await;
    let entry = add_entry(&admin, &ours, "Do you roast decaf?", "Every Tuesday.").await;
    let other = create_tenant(&app.db, "https://other.example.com").await;
    let stranger = app.teammate_of(&other.id, Role::Admin).await;
    let theirs = default_id(&stranger).await;

    let list = stranger.get(BASE).await;
    assert!(!list
        .body
        .as_array()
        .expect("list")
        .iter()
        .any(|a| a["id"] == ours.as_str()));
    let knowledge = json!({ "question": "Q?", "answer": "A." });
    let answers = [
        stranger.get(&format!("{BASE}/{ours}")).await,
        put(&stranger, &format!("{BASE}/{ours}"), support_bot()).await,
        delete(&stranger, &format!("{BASE}/{ours}")).await,
        stranger
            .post(&format!("{BASE}/{ours}/default"), json!({}))
            .await,
        stranger.get(&format!("{BASE}/{ours}/knowledge")).await,
        stranger
            .post(&format!("{BASE}/{ours}/knowledge"), knowledge.clone())
            .await,
        put(
            &stranger,
            &format!("{BASE}/{ours}/knowledge/{entry}"),
            knowledge.clone(),
        )
        .await,
        delete(&stranger, &format!("{BASE}/{ours}/knowledge/{entry}")).await,
        // Our entry under their own assistant's path.
        put(
            &stranger,
            &format!("{BASE}/{theirs}/knowledge/{entry}"),
            knowledge.clone(),
        )
        .await,
        delete(&stranger, &format!("{BASE}/{theirs}/knowledge/{entry}")).await,
        upload(
            &stranger,
            &format!("{BASE}/{ours}/knowledge/import"),
            "text/csv",
            "question,answer\nQ?,A.\n",
        )
        .await,
        stranger
            .post(
                &format!("{BASE}/{ours}/try"),
                json!({ "question": "Decaf?" }),
            )
            .await,
    ];
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer.status, 404, "request #{i}: {:?}", answer.body);
    }
    // Even our own admin can't reach an entry through another of our assistants.
    let billing = create(&admin, support_bot()).await;
    let wrong_path = delete(&admin, &format!("{BASE}/{billing}/knowledge/{entry}")).await;
    assert_eq!(wrong_path.status, 404);
    let kept = admin.get(&format!("{BASE}/{ours}/knowledge?q=decaf")).await;
    assert_eq!(kept.body[0]["id"], entry.as_str());
    assert_eq!(kept.body[0]["answer"], "Every Tuesday.");
}

async fn knowledge_entries_are_added_edited_searched_and_deleted(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = create(&admin, support_bot()).await;
    let empty = admin.get(&format!("{BASE}/{billing}/knowledge")).await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body, json!([]));

    let created = admin
        .post(
            &format!("{BASE}/{billing}/knowledge"),
            json!({ "question": "How do I get an invoice?", "answer": "Download it under Orders.", "keywords": "receipt, bill" }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["keywords"], "receipt, bill");
    let invoice = created.body["id"].as_str().expect("id").to_owned();
    let vat = add_entry(
        &admin,
        &billing,
        "Do prices include VAT?",
        "Yes, 20% VAT is included.",
    )
    .await;

    let all = admin.get(&format!("{BASE}/{billing}/knowledge")).await;
    let ids: Vec<&str> = all
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![invoice.as_str(), vat.as_str()],
        "in the order added"
    );

    for (query, expected) in [
        ("INVOICE", &invoice),
        ("receipt", &invoice),
        ("20%", &vat),
        ("vat", &vat),
    ] {
        let found = admin
            .get(&format!(
                "{BASE}/{billing}/knowledge?q={}",
                query.replace('%', "%25")
            ))
            .await;
        assert_eq!(found.status, 200);
        assert_eq!(
            found.body[0]["id"],
            expected.as_str(),
            "{query}: {:?}",
            found.body
        );
    }
    let none = admin
        .get(&format!("{BASE}/{billing}/knowledge?q=parking"))
        .await;
    assert_eq!(none.body, json!([]));

    let edited = put(
        &admin,
        &format!("{BASE}/{billing}/knowledge/{vat}"),
        json!({ "question": "Is VAT included?", "answer": "Yes, always.", "keywords": "tax" }),
    )
    .await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    assert_eq!(edited.body["question"], "Is VAT included?");
    let by_keyword = admin
        .get(&format!("{BASE}/{billing}/knowledge?q=tax"))
        .await;
    assert_eq!(by_keyword.body[0]["answer"], "Yes, always.");

    let list = admin.get(BASE).await;
    let row = list
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == billing.as_str())
        .cloned()
        .expect("row");
    assert_eq!(row["knowledgeCount"], 2);

    let deleted = delete(&admin, &format!("{BASE}/{billing}/knowledge/{vat}")).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        delete(&admin, &format!("{BASE}/{billing}/knowledge/{vat}"))
            .await
            .status,
        404
    );
    let left = admin.get(&format!("{BASE}/{billing}/knowledge")).await;
    assert_eq!(left.body.as_array().expect("entries").len(), 1);
}

async fn a_csv_import_reads_quoted_commas_newlines_a_bom_and_titles(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = create(&admin, support_bot()).await;
    let file = "\u{feff}Title,Answer,Keywords\r\n\
                \"Refunds, returns and exchanges?\",\"Within 30 days.\r\nJust email us.\",\"refund, return\"\r\n\
                Do you ship abroad?,\"Yes, to 30 countries.\",\r\n";
    let imported = upload(
        &admin,
        &format!("{BASE}/{billing}/knowledge/import"),
        "text/csv; charset=utf-8",
        file,
    )
    .await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);
    assert_eq!(imported.body, json!({ "imported": 2 }));
    let entries = admin.get(&format!("{BASE}/{billing}/knowledge")).await;
    let entries = entries.body.as_array().expect("entries").clone();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["question"], "Refunds, returns and exchanges?");
    assert_eq!(entries[0]["answer"], "Within 30 days.\r\nJust email us.");
    assert_eq!(entries[0]["keywords"], "refund, return");
    assert_eq!(entries[1]["answer"], "Yes, to 30 countries.");
    // A second import goes after the first.
    let more = upload(
        &admin,
        &format!("{BASE}/{billing}/knowledge/import"),
        "text/csv",
        "question,answer\nGift cards?,We sell them in store.\n",
    )
    .await;
    assert_eq!(more.body["imported"], 1);
    let all = admin.get(&format!("{BASE}/{billing}/knowledge")).await;
    assert_eq!(all.body[2]["question"], "Gift cards?");
}

async fn a_markdown_import_makes_one_entry_per_heading(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = create(&admin, support_bot()).await;
    let file = "# Our FAQ\n\nAn introduction that is not an entry.\n\n\
                ## How long does delivery take?\nTwo to three working days.\n\nKeywords: shipping, delivery time\n\n\
                ## Can I pay by invoice?\nYes, for business customers.\n\n- Net 30\n- Net 60\n\n\
                ## Where are you?\nIn Portland, Oregon.\n";
    let imported = upload(
        &admin,
        &format!("{BASE}/{billing}/knowledge/import"),
        "text/markdown",
        file,
    )
    .await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);
    assert_eq!(imported.body["imported"], 3);
    let entries = admin.get(&format!("{BASE}/{billing}/knowledge")).await;
    let entries = entries.body.as_array().expect("entries").clone();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["question"], "How long does delivery take?");
    assert_eq!(entries[0]["answer"], "Two to three working days.");
    assert_eq!(entries[0]["keywords"], "shipping, delivery time");
    assert_eq!(
        entries[1]["answer"],
        "Yes, for business customers.\n\n- Net 30\n- Net 60"
    );
    assert_eq!(entries[2]["keywords"], "");
}

async fn a_bad_row_fails_the_whole_import(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = create(&admin, support_bot()).await;
    let path = format!("{BASE}/{billing}/knowledge/import");
    let mut file = String::from("question,answer\n");
    for i in 1..=5 {
        file.push_str(&format!("Question {i}?,Answer {i}.\n"));
    }
    file.push_str("Question 6?,\n");
    let refused = upload(&admin, &path, "text/csv", &file).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(field(&refused), "file");
    assert_eq!(
        refused.body["error"]["message"],
        "Row 7: the answer is empty."
    );
    let markdown = upload(
        &admin,
        &path,
        "text/markdown",
        "## A?\nYes.\n## \nNo question.\n",
    )
    .await;
    assert_eq!(markdown.status, 422);
    assert!(markdown.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Line 3:"));
    let no_answer_column = upload(&admin, &path, "text/csv", "question,reply\nA?,B\n").await;
    assert_eq!(no_answer_column.status, 422);
    let mut too_many = String::from("question,answer\n");
    for i in 0..1_001 {
        too_many.push_str(&format!("Q{i}?,A{i}.\n"));
    }
    let refused = upload(&admin, &path, "text/csv", &too_many).await;
    assert_eq!(refused.status, 422);
    assert_eq!(field(&refused), "file");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM knowledge_entries WHERE assistant_id = '{billing}'"
        ))
        .await,
        0,
        "nothing saved"
    );
    // Exactly the limit imports.
    let mut thousand = String::from("question,answer\n");
    for i in 0..1_000 {
        thousand.push_str(&format!("Question number {i}?,Answer number {i}.\n"));
    }
    let imported = upload(&admin, &path, "text/csv", &thousand).await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);
    assert_eq!(imported.body["imported"], 1_000);
}

async fn an_import_of_another_type_is_refused(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    let path = format!("{BASE}/{demo}/knowledge/import");
    let refused = upload(&admin, &path, "application/json", "{}").await;
    assert_eq!(refused.status, 415, "{:?}", refused.body);
    let huge = "question,answer\n".to_owned() + &"x".repeat(2 * 1024 * 1024 + 100 * 1024);
    let too_large = upload(&admin, &path, "text/csv", &huge).await;
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.code(), "payload_too_large");
    let binary = admin
        .send(
            admin
                .request(Method::POST, &path)
                .header("Content-Type", "text/csv")
                .body(vec![0xff_u8, 0xfe, 0x00, 0x41]),
        )
        .await;
    assert_eq!(binary.status, 422);
    assert_eq!(field(&binary), "file");
}

async fn trying_a_question_answers_from_a_new_entry_and_writes_nothing(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let billing = create(&admin, support_bot()).await;
    let entry = add_entry(
        &admin,
        &billing,
        "Do you sell llama-shaped gift cards?",
        "Yes, llama gift cards are at the counter.",
    )
    .await;
    let tables = [
        "conversations",
        "messages",
        "events",
        "audit_log",
        "clients",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(app.count(&format!("SELECT COUNT(*) FROM {table}")).await);
    }
    let tried = admin
        .post(
            &format!("{BASE}/{billing}/try"),
            json!({ "question": "Do you sell llama gift cards?" }),
        )
        .await;
    assert_eq!(tried.status, 200, "{:?}", tried.body);
    let reply = tried.body["reply"].as_str().expect("reply");
    assert!(
        reply.contains("llama gift cards are at the counter"),
        "{reply}"
    );
    assert_eq!(
        tried.body["usedEntries"],
        json!([{ "id": entry, "question": "Do you sell llama-shaped gift cards?" }])
    );
    assert_eq!(tried.body["provider"], "embedded");
    assert_eq!(tried.body["model"], Value::Null);
    for (table, count) in tables.iter().zip(before) {
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM {table}")).await,
            count,
            "try-it wrote to {table}"
        );
    }
    // A question it can't answer says so and uses nothing.
    let unknown = admin
        .post(
            &format!("{BASE}/{billing}/try"),
            json!({ "question": "What is the airspeed of a swallow?" }),
        )
        .await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.body["usedEntries"], json!([]));
}

async fn a_widget_chat_is_answered_from_an_entry_added_a_moment_before(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let demo = default_id(&admin).await;
    add_entry(
        &admin,
        &demo,
        "Do you roast single-origin Ethiopian beans?",
        "Yes: Yirgacheffe, roasted every Thursday.",
    )
    .await;
    let session = app
        .session_with_contact("Grace Hopper", "grace@example.org")
        .await;
    let chat = app
        .chat(
            &session,
            "Do you have Ethiopian single origin beans?",
            "m-1",
        )
        .await;
    assert_eq!(chat.status, 200, "{:?}", chat.body);
    let body = chat.body["message"]["body"].as_str().expect("reply");
    assert!(
        body.contains("Yirgacheffe, roasted every Thursday"),
        "{body}"
    );
}

async fn every_change_is_audited_and_announced(app: TestApp) {
    let admin = app.teammate(Role::Admin).await;
    let watcher = app.teammate(Role::Admin).await;
    let mut socket = watcher.socket(None).await;
    let demo = default_id(&admin).await;
    let billing = create(&admin, support_bot()).await;
    let event = next_event(&mut socket).await;
    assert_eq!(event["event"]["type"], "settings_changed");
    assert_eq!(event["event"]["area"], "assistants");

    let mut edited = support_bot();
    edited["name"] = json!("Invoices");
    put(&admin, &format!("{BASE}/{billing}"), edited.clone()).await;
    // Saving the same again changes nothing and logs nothing.
    put(&admin, &format!("{BASE}/{billing}"), edited).await;
    let entry = add_entry(&admin, &billing, "Invoice copies?", "Under Orders.").await;
    put(
        &admin,
        &format!("{BASE}/{billing}/knowledge/{entry}"),
        json!({ "question": "Invoice copies?", "answer": "Under Orders, any time." }),
    )
    .await;
    delete(&admin, &format!("{BASE}/{billing}/knowledge/{entry}")).await;
    upload(
        &admin,
        &format!("{BASE}/{billing}/knowledge/import"),
        "text/csv",
        "question,answer\nA?,B.\nC?,D.\n",
    )
    .await;
    admin
        .post(&format!("{BASE}/{billing}/default"), json!({}))
        .await;
    delete(&admin, &format!("{BASE}/{demo}")).await;

    let log = admin.get("/api/dashboard/audit").await;
    assert_eq!(log.status, 200, "{:?}", log.body);
    let entries = log.body["entries"].as_array().expect("entries").clone();
    let actions: Vec<&str> = entries
        .iter()
        .rev()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            "assistant.created",
            "assistant.updated",
            "knowledge.created",
            "knowledge.updated",
            "knowledge.deleted",
            "knowledge.imported",
            "assistant.default_changed",
            "assistant.deleted",
        ]
    );
    let by_action = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .cloned()
            .expect("entry")
    };
    let updated = by_action("assistant.updated");
    assert_eq!(updated["area"], "assistants");
    assert_eq!(updated["before"]["name"], "Billing bot");
    assert_eq!(updated["after"]["name"], "Invoices");
    assert_eq!(by_action("knowledge.imported")["after"]["count"], 2);
    assert_eq!(
        by_action("knowledge.updated")["before"]["answer"],
        "Under Orders."
    );
    assert_eq!(
        by_action("assistant.default_changed")["after"]["default"],
        "Invoices"
    );
    assert!(updated["actorName"].as_str().is_some());
}
