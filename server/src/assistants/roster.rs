//! A workspace's assistants as the reply pipeline reads them: every active one with its
//! knowledge, which one is the default, and the channels each answers on. Built once per
//! workspace and kept (`AppState::assistants`, a [`crate::settings_cache::SettingsCache`]) until an
//! admin changes any assistant or knowledge entry: every such write records a
//! `settings_changed { assistants }` event.

use std::collections::HashMap;
use std::sync::Arc;

use shared::assistant_settings::AssistantSummary;

use super::{load, summaries, LoadedAssistant};
use crate::db::Db;

#[derive(Debug, Default)]
pub struct Roster {
    /// The default first, then by name (as the settings list them).
    pub summaries: Vec<AssistantSummary>,
    loaded: HashMap<String, Arc<LoadedAssistant>>,
}

impl Roster {
    pub async fn load(db: &Db, tenant_id: &str) -> sqlx::Result<Self> {
        let summaries = summaries(db, tenant_id).await?;
        let mut loaded = HashMap::with_capacity(summaries.len());
        for summary in &summaries {
            if let Some(assistant) = load(db, tenant_id, &summary.id).await? {
                loaded.insert(summary.id.clone(), Arc::new(assistant));
            }
        }
        Ok(Self { summaries, loaded })
    }

    /// An active assistant of the workspace.
    pub fn get(&self, assistant_id: &str) -> Option<Arc<LoadedAssistant>> {
        self.loaded.get(assistant_id).cloned()
    }

    /// The workspace's default assistant, if it has one.
    pub fn default_assistant(&self) -> Option<Arc<LoadedAssistant>> {
        self.summaries
            .iter()
            .find(|s| s.is_default)
            .and_then(|s| self.get(&s.id))
    }
}
