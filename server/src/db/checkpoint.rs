//! WAL checkpoints beside the writer. SQLite's automatic checkpoint runs inside the COMMIT that
//! takes the WAL past 1,000 pages: on the writer's thread, copying every page into the database
//! file and syncing both files while every message waiting for that commit (and the next batch
//! queued behind it) waits too. In the chat bench that was over half the writer's time at 200
//! sessions.
//!
//! Here a thread of its own, with its own connection, runs a `PASSIVE` checkpoint after the
//! writer's commits: it copies what is committed without blocking the writer or any reader.
//! The writer keeps an automatic checkpoint, every 4,000 pages instead of 1,000
//! ([`WRITER_PRAGMAS`]): by the time it is due most pages are copied already, and a complete
//! checkpoint is what lets the writer restart the WAL from its beginning, so the WAL does not
//! grow without bound (seen: its file peaked at 28 MB over 30,000 chat messages, 60 MB at
//! most is kept after a restart).
//!
//! Chat bench, interleaved A/B with the writer checkpointing alone, 3 rounds: 1,680 -> 2,330
//! messages/s at 50 sessions, 1,510 -> 1,830 at 500.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the writer connection runs when this thread is there to do most of the copying.
pub(super) const WRITER_PRAGMAS: &str =
    "PRAGMA wal_autocheckpoint = 4000; PRAGMA journal_size_limit = 62914560";

/// Fewer pages left than this after a checkpoint: wait for the writer instead of going again
/// at once (each checkpoint that copies anything syncs both files).
const ENOUGH_FRAMES: i64 = 100;
/// The pause after a checkpoint that left little behind, so commits gather between syncs.
const GAP: Duration = Duration::from_millis(20);
/// Without commits the thread still wakes this often (and so notices that the writer is gone
/// even if no commit ever told it).
const IDLE: Duration = Duration::from_secs(1);

/// Tells the checkpoint thread that the writer committed; the thread ends once this is dropped.
#[derive(Debug)]
pub(super) struct Nudge(SyncSender<()>);

impl Nudge {
    /// A commit happened: never blocks (one pending nudge is as good as many).
    pub(super) fn committed(&self) {
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpoint thread on its own connection to the database at `path`.
pub(super) fn start(
    path: &PathBuf,
    pragmas: &'static [&'static str],
) -> std::io::Result<(Nudge, JoinHandle<()>)> {
    let conn = super::direct::open(path, pragmas).map_err(std::io::Error::other)?;
    let (nudge, nudged) = mpsc::sync_channel(1);
    let thread = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || run(&conn, &nudged))?;
    Ok((Nudge(nudge), thread))
}

fn run(conn: &rusqlite::Connection, nudged: &mpsc::Receiver<()>) {
    loop {
        match nudged.recv_timeout(IDLE) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        }
        loop {
            let result = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
            });
            match result {
                // (-1, -1): not in WAL mode; nothing to do, ever.
                Ok((-1, _)) => return,
                Ok((log, copied)) if log - copied >= ENOUGH_FRAMES => continue,
                Ok(_) => {}
                Err(error) => tracing::debug!(%error, "background WAL checkpoint"),
            }
            break;
        }
        std::thread::sleep(GAP);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    const PRAGMAS: &[&str] = &["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"];

    #[test]
    fn committed_pages_reach_the_database_file_and_the_thread_ends_with_the_writer() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("checkpoint.db");
        let writer = super::super::direct::open(&path, PRAGMAS).expect("open");
        // Only the thread under test copies pages into the database file.
        writer
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
            )
            .expect("schema");
        let (nudge, thread) = start(&path, PRAGMAS).expect("start");
        let before = std::fs::metadata(&path).expect("db file").len();
        for n in 0..200 {
            writer
                .execute(
                    "INSERT INTO notes (body) VALUES (?1)",
                    [format!("{n}: {}", "x".repeat(2_000))],
                )
                .expect("insert");
        }
        nudge.committed();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::metadata(&path).expect("db file").len() < before + 200 * 2_000 {
            assert!(
                Instant::now() < deadline,
                "the WAL was not copied into the database file"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(nudge);
        thread.join().expect("the checkpoint thread ends");
    }
}
