//! WAL checkpoints beside the writer. SQLite's automatic checkpoint runs inside the COMMIT that
//! takes the WAL past 1,000 pages: on the writer's thread, copying every page into the database
//! file and syncing both files while every message waiting for that commit (and the next batch
//! queued behind it) waits too. In the chat bench that was over half the writer's time at 200
//! sessions.
//!
//! Here a thread of its own, with its own connection, runs a `PASSIVE` checkpoint after the
//! writer's commits: it copies what is committed without blocking the writer or any reader.
//!
//! What a passive checkpoint cannot do is start the WAL over: under load some reader is always
//! on an older snapshot, so the WAL only grows. SQLite's automatic checkpoint (every 1,000
//! pages by default) did not help either: past its threshold it ran on every commit, copying
//! the batch's few pages and syncing both files, and never got the WAL restarted (in the chat
//! bench at 500 sessions and 60 messages each, 11.5 % of the writer's CPU plus its `fsync`s).
//! So the writer restarts the WAL itself, between two batches, once this thread reports it
//! [`RESTART_FRAMES`] long ([`Nudge::wants_restart`]); its automatic checkpoint is only a
//! backstop, every 48,000 pages ([`WRITER_PRAGMAS`]).
//!
//! A restart costs the writer two disk flushes (`fsync` of the WAL and of the database file,
//! in the checkpoint that copies what this thread has not yet) plus a third at the next
//! commit (the new WAL header), and the whole store waits for them: every chat goes through
//! this one thread. On the test machine, with a 16 MB WAL at 500 sessions, the writer spent
//! about a quarter of its time blocked in those flushes, one restart every few tenths of a
//! second (sampled from `/proc`: 23 % of its samples in `fsync`). The WAL is therefore allowed
//! to grow to 128 MB before it starts over, and the file's size limit is above that, so the
//! first commit after a restart does not cut the file back: a cut is one more flush, and on a
//! file system mounted with `discard`, a synchronous discard.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// What the writer connection runs when this thread is there to do the copying: its own
/// automatic checkpoint only if restarts keep failing (a reader holding one snapshot for
/// minutes), and the WAL file cut back to 160 MB after a restart (only ever longer than
/// [`RESTART_FRAMES`] when restarts were held up).
pub(super) const WRITER_PRAGMAS: &str =
    "PRAGMA wal_autocheckpoint = 48000; PRAGMA journal_size_limit = 167772160";
/// A WAL this many pages long (128 MB) is started over by the writer between two batches.
/// The chat bench's real flow (`cargo bench -p server --bench chat -- --sessions 500
/// --messages 150`, 75,000 chats) went from 6,200-6,800 to 7,400-7,800 messages a second
/// when this went up from 4,000 pages (16 MB) along with the file's limit.
const RESTART_FRAMES: i64 = 32_000;
/// How long the writer's restart waits for readers on older snapshots (and for this thread's
/// checkpoint) before it gives up until the next report: a long read (an export) must not hold
/// every write up.
const RESTART_WAIT: Duration = Duration::from_millis(20);

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

/// Tells the checkpoint thread that the writer committed, and the writer how long the thread
/// last found the WAL; the thread ends once this is dropped.
#[derive(Debug)]
pub(super) struct Nudge {
    commits: SyncSender<()>,
    /// Pages in the WAL at the thread's last checkpoint; 0 once the writer acted on it.
    frames: Arc<AtomicI64>,
    /// How long a WAL is started over ([`RESTART_FRAMES`] but in tests).
    restart_frames: i64,
}

impl Nudge {
    /// A commit happened: never blocks (one pending nudge is as good as many).
    pub(super) fn committed(&self) {
        let _ = self.commits.try_send(());
    }

    /// True once per report of a WAL at least [`RESTART_FRAMES`] long: the writer should
    /// start it over (see [`restart`]) before its next batch.
    pub(super) fn wants_restart(&self) -> bool {
        self.frames.load(Ordering::Relaxed) >= self.restart_frames
            && self.frames.swap(0, Ordering::Relaxed) >= self.restart_frames
    }
}

