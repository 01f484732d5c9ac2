//! The email channel end to end: raw MIME posted to the signed webhook (and delivered to the
//! SMTP listener by lettre), threading by headers and by subject, quoted text trimmed, and the
//! assistant's reply received over SMTP by a real SMTP server the test starts, with the headers
//! that keep it in the customer's thread.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use server::channels::email::parse;
use server::channels::email::smtp_listener::{self, Envelope, ListenerConfig};
use sha2::Sha256;
use shared::dashboard::Role;
use tokio::sync::mpsc;

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::on_each_backend;

on_each_backend!(
    a_mail_is_answered_over_smtp_in_its_thread_and_the_answer_threads_back,
    bad_signatures_unknown_addresses_and_auto_replies,
    html_only_latin1_mail_with_an_attachment_reads,
    the_smtp_listener_takes_mail_for_connected_addresses,
    the_reply_delay_holds_the_assistants_reply_but_not_an_agents,
    a_mailgun_route_forwards_signed_raw_mail_once,
    a_mail_a_stopped_server_left_unanswered_is_answered_at_start,
    past_a_capped_plan_a_new_thread_goes_to_the_team,
    with_open_signup_no_smtp_account_points_at_a_private_address,
    a_thread_is_found_by_its_subject_and_its_text,
);

const SUPPORT: &str = "support@shop.example";

/// An SMTP server collecting what it receives.
async fn smtp_receiver() -> (u16, mpsc::UnboundedReceiver<Envelope>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::unbounded_channel();
    let deliver = smtp_listener::deliver_fn(move |envelope: Envelope| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(envelope);
            Ok(())
        }
    });
    tokio::spawn(smtp_listener::serve(
        listener,
        ListenerConfig::new("mx.customer.example", |_: &str| true),
        deliver,
    ));
    (port, rx)
}

struct Mail {
    app: TestApp,
    secret: String,
}

