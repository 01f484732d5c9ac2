//! SQLite without a hop per statement. sqlx runs each SQLite connection on a thread of its own
//! and every statement is a round trip to it (two thread switches); the chat path ran some
//! twenty of them per message, and that, not SQLite, was where its time went. Here the chat
//! path's work runs straight on a connection of the calling thread:
//!
//! - a write transaction is one closure run on the writer's thread against its direct
//!   connection ([`super::Db::write_direct`]), inside the writer's batch like any other (a
//!   savepoint, committed with its neighbours);
//! - a read is one closure run on the caller's thread against a pooled read connection
//!   ([`super::Db::read_direct`]): SQLite answers an indexed read in microseconds, less than
//!   the hop it saves.
//!
//! The SQL is the same as on the sqlx side (`$n` placeholders); [`Cols`] lets one decoder read
//! rows of either.

use std::borrow::Cow;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

use crate::events::Entry;
use rusqlite::types::{FromSql, ToSql, ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::query::Query;
use sqlx::Any;

use super::{Backend, WriteTx};

/// Prepared statements each direct connection keeps (the chat path uses about a dozen).
const STATEMENT_CACHE: usize = 64;
/// Read connections kept for reuse; more are opened when all are busy, and closed after.
const READERS_KEPT: usize = 8;

/// Opens a direct connection to the SQLite file with the store's settings.
pub(super) fn open(path: &PathBuf, pragmas: &[&str]) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    for pragma in pragmas {
        // `journal_mode` answers with a row; the others with none.
        conn.query_row(pragma, [], |_| Ok(()))
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(()),
                e => Err(e),
            })?;
    }
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Read connections, reused.
#[derive(Debug)]
pub(super) struct Readers {
    path: PathBuf,
    pragmas: &'static [&'static str],
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub(super) fn new(path: PathBuf, pragmas: &'static [&'static str]) -> Self {
        Self {
            path,
            pragmas,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `read` on an idle read connection (a new one when none is idle).
    pub(super) fn run<T>(
        &self,
        read: impl FnOnce(&Connection) -> sqlx::Result<T>,
    ) -> sqlx::Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => open(&self.path, self.pragmas).map_err(error)?,
        };
        let result = read(&conn);
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < READERS_KEPT {
                idle.push(conn);
            }
        }
        result
    }
}

/// A write transaction on the writer's direct connection: a savepoint of the writer's batch,
/// kept when the job returns `Ok`, undone when it returns `Err`. Events recorded here are
/// announced once the batch commits (as [`super::WriteTx`] does).
pub struct DirectTx<'c> {
    /// Borrowed mutably (though only read through) so that the transaction can be sent
    /// between threads: a shared `Connection` cannot.
    conn: &'c mut Connection,
    pub(super) recorded: Vec<String>,
}

impl<'c> DirectTx<'c> {
    pub(super) fn new(conn: &'c mut Connection) -> Self {
        Self {
            conn,
            recorded: Vec::new(),
        }
    }

    pub fn conn(&self) -> &Connection {
        self.conn
    }

    /// Appends `event` to the tenant's log inside this transaction and returns its number.
    pub fn record_event<'e>(
        &mut self,
        tenant_id: &str,
        session_id: Option<&str>,
        entry: impl Into<Entry<'e>>,
    ) -> sqlx::Result<i64> {
        let entry = entry.into();
        debug_assert!(
            !entry.is_settings_change(),
            "settings change through WriteTx (it bumps the settings epoch)"
        );
        let seq = crate::events::append_direct(self.conn, tenant_id, session_id, entry)?;
        if !self.recorded.iter().any(|t| t == tenant_id) {
            self.recorded.push(tenant_id.to_owned());
        }
        Ok(seq)
    }
}

/// Binds `args` to `$1`, `$2` … of `sql` (the sqlx side's placeholders) by their names, so a
/// number may appear more than once or out of order.
pub fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Arg<'_>]) -> sqlx::Result<()> {
    for index in 1..=stmt.parameter_count() {
        let number = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| protocol(format!("parameter {index} is not named $n")))?;
        let arg = args
            .get(number - 1)
            .ok_or_else(|| protocol(format!("no argument for ${number}")))?;
        stmt.raw_bind_parameter(index, *arg).map_err(error)?;
    }
    Ok(())
}

