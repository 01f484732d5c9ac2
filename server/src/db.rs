//! The store: one `sqlx::AnyPool` over SQLite (the embedded default) or PostgreSQL, with portable
//! SQL (`$n` placeholders, `RETURNING`, `ON CONFLICT`) and a migration folder per backend. On
//! SQLite every write transaction goes through one writer connection that commits many at once
//! ([`writer`]); on PostgreSQL each is a transaction of the pool.

mod checkpoint;
pub mod direct;
mod writer;

use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use tokio::sync::broadcast;

use crate::events;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:")
        }
    }
}

/// SQLite's settings on every connection: WAL lets readers run beside the writer; the busy
/// timeout makes a writer of another process queue instead of failing; foreign keys are off by
/// default in SQLite. Temporary storage in memory: every write transaction is a savepoint of
/// the writer's batch (`db::writer`), and its statement journal went to a temporary file, a
/// `write` system call per page touched.
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA temp_store = MEMORY",
];

/// What the SQLite writer runs in each batch's transaction just before it commits: messages
/// stored since the last batch go into the full-text index together (see migration 0027).
const SQLITE_BEFORE_COMMIT: &str = "INSERT INTO messages_fts (rowid, body)
       SELECT seq, body FROM messages
        WHERE seq > (SELECT indexed_seq FROM message_index_progress WHERE id = 1)
        ORDER BY seq;
     UPDATE message_index_progress
        SET indexed_seq = (SELECT COALESCE(MAX(seq), indexed_seq) FROM messages)
      WHERE id = 1";

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite: the one connection write transactions take turns on (see [`writer`]).
    writer: Option<writer::Writer>,
    /// SQLite: read connections used without a hop (see [`direct`]).
    readers: Option<Arc<direct::Readers>>,
    /// Tenant ids whose event log grew, announced by this process after commit.
    announcements: broadcast::Sender<String>,
    /// Bumped by every commit of this process that changed a setting (a `settings_changed`
    /// event): what this process caches of settings is stale from then on, with no wait.
    settings_epoch: Arc<AtomicU64>,
    /// PostgreSQL: which search words are rare, from its statistics (see [`crate::search`]).
    pub(crate) word_stats: Arc<crate::search::rarity::Rarity>,
}

