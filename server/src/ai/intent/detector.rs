//! What the reply pipeline asks for each message's intent: a workspace's intents, the embedded
//! classifier trained from their examples once (not per message), and the remote classifier
//! when an OpenAI-compatible provider is configured. [`Intents`] keeps one [`Detector`] per
//! workspace (a [`SettingsCache`] dropped when its intents change); every workspace still on
//! the default intents shares the one trained at start.

use std::sync::Arc;

use shared::dashboard::SettingsArea;

use super::{
    classify, default_intents, store, Classification, Classifier, Intent, RemoteClassifier,
};
use crate::ai::{AiConfig, ProviderKind};
use crate::db::Db;
use crate::realtime::Hub;
use crate::settings_cache::SettingsCache;

/// Detects intents for one workspace; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Detector {
    intents: Vec<Intent>,
    embedded: Classifier,
    remote: Option<Arc<RemoteClassifier>>,
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
    /// Trains the embedded classifier on `intents` (milliseconds in a release build).
    pub fn train(
        intents: Vec<Intent>,
        remote: Option<Arc<RemoteClassifier>>,
    ) -> Result<Self, super::IntentError> {
        let embedded = Classifier::train(&intents)?;
        Ok(Self {
            intents,
            embedded,
            remote,
        })
    }

    /// Every intent of the workspace with the embedded classifier's probability for `text`,
    /// most probable first (what the settings page's "try it" box shows).
    pub fn rank(&self, text: &str) -> Vec<(String, f32)> {
        self.embedded.rank(text)
    }

    /// The intent of `text` (already redacted when a remote classifier will see it).
    pub async fn detect(&self, text: &str) -> Detected {
        let (classification, fallback) =
            classify(self.remote.as_deref(), &self.embedded, &self.intents, text).await;
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

/// Every workspace's detector.
pub struct Intents {
    db: Db,
    remote: Option<Arc<RemoteClassifier>>,
    /// For the workspaces on the default intents.
    default: Arc<Detector>,
    cache: SettingsCache<Arc<Detector>>,
}

impl Intents {
    /// Trains the default intents' classifier; the remote classifier when `config` names a
    /// remote provider.
    pub fn new(config: &AiConfig, db: Db, hub: Arc<Hub>) -> anyhow::Result<Self> {
        let remote = match config.provider {
            ProviderKind::OpenAi => Some(Arc::new(RemoteClassifier::new(config)?)),
            ProviderKind::Embedded => None,
        };
        let default = Arc::new(Detector::train(default_intents(), remote.clone())?);
        Ok(Self {
            cache: SettingsCache::new(db.clone(), hub, &[SettingsArea::Intents]),
            db,
            remote,
            default,
        })
    }

    /// The workspace's detector: trained on its own intents when it saved some.
    pub async fn for_workspace(&self, tenant_id: &str) -> sqlx::Result<Arc<Detector>> {
        let detector = self
            .cache
            .get(tenant_id, || async {
                let intents = store::load(&self.db, tenant_id).await?;
                if intents == default_intents() {
                    return Ok::<_, sqlx::Error>(self.default.clone());
                }
                let remote = self.remote.clone();
                let trained = tokio::task::spawn_blocking(move || Detector::train(intents, remote))
                    .await
                    .map_err(|e| sqlx::Error::Protocol(format!("training stopped: {e}")))?;
                match trained {
                    Ok(detector) => Ok(Arc::new(detector)),
                    // Saving refuses a list that does not train; should one be stored anyway,
                    // the defaults answer rather than nothing.
                    Err(error) => {
                        tracing::warn!(tenant = %tenant_id, %error, "the workspace's intents do not train; using the defaults");
                        Ok(self.default.clone())
                    }
                }
            })
            .await?;
        Ok(Arc::clone(&detector))
    }
}
