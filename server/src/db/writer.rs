//! SQLite's one writer, with group commit. SQLite lets one connection write at a time; with a
//! pool of connections each taking the write lock (`BEGIN IMMEDIATE`), the losers sleep in
//! SQLite's busy handler (1, 2, 5 … 100 ms) and every transaction pays its own commit. Here
//! every write transaction of this process is lent the one writer connection in turn, in order
//! of arrival, and the writer commits many of them at once:
//!
//! - each [`WriteTx`](super::WriteTx) is a savepoint inside the writer's open transaction: its
//!   rollback (or its drop) undoes only its own statements;
//! - its `commit` releases the savepoint and returns only once the transaction holding it has
//!   committed, so a caller that was told "committed" is on disk like before;
//! - the writer commits when nobody else is waiting, or when the batch is [`MAX_JOBS`] long or
//!   [`MAX_AGE`] old, so a lone writer pays no wait and a busy one amortises each commit over
//!   many messages.
//!
//! Besides the sqlx connection the writer holds a direct one ([`super::direct`]) for the chat
//! path's jobs, which run whole on this thread without a hop per statement. The batch is open
//! on one of the two at a time: a request for the other commits it first.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions};
use tokio::sync::{mpsc, oneshot, Mutex, OwnedMutexGuard};

/// Most jobs one commit covers; bounds how long the first one waits for its commit.
const MAX_JOBS: usize = 64;
/// Oldest a batch gets before it commits, however busy the writer is.
const MAX_AGE: Duration = Duration::from_millis(10);
/// How long a transaction waits for its turn, like SQLite's busy timeout before.
const LEASE_TIMEOUT: Duration = Duration::from_secs(10);
const SAVEPOINT: &str = "SAVEPOINT write_tx";
const RELEASE: &str = "RELEASE write_tx";
const ROLLBACK_TO: &str = "ROLLBACK TO write_tx";

/// How a write transaction connects and what it runs on a new connection.
#[derive(Clone)]
pub(super) struct WriterOptions {
    pub options: AnyConnectOptions,
    /// The database file, for the direct connection.
    pub path: PathBuf,
    pub pragmas: &'static [&'static str],
    /// Run in each batch's transaction just before its commit (statements without arguments).
    pub before_commit: &'static str,
}

/// What the writer is asked for.
enum Request {
    /// The sqlx connection, lent for a transaction.
    Lease(oneshot::Sender<sqlx::Result<Loan>>),
    /// A whole transaction run on the direct connection.
    Direct(DirectJob),
}

/// A direct transaction: runs against the connection (inside its savepoint), or is told why it
/// cannot, and says whether to keep its writes and whom to tell once they are committed.
pub(super) type DirectJob =
    Box<dyn FnOnce(sqlx::Result<&mut rusqlite::Connection>) -> Settle + Send>;

/// How a direct job ended.
pub(super) struct Settle {
    pub keep: bool,
    /// The tenants whose event log it appended to (see [`crate::events::append_direct`]).
    pub logged: Vec<String>,
    /// Called with the batch's fate once it is settled (committed, or failed).
    pub done: Done,
}

/// Told whether the batch holding a transaction committed.
pub(super) type Done = Box<dyn FnOnce(sqlx::Result<()>) + Send>;

/// Which connection the open batch is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum On {
    Sqlx,
    Direct,
}

/// Lends the writer connection to write transactions, one at a time.
#[derive(Clone, Debug)]
pub(super) struct Writer {
    requests: mpsc::UnboundedSender<Request>,
    /// The writer's own thread (a single-threaded runtime): the lending loop runs there, and so
    /// does the work of transactions handed to [`Writer::run_job`].
    runtime: tokio::runtime::Handle,
}

/// The writer connection, lent to one transaction until it finishes (or is dropped).
pub(super) struct Loan {
    conn: OwnedMutexGuard<AnyConnection>,
    back: Option<oneshot::Sender<Outcome>>,
}

