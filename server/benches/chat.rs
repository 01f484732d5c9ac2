//! Load benchmark: the real widget chat flow (embedded AI, SQLite) against a bare axum handler
//! doing one SQLite INSERT per request, both in-process on real sockets. Prints figures only.
//!
//! `cargo bench -p server --bench chat -- --sessions 1,50,500 --messages 20 --db-connections 8`

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use shared::api::ChatRequest;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use support::{temp_dir, InProcess, Latencies};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Barrier};

/// Questions a shopper asks, follow-ups included; each session starts at a different one.
const QUESTIONS: &[&str] = &[
    "Hi! What are your opening hours?",
    "Are you open on weekends too?",
    "Do you ship to Canada?",
    "How long does delivery to Europe take?",
    "How much is shipping in the US?",
    "How much does a coffee subscription cost?",
    "What's the difference between the Starter and Regular plans?",
    "Can I pause my subscription while I'm on vacation?",
    "Is there a fee if I cancel?",
    "Can I get a refund?",
    "What if the bag is already opened?",
    "Where is my order? I haven't had a tracking email yet.",
    "How do I change my shipping address?",
    "Which payment methods do you accept?",
    "Can I pay with PayPal?",
    "Can I get my coffee ground for a French press?",
    "Do you offer wholesale for our office?",
    "What's your phone number?",
    "Do you sell decaf?",
    "Thanks, that's all!",
];
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The server binary's allocator (`src/main.rs`), so the figures are the server's: with glibc's
/// malloc, allocation was an eighth of the real flow's CPU here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    sessions: Vec<usize>,
    messages: usize,
    db_connections: u32,
}

const USAGE: &str = "[--sessions 1,50,500] [--messages 20] [--db-connections 8]";

fn parse_args() -> anyhow::Result<Args> {
    let flags = support::Flags::parse(USAGE)?;
    Ok(Args {
        sessions: flags.list("--sessions", &[1, 50, 500])?,
        messages: flags.get("--messages", 20)?,
        db_connections: flags.get("--db-connections", 8)?,
    })
}

/// Where a session sends its messages.
#[derive(Clone)]
enum Target {
    /// The widget API of one tenant: `.../api/widgets/{tenant}`, with its token.
    Real { api: String, token: Arc<str> },
    /// The bare insert handler's URL.
    Ceiling { url: String },
}

#[derive(Default)]
struct Outcome {
    latencies: Latencies,
    errors: usize,
    setup_errors: usize,
    first_error: Option<String>,
    emfile: bool,
    /// Chat phase of each session: earliest start, latest end.
    start: Option<Instant>,
    end: Option<Instant>,
    /// CPU time of this whole process (client and server) during the chat phase.
    cpu: Option<Duration>,
}

impl Outcome {
    fn fail(&mut self, error: String) {
        self.emfile |= error.contains("os error 24") || error.contains("Too many open files");
        self.first_error.get_or_insert(error);
    }

    fn merge(&mut self, other: Self) {
        self.latencies.add(&other.latencies);
        self.errors += other.errors;
        self.setup_errors += other.setup_errors;
        self.emfile |= other.emfile;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.start = [self.start, other.start].into_iter().flatten().min();
        self.end = [self.end, other.end].into_iter().flatten().max();
    }
}

/// CPU time (user + system) this process has used so far, every thread, from
/// `/proc/self/stat` (Linux; in clock ticks, 100 per second here). `None` elsewhere.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces: count from the `)` that ends it.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / CLOCK_TICKS_PER_SECOND))
}

/// `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on.
const CLOCK_TICKS_PER_SECOND: u64 = 100;

/// Sends a request and reads the whole body: `Ok(body)` on 2xx, otherwise why not.
async fn call(request: reqwest::RequestBuilder) -> Result<String, String> {
    let response = request.send().await.map_err(|e| error_chain(&e))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| error_chain(&e))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("HTTP {status}: {body}"))
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(&format!(": {e}"));
        source = e.source();
    }
    text
}

async fn setup_session(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    who: &str,
) -> Result<String, String> {
    let body = call(http.post(format!("{api}/sessions")).bearer_auth(token)).await?;
    let created: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
    let session = created["sessionId"]
        .as_str()
        .ok_or_else(|| format!("no sessionId in {body}"))?
        .to_owned();
    let contact = json!({ "name": "Alex Visitor", "email": format!("{who}@bench.example.com") });
    call(
        http.put(format!("{api}/sessions/{session}/contact"))
            .bearer_auth(token)
            .json(&contact),
    )
    .await?;
    Ok(session)
}