/// Starts the WAL over from the writer connection, with no transaction open: copies what the
/// thread has not yet, waits up to [`RESTART_WAIT`] for readers still on older snapshots, and
/// has the next commit write from the WAL's beginning. Answers whether it did; when it could
/// not (busy), the WAL stays as it is until the next try.
pub(super) fn restart(conn: &rusqlite::Connection) -> rusqlite::Result<bool> {
    let busy_ms: u64 = conn.query_row("PRAGMA busy_timeout", [], |row| row.get(0))?;
    conn.busy_timeout(RESTART_WAIT)?;
    let result = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |row| {
        row.get::<_, i64>(0)
    });
    conn.busy_timeout(Duration::from_millis(busy_ms))?;
    Ok(result? == 0)
}

/// Starts the checkpoint thread on its own connection to the database at `path`.
pub(super) fn start(
    path: &PathBuf,
    pragmas: &'static [&'static str],
) -> std::io::Result<(Nudge, JoinHandle<()>)> {
    start_restarting_at(path, pragmas, RESTART_FRAMES)
}

/// [`start`], with the WAL started over at `restart_frames` pages.
fn start_restarting_at(
    path: &PathBuf,
    pragmas: &'static [&'static str],
    restart_frames: i64,
) -> std::io::Result<(Nudge, JoinHandle<()>)> {
    let conn = super::direct::open(path, pragmas).map_err(std::io::Error::other)?;
    let (commits, nudged) = mpsc::sync_channel(1);
    let frames = Arc::new(AtomicI64::new(0));
    let thread = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn({
            let frames = frames.clone();
            move || run(&conn, &nudged, &frames)
        })?;
    Ok((
        Nudge {
            commits,
            frames,
            restart_frames,
        },
        thread,
    ))
}

fn run(conn: &rusqlite::Connection, nudged: &mpsc::Receiver<()>, frames: &AtomicI64) {
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
                Ok((_, log, copied)) => {
                    frames.store(log, Ordering::Relaxed);
                    if log - copied >= ENOUGH_FRAMES {
                        continue;
                    }
                }
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

    /// Pages in the WAL after a passive checkpoint from `conn`.
    fn wal_pages(conn: &rusqlite::Connection) -> i64 {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
            .expect("checkpoint")
    }

    #[test]
    fn the_writer_starts_a_long_wal_over_unless_a_reader_holds_an_old_snapshot() {
        let (dir, writer) = notes_database();
        let path = dir.path().join("checkpoint.db");
        insert(&writer, 200);
        let long = wal_pages(&writer);
        assert!(long >= 200, "{long} pages");
        // A reader on the current snapshot, then more pages it does not see: the restart
        // gives up after its short wait instead of holding the writer for the busy timeout.
        let reader = super::super::direct::open(&path, PRAGMAS).expect("open reader");
        reader
            .execute_batch("BEGIN; SELECT COUNT(*) FROM notes;")
            .expect("read");
        insert(&writer, 20);
        let busy_timeout = |conn: &rusqlite::Connection| -> i64 {
            conn.query_row("PRAGMA busy_timeout", [], |row| row.get(0))
                .expect("busy timeout")
        };
        let own = busy_timeout(&writer);
        assert!(own >= 1_000, "{own} ms");
        let started = Instant::now();
        assert!(!restart(&writer).expect("restart"));
        assert!(started.elapsed() < Duration::from_millis(500));
        // The connection's own busy timeout is back.
        assert_eq!(busy_timeout(&writer), own);
        reader.execute_batch("COMMIT").expect("end the read");
        // Without it the WAL starts over: the next commit writes from its beginning.
        assert!(restart(&writer).expect("restart"));
        insert(&writer, 1);
        let after = wal_pages(&writer);
        assert!(after < 10, "{after} pages after the restart");
        let notes: i64 = reader
            .query_row("SELECT COUNT(*) FROM notes", [], |row| row.get(0))
            .expect("count");
        assert_eq!(notes, 221);
    }

    #[test]
    fn a_long_wal_asks_for_one_restart_per_report() {
        let (dir, writer) = notes_database();
        let path = dir.path().join("checkpoint.db");
        // A shorter WAL than the store's (a commit per page of it takes a while).
        let restart_frames = 2_000;
        let (nudge, thread) = start_restarting_at(&path, PRAGMAS, restart_frames).expect("start");
        assert!(!nudge.wants_restart());
        // A commit per note, each writing at least its leaf page.
        insert(&writer, usize::try_from(restart_frames).expect("frames"));
        nudge.committed();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !nudge.wants_restart() {
            assert!(Instant::now() < deadline, "no restart was asked for");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!nudge.wants_restart(), "asked twice for one report");
        drop(nudge);
        thread.join().expect("the checkpoint thread ends");
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