/// How a lent transaction ended.
enum Outcome {
    /// Keep its changes; `done` is answered once they are committed.
    Commit(oneshot::Sender<sqlx::Result<()>>),
    /// Undo its changes; `done` is answered once the batch it saw is committed.
    Rollback(oneshot::Sender<sqlx::Result<()>>),
    /// Dropped without either (an error path, or a cancelled request): undo its changes.
    Dropped,
}

impl Writer {
    /// Opens the writer connection and starts the thread that lends it. The thread ends once
    /// every handle is gone.
    pub(super) async fn start(options: WriterOptions) -> sqlx::Result<Self> {
        let conn = connect(&options).await?;
        let direct =
            super::direct::open(&options.path, options.pragmas).map_err(super::direct::error)?;
        // Without it the writer checkpoints on its own, as SQLite does by default.
        let nudge = match super::checkpoint::start(&options.path, options.pragmas) {
            Ok((nudge, _thread)) => {
                // Its own checkpoint is rarely needed now, only to restart the WAL.
                direct
                    .execute_batch(super::checkpoint::WRITER_PRAGMAS)
                    .map_err(super::direct::error)?;
                Some(nudge)
            }
            Err(error) => {
                tracing::warn!(%error, "starting the background WAL checkpoints");
                None
            }
        };
        let (requests, queue) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(sqlx::Error::Io)?;
        let handle = runtime.handle().clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || runtime.block_on(run(options, conn, direct, queue, nudge)))
            .map_err(sqlx::Error::Io)?;
        Ok(Self {
            requests,
            runtime: handle,
        })
    }

    /// Runs `job` (a whole write transaction) on the writer's thread and answers its result.
    /// There the transaction that holds the writer connection is woken the moment each of its
    /// statements is done, instead of waiting its turn behind every other task of the server
    /// while everyone else waits for the connection.
    pub(super) async fn run_job<T, Fut>(&self, job: Fut) -> sqlx::Result<T>
    where
        T: Send + 'static,
        Fut: std::future::Future<Output = sqlx::Result<T>> + Send + 'static,
    {
        self.runtime
            .spawn(job)
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("the write did not finish: {e}")))?
    }

    /// Queues a direct transaction; it runs once every transaction that asked before has
    /// finished, and tells its `done` how it ended.
    pub(super) fn direct(&self, job: DirectJob) -> sqlx::Result<()> {
        self.requests
            .send(Request::Direct(job))
            .map_err(|_| stopped())
    }

    /// The writer connection, inside a savepoint of the writer's open transaction, once every
    /// transaction that asked before has finished.
    pub(super) async fn lease(&self) -> sqlx::Result<Loan> {
        let (lent, loan) = oneshot::channel();
        self.requests
            .send(Request::Lease(lent))
            .map_err(|_| stopped())?;
        match tokio::time::timeout(LEASE_TIMEOUT, loan).await {
            Ok(Ok(loan)) => loan,
            Ok(Err(_)) => Err(stopped()),
            // Like SQLite's own busy timeout: the writer is held that long by someone else.
            // (Should the loan come later, it returns at once: nobody takes it.)
            Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }
}

impl Loan {
    pub(super) fn conn(&self) -> &AnyConnection {
        &self.conn
    }

    pub(super) fn conn_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// Keeps the changes; answers once they are committed.
    pub(super) async fn commit(self) -> sqlx::Result<()> {
        let (done, committed) = oneshot::channel();
        self.finish(Outcome::Commit(done));
        committed.await.map_err(|_| stopped())?
    }

    /// Undoes the changes.
    pub(super) async fn rollback(self) -> sqlx::Result<()> {
        let (done, rolled_back) = oneshot::channel();
        self.finish(Outcome::Rollback(done));
        rolled_back.await.map_err(|_| stopped())?
    }

    /// Hands the connection back with how it ended (the guard is released right after).
    fn finish(mut self, outcome: Outcome) {
        if let Some(back) = self.back.take() {
            let _ = back.send(outcome);
        }
    }
}

