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
/// The pause after a checkpoint that left little behind, so commits gather between syncs and
/// a page that every commit changes (a b-tree's last page) is copied once per pause, not once
/// per commit. 20 ms until the thread stopped dying at the first busy checkpoint (see `run`):
/// alive for the whole chat bench, it then spent about a fifth more CPU per message at 50
/// sessions on the 2-core test machine (3 interleaved rounds, 580-610 -> 700-820 us/msg).
const GAP: Duration = Duration::from_millis(100);
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
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            });
            match result {
                // Another checkpoint (the writer's own) holds the checkpoint lock: SQLite then
                // answers (1, -1, -1) without waiting. The next commit brings the next try.
                Ok((1, _, _)) => {}
                // (0, -1, -1): not in WAL mode; nothing to do, ever.
                Ok((_, -1, _)) => return,
                Ok((_, log, copied)) if log - copied >= ENOUGH_FRAMES => continue,
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
        let (dir, writer) = notes_database();
        let path = dir.path().join("checkpoint.db");
        let (nudge, thread) = start(&path, PRAGMAS).expect("start");
        copies_then_ends(&path, &writer, nudge, thread);
    }

    /// `checkpoint.db` in a new folder, with a table of notes, and a writer connection that
    /// never checkpoints: only the thread under test copies pages into the database file.
    fn notes_database() -> (tempfile::TempDir, rusqlite::Connection) {
        let dir = tempfile::tempdir().expect("temp dir");
        let writer =
            super::super::direct::open(&dir.path().join("checkpoint.db"), PRAGMAS).expect("open");
        writer
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);",
            )
            .expect("schema");
        (dir, writer)
    }

    /// 200 more notes reach the database file once the thread is nudged, and the thread ends
    /// when its nudge is dropped.
    fn copies_then_ends(
        path: &std::path::Path,
        writer: &rusqlite::Connection,
        nudge: Nudge,
        thread: JoinHandle<()>,
    ) {
        let before = std::fs::metadata(path).expect("db file").len();
        insert(writer, 200);
        nudge.committed();
        wait_for_file(path, before + 200 * 2_000);
        drop(nudge);
        thread.join().expect("the checkpoint thread ends");
    }

    /// Inserts `rows` notes of 2 kB on `writer`.
    fn insert(writer: &rusqlite::Connection, rows: usize) {
        for n in 0..rows {
            writer
                .execute(
                    "INSERT INTO notes (body) VALUES (?1)",
                    [format!("{n}: {}", "x".repeat(2_000))],
                )
                .expect("insert");
        }
    }

    /// Waits until the database file holds at least `bytes`.
    fn wait_for_file(path: &std::path::Path, bytes: u64) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::metadata(path).expect("db file").len() < bytes {
            assert!(
                Instant::now() < deadline,
                "the WAL was not copied into the database file"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Found in the chat bench: the thread took SQLite's answer to a checkpoint that found the
    /// checkpoint lock taken (by the writer's own checkpoint) for "not in WAL mode" and ended,
    /// leaving every page to the writer for the rest of the run.
    #[test]
    fn a_checkpoint_that_finds_another_one_running_does_not_end_the_thread() {
        let (dir, writer) = notes_database();
        let path = dir.path().join("checkpoint.db");
        let (nudge, thread) = start(&path, PRAGMAS).expect("start");
        // A reader on an old snapshot keeps a full checkpoint waiting, with the checkpoint
        // lock held, until it ends.
        let reader = super::super::direct::open(&path, PRAGMAS).expect("open reader");
        reader
            .execute_batch("BEGIN; SELECT COUNT(*) FROM notes;")
            .expect("read");
        insert(&writer, 20);
        let blocker = std::thread::spawn({
            let path = path.clone();
            move || {
                let conn = super::super::direct::open(&path, PRAGMAS).expect("open");
                conn.busy_timeout(Duration::from_secs(20)).expect("timeout");
                conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()))
                    .expect("full checkpoint");
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        // The thread's checkpoint finds the lock taken.
        nudge.committed();
        std::thread::sleep(Duration::from_millis(300));
        reader.execute_batch("COMMIT").expect("end the read");
        blocker.join().expect("the full checkpoint ends");
        // Only the thread copies what comes next.
        copies_then_ends(&path, &writer, nudge, thread);
    }
}
