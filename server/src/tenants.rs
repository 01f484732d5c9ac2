//! Tenants (the businesses that embed the widget) and their widget's branding. Allowed origins
//! live in [`crate::origins`], widget tokens in [`crate::widget_tokens`]; the names re-exported
//! here keep the older call sites (seed, tests, benches) working.

use serde_json::Value;
use shared::dashboard::SettingsArea;
use shared::widget_settings::{Branding, Position, Theme};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{self, Actor};
use crate::db::{new_id, now_ms, Db};
pub use crate::origins::{allow_origin, allowed_origins, normalize_origin, origin_allowed};
pub use crate::widget_tokens::{
    issue_widget_token, revoke_widget_token, tenant_of_token, IssuedToken,
};

#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub company_name: String,
    pub primary_color: String,
    pub position: Position,
    pub theme: Theme,
    /// Empty: the default assistant's greeting.
    pub greeting: String,
    pub avatar_url: Option<String>,
    pub header_logo_url: Option<String>,
    pub wordmark_url: Option<String>,
    /// ISO 3166 region for phone numbers written without a country code (`US` unless set).
    pub default_region: String,
}

impl Tenant {
    /// The widget's branding as the settings page edits it.
    pub fn branding(&self) -> Branding {
        Branding {
            company_name: self.company_name.clone(),
            primary_color: self.primary_color.clone(),
            position: self.position,
            theme: self.theme,
            greeting: self.greeting.clone(),
            avatar_url: self.avatar_url.clone(),
            header_logo_url: self.header_logo_url.clone(),
            wordmark_url: self.wordmark_url.clone(),
        }
    }
}

/// What it takes to create a tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    /// A chosen id (e.g. `demo`), or `None` for a random one.
    pub id: Option<String>,
    pub name: String,
    pub company_name: String,
    pub primary_color: String,
    /// Origins allowed to call the widget API (see [`shared::origin`] for the rules).
    pub allowed_origins: Vec<String>,
}

pub async fn create_tenant(db: &Db, new: &NewTenant) -> sqlx::Result<Tenant> {
    let tenant = Tenant {
        id: new.id.clone().unwrap_or_else(|| new_id("tn")),
        name: new.name.clone(),
        company_name: new.company_name.clone(),
        primary_color: new.primary_color.clone(),
        position: Position::default(),
        theme: Theme::default(),
        greeting: String::new(),
        avatar_url: None,
        header_logo_url: None,
        wordmark_url: None,
        default_region: "US".to_owned(),
    };
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO tenants (id, name, company_name, primary_color, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&tenant.id)
    .bind(&tenant.name)
    .bind(&tenant.company_name)
    .bind(&tenant.primary_color)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    for origin in &new.allowed_origins {
        sqlx::query("INSERT INTO allowed_origins (tenant_id, origin) VALUES ($1, $2)")
            .bind(&tenant.id)
            .bind(normalize_origin(origin))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(tenant)
}

const COLUMNS: &str = "id, name, company_name, primary_color, position, theme, greeting, \
                       avatar_url, header_logo_url, wordmark_url, default_region";

pub async fn find_tenant(db: &Db, id: &str) -> sqlx::Result<Option<Tenant>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(tenant_from_row).transpose()
}

fn tenant_from_row(r: &AnyRow) -> sqlx::Result<Tenant> {
    let position: String = r.try_get("position")?;
    let theme: String = r.try_get("theme")?;
    Ok(Tenant {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        company_name: r.try_get("company_name")?,
        primary_color: r.try_get("primary_color")?,
        // Stored values were checked on the way in; an unknown one falls back to the default.
        position: Position::parse(&position).unwrap_or_default(),
        theme: Theme::parse(&theme).unwrap_or_default(),
        greeting: r.try_get("greeting")?,
        avatar_url: r.try_get("avatar_url")?,
        header_logo_url: r.try_get("header_logo_url")?,
        wordmark_url: r.try_get("wordmark_url")?,
        default_region: r.try_get("default_region")?,
    })
}

/// Replaces the tenant's branding and logs the change (nothing is written when nothing
/// changed). Answers the stored branding, or `None` for an unknown tenant.
pub async fn update_branding(
    db: &Db,
    tenant_id: &str,
    branding: &Branding,
    actor: Actor<'_>,
) -> sqlx::Result<Option<Branding>> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tenants WHERE id = $1"))
        .bind(tenant_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(before) = row.as_ref().map(tenant_from_row).transpose()? else {
        return Ok(None);
    };
    let before = before.branding();
    if before == *branding {
        return Ok(Some(before));
    }
    sqlx::query(
        "UPDATE tenants SET company_name = $1, primary_color = $2, position = $3, theme = $4,
                greeting = $5, avatar_url = $6, header_logo_url = $7, wordmark_url = $8
          WHERE id = $9",
    )
    .bind(&branding.company_name)
    .bind(&branding.primary_color)
    .bind(branding.position.as_str())
    .bind(branding.theme.as_str())
    .bind(&branding.greeting)
    .bind(branding.avatar_url.as_deref())
    .bind(branding.header_logo_url.as_deref())
    .bind(branding.wordmark_url.as_deref())
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let json = |b: &Branding| -> Option<Value> { audit::json(&b.to_settings()) };
    let change = audit::Change {
        area: SettingsArea::Widget,
        action: "widget.updated",
        target: "chat widget",
        before: json(&before),
        after: json(branding),
    };
    audit::record(&mut tx, tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(Some(branding.clone()))
}
