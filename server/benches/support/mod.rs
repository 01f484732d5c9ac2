//! What the benchmarks share: flags, one percentile definition (an HDR histogram), the server as
//! its own process with its resident memory, a fresh database per run, and the tenant and
//! sign-in helpers.
//!
//! Each benchmark is its own crate that includes this module and uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use hdrhistogram::Histogram;
use serde_json::json;
use server::config::{Config, Sources};
use server::db::Db;
use server::startup::Application;
use server::{ai, assistants, tenants};
use sqlx::{Connection, Executor, PgConnection};

/// `--name value` flags and `--name` switches, checked against what the benchmark knows.
pub struct Flags {
    values: BTreeMap<String, String>,
    switches: Vec<String>,
}

impl Flags {
    /// Reads the process arguments. `usage` lists the flags (`--name value` or `--name`); an
    /// argument it does not list is an error. Cargo's own `--bench` is ignored.
    pub fn parse(usage: &str) -> anyhow::Result<Self> {
        let mut flags = Self {
            values: BTreeMap::new(),
            switches: Vec::new(),
        };
        let mut it = std::env::args().skip(1).peekable();
        while let Some(arg) = it.next() {
            if arg == "--bench" {
                continue;
            }
            if arg == "-h" || arg == "--help" {
                println!("flags: {usage}");
                std::process::exit(0);
            }
            let takes_value = usage.contains(&format!("[{arg} "));
            if takes_value {
                let value = it.next().with_context(|| format!("{arg} needs a value"))?;
                flags.values.insert(arg, value);
            } else if usage.contains(&format!("[{arg}]")) {
                flags.switches.push(arg);
            } else {
                bail!("unknown argument {arg}; flags: {usage}");
            }
        }
        Ok(flags)
    }

    /// The value of `--name`, or `default`. Underscores are allowed in numbers (`100_000`).
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        match self.values.get(name) {
            Some(v) => v
                .replace('_', "")
                .parse()
                .map_err(|e| anyhow::anyhow!("{name} {v}: {e}")),
            None => Ok(default),
        }
    }

    /// A comma-separated list, or `default`.
    pub fn list<T: FromStr + Clone>(&self, name: &str, default: &[T]) -> anyhow::Result<Vec<T>>
    where
        T::Err: std::fmt::Display,
    {
        match self.values.get(name) {
            Some(v) => v
                .split(',')
                .map(|s| {
                    s.trim()
                        .replace('_', "")
                        .parse()
                        .map_err(|e| anyhow::anyhow!("{name} {s}: {e}"))
                })
                .collect(),
            None => Ok(default.to_vec()),
        }
    }

    /// A text value, or `default`.
    pub fn text(&self, name: &str, default: &str) -> String {
        self.values
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    /// `--backend sqlite|postgres|both` (default both).
    pub fn backends(&self) -> anyhow::Result<Vec<&'static str>> {
        Ok(match self.text("--backend", "both").as_str() {
            "sqlite" => vec!["sqlite"],
            "postgres" => vec!["postgres"],
            "both" => vec!["sqlite", "postgres"],
            other => bail!("--backend sqlite|postgres|both, not {other}"),
        })
    }

    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}

/// "release build", or a warning that figures from a debug build mean nothing.
pub fn build_kind() -> &'static str {
    if cfg!(debug_assertions) {
        "DEBUG build: figures not meaningful (use cargo bench)"
    } else {
        "release build"
    }
}

pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
}

/// Latencies in microseconds, from 1 µs to an hour, 3 significant digits. Every benchmark's
/// percentiles are this histogram's `value_at_quantile`: one definition.
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Self {
        Self(Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"))
    }
}

impl Latencies {
    pub fn record(&mut self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(micros.max(1));
    }