impl Db {
    /// Connects, creating the SQLite file (and its folder) when missing, and runs migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite {
            ensure_sqlite_parent_dir(url)?;
        }
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).context("parsing DATABASE_URL")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // Every statement on SQLite is a hop to its connection's thread; a ping before each
            // would double the hops for a local file that does not drop connections.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in SQLITE_PRAGMAS {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await
            .context("connecting to the database")?;
        let (announcements, _) = broadcast::channel(1024);
        let mut db = Self {
            pool,
            backend,
            writer: None,
            readers: None,
            announcements,
            settings_epoch: Arc::new(AtomicU64::new(0)),
            word_stats: Arc::default(),
        };
        db.migrate().await?;
        if backend == Backend::Sqlite {
            let path = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                .context("parsing DATABASE_URL")?
                .get_filename()
                .to_owned();
            let writer = writer::Writer::start(writer::WriterOptions {
                options,
                path: path.clone(),
                pragmas: SQLITE_PRAGMAS,
                before_commit: SQLITE_BEFORE_COMMIT,
            })
            .await
            .context("opening the SQLite writer connection")?;
            db.writer = Some(writer);
            db.readers = Some(Arc::new(direct::Readers::new(path, SQLITE_PRAGMAS)));
        }
        Ok(db)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("running database migrations")
    }

    /// Answers when the database does (the health check).
    pub async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }

    pub fn announcements(&self) -> broadcast::Receiver<String> {
        self.announcements.subscribe()
    }

    /// How many setting changes this process has committed (see [`crate::settings_cache`]).
    pub fn settings_epoch(&self) -> u64 {
        self.settings_epoch.load(Ordering::Acquire)
    }

    /// Runs a whole write transaction's work (`job`, given this store): on SQLite on the
    /// writer's own thread (see [`writer::Writer::run_job`]), on PostgreSQL right here. For the
    /// writes of every chat message; the work runs to its end even if the caller goes away.
    pub async fn write<T, F, Fut>(&self, job: F) -> sqlx::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Db) -> Fut,
        Fut: std::future::Future<Output = sqlx::Result<T>> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.run_job(job(self.clone())).await,
            None => job(self.clone()).await,
        }
    }

    /// SQLite only (`None` on PostgreSQL, whose caller uses [`Db::write`]): runs `job` as one
    /// write transaction on the writer's direct connection, on the writer's thread, without a
    /// hop per statement (see [`direct`]). `Ok` keeps its writes and answers once they are
    /// committed (then announces its events); `Err` undoes them. The job runs even if the
    /// caller goes away.
    pub async fn write_direct<T, F>(&self, job: F) -> Option<sqlx::Result<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut direct::DirectTx<'_>) -> sqlx::Result<T> + Send + 'static,
    {
        let writer = self.writer.as_ref()?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: writer::DirectJob =
            Box::new(move |conn: sqlx::Result<&mut rusqlite::Connection>| {
                let outcome = conn.and_then(|conn| {
                    let mut tx = direct::DirectTx::new(conn);
                    job(&mut tx).map(|value| (value, tx.recorded))
                });
                let keep = outcome.is_ok();
                let logged = match &outcome {
                    Ok((_, recorded)) => recorded.clone(),
                    Err(_) => Vec::new(),
                };
                writer::Settle {
                    keep,
                    logged,
                    done: Box::new(move |committed| {
                        let _ = answer.send(committed.and(outcome));
                    }),
                }
            });
        if let Err(e) = writer.direct(job) {
            return Some(Err(e));
        }
        let result = answered
            .await
            .unwrap_or_else(|_| Err(sqlx::Error::WorkerCrashed))
            .map(|(value, recorded)| {
                for tenant_id in recorded {
                    // No receiver just means nobody is listening yet.
                    let _ = self.announcements.send(tenant_id);
                }
                value
            });
        Some(result)
    }

    /// SQLite only (`None` on PostgreSQL): runs `read` on a read connection right on this
    /// thread (see [`direct`]). For short indexed reads of the chat path.
    pub fn read_direct<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> sqlx::Result<T>,
    ) -> Option<sqlx::Result<T>> {
        self.readers.as_ref().map(|readers| readers.run(read))
    }

    /// The first row of a read, if any: on SQLite straight from a read connection on this
    /// thread (no hop), on PostgreSQL from the pool.
    pub async fn fetch_optional<T: direct::FromCols>(
        &self,
        sql: &str,
        args: &[direct::Arg<'_>],
    ) -> sqlx::Result<Option<T>> {
        if let Some(read) =
            self.read_direct(|conn| direct::query_opt(conn, sql, args, |row| T::from_cols(row)))
        {
            return read;
        }
        direct::bind_sqlx(sqlx::query(sql), args)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| T::from_cols(&row))
            .transpose()
    }

    /// Every row of a read, like [`Db::fetch_optional`].
    pub async fn fetch_all<T: direct::FromCols>(
        &self,
        sql: &str,
        args: &[direct::Arg<'_>],
    ) -> sqlx::Result<Vec<T>> {
        if let Some(read) =
            self.read_direct(|conn| direct::query_all(conn, sql, args, |row| T::from_cols(row)))
        {
            return read;
        }
        direct::bind_sqlx(sqlx::query(sql), args)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(T::from_cols)
            .collect()
    }

    /// A write transaction. On SQLite it waits for its turn on the writer connection (which
    /// holds the write lock, `BEGIN IMMEDIATE`, for the batch it joins): a deferred
    /// transaction that reads first and writes later could fail with "database is locked"
    /// under concurrency instead of waiting its turn.
    pub async fn begin_write(&self) -> sqlx::Result<WriteTx> {
        let conn = match &self.writer {
            Some(writer) => WriteConn::Lent(writer.lease().await?),
            None => WriteConn::Pooled(self.pool.begin().await?),
        };
        Ok(WriteTx {
            conn,
            backend: self.backend,
            announcements: self.announcements.clone(),
            recorded: Vec::new(),
            settings_epoch: self.settings_epoch.clone(),
            settings_changed: false,
        })
    }
}

/// A write transaction that appends to tenants' event logs with [`WriteTx::record_event`] and,
/// once it commits, wakes this process's realtime subscribers of those tenants: announcing is
/// done by construction, not remembered at each call site. Dropped without commit, it rolls
/// back and announces nothing. Derefs to the connection for the transaction's own queries.
pub struct WriteTx {
    conn: WriteConn,
    backend: Backend,
    announcements: broadcast::Sender<String>,
    /// Tenants whose event log this transaction appended to.
    recorded: Vec<String>,
    settings_epoch: Arc<AtomicU64>,
    /// A `settings_changed` event was recorded.
    settings_changed: bool,
}

