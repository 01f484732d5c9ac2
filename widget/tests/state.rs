//! The widget's browser-side state: the stored session, client message ids, the JSON codec.

mod common;

use std::collections::HashSet;

use shared::api::{
    Author, ChatRequest, ChatResponse, Contact, ConversationStatus, ErrorBody, ErrorDetail,
    MessageView, ReplyMetadata, SessionHistory, WidgetConfig, WidgetEvent,
};
use wasm_bindgen_test::*;
use widget::codec::{decode, encode};
use widget::storage::{self, StoredSession};
use widget::transcript::{PendingMessage, SendState};

wasm_bindgen_test_configure!(run_in_browser);

fn message(id: &str, author: Author, body: &str, client_message_id: Option<&str>) -> MessageView {
    MessageView {
        id: id.into(),
        author,
        body: body.into(),
        created_at: 1_732_400_000_123,
        client_message_id: client_message_id.map(Into::into),
        author_name: None,
    }
}

fn named(mut message: MessageView, name: &str) -> MessageView {
    message.author_name = Some(name.into());
    message
}

#[wasm_bindgen_test]
fn a_stored_session_round_trips_through_local_storage() {
    let tenant = "tenant-roundtrip";
    storage::clear(tenant);
    assert_eq!(storage::load(tenant), None);

    let session = StoredSession {
        session_id: "sess-1".into(),
        contact: Some(Contact {
            name: "Jane Doe".into(),
            email: "jane@example.com".into(),
            user_hash: None,
        }),
        conversation_id: Some("conv-9".into()),
        messages: vec![
            message("m1", Author::Visitor, "Hi <b>there</b>", Some("c-1")),
            message("m2", Author::Assistant, "Hello!\nHow can I help?", None),
        ],
        pending: vec![PendingMessage {
            client_message_id: "c-2".into(),
            body: "Are you open on Sunday?".into(),
            created_at: 1_732_400_001_000,
            state: SendState::Queued,
        }],
        human: true,
    };
    storage::save(tenant, &session);

    let raw = common::local_storage()
        .get_item(&storage::storage_key(tenant))
        .unwrap()
        .expect("saved under livechat:{tenant}");
    assert!(raw.contains("\"sessionId\":\"sess-1\""), "{raw}");
    assert_eq!(storage::load(tenant), Some(session));

    storage::clear(tenant);
    assert_eq!(storage::load(tenant), None);
}

#[wasm_bindgen_test]
fn a_corrupt_stored_session_is_ignored() {
    let tenant = "tenant-corrupt";
    let storage = common::local_storage();
    storage
        .set_item(&storage::storage_key(tenant), "{not json")
        .unwrap();
    assert_eq!(storage::load(tenant), None);
    storage
        .set_item(&storage::storage_key(tenant), "{\"contact\":null}")
        .unwrap();
    assert_eq!(
        storage::load(tenant),
        None,
        "a session without its id is no session"
    );
    storage::clear(tenant);
}