    pub fn add(&mut self, other: &Self) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The latency at percentile `p` (0–100), in milliseconds; NaN when nothing was recorded.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.value_at_quantile(p / 100.0) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.percentile_ms(100.0)
    }
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS:`, `VmHWM:`), in KiB; 0 when unreadable.
pub fn status_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The base URL of a PostgreSQL server from `TEST_DATABASE_URL` or `DATABASE_URL`, if any.
pub fn postgres_base_url() -> Option<String> {
    ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|u| u.starts_with("postgres"))
}

/// A fresh store for one run: a SQLite file in a temp folder, or a new PostgreSQL database.
/// [`Store::drop_now`] removes it.
pub enum Store {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl Store {
    /// `backend` is `sqlite` or `postgres`; `None` when PostgreSQL is asked for and no URL says
    /// where it is. Answers the store and its `DATABASE_URL`.
    pub async fn create(backend: &str) -> anyhow::Result<Option<(Self, String)>> {
        if backend == "sqlite" {
            let dir = temp_dir("sqlite")?;
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            return Ok(Some((Self::Sqlite { dir }, url)));
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

    pub async fn drop_now(self) {
        match self {
            Self::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
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

/// A fresh, empty folder under the system temp dir (the caller removes it).
pub fn temp_dir(label: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "livechat-bench-{label}-{:016x}",
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// The demo admin's password in every benchmark that starts the server process.
/// Every visitor rate limit lifted: all bench clients are 127.0.0.1 of one tenant. (The
/// sign-in limits stay.)
pub const LIMITS_OFF: &[(&str, &str)] = &[
    ("LIVECHAT_MESSAGES_PER_MINUTE", "1000000000"),
    ("LIVECHAT_MESSAGE_BURST", "1000000000"),
    ("LIVECHAT_ADDRESS_MESSAGES_PER_MINUTE", "1000000000"),
    ("LIVECHAT_ADDRESS_MESSAGE_BURST", "1000000000"),
    ("LIVECHAT_TENANT_MESSAGES_PER_MINUTE", "1000000000"),
    ("LIVECHAT_TENANT_MESSAGE_BURST", "1000000000"),
    ("LIVECHAT_SESSIONS_PER_MINUTE", "1000000000"),
    ("LIVECHAT_SESSION_BURST", "1000000000"),
    ("LIVECHAT_TENANT_SESSIONS_PER_MINUTE", "1000000000"),
    ("LIVECHAT_TENANT_SESSION_BURST", "1000000000"),
];

/// The server inside the benchmark's process on a free port, for benchmarks that also reach into
/// its store.
pub struct InProcess {
    pub base: String,
    pub db: Db,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    /// Starts it with `env` (on top of [`LIMITS_OFF`]) as its whole configuration.
    pub async fn start(env: &[(&str, String)]) -> anyhow::Result<Self> {
        let env: BTreeMap<String, String> = LIMITS_OFF
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain(env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())))
            .collect();
        let config = Config::from_sources(&Sources {
            env,
            file: BTreeMap::new(),
        })?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let app = Application::with_listeners(config, listener, None).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.state().db.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            base,
            db,
            stop,
            server,
        })
    }

    /// Lets in-flight requests finish (up to 10 s), then closes the store.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.server).await;
        self.db.pool.close().await;
    }
}

pub const DEMO_ADMIN_PASSWORD: &str = "bench-admin-password";

/// The release server binary (Cargo builds it for benchmarks) running as its own process with
/// the demo tenant seeded; killed on drop.
pub struct ServerProcess {
    child: Child,
    pub address: String,
    data: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts the server on a free port with `database_url` (SQLite in its data folder when
    /// `None`), rate limits out of the way, plus `env`; waits until `/health` answers.
    pub async fn start(database_url: Option<&str>, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let data = tempfile::tempdir().context("temp dir")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("free port")?
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env("LIVECHAT_LISTEN", format!("127.0.0.1:{port}"))
            .env("LIVECHAT_DEMO_LISTEN", "off")
            .env("LIVECHAT_SEED_DEMO", "true")
            .env("LIVECHAT_DEMO_ADMIN_PASSWORD", DEMO_ADMIN_PASSWORD)
            .env("LIVECHAT_DATA_DIR", data.path())
            .env("RUST_LOG", "error")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null());
        command.envs(LIMITS_OFF.iter().copied());
        if let Some(url) = database_url {
            command.env("DATABASE_URL", url);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().context("starting the server binary")?;
        let server = Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            data,
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&self) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        for _ in 0..300 {
            let healthy = http
                .get(format!("{}/health", self.address))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the server did not answer /health within 30 s")
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        status_kib(&self.pid().to_string(), "VmRSS:")
    }

    /// The demo tenant's widget token, from the credentials file the server wrote.
    pub fn widget_token(&self) -> anyhow::Result<String> {
        read_widget_token(self.data.path())
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

fn read_widget_token(data_dir: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(data_dir.join("demo-credentials.json"))
        .context("demo credentials")?;
    let credentials: serde_json::Value = serde_json::from_str(&text)?;
    credentials["widgetToken"]
        .as_str()
        .map(str::to_owned)
        .context("no widgetToken in the demo credentials")
}

/// Signs in at `base` and answers the session cookie (`lc_session=…`).
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/api/dashboard/login"))
        .header("Origin", base)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("login answered {}", response.status());
    }
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .context("no session cookie")?;
    Ok(cookie.split(';').next().unwrap_or_default().to_owned())
}

/// A tenant (any origin allowed) with `assistants` copies of the demo assistant, the first the
/// default; answers its id and the assistants' ids.
pub async fn new_tenant(
    db: &Db,
    name: &str,
    assistants: usize,
) -> anyhow::Result<(String, Vec<String>)> {
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
    let mut ids = Vec::new();
    for i in 0..assistants {
        ids.push(assistants::create(db, &tenant.id, &ai::demo_assistant(), i == 0).await?);
    }
    Ok((tenant.id, ids))
}