impl WriteTx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends `event` to the tenant's log inside this transaction and returns its number.
    pub async fn record_event<'e>(
        &mut self,
        tenant_id: &str,
        session_id: Option<&str>,
        entry: impl Into<events::Entry<'e>>,
    ) -> sqlx::Result<i64> {
        let backend = self.backend;
        let entry = entry.into();
        let seq = events::append(self, backend, tenant_id, session_id, entry).await?;
        self.settings_changed |= entry.is_settings_change();
        if !self.recorded.iter().any(|t| t == tenant_id) {
            self.recorded.push(tenant_id.to_owned());
        }
        Ok(seq)
    }

    /// Commits (on SQLite: returns once the batch holding it committed), then announces every
    /// tenant that got events.
    pub async fn commit(self) -> sqlx::Result<()> {
        match self.conn {
            WriteConn::Pooled(tx) => tx.commit().await?,
            WriteConn::Lent(loan) => loan.commit().await?,
        }
        if self.settings_changed {
            self.settings_epoch.fetch_add(1, Ordering::AcqRel);
        }
        for tenant_id in self.recorded {
            // No receiver just means nobody is listening yet.
            let _ = self.announcements.send(tenant_id);
        }
        Ok(())
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self.conn {
            WriteConn::Pooled(tx) => tx.rollback().await,
            WriteConn::Lent(loan) => loan.rollback().await,
        }
    }
}

/// Where a write transaction runs.
enum WriteConn {
    /// PostgreSQL: a transaction of the pool.
    Pooled(Transaction<'static, Any>),
    /// SQLite: a savepoint on the writer connection.
    Lent(writer::Loan),
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.conn {
            WriteConn::Pooled(tx) => tx,
            WriteConn::Lent(loan) => loan.conn(),
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.conn {
            WriteConn::Pooled(tx) => tx,
            WriteConn::Lent(loan) => loan.conn_mut(),
        }
    }
}

fn ensure_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating the database folder {}", parent.display()))?;
        }
    }
    Ok(())
}

/// Unix time in milliseconds: the store's one time format.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A new opaque id: a prefix naming the kind, then 128 random bits (unguessable).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{:032x}", rand::random::<u128>())
}

/// A new message id, shaped like [`new_id`]'s (`msg_` and 32 hex digits): the time in
/// milliseconds (48 bits), then 80 random bits (still unguessable). Newer messages' ids sort
/// after older ones, so each new message adds its entry to the last page of the id indexes
/// (`messages.id`, and `reply_to` for a reply) instead of to a random page of each: with random
/// ids those were a seventh of the pages SQLite wrote per chat message.
pub fn new_message_id() -> String {
    ordered_id("msg", now_ms(), rand::random::<u128>())
}

fn ordered_id(prefix: &str, at_ms: i64, random: u128) -> String {
    const TIME_MASK: u64 = (1 << 48) - 1;
    let time = u64::try_from(at_ms).unwrap_or(0) & TIME_MASK;
    format!("{prefix}_{time:012x}{:020x}", random >> 48)
}

/// A stored value the code does not know (an enum column with an unexpected name).
pub fn decode_error(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("unknown value {value:?}").into(),
    }
}

/// True when the error is a unique-constraint violation (a lost race, or a duplicate).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// `url` with its database name replaced by `name` (query string kept): how the tests and the
/// benchmark point at a PostgreSQL database of their own on the same server.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (without_query, query) = url
        .split_once('?')
        .map_or((url, None), |(a, b)| (a, Some(b)));
    let scheme_end = without_query.find("://").map_or(0, |i| i + 3);
    let base = match without_query[scheme_end..].find('/') {
        Some(slash) => &without_query[..scheme_end + slash],
        None => without_query,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_sort_by_time_and_keep_the_shape_of_other_ids() {
        let shape = |id: &str| {
            let hex = id.strip_prefix("msg_").expect("msg_ prefix");
            hex.len() == 32
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        };
        let earlier = ordered_id("msg", 1_796_396_785_663, u128::MAX);
        let later = ordered_id("msg", 1_796_396_785_664, 0);
        assert!(shape(&earlier) && shape(&later), "{earlier} {later}");
        assert!(
            earlier < later,
            "a later millisecond sorts after: {earlier} {later}"
        );
        assert_eq!(&earlier[4..16], "01a241979fff", "the time leads: {earlier}");
        assert!(shape(&new_message_id()));
        // The random part is the other 80 bits: two ids of one millisecond differ.
        let (a, b) = (new_message_id(), new_message_id());
        assert_ne!(a, b);
        assert!(
            ordered_id("msg", -1, 0) < earlier,
            "a clock before 1970 gives time 0"
        );
    }
}
