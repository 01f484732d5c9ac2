//! Moderation against a stub speaking the OpenAI moderation wire format.

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const KEY: &str = "sk-mod-test-456";

fn moderation(flagged: bool, categories: &Value, scores: &Value) -> Value {
    json!({
        "id": "modr-1",
        "model": "omni-moderation-latest",
        "results": [{"flagged": flagged, "categories": categories, "category_scores": scores}]
    })
}

async fn stub(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/moderations"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_json(json!({"input": "the visitor's text"})))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    server
}

async fn ask(server: &MockServer) -> Result<ModerationResult, ModerationError> {
    moderate(
        &format!("{}/v1/", server.uri()),
        Some(KEY),
        "the visitor's text",
    )
    .await
}

#[tokio::test]
async fn a_flagged_text_maps_to_the_most_urgent_category() {
    let server = stub(
        200,
        moderation(
            true,
            &json!({"self-harm/intent": true, "violence": true, "harassment": false, "sexual": null}),
            &json!({"self-harm/intent": 0.91, "violence": 0.55, "harassment": 0.2}),
        ),
    )
    .await;
    let result = ask(&server).await.expect("moderation");
    assert!(result.flagged);
    assert_eq!(result.categories, ["self-harm/intent", "violence"]);
    assert_eq!(result.category, Some(Category::SelfHarm));
    assert!((result.score - 0.91).abs() < 1e-9);
    let serious = result.serious().expect("serious");
    assert_eq!(serious.category, Category::SelfHarm);
    assert_eq!(serious.confidence, Confidence::High);
    assert_eq!(serious.phrase, "moderation: self-harm/intent, violence");
}

#[tokio::test]
async fn a_threatening_text_is_a_threat_with_medium_confidence_under_the_high_score() {
    let server = stub(
        200,
        moderation(
            true,
            &json!({"harassment/threatening": true, "harassment": true}),
            &json!({"harassment/threatening": 0.6, "harassment": 0.7}),
        ),
    )
    .await;
    let result = ask(&server).await.expect("moderation");
    assert_eq!(result.category, Some(Category::Threat));
    let serious = result.serious().expect("serious");
    assert_eq!(
        (serious.category, serious.confidence),
        (Category::Threat, Confidence::Medium)
    );
}

#[tokio::test]
async fn a_text_not_flagged_is_no_serious_situation() {
    let server = stub(
        200,
        moderation(
            false,
            &json!({"violence": false}),
            &json!({"violence": 0.01}),
        ),
    )
    .await;
    let result = ask(&server).await.expect("moderation");
    assert!(!result.flagged);
    assert!(result.categories.is_empty());
    assert_eq!(result.category, None);
    assert_eq!(result.score, 0.0);
    assert_eq!(result.serious(), None);
}

#[tokio::test]
async fn a_server_error_is_an_error_without_the_key() {
    let server = stub(500, json!({"error": {"message": "boom"}})).await;
    let error = ask(&server).await.expect_err("500");
    assert!(matches!(error, ModerationError::Http(500)), "{error:?}");
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn an_unreadable_body_or_no_result_is_a_decode_error() {
    let server = stub(200, json!({"results": []})).await;
    assert!(matches!(ask(&server).await, Err(ModerationError::Decode)));
    let server = stub(200, json!({"unexpected": true})).await;
    assert!(matches!(ask(&server).await, Err(ModerationError::Decode)));
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_network_error() {
    // wiremock keeps dropped servers listening for reuse: take a port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}/v1", listener.local_addr().expect("address"));
    drop(listener);
    let error = moderate(&base, None, "text").await.expect_err("closed");
    assert!(matches!(error, ModerationError::Network), "{error:?}");
}

#[test]
fn provider_categories_map_to_product_categories() {
    for (name, category) in [
        ("self-harm", Category::SelfHarm),
        ("self-harm/instructions", Category::SelfHarm),
        ("self_harm", Category::SelfHarm),
        ("violence", Category::Threat),
        ("violence/graphic", Category::Threat),
        ("harassment/threatening", Category::Threat),
        ("hate/threatening", Category::Threat),
        ("illicit/violent", Category::Threat),
        ("harassment", Category::Other),
        ("sexual", Category::Other),
        ("illicit", Category::Other),
    ] {
        assert_eq!(product_category(name), category, "{name}");
    }
}