async fn start(
    backend: Backend,
    smtp_port: u16,
    delay: u32,
    extra: &[(&str, &str)],
) -> Option<Mail> {
    let mut settings = vec![
        ("LIVECHAT_OUTBOX_RETRY_MS", "50"),
        ("LIVECHAT_OUTBOX_POLL_MS", "20"),
    ];
    settings.extend_from_slice(extra);
    let app = spawn_app_with(backend, &settings).await?;
    let admin = app.teammate(Role::Admin).await;
    let created = admin
        .post(
            "/api/dashboard/settings/channels/email",
            json!({
                "inboundAddress": "Support@Shop.example",
                "fromName": "Shop Support",
                "smtpHost": "127.0.0.1",
                "smtpPort": smtp_port,
                "smtpTls": "none",
                "replyDelaySecs": delay,
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["channel"]["inboundAddress"], SUPPORT);
    let secret = created.body["webhookSecret"]
        .as_str()
        .expect("secret")
        .to_owned();
    // Shown once: the list never has it.
    let listed = admin.get("/api/dashboard/settings/channels/email").await;
    assert!(!listed.body.to_string().contains(&secret));
    Some(Mail { app, secret })
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

pub(crate) fn signature(secret: &str, ts: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Mail {
    async fn post_raw(&self, raw: &str, secret: &str, ts: i64) -> (u16, Value) {
        let response = self
            .app
            .http
            .post(self.app.url("/webhooks/email"))
            .header("content-type", "message/rfc822")
            .header("x-livechat-timestamp", ts.to_string())
            .header(
                "x-livechat-signature",
                signature(secret, ts, raw.as_bytes()),
            )
            .body(raw.to_owned())
            .send()
            .await
            .expect("webhook");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, raw: &str) -> u16 {
        self.post_raw(raw, &self.secret, now()).await.0
    }
}

fn mail(message_id: &str, subject: &str, headers: &str, body: &str) -> String {
    format!(
        "From: Jo Bloggs <jo@customer.example>\r\nTo: Shop Support <{SUPPORT}>\r\n\
         Subject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\n\
         {headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn next_mail(rx: &mut mpsc::UnboundedReceiver<Envelope>) -> Envelope {
    tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a mail within 15 s")
        .expect("receiver open")
}

async fn a_mail_is_answered_over_smtp_in_its_thread_and_the_answer_threads_back(backend: Backend) {
    let (port, mut rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 0, &[]).await else {
        return;
    };
    let first = format!(
        "From: Jo Bloggs <jo@customer.example>\r\nTo: {SUPPORT}\r\nSubject: Opening hours\r\n\
         Message-ID: <m1@customer.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWhat are your opening hours?\r\n\
         --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>What are your <b>opening hours</b>?</p>\r\n\
         --b1--\r\n"
    );
    assert_eq!(mail_app.post(&first).await, 204);
    let envelope = next_mail(&mut rx).await;
    assert_eq!(envelope.rcpt_to, vec!["jo@customer.example".to_owned()]);
    let reply = parse::parse(&envelope.data).expect("the reply reads");
    assert_eq!(reply.subject, "Re: Opening hours");
    assert_eq!(reply.in_reply_to, vec!["m1@customer.example".to_owned()]);
    assert!(reply.references.contains(&"m1@customer.example".to_owned()));
    assert_eq!(
        reply.from.as_ref().map(|m| m.address.as_str()),
        Some(SUPPORT)
    );
    assert!(reply.text.contains("\n-- \n"), "{}", reply.text);
    let reply_id = reply.message_id.expect("the reply's Message-ID");

    // Jo answers the reply from her mail client, quoting it.
    let answer = mail(
        "m2@customer.example",
        "Re: Opening hours",
        &format!("In-Reply-To: <{reply_id}>\r\nReferences: <m1@customer.example> <{reply_id}>\r\n"),
        "And on weekends?\r\n\r\nOn Thu, 3 Dec 2026 at 10:01, Shop Support <support@shop.example> wrote:\r\n> We roast Monday to Friday.\r\n",
    );
    assert_eq!(mail_app.post(&answer).await, 204);
    // A provider retrying its webhook: stored once.
    assert_eq!(mail_app.post(&answer).await, 204);
    let second = parse::parse(&next_mail(&mut rx).await.data).expect("reads");
    assert_eq!(second.in_reply_to, vec!["m2@customer.example".to_owned()]);
    let app = &mail_app.app;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE channel = 'email'")
            .await,
        1
    );
    let (body, meta): (String, Option<String>) = sqlx::query_as(
        "SELECT body, email_meta FROM messages WHERE external_id = 'm2@customer.example'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("stored");
    assert_eq!(body, "And on weekends?");
    let meta: Value = serde_json::from_str(&meta.expect("meta")).expect("json");
    assert!(meta["originalText"]
        .as_str()
        .is_some_and(|t| t.contains("wrote:")));

    // No headers, the same subject with another prefix, the same sender: the same thread.
    let by_subject = mail(
        "m3@customer.example",
        "RE: opening  hours",
        "",
        "Also: are you open on holidays?",
    );
    assert_eq!(mail_app.post(&by_subject).await, 204);
    next_mail(&mut rx).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE channel = 'email'")
            .await,
        1
    );
    // Another subject: another conversation, of the same client.
    let other = mail(
        "m4@customer.example",
        "Wholesale prices",
        "",
        "Do you sell to cafés?",
    );
    assert_eq!(mail_app.post(&other).await, 204);
    next_mail(&mut rx).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE channel = 'email'")
            .await,
        2
    );
    // "Send a test" from the settings reaches the same SMTP server.
    let admin = app.teammate(Role::Admin).await;
    let channels = admin.get("/api/dashboard/settings/channels/email").await;
    let id = channels.body[0]["id"].as_str().expect("id").to_owned();
    let test = admin
        .post(
            &format!("/api/dashboard/settings/channels/email/{id}/test"),
            json!({ "to": "owner@shop.example" }),
        )
        .await;
    assert_eq!(test.status, 204, "{:?}", test.body);
    let received = next_mail(&mut rx).await;
    assert_eq!(received.rcpt_to, vec!["owner@shop.example".to_owned()]);
    let bad = admin
        .post(
            &format!("/api/dashboard/settings/channels/email/{id}/test"),
            json!({ "to": "not an address" }),
        )
        .await;
    assert_eq!(bad.status, 422);
    let clients: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, email FROM clients WHERE email IS NOT NULL")
            .fetch_all(&app.db.pool)
            .await
            .expect("clients");
    assert_eq!(
        clients,
        [(
            "Jo Bloggs".to_owned(),
            Some("jo@customer.example".to_owned())
        )]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE author = 'visitor'")
            .await,
        4
    );
}

async fn bad_signatures_unknown_addresses_and_auto_replies(backend: Backend) {
    let (port, mut rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 0, &[]).await else {
        return;
    };
    let raw = mail("x1@customer.example", "Hello", "", "hello");
    assert_eq!(mail_app.post_raw(&raw, "whsec_wrong", now()).await.0, 403);
    assert_eq!(
        mail_app
            .post_raw(&raw, &mail_app.secret, now() - 3600)
            .await
            .0,
        403,
        "a replay"
    );
    let unsigned = mail_app
        .app
        .http
        .post(mail_app.app.url("/webhooks/email"))
        .header("content-type", "message/rfc822")
        .body(raw.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(unsigned.status().as_u16(), 403);
    let elsewhere = raw.replace(SUPPORT, "sales@other.example");
    let (status, body) = mail_app.post_raw(&elsewhere, &mail_app.secret, now()).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "unknown_address");
    let (status, body) = mail_app
        .post_raw("\u{0}\u{1}garbage", &mail_app.secret, now())
        .await;
    assert_eq!(status, 422, "{body}");
    let plain = mail_app
        .app
        .http
        .post(mail_app.app.url("/webhooks/email"))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .expect("post");
    assert_eq!(plain.status().as_u16(), 415);
    assert_eq!(mail_app.app.count("SELECT COUNT(*) FROM messages").await, 0);

    // An out-of-office answer is stored for the agents but never answered.
    let auto = mail(
        "ooo@customer.example",
        "Out of office",
        "Auto-Submitted: auto-replied\r\n",
        "I am away until Monday.",
    );
    assert_eq!(mail_app.post(&auto).await, 204);
    assert_eq!(mail_app.app.count("SELECT COUNT(*) FROM messages").await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mail_app.app.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(rx.try_recv().is_err());
}

async fn html_only_latin1_mail_with_an_attachment_reads(backend: Backend) {
    let (port, _rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 0, &[]).await else {
        return;
    };
    // Latin-1 bytes for "café" in a quoted-printable HTML part, and a PDF.
    let raw = "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <jorg@kunde.example>\r\n\
               Subject: =?ISO-8859-1?Q?Rechnung_f=FCr_Caf=E9?=\r\n\
               Message-ID: <h1@kunde.example>\r\nMIME-Version: 1.0\r\n\
               Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n\
               --mix\r\nContent-Type: text/html; charset=iso-8859-1\r\n\
               Content-Transfer-Encoding: quoted-printable\r\n\r\n\
               <html><body><p>Meine Rechnung f=FCr das Caf=E9 fehlt.</p><script>x()</script></body></html>\r\n\
               --mix\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n\
               Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
               Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--mix--\r\n";
    let envelope = json!({ "recipient": SUPPORT, "raw": raw }).to_string();
    let ts = now();
    let response = mail_app
        .app
        .http
        .post(mail_app.app.url("/webhooks/email"))
        .header("content-type", "application/json")
        .header("x-livechat-timestamp", ts.to_string())
        .header(
            "x-livechat-signature",
            signature(&mail_app.secret, ts, envelope.as_bytes()),
        )
        .body(envelope)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 204);
    // A mail with a 3 MB attachment is far over the JSON APIs' body limit, and taken.
    let big = format!(
        "From: jo@customer.example\r\nTo: {SUPPORT}\r\nSubject: Photos\r\nMessage-ID: <big@customer.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: image/jpeg; name=\"a.jpg\"\r\n\
         Content-Disposition: attachment; filename=\"a.jpg\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        "QUJD".repeat(1_000_000)
    );
    assert_eq!(mail_app.post(&big).await, 204);
    let stored: String =
        sqlx::query_scalar("SELECT body FROM messages WHERE external_id = 'big@customer.example'")
            .fetch_one(&mail_app.app.db.pool)
            .await
            .expect("stored");
    assert!(
        stored.contains("[attachment] a.jpg (image/jpeg, 3000000 bytes)"),
        "{stored}"
    );

    let (body, meta): (String, Option<String>) = sqlx::query_as(
        "SELECT body, email_meta FROM messages WHERE external_id = 'h1@kunde.example'",
    )
    .fetch_one(&mail_app.app.db.pool)
    .await
    .expect("stored");
    assert!(
        body.contains("Meine Rechnung für das Café fehlt."),
        "{body}"
    );
    assert!(!body.contains("x()"), "{body}");
    assert!(
        body.contains("[attachment] invoice.pdf (application/pdf"),
        "{body}"
    );
    let meta: Value = serde_json::from_str(&meta.expect("meta")).expect("json");
    assert_eq!(meta["subject"], "Rechnung für Café");
    assert_eq!(meta["htmlOnly"], true);
    let name: String =
        sqlx::query_scalar("SELECT name FROM clients WHERE email = 'jorg@kunde.example'")
            .fetch_one(&mail_app.app.db.pool)
            .await
            .expect("client");
    assert_eq!(name, "Jörg Müller");
}

async fn the_smtp_listener_takes_mail_for_connected_addresses(backend: Backend) {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let (port, _rx) = smtp_receiver().await;
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let listen = free.local_addr().expect("addr");
    drop(free);
    let listen_text = listen.to_string();
    let Some(mail_app) = start(
        backend,
        port,
        0,
        &[("LIVECHAT_SMTP_LISTEN", listen_text.as_str())],
    )
    .await
    else {
        return;
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(listen.port())
        .build();
    let message = Message::builder()
        .from("Ana Lima <ana@cliente.example>".parse().expect("from"))
        .to(SUPPORT.parse().expect("to"))
        .subject("Do you ship to Brazil?")
        .body("Olá! Do you ship to Brazil?".to_owned())
        .expect("message");
    transport.send(message).await.expect("delivered");
    let stored: String = sqlx::query_scalar("SELECT body FROM messages WHERE author = 'visitor'")
        .fetch_one(&mail_app.app.db.pool)
        .await
        .expect("stored");
    assert_eq!(stored, "Olá! Do you ship to Brazil?");
    let nobody = Message::builder()
        .from("ana@cliente.example".parse().expect("from"))
        .to("nobody@shop.example".parse().expect("to"))
        .subject("x")
        .body("x".to_owned())
        .expect("message");
    assert!(
        transport.send(nobody).await.is_err(),
        "mail for nobody is refused"
    );
    assert_eq!(
        mail_app
            .app
            .count("SELECT COUNT(*) FROM messages WHERE author = 'visitor'")
            .await,
        1
    );
}

async fn the_reply_delay_holds_the_assistants_reply_but_not_an_agents(backend: Backend) {
    let (port, mut rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 600, &[]).await else {
        return;
    };
    let raw = mail(
        "d1@customer.example",
        "Shipping",
        "",
        "How long does shipping take?",
    );
    assert_eq!(mail_app.post(&raw).await, 204);
    let app = &mail_app.app;
    for _ in 0..200 {
        if app.count("SELECT COUNT(*) FROM outbox").await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let due: i64 = sqlx::query_scalar("SELECT next_attempt_at - created_at FROM outbox")
        .fetch_one(&app.db.pool)
        .await
        .expect("queued");
    assert_eq!(due, 600_000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.try_recv().is_err(), "nothing sent before the delay");
    // A teammate's answer goes at once, in the thread.
    let conversation: String =
        sqlx::query_scalar("SELECT id FROM conversations WHERE channel = 'email'")
            .fetch_one(&app.db.pool)
            .await
            .expect("conversation");
    let agent = app.teammate(Role::Agent).await;
    let replied = agent
        .reply(&conversation, "Two to three days within the US.", "a-1")
        .await;
    assert_eq!(replied.status, 201, "{:?}", replied.body);
    let sent = parse::parse(&next_mail(&mut rx).await.data).expect("reads");
    assert!(
        sent.text.starts_with("Two to three days within the US."),
        "{}",
        sent.text
    );
    assert_eq!(sent.in_reply_to, vec!["d1@customer.example".to_owned()]);
    assert_eq!(sent.subject, "Re: Shipping");
}

/// Mailgun's signature: hex HMAC-SHA256 of timestamp + token with the signing key.
fn mailgun_signature(key: &str, ts: i64, token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("key");
    mac.update(format!("{ts}{token}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A `multipart/form-data` body as Mailgun posts it, built by hand.
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----mailgun-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn a_mailgun_route_forwards_signed_raw_mail_once(backend: Backend) {
    let (port, mut rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 0, &[]).await else {
        return;
    };
    let app = &mail_app.app;
    let admin = app.teammate(Role::Admin).await;
    let key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
    let created = admin
        .post(
            "/api/dashboard/settings/channels/email",
            json!({
                "inboundAddress": "help@shop.example",
                "smtpHost": "127.0.0.1",
                "smtpPort": port,
                "smtpTls": "none",
                "replyDelaySecs": 0,
                "mailgunSigningKey": key,
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let view = &created.body["channel"];
    assert_eq!(view["mailgunSigningKeySet"], true);
    let url = view["mailgunWebhookUrl"].as_str().expect("url").to_owned();
    let id = view["id"].as_str().expect("id");
    assert_eq!(url, app.url(&format!("/webhooks/email/mailgun/{id}/mime")));
    let listed = admin.get("/api/dashboard/settings/channels/email").await;
    assert!(
        !listed.body.to_string().contains(key),
        "the key is write-only"
    );
    // The address connected without a key takes no Mailgun posts.
    let generic = listed.body.as_array().expect("list")[0].clone();
    assert_eq!(generic["mailgunSigningKeySet"], false);

    let raw = mail(
        "mg1@customer.example",
        "Where is my order?",
        "",
        "Hi, where is order 1234?",
    )
    .replace(SUPPORT, "help@shop.example");
    let post = |url: String, content_type: String, body: Vec<u8>| {
        let http = app.http.clone();
        async move {
            let response = http
                .post(url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("post");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let t = now();
    let ts = t.to_string();
    let token = "a".repeat(50);
    let good = mailgun_signature(key, t, &token);
    let fields = |signature: &str, token: &str| {
        multipart(&[
            ("recipient", "help@shop.example"),
            ("sender", "jo@customer.example"),
            ("timestamp", &ts),
            ("token", token),
            ("signature", signature),
            ("body-mime", &raw),
        ])
    };

    let (ct, body) = fields(&mailgun_signature("key-other", t, &token), &token);
    let (status, answer) = post(url.clone(), ct, body).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_signature");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);

    let (ct, body) = fields(&good, &token);
    let (status, answer) = post(url.clone(), ct.clone(), body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE channel = 'email' AND author = 'visitor'")
            .await,
        1
    );
    let reply = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the reply in time")
        .expect("a reply");
    assert_eq!(reply.rcpt_to, ["jo@customer.example"]);
    assert!(String::from_utf8_lossy(&reply.data).contains("In-Reply-To: <mg1@customer.example>"));

    // The same signature again, even with another message under it: refused.
    let other = raw.replace("mg1@", "mg-forged@");
    let (ct, body) = multipart(&[
        ("timestamp", &ts),
        ("token", &token),
        ("signature", &good),
        ("body-mime", &other),
    ]);
    let (status, answer) = post(url.clone(), ct, body).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "signature_reused");

    // Form-encoded posts read too; a post without the raw message is for a URL without /mime.
    let token2 = "b".repeat(50);
    let second = mail(
        "mg2@customer.example",
        "Re: Where is my order?",
        "In-Reply-To: <mg1@customer.example>\r\n",
        "Thanks!",
    )
    .replace(SUPPORT, "help@shop.example");
    let form = serde_urlencoded::to_string([
        ("timestamp", ts.as_str()),
        ("token", token2.as_str()),
        ("signature", mailgun_signature(key, t, &token2).as_str()),
        ("body-mime", second.as_str()),
    ])
    .expect("form");
    let (status, answer) = post(
        url.clone(),
        "application/x-www-form-urlencoded".into(),
        form.into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT conversation_id) FROM messages WHERE channel = 'email'")
            .await,
        1
    );
    let token3 = "c".repeat(50);
    let (ct, body) = multipart(&[
        ("timestamp", &ts),
        ("token", &token3),
        ("signature", &mailgun_signature(key, t, &token3)),
        ("body-plain", "parsed, not raw"),
    ]);
    let (status, answer) = post(url.clone(), ct, body).await;
    assert_eq!(status, 406, "{answer}");
    assert_eq!(answer["error"]["code"], "missing_body_mime");

    // Mailgun gives up on 406: a disconnected channel, or one without a key.
    let generic_url = generic["mailgunWebhookUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let (ct, body) = fields(&good, &token);
    let (status, answer) = post(generic_url, ct.clone(), body.clone()).await;
    assert_eq!(status, 406, "{answer}");
    assert_eq!(answer["error"]["code"], "mailgun_not_configured");
    let (status, answer) = post(app.url("/webhooks/email/mailgun/em_gone/mime"), ct, body).await;
    assert_eq!(status, 406, "{answer}");
    assert_eq!(answer["error"]["code"], "channel_not_found");
}

async fn a_mail_a_stopped_server_left_unanswered_is_answered_at_start(backend: Backend) {
    let (port, mut rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 0, &[]).await else {
        return;
    };
    let app = &mail_app.app;
    let first = mail(
        "r1@customer.example",
        "Opening hours",
        "Reply-To: Jo <jo.home@customer.example>\r\n",
        "When are you open?",
    );
    assert_eq!(mail_app.post(&first).await, 204);
    next_mail(&mut rx).await;
    let conversation: String =
        sqlx::query_scalar("SELECT id FROM conversations WHERE channel = 'email'")
            .fetch_one(&app.db.pool)
            .await
            .expect("conversation");
    let agent = app.teammate(Role::Agent).await;
    assert_eq!(agent.act(&conversation, "takeover").await.status, 200);
    let second = mail(
        "r2@customer.example",
        "Re: Opening hours",
        "In-Reply-To: <r1@customer.example>\r\nReply-To: Jo <jo.home@customer.example>\r\n",
        "And on weekends?",
    );
    assert_eq!(mail_app.post(&second).await, 204);
    // An out-of-office answer is never answered, at start neither.
    let auto = mail(
        "r3@customer.example",
        "Away",
        "Auto-Submitted: auto-replied\r\n",
        "Away",
    )
    .replace("jo@customer.example", "bo@customer.example");
    assert_eq!(mail_app.post(&auto).await, 204);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.try_recv().is_err());

    // As if the server had stopped between storing the mail and answering it.
    sqlx::query("UPDATE conversations SET ai_paused = 0")
        .execute(&app.db.pool)
        .await
        .expect("unpause");
    let answered = server::channels::resume::answer_left_unanswered(&app.state)
        .await
        .expect("resume");
    assert_eq!(answered, 1);
    let reply = next_mail(&mut rx).await;
    assert_eq!(reply.rcpt_to, ["jo.home@customer.example"]);
    let sent = parse::parse(&reply.data).expect("reads");
    assert_eq!(sent.in_reply_to, vec!["r2@customer.example".to_owned()]);
    assert_eq!(
        server::channels::resume::answer_left_unanswered(&app.state)
            .await
            .expect("resume"),
        0
    );
}

async fn past_a_capped_plan_a_new_thread_goes_to_the_team(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let plans = dir.path().join("plans.toml");
    std::fs::write(
        &plans,
        "[plans.none_left]\nname = \"Used up\"\nconversations = 0\nat_limit = \"cap\"\n",
    )
    .expect("plans");
    let plans = plans.display().to_string();
    let (port, mut rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 0, &[("LIVECHAT_PLANS", plans.as_str())]).await
    else {
        return;
    };
    let app = &mail_app.app;
    assert!(
        server::usage::set_plan(&app.db, &app.tenant.id, Some("none_left"), None)
            .await
            .expect("plan")
    );
    let raw = mail("cap1@customer.example", "Order", "", "Where is my order?");
    assert_eq!(mail_app.post(&raw).await, 204);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, paused): (String, i64) =
        sqlx::query_as("SELECT status, ai_paused FROM conversations WHERE channel = 'email'")
            .fetch_one(&app.db.pool)
            .await
            .expect("conversation");
    assert_eq!((status.as_str(), paused), ("waiting_human", 1));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert!(rx.try_recv().is_err(), "no AI reply");
}

async fn with_open_signup_no_smtp_account_points_at_a_private_address(backend: Backend) {
    let Some(app) = spawn_app_with(backend, &[("LIVECHAT_SIGNUP", "open")]).await else {
        return;
    };
    let admin = app.teammate(Role::Admin).await;
    let form = |host: &str| {
        json!({
            "inboundAddress": "support@shop.example", "smtpHost": host, "smtpPort": 6379,
            "smtpTls": "none", "replyDelaySecs": 0,
        })
    };
    for host in [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "169.254.169.254",
        "10.0.0.5",
    ] {
        let refused = admin
            .post("/api/dashboard/settings/channels/email", form(host))
            .await;
        assert_eq!(refused.status, 422, "{host}: {:?}", refused.body);
        assert_eq!(refused.body["error"]["code"], "private_host");
        assert_eq!(refused.body["error"]["field"], "smtpHost");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM email_channels").await, 0);

    // A self-hosted install that says so may use a relay on its own network.
    let Some(allowed) = spawn_app_with(
        backend,
        &[
            ("LIVECHAT_SIGNUP", "open"),
            ("LIVECHAT_SMTP_ALLOW_PRIVATE", "true"),
        ],
    )
    .await
    else {
        return;
    };
    let admin = allowed.teammate(Role::Admin).await;
    let created = admin
        .post("/api/dashboard/settings/channels/email", form("127.0.0.1"))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
}

async fn a_thread_is_found_by_its_subject_and_its_text(backend: Backend) {
    let (port, _rx) = smtp_receiver().await;
    let Some(mail_app) = start(backend, port, 600, &[]).await else {
        return;
    };
    let raw = mail(
        "s1@customer.example",
        "Damaged grinder",
        "",
        "It arrived broken in two.",
    );
    assert_eq!(mail_app.post(&raw).await, 204);
    let agent = mail_app.app.teammate(Role::Agent).await;
    for q in ["grinder", "damaged", "broken", "GRINDER"] {
        let found = agent
            .get(&format!("/api/dashboard/conversations?q={q}"))
            .await;
        assert_eq!(found.status, 200, "{:?}", found.body);
        let list = found.body["conversations"].as_array().expect("list");
        assert_eq!(list.len(), 1, "{q}: {list:?}");
        assert_eq!(list[0]["channel"], "email");
    }
    let none = agent.get("/api/dashboard/conversations?q=espresso").await;
    assert_eq!(none.body["conversations"], json!([]));
}
