//! A workspace's teammates as admins manage them: the member list, roles, deactivation,
//! invitations and password-reset links.
//!
//! Rules: admins and owners manage teammates, only owners make someone an owner or change,
//! deactivate or reset an owner; nobody changes their own role or deactivates themselves; the
//! last active owner stays one. That last guard is race-free: each change locks the tenant's
//! row first (its event-log append does, on PostgreSQL; SQLite serialises writers), then counts
//! owners, then changes, all in one transaction with its audit entry.
//!
//! Invitation and reset links carry a random token; only its SHA-256 is stored, each is single
//! use (a conditional UPDATE that exactly one request wins) and expires.

use std::time::Duration;

use serde_json::json;
use shared::dashboard::{Role, SettingsArea};
use shared::workspace::{Member, PendingInvitation};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::{self, User};
use crate::audit::{self, Actor};
use crate::db::{decode_error, now_ms, Backend, Db, WriteTx};

mod invitations;
mod passwords;

pub use invitations::{accept, invitation, invite, revoke_invitation, InvitationView, Invited};
pub use passwords::{
    change_own_password, issue_password_reset, password_reset, sign_out_everywhere,
    use_password_reset, ResetIssued, ResetView,
};

/// How long an invitation link works.
pub const INVITATION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a password-reset link works.
pub const RESET_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum TeammateError {
    #[error("no such teammate or invitation")]
    NotFound,
    #[error("only an owner may do this")]
    OwnerOnly,
    #[error("nobody changes their own role or deactivates themselves")]
    OwnAccount,
    #[error("the workspace's last owner")]
    LastOwner,
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Why a link's token is not usable.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("no such link")]
    NotFound,
    #[error("the link expired")]
    Expired,
    #[error("the link was used")]
    Used,
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("hashing the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

/// A new random link token (256 bits), with a prefix naming its kind.
fn new_token(prefix: &str) -> String {
    format!("{prefix}_{}", hex::encode(rand::random::<[u8; 32]>()))
}

const MEMBER_SELECT: &str =
    "SELECT id, name, email, role, disabled_at, created_at, last_sign_in_at FROM users";

fn member_from_row(row: &AnyRow) -> sqlx::Result<Member> {
    let role: String = row.try_get("role")?;
    let disabled_at: Option<i64> = row.try_get("disabled_at")?;
    Ok(Member {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| decode_error("role", &role))?,
        active: disabled_at.is_none(),
        created_at: row.try_get("created_at")?,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
    })
}

/// The tenant's teammates: owners first, then admins, agents, viewers; by name within a role.
pub async fn members(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<Member>> {
    let sql = format!("{MEMBER_SELECT} WHERE tenant_id = $1 ORDER BY name, id");
    let mut members = sqlx::query(&sql)
        .bind(tenant_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(member_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    members.sort_by_key(|m| Role::ALL.iter().position(|r| *r == m.role));
    Ok(members)
}

async fn member_in(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
) -> sqlx::Result<Option<Member>> {
    let sql = format!("{MEMBER_SELECT} WHERE id = $1 AND tenant_id = $2");
    let row = sqlx::query(&sql)
        .bind(user_id)
        .bind(tenant_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(member_from_row).transpose()
}

/// Invitations neither accepted nor expired, newest first.
pub async fn pending_invitations(db: &Db, tenant_id: &str) -> sqlx::Result<Vec<PendingInvitation>> {
    let rows = sqlx::query(
        "SELECT id, email, role, created_at, expires_at FROM invitations
         WHERE tenant_id = $1 AND accepted_at IS NULL AND expires_at > $2
         ORDER BY created_at DESC, id",
    )
    .bind(tenant_id)
    .bind(now_ms())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok(PendingInvitation {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                role: Role::parse(&role).ok_or_else(|| decode_error("role", &role))?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

/// Opens the write transaction of a teammate change and takes the tenant's lock at once, so
/// what is read next (roles, owner counts) cannot change before the commit.
async fn begin_locked(db: &Db, tenant_id: &str) -> sqlx::Result<WriteTx> {
    let mut tx = db.begin_write().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

async fn active_owners(conn: &mut AnyConnection, tenant_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'owner' AND disabled_at IS NULL",
    )
    .bind(tenant_id)
    .fetch_one(&mut *conn)
    .await
}

/// The teammate `target_id` of the actor's tenant, if the actor may manage them.
async fn manageable(
    conn: &mut AnyConnection,
    actor: &User,
    target_id: &str,
) -> Result<Member, TeammateError> {
    let target = member_in(conn, &actor.tenant_id, target_id)
        .await?
        .ok_or(TeammateError::NotFound)?;
    if target.role == Role::Owner && actor.role != Role::Owner {
        return Err(TeammateError::OwnerOnly);
    }
    Ok(target)
}

fn actor_of(user: &User) -> Actor<'_> {
    Actor {
        user_id: Some(&user.id),
        name: &user.name,
    }
}

/// Gives a teammate another role.
pub async fn change_role(
    db: &Db,
    actor: &User,
    target_id: &str,
    role: Role,
) -> Result<Member, TeammateError> {
    if actor.id == target_id {
        return Err(TeammateError::OwnAccount);
    }
    if role == Role::Owner && actor.role != Role::Owner {
        return Err(TeammateError::OwnerOnly);
    }
    let mut tx = begin_locked(db, &actor.tenant_id).await?;
    let target = manageable(&mut tx, actor, target_id).await?;
    if target.role == role {
        return Ok(target);
    }
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.role_changed",
        target: &target.email,
        before: Some(json!({ "role": target.role })),
        after: Some(json!({ "role": role })),
    };
    audit::record(&mut tx, &actor.tenant_id, actor_of(actor), change).await?;
    if target.role == Role::Owner
        && target.active
        && active_owners(&mut tx, &actor.tenant_id).await? <= 1
    {
        return Err(TeammateError::LastOwner);
    }
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Member { role, ..target })
}

/// Deactivates a teammate: they cannot sign in, their sessions end now, and (through the
/// `settings_changed` event) their open dashboard sockets close on every instance.
pub async fn deactivate(db: &Db, actor: &User, target_id: &str) -> Result<Member, TeammateError> {
    if actor.id == target_id {
        return Err(TeammateError::OwnAccount);
    }
    let mut tx = begin_locked(db, &actor.tenant_id).await?;
    let target = manageable(&mut tx, actor, target_id).await?;
    if !target.active {
        return Ok(target);
    }
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.deactivated",
        target: &target.email,
        before: Some(json!({ "active": true })),
        after: Some(json!({ "active": false })),
    };
    audit::record(&mut tx, &actor.tenant_id, actor_of(actor), change).await?;
    if target.role == Role::Owner && active_owners(&mut tx, &actor.tenant_id).await? <= 1 {
        return Err(TeammateError::LastOwner);
    }
    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
    accounts::revoke_sessions(&mut tx, target_id, None).await?;
    tx.commit().await?;
    Ok(Member {
        active: false,
        ..target
    })
}

/// Lets a deactivated teammate sign in again (with their old password).
pub async fn reactivate(db: &Db, actor: &User, target_id: &str) -> Result<Member, TeammateError> {
    let mut tx = begin_locked(db, &actor.tenant_id).await?;
    let target = manageable(&mut tx, actor, target_id).await?;
    if target.active {
        return Ok(target);
    }
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.reactivated",
        target: &target.email,
        before: Some(json!({ "active": false })),
        after: Some(json!({ "active": true })),
    };
    audit::record(&mut tx, &actor.tenant_id, actor_of(actor), change).await?;
    sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Member {
        active: true,
        ..target
    })
}
