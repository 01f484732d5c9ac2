//! The SMS channel end to end over real HTTP: signed Twilio and Telnyx webhooks in their wire
//! formats (signatures made here, independently of the server's code: HMAC-SHA1 over the URL
//! and sorted parameters per Twilio's documentation; Ed25519 over "timestamp|body" with a key
//! pair the test makes), the workspace found from the receiving number (or its Messaging
//! Service pool), replies sent to a stub of the provider's REST API at most once, segmenting,
//! STOP / START / HELP, delivery reports and the outbox's retries.

use std::time::Duration;

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use shared::dashboard::Role;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::on_each_backend;

on_each_backend!(
    a_signed_twilio_text_is_stored_once_and_answered_by_sms_once,
    bad_signatures_and_unknown_numbers_store_nothing,
    a_pooled_number_finds_its_workspace_through_its_messaging_service,
    telnyx_webhooks_are_checked_for_signature_and_age,
    stop_start_and_help_are_honoured,
    an_agent_reply_is_sent_in_segments_and_reports_its_delivery,
    a_refused_send_is_retried_with_backoff_until_it_goes,
    secrets_are_write_only_and_only_admins_connect_numbers,
    an_agent_texts_a_number_first,
    a_text_a_stopped_server_left_unanswered_is_answered_at_start,
    past_a_capped_plan_a_new_texter_goes_to_the_team_without_an_ai_reply,
);

const PUBLIC: &str = "https://chat.example.com";
const OUR_NUMBER: &str = "+14155550100";
pub(crate) const CUSTOMER: &str = "+14155550199";
const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token-123";
const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";

pub(crate) struct Sms {
    pub(crate) app: TestApp,
    pub(crate) provider: MockServer,
}

/// The app with both providers' APIs pointed at one stub, behind the public URL Twilio calls.
pub(crate) async fn start(backend: Backend) -> Option<Sms> {
    start_with(backend, &[]).await
}

/// [`start`] with more settings.
pub(crate) async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> Option<Sms> {
    let provider = MockServer::start().await;
    let uri = provider.uri();
    let mut settings = vec![
        ("LIVECHAT_PUBLIC_URL", PUBLIC),
        ("LIVECHAT_TWILIO_API_BASE", uri.as_str()),
        ("LIVECHAT_TELNYX_API_BASE", uri.as_str()),
        ("LIVECHAT_OUTBOX_RETRY_MS", "50"),
        ("LIVECHAT_OUTBOX_POLL_MS", "20"),
    ];
    settings.extend_from_slice(extra);
    let app = spawn_app_with(backend, &settings).await?;
    Some(Sms { app, provider })
}

/// Twilio's documented algorithm: the URL, then each parameter's name and value sorted by name,
/// HMAC-SHA1 with the auth token, Base64.
fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_owned();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("key");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl Sms {
    pub(crate) async fn connect_twilio(&self, service: Option<&str>) -> Value {
        let admin = self.app.teammate(Role::Admin).await;
        let answer = admin
            .post(
                "/api/dashboard/settings/channels/sms",
                json!({
                    "provider": "twilio",
                    "phoneNumber": OUR_NUMBER,
                    "accountSid": ACCOUNT,
                    "authToken": TOKEN,
                    "messagingServiceSid": service.unwrap_or(""),
                }),
            )
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.body
    }

    /// Posts Twilio's incoming-message webhook, signed with `token` unless `signature` is given.
    async fn twilio_text(
        &self,
        params: &[(&str, &str)],
        token: &str,
        signature: Option<&str>,
    ) -> (u16, String) {
        let url = format!("{PUBLIC}/webhooks/sms/twilio");
        let signature =
            signature.map_or_else(|| twilio_signature(token, &url, params), str::to_owned);
        let response = self
            .app
            .http
            .post(self.app.url("/webhooks/sms/twilio"))
            .header("X-Twilio-Signature", signature)
            .form(params)
            .send()
            .await
            .expect("webhook");
        (
            response.status().as_u16(),
            response.text().await.unwrap_or_default(),
        )
    }

    pub(crate) async fn mock_twilio_send(&self) {
        Mock::given(method("POST"))
            .and(path(format!(
                "/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
            )))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "sid": format!("SM{:032x}", rand::random::<u128>()),
                "status": "queued",
            })))
            .mount(&self.provider)
            .await;
    }

    /// The provider's received requests once `n` arrived (10 s at most).
    pub(crate) async fn sent(&self, n: usize) -> Vec<Request> {
        for _ in 0..500 {
            let received = self.provider.received_requests().await.unwrap_or_default();
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the provider got fewer than {n} requests");
    }
}

