//! The optional moderation endpoint of an OpenAI-compatible provider (`POST {base}/moderations`),
//! its flagged categories mapped to the product's [`Category`].

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{urgency, Category, Confidence, Serious};

/// How long one moderation call may take; the reply waits on it.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A flagged category scored at least this is a high-confidence serious situation.
const HIGH_SCORE: f64 = 0.8;

/// What the moderation endpoint said about one text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModerationResult {
    pub flagged: bool,
    /// The provider's names of the flagged categories (`self-harm/intent`, …), sorted.
    pub categories: Vec<String>,
    /// The most urgent product category among the flagged ones; `None` when nothing is flagged.
    pub category: Option<Category>,
    /// The highest score among the flagged categories; 0 when none, or none was sent.
    pub score: f64,
}

impl ModerationResult {
    /// The serious situation to act on, if flagged: high confidence when the provider scored
    /// it at least 0.8, else medium.
    pub fn serious(&self) -> Option<Serious> {
        if !self.flagged {
            return None;
        }
        let confidence = if self.score >= HIGH_SCORE {
            Confidence::High
        } else {
            Confidence::Medium
        };
        Some(Serious {
            category: self.category.unwrap_or(Category::Other),
            confidence,
            phrase: format!("moderation: {}", self.categories.join(", ")),
        })
    }
}

/// Why moderation gave no answer. Never contains the api key or the provider's error text.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error("moderation endpoint returned HTTP {0}")]
    Http(u16),
    #[error("moderation endpoint timed out after {}s", TIMEOUT.as_secs())]
    Timeout,
    #[error("could not reach the moderation endpoint")]
    Network,
    #[error("moderation endpoint returned an unreadable response")]
    Decode,
}

#[derive(Deserialize)]
struct Response {
    results: Vec<WireResult>,
}

#[derive(Deserialize)]
struct WireResult {
    flagged: bool,
    #[serde(default)]
    categories: HashMap<String, Value>,
    #[serde(default)]
    category_scores: HashMap<String, Value>,
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .unwrap_or_default()
    })
}

/// Asks `POST {base_url}/moderations` about `text` (`{"input": text}`), with the key as a bearer
/// token when there is one (a local server may need none).
pub async fn moderate(
    base_url: &str,
    api_key: Option<&str>,
    text: &str,
) -> Result<ModerationResult, ModerationError> {
    let url = format!("{}/moderations", base_url.trim_end_matches('/'));
    let mut request = client().post(url).json(&json!({ "input": text }));
    if let Some(key) = api_key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|e| network_error(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(ModerationError::Http(status.as_u16()));
    }
    let body: Response = response.json().await.map_err(|e| {
        if e.is_timeout() {
            ModerationError::Timeout
        } else {
            ModerationError::Decode
        }
    })?;
    let first = body
        .results
        .into_iter()
        .next()
        .ok_or(ModerationError::Decode)?;
    Ok(interpret(&first))
}

fn network_error(error: &reqwest::Error) -> ModerationError {
    if error.is_timeout() {
        ModerationError::Timeout
    } else {
        ModerationError::Network
    }
}

fn interpret(result: &WireResult) -> ModerationResult {
    let mut categories: Vec<String> = result
        .categories
        .iter()
        .filter(|(_, flagged)| flagged.as_bool() == Some(true))
        .map(|(name, _)| name.clone())
        .collect();
    categories.sort();
    let category = categories
        .iter()
        .map(|name| product_category(name))
        .min_by_key(|category| urgency(*category));
    let score = categories
        .iter()
        .filter_map(|name| result.category_scores.get(name)?.as_f64())
        .fold(0.0, f64::max);
    ModerationResult {
        flagged: result.flagged,
        categories,
        category,
        score,
    }
}

/// The product category of a provider category: `self-harm*` is self-harm; `violence*`,
/// `*/threatening` and `illicit/violent` are threats; anything else (sexual, hate, harassment,
/// illicit) is other.
fn product_category(name: &str) -> Category {
    let name = name.to_ascii_lowercase().replace('_', "-");
    if name.starts_with("self-harm") {
        Category::SelfHarm
    } else if name.starts_with("violence")
        || name.ends_with("/threatening")
        || name == "illicit/violent"
    {
        Category::Threat
    } else {
        Category::Other
    }
}

#[cfg(test)]
#[path = "moderation_tests.rs"]
mod tests;