/// One visitor: setup (real flow only), wait for everyone, then `messages` chats in sequence.
async fn run_session(
    http: reqwest::Client,
    target: Target,
    label: &'static str,
    index: usize,
    messages: usize,
    barrier: Arc<Barrier>,
    cpu_at_start: Arc<std::sync::OnceLock<Duration>>,
) -> Outcome {
    let mut out = Outcome::default();
    let who = format!("{label}-s{index}");
    let session = match &target {
        Target::Real { api, token } => match setup_session(&http, api, token, &who).await {
            Ok(session) => session,
            Err(e) => {
                out.fail(format!("setup: {e}"));
                out.setup_errors = 1;
                String::new()
            }
        },
        Target::Ceiling { .. } => who.clone(),
    };
    if barrier.wait().await.is_leader() {
        if let Some(cpu) = process_cpu() {
            let _ = cpu_at_start.set(cpu);
        }
    }
    if out.setup_errors > 0 {
        out.errors = messages; // never sent: count them, don't hide them
        return out;
    }
    out.start = Some(Instant::now());
    for n in 0..messages {
        let body = json!({
            "sessionId": session,
            "message": QUESTIONS[(index + n) % QUESTIONS.len()],
            "clientMessageId": format!("{who}-m{n}"),
        });
        let request = match &target {
            Target::Real { api, token } => http.post(format!("{api}/chat")).bearer_auth(&**token),
            Target::Ceiling { url } => http.post(url),
        };
        let started = Instant::now();
        match call(request.json(&body)).await {
            Ok(_) => out.latencies.record(started.elapsed()),
            Err(e) => {
                out.errors += 1;
                out.fail(e);
            }
        }
    }
    out.end = Some(Instant::now());
    out
}

async fn drive(
    http: &reqwest::Client,
    target: &Target,
    label: &'static str,
    sessions: usize,
    messages: usize,
) -> Outcome {
    let barrier = Arc::new(Barrier::new(sessions));
    let cpu_at_start = Arc::new(std::sync::OnceLock::new());
    let tasks: Vec<_> = (0..sessions)
        .map(|i| {
            tokio::spawn(run_session(
                http.clone(),
                target.clone(),
                label,
                i,
                messages,
                barrier.clone(),
                cpu_at_start.clone(),
            ))
        })
        .collect();
    let mut total = Outcome::default();
    for task in tasks {
        match task.await {
            Ok(outcome) => total.merge(outcome),
            Err(e) => total.fail(format!("session task failed: {e}")),
        }
    }
    total.cpu = cpu_at_start
        .get()
        .zip(process_cpu())
        .map(|(start, now)| now.saturating_sub(*start));
    total
}

async fn bench_real(
    http: &reqwest::Client,
    args: &Args,
    sessions: usize,
) -> anyhow::Result<Outcome> {
    let dir = temp_dir("real")?;
    let app = InProcess::start(&[
        (
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("livechat.db").display()),
        ),
        ("LIVECHAT_DATA_DIR", dir.display().to_string()),
        ("LIVECHAT_AI_PROVIDER", "embedded".into()),
        (
            "LIVECHAT_DB_MAX_CONNECTIONS",
            args.db_connections.to_string(),
        ),
    ])
    .await?;
    let (base, db) = (app.base.clone(), app.db.clone());
    let (tenant_id, _) = support::new_tenant(&db, "Northwind Coffee Roasters", 1).await?;
    let token = server::tenants::issue_widget_token(&db, &tenant_id, "bench", None).await?;
    let target = Target::Real {
        api: format!("{base}/api/widgets/{tenant_id}"),
        token: token.token.into(),
    };
    let outcome = drive(http, &target, "real", sessions, args.messages).await;
    app.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(outcome)
}

