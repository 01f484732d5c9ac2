//! Dashboard benchmark: search latency (p50/p95 by kind of query, straight through
//! `search::list`) and CSV export throughput and peak RSS (through the real HTTP endpoint) on a
//! seeded history, on SQLite and, when `TEST_DATABASE_URL`/`DATABASE_URL` points at one,
//! PostgreSQL. Prints figures only; asserts nothing.
//!
//! `cargo run --release -p server --bin bench_dashboard -- --messages 100000,1000000`
//! Flags: `--backend sqlite|postgres|both`, `--per-kind 30`, `--no-export`, `--no-plans`.

mod export;
mod queries;
mod seed;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use server::config::{Config, Sources};
use server::db::Db;
use server::startup::Application;
use server::{ai, assistants, tenants};
use shared::dashboard::ConversationQuery;
use sqlx::{Connection, Executor, PgConnection};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

struct Args {
    messages: Vec<usize>,
    backends: Vec<&'static str>,
    per_kind: usize,
    export: bool,
    plans: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        messages: vec![100_000],
        backends: vec!["sqlite", "postgres"],
        per_kind: 30,
        export: true,
        plans: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--messages" => {
                args.messages = value()?
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse()
                            .context("--messages: counts")
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            "--backend" => {
                args.backends = match value()?.as_str() {
                    "sqlite" => vec!["sqlite"],
                    "postgres" => vec!["postgres"],
                    "both" => vec!["sqlite", "postgres"],
                    other => bail!("--backend sqlite|postgres|both, not {other}"),
                }
            }
            "--per-kind" => args.per_kind = value()?.parse().context("--per-kind")?,
            "--no-export" => args.export = false,
            "--no-plans" => args.plans = false,
            "-h" | "--help" => {
                println!(
                    "bench_dashboard [--messages 100000,1000000] [--backend sqlite|postgres|both] \
                     [--per-kind 30] [--no-export] [--no-plans]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (try --help)"),
        }
    }
    Ok(args)
}

fn postgres_base_url() -> Option<String> {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|u| u.starts_with("postgres"))
}

/// Where one run's data lives, and how to clean it up.
enum Store {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Store {
    async fn create(
        backend: &str,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Option<(Self, String)>> {
        if backend == "sqlite" {
            let path = data_dir.join("bench.db");
            return Ok(Some((
                Self::Sqlite(path.clone()),
                format!("sqlite://{}", path.display()),
            )));
        }
        let Some(admin_url) = postgres_base_url() else {
            println!("\n(PostgreSQL skipped: set TEST_DATABASE_URL=postgres://...)");
            return Ok(None);
        };
        let name = format!("lc_bench_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(&admin_url).await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        let url = server::db::with_database_name(&admin_url, &name);
        Ok(Some((Self::Postgres { admin_url, name }, url)))
    }

    async fn drop(self) {
        match self {
            Self::Sqlite(path) => {
                let _ = path.parent().map(std::fs::remove_dir_all);
            }
            Self::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            }
        }
    }
}

/// Nearest-rank percentile in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

async fn new_tenant(db: &Db, name: &str) -> anyhow::Result<(String, Vec<String>)> {
    let tenant = tenants::create_tenant(
        db,
        &tenants::NewTenant {
            id: None,
            name: name.into(),
            company_name: name.into(),
            primary_color: "#6b3e26".into(),
            allowed_origins: vec!["*".into()],
        },
    )
    .await?;
    let mut assistant_ids = Vec::new();
    for i in 0..3 {
        let assistant = assistants::create(db, &tenant.id, &ai::demo_assistant(), i == 0).await?;
        assistant_ids.push(assistant);
    }
    Ok((tenant.id, assistant_ids))
}

async fn run(backend: &str, messages: usize, args: &Args) -> anyhow::Result<()> {
    let data_dir =
        std::env::temp_dir().join(format!("lc-bench-dashboard-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&data_dir)?;
    let Some((store, url)) = Store::create(backend, &data_dir).await? else {
        let _ = std::fs::remove_dir_all(&data_dir);
        return Ok(());
    };
    let outcome = run_on(backend, &url, &data_dir, messages, args).await;
    store.drop().await;
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
    let env: BTreeMap<String, String> = [
        ("DATABASE_URL", url.to_owned()),
        ("LIVECHAT_DATA_DIR", data_dir.display().to_string()),
        ("LIVECHAT_DB_MAX_CONNECTIONS", "8".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::from_sources(&Sources {
        env,
        file: BTreeMap::new(),
    })?;
    let app =
        Application::with_listeners(config, TcpListener::bind("127.0.0.1:0").await?, None).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));

    println!("\n## {backend}, {messages} messages\n");
    let (tenant_id, assistant_ids) = new_tenant(&db, "Bench shop").await?;
    let (other_id, other_assistants) = new_tenant(&db, "Other shop").await?;
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
        // What autovacuum would do after a bulk load; done now so the plans are the settled ones.
        sqlx::query("ANALYZE").execute(&db.pool).await?;
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
    let mut all = Vec::new();
    for mut kind in kinds {
        kind.latencies.sort_unstable();
        let p = |x| percentile_ms(&kind.latencies, x);
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} |",
            kind.name,
            kind.latencies.len(),
            p(0.5),
            p(0.95),
            p(1.0)
        );
        all.extend(kind.latencies);
    }
    all.sort_unstable();
    let p = |x| percentile_ms(&all, x);
    println!(
        "| **all** | {} | {:.2} | {:.2} | {:.2} |",
        all.len(),
        p(0.5),
        p(0.95),
        p(1.0)
    );

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
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    db.pool.close().await;
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
    let build = if cfg!(debug_assertions) {
        "DEBUG build: figures not meaningful, use --release"
    } else {
        "release build"
    };
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!("# Dashboard search and export benchmark\n\n{build}, {cpus} CPUs, query mix of {} per kind.", args.per_kind);
    for &messages in &args.messages {
        for backend in &args.backends {
            run(backend, messages, &args).await?;
        }
    }
    Ok(())
}
