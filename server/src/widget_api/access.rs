//! What the gate and the token check need of a tenant on every widget request (the tenant, its
//! allowed origins, its live tokens), kept in memory per tenant instead of three reads per
//! request. It is dropped on any change of those settings ([`SettingsCache`]): at once on this
//! instance, and on every other one as soon as the `settings_changed` event reaches it (the
//! event travels with the commit on PostgreSQL).
//!
//! Only what exists is kept: an unknown tenant is looked up again on the next request, and a
//! token that is not in the entry is looked up in the store before it is refused (a token issued
//! a moment ago on another instance). A cached token's expiry is checked on every use.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use shared::dashboard::SettingsArea;

use crate::db::{now_ms, Db};
use crate::settings_cache::SettingsCache;
use crate::tenants::{self, Tenant};
use crate::widget_tokens::{self, TokenRow};
use crate::{origins, realtime::Hub};

/// The settings areas whose changes drop a tenant's entry: branding and the workspace's name
/// live on the tenant row.
const AREAS: &[SettingsArea] = &[
    SettingsArea::Workspace,
    SettingsArea::Widget,
    SettingsArea::Domains,
    SettingsArea::Tokens,
];

/// One tenant's widget access, as of the last change of its settings.
pub struct Access {
    pub tenant: Tenant,
    origins: Vec<String>,
    /// Live (not revoked) tokens by the SHA-256 of their text.
    tokens: HashMap<String, CachedToken>,
}

struct CachedToken {
    id: String,
    expires_at: Option<i64>,
    /// When a use was last written (0: never), shared by every request using the token.
    last_used_at: AtomicI64,
}

/// A token check's answer.
pub enum TokenCheck {
    /// Live: its id.
    Live(String),
    /// Unknown, revoked, expired or another tenant's.
    Refused,
}

impl Access {
    pub fn origin_allowed(&self, origin: &str) -> bool {
        origins::origin_allowed(&self.origins, origin)
    }
}

/// Why an entry could not be loaded.
pub enum LoadError {
    NoSuchTenant,
    Store(sqlx::Error),
}

impl From<sqlx::Error> for LoadError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e)
    }
}

pub struct AccessCache {
    db: Db,
    cache: SettingsCache<Access>,
}

impl AccessCache {
    pub fn new(db: Db, hub: Arc<Hub>) -> Self {
        Self {
            cache: SettingsCache::new(db.clone(), hub, AREAS),
            db,
        }
    }

    /// The tenant's access; `None` when there is no such tenant.
    pub async fn get(&self, tenant_id: &str) -> sqlx::Result<Option<Arc<Access>>> {
        if let Some(access) = self.cache.peek(tenant_id) {
            return Ok(Some(access));
        }
        // A stranger's made-up tenant id must not start a live feed (the cache subscribes to
        // the tenant's events before it loads): look first.
        if tenants::find_tenant(&self.db, tenant_id).await?.is_none() {
            return Ok(None);
        }
        let loaded = self
            .cache
            .get(tenant_id, || load(&self.db, tenant_id))
            .await;
        match loaded {
            Ok(access) => Ok(Some(access)),
            Err(LoadError::NoSuchTenant) => Ok(None),
            Err(LoadError::Store(e)) => Err(e),
        }
    }

    /// Whether `token` is a live token of this tenant, recording its use (at most once a minute).
    pub async fn check_token(&self, access: &Access, token: &str) -> sqlx::Result<TokenCheck> {
        let hash = widget_tokens::hash_token(token);
        let now = now_ms();
        if let Some(cached) = access.tokens.get(&hash) {
            if cached.expires_at.is_some_and(|t| t <= now) {
                return Ok(TokenCheck::Refused);
            }
            let last = cached.last_used_at.load(Ordering::Relaxed);
            if widget_tokens::use_is_stale(last, now)
                && cached
                    .last_used_at
                    .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
            {
                self.record_use(&cached.id, now).await;
            }
            return Ok(TokenCheck::Live(cached.id.clone()));
        }
        // Not in the entry: refused, unless it was issued after the entry was loaded.
        match widget_tokens::live_token(&self.db, token).await? {
            Some(live) if live.tenant_id == access.tenant.id => {
                if let Err(e) = widget_tokens::record_use(&self.db, &live).await {
                    tracing::warn!(error = %e, "recording a widget token's use");
                }
                Ok(TokenCheck::Live(live.id))
            }
            _ => Ok(TokenCheck::Refused),
        }
    }

    /// Bookkeeping only: a failed write must not refuse the visitor.
    async fn record_use(&self, token_id: &str, now: i64) {
        if let Err(e) = widget_tokens::record_use_at(&self.db, token_id, now).await {
            tracing::warn!(error = %e, "recording a widget token's use");
        }
    }
}

async fn load(db: &Db, tenant_id: &str) -> Result<Access, LoadError> {
    let tenant = tenants::find_tenant(db, tenant_id)
        .await?
        .ok_or(LoadError::NoSuchTenant)?;
    let origins = origins::allowed_origins(db, tenant_id).await?;
    let tokens = widget_tokens::live_rows(db, tenant_id)
        .await?
        .into_iter()
        .map(
            |TokenRow {
                 id,
                 hash,
                 expires_at,
                 last_used_at,
             }| {
                let cached = CachedToken {
                    id,
                    expires_at,
                    last_used_at: AtomicI64::new(last_used_at.unwrap_or(0)),
                };
                (hash, cached)
            },
        )
        .collect();
    Ok(Access {
        tenant,
        origins,
        tokens,
    })
}