#[wasm_bindgen_test]
fn client_message_ids_are_random_uuids_the_server_accepts() {
    let ids: Vec<String> = (0..2000)
        .map(|_| widget::ids::new_client_message_id())
        .collect();
    for id in &ids {
        assert_eq!(id.len(), 36, "{id}");
        let groups: Vec<_> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert_eq!(&id[14..15], "4", "version nibble of {id}");
        assert!("89ab".contains(&id[19..20]), "variant nibble of {id}");
        assert!(id
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(shared::ClientMessageId::parse(id).is_ok(), "{id}");
    }
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[wasm_bindgen_test]
fn the_codec_reads_what_the_server_writes() {
    let response = ChatResponse {
        conversation_id: "conv-1".into(),
        message: Some(named(
            message("m2", Author::Assistant, "We roast on Tuesdays ☕", None),
            "Ava",
        )),
        visitor_message: message("m1", Author::Visitor, "When do you roast?", Some("c-1")),
        conversation_status: ConversationStatus::WaitingHuman,
        metadata: ReplyMetadata {
            model: "embedded".into(),
            tokens: Some(42),
            fallback: true,
        },
    };
    let json = serde_json::to_string(&response).unwrap();
    assert_eq!(decode::<ChatResponse>(&json), Some(response.clone()));

    // A teammate has the conversation: no reply, whether `message` is null or absent.
    let taken_over = ChatResponse {
        message: None,
        ..response
    };
    let json = serde_json::to_string(&taken_over).unwrap();
    assert!(json.contains("\"message\":null"), "{json}");
    assert_eq!(decode::<ChatResponse>(&json), Some(taken_over.clone()));
    let without = json.replace("\"message\":null,", "");
    assert_ne!(without, json);
    assert_eq!(decode::<ChatResponse>(&without), Some(taken_over));

    let history = SessionHistory {
        session_id: "s".into(),
        contact: None,
        conversation_id: Some("conv-1".into()),
        conversation_status: Some(ConversationStatus::Resolved),
        messages: vec![
            named(
                message("m1", Author::Agent, "Hi, Sam from the team here.", None),
                "Sam",
            ),
            message("m2", Author::System, "Sam joined.", None),
        ],
        last_event_seq: 9_007_199_254,
        verified: false,
        earlier_messages: Vec::new(),
    };
    let json = serde_json::to_string(&history).unwrap();
    assert_eq!(decode::<SessionHistory>(&json), Some(history.clone()));
    // A verified visitor's history also carries their earlier conversations.
    let verified = SessionHistory {
        contact: Some(Contact {
            name: "Jane Doe".into(),
            email: "jane@example.com".into(),
            user_hash: None,
        }),
        verified: true,
        earlier_messages: vec![message("m0", Author::Visitor, "Last week's question", None)],
        ..history
    };
    let json = serde_json::to_string(&verified).unwrap();
    assert_eq!(decode::<SessionHistory>(&json), Some(verified));
    // An older server sends no sequence: the stream then starts where the server is.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value.as_object_mut().unwrap().remove("lastEventSeq");
    assert_eq!(
        decode::<SessionHistory>(&value.to_string()).map(|h| h.last_event_seq),
        Some(0)
    );

    let config = WidgetConfig {
        tenant_id: "t".into(),
        company_name: "Northwind".into(),
        primary_color: "#6b3e26".into(),
        greeting: "Hi!".into(),
        assistant_name: "Ava".into(),
        position: shared::api::Position::TopLeft,
        theme: shared::api::Theme::Auto,
        avatar_url: Some("https://cdn.example.com/a.png".into()),
        header_logo_url: None,
        wordmark_url: Some("https://cdn.example.com/w.svg".into()),
    };
    assert_eq!(
        decode::<WidgetConfig>(&serde_json::to_string(&config).unwrap()),
        Some(config)
    );
    // An older server's config (no branding fields) still decodes, with the defaults.
    let old = r##"{"tenantId":"t","companyName":"N","primaryColor":"#000000","greeting":"Hi","assistantName":"A"}"##;
    let decoded = decode::<WidgetConfig>(old).expect("old config");
    assert_eq!(decoded.position, shared::api::Position::BottomRight);
    assert_eq!(decoded.theme, shared::api::Theme::Light);

    let error = ErrorBody {
        error: ErrorDetail {
            code: "invalid_email".into(),
            message: "That email address is too long.".into(),
            field: Some("email".into()),
        },
    };
    assert_eq!(
        decode::<ErrorDetail>(&serde_json::to_string(&error).unwrap()),
        Some(error.error)
    );

    assert_eq!(decode::<ChatResponse>("{\"conversationId\":\"c\"}"), None);
    assert_eq!(decode::<WidgetConfig>("not json"), None);
}

#[wasm_bindgen_test]
fn the_codec_reads_every_event_of_the_stream() {
    let events = [
        WidgetEvent::Message {
            conversation_id: "conv-1".into(),
            message: named(
                message("m3", Author::Agent, "<img src=x onerror=alert(1)>", None),
                "Sam",
            ),
        },
        WidgetEvent::Message {
            conversation_id: "conv-1".into(),
            message: message("m4", Author::Visitor, "From my other tab", Some("c-9")),
        },
        WidgetEvent::Status {
            conversation_id: "conv-1".into(),
            status: ConversationStatus::WaitingHuman,
            human: true,
        },
        WidgetEvent::Status {
            conversation_id: "conv-1".into(),
            status: ConversationStatus::Resolved,
            human: false,
        },
        WidgetEvent::Typing {
            name: Some("Sam".into()),
            active: true,
        },
        WidgetEvent::Typing {
            name: None,
            active: false,
        },
        WidgetEvent::Draft {
            conversation_id: "conv-1".into(),
            id: "m5".into(),
            author_name: Some("Nora".into()),
            offset: 22,
            text: " We roast on Mondays.".into(),
        },
        WidgetEvent::Draft {
            conversation_id: "conv-1".into(),
            id: "m5".into(),
            author_name: None,
            offset: 0,
            text: String::new(),
        },
    ];
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(decode::<WidgetEvent>(&json), Some(event), "{json}");
    }
    assert_eq!(decode::<WidgetEvent>(r#"{"type":"handoff_v2"}"#), None);
    assert_eq!(decode::<WidgetEvent>(r#"{"type":"typing"}"#), None);
    assert_eq!(
        decode::<WidgetEvent>(
            r#"{"type":"draft","conversationId":"c","id":"m","offset":-1,"text":"x"}"#
        ),
        None
    );
    assert_eq!(decode::<WidgetEvent>(""), None);
}

#[wasm_bindgen_test]
fn the_codec_writes_what_the_server_reads() {
    for conversation_id in [None, Some("conv-1".to_owned())] {
        let request = ChatRequest {
            session_id: "s".into(),
            message: "Line one\nand \"quotes\" </script>".into(),
            client_message_id: "c-1".into(),
            conversation_id,
        };
        let back: ChatRequest = serde_json::from_str(&encode(&request)).unwrap();
        assert_eq!(back, request);
    }
    let contact = Contact {
        name: "José Ñúñez".into(),
        email: "jose@example.es".into(),
        user_hash: None,
    };
    let back: Contact = serde_json::from_str(&encode(&contact)).unwrap();
    assert_eq!(back, contact);
    // The site's userHash goes with the contact details when the page gave one.
    let proven = Contact {
        user_hash: Some("c56360d283a3038ea6f01b2e9a62a155ad9416491464597ff600ec1fdd85d1ca".into()),
        ..contact
    };
    let back: Contact = serde_json::from_str(&encode(&proven)).unwrap();
    assert_eq!(back, proven);
}