fn form_of(request: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).expect("form body")
}

fn field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn text(from: &str, to: &str, sid: &str, body: &str) -> Vec<(String, String)> {
    [
        ("MessageSid", sid),
        ("SmsMessageSid", sid),
        ("AccountSid", ACCOUNT),
        ("From", from),
        ("To", to),
        ("Body", body),
        ("NumMedia", "0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn a_signed_twilio_text_is_stored_once_and_answered_by_sms_once(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    sms.connect_twilio(None).await;
    sms.mock_twilio_send().await;
    let params = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000001",
        "What are your opening hours?",
    );
    let (status, body) = sms.twilio_text(&pairs(&params), TOKEN, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Response>"), "{body}");
    // Twilio retries a webhook it thinks failed: the same message id is stored once.
    let (status, _) = sms.twilio_text(&pairs(&params), TOKEN, None).await;
    assert_eq!(status, 200);

    let sent = sms.sent(1).await;
    let form = form_of(&sent[0]);
    assert_eq!(field(&form, "To").as_deref(), Some(CUSTOMER));
    assert_eq!(field(&form, "From").as_deref(), Some(OUR_NUMBER));
    let parts = usize::try_from(sms.app.count("SELECT COUNT(*) FROM outbox").await).unwrap_or(0);
    assert_eq!(
        field(&form, "StatusCallback").as_deref(),
        Some(format!("{PUBLIC}/webhooks/sms/twilio/status").as_str())
    );
    let reply = field(&form, "Body").expect("a reply");
    assert!(!reply.is_empty());
    let auth = sent[0].headers.get("authorization").expect("basic auth");
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    assert_eq!(auth.to_str().unwrap(), format!("Basic {expected}"));

    let app = &sms.app;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author = 'visitor' AND channel = 'sms'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author = 'assistant' AND channel = 'sms'")
            .await,
        1
    );
    // The sender's number is their client's, proven by the signature.
    let phone: Option<String> = sqlx::query_scalar(
        "SELECT cl.phone FROM conversations c JOIN clients cl ON cl.id = c.client_id
          WHERE c.channel = 'sms'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the conversation's client");
    assert_eq!(phone.as_deref(), Some(CUSTOMER));
    // A later text resumes the same conversation; a wait makes sure nothing else is sent.
    let later = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000002",
        "and on weekends?",
    );
    assert_eq!(sms.twilio_text(&pairs(&later), TOKEN, None).await.0, 200);
    sms.sent(parts + 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Each part of each reply went out once.
    let parts = usize::try_from(sms.app.count("SELECT COUNT(*) FROM outbox").await).unwrap_or(0);
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        parts
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL AND attempts = 1")
            .await,
        i64::try_from(parts).unwrap_or(0)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE channel = 'sms'")
            .await,
        1
    );
    // The agent sees it in the inbox as an SMS conversation.
    let agent = app.teammate(Role::Agent).await;
    let list = agent.list("channel=sms").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(
        list.body["conversations"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        list.body
    );
}

async fn bad_signatures_and_unknown_numbers_store_nothing(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    sms.connect_twilio(None).await;
    let params = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000003",
        "hello",
    );
    let p = pairs(&params);
    let (status, body) = sms.twilio_text(&p, "another-token", None).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("invalid_signature"), "{body}");
    assert_eq!(sms.twilio_text(&p, TOKEN, Some("")).await.0, 403);
    assert_eq!(
        sms.twilio_text(&p, TOKEN, Some("bm90IGEgc2lnbmF0dXJl"))
            .await
            .0,
        403
    );
    // Signed over other parameters than the ones sent: a changed body.
    let signed = twilio_signature(TOKEN, &format!("{PUBLIC}/webhooks/sms/twilio"), &p);
    let mut tampered = params.clone();
    tampered[5].1 = "send me everything".into();
    assert_eq!(
        sms.twilio_text(&pairs(&tampered), TOKEN, Some(&signed))
            .await
            .0,
        403
    );
    // Signed for another URL than the public one.
    let elsewhere = twilio_signature(TOKEN, "https://evil.example/webhooks/sms/twilio", &p);
    assert_eq!(sms.twilio_text(&p, TOKEN, Some(&elsewhere)).await.0, 403);
    // No workspace has this number.
    let stranger = text(
        CUSTOMER,
        "+14155550111",
        "SM00000000000000000000000000000004",
        "hello",
    );
    let (status, body) = sms.twilio_text(&pairs(&stranger), TOKEN, None).await;
    assert_eq!(status, 404, "{body}");
    // Not a form at all.
    let raw = sms
        .app
        .http
        .post(sms.app.url("/webhooks/sms/twilio"))
        .json(&json!({"From": CUSTOMER}))
        .send()
        .await
        .expect("post");
    assert_eq!(raw.status().as_u16(), 415);
    assert_eq!(sms.app.count("SELECT COUNT(*) FROM messages").await, 0);
    assert_eq!(sms.app.count("SELECT COUNT(*) FROM conversations").await, 0);
    assert_eq!(
        sms.app
            .count("SELECT COUNT(*) FROM clients WHERE phone IS NOT NULL")
            .await,
        0
    );
}

