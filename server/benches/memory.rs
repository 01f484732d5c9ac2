//! Memory benchmark (prints figures; asserts nothing): does the server give memory back?
//!
//!   cargo bench -p server --bench memory -- [--sessions 500] [--messages 20] [--idle-secs 60]
//!
//! Starts the release server binary as its own process on SQLite (and on a fresh PostgreSQL
//! database when `TEST_DATABASE_URL`/`DATABASE_URL` points at one) and prints its resident memory
//! at start, after `--sessions` × `--messages` chat messages from `--concurrency` concurrent
//! visitors, after as many again, after each of `--rounds` bad-input batteries (see
//! `memory/battery.rs`; from one address, so the sign-in limits of the defaults apply), and after
//! `--idle-secs` idle. `--env KEY=VALUE,...` adds variables to the
//! server's environment (e.g. `MALLOC_ARENA_MAX=2`), for experiments.

mod support;

#[path = "memory/battery.rs"]
mod battery;

use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;
use serde_json::{json, Value};
use support::{mib, ServerProcess, Store};

const USAGE: &str = "[--sessions 500] [--messages 20] [--concurrency 50] [--rounds 3] \
    [--unknown-sessions 2000] [--idle-secs 60] [--backend sqlite|postgres|both] [--env KEY=VALUE,...]";

struct Args {
    sessions: usize,
    messages: usize,
    concurrency: usize,
    rounds: usize,
    unknown_sessions: usize,
    idle: Duration,
    backends: Vec<&'static str>,
    env: Vec<(String, String)>,
}

fn parse_args() -> anyhow::Result<Args> {
    let flags = support::Flags::parse(USAGE)?;
    let backends = flags.backends()?;
    let env = flags
        .text("--env", "")
        .split(',')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("--env: {kv} is not KEY=VALUE"))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Args {
        sessions: flags.get("--sessions", 500)?,
        messages: flags.get("--messages", 20)?,
        concurrency: flags.get("--concurrency", 50_usize)?.max(1),
        rounds: flags.get("--rounds", 3)?,
        unknown_sessions: flags.get("--unknown-sessions", 2000)?,
        idle: Duration::from_secs(flags.get("--idle-secs", 60)?),
        backends,
        env,
    })
}

/// One row of the table: a moment and the server's memory then.
struct Row {
    moment: String,
    rss_kib: u64,
    note: String,
}

/// Chats of one visitor: a session, contact details, then `messages` messages in sequence.
/// Answers how many requests failed.
async fn visitor(
    http: reqwest::Client,
    api: String,
    token: String,
    n: usize,
    messages: usize,
) -> usize {
    let created = http
        .post(format!("{api}/sessions"))
        .bearer_auth(&token)
        .send()
        .await;
    let session = match created {
        Ok(r) if r.status().is_success() => r
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v["sessionId"].as_str().map(str::to_owned)),
        _ => None,
    };
    let Some(session) = session else {
        return messages + 1;
    };
    let contact =
        json!({ "name": "Alex Visitor", "email": format!("v{n}-{session}@bench.example.com") });
    let mut errors = 0;
    let ok = |r: reqwest::Result<reqwest::Response>| r.is_ok_and(|r| r.status().is_success());
    if !ok(http
        .put(format!("{api}/sessions/{session}/contact"))
        .bearer_auth(&token)
        .json(&contact)
        .send()
        .await)
    {
        errors += 1;
    }
    for m in 0..messages {
        let body = json!({
            "sessionId": session,
            "message": "Hi! What are your opening hours, and do you ship to Canada?",
            "clientMessageId": format!("m{m}"),
        });
        let sent = http
            .post(format!("{api}/chat"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        if !ok(sent) {
            errors += 1;
        }
    }
    errors
}

/// `sessions` visitors, `concurrency` at a time; answers a note with errors and throughput.
async fn chat_load(server: &ServerProcess, token: &str, args: &Args, offset: usize) -> String {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let api = format!("{}/api/widgets/demo", server.address());
    let started = Instant::now();
    let errors: usize = futures::stream::iter(0..args.sessions)
        .map(|n| {
            visitor(
                http.clone(),
                api.clone(),
                token.to_owned(),
                offset + n,
                args.messages,
            )
        })
        .buffer_unordered(args.concurrency)
        .fold(0, |sum, e| async move { sum + e })
        .await;
    let total = args.sessions * args.messages;
    format!(
        "{total} messages in {:.0} s ({:.0}/s), {errors} failed requests",
        started.elapsed().as_secs_f64(),
        total as f64 / started.elapsed().as_secs_f64()
    )
}

async fn settle() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn run(backend: &str, args: &Args) -> anyhow::Result<()> {
    let Some((store, url)) = support::Store::create(backend).await? else {
        return Ok(());
    };
    let outcome = run_on(backend, &store, &url, args).await;
    store.drop_now().await;
    outcome
}

async fn run_on(backend: &str, store: &Store, url: &str, args: &Args) -> anyhow::Result<()> {
    let env: Vec<(&str, &str)> = args
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let database_url = matches!(store, Store::Postgres { .. }).then_some(url);
    let server = ServerProcess::start(database_url, &env).await?;
    let token = server.widget_token()?;
    let host = server
        .address()
        .strip_prefix("http://")
        .unwrap_or_default()
        .to_owned();
    let mut rows = vec![Row {
        moment: "start".into(),
        rss_kib: server.rss_kib(),
        note: String::new(),
    }];
    let per_run = args.sessions * args.messages;
    for run in 1..=2 {
        let note = chat_load(&server, &token, args, (run - 1) * args.sessions).await;
        settle().await;
        rows.push(Row {
            moment: format!("after {} chat messages", run * per_run),
            rss_kib: server.rss_kib(),
            note,
        });
    }
    for round in 1..=args.rounds {
        let started = Instant::now();
        let tally = battery::run(&host, &token, args.unknown_sessions).await;
        settle().await;
        let statuses: Vec<String> = tally.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        rows.push(Row {
            moment: format!("after bad-input battery {round}"),
            rss_kib: server.rss_kib(),
            note: format!(
                "{:.0} s; statuses (0: none) {}",
                started.elapsed().as_secs_f64(),
                statuses.join(" ")
            ),
        });
    }
    tokio::time::sleep(args.idle).await;
    rows.push(Row {
        moment: format!("after {} s idle", args.idle.as_secs()),
        rss_kib: server.rss_kib(),
        note: format!(
            "peak (VmHWM) {:.1} MiB",
            mib(support::status_kib(&server.pid().to_string(), "VmHWM:"))
        ),
    });

    println!("\n## {backend}\n");
    println!("| moment | server RSS MiB | note |");
    println!("|---|---:|---|");
    for row in &rows {
        println!(
            "| {} | {:.1} | {} |",
            row.moment,
            mib(row.rss_kib),
            row.note
        );
    }
    let (first, second) = (rows[1].rss_kib as f64, rows[2].rss_kib as f64);
    println!(
        "\nGrowth from the first {per_run} messages to the second: {:+.1} %.",
        100.0 * (second - first) / first
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    println!(
        "# Server memory: chat traffic, bad input, idle\n\n{}, {} CPUs, server as its own process; \
         {} sessions × {} messages per run, {} concurrent visitors; extra server env: {:?}",
        support::build_kind(),
        support::cpus(),
        args.sessions,
        args.messages,
        args.concurrency,
        args.env
    );
    for backend in &args.backends {
        run(backend, &args).await?;
    }
    Ok(())
}