async fn insert(State(pool): State<SqlitePool>, Json(request): Json<ChatRequest>) -> Response {
    let inserted: sqlx::Result<i64> = sqlx::query_scalar(
        "INSERT INTO messages (session_id, client_message_id, body, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&request.session_id)
    .bind(&request.client_message_id)
    .bind(&request.message)
    .bind(server::db::now_ms())
    .fetch_one(&pool)
    .await;
    match inserted {
        Ok(id) => Json(json!({ "ok": true, "id": id })).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn bench_ceiling(
    http: &reqwest::Client,
    args: &Args,
    sessions: usize,
) -> anyhow::Result<Outcome> {
    let dir = temp_dir("ceiling")?;
    let options = SqliteConnectOptions::new()
        .filename(dir.join("ceiling.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(args.db_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL,
         client_message_id TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)",
    )
    .execute(&pool)
    .await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/insert", listener.local_addr()?);
    let router = Router::new()
        .route("/insert", post(insert))
        .with_state(pool.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let outcome = drive(
        http,
        &Target::Ceiling { url },
        "ceiling",
        sessions,
        args.messages,
    )
    .await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(outcome)
}

struct Row {
    scenario: &'static str,
    sessions: usize,
    outcome: Outcome,
}

impl Row {
    fn new(scenario: &'static str, sessions: usize, outcome: Outcome) -> Self {
        Self {
            scenario,
            sessions,
            outcome,
        }
    }

    fn throughput(&self) -> f64 {
        let wall = match (self.outcome.start, self.outcome.end) {
            (Some(s), Some(e)) => e.duration_since(s).as_secs_f64(),
            _ => 0.0,
        };
        let ok = self.outcome.latencies.len() as f64;
        if wall > 0.0 {
            ok / wall
        } else {
            f64::NAN
        }
    }

    /// CPU time (client and server, every thread) per successful chat, in µs.
    fn cpu_per_message(&self) -> f64 {
        let ok = self.outcome.latencies.len() as f64;
        match self.outcome.cpu {
            Some(cpu) if ok > 0.0 => cpu.as_secs_f64() * 1e6 / ok,
            _ => f64::NAN,
        }
    }

    fn print(&self) {
        let o = &self.outcome;
        let sent = o.latencies.len() as usize + o.errors;
        let p = |q| o.latencies.percentile_ms(q);
        let line = format!(
            "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            self.scenario,
            self.sessions,
            sent,
            o.errors,
            p(50.0),
            p(90.0),
            p(99.0),
            p(100.0)
        );
        println!(
            "{line} {:.0} | {:.0} |",
            self.throughput(),
            self.cpu_per_message()
        );
    }
}

/// The soft open-files limit, from `/proc/self/limits` (Linux), for the EMFILE warning.
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let cpus = support::cpus();
    let max_sessions = args.sessions.iter().copied().max().unwrap_or(0);
    let build = support::build_kind();
    println!(
        "# livechat bench
- CPUs (available_parallelism): {cpus}; build: {build}; tokio multi-thread runtime, client and servers in one process
- sessions: {:?}; messages per session: {}; SQLite pool max connections: {} (both scenarios)
- rate limits effectively off: every LIVECHAT_*_BURST and LIVECHAT_*_PER_MINUTE of messages and sessions = {}
- real: POST /sessions + PUT contact (untimed), then the timed chats via POST /chat, embedded AI, SQLite via sqlx Any
- ceiling: bare axum POST doing one INSERT (sqlx sqlite, WAL, synchronous=NORMAL), small JSON reply
- msg/s = successful chats / wall clock of the chat phase (which starts once every session is set up)
- CPU µs/msg = this process's CPU time (user + system, client and server) in the chat phase / successful chats",
        args.sessions, args.messages, args.db_connections, support::LIMITS_OFF[0].1
    );
    match open_files_limit() {
        // Each session holds a client and a server socket in this one process.
        Some(limit) if limit < 2 * max_sessions as u64 + 64 => println!(
            "- WARNING: open-files limit {limit} is low for {max_sessions} sessions (~{} sockets); expect EMFILE. Try `ulimit -n 4096`.",
            2 * max_sessions
        ),
        Some(limit) => println!("- open-files limit: {limit}"),
        None => println!("- open-files limit: unknown"),
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(max_sessions.max(1))
        .timeout(REQUEST_TIMEOUT)
        .build()?;

    let mut rows = Vec::new();
    for &sessions in &args.sessions {
        eprintln!("running {sessions} session(s): real flow, then ceiling...");
        let real = bench_real(&http, &args, sessions).await;
        rows.push(Row::new(
            "real chat (embedded AI)",
            sessions,
            real.context("real")?,
        ));
        let ceiling = bench_ceiling(&http, &args, sessions).await;
        rows.push(Row::new(
            "ceiling (1 INSERT)",
            sessions,
            ceiling.context("ceiling")?,
        ));
    }

    println!();
    println!("| scenario | sessions | msgs | errors | p50 ms | p90 ms | p99 ms | max ms | msg/s | CPU µs/msg |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        row.print();
    }
    println!();
    println!("| sessions | real msg/s | ceiling msg/s | real / ceiling throughput | real p50 / ceiling p50 | real / ceiling CPU per msg |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for pair in rows.chunks(2) {
        if let [real, ceiling] = pair {
            let p50 = |r: &Row| r.outcome.latencies.percentile_ms(50.0);
            println!(
                "| {} | {:.0} | {:.0} | {:.1}% | {:.1}x | {:.1}x |{}",
                real.sessions,
                real.throughput(),
                ceiling.throughput(),
                100.0 * real.throughput() / ceiling.throughput(),
                p50(real) / p50(ceiling),
                real.cpu_per_message() / ceiling.cpu_per_message(),
                if real.outcome.errors + ceiling.outcome.errors > 0 {
                    " (errors: not comparable)"
                } else {
                    ""
                }
            );
        }
    }
    for row in &rows {
        let o = &row.outcome;
        if let Some(error) = &o.first_error {
            println!();
            println!(
                "{} @ {} sessions: {} errors ({} sessions failed setup); first: {error}",
                row.scenario, row.sessions, o.errors, o.setup_errors
            );
            if o.emfile {
                println!("  EMFILE: the process ran out of file descriptors; raise `ulimit -n` and rerun.");
            }
        }
    }
    Ok(())
}
