//! Wake-ups on an SQLite file shared by processes, with no daemon: `PRAGMA data_version` on a
//! connection of the waiter's own changes whenever another connection commits, and a watch on
//! the file's folder (the `-wal` file changes on every commit) says when to look. Where the
//! folder cannot be watched, the waiter looks on a short timer instead.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use rusqlite::{Connection, OpenFlags};

use super::{file_access, SqlResult};
use crate::error::Result;
use crate::storage::ChangeSignal;

/// How often a waiter looks when nothing tells it to: always (a missed or coalesced file
/// event must not cost more than this), and much more often when the folder is not watched.
const LOOK_WATCHED: Duration = Duration::from_millis(500);
const LOOK_UNWATCHED: Duration = Duration::from_millis(25);

pub(super) struct SqliteSignal {
    conn: Connection,
    last: i64,
    folder: PathBuf,
    events: Option<Receiver<()>>,
    watcher: Option<RecommendedWatcher>,
    /// Whether the folder is being watched now (see [`SqliteSignal::wait`]).
    armed: bool,
}

impl SqliteSignal {
    pub(super) fn new(path: &Path, busy_timeout: Duration) -> Result<SqliteSignal> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .sql()?;
        conn.busy_timeout(busy_timeout).sql()?;
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let (events, watcher) = match watcher(path) {
            Some((rx, w)) => (Some(rx), Some(w)),
            None => (None, None),
        };
        let mut signal = SqliteSignal {
            conn,
            last: 0,
            folder,
            events,
            watcher,
            armed: false,
        };
        signal.last = signal.data_version()?;
        Ok(signal)
    }

    fn data_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .sql()
    }

    /// Watches the folder while a wait needs it, and only then: a watched folder wakes this
    /// process on every commit of every writer, even while the waiter is busy elsewhere.
    /// Where watching fails the wait falls back to looking on a timer.
    fn arm(&mut self, on: bool) {
        if on == self.armed {
            return;
        }
        let Some(w) = self.watcher.as_mut() else {
            return;
        };
        let done = if on {
            w.watch(&self.folder, RecursiveMode::NonRecursive).is_ok()
        } else {
            w.unwatch(&self.folder).is_ok()
        };
        if done {
            self.armed = on;
        } else if on {
            self.events = None;
        }
    }
}

/// A watcher for the folder of `path` that reports changes to the database, its `-wal` or its
/// `-journal` (those come and go, so the folder is watched, not the files); `None` when the
/// platform does not allow it.
fn watcher(path: &Path) -> Option<(Receiver<()>, RecommendedWatcher)> {
    let names: Vec<_> = ["", "-wal", "-journal"]
        .iter()
        .filter_map(|suffix| {
            file_access::side_file(path, suffix)
                .file_name()
                .map(|n| n.to_owned())
        })
        .collect();
    let (tx, rx) = mpsc::channel();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let relevant = event.is_ok_and(|e| {
            e.paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| names.iter().any(|m| m == n)))
        });
        if relevant {
            let _ = tx.send(());
        }
    })
    .ok()?;
    Some((rx, watcher))
}

impl ChangeSignal for SqliteSignal {
    fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now().checked_add(timeout);
        let left = |deadline: Option<Instant>| match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        };
        self.arm(true);
        loop {
            // Events that arrived before this look are answered by it.
            if let Some(rx) = &self.events {
                while rx.try_recv().is_ok() {}
            }
            let version = self.data_version()?;
            if version != self.last {
                self.last = version;
                // Until the next wait: no wake-ups while the waiter looks (or sleeps between
                // looks, see `changes::LOOK_GAP`).
                self.arm(false);
                return Ok(true);
            }
            let left = left(deadline);
            if left.is_zero() {
                return Ok(false);
            }
            let watched = self.armed && self.events.is_some();
            match &self.events {
                Some(rx) if watched => match rx.recv_timeout(left.min(LOOK_WATCHED)) {
                    Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                    // The watcher died (e.g. the folder went away): fall back to the timer.
                    Err(RecvTimeoutError::Disconnected) => self.events = None,
                },
                _ => std::thread::sleep(left.min(LOOK_UNWATCHED)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_commit_by_another_connection_wakes_the_waiter_and_silence_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wake.db");
        crate::storage::check_change_signal(path.to_str().unwrap());
    }
}
