//! The conversation list's search, filters and keyset pagination.

use std::collections::HashSet;

use serde_json::Value;
use shared::dashboard::{ConversationQuery, Role};

use crate::helpers::{create_tenant, TestApp};
use crate::on_both_backends;
use crate::seeding::Seed;
use crate::teammates::Teammate;

on_both_backends!(
    search_finds_a_message_by_a_word_and_by_a_word_prefix,
    search_finds_a_conversation_by_the_clients_name_email_or_phone,
    search_finds_what_a_visitor_wrote_through_the_chat,
    the_chat_keeps_each_document_as_a_rebuild_from_its_messages_would,
    each_filter_narrows_the_list_and_filters_combine,
    the_date_range_includes_from_and_excludes_to,
    pages_walk_every_conversation_exactly_once_even_when_times_tie,
    a_search_finds_matches_both_near_the_top_and_deep_in_a_long_history,
    a_malformed_cursor_limit_or_range_is_a_422_naming_the_field,
    search_syntax_characters_in_q_never_cause_an_error,
    another_tenants_conversations_never_appear_in_search,
    the_walk_and_the_lookup_find_the_same_conversations_in_the_same_order,
    the_words_of_a_search_may_be_in_different_messages_of_a_conversation,
    a_word_the_statistics_call_rare_is_looked_up_without_the_walk,
);