/// Runs a statement that returns no rows (or whose rows are not wanted); answers the rows it
/// changed.
pub fn execute(conn: &Connection, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<usize> {
    let mut stmt = conn.prepare_cached(sql).map_err(error)?;
    bind(&mut stmt, args)?;
    stmt.raw_execute().map_err(error)
}

/// The first row of a query, decoded by `read`.
pub fn query_opt<T>(
    conn: &Connection,
    sql: &str,
    args: &[Arg<'_>],
    read: impl FnOnce(&Named<'_, '_>) -> sqlx::Result<T>,
) -> sqlx::Result<Option<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(error)?;
    bind(&mut stmt, args)?;
    let names = column_names(&stmt);
    let mut rows = stmt.raw_query();
    match rows.next().map_err(error)? {
        Some(row) => read(&Named { row, names: &names }).map(Some),
        None => Ok(None),
    }
}

/// Every row of a query, each decoded by `read`.
pub fn query_all<T>(
    conn: &Connection,
    sql: &str,
    args: &[Arg<'_>],
    mut read: impl FnMut(&Named<'_, '_>) -> sqlx::Result<T>,
) -> sqlx::Result<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(error)?;
    bind(&mut stmt, args)?;
    let names = column_names(&stmt);
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(error)? {
        out.push(read(&Named { row, names: &names })?);
    }
    Ok(out)
}

/// A statement's column names, read once for all its rows.
fn column_names(stmt: &rusqlite::Statement<'_>) -> Vec<String> {
    stmt.column_names().into_iter().map(str::to_owned).collect()
}

/// A row with its statement's column names: a column found by name costs a few string
/// comparisons. (`rusqlite::Row::get` by name asks SQLite for every column's name again, for
/// each value: a summary's 22 columns made that 4 % of the chat path's CPU.)
pub struct Named<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    names: &'r [String],
}

/// A bound value, for either driver.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    Text(&'a str),
    Int(i64),
    /// NULL where text goes (PostgreSQL wants NULL's type).
    NullText,
    /// NULL where a number goes.
    NullInt,
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(value)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(value: &'a String) -> Self {
        Self::Text(value)
    }
}

impl From<i64> for Arg<'_> {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(value: Option<&'a str>) -> Self {
        value.map_or(Self::NullText, Self::Text)
    }
}

impl<'a> From<Option<&'a String>> for Arg<'a> {
    fn from(value: Option<&'a String>) -> Self {
        value.map_or(Self::NullText, |text| Self::Text(text))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Self::NullInt, Self::Int)
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Self::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
            Self::NullText | Self::NullInt => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// `query` with `args` bound in order.
pub fn bind_sqlx<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    args: &[Arg<'q>],
) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match *arg {
            Arg::Text(text) => query.bind(text),
            Arg::Int(n) => query.bind(n),
            Arg::NullText => query.bind(None::<String>),
            Arg::NullInt => query.bind(None::<i64>),
        };
    }
    query
}

/// A write transaction of either kind, for code written once for both: sqlx's ([`WriteTx`],
/// PostgreSQL) or the direct connection's ([`DirectTx`], SQLite). On the direct one every call
/// completes without waiting; [`now_or_never`] runs such code from the writer's closure.
pub enum Tx<'a, 'c> {
    Sqlx(&'a mut WriteTx),
    Direct(&'a mut DirectTx<'c>),
}

impl Tx<'_, '_> {
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlx(tx) => tx.backend(),
            Self::Direct(_) => Backend::Sqlite,
        }
    }

    /// Runs a statement; answers the rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<u64> {
        match self {
            Self::Sqlx(tx) => Ok(bind_sqlx(sqlx::query(sql), args)
                .execute(&mut ***tx)
                .await?
                .rows_affected()),
            Self::Direct(tx) => execute(tx.conn, sql, args).map(|n| n as u64),
        }
    }

    /// The first row, if any.
    pub async fn fetch_optional<T: FromCols>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> sqlx::Result<Option<T>> {
        match self {
            Self::Sqlx(tx) => bind_sqlx(sqlx::query(sql), args)
                .fetch_optional(&mut ***tx)
                .await?
                .map(|row| T::from_cols(&row))
                .transpose(),
            Self::Direct(tx) => query_opt(tx.conn, sql, args, |row| T::from_cols(row)),
        }
    }

    /// Inserts one row of a table whose `rowid_column` is its `INTEGER PRIMARY KEY` (`sql` is
    /// an `INSERT` without `RETURNING`, typically `… ON CONFLICT DO NOTHING`); answers the new
    /// row's number, or `None` when nothing was inserted. On the direct connection the number
    /// is SQLite's last insert rowid: a `RETURNING` clause would buffer its row in a temporary
    /// b-tree opened and closed for each call, on the single writer.
    pub async fn insert_numbered(
        &mut self,
        sql: &str,
        rowid_column: &str,
        args: &[Arg<'_>],
    ) -> sqlx::Result<Option<i64>> {
        match self {
            Self::Sqlx(_) => {
                let sql = format!("{sql} RETURNING {rowid_column}");
                Ok(self
                    .fetch_optional::<First<i64>>(&sql, args)
                    .await?
                    .map(|First(n)| n))
            }
            Self::Direct(tx) => Ok(match execute(tx.conn, sql, args)? {
                0 => None,
                _ => Some(tx.conn.last_insert_rowid()),
            }),
        }
    }

    /// Appends `event` to the tenant's log in this transaction (announced once it commits).
    pub async fn record_event<'e>(
        &mut self,
        tenant_id: &str,
        session_id: Option<&str>,
        entry: impl Into<Entry<'e>>,
    ) -> sqlx::Result<i64> {
        let entry = entry.into();
        match self {
            Self::Sqlx(tx) => tx.record_event(tenant_id, session_id, entry).await,
            Self::Direct(tx) => tx.record_event(tenant_id, session_id, entry),
        }
    }
}

