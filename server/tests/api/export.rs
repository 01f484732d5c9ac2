//! The CSV export: a streamed download that parses back, filtered like the list, neutralised
//! against spreadsheet formulas, one tenant's data only.

use reqwest::Method;
use shared::dashboard::Role;

use crate::helpers::{create_tenant, TestApp};
use crate::on_both_backends;
use crate::seeding::Seed;
use crate::teammates::Teammate;

on_both_backends!(
    the_export_is_a_csv_attachment_with_a_header_even_when_nothing_matches,
    the_conversation_export_has_one_row_per_matching_conversation,
    commas_quotes_and_newlines_round_trip_and_formulas_come_back_neutralised,
    the_message_export_has_one_row_per_message,
    an_unknown_rows_value_or_a_bad_range_is_a_422_naming_the_field,
    another_tenants_conversations_never_appear_in_the_export,
    a_long_export_crosses_batches_without_losing_or_repeating_rows,
);

const CONVERSATION_HEADER: [&str; 12] = [
    "id",
    "channel",
    "status",
    "client name",
    "email",
    "phone",
    "assistant",
    "intent",
    "created",
    "last activity",
    "message count",
    "first visitor message",
];

const MESSAGE_HEADER: [&str; 9] = [
    "conversation id",
    "message id",
    "time",
    "channel",
    "author",
    "author name",
    "client name",
    "client email",
    "body",
];

struct Download {
    status: u16,
    content_type: String,
    disposition: String,
    text: String,
}

async fn export(teammate: &Teammate, query: &str) -> Download {
    let response = teammate
        .request(Method::GET, &format!("/api/dashboard/export.csv?{query}"))
        .send()
        .await
        .expect("request");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    Download {
        status: response.status().as_u16(),
        content_type: header("content-type"),
        disposition: header("content-disposition"),
        text: response.text().await.expect("body"),
    }
}

/// Every record, header first.
fn records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

async fn the_export_is_a_csv_attachment_with_a_header_even_when_nothing_matches(app: TestApp) {
    let teammate = app.teammate(Role::Viewer).await;
    for (query, stem, header) in [
        ("", "conversations", CONVERSATION_HEADER.to_vec()),
        (
            "rows=conversations",
            "conversations",
            CONVERSATION_HEADER.to_vec(),
        ),
        ("rows=messages", "messages", MESSAGE_HEADER.to_vec()),
    ] {
        let download = export(&teammate, query).await;
        assert_eq!(download.status, 200, "{}", download.text);
        assert_eq!(download.content_type, "text/csv; charset=utf-8");
        assert!(
            download
                .disposition
                .starts_with(&format!("attachment; filename=\"{stem}-20")),
            "{}",
            download.disposition
        );
        assert!(download.disposition.ends_with(".csv\""));
        assert_eq!(records(&download.text), vec![header]);
    }
}

async fn the_conversation_export_has_one_row_per_matching_conversation(app: TestApp) {
    let assistant = app.assistant_id().await;
    let refund = app
        .seed(Seed {
            channel: "sms",
            status: "escalated",
            intent: Some("billing".into()),
            assistant_id: Some(assistant),
            messages: vec!["I want a refund".into(), "Sorry to hear that".into()],
            ..Seed::at(1_709_210_096_789, "").client(
                "Ada Lovelace",
                "ada@example.com",
                Some("07700 900123"),
            )
        })
        .await;
    app.seed(Seed::at(1_000, "opening hours?")).await;
    let teammate = app.teammate(Role::Agent).await;
    let all = records(&export(&teammate, "").await.text);
    assert_eq!(all.len(), 3);
    let rows = records(&export(&teammate, "q=refund&channel=sms").await.text);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1],
        [
            refund.as_str(),
            "sms",
            "escalated",
            "Ada Lovelace",
            "ada@example.com",
            "07700 900123",
            "Nora",
            "billing",
            "2024-02-29T12:34:56.787Z",
            "2024-02-29T12:34:56.789Z",
            "2",
            "I want a refund",
        ]
    );
    assert_eq!(
        records(&export(&teammate, "status=resolved").await.text).len(),
        1
    );
}