impl Drop for Loan {
    fn drop(&mut self) {
        if let Some(back) = self.back.take() {
            let _ = back.send(Outcome::Dropped);
        }
    }
}

fn stopped() -> sqlx::Error {
    sqlx::Error::WorkerCrashed
}

async fn connect(options: &WriterOptions) -> sqlx::Result<Arc<Mutex<AnyConnection>>> {
    let mut conn = options.options.connect().await?;
    for pragma in options.pragmas {
        sqlx::query(pragma).execute(&mut conn).await?;
    }
    Ok(Arc::new(Mutex::new(conn)))
}

/// The open transaction: when it began and who waits for its commit.
#[derive(Default)]
struct Batch {
    since: Option<Instant>,
    /// The connection it is open on (with `since`).
    on: Option<On>,
    waiting: Vec<Done>,
    jobs: usize,
    /// Tenants whose log a kept direct job appended to: their `event_seq` is caught up just
    /// before the commit ([`crate::events::catch_up_direct`]).
    logged: Vec<String>,
}

impl Batch {
    fn full(&self) -> bool {
        self.jobs >= MAX_JOBS || self.since.is_some_and(|t| t.elapsed() >= MAX_AGE)
    }
}

/// Lends the connection to each request in turn (or runs its direct job) and commits batches,
/// until every [`Writer`] handle is gone.
async fn run(
    options: WriterOptions,
    mut conn: Arc<Mutex<AnyConnection>>,
    mut direct: rusqlite::Connection,
    mut queue: mpsc::UnboundedReceiver<Request>,
    nudge: Option<super::checkpoint::Nudge>,
) {
    let nudge = nudge.as_ref();
    let mut batch = Batch::default();
    loop {
        let next = if batch.since.is_none() {
            queue.recv().await
        } else {
            match queue.try_recv() {
                Ok(next) if !batch.full() => Some(next),
                Ok(next) => {
                    commit(&options, &conn, &direct, &mut batch, nudge).await;
                    Some(next)
                }
                // Nobody else waits: commit now rather than make anyone wait for company.
                Err(mpsc::error::TryRecvError::Empty) => {
                    commit(&options, &conn, &direct, &mut batch, nudge).await;
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => None,
            }
        };
        let Some(next) = next else {
            commit(&options, &conn, &direct, &mut batch, nudge).await;
            return;
        };
        let lent = match next {
            Request::Direct(job) => {
                if batch.on == Some(On::Sqlx) {
                    commit(&options, &conn, &direct, &mut batch, nudge).await;
                }
                run_direct(&mut direct, &mut batch, job);
                continue;
            }
            Request::Lease(lent) => lent,
        };
        if lent.is_closed() {
            continue; // it stopped waiting (timed out, or its request was cancelled)
        }
        if batch.on == Some(On::Direct) {
            commit(&options, &conn, &direct, &mut batch, nudge).await;
        }
        match lend(&conn, &mut batch, lent).await {
            Ok(()) => {}
            Err(error) => {
                // The connection failed under us: what the batch held is gone with it.
                tracing::error!(%error, "the SQLite writer connection failed; reconnecting");
                fail(&mut batch, &error);
                conn = loop {
                    match connect(&options).await {
                        Ok(conn) => break conn,
                        Err(error) => {
                            tracing::error!(%error, "reconnecting the SQLite writer");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                };
            }
        }
    }
}

/// Runs a direct job in a savepoint of the batch (opening it if needed) and keeps or undoes
/// its writes as it says. A job that gets no savepoint is told why instead of run.
fn run_direct(conn: &mut rusqlite::Connection, batch: &mut Batch, job: DirectJob) {
    if batch.since.is_none() {
        if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Most likely another process holds the lock past the busy timeout: this one fails,
            // the next tries again.
            (job(Err(super::direct::error(error))).done)(Ok(()));
            return;
        }
        batch.since = Some(Instant::now());
        batch.on = Some(On::Direct);
    }
    if let Err(error) = cached(conn, SAVEPOINT) {
        let error = super::direct::error(error);
        tracing::error!(%error, "opening a savepoint on the direct SQLite connection");
        let _ = conn.execute_batch("ROLLBACK");
        fail(batch, &error);
        (job(Err(error)).done)(Ok(()));
        return;
    }
    let settle = job(Ok(&mut *conn));
    let settled = if settle.keep {
        cached(conn, RELEASE)
    } else {
        conn.execute_batch(&format!("{ROLLBACK_TO}; {RELEASE}"))
    };
    batch.jobs += usize::from(settle.keep);
    if settle.keep {
        for tenant_id in settle.logged {
            if !batch.logged.contains(&tenant_id) {
                batch.logged.push(tenant_id);
            }
        }
    }
    batch.waiting.push(settle.done);
    if let Err(error) = settled {
        // The savepoint cannot be left: the whole batch goes.
        let error = super::direct::error(error);
        tracing::error!(%error, "leaving a savepoint on the direct SQLite connection");
        let _ = conn.execute_batch("ROLLBACK");
        fail(batch, &error);
    }
}

/// Runs a statement without arguments from the connection's statement cache: the savepoint
/// statements of every job were parsed anew each time (`execute_batch` does not cache).
fn cached(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Opens the batch if needed, lends the connection in a savepoint and settles how the borrower
/// ended. An error here means the connection itself is unusable.
async fn lend(
    conn: &Arc<Mutex<AnyConnection>>,
    batch: &mut Batch,
    lent: oneshot::Sender<sqlx::Result<Loan>>,
) -> sqlx::Result<()> {
    let mut guard = conn.clone().lock_owned().await;
    if batch.since.is_none() {
        if let Err(error) = sqlx::query("BEGIN IMMEDIATE").execute(&mut *guard).await {
            // Most likely another process holds the lock past the busy timeout: this one fails,
            // the next tries again.
            let _ = lent.send(Err(error));
            return Ok(());
        }
        batch.since = Some(Instant::now());
        batch.on = Some(On::Sqlx);
    }
    sqlx::query(SAVEPOINT).execute(&mut *guard).await?;
    let (back, returned) = oneshot::channel();
    let loan = Loan {
        conn: guard,
        back: Some(back),
    };
    // Not taken (it stopped waiting): the loan's drop hands the connection straight back.
    let _ = lent.send(Ok(loan));
    let outcome = returned.await.unwrap_or(Outcome::Dropped);
    let mut guard = conn.lock().await;
    match outcome {
        Outcome::Commit(done) => match sqlx::query(RELEASE).execute(&mut *guard).await {
            Ok(_) => {
                batch.jobs += 1;
                batch.waiting.push(answer(done));
            }
            Err(error) => {
                undo(&mut guard).await?;
                let _ = done.send(Err(error));
            }
        },
        Outcome::Rollback(done) => {
            undo(&mut guard).await?;
            // Answered with the batch: whatever it saw of earlier savepoints is committed by
            // the time it reads again.
            batch.waiting.push(answer(done));
        }
        Outcome::Dropped => undo(&mut guard).await?,
    }
    Ok(())
}

/// A oneshot answered with the batch's fate.
fn answer(done: oneshot::Sender<sqlx::Result<()>>) -> Done {
    Box::new(move |result| {
        let _ = done.send(result);
    })
}

/// Undoes the current savepoint's changes and leaves it.
async fn undo(conn: &mut AnyConnection) -> sqlx::Result<()> {
    sqlx::query(ROLLBACK_TO).execute(&mut *conn).await?;
    sqlx::query(RELEASE).execute(&mut *conn).await?;
    Ok(())
}

/// Commits the open batch (if any), on whichever connection it is, and answers everyone
/// waiting for it.
async fn commit(
    options: &WriterOptions,
    conn: &Arc<Mutex<AnyConnection>>,
    direct: &rusqlite::Connection,
    batch: &mut Batch,
    nudge: Option<&super::checkpoint::Nudge>,
) {
    let committed = match batch.on {
        None => return,
        Some(On::Direct) => batch
            .logged
            .iter()
            .try_for_each(|tenant_id| crate::events::catch_up_direct(direct, tenant_id))
            .and_then(|()| {
                direct
                    .execute_batch(options.before_commit)
                    .and_then(|()| direct.execute_batch("COMMIT"))
                    .map_err(super::direct::error)
            })
            .inspect_err(|_| {
                let _ = direct.execute_batch("ROLLBACK");
            }),
        Some(On::Sqlx) => {
            let mut guard = conn.lock().await;
            let before = sqlx::query(options.before_commit)
                .execute(&mut *guard)
                .await;
            let commit = match before {
                Ok(_) => sqlx::query("COMMIT").execute(&mut *guard).await,
                Err(error) => Err(error),
            };
            match commit {
                Ok(_) => Ok(()),
                Err(error) => {
                    // SQLite may have rolled back already; make sure no transaction stays open.
                    let _ = sqlx::query("ROLLBACK").execute(&mut *guard).await;
                    Err(error)
                }
            }
        }
    };
    match committed {
        Ok(()) => {
            if let Some(nudge) = nudge {
                nudge.committed();
            }
            for done in std::mem::take(&mut batch.waiting) {
                done(Ok(()));
            }
            *batch = Batch::default();
            // Between two batches, with no transaction open on either connection.
            if nudge.is_some_and(super::checkpoint::Nudge::wants_restart) {
                match super::checkpoint::restart(direct) {
                    Ok(restarted) => tracing::debug!(restarted, "restarting the WAL"),
                    Err(error) => tracing::warn!(%error, "restarting the WAL"),
                }
            }
        }
        Err(error) => {
            tracing::error!(%error, jobs = batch.jobs, "committing a batch of writes");
            fail(batch, &error);
        }
    }
}

/// Answers everyone waiting for the batch with its failure.
fn fail(batch: &mut Batch, error: &sqlx::Error) {
    for done in std::mem::take(&mut batch.waiting) {
        done(Err(sqlx::Error::Protocol(format!(
            "the write could not be committed: {error}"
        ))));
    }
    *batch = Batch::default();
}

#[cfg(test)]
mod tests {
    use crate::db::Db;

    async fn store() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/writer.db", dir.path().display());
        let db = Db::connect(&url, 2).await.expect("store");
        let mut tx = db.begin_write().await.expect("tx");
        sqlx::query("CREATE TABLE notes (n BIGINT PRIMARY KEY)")
            .execute(&mut *tx)
            .await
            .expect("table");
        tx.commit().await.expect("commit");
        (dir, db)
    }

    async fn insert(db: &Db, n: i64) -> sqlx::Result<crate::db::WriteTx> {
        let mut tx = db.begin_write().await?;
        sqlx::query("INSERT INTO notes (n) VALUES ($1)")
            .bind(n)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn notes(db: &Db) -> Vec<i64> {
        sqlx::query_scalar("SELECT n FROM notes ORDER BY n")
            .fetch_all(&db.pool)
            .await
            .expect("notes")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_commit_returns_once_its_write_is_visible_to_every_reader() {
        let (_dir, db) = store().await;
        let writers: Vec<_> = (0..50)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    insert(&db, n)
                        .await
                        .expect("insert")
                        .commit()
                        .await
                        .expect("commit");
                    // Another connection sees it as soon as the commit returned.
                    let seen: Option<i64> = sqlx::query_scalar("SELECT n FROM notes WHERE n = $1")
                        .bind(n)
                        .fetch_optional(&db.pool)
                        .await
                        .expect("read");
                    assert_eq!(seen, Some(n));
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writer");
        }
        assert_eq!(notes(&db).await, (0..50).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rolled_back_dropped_or_failed_transaction_undoes_only_its_own_writes() {
        let (_dir, db) = store().await;
        let kept = |n| {
            let db = db.clone();
            tokio::spawn(async move { insert(&db, n).await?.commit().await })
        };
        let rolled_back = {
            let db = db.clone();
            tokio::spawn(async move { insert(&db, 2).await?.rollback().await })
        };
        let dropped = {
            let db = db.clone();
            tokio::spawn(async move { insert(&db, 3).await.map(drop) })
        };
        let first = kept(1);
        let last = kept(4);
        for task in [first, rolled_back, dropped, last] {
            task.await.expect("task").expect("no error");
        }
        // A statement that fails (a duplicate) leaves the others of its batch alone.
        let duplicate = insert(&db, 1).await;
        assert!(duplicate.is_err());
        insert(&db, 5)
            .await
            .expect("insert")
            .commit()
            .await
            .expect("commit");
        assert_eq!(notes(&db).await, vec![1, 4, 5]);
    }

    fn insert_direct(tx: &mut crate::db::direct::DirectTx<'_>, n: i64) -> sqlx::Result<()> {
        crate::db::direct::execute(
            tx.conn(),
            "INSERT INTO notes (n) VALUES ($1)",
            &[crate::db::direct::Arg::Int(n)],
        )
        .map(drop)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn direct_and_sqlx_transactions_interleave_and_each_undoes_only_its_own() {
        let (_dir, db) = store().await;
        let mut tasks = Vec::new();
        for n in 0..40_i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                match n % 4 {
                    // Kept, on the direct connection; seen by a reader once it returned.
                    0 | 1 => {
                        db.write_direct(move |tx| insert_direct(tx, n))
                            .await
                            .expect("sqlite")?;
                        let seen: Option<crate::db::direct::First<i64>> = db
                            .fetch_optional(
                                "SELECT n FROM notes WHERE n = $1",
                                &[crate::db::direct::Arg::Int(n)],
                            )
                            .await?;
                        assert_eq!(seen.map(|f| f.0), Some(n));
                        Ok(())
                    }
                    // Kept, through sqlx.
                    2 => insert(&db, n).await?.commit().await,
                    // Failed after its write, on the direct connection: undone.
                    _ => {
                        let failed = db
                            .write_direct(move |tx| {
                                insert_direct(tx, n)?;
                                insert_direct(tx, n) // the same key again
                            })
                            .await
                            .expect("sqlite");
                        assert!(crate::db::is_unique_violation(&failed.unwrap_err()));
                        Ok(())
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("task").expect("no error");
        }
        let kept: Vec<i64> = (0..40).filter(|n| n % 4 != 3).collect();
        assert_eq!(notes(&db).await, kept);
    }

    #[tokio::test]
    async fn direct_arguments_bind_by_their_number() {
        let (_dir, db) = store().await;
        let read = db.read_direct(|conn| {
            crate::db::direct::query_opt(
                conn,
                "SELECT $2 || $1 || $2 AS joined, $3 AS missing",
                &[
                    crate::db::direct::Arg::Text("b"),
                    crate::db::direct::Arg::Text("a"),
                    crate::db::direct::Arg::NullInt,
                ],
                |row| {
                    use crate::db::direct::Cols;
                    Ok((
                        row.col::<String>("joined")?,
                        row.col::<Option<i64>>("missing")?,
                    ))
                },
            )
        });
        assert_eq!(
            read.expect("sqlite").expect("read"),
            Some(("aba".to_owned(), None))
        );
    }

    #[tokio::test]
    async fn direct_rows_find_columns_by_name_once_for_every_row() {
        let (_dir, db) = store().await;
        let read = db.read_direct(|conn| {
            crate::db::direct::query_all(
                conn,
                "SELECT 1 AS n, 'a' AS Label UNION ALL SELECT 2, 'b' ORDER BY n",
                &[],
                |row| {
                    use crate::db::direct::Cols;
                    let unknown = row.col::<i64>("nope").map(|_| ()).unwrap_err();
                    Ok((
                        row.col::<i64>("n")?,
                        row.col::<String>("label")?,
                        unknown.to_string(),
                    ))
                },
            )
        });
        let rows = read.expect("sqlite").expect("read");
        assert_eq!(
            rows.iter()
                .map(|(n, l, _)| (*n, l.as_str()))
                .collect::<Vec<_>>(),
            [(1, "a"), (2, "b")],
            "names match whatever their case"
        );
        assert!(rows[0].2.contains("nope"), "{}", rows[0].2);
    }

    /// Conversation `c1` of a new tenant `t1`, for messages.
    async fn conversation(db: &Db) {
        crate::tenants::create_tenant(
            db,
            &crate::tenants::NewTenant {
                id: Some("t1".into()),
                name: "Index".into(),
                company_name: "Index Co".into(),
                primary_color: "#123456".into(),
                allowed_origins: vec![],
            },
        )
        .await
        .expect("tenant");
        let mut tx = db.begin_write().await.expect("tx");
        sqlx::query(
            "INSERT INTO conversations
               (id, tenant_id, channel, status, created_at, updated_at, last_message_at)
             VALUES ('c1', 't1', 'web', 'open', 0, 0, 0)",
        )
        .execute(&mut *tx)
        .await
        .expect("conversation");
        tx.commit().await.expect("commit");
    }

    fn add_message(
        tx: &mut crate::db::direct::DirectTx<'_>,
        id: &str,
        body: &str,
    ) -> sqlx::Result<()> {
        use crate::db::direct::Arg;
        crate::db::direct::execute(
            tx.conn(),
            "INSERT INTO messages (id, tenant_id, conversation_id, author, channel, body, created_at)
             VALUES ($1, 't1', 'c1', 'visitor', 'web', $2, 0)",
            &[Arg::Text(id), Arg::Text(body)],
        )
        .map(drop)
    }

    async fn found(db: &Db, word: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT m.id FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
              WHERE messages_fts MATCH $1 ORDER BY m.seq",
        )
        .bind(word)
        .fetch_all(&db.pool)
        .await
        .expect("search")
    }

    #[tokio::test]
    async fn messages_are_indexed_with_their_batch_whoever_wrote_them() {
        let (_dir, db) = store().await;
        conversation(&db).await;
        // Through the writer: searchable once the commit returned.
        db.write_direct(|tx| add_message(tx, "m1", "the parcel arrived"))
            .await
            .expect("sqlite")
            .expect("write");
        assert_eq!(found(&db, "parcel").await, vec!["m1"]);
        // Written straight to the pool (as an import does): indexed by the next batch.
        sqlx::query(
            "INSERT INTO messages (id, tenant_id, conversation_id, author, channel, body, created_at)
             VALUES ('m2', 't1', 'c1', 'visitor', 'web', 'another parcel', 0),
                    ('m3', 't1', 'c1', 'visitor', 'web', 'a doomed parcel', 0)",
        )
        .execute(&db.pool)
        .await
        .expect("import");
        // One of them is deleted before any batch indexed it: nothing to take out of the index.
        sqlx::query("DELETE FROM messages WHERE id = 'm3'")
            .execute(&db.pool)
            .await
            .expect("delete");
        insert(&db, 1)
            .await
            .expect("insert")
            .commit()
            .await
            .expect("commit");
        assert_eq!(found(&db, "parcel").await, vec!["m1", "m2"]);
        // An indexed one deleted leaves the index too; a rolled-back one never enters it.
        sqlx::query("DELETE FROM messages WHERE id = 'm1'")
            .execute(&db.pool)
            .await
            .expect("delete");
        let failed = db
            .write_direct(|tx| {
                add_message(tx, "m4", "a parcel never sent")?;
                Err::<(), _>(sqlx::Error::RowNotFound)
            })
            .await
            .expect("sqlite");
        assert!(failed.is_err());
        db.write_direct(|tx| add_message(tx, "m5", "parcel five"))
            .await
            .expect("sqlite")
            .expect("write");
        assert_eq!(found(&db, "parcel").await, vec!["m2", "m5"]);
        sqlx::query("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
            .execute(&db.pool)
            .await
            .expect("the index matches the messages");
    }
}