/// The first column of a row.
pub struct First<T>(pub T);

impl<T: ColType> FromCols for First<T> {
    fn from_cols(row: &impl Cols) -> sqlx::Result<Self> {
        row.col_at(0).map(First)
    }
}

/// The output of code written for [`Tx`] run on a [`Tx::Direct`]: it never waits, so one poll
/// finishes it.
pub fn now_or_never<T>(work: impl Future<Output = sqlx::Result<T>>) -> sqlx::Result<T> {
    let mut work = std::pin::pin!(work);
    match work.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => Err(sqlx::Error::Protocol(
            "a direct SQLite transaction waited for something".to_owned(),
        )),
    }
}

/// A column type both drivers decode the same way.
pub trait ColType: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + FromSql {}
impl<T: for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> + FromSql> ColType for T {}

/// A row of either driver, read by column name: one decoder serves both.
pub trait Cols {
    fn col<T: ColType>(&self, name: &str) -> sqlx::Result<T>;
    fn col_at<T: ColType>(&self, index: usize) -> sqlx::Result<T>;
}

impl Cols for AnyRow {
    fn col<T: ColType>(&self, name: &str) -> sqlx::Result<T> {
        sqlx::Row::try_get(self, name)
    }

    fn col_at<T: ColType>(&self, index: usize) -> sqlx::Result<T> {
        sqlx::Row::try_get(self, index)
    }
}

impl Cols for Named<'_, '_> {
    fn col<T: ColType>(&self, name: &str) -> sqlx::Result<T> {
        let index = self
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| error(rusqlite::Error::InvalidColumnName(name.to_owned())))?;
        self.col_at(index)
    }

    fn col_at<T: ColType>(&self, index: usize) -> sqlx::Result<T> {
        self.row.get(index).map_err(error)
    }
}

/// A value read from a row of either driver.
pub trait FromCols: Sized {
    fn from_cols(row: &impl Cols) -> sqlx::Result<Self>;
}

/// A direct connection's error as sqlx reports a database's (a unique violation stays one).
pub fn error(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Database(Box::new(DirectError(e)))
}

fn protocol(message: String) -> sqlx::Error {
    sqlx::Error::Protocol(message)
}

#[derive(Debug)]
struct DirectError(rusqlite::Error);

impl std::fmt::Display for DirectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DirectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl DatabaseError for DirectError {
    fn message(&self) -> &str {
        match &self.0 {
            rusqlite::Error::SqliteFailure(_, Some(message)) => message,
            _ => "SQLite error",
        }
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        match &self.0 {
            rusqlite::Error::SqliteFailure(e, _) => Some(e.extended_code.to_string().into()),
            _ => None,
        }
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        use rusqlite::ffi;
        match &self.0 {
            rusqlite::Error::SqliteFailure(e, _) => match e.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    ErrorKind::UniqueViolation
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
                ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
                ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
                _ => ErrorKind::Other,
            },
            _ => ErrorKind::Other,
        }
    }
}
