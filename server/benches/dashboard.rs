//! Dashboard benchmark: search latency (p50/p95 by kind of query, straight through
//! `search::list`) and CSV export throughput and peak RSS (through the real HTTP endpoint) on a
//! seeded history, on SQLite and, when `TEST_DATABASE_URL`/`DATABASE_URL` points at one,
//! PostgreSQL. Prints figures only; asserts nothing.
//!
//! `cargo bench -p server --bench dashboard -- --messages 100000,1000000`
//! Flags: `--backend sqlite|postgres|both`, `--per-kind 30`, `--no-export`, `--no-plans`,
//! `--keep` (leave the seeded stores in place and print where they are, to try plans by hand).
//! Figures of earlier runs are in `dashboard/RESULTS.md`.

mod support;

#[path = "dashboard/export.rs"]
mod export;
#[path = "dashboard/queries.rs"]
mod queries;
#[path = "dashboard/seed.rs"]
mod seed;

use std::time::Instant;

use shared::dashboard::ConversationQuery;
use support::{InProcess, Latencies, Store};

struct Args {
    messages: Vec<usize>,
    backends: Vec<&'static str>,
    per_kind: usize,
    export: bool,
    plans: bool,
    keep: bool,
}

const USAGE: &str = "[--messages 100000,1000000] [--backend sqlite|postgres|both] [--per-kind 30] [--no-export] [--no-plans] [--keep]";

fn parse_args() -> anyhow::Result<Args> {
    let flags = support::Flags::parse(USAGE)?;
    let backends = flags.backends()?;
    Ok(Args {
        messages: flags.list("--messages", &[100_000])?,
        backends,
        per_kind: flags.get("--per-kind", 30)?,
        export: !flags.switch("--no-export"),
        plans: !flags.switch("--no-plans"),
        keep: flags.switch("--keep"),
    })
}

async fn run(backend: &str, messages: usize, args: &Args) -> anyhow::Result<()> {
    let data_dir = support::temp_dir("dashboard")?;
    let Some((store, url)) = Store::create(backend).await? else {
        let _ = std::fs::remove_dir_all(&data_dir);
        return Ok(());
    };
    let outcome = run_on(backend, &url, &data_dir, messages, args).await;
    if args.keep {
        println!("\nKept: DATABASE_URL={url}");
        return outcome;
    }
    store.drop_now().await;
    let _ = std::fs::remove_dir_all(&data_dir);
    outcome
}

async fn run_on(
    backend: &str,
    url: &str,
    data_dir: &std::path::Path,
    messages: usize,
    args: &Args,
) -> anyhow::Result<()> {
    let app = InProcess::start(&[
        ("DATABASE_URL", url.to_owned()),
        ("LIVECHAT_DATA_DIR", data_dir.display().to_string()),
        ("LIVECHAT_DB_MAX_CONNECTIONS", "8".to_owned()),
    ])
    .await?;
    let (base, db) = (app.base.clone(), app.db.clone());

    println!("\n## {backend}, {messages} messages\n");
    let (tenant_id, assistant_ids) = support::new_tenant(&db, "Bench shop", 3).await?;
    let (other_id, other_assistants) = support::new_tenant(&db, "Other shop", 3).await?;
    let start = Instant::now();
    seed::seed(
        &db,
        &other_id,
        &other_assistants,
        (messages / 100).max(10),
        2,
    )
    .await?;
    let conversations = seed::seed(&db, &tenant_id, &assistant_ids, messages, 1).await?;
    let seeded = start.elapsed();
    println!(
        "Seeded {messages} messages in {conversations} conversations (+1% in a second tenant) in {:.1} s ({:.0} messages/s).",
        seeded.as_secs_f64(),
        messages as f64 * 1.01 / seeded.as_secs_f64()
    );
    if backend == "postgres" {
        // What autovacuum would do after a bulk load (statistics, the GIN indexes' pending
        // lists merged, dead row versions of the documents' backfill reclaimed); done now so
        // the plans and timings are the settled ones.
        sqlx::query("VACUUM ANALYZE").execute(&db.pool).await?;
    }

    let vocabulary = seed::Vocabulary::new();
    if args.plans {
        let samples = [
            ("no filter", ConversationQuery::default()),
            ("common word", q(&vocabulary.words[0])),
            ("rare word", q(&vocabulary.words[3000])),
            ("client name", q("Lovelace")),
            (
                "status filter",
                ConversationQuery {
                    status: Some(shared::api::ConversationStatus::Escalated),
                    ..Default::default()
                },
            ),
        ];
        for (name, query) in samples {
            println!("Plan, {name}:\n```");
            for line in queries::plan(&db, &tenant_id, &query).await? {
                println!("{line}");
            }
            println!("```");
        }
    }

    let mix = queries::mix(&vocabulary, &assistant_ids, args.per_kind);
    // One untimed pass warms the caches the way a running server's are.
    queries::measure(&db, &tenant_id, &mix[..mix.len().min(20)]).await?;
    let kinds = queries::measure(&db, &tenant_id, &mix).await?;
    println!("\n| query ({backend}, {messages} msgs) | n | p50 ms | p95 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut all = Latencies::default();
    for kind in &kinds {
        let p = |x| kind.latencies.percentile_ms(x);
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} |",
            kind.name,
            kind.latencies.len(),
            p(50.0),
            p(95.0),
            p(100.0)
        );
        all.add(&kind.latencies);
    }
    let p = |x| all.percentile_ms(x);
    println!(
        "| **all** | {} | {:.2} | {:.2} | {:.2} |",
        all.len(),
        p(50.0),
        p(95.0),
        p(100.0)
    );
    println!("\nSlowest of each kind:");
    for kind in &kinds {
        let (took, query) = &kind.slowest;
        println!(
            "- {}: {:.2} ms, {query}",
            kind.name,
            took.as_secs_f64() * 1e3
        );
    }

    if args.export {
        let http = reqwest::Client::new();
        let cookie = export::sign_in(&http, &base, &db, &tenant_id).await?;
        println!("\n| export ({backend}) | rows | MB | seconds | rows/s | RSS before MiB | peak RSS MiB |");
        println!("|---|---|---|---|---|---|---|");
        for rows in ["conversations", "messages"] {
            let f = export::run(&http, &base, &cookie, &format!("rows={rows}")).await?;
            println!(
                "| {rows} | {} | {:.1} | {:.2} | {:.0} | {:.0} | {:.0} |",
                f.rows,
                f.bytes as f64 / 1e6,
                f.took.as_secs_f64(),
                f.rows as f64 / f.took.as_secs_f64(),
                f.rss_before_kib as f64 / 1024.0,
                f.peak_rss_kib as f64 / 1024.0
            );
        }
    }
    app.stop().await;
    Ok(())
}

fn q(text: &str) -> ConversationQuery {
    ConversationQuery {
        q: Some(text.to_owned()),
        ..Default::default()
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let build = support::build_kind();
    let cpus = support::cpus();
    println!("# Dashboard search and export benchmark\n\n{build}, {cpus} CPUs, query mix of {} per kind.", args.per_kind);
    for &messages in &args.messages {
        for backend in &args.backends {
            run(backend, messages, &args).await?;
        }
    }
    Ok(())
}
