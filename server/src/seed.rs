//! The demo tenant the run command starts with: a made-up company, its assistant and knowledge,
//! and a widget token kept in the data folder so the demo page can embed the widget.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use shared::dashboard::Role;
use shared::routing::{RuleSettings, RuleTarget, TimeWindow};
use shared::{Email, PersonName};

use crate::accounts::{self, CreateUserError, Password};
use crate::audit::Actor;
use crate::db::Db;
use crate::tenants::{self, NewTenant};
use crate::{ai, assistants, routing};

pub const DEMO_TENANT_ID: &str = "demo";
const CREDENTIALS_FILE: &str = "demo-credentials.json";

/// What the demo page needs; written to `<data dir>/demo-credentials.json` (mode 600).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoCredentials {
    pub tenant_id: String,
    pub widget_token: String,
    /// The demo admin's sign-in for the dashboard.
    #[serde(default)]
    pub admin_email: String,
    #[serde(default)]
    pub admin_password: String,
}

pub const DEMO_ADMIN_EMAIL: &str = "admin@northwind.example";

/// The name of the demo's routing rule that sends billing questions to Bea.
pub const DEMO_BILLING_RULE: &str = "Billing questions";

/// The demo's billing specialist and the rule that routes billing intent to her, so the demo
/// shows a handoff; added to a demo workspace made before they existed, never twice.
async fn ensure_demo_billing(db: &Db) -> anyhow::Result<()> {
    let seed = ai::demo_billing_assistant();
    let existing = assistants::summaries(db, DEMO_TENANT_ID).await?;
    let assistant_id = match existing.iter().find(|a| a.name == seed.name) {
        Some(a) => a.id.clone(),
        None => assistants::create(db, DEMO_TENANT_ID, &seed, false).await?,
    };
    let rules = routing::store::list_rules(db, DEMO_TENANT_ID).await?;
    if rules.iter().any(|r| r.name == DEMO_BILLING_RULE) {
        return Ok(());
    }
    let rule = RuleSettings {
        name: DEMO_BILLING_RULE.to_owned(),
        priority: 80,
        active: true,
        keywords: Vec::new(),
        intent: Some("billing".to_owned()),
        channels: Vec::new(),
        time_window: TimeWindow::Any,
        target: RuleTarget::Assistant { assistant_id },
    };
    let actor = Actor {
        user_id: None,
        name: "demo set-up",
    };
    routing::store::create_rule(db, DEMO_TENANT_ID, &rule, actor)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// Creates the demo tenant on first start; on later starts reuses its stored token, or issues
/// a new one if the stored one is missing or no longer valid. Ensures the given origins (the
/// demo site's) are allowed.
pub async fn ensure_demo_tenant(
    db: &Db,
    data_dir: &Path,
    demo_origins: &[String],
    admin_password: Option<&str>,
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
    ensure_demo_billing(db)
        .await
        .context("creating the demo billing assistant and rule")?;
    for origin in demo_origins {
        tenants::allow_origin(db, DEMO_TENANT_ID, origin).await?;
    }
    let path = data_dir.join(CREDENTIALS_FILE);
    let stored = read_credentials(&path);
    let widget_token = match &stored {
        Some(c)
            if tenants::tenant_of_token(db, &c.widget_token)
                .await?
                .as_deref()
                == Some(DEMO_TENANT_ID) =>
        {
            c.widget_token.clone()
        }
        _ => {
            tenants::issue_widget_token(db, DEMO_TENANT_ID, "demo page", None)
                .await?
                .token
        }
    };
    let admin_password = ensure_demo_admin(db, stored.as_ref(), admin_password).await?;
    let credentials = DemoCredentials {
        tenant_id: DEMO_TENANT_ID.to_owned(),
        widget_token,
        admin_email: DEMO_ADMIN_EMAIL.to_owned(),
        admin_password,
    };
    write_credentials(&path, &credentials)?;
    Ok(credentials)
}

/// The demo admin exists and its password is the wanted one (else the stored one); answers that
/// password. A missing
/// user is created, a lost password replaced, both with a new random password.
async fn ensure_demo_admin(
    db: &Db,
    stored: Option<&DemoCredentials>,
    wanted: Option<&str>,
) -> anyhow::Result<String> {
    let stored_password = match wanted {
        Some(p) => Some(p.to_owned()),
        None => stored
            .map(|c| c.admin_password.clone())
            .filter(|p| !p.is_empty()),
    };
    if let Some(password) = &stored_password {
        if accounts::authenticate(db, DEMO_ADMIN_EMAIL, password)
            .await?
            .is_some()
        {
            return Ok(password.clone());
        }
    }
    let password = match wanted {
        Some(p) => p.to_owned(),
        None => format!("demo-{}", hex::encode(rand::random::<[u8; 8]>())),
    };
    let parsed = Password::parse(&password).map_err(anyhow::Error::msg)?;
    let email = Email::parse(DEMO_ADMIN_EMAIL).map_err(|e| anyhow::anyhow!("{e}"))?;
    let name = PersonName::parse("Demo Admin").map_err(|e| anyhow::anyhow!("{e}"))?;
    match accounts::create_user(db, DEMO_TENANT_ID, &email, &name, Role::Owner, &parsed).await {
        Ok(_) => {}
        Err(CreateUserError::EmailTaken) => {
            accounts::set_password(db, DEMO_ADMIN_EMAIL, &parsed).await?;
        }
        Err(e) => return Err(e).context("creating the demo admin"),
    }
    tracing::info!(email = DEMO_ADMIN_EMAIL, "demo admin ready");
    Ok(password)
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