/// The ids of the listed conversations, in order.
fn ids(page: &Value) -> Vec<String> {
    page["conversations"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn listed(teammate: &Teammate, query: &str) -> Vec<String> {
    let answer = teammate.list(query).await;
    assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
    ids(&answer.body)
}

fn set(ids: &[&String]) -> HashSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

async fn search_finds_a_message_by_a_word_and_by_a_word_prefix(app: TestApp) {
    let refund = app
        .seed(Seed::at(
            3_000,
            "I would like a refund for my espresso grinder",
        ))
        .await;
    let shipping = app
        .seed(Seed::at(2_000, "When does shipping to Zürich start?"))
        .await;
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(
        listed(&teammate, "q=refund").await,
        std::slice::from_ref(&refund)
    );
    assert_eq!(
        listed(&teammate, "q=REFUND").await,
        std::slice::from_ref(&refund)
    );
    assert_eq!(
        listed(&teammate, "q=espr").await,
        std::slice::from_ref(&refund)
    );
    assert_eq!(
        listed(&teammate, "q=refund%20grind").await,
        std::slice::from_ref(&refund)
    );
    assert_eq!(
        listed(&teammate, "q=shipping").await,
        std::slice::from_ref(&shipping)
    );
    assert!(listed(&teammate, "q=refund%20shipping").await.is_empty());
    assert!(listed(&teammate, "q=teapot").await.is_empty());
    // Only punctuation: nothing to search, so no text filter.
    assert_eq!(listed(&teammate, "q=%2A%2A").await, [refund, shipping]);
}

async fn search_finds_a_conversation_by_the_clients_name_email_or_phone(app: TestApp) {
    let ada = app
        .seed(Seed::at(3_000, "hello").client(
            "Ada Lovelace",
            "ada@analytical.example",
            Some("+44 20 7946 0018"),
        ))
        .await;
    let _grace = app
        .seed(Seed::at(2_000, "hello").client("Grace Hopper", "grace@navy.example", None))
        .await;
    let teammate = app.teammate(Role::Viewer).await;
    for query in [
        "q=lovelace",
        "q=Ada%20Love",
        "q=ANALYTICAL.example",
        "q=%2B44%2020%207946",
        "q=7946",
    ] {
        assert_eq!(
            listed(&teammate, query).await,
            std::slice::from_ref(&ada),
            "{query}"
        );
    }
}

async fn search_finds_what_a_visitor_wrote_through_the_chat(app: TestApp) {
    let (_, conversation) = app
        .visitor_conversation("Ada Lovelace", "Do you ship decaffeinated beans?")
        .await;
    app.visitor_conversation("Grace Hopper", "What are your opening hours?")
        .await;
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(listed(&teammate, "q=decaf").await, [conversation]);
}

/// Each message of the chat grows its conversation's document in the transaction that stores
/// it (on SQLite's writer thread, merged in Rust): the words are those a rebuild from every
/// message finds, each once, in the order first written.
async fn the_chat_keeps_each_document_as_a_rebuild_from_its_messages_would(app: TestApp) {
    let session = app
        .session_with_contact("Ada Lovelace", "ada@example.com")
        .await;
    let mut conversation = String::new();
    for (n, message) in [
        "Do you ship decaffeinated beans?",
        "Decaffeinated BEANS, to Canada please",
        "and how long does shipping to Canada take?",
        "Thanks!",
    ]
    .into_iter()
    .enumerate()
    {
        let answer = app.chat(&session, message, &format!("doc-{n}")).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        conversation = answer.body["conversationId"].as_str().unwrap().to_owned();
    }
    let column = match app.db.backend {
        server::db::Backend::Sqlite => "search_terms",
        server::db::Backend::Postgres => "search_doc::text",
    };
    let sql = format!("SELECT {column} FROM conversations WHERE id = $1");
    let document = || async {
        sqlx::query_scalar::<_, Option<String>>(&sql)
            .bind(&conversation)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .expect("a document")
    };
    let grown = document().await;
    server::search::document::rebuild(&app.db, &conversation)
        .await
        .unwrap();
    assert_eq!(grown, document().await);
    if app.db.backend == server::db::Backend::Sqlite {
        let words: Vec<&str> = grown.split(' ').filter(|w| !w.is_empty()).collect();
        let distinct: HashSet<&str> = words.iter().copied().collect();
        assert_eq!(words.len(), distinct.len(), "{grown}");
        // The first message's words first (then the assistant's answer to it, and so on).
        assert!(
            grown.starts_with(" do you ship decaffeinated beans "),
            "{grown}"
        );
    }
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(listed(&teammate, "q=long%20thanks").await, [conversation]);
}

async fn each_filter_narrows_the_list_and_filters_combine(app: TestApp) {
    let assistant = app.assistant_id().await;
    let sms_open = app
        .seed(Seed {
            channel: "sms",
            intent: Some("billing".into()),
            ..Seed::at(4_000, "invoice question")
        })
        .await;
    let web_escalated = app
        .seed(Seed {
            status: "escalated",
            intent: Some("support".into()),
            assistant_id: Some(assistant.clone()),
            ..Seed::at(3_000, "broken grinder")
        })
        .await;
    let email_resolved = app
        .seed(Seed {
            channel: "email",
            status: "resolved",
            intent: Some("billing".into()),
            assistant_id: Some(assistant.clone()),
            ..Seed::at(2_000, "invoice copy please")
        })
        .await;
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(
        listed(&teammate, "channel=sms").await,
        std::slice::from_ref(&sms_open)
    );
    assert_eq!(
        listed(&teammate, "status=escalated").await,
        std::slice::from_ref(&web_escalated)
    );
    assert_eq!(
        listed(&teammate, &format!("assistant={assistant}")).await,
        [web_escalated.clone(), email_resolved.clone()]
    );
    assert_eq!(
        listed(&teammate, "intent=billing").await,
        [sms_open.clone(), email_resolved.clone()]
    );
    assert_eq!(
        listed(&teammate, &format!("intent=billing&assistant={assistant}")).await,
        std::slice::from_ref(&email_resolved)
    );
    assert_eq!(
        listed(&teammate, "q=invoice&channel=email&status=resolved").await,
        [email_resolved]
    );
    assert!(listed(&teammate, "q=invoice&status=escalated")
        .await
        .is_empty());
    assert!(listed(&teammate, "channel=voice").await.is_empty());
}

async fn the_date_range_includes_from_and_excludes_to(app: TestApp) {
    let early = app.seed(Seed::at(1_000, "a")).await;
    let middle = app.seed(Seed::at(2_000, "b")).await;
    let late = app.seed(Seed::at(3_000, "c")).await;
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(
        listed(&teammate, "from=2000").await,
        [late.clone(), middle.clone()]
    );
    assert_eq!(
        listed(&teammate, "to=2000").await,
        std::slice::from_ref(&early)
    );
    assert_eq!(
        listed(&teammate, "from=1000&to=3000").await,
        [middle, early]
    );
    assert!(listed(&teammate, "from=3001").await.is_empty());
    assert_eq!(listed(&teammate, "from=3000&to=3000").await.len(), 0);
    assert_eq!(listed(&teammate, "from=2500&to=4000").await, [late]);
}

async fn pages_walk_every_conversation_exactly_once_even_when_times_tie(app: TestApp) {
    let mut seeded = HashSet::new();
    // 23 conversations over 5 distinct times: most pages end in the middle of a tie.
    for i in 0..23 {
        seeded.insert(app.seed(Seed::at(1_000 * (i % 5), "tie")).await);
    }
    let teammate = app.teammate(Role::Agent).await;
    let whole = listed(&teammate, "limit=100").await;
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=4&q=tie&cursor={c}"),
            None => "limit=4&q=tie".to_owned(),
        };
        let answer = teammate.list(&query).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let page = ids(&answer.body);
        assert!(page.len() <= 4);
        walked.extend(page);
        pages += 1;
        match answer.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 6);
    assert_eq!(walked, whole, "pages must follow the one-page order");
    assert_eq!(walked.iter().collect::<HashSet<_>>().len(), 23);
    assert_eq!(set(&walked.iter().collect::<Vec<_>>()), seeded);
    let times: Vec<i64> = teammate.list("limit=100").await.body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["lastMessageAt"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
}

/// Matches near the top and deep in a history of more than a thousand conversations come back in
/// one order, with no gaps and no repeats across page boundaries.
async fn a_search_finds_matches_both_near_the_top_and_deep_in_a_long_history(app: TestApp) {
    let mut expected = Vec::new();
    // 1,040 conversations, newest first in time order 1040..1; "kiwi" in 3 recent ones and in
    // 5 among the oldest (well past the first 1,000), one of them tied in time with a neighbour.
    let kiwi_at = [1038, 1020, 1001, 30, 12, 11, 5, 5];
    for at in (1..=1040_i64).rev() {
        let hits = kiwi_at.iter().filter(|k| **k == at).count();
        for _ in 0..hits.max(1) {
            let text = if hits > 0 {
                "do you sell kiwi jam"
            } else {
                "hello there"
            };
            let id = app.seed(Seed::at(at * 1_000, text)).await;
            if hits > 0 {
                expected.push((at, id));
            }
        }
    }
    // The expected order: newest first, ties by id descending.
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(listed(&teammate, "q=kiwi&limit=100").await, expected);
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("q=kiwi&limit=3&cursor={c}"),
            None => "q=kiwi&limit=3".to_owned(),
        };
        let answer = teammate.list(&query).await;
        walked.extend(ids(&answer.body));
        match answer.body["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(walked, expected);
}

async fn a_malformed_cursor_limit_or_range_is_a_422_naming_the_field(app: TestApp) {
    let teammate = app.teammate(Role::Agent).await;
    for (query, field) in [
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=3132", "cursor"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("from=2000&to=1000", "from"),
    ] {
        let answer = teammate.list(query).await;
        assert_eq!(answer.status, 422, "{query}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["field"], field, "{query}");
    }
    assert_eq!(teammate.list("limit=1").await.status, 200);
    assert_eq!(teammate.list("limit=100").await.status, 200);
}

async fn search_syntax_characters_in_q_never_cause_an_error(app: TestApp) {
    let id = app
        .seed(Seed::at(
            1_000,
            "my order (number 42) isn't here: help & thanks!",
        ))
        .await;
    let teammate = app.teammate(Role::Agent).await;
    for q in [
        "\"",
        "\"order",
        "order\"",
        "*",
        "order*",
        "AND",
        "order AND",
        "OR NOT",
        "(",
        ")",
        "(order",
        "order)",
        ":",
        "body:order",
        "&",
        "|",
        "!",
        "!order",
        "order & here",
        "a | b",
        "'",
        "o'brien",
        "\\",
        "NEAR(order here)",
        "^order",
        "-order",
        "+order",
        "%",
        "_",
        "order:*",
        "{}",
        "[]",
        "~",
        "<->",
    ] {
        let query = format!("q={}", urlencode(q));
        let answer = teammate.list(&query).await;
        assert_eq!(answer.status, 200, "{q:?}: {:?}", answer.body);
    }
    assert_eq!(
        listed(&teammate, &format!("q={}", urlencode("(order"))).await,
        std::slice::from_ref(&id)
    );
    assert_eq!(
        listed(&teammate, &format!("q={}", urlencode("here: \"help"))).await,
        [id]
    );
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn another_tenants_conversations_never_appear_in_search(app: TestApp) {
    let other = create_tenant(&app.db, "https://other.example.com").await;
    let ours = app
        .seed(Seed::at(1_000, "secret espresso recipe").client(
            "Ada Lovelace",
            "ada@ours.example",
            None,
        ))
        .await;
    app.seed(Seed {
        tenant_id: Some(other.id.clone()),
        ..Seed::at(2_000, "secret espresso recipe").client(
            "Ada Lovelace",
            "ada@theirs.example",
            None,
        )
    })
    .await;
    let teammate = app.teammate(Role::Admin).await;
    for query in [
        "",
        "q=espresso",
        "q=ada",
        "q=theirs",
        "channel=web",
        "from=0",
    ] {
        let found = listed(&teammate, query).await;
        assert!(found.iter().all(|id| *id == ours), "{query}: {found:?}");
    }
    assert!(listed(&teammate, "q=theirs").await.is_empty());
    let theirs = app.teammate_of(&other.id, Role::Admin).await;
    assert!(!listed(&theirs, "q=espresso").await.contains(&ours));
}

/// Every page the list answers, following `nextCursor`, walking at most `window` conversations
/// before the lookup.
async fn all_pages(app: &TestApp, q: &str, limit: u32, window: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let query = ConversationQuery {
            q: Some(q.to_owned()),
            limit: Some(limit),
            cursor: cursor.take(),
            ..Default::default()
        };
        let page = server::search::list_walking(&app.db, &app.tenant.id, "", &query, window)
            .await
            .expect("a page");
        out.extend(page.conversations.into_iter().map(|c| c.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

/// The list walks the newest conversations checking each one's search document, then turns to
/// the indexes for older ones: whichever finds a conversation, the pages are the same.
async fn the_walk_and_the_lookup_find_the_same_conversations_in_the_same_order(app: TestApp) {
    let texts = [
        "Where is my order? It was late",
        "Refund please, the grinder arrived broken",
        "ORDER number 12 never came",
        "hello there",
        "Do you ship decaf to Zürich?",
        "I'd like to reorder the same beans",
    ];
    for i in 0..30_i64 {
        let mut seed = Seed::at(1_000 * (i % 11), texts[i as usize % texts.len()]);
        if i % 7 == 0 {
            let email = format!("ada{i}@analytical.example");
            seed = seed.client("Ada Lovelace", &email, None);
        }
        if i % 5 == 0 {
            seed.messages
                .push("and where is the refund for the order".to_owned());
        }
        app.seed(seed).await;
    }
    let (_, chat) = app
        .visitor_conversation("Grace Hopper", "Is the order shipped? Refund otherwise")
        .await;
    for q in [
        "order",
        "ord",
        "refund order",
        "lovelace",
        "ada",
        "broken",
        "zur",
        "hopper",
        "nothing",
    ] {
        let whole = all_pages(&app, q, 100, 1_000).await;
        if q == "refund order" {
            assert!(whole.contains(&chat), "{q}");
        }
        for window in [1, 2, 3, 7] {
            for limit in [1, 4, 100] {
                assert_eq!(
                    all_pages(&app, q, limit, window).await,
                    whole,
                    "q={q} window={window} limit={limit}"
                );
            }
        }
    }
}

async fn the_words_of_a_search_may_be_in_different_messages_of_a_conversation(app: TestApp) {
    let both = app
        .seed(Seed {
            messages: vec![
                "My grinder is broken".to_owned(),
                "Sorry to hear that".to_owned(),
                "Can I get a refund?".to_owned(),
            ],
            ..Seed::at(2_000, "")
        })
        .await;
    app.seed(Seed::at(1_000, "My grinder is fine")).await;
    let teammate = app.teammate(Role::Agent).await;
    assert_eq!(
        listed(&teammate, "q=grinder%20refund").await,
        std::slice::from_ref(&both)
    );
    for window in [1, 1_000] {
        assert_eq!(
            all_pages(&app, "refund grind", 10, window).await,
            std::slice::from_ref(&both)
        );
    }
}

/// On PostgreSQL, once `ANALYZE` has counted the documents' words, a word it does not count
/// among the common ones (and a name few clients have) goes to the indexes without the walk;
/// a common word, or a query too short to count its clients, walks first. SQLite always walks.
/// The pages are the same either way.
async fn a_word_the_statistics_call_rare_is_looked_up_without_the_walk(app: TestApp) {
    // `ANALYZE` keeps the 1,000 most common lexemes: 1,200 filler words, each in two
    // conversations, push out a word that is in one only.
    let filler = |j: i64| {
        let j = j.rem_euclid(1_200);
        let letter = |n: i64| char::from(b'a' + u8::try_from(n % 26).unwrap_or(0));
        format!("x{}{}{}", letter(j / 676), letter(j / 26), letter(j))
    };
    let mut decaf = Vec::new();
    let mut ada = Vec::new();
    let mut all = Vec::new();
    for i in 0..60_i64 {
        let words: Vec<String> = (0..40).map(|k| filler(i * 20 + k)).collect();
        let extra = if i == 33 {
            "Do you sell decaf beans?"
        } else {
            ""
        };
        let text = format!("Where is my order? {extra} {}", words.join(" "));
        let mut seed = Seed::at(1_000 * i, &text);
        if i % 25 == 7 {
            seed = seed.client("Ada Lovelace", &format!("ada{i}@example.com"), None);
        }
        let id = app.seed(seed).await;
        if i == 33 {
            decaf.push(id.clone());
        }
        if i % 25 == 7 {
            ada.push(id.clone());
        }
        all.push(id);
    }
    let postgres = app.db.backend == server::db::Backend::Postgres;
    if postgres {
        sqlx::query("ANALYZE conversations")
            .execute(&app.db.pool)
            .await
            .expect("analyze");
    }
    let at_once = |q: &'static str| {
        let db = app.db.clone();
        let tenant = app.tenant.id.clone();
        async move {
            server::search::looks_up_at_once(&db, &tenant, q)
                .await
                .expect("a plan")
        }
    };
    assert_eq!(at_once("decaf").await, postgres, "a rare word");
    assert_eq!(at_once("ada lovelace").await, postgres, "a rare name");
    assert!(!at_once("order").await, "a common word");
    assert!(!at_once("ord").await, "the prefix of a common word");
    assert!(!at_once("de").await, "too short to count clients by");
    let newest_first = |mut ids: Vec<String>| {
        ids.reverse();
        ids
    };
    let window = server::search::WALK_WINDOW;
    for limit in [1, 2, 100] {
        assert_eq!(
            all_pages(&app, "decaf", limit, window).await,
            newest_first(decaf.clone())
        );
        assert_eq!(
            all_pages(&app, "ada lovelace", limit, window).await,
            newest_first(ada.clone())
        );
    }
    assert_eq!(all_pages(&app, "order", 7, window).await.len(), all.len());
}
