//! Creating a workspace: the tenant, its first owner and a default assistant, in one
//! transaction. The dashboard's first run (`POST /api/setup/workspace`) and the CLI's
//! `create-workspace` both come here.
//!
//! With signup closed (the default) only the first workspace may be made this way. "No tenant
//! exists yet" is checked inside the write transaction, under a lock two racing requests cannot
//! both pass: SQLite serialises writers (`BEGIN IMMEDIATE`), and on PostgreSQL the transaction
//! locks the tenants table against other writers of it first.

use shared::dashboard::{Role, SettingsArea};
use shared::workspace::CompanyName;
use shared::{Email, PersonName};

use crate::accounts::{self, Password, User};
use crate::audit::{self, Actor};
use crate::db::{is_unique_violation, new_id, now_ms, Backend, Db};

/// The colour a new workspace's widget starts with (the widget settings change it).
const DEFAULT_COLOR: &str = "#2563eb";

/// A workspace to create and its first owner.
#[derive(Debug)]
pub struct NewWorkspace {
    pub company: CompanyName,
    pub owner_name: PersonName,
    pub owner_email: Email,
    pub password: Password,
}

/// Who may create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signup {
    /// Only when the server has no workspace yet.
    FirstOnly,
    /// Always (`LIVECHAT_SIGNUP=open`, or the command line).
    Open,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateWorkspaceError {
    #[error("a workspace exists and signup is closed")]
    SignupClosed,
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("hashing the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// True when the server has no workspace at all.
pub async fn none_exists(db: &Db) -> sqlx::Result<bool> {
    let any: Option<String> = sqlx::query_scalar("SELECT id FROM tenants LIMIT 1")
        .fetch_optional(&db.pool)
        .await?;
    Ok(any.is_none())
}

/// Creates the tenant, its owner and its default assistant; answers the owner.
pub async fn create(
    db: &Db,
    new: &NewWorkspace,
    signup: Signup,
) -> Result<User, CreateWorkspaceError> {
    let hash = accounts::hash_off_the_runtime(&new.password)
        .await
        .map_err(CreateWorkspaceError::Hash)?;
    let mut tx = db.begin_write().await?;
    if signup == Signup::FirstOnly {
        if db.backend == Backend::Postgres {
            // Self-conflicting: a second first-run waits here until the first commits, then
            // sees its tenant. Held only for this short transaction.
            sqlx::query("LOCK TABLE tenants IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let any: Option<String> = sqlx::query_scalar("SELECT id FROM tenants LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        if any.is_some() {
            return Err(CreateWorkspaceError::SignupClosed);
        }
    }
    let tenant_id = new_id("tn");
    let company = new.company.as_str();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO tenants (id, name, company_name, primary_color, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&tenant_id)
    .bind(company)
    .bind(company)
    .bind(DEFAULT_COLOR)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let user_id = match accounts::insert_user(
        &mut tx,
        &tenant_id,
        &new.owner_email,
        &new.owner_name,
        Role::Owner,
        &hash,
    )
    .await
    {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(CreateWorkspaceError::EmailTaken),
        Err(e) => return Err(e.into()),
    };
    sqlx::query(
        "INSERT INTO assistants (id, tenant_id, name, instructions, greeting, model, is_default, created_at)
         VALUES ($1, $2, $3, $4, $5, NULL, 1, $6)",
    )
    .bind(new_id("as"))
    .bind(&tenant_id)
    .bind("Assistant")
    .bind(default_instructions(company))
    .bind(format!("Hi! How can {company} help?"))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let actor = Actor {
        user_id: Some(&user_id),
        name: new.owner_name.as_str(),
    };
    let change = audit::Change {
        area: SettingsArea::Workspace,
        action: "workspace.created",
        target: company,
        before: None,
        after: Some(serde_json::json!({
            "companyName": company,
            "owner": new.owner_email.as_str(),
        })),
    };
    audit::record(&mut tx, &tenant_id, actor, change).await?;
    tx.commit().await?;
    tracing::info!(tenant = %tenant_id, user = %user_id, "workspace created");
    Ok(User {
        id: user_id,
        tenant_id,
        tenant_name: company.to_owned(),
        email: new.owner_email.as_str().to_owned(),
        name: new.owner_name.as_str().to_owned(),
        role: Role::Owner,
    })
}

/// What a new workspace's assistant is told: it answers for this company, and knows nothing
/// yet (the knowledge settings add entries).
fn default_instructions(company: &str) -> String {
    format!(
        "You are the assistant of {company} on its website. Answer visitors' questions about \
         {company} helpfully and concisely (two to four sentences, plain text). Only state \
         prices, times and policies that appear in the knowledge you are given; when you are not \
         sure, say so and offer to bring in a teammate. Never ask for card numbers or passwords."
    )
}
