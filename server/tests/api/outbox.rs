//! The outbox's promise, tested on its own: a job is sent at most once even when its worker
//! stops mid-send and another starts. Jobs here are on the voice channel, which no worker of
//! the app sends on, so only the workers this test starts touch them.

use std::sync::Arc;
use std::time::Duration;

use server::channels::outbox::{self, Delivery, Job, Outcome, RetryPolicy, SendFn};
use shared::api::Channel;
use tokio::sync::Notify;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(a_worker_stopped_mid_send_never_sends_twice);

/// A send that posts the job to `stub` and waits for its answer.
fn post_to(stub: &str) -> SendFn {
    let url = format!("{stub}/send");
    let http = reqwest::Client::new();
    Arc::new(move |job: Job| {
        let (http, url) = (http.clone(), url.clone());
        Box::pin(async move {
            match http.post(&url).body(job.body).send().await {
                Ok(r) if r.status().is_success() => Outcome::Sent {
                    provider_message_id: format!("p-{}", job.id),
                },
                Ok(r) => Outcome::Retry(format!("HTTP {}", r.status())),
                Err(e) => Outcome::Retry(e.to_string()),
            }
        })
    })
}

async fn a_worker_stopped_mid_send_never_sends_twice(app: TestApp) {
    // A provider that takes two seconds to answer: the worker is stopped while it waits.
    let stub = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
        .mount(&stub)
        .await;
    let session = app.session_with_contact("Vi", "vi@example.com").await;
    let chat = app.chat(&session, "hello", "m-1").await;
    let message_id = chat.body["visitorMessage"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut tx = app.db.begin_write().await.expect("tx");
    let delivery = Delivery {
        channel: Channel::Voice,
        route: "route-1".into(),
        recipient: "+14155550199".into(),
        delay_ms: 0,
    };
    outbox::enqueue(
        &mut tx,
        &app.tenant.id,
        &message_id,
        &delivery,
        &["hello".to_owned()],
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");

    let policy = RetryPolicy {
        base: Duration::from_millis(20),
        max_attempts: 6,
        poll: Duration::from_millis(20),
        stale_after: Duration::from_millis(800),
    };
    let wake = Arc::new(Notify::new());
    let first = outbox::spawn_worker(
        app.db.clone(),
        Channel::Voice,
        policy,
        wake.clone(),
        post_to(&stub.uri()),
    );
    for _ in 0..250 {
        if !stub
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stub.received_requests().await.unwrap_or_default().len(), 1);
    // The process stops mid-send; a new one starts its worker.
    first.abort();
    let second = outbox::spawn_worker(
        app.db.clone(),
        Channel::Voice,
        policy,
        wake,
        post_to(&stub.uri()),
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    second.abort();

    assert_eq!(
        stub.received_requests().await.unwrap_or_default().len(),
        1,
        "sent once: the job's outcome is unknown, so it is not sent again"
    );
    let (failed_at, error): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT failed_at, last_error FROM outbox")
            .fetch_one(&app.db.pool)
            .await
            .expect("job");
    assert!(failed_at.is_some());
    assert!(error.is_some_and(|e| e.contains("at most once")));
    let status: Option<String> =
        sqlx::query_scalar("SELECT delivery_status FROM messages WHERE id = $1")
            .bind(&message_id)
            .fetch_one(&app.db.pool)
            .await
            .expect("message");
    assert_eq!(status.as_deref(), Some("unknown"));
}
