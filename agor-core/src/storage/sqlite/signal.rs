//! Wake-ups on an SQLite file shared by processes, with no daemon: `PRAGMA data_version` on a
//! connection of the waiter's own changes whenever another connection commits, and a watch on
//! the waiter's bell files (see [`super::bells`]) says when to look. Where the bells cannot
//! be made the folder is watched (the `-wal` file changes on every commit), and where nothing
//! can be watched the waiter looks on a short timer instead.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use rusqlite::{Connection, OpenFlags};

use super::bells::BellFolder;
use super::{file_access, SqlResult};
use crate::error::Result;
use crate::storage::{ChangeSignal, Listener};

/// How often a waiter looks when nothing tells it to: always (a writer that rings no bell, a
/// missed or coalesced file event must not cost more than this), and much more often when
/// nothing is watched.
const LOOK_WATCHED: Duration = Duration::from_millis(500);
const LOOK_UNWATCHED: Duration = Duration::from_millis(25);

pub(super) struct SqliteSignal {
    conn: Connection,
    last: i64,
    /// The bell files, or the database's folder when bells cannot be made.
    targets: Vec<PathBuf>,
    events: Option<Receiver<()>>,
    watcher: Option<RecommendedWatcher>,
    /// Whether the targets are being watched now (see [`SqliteSignal::wait`]).
    armed: bool,
    /// Whether the targets are bells (rung only by commits that concern the waiter) rather
    /// than the database's folder (changed by every commit).
    bells: bool,
    /// When the file's version was last compared, in bell mode.
    looked: Instant,
}

impl SqliteSignal {
    pub(super) fn new(path: &Path, busy_timeout: Duration, who: &Listener) -> Result<SqliteSignal> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .sql()?;
        conn.busy_timeout(busy_timeout).sql()?;
        let bell_files = BellFolder::beside(path).prepare(&who.bells());
        let bells = bell_files.is_some();
        let (targets, names) = match bell_files {
            Some(files) => {
                let names = files
                    .iter()
                    .filter_map(|f| f.file_name())
                    .map(|n| n.to_owned());
                let names = names.collect();
                (files, names)
            }
            None => (vec![folder_of(path)], database_files(path)),
        };
        let (events, watcher) = match watcher(names) {
            Some((rx, w)) => (Some(rx), Some(w)),
            None => (None, None),
        };
        let mut signal = SqliteSignal {
            conn,
            last: 0,
            targets,
            events,
            watcher,
            armed: false,
            bells,
            looked: Instant::now(),
        };
        signal.last = signal.data_version()?;
        // Bells are watched from now on (they ring only for this waiter, so that costs
        // nothing): a commit before the first wait must ring too.
        if bells {
            signal.arm(true);
        }
        Ok(signal)
    }

    fn data_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .sql()
    }

    /// Watches the targets while a wait needs it, and only then: a watch wakes this process
    /// on every ring, even while the waiter is busy elsewhere. Where watching fails the wait
    /// falls back to looking on a timer.
    fn arm(&mut self, on: bool) {
        if on == self.armed {
            return;
        }
        let Some(w) = self.watcher.as_mut() else {
            return;
        };
        let done = self.targets.iter().all(|t| {
            if on {
                w.watch(t, RecursiveMode::NonRecursive).is_ok()
            } else {
                w.unwatch(t).is_ok()
            }
        });
        if done {
            self.armed = on;
        } else if on {
            self.events = None;
        }
    }
}

fn folder_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned()
}

/// The names of the database, its `-wal` and its `-journal` (those come and go, so their
/// folder is watched, not the files).
fn database_files(path: &Path) -> Vec<OsString> {
    ["", "-wal", "-journal"]
        .iter()
        .filter_map(|suffix| {
            file_access::side_file(path, suffix)
                .file_name()
                .map(|n| n.to_owned())
        })
        .collect()
}

/// A watcher that reports changes to files of these names; `None` when the platform does not
/// allow watching.
fn watcher(names: Vec<OsString>) -> Option<(Receiver<()>, RecommendedWatcher)> {
    let (tx, rx) = mpsc::channel();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Opening and closing a file are not changes (a ring is reported as a modification).
        let relevant = event.is_ok_and(|e| {
            !matches!(e.kind, notify::EventKind::Access(_))
                && e.paths
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
        let mut rung = false;
        loop {
            // Events that arrived before this look are answered by it.
            if let Some(rx) = &self.events {
                while rx.try_recv().is_ok() {
                    rung = true;
                }
            }
            let watched = self.armed && self.events.is_some();
            if self.bells && watched {
                // A rung bell is the wake-up. The file's version counts only on the slow
                // timer, for writers that ring nothing: commits that concern others change
                // it all the time, and each look they caused cost a busy writer its speed.
                // A ring whose commit the last look already saw (one commit rings the agent's
                // and the group's file) finds the version unchanged and is dropped.
                let due = self.looked.elapsed() >= LOOK_WATCHED;
                if rung || due {
                    self.looked = Instant::now();
                    rung = false;
                    let version = self.data_version()?;
                    if version != self.last {
                        self.last = version;
                        return Ok(true);
                    }
                }
            } else {
                let version = self.data_version()?;
                if version != self.last {
                    self.last = version;
                    // Until the next wait: no wake-ups while the waiter looks (or sleeps
                    // between looks, see `changes::LOOK_GAP`).
                    self.arm(false);
                    return Ok(true);
                }
            }
            let left = left(deadline);
            if left.is_zero() {
                return Ok(false);
            }
            // Bells: until the slow timer's next look. The folder: every look compares the
            // version, so simply at most this long (`looked` is not kept in that mode).
            let next_look = if self.bells {
                LOOK_WATCHED.saturating_sub(self.looked.elapsed())
            } else {
                LOOK_WATCHED
            };
            match &self.events {
                Some(rx) if watched => match rx.recv_timeout(left.min(next_look)) {
                    Ok(()) => rung = true,
                    Err(RecvTimeoutError::Timeout) => {}
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

    /// The bells are a hint: with the bell folder unusable (here a file in its place, as a
    /// read-only folder would be), a waiter watches the database's folder and still wakes.
    #[test]
    fn without_bells_the_folder_is_watched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wake.db");
        std::fs::write(dir.path().join("wake.db-bells"), "not a folder").unwrap();
        crate::storage::check_change_signal(path.to_str().unwrap());
    }
}
