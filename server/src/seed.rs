//! The demo tenant the run command starts with: a made-up company, its assistant and knowledge,
//! and a widget token kept in the data folder so the demo page can embed the widget.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::tenants::{self, NewTenant};
use crate::{ai, assistants};

pub const DEMO_TENANT_ID: &str = "demo";
const CREDENTIALS_FILE: &str = "demo-credentials.json";

/// What the demo page needs; written to `<data dir>/demo-credentials.json` (mode 600).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoCredentials {
    pub tenant_id: String,
    pub widget_token: String,
}

/// Creates the demo tenant on first start; on later starts reuses its stored token, or issues
/// a new one if the stored one is missing or no longer valid. Ensures the given origins (the
/// demo site's) are allowed.
pub async fn ensure_demo_tenant(
    db: &Db,
    data_dir: &Path,
    demo_origins: &[String],
) -> anyhow::Result<DemoCredentials> {
    if tenants::find_tenant(db, DEMO_TENANT_ID).await?.is_none() {
        tenants::create_tenant(
            db,
            &NewTenant {
                id: Some(DEMO_TENANT_ID.to_owned()),
                name: "Demo".to_owned(),
                company_name: "Northwind Coffee Roasters".to_owned(),
                primary_color: "#6b3e26".to_owned(),
                allowed_origins: Vec::new(),
            },
        )
        .await
        .context("creating the demo tenant")?;
        assistants::create(db, DEMO_TENANT_ID, &ai::demo_assistant(), true)
            .await
            .context("creating the demo assistant")?;
        tracing::info!("created the demo tenant");
    }
    for origin in demo_origins {
        tenants::allow_origin(db, DEMO_TENANT_ID, origin).await?;
    }
    let path = data_dir.join(CREDENTIALS_FILE);
    if let Some(stored) = read_credentials(&path) {
        if tenants::tenant_of_token(db, &stored.widget_token)
            .await?
            .as_deref()
            == Some(DEMO_TENANT_ID)
        {
            return Ok(stored);
        }
    }
    let issued = tenants::issue_widget_token(db, DEMO_TENANT_ID, "demo page", None).await?;
    let credentials = DemoCredentials {
        tenant_id: DEMO_TENANT_ID.to_owned(),
        widget_token: issued.token,
    };
    write_credentials(&path, &credentials)?;
    Ok(credentials)
}

fn read_credentials(path: &Path) -> Option<DemoCredentials> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_credentials(path: &Path, credentials: &DemoCredentials) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let json = serde_json::to_string_pretty(credentials)?;
    std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
