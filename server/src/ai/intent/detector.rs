//! What the reply pipeline asks for each message's intent: the intents, the embedded classifier
//! trained from their examples once (not per message), and the remote classifier when an
//! OpenAI-compatible provider is configured.

use super::{classify, default_intents, Classification, Classifier, Intent, RemoteClassifier};
use crate::ai::{AiConfig, ProviderKind};

/// Detects intents; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Detector {
    intents: Vec<Intent>,
    embedded: Classifier,
    remote: Option<RemoteClassifier>,
}

/// One message's intent, and who classified it.
#[derive(Debug, Clone)]
pub struct Detected {
    pub classification: Classification,
    /// `provider` or `embedded`.
    pub by: &'static str,
    /// Why the provider's classification was not used, when it was asked and failed.
    pub fallback: Option<String>,
}

impl Detector {
    /// The default intents (sales, support, billing, technical, general), with the remote
    /// classifier when `config` names a remote provider.
    pub fn new(config: &AiConfig) -> anyhow::Result<Self> {
        let intents = default_intents();
        let embedded = Classifier::train(&intents)?;
        let remote = match config.provider {
            ProviderKind::OpenAi => Some(RemoteClassifier::new(config)?),
            ProviderKind::Embedded => None,
        };
        Ok(Self {
            intents,
            embedded,
            remote,
        })
    }

    /// The intent of `text` (already redacted when a remote classifier will see it).
    pub async fn detect(&self, text: &str) -> Detected {
        let (classification, fallback) =
            classify(self.remote.as_ref(), &self.embedded, &self.intents, text).await;
        let by = if self.remote.is_some() && fallback.is_none() {
            "provider"
        } else {
            "embedded"
        };
        Detected {
            classification,
            by,
            fallback,
        }
    }
}
