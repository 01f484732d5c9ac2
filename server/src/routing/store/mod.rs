//! Routing rules (`routing_rules`) and handoff settings (`workspace_ai_settings`) per tenant.
//! Every write is one transaction with its audit entry (`SettingsArea::Routing`): `routing_rule.
//! created|updated|deleted|reordered` and `handoff_settings.updated`, before → after. A rule's
//! target assistant must be one of the tenant's live assistants when it is saved; one deleted
//! later leaves the rule listed without `targetName` (evaluation skips it).

mod rules;
mod settings;

pub use rules::{create_rule, delete_rule, list_rules, reorder, update_rule};
pub use settings::{load_config, load_settings, save_settings, RoutingConfig};

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::decode_error;

/// Why a routing change was refused.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("no such rule")]
    NotFound,
    /// The target assistant is not one of the tenant's (live) assistants.
    #[error("no such assistant")]
    UnknownAssistant,
    /// A reorder that does not list every rule exactly once.
    #[error("{0}")]
    BadOrder(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A JSON array column.
fn json_list<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> sqlx::Result<Vec<T>> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|_| decode_error(column, &text))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}
