//! Search latency through `search::list`, by kind of query, and the plans of representative
//! statements.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use server::db::{Backend, Db};
use server::inbox;
use server::search::{self, Arg, PageRequest, Plan, Range, Statement};
use shared::api::{Channel, ConversationStatus};
use shared::dashboard::ConversationQuery;
use sqlx::Row;

use crate::seed::{Vocabulary, FIRST_NAMES, INTENTS, LAST_NAMES};
use crate::support::Latencies;

/// One kind of query and its measured latencies.
pub struct Kind {
    pub name: &'static str,
    pub latencies: Latencies,
    /// The slowest query of the kind and how long it took.
    pub slowest: (Duration, String),
}

/// A query's parameters, for the list of the slowest.
fn describe(query: &ConversationQuery) -> String {
    let mut parts = Vec::new();
    if let Some(q) = &query.q {
        parts.push(format!("q={q:?}"));
    }
    if let Some(channel) = query.channel {
        parts.push(format!("channel={}", channel.as_str()));
    }
    if let Some(status) = query.status {
        parts.push(format!("status={}", status.as_str()));
    }
    if let Some(intent) = &query.intent {
        parts.push(format!("intent={intent}"));
    }
    if query.assistant.is_some() {
        parts.push("assistant".to_owned());
    }
    if let (Some(from), Some(to)) = (query.from, query.to) {
        parts.push(format!("{} days", (to - from) / DAY_MS));
    }
    if query.cursor.is_some() {
        parts.push("page 2".to_owned());
    }
    parts.join(", ")
}

const DAY_MS: i64 = 86_400_000;

fn filters(rng: &mut SmallRng, assistants: &[String], now: i64) -> ConversationQuery {
    let mut query = ConversationQuery::default();
    match rng.random_range(0..5) {
        0 => {
            query.channel = Some(
                [Channel::Web, Channel::Sms, Channel::Email, Channel::Voice]
                    [rng.random_range(0..4)],
            )
        }
        1 => {
            query.status = Some(
                [
                    ConversationStatus::Open,
                    ConversationStatus::Escalated,
                    ConversationStatus::WaitingHuman,
                ][rng.random_range(0..3)],
            )
        }
        2 => query.intent = Some(INTENTS[rng.random_range(0..INTENTS.len())].to_owned()),
        3 => query.assistant = Some(assistants[rng.random_range(0..assistants.len())].clone()),
        _ => {
            let from = now - rng.random_range(30..300) * DAY_MS;
            query.from = Some(from);
            query.to = Some(from + rng.random_range(1..30) * DAY_MS);
        }
    }
    query
}

/// The query mix: (kind, query), a few hundred in all.
pub fn mix(
    vocabulary: &Vocabulary,
    assistants: &[String],
    per_kind: usize,
) -> Vec<(&'static str, ConversationQuery)> {
    let mut rng = SmallRng::seed_from_u64(7);
    let now = server::db::now_ms();
    let words = &vocabulary.words;
    let q = |s: String| ConversationQuery {
        q: Some(s),
        ..Default::default()
    };
    let mut mix = Vec::new();
    for _ in 0..per_kind {
        mix.push(("common word", q(words[rng.random_range(0..10)].clone())));
        mix.push(("mid word", q(words[rng.random_range(100..400)].clone())));
        mix.push((
            "rare word",
            q(words[rng.random_range(2000..words.len())].clone()),
        ));
        let word = &words[rng.random_range(100..2000)];
        mix.push(("prefix (3 chars)", q(word.chars().take(3).collect())));
        mix.push((
            "two words",
            q(format!(
                "{} {}",
                words[rng.random_range(10..60)],
                words[rng.random_range(60..300)]
            )),
        ));
        let name = if rng.random_bool(0.5) {
            LAST_NAMES[rng.random_range(0..LAST_NAMES.len())].to_owned()
        } else {
            format!(
                "{} {}",
                FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())],
                LAST_NAMES[rng.random_range(0..LAST_NAMES.len())]
            )
        };
        mix.push(("client name", q(name)));
        mix.push(("filter only", filters(&mut rng, assistants, now)));
        let mut both = filters(&mut rng, assistants, now);
        both.q = Some(words[rng.random_range(10..200)].clone());
        mix.push(("filter + q", both));
        mix.push(("no filter", ConversationQuery::default()));
    }
    mix
}

/// Runs every query of the mix (and, for the first ones of each kind with more, its second
/// page); answers latencies by kind, in the mix's order of kinds.
pub async fn measure(
    db: &Db,
    tenant_id: &str,
    mix: &[(&'static str, ConversationQuery)],
) -> anyhow::Result<Vec<Kind>> {
    let mut kinds: Vec<Kind> = Vec::new();
    let mut record = |name: &'static str, took: Duration, query: &ConversationQuery| {
        let kind = match kinds.iter().position(|k| k.name == name) {
            Some(i) => &mut kinds[i],
            None => {
                kinds.push(Kind {
                    name,
                    latencies: Latencies::default(),
                    slowest: (Duration::ZERO, String::new()),
                });
                kinds.last_mut().expect("just pushed")
            }
        };
        kind.latencies.record(took);
        if took > kind.slowest.0 {
            kind.slowest = (took, describe(query));
        }
    };
    for (name, query) in mix {
        let start = Instant::now();
        let page = search::list(db, tenant_id, "", query).await?;
        record(name, start.elapsed(), query);
        if let Some(cursor) = page.next_cursor {
            let next = ConversationQuery {
                cursor: Some(cursor),
                ..query.clone()
            };
            let start = Instant::now();
            search::list(db, tenant_id, "", &next).await?;
            record("second page (cursor)", start.elapsed(), &next);
        }
    }
    Ok(kinds)
}

/// The plans of the list statements for `query` (the walk, and for a text search the lookup
/// too), one line per step.
pub async fn plan(
    db: &Db,
    tenant_id: &str,
    query: &ConversationQuery,
) -> anyhow::Result<Vec<String>> {
    let request = PageRequest::parse(query).map_err(|e| anyhow::anyhow!("{e}"))?;
    let plans: &[Plan] = if request.filter.text.is_some() {
        &[Plan::Walk, Plan::Lookup]
    } else {
        &[Plan::Walk]
    };
    let mut lines = Vec::new();
    for &which in plans {
        lines.push(format!("-- {which:?}"));
        let statement = search::conversations_statement(
            db.backend,
            Statement::new(inbox::SUMMARY_SELECT, vec![Arg::Text(String::new())]),
            tenant_id,
            &request.filter,
            Range::default(),
            which,
            i64::from(request.limit) + 1,
        );
        let explain = match db.backend {
            Backend::Sqlite => "EXPLAIN QUERY PLAN ",
            Backend::Postgres => "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ",
        };
        let explained = Statement {
            sql: format!("{explain}{}", statement.sql),
            args: statement.args,
        };
        let rows = explained.fetch_all(&db.pool).await?;
        for row in &rows {
            lines.push(match db.backend {
                Backend::Sqlite => {
                    let parent: i64 = row.try_get("parent")?;
                    let detail: String = row.try_get("detail")?;
                    format!("{}{detail}", if parent == 0 { "" } else { "  " })
                }
                Backend::Postgres => row.try_get::<String, _>(0)?,
            });
        }
    }
    Ok(lines)
}
