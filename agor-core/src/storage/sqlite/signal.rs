//! Wake-ups on an SQLite file shared by processes, with no daemon: the store's one
//! [`WakeSource`](crate::storage::wake::WakeSource). `PRAGMA data_version` on one read
//! connection changes whenever another connection commits, and one watch on the bell files
//! of the process's waiters (see [`super::bells`]) says when to look. Where the bells cannot
//! be made the folder is watched (the `-wal` file changes on every commit), and where nothing
//! can be watched the waiters look on a short timer instead.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use rusqlite::{Connection, OpenFlags};

use super::bells::BellFolder;
use super::{file_access, SqlResult};
use crate::error::Result;
use crate::storage::wake::{Rings, WakeSource};
use crate::storage::Bell;

/// How often a waiter looks when nothing tells it to: always (a writer that rings no bell, a
/// missed or coalesced file event must not cost more than this), and much more often when
/// nothing is watched.
const LOOK_WATCHED: Duration = Duration::from_millis(500);
const LOOK_UNWATCHED: Duration = Duration::from_millis(25);

/// How long a ring of the watched folder waits for the commit it announces to show, looking
/// every step (see `SqliteSource::changed`).
const FOLDER_SETTLE: Duration = Duration::from_millis(200);
const FOLDER_SETTLE_STEP: Duration = Duration::from_millis(2);

/// Replaces [`LOOK_WATCHED`] (milliseconds) for the tests of the bells and the folder watch:
/// with the timer stretched to hours, only a ring can wake a waiter in time, so a wake-up
/// proves the ring (tests/rust/wakeups.rs). Read once per store's waiter.
const LOOK_WATCHED_ENV: &str = "AGOR_TEST_WAKE_LOOK_MS";

fn look_watched() -> Duration {
    std::env::var(LOOK_WATCHED_ENV)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(LOOK_WATCHED, Duration::from_millis)
}

/// What the watcher watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The bell files of the waiters (rung only by commits that may concern them).
    Bells,
    /// The database's folder (changed by every commit): the bells could not be made.
    Folder,
    /// Nothing: the platform or the folder allows no watch.
    Unwatched,
}

pub(super) struct SqliteSource {
    conn: Mutex<Connection>,
    bells: BellFolder,
    db: PathBuf,
    watcher: Mutex<(Mode, Option<RecommendedWatcher>)>,
    /// How often a watched waiter looks on its own.
    look: Duration,
}

impl SqliteSource {
    pub(super) fn new(
        path: &Path,
        busy_timeout: Duration,
        rings: Arc<Rings>,
    ) -> Result<SqliteSource> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .sql()?;
        conn.busy_timeout(busy_timeout).sql()?;
        let watcher = watcher(database_files(path), rings);
        let mode = if watcher.is_some() {
            Mode::Bells
        } else {
            Mode::Unwatched
        };
        Ok(SqliteSource {
            conn: Mutex::new(conn),
            bells: BellFolder::beside(path),
            db: path.to_owned(),
            watcher: Mutex::new((mode, watcher)),
            look: look_watched(),
        })
    }

    fn watcher(&self) -> MutexGuard<'_, (Mode, Option<RecommendedWatcher>)> {
        self.watcher.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Leaves bell mode for good: watches the database's folder instead, or nothing.
fn fall_back(db: &Path, state: &mut (Mode, Option<RecommendedWatcher>)) {
    let watched = state
        .1
        .as_mut()
        .is_some_and(|w| w.watch(&folder_of(db), RecursiveMode::NonRecursive).is_ok());
    state.0 = if watched {
        Mode::Folder
    } else {
        Mode::Unwatched
    };
}

impl WakeSource for SqliteSource {
    fn listen(&self, bells: &[Bell]) -> Result<()> {
        let mut state = self.watcher();
        if state.0 != Mode::Bells {
            return Ok(());
        }
        let files = self.bells.prepare(bells);
        let watched = match (files, state.1.as_mut()) {
            (Some(files), Some(w)) => files
                .iter()
                .all(|f| w.watch(f, RecursiveMode::NonRecursive).is_ok()),
            _ => false,
        };
        if !watched {
            fall_back(&self.db, &mut state);
        }
        Ok(())
    }

    fn unlisten(&self, bells: &[Bell]) {
        let mut state = self.watcher();
        if let (Mode::Bells, Some(w)) = (state.0, state.1.as_mut()) {
            for bell in bells {
                let _ = w.unwatch(&self.bells.file(bell));
            }
        }
    }

    fn mark(&self) -> Result<i64> {
        self.conn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .sql()
    }

    /// A ring whose commit an earlier look already saw (one commit rings the agent's and the
    /// group's file) finds the version unchanged and is dropped. In folder mode the ring is
    /// the writer's own write to the `-wal`, which comes before its commit shows (in the `-shm`
    /// index, which raises no event): such a ring looks again for a moment before it is
    /// dropped, or the waiter would sleep until its timer.
    fn changed(&self, mark: &mut i64, rung: bool) -> Result<bool> {
        let mut version = self.mark()?;
        if rung && version == *mark && self.watcher().0 == Mode::Folder {
            let until = Instant::now() + FOLDER_SETTLE;
            while version == *mark && Instant::now() < until {
                std::thread::sleep(FOLDER_SETTLE_STEP);
                version = self.mark()?;
            }
        }
        let changed = version != *mark;
        *mark = version;
        Ok(changed)
    }

    fn timer(&self) -> Duration {
        match self.watcher().0 {
            Mode::Unwatched => LOOK_UNWATCHED,
            Mode::Bells | Mode::Folder => self.look,
        }
    }
}

/// Whether a file name is a bell's (see [`Bell::name`]): only those ring, so the rings kept
/// stay as few as the bells.
fn is_bell_name(name: &str) -> bool {
    name == "all"
        || (name.len() == 17
            && (name.starts_with('a') || name.starts_with('g'))
            && name[1..].bytes().all(|b| b.is_ascii_hexdigit()))
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

/// The one watcher of the process's waiters: a change of a bell file rings that bell, a change
/// of a database file (folder mode) rings everyone. `None` where the platform allows no watch.
fn watcher(database: Vec<OsString>, rings: Arc<Rings>) -> Option<RecommendedWatcher> {
    notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Opening and closing a file are not changes (a ring is reported as a modification).
        let Ok(event) = event else { return };
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return;
        }
        for name in event.paths.iter().filter_map(|p| p.file_name()) {
            if database.iter().any(|d| d == name) {
                rings.ring_all();
            } else if let Some(bell) = name.to_str().filter(|n| is_bell_name(n)) {
                rings.ring(bell);
            }
        }
    })
    .ok()
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
