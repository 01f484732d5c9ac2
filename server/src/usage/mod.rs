//! What a workspace uses per billing cycle, against its plan. Usage is counted from what is
//! stored, so the chat path writes nothing more for it:
//! - conversations by creation time, once each whatever the channel and however many messages;
//! - messages per channel, and AI tokens;
//! - voice minutes, each call from its start to its end rounded up to the minute.
//!
//! Plans come from the server's plans file ([`plans`]) and are assigned with `server set-plan`;
//! cycles start on the workspace's cycle day ([`cycle`]).

pub mod cycle;
pub mod plans;

use jiff::tz::TimeZone;
use jiff::Timestamp;
use shared::usage::{project, AtLimit, PerChannel, Plan, UsageDay, UsageReport};
use sqlx::Row;

use crate::config::Config;
use crate::db::{now_ms, Db};
use cycle::Cycle;

/// A workspace's plan (as the plans file defines it now) and cycle day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Billing {
    /// `None`: no plan (unlimited), or one the plans file no longer has.
    pub plan: Option<Plan>,
    pub plan_id: Option<String>,
    pub cycle_day: i8,
}

pub async fn billing(db: &Db, config: &Config, tenant_id: &str) -> sqlx::Result<Billing> {
    let row = sqlx::query("SELECT plan_id, cycle_day FROM workspace_plans WHERE tenant_id = $1")
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?;
    let (plan_id, cycle_day): (Option<String>, i64) = match row {
        Some(row) => (row.try_get("plan_id")?, row.try_get("cycle_day")?),
        None => (None, 1),
    };
    let plan = plan_id.as_ref().and_then(|id| {
        let plan = config.plans.get(id).cloned();
        if plan.is_none() {
            tracing::warn!(tenant = %tenant_id, plan = %id, "the workspace's plan is not in the plans file: counted as unlimited");
        }
        plan
    });
    Ok(Billing {
        plan,
        plan_id,
        cycle_day: i8::try_from(cycle_day.clamp(1, 31)).unwrap_or(1),
    })
}

/// Puts workspace `tenant_id` on `plan_id` (`None`: no plan) with billing cycles starting on
/// `cycle_day` (1 to 31; kept when `None`). `false` when there is no such workspace.
pub async fn set_plan(
    db: &Db,
    tenant_id: &str,
    plan_id: Option<&str>,
    cycle_day: Option<i8>,
) -> sqlx::Result<bool> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM tenants WHERE id = $1")
        .bind(tenant_id)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_none() {
        return Ok(false);
    }
    let day = cycle_day.map(|d| i64::from(d.clamp(1, 31)));
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO workspace_plans (tenant_id, plan_id, cycle_day, updated_at)
         VALUES ($1, $2, COALESCE($3, 1), $4)
         ON CONFLICT (tenant_id) DO UPDATE SET
            plan_id = excluded.plan_id,
            cycle_day = COALESCE($3, workspace_plans.cycle_day),
            updated_at = excluded.updated_at",
    )
    .bind(tenant_id)
    .bind(plan_id)
    .bind(day)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Conversations workspace `tenant_id` started in `cycle`.
pub async fn conversations_in(db: &Db, tenant_id: &str, cycle: &Cycle) -> sqlx::Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM conversations
          WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3",
    )
    .bind(tenant_id)
    .bind(cycle.start_ms())
    .bind(cycle.end_ms())
    .fetch_one(&db.pool)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Whether any plan stops new conversations at its limit: only then must a new conversation
/// wait for [`at_cap`].
pub fn may_cap(config: &Config) -> bool {
    config.plans.values().any(|p| p.at_limit == AtLimit::Cap)
}