async fn a_pooled_number_finds_its_workspace_through_its_messaging_service(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    sms.connect_twilio(Some(SERVICE)).await;
    sms.mock_twilio_send().await;
    // Sent to another number of the service's pool, never connected on its own.
    let pooled = "+14155550177";
    let mut params = text(
        CUSTOMER,
        pooled,
        "SM00000000000000000000000000000005",
        "do you ship to Canada?",
    );
    params.push(("MessagingServiceSid".into(), SERVICE.into()));
    let (status, body) = sms.twilio_text(&pairs(&params), TOKEN, None).await;
    assert_eq!(status, 200, "{body}");
    let sent = sms.sent(1).await;
    let form = form_of(&sent[0]);
    // Replies go through the service, which picks the sender from its pool.
    assert_eq!(
        field(&form, "MessagingServiceSid").as_deref(),
        Some(SERVICE)
    );
    assert_eq!(field(&form, "From"), None);
    assert_eq!(field(&form, "To").as_deref(), Some(CUSTOMER));
}

async fn telnyx_webhooks_are_checked_for_signature_and_age(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes());
    let admin = sms.app.teammate(Role::Admin).await;
    let connected = admin
        .post(
            "/api/dashboard/settings/channels/sms",
            json!({
                "provider": "telnyx",
                "phoneNumber": OUR_NUMBER,
                "apiKey": "KEY_telnyx_secret",
                "publicKey": public,
            }),
        )
        .await;
    assert_eq!(connected.status, 201, "{:?}", connected.body);
    assert_eq!(
        connected.body["inboundUrl"],
        format!("{PUBLIC}/webhooks/sms/telnyx")
    );
    Mock::given(method("POST"))
        .and(path("/v2/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": "40317f4e-0000-4000-8000-000000000001", "to": [{"status": "queued"}]}
        })))
        .mount(&sms.provider)
        .await;
    let event = |id: &str, body: &str| {
        json!({
            "data": {
                "event_type": "message.received",
                "id": format!("evt-{id}"),
                "occurred_at": "2026-12-03T10:00:00.000+00:00",
                "record_type": "event",
                "payload": {
                    "id": id,
                    "direction": "inbound",
                    "from": {"phone_number": CUSTOMER, "carrier": "T-Mobile", "line_type": "Wireless"},
                    "to": [{"phone_number": OUR_NUMBER, "status": "webhook_delivered"}],
                    "text": body,
                    "media": [],
                    "type": "SMS"
                }
            },
            "meta": {"attempt": 1, "delivered_to": format!("{PUBLIC}/webhooks/sms/telnyx")}
        })
        .to_string()
    };
    let post = |raw: String, timestamp: i64, signer: SigningKey| {
        let signature = signer.sign(format!("{timestamp}|{raw}").as_bytes());
        let signature = base64::engine::general_purpose::STANDARD.encode(signature.to_bytes());
        sms.app
            .http
            .post(sms.app.url("/webhooks/sms/telnyx"))
            .header("content-type", "application/json")
            .header("telnyx-timestamp", timestamp.to_string())
            .header("telnyx-signature-ed25519", signature)
            .body(raw)
            .send()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let forged = post(event("m-1", "hi"), now, other).await.expect("post");
    assert_eq!(forged.status().as_u16(), 403);
    // A replay of a signed webhook from ten minutes ago.
    let stale = post(event("m-1", "hi"), now - 600, key.clone())
        .await
        .expect("post");
    assert_eq!(stale.status().as_u16(), 403);
    assert_eq!(sms.app.count("SELECT COUNT(*) FROM messages").await, 0);

    let good = post(
        event("m-1", "What are your opening hours?"),
        now,
        key.clone(),
    )
    .await
    .expect("post");
    assert_eq!(good.status().as_u16(), 204);
    let again = post(
        event("m-1", "What are your opening hours?"),
        now,
        key.clone(),
    )
    .await
    .expect("post");
    assert_eq!(again.status().as_u16(), 204);
    let sent = sms.sent(1).await;
    assert_eq!(
        sent[0]
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer KEY_telnyx_secret")
    );
    let body: Value = serde_json::from_slice(&sent[0].body).expect("json");
    assert_eq!(body["to"], CUSTOMER);
    assert_eq!(body["from"], OUR_NUMBER);
    assert!(body["text"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        sms.app
            .count("SELECT COUNT(*) FROM messages WHERE author = 'visitor'")
            .await,
        1
    );

    // Its delivery report, signed like every Telnyx webhook. The provider got the send before the
    // sender recorded the id it answered: the report waits for that, as Telnyx's retries would.
    for _ in 0..500 {
        let recorded = sms
            .app
            .count("SELECT COUNT(*) FROM outbox WHERE provider_message_id IS NOT NULL")
            .await;
        if recorded == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let report = json!({
        "data": {
            "event_type": "message.finalized",
            "id": "evt-final",
            "occurred_at": "2026-12-03T10:00:05.000+00:00",
            "record_type": "event",
            "payload": {
                "id": "40317f4e-0000-4000-8000-000000000001",
                "direction": "outbound",
                "from": {"phone_number": OUR_NUMBER},
                "to": [{"phone_number": CUSTOMER, "status": "delivered"}],
                "text": "…",
                "errors": []
            }
        }
    })
    .to_string();
    let delivered = post(report, now, key).await.expect("post");
    assert_eq!(delivered.status().as_u16(), 204);
    let status: Option<String> =
        sqlx::query_scalar("SELECT delivery_status FROM messages WHERE author = 'assistant'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("status");
    assert_eq!(status.as_deref(), Some("delivered"));
}

impl Sms {
    /// A signed text from the customer, numbered `sid`; answers the webhook's status.
    pub(crate) async fn send(&self, sid: u32, body: &str) -> u16 {
        let params = text(CUSTOMER, OUR_NUMBER, &format!("SM{sid:032}"), body);
        self.twilio_text(&pairs(&params), TOKEN, None).await.0
    }
}

async fn stop_start_and_help_are_honoured(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    sms.connect_twilio(None).await;
    sms.mock_twilio_send().await;
    assert_eq!(sms.send(1, "STOP").await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        0
    );
    // Still stored, for the agent to see; nothing answers while they are opted out.
    assert_eq!(sms.send(2, "what are your opening hours?").await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        0
    );
    let conversation: String =
        sqlx::query_scalar("SELECT id FROM conversations WHERE channel = 'sms'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("conversation");
    let agent = sms.app.teammate(Role::Agent).await;
    let refused = agent.reply(&conversation, "Are you there?", "a-1").await;
    assert_eq!(refused.status, 409, "{:?}", refused.body);
    assert_eq!(refused.code(), "opted_out");

    assert_eq!(sms.send(3, "Start").await, 200);
    let replied = agent.reply(&conversation, "Welcome back!", "a-2").await;
    assert_eq!(replied.status, 201, "{:?}", replied.body);
    let sent = sms.sent(1).await;
    assert_eq!(
        field(&form_of(&sent[0]), "Body").as_deref(),
        Some("Welcome back!")
    );

    assert_eq!(sms.send(4, "help").await, 200);
    let sent = sms.sent(2).await;
    let help = field(&form_of(&sent[1]), "Body").expect("help text");
    assert!(help.contains("STOP"), "{help}");
    assert_eq!(
        sms.app
            .count("SELECT COUNT(*) FROM messages WHERE author = 'visitor'")
            .await,
        4
    );
}

async fn an_agent_reply_is_sent_in_segments_and_reports_its_delivery(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    sms.connect_twilio(None).await;
    for (i, sid) in ["SM_part_0", "SM_part_1", "SM_part_2"]
        .into_iter()
        .enumerate()
    {
        Mock::given(method("POST"))
            .and(path_regex("/Messages.json$"))
            .respond_with(
                ResponseTemplate::new(201).set_body_json(json!({"sid": sid, "status": "queued"})),
            )
            .up_to_n_times(1)
            .with_priority(u8::try_from(i + 1).unwrap_or(1))
            .mount(&sms.provider)
            .await;
    }
    let params = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000010",
        "STOP",
    );
    // Texting STOP then START leaves a conversation the agent can answer without the assistant.
    assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    let params = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000011",
        "START",
    );
    assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    let conversation: String =
        sqlx::query_scalar("SELECT id FROM conversations WHERE channel = 'sms'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("conversation");
    let long = "Your order ships tomorrow morning from our roastery in Portland. ".repeat(5);
    let agent = sms.app.teammate(Role::Agent).await;
    let replied = agent.reply(&conversation, long.trim(), "a-1").await;
    assert_eq!(replied.status, 201, "{:?}", replied.body);
    // Queued with it, in the answer and in the event the inbox gets.
    assert_eq!(
        replied.body["delivery"]["status"], "queued",
        "{:?}",
        replied.body
    );
    let sent = sms.sent(3).await;
    let parts: Vec<String> = sent
        .iter()
        .map(|r| field(&form_of(r), "Body").expect("body"))
        .collect();
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert!(parts.iter().all(|p| p.chars().count() <= 153), "{parts:?}");
    assert_eq!(parts.concat(), long.trim());
    // The worker marks it sent once the last part's answer is stored.
    for _ in 0..100 {
        let sent =
            "SELECT COUNT(*) FROM messages WHERE author = 'agent' AND delivery_status = 'sent'";
        if sms.app.count(sent).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Twilio's status callbacks for each part: the message is delivered once all say so.
    let report = |sid: &str, status: &str| {
        let params = vec![
            ("MessageSid".to_owned(), sid.to_owned()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("AccountSid".to_owned(), ACCOUNT.to_owned()),
            ("From".to_owned(), OUR_NUMBER.to_owned()),
            ("To".to_owned(), CUSTOMER.to_owned()),
        ];
        let url = format!("{PUBLIC}/webhooks/sms/twilio/status");
        let signature = twilio_signature(TOKEN, &url, &pairs(&params));
        sms.app
            .http
            .post(sms.app.url("/webhooks/sms/twilio/status"))
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
    };
    let answer = report("SM_part_0", "delivered").await.expect("report");
    assert_eq!(answer.status().as_u16(), 204);
    let unknown = report("SM_nobody_sent", "delivered").await.expect("report");
    assert_eq!(unknown.status().as_u16(), 404);
    let status = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT delivery_status FROM messages WHERE author = 'agent'",
            )
            .fetch_one(&pool)
            .await
            .expect("status")
        }
    };
    assert_eq!(status(&sms.app).await.as_deref(), Some("delivered"));
    let failed = report("SM_part_1", "undelivered").await.expect("report");
    assert_eq!(failed.status().as_u16(), 204);
    // Delivered never goes back.
    assert_eq!(status(&sms.app).await.as_deref(), Some("delivered"));

    // Agents see it: on the message in the conversation, and live by event (sent, delivered).
    let detail = agent.conversation(&conversation).await;
    let reply = detail.body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["author"] == "agent"))
        .expect("the agent's reply")
        .clone();
    assert_eq!(reply["delivery"], json!({"status": "delivered"}));
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'message_delivery' ORDER BY seq",
    )
    .fetch_all(&sms.app.db.pool)
    .await
    .expect("events");
    let statuses: Vec<Value> = kinds
        .iter()
        .map(|p| serde_json::from_str::<Value>(p).expect("payload"))
        .inspect(|e| assert_eq!(e["messageId"], reply["id"]))
        .map(|e| e["delivery"]["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("sent"), json!("delivered")]);
}

async fn a_refused_send_is_retried_with_backoff_until_it_goes(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    sms.connect_twilio(None).await;
    Mock::given(method("POST"))
        .and(path_regex("/Messages.json$"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&sms.provider)
        .await;
    sms.mock_twilio_send().await;
    let params = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000020",
        "What are your opening hours?",
    );
    assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    let sent = sms.sent(3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The first part was refused twice, then sent; any further part went once.
    let parts = usize::try_from(sms.app.count("SELECT COUNT(*) FROM outbox").await).unwrap_or(0);
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        parts + 2
    );
    assert_eq!(
        form_of(&sent[0]),
        form_of(&sent[2]),
        "the same text each time"
    );
    let (attempts, sent_at): (i64, Option<i64>) =
        sqlx::query_as("SELECT attempts, sent_at FROM outbox WHERE part = 0")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("outbox row");
    assert_eq!(attempts, 3);
    assert!(sent_at.is_some());
    assert_eq!(
        sms.app
            .count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
            .await,
        0
    );

    // A permanent refusal is not retried, and the message says why.
    sms.provider.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400
        })))
        .mount(&sms.provider)
        .await;
    let params = text(
        CUSTOMER,
        OUR_NUMBER,
        "SM00000000000000000000000000000021",
        "and on weekends?",
    );
    assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    sms.sent(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Only the first part was tried: the message failed with it.
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        1
    );
    let error: Option<String> =
        sqlx::query_scalar("SELECT delivery_error FROM messages WHERE delivery_status = 'failed'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("failed message");
    assert!(error.is_some_and(|e| e.contains("21211")));
    // The agents see why on the reply itself.
    let conversation: String =
        sqlx::query_scalar("SELECT conversation_id FROM messages WHERE delivery_status = 'failed'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("conversation");
    let agent = sms.app.teammate(Role::Agent).await;
    let detail = agent.conversation(&conversation).await;
    let failed = detail.body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["delivery"]["status"] == "failed"))
        .expect("the failed reply")
        .clone();
    assert!(failed["delivery"]["error"]
        .as_str()
        .is_some_and(|e| e.contains("21211")));
}

