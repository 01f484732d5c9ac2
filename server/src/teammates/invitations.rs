//! Invitations: an admin invites an email with a role; the link (7 days, single use) lets that
//! person create their account in the workspace.

use serde_json::json;
use shared::dashboard::{Role, SettingsArea};
use shared::workspace::PendingInvitation;
use shared::{Email, PersonName};
use sqlx::{AnyConnection, Row};

use super::{actor_of, new_token, ttl_ms, LinkError, TeammateError, INVITATION_TTL};
use crate::accounts::{self, token_hash, Password, User};
use crate::audit::{self, Actor};
use crate::db::{decode_error, is_unique_violation, new_id, now_ms, Db};

/// A new invitation and its token (to put in the link, shown once).
#[derive(Debug)]
pub struct Invited {
    pub invitation: PendingInvitation,
    pub token: String,
}

/// Invites `email` to the actor's workspace with `role`.
pub async fn invite(
    db: &Db,
    actor: &User,
    email: &Email,
    role: Role,
) -> Result<Invited, TeammateError> {
    if role == Role::Owner && actor.role != Role::Owner {
        return Err(TeammateError::OwnerOnly);
    }
    let mut tx = db.begin_write().await?;
    let taken: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE email_normalized = $1")
            .bind(email.normalized())
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        return Err(TeammateError::EmailTaken);
    }
    let token = new_token("inv");
    let now = now_ms();
    let invitation = PendingInvitation {
        id: new_id("inv"),
        email: email.as_str().to_owned(),
        role,
        created_at: now,
        expires_at: now.saturating_add(ttl_ms(INVITATION_TTL)),
    };
    sqlx::query(
        "INSERT INTO invitations
             (id, tenant_id, email, email_normalized, role, token_hash, invited_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&invitation.id)
    .bind(&actor.tenant_id)
    .bind(&invitation.email)
    .bind(email.normalized())
    .bind(role.as_str())
    .bind(token_hash(&token))
    .bind(&actor.id)
    .bind(now)
    .bind(invitation.expires_at)
    .execute(&mut *tx)
    .await?;
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.invited",
        target: &invitation.email,
        before: None,
        after: Some(json!({ "role": role, "expiresAt": invitation.expires_at })),
    };
    audit::record(&mut tx, &actor.tenant_id, actor_of(actor), change).await?;
    tx.commit().await?;
    Ok(Invited { invitation, token })
}

/// Withdraws a pending invitation: its link stops working at once.
pub async fn revoke_invitation(
    db: &Db,
    actor: &User,
    invitation_id: &str,
) -> Result<(), TeammateError> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT email, role FROM invitations
         WHERE id = $1 AND tenant_id = $2 AND accepted_at IS NULL",
    )
    .bind(invitation_id)
    .bind(&actor.tenant_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(TeammateError::NotFound)?;
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    if role == Role::Owner.as_str() && actor.role != Role::Owner {
        return Err(TeammateError::OwnerOnly);
    }
    sqlx::query("DELETE FROM invitations WHERE id = $1")
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?;
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.invitation_revoked",
        target: &email,
        before: Some(json!({ "role": role })),
        after: None,
    };
    audit::record(&mut tx, &actor.tenant_id, actor_of(actor), change).await?;
    tx.commit().await?;
    Ok(())
}

/// What an invitation link offers.
#[derive(Debug)]
pub struct InvitationView {
    pub id: String,
    pub tenant_id: String,
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
}

async fn invitation_by_token(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<InvitationView, LinkError> {
    let row = sqlx::query(
        "SELECT i.id, i.tenant_id, t.company_name, i.email, i.role, i.expires_at, i.accepted_at
           FROM invitations i JOIN tenants t ON t.id = i.tenant_id
          WHERE i.token_hash = $1",
    )
    .bind(token_hash(token))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(LinkError::NotFound)?;
    let accepted_at: Option<i64> = row.try_get("accepted_at")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if accepted_at.is_some() {
        return Err(LinkError::Used);
    }
    if expires_at <= now_ms() {
        return Err(LinkError::Expired);
    }
    let role: String = row.try_get("role")?;
    Ok(InvitationView {
        id: row.try_get("id")?,
        tenant_id: row.try_get("tenant_id")?,
        workspace_name: row.try_get("company_name")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or_else(|| decode_error("role", &role))?,
    })
}

/// The invitation a link's token names, if it can still be accepted.
pub async fn invitation(db: &Db, token: &str) -> Result<InvitationView, LinkError> {
    let mut conn = db.pool.acquire().await?;
    invitation_by_token(&mut conn, token).await
}

/// Accepts an invitation: creates the user with the invited email and role. Exactly one of
/// concurrent accepts wins; the others see the link used.
pub async fn accept(
    db: &Db,
    token: &str,
    name: &PersonName,
    password: &Password,
) -> Result<User, LinkError> {
    // Check before the slow hash, so a dead link answers at once.
    invitation(db, token).await?;
    let hash = accounts::hash_off_the_runtime(password)
        .await
        .map_err(LinkError::Hash)?;
    let mut tx = db.begin_write().await?;
    let view = invitation_by_token(&mut tx, token).await?;
    let claimed = sqlx::query(
        "UPDATE invitations SET accepted_at = $1
         WHERE id = $2 AND accepted_at IS NULL AND expires_at > $1",
    )
    .bind(now_ms())
    .bind(&view.id)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() != 1 {
        return Err(LinkError::Used);
    }
    let email = Email::parse(&view.email).map_err(|_| LinkError::NotFound)?;
    let user_id =
        match accounts::insert_user(&mut tx, &view.tenant_id, &email, name, view.role, &hash).await
        {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Err(LinkError::EmailTaken),
            Err(e) => return Err(e.into()),
        };
    sqlx::query("UPDATE invitations SET accepted_by = $1 WHERE id = $2")
        .bind(&user_id)
        .bind(&view.id)
        .execute(&mut *tx)
        .await?;
    let actor = Actor {
        user_id: Some(&user_id),
        name: name.as_str(),
    };
    let change = audit::Change {
        area: SettingsArea::Teammates,
        action: "teammate.joined",
        target: &view.email,
        before: None,
        after: Some(json!({ "role": view.role, "name": name.as_str() })),
    };
    audit::record(&mut tx, &view.tenant_id, actor, change).await?;
    tx.commit().await?;
    Ok(User {
        id: user_id,
        tenant_id: view.tenant_id,
        tenant_name: view.workspace_name,
        email: view.email,
        name: name.as_str().to_owned(),
        role: view.role,
    })
}