async fn commas_quotes_and_newlines_round_trip_and_formulas_come_back_neutralised(app: TestApp) {
    let tricky = "Hello, \"world\"\nsecond line\r\nthird; done";
    app.seed(Seed {
        messages: vec![tricky.into()],
        ..Seed::at(3_000, "").client("Smith, \"Bob\"", "bob@example.com", Some("+1 555 0100"))
    })
    .await;
    for (i, formula) in [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1",
        "-2",
        "@SUM(A1:A9)",
    ]
    .iter()
    .enumerate()
    {
        app.seed(Seed::at(2_000 - i as i64, formula)).await;
    }
    let teammate = app.teammate(Role::Agent).await;
    let rows = records(&export(&teammate, "").await.text);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[1][3], "Smith, \"Bob\"");
    assert_eq!(rows[1][5], "'+1 555 0100");
    assert_eq!(rows[1][11], tricky);
    let firsts: Vec<&str> = rows[2..].iter().map(|r| r[11].as_str()).collect();
    assert_eq!(
        firsts,
        [
            "'=HYPERLINK(\"http://evil.example\",\"x\")",
            "'+1",
            "'-2",
            "'@SUM(A1:A9)"
        ]
    );
    let messages = records(&export(&teammate, "rows=messages").await.text);
    assert_eq!(messages[1][8], tricky);
    assert_eq!(messages[2][8], "'=HYPERLINK(\"http://evil.example\",\"x\")");
}

async fn the_message_export_has_one_row_per_message(app: TestApp) {
    let long = app
        .seed(Seed {
            messages: (0..7).map(|i| format!("line {i} about beans")).collect(),
            ..Seed::at(5_000, "").client("Ada Lovelace", "ada@example.com", None)
        })
        .await;
    let short = app.seed(Seed::at(4_000, "just one about tea")).await;
    let teammate = app.teammate(Role::Agent).await;
    let rows = records(&export(&teammate, "rows=messages").await.text);
    assert_eq!(rows[0], MESSAGE_HEADER);
    assert_eq!(rows.len(), 1 + 7 + 1);
    for (i, row) in rows[1..8].iter().enumerate() {
        assert_eq!(row[0], long);
        assert!(row[1].starts_with("msg_"));
        assert_eq!(row[3], "web");
        assert_eq!(row[4], if i % 2 == 0 { "visitor" } else { "assistant" });
        assert_eq!(row[6], "Ada Lovelace");
        assert_eq!(row[7], "ada@example.com");
        assert_eq!(row[8], format!("line {i} about beans"));
    }
    assert!(
        rows[1][2] < rows[7][2],
        "oldest first within a conversation"
    );
    assert_eq!(rows[8][0], short);
    let beans = records(&export(&teammate, "rows=messages&q=beans").await.text);
    assert_eq!(beans.len(), 1 + 7);
}

async fn an_unknown_rows_value_or_a_bad_range_is_a_422_naming_the_field(app: TestApp) {
    let teammate = app.teammate(Role::Agent).await;
    for (query, field) in [
        ("rows=everything", "rows"),
        ("rows=messages&from=9&to=1", "from"),
    ] {
        let answer = teammate
            .get(&format!("/api/dashboard/export.csv?{query}"))
            .await;
        assert_eq!(answer.status, 422, "{query}");
        assert_eq!(answer.body["error"]["field"], field);
    }
}

async fn another_tenants_conversations_never_appear_in_the_export(app: TestApp) {
    let other = create_tenant(&app.db, "https://other.example.com").await;
    let ours = app.seed(Seed::at(1_000, "our espresso")).await;
    app.seed(Seed {
        tenant_id: Some(other.id.clone()),
        ..Seed::at(2_000, "their espresso")
    })
    .await;
    let teammate = app.teammate(Role::Agent).await;
    for query in ["", "q=espresso", "rows=messages", "rows=messages&q=their"] {
        let rows = records(&export(&teammate, query).await.text);
        assert!(rows[1..].iter().all(|r| r[0] == ours), "{query}: {rows:?}");
        assert!(
            !rows.iter().flatten().any(|c| c.contains("their")),
            "{query}"
        );
    }
}

async fn a_long_export_crosses_batches_without_losing_or_repeating_rows(app: TestApp) {
    // More than one batch of conversations (500), several with the same time.
    let mut ids = Vec::new();
    for i in 0..520 {
        ids.push(
            app.seed(Seed {
                messages: vec![format!("question {i}"), format!("answer {i}")],
                ..Seed::at(1_000 + i / 3, "")
            })
            .await,
        );
    }
    let teammate = app.teammate(Role::Agent).await;
    let rows = records(&export(&teammate, "").await.text);
    let mut exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported.len(), 520);
    exported.sort();
    exported.dedup();
    assert_eq!(exported.len(), 520);
    let messages = records(&export(&teammate, "rows=messages").await.text);
    assert_eq!(messages.len(), 1 + 1040);
    let mut message_ids: Vec<&String> = messages[1..].iter().map(|r| &r[1]).collect();
    message_ids.sort();
    message_ids.dedup();
    assert_eq!(message_ids.len(), 1040);
}