async fn secrets_are_write_only_and_only_admins_connect_numbers(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    let view = sms.connect_twilio(None).await;
    let text = view.to_string();
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(view["authTokenSet"], true);
    assert_eq!(view["inboundUrl"], format!("{PUBLIC}/webhooks/sms/twilio"));
    let admin = sms.app.teammate(Role::Admin).await;
    let listed = admin.get("/api/dashboard/settings/channels/sms").await;
    assert!(!listed.body.to_string().contains(TOKEN));
    let audit = admin.get("/api/dashboard/audit").await;
    assert!(!audit.body.to_string().contains(TOKEN));
    assert!(audit.body.to_string().contains("sms_channel.connected"));
    // One workspace per number.
    let again = admin
        .post(
            "/api/dashboard/settings/channels/sms",
            json!({"provider": "twilio", "phoneNumber": OUR_NUMBER, "accountSid": ACCOUNT, "authToken": "x"}),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.code(), "number_taken");
    let bad = admin
        .post(
            "/api/dashboard/settings/channels/sms",
            json!({"provider": "twilio", "phoneNumber": "415 555", "accountSid": ACCOUNT, "authToken": "x"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["error"]["field"], "phoneNumber");
    let agent = sms.app.teammate(Role::Agent).await;
    assert_eq!(
        agent
            .get("/api/dashboard/settings/channels/sms")
            .await
            .status,
        403
    );
    // "Send a test" goes straight to the provider.
    sms.mock_twilio_send().await;
    let id = view["id"].as_str().expect("id");
    let test = admin
        .post(
            &format!("/api/dashboard/settings/channels/sms/{id}/test"),
            json!({"to": CUSTOMER}),
        )
        .await;
    assert_eq!(test.status, 200, "{:?}", test.body);
    assert!(test.body["providerMessageId"]
        .as_str()
        .is_some_and(|s| s.starts_with("SM")));
    let gone = sms
        .app
        .http
        .delete(
            sms.app
                .url(&format!("/api/dashboard/settings/channels/sms/{id}")),
        )
        .send()
        .await
        .expect("delete");
    assert_eq!(gone.status().as_u16(), 401, "not signed in");
}

async fn an_agent_texts_a_number_first(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    let channel = sms.connect_twilio(None).await;
    sms.mock_twilio_send().await;
    let agent = sms.app.teammate(Role::Agent).await;
    let start = |body: &'static str, id: &'static str| {
        agent.post(
            "/api/dashboard/sms/conversations",
            json!({
                "channelId": channel["id"],
                "to": "+14155550142",
                "body": body,
                "clientMessageId": id,
            }),
        )
    };
    let started = start("Your order is ready for pickup.", "s-1").await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    let sent = sms.sent(1).await;
    let form = form_of(&sent[0]);
    assert_eq!(field(&form, "To").as_deref(), Some("+14155550142"));
    assert_eq!(
        field(&form, "Body").as_deref(),
        Some("Your order is ready for pickup.")
    );
    // Their answer lands in the same conversation, which the agent has: no AI reply.
    let params = text(
        "+14155550142",
        OUR_NUMBER,
        "SM00000000000000000000000000000031",
        "Thanks!",
    );
    assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    assert_eq!(sms.app.count("SELECT COUNT(*) FROM conversations").await, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        1
    );
    let bad = agent
        .post(
            "/api/dashboard/sms/conversations",
            json!({"channelId": channel["id"], "to": "555", "body": "x", "clientMessageId": "s-2"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let viewer = sms.app.teammate(Role::Viewer).await;
    let refused = viewer
        .post(
            "/api/dashboard/sms/conversations",
            json!({"channelId": channel["id"], "to": "+14155550142", "body": "x", "clientMessageId": "s-3"}),
        )
        .await;
    assert_eq!(refused.status, 403);
}

async fn a_text_a_stopped_server_left_unanswered_is_answered_at_start(backend: Backend) {
    let Some(sms) = start(backend).await else {
        return;
    };
    let channel = sms.connect_twilio(None).await;
    sms.mock_twilio_send().await;
    // Every agent can see which numbers to text from, and nothing else of them.
    let agent = sms.app.teammate(Role::Agent).await;
    let numbers = agent.get("/api/dashboard/sms/numbers").await;
    assert_eq!(numbers.status, 200, "{:?}", numbers.body);
    assert_eq!(
        numbers.body,
        json!([{"id": channel["id"], "phoneNumber": OUR_NUMBER}])
    );

    // An agent's conversation: the customer's answer waits for the agent, not the assistant.
    let started = agent
        .post(
            "/api/dashboard/sms/conversations",
            json!({
                "channelId": channel["id"], "to": "+14155550142",
                "body": "Your order is ready.", "clientMessageId": "s-1",
            }),
        )
        .await;
    assert_eq!(started.status, 201, "{:?}", started.body);
    sms.sent(1).await;
    let customer = |from: &str, sid: &str, body: &str| text(from, OUR_NUMBER, sid, body);
    for params in [
        customer(
            "+14155550142",
            "SM00000000000000000000000000000041",
            "What are your opening hours?",
        ),
        // A keyword has its own handling, and an opted-out number gets nothing.
        customer("+14155550143", "SM00000000000000000000000000000042", "STOP"),
        customer("+14155550144", "SM00000000000000000000000000000043", "STOP"),
        customer(
            "+14155550144",
            "SM00000000000000000000000000000044",
            "are you there?",
        ),
    ] {
        assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        1
    );

    // As if the server had stopped between storing the text and answering it.
    sqlx::query("UPDATE conversations SET ai_paused = 0")
        .execute(&sms.app.db.pool)
        .await
        .expect("unpause");
    let answered = server::channels::resume::answer_left_unanswered(&sms.app.state)
        .await
        .expect("resume");
    assert_eq!(answered, 1);
    let sent = sms.sent(2).await;
    let reply = form_of(&sent[1]);
    assert_eq!(field(&reply, "To").as_deref(), Some("+14155550142"));
    let question: String =
        sqlx::query_scalar("SELECT id FROM messages WHERE body = 'What are your opening hours?'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("question");
    let replies = format!("SELECT COUNT(*) FROM messages WHERE reply_to = '{question}'");
    assert_eq!(sms.app.count(&replies).await, 1);

    // Answered once (in as many parts as it takes): a second start finds nothing to do.
    let parts = usize::try_from(
        sms.app
            .count("SELECT COUNT(*) FROM outbox WHERE recipient = '+14155550142'")
            .await,
    )
    .unwrap_or(0);
    sms.sent(parts).await;
    let again = server::channels::resume::answer_left_unanswered(&sms.app.state)
        .await
        .expect("resume");
    assert_eq!(again, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sms.provider
            .received_requests()
            .await
            .unwrap_or_default()
            .len(),
        parts
    );
}

async fn past_a_capped_plan_a_new_texter_goes_to_the_team_without_an_ai_reply(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let plans = dir.path().join("plans.toml");
    std::fs::write(
        &plans,
        "[plans.free]\nname = \"Free\"\nconversations = 1\nat_limit = \"cap\"\n",
    )
    .expect("plans");
    let plans = plans.display().to_string();
    let Some(sms) = start_with(backend, &[("LIVECHAT_PLANS", plans.as_str())]).await else {
        return;
    };
    sms.connect_twilio(None).await;
    sms.mock_twilio_send().await;
    let tenant = sms.app.tenant.id.clone();
    assert!(
        server::usage::set_plan(&sms.app.db, &tenant, Some("free"), None)
            .await
            .expect("plan")
    );
    // The plan's one conversation: answered by the assistant, and it goes on being answered.
    for (sid, body) in [
        (
            "SM00000000000000000000000000000051",
            "What are your opening hours?",
        ),
        ("SM00000000000000000000000000000052", "and on weekends?"),
    ] {
        let params = text(CUSTOMER, OUR_NUMBER, sid, body);
        assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    }
    for _ in 0..200 {
        if sms
            .app
            .count("SELECT COUNT(*) FROM messages WHERE author = 'assistant'")
            .await
            == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        sms.app
            .count("SELECT COUNT(*) FROM messages WHERE author = 'assistant'")
            .await,
        2
    );
    // A second customer: stored, for the team, no AI reply.
    let params = text(
        "+14155550177",
        OUR_NUMBER,
        "SM00000000000000000000000000000053",
        "Hello?",
    );
    assert_eq!(sms.twilio_text(&pairs(&params), TOKEN, None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, paused): (String, i64) = sqlx::query_as(
        "SELECT status, ai_paused FROM conversations WHERE contact_address = '+14155550177'",
    )
    .fetch_one(&sms.app.db.pool)
    .await
    .expect("conversation");
    assert_eq!((status.as_str(), paused), ("waiting_human", 1));
    assert_eq!(
        sms.app
            .count("SELECT COUNT(*) FROM messages WHERE author = 'assistant'")
            .await,
        2
    );
    // An agent answers it as usual.
    let conversation: String =
        sqlx::query_scalar("SELECT id FROM conversations WHERE contact_address = '+14155550177'")
            .fetch_one(&sms.app.db.pool)
            .await
            .expect("id");
    let agent = sms.app.teammate(Role::Agent).await;
    let replied = agent
        .reply(&conversation, "Hi! How can we help?", "cap-1")
        .await;
    assert_eq!(replied.status, 201, "{:?}", replied.body);
}