/// Whether workspace `tenant_id` is on a capped plan whose included conversations this cycle
/// are used up: no new conversation starts for the assistant. Costs nothing when the server has
/// no plans.
pub async fn at_cap(db: &Db, config: &Config, tenant_id: &str) -> sqlx::Result<bool> {
    if config.plans.is_empty() {
        return Ok(false);
    }
    let billing = billing(db, config, tenant_id).await?;
    let Some(plan) = billing.plan.filter(|p| p.at_limit == AtLimit::Cap) else {
        return Ok(false);
    };
    let used = conversations_in(db, tenant_id, &Cycle::current(billing.cycle_day)).await?;
    Ok(used >= plan.conversations)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The cycle holding `now` (Unix ms) for `billing`, with everything used in it so far.
pub async fn report(
    db: &Db,
    tenant_id: &str,
    billing: &Billing,
    now: i64,
) -> sqlx::Result<UsageReport> {
    let today = Timestamp::from_millisecond(now)
        .unwrap_or_default()
        .to_zoned_datetime(TimeZone::UTC)
        .date();
    let cycle = Cycle::containing(today, billing.cycle_day);
    let (start, end) = (cycle.start_ms(), cycle.end_ms());
    let days_used = cycle.days_used(today);

    let mut days: Vec<UsageDay> = (0..days_used)
        .map(|i| UsageDay {
            date: cycle
                .start
                .saturating_add(jiff::Span::new().days(i64::try_from(i).unwrap_or(0)))
                .to_string(),
            conversations: PerChannel::default(),
        })
        .collect();
    let mut conversations = PerChannel::default();
    let rows = sqlx::query(
        "SELECT channel, (created_at - $2) / 86400000 AS day, COUNT(*) AS n FROM conversations
          WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
          GROUP BY channel, (created_at - $2) / 86400000",
    )
    .bind(tenant_id)
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    for row in &rows {
        let channel: String = row.try_get("channel")?;
        let day: i64 = row.try_get("day")?;
        let n = count(row.try_get("n")?);
        conversations.add(&channel, n);
        if let Some(d) = usize::try_from(day).ok().and_then(|d| days.get_mut(d)) {
            d.conversations.add(&channel, n);
        }
    }

    let mut messages = PerChannel::default();
    let mut ai_tokens = 0;
    let rows = sqlx::query(
        "SELECT channel, COUNT(*) AS n, CAST(COALESCE(SUM(tokens), 0) AS BIGINT) AS tokens
           FROM messages WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
          GROUP BY channel",
    )
    .bind(tenant_id)
    .bind(start)
    .bind(end)
    .fetch_all(&db.pool)
    .await?;
    for row in &rows {
        let channel: String = row.try_get("channel")?;
        messages.add(&channel, count(row.try_get("n")?));
        ai_tokens += count(row.try_get("tokens")?);
    }

    let voice_minutes: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM((duration_secs + 59) / 60), 0) AS BIGINT) FROM calls
          WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3",
    )
    .bind(tenant_id)
    .bind(start)
    .bind(end)
    .fetch_one(&db.pool)
    .await?;
    let voice_minutes = count(voice_minutes);

    let days_total = cycle.days();
    let projected_conversations = project(conversations.total(), days_used, days_total);
    let projected_voice_minutes = project(voice_minutes, days_used, days_total);
    let plan = billing.plan.clone();
    let overage = plan
        .as_ref()
        .map(|p| p.overage_cents(conversations.total(), voice_minutes));
    let projected_overage = plan
        .as_ref()
        .map(|p| p.overage_cents(projected_conversations, projected_voice_minutes));
    Ok(UsageReport {
        cycle_start: cycle.start.to_string(),
        cycle_end: cycle.end.to_string(),
        days_used,
        days_total,
        limit_reached: plan.as_ref().is_some_and(|p| {
            p.at_limit == AtLimit::Cap && conversations.total() >= p.conversations
        }),
        projected_total_cents: plan
            .as_ref()
            .zip(projected_overage)
            .map(|(p, o)| p.price_cents.saturating_add(o)),
        plan,
        conversations,
        messages,
        ai_tokens,
        voice_minutes,
        projected_conversations,
        projected_voice_minutes,
        overage_cents: overage,
        projected_overage_cents: projected_overage,
        days,
    })
}

/// The report's days as CSV: one row a day, conversations per channel and in all.
pub fn days_csv(report: &UsageReport) -> String {
    let mut out = String::from("date,web,sms,email,voice,total\n");
    for day in &report.days {
        let c = &day.conversations;
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            day.date,
            c.web,
            c.sms,
            c.email,
            c.voice,
            c.total()
        ));
    }
    out
}
