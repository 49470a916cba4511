//! Wake-ups on an SQLite file shared by processes, with no daemon: the store's one
//! [`WakeSource`](crate::storage::wake::WakeSource). `PRAGMA data_version` on one read
//! connection changes whenever another connection commits, and one watch on the bell files
//! of the process's waiters (see [`super::bells`]) says when to look. Where the bells cannot
//! be made the folder is watched (the `-wal` file changes on every commit). The hub's sweep
//! reads the feed's rows since its last sweep on a timer, slow while watching (for a ring that
//! was lost) and short where nothing can be watched, and rings their bells.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use rusqlite::{Connection, OpenFlags};

use super::bells::BellFolder;
use super::{file_access, SqlResult};
use crate::error::Result;
use crate::model::changes::ChangeKind;
use crate::storage::wake::{Rings, Swept, WakeSource};
use crate::storage::Bell;

/// How often the hub sweeps the feed when nothing tells it to: always (a writer killed before
/// its ring, a missed or coalesced file event must not cost more than this), and much more
/// often when nothing is watched.
const LOOK_WATCHED: Duration = Duration::from_millis(500);
const LOOK_UNWATCHED: Duration = Duration::from_millis(25);

/// The most feed changes one sweep reads; past it, everyone looks.
const SWEEP_ROWS: i64 = 10_000;

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
    /// How often the sweep looks while watching.
    look: Duration,
    /// Where the last sweep left the feed: `PRAGMA data_version` then, and the newest change.
    swept: Mutex<Option<(i64, i64)>>,
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
        // Commits from now on are swept (a database without the feed yet: from the first sweep).
        let swept = feed_mark(&conn).ok();
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
            swept: Mutex::new(swept),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
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
        data_version(&self.conn())
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

    fn timer(&self) -> Option<Duration> {
        None
    }

    fn sweep_every(&self) -> Option<Duration> {
        Some(match self.watcher().0 {
            Mode::Unwatched => LOOK_UNWATCHED,
            Mode::Bells | Mode::Folder => self.look,
        })
    }

    /// Nothing committed since the last sweep (the data version unmoved) costs one pragma;
    /// otherwise the feed's rows since then say whose bells to ring.
    fn sweep(&self) -> Result<Swept> {
        let conn = self.conn();
        let mut swept = self.swept.lock().unwrap_or_else(|e| e.into_inner());
        let Some((version, newest)) = *swept else {
            *swept = Some(feed_mark(&conn)?);
            return Ok(Swept::Everyone);
        };
        let now = data_version(&conn)?;
        if now == version {
            return Ok(Swept::Bells(BTreeSet::new()));
        }
        let top = newest_change(&conn)?;
        if top - newest > SWEEP_ROWS {
            *swept = Some((now, top));
            return Ok(Swept::Everyone);
        }
        // One row per audience, not per change: a busy writer's thousand DMs to one agent
        // are one row. Ids up to `top` are all committed (SQLite's writers take turns).
        let mut stmt = conn
            .prepare_cached(
                "SELECT kind = ?3, group_id, agent_id FROM agor_changes
                 WHERE id > ?1 AND id <= ?2 GROUP BY 1, 2, 3",
            )
            .sql()?;
        let mut rows = stmt
            .query(rusqlite::params![newest, top, ChangeKind::Message.as_str()])
            .sql()?;
        let mut bells = BTreeSet::new();
        while let Some(row) = rows.next().sql()? {
            // A kind this build does not know is not a DM: its group hears it too.
            let kind = if row.get(0).sql()? {
                ChangeKind::Message
            } else {
                ChangeKind::Task
            };
            let (group, agent): (Option<String>, Option<String>) =
                (row.get(1).sql()?, row.get(2).sql()?);
            bells.extend(Bell::of_change(kind, group.as_deref(), agent.as_deref()));
        }
        *swept = Some((now, top));
        Ok(Swept::Bells(bells))
    }
}

fn data_version(conn: &Connection) -> Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
        .sql()
}

/// The data version and the feed's newest change, read in that order, so no commit after the
/// mark goes unswept. A commit between the two counts as swept: where a mark is taken, either
/// no one waits yet (a new source) or everyone is about to look (after a sweep that overflowed).
fn feed_mark(conn: &Connection) -> Result<(i64, i64)> {
    let version = data_version(conn)?;
    Ok((version, newest_change(conn)?))
}

/// The feed's newest cursor (0 when it is empty).
fn newest_change(conn: &Connection) -> Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM agor_changes", [], |r| {
        r.get(0)
    })
    .sql()
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

    /// The hub's sweep, not a timer per waiter, stands in for lost rings: a change committed
    /// without its ring (written behind the API's back) wakes the waiter it is addressed to
    /// within the sweep's period, while a stream of commits for others wakes no one else (each
    /// waiter used to look on its own timer whenever anything had been committed).
    #[test]
    fn the_sweep_rings_lost_changes_for_their_waiters_only() {
        use crate::storage::Listener;
        use crate::{NewAgent, Store};
        use std::time::{Duration, Instant};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.db");
        let location = path.to_str().unwrap().to_owned();
        let store = Store::open(&location).unwrap();
        for (id, role) in [
            ("mgr", "manager"),
            ("dev1", "developer"),
            ("dev2", "developer"),
        ] {
            store
                .register_agent(&NewAgent::new(id, id, role, "g"))
                .unwrap();
        }
        store.allow("mgr", "dev1", true).unwrap();
        let waiter = |agent: &str| {
            let who = Listener {
                agent: agent.into(),
                group: "g".into(),
                everything: false,
                any_ring: false,
            };
            store.inner.engine.change_signal(&who).unwrap()
        };
        let (mut dev1, mut dev2) = (waiter("dev1"), waiter("dev2"));
        let silent = |to: &str| {
            rusqlite::Connection::open(&path)
                .unwrap()
                .execute(
                    "INSERT INTO agor_changes (kind, event, actor, subject, agent_id, created_at)
                     VALUES ('message', 'message_sent', 'mgr', 'silent', ?1, '2026-01-01')",
                    [to],
                )
                .unwrap();
        };

        // Commits for dev1 for three sweeps' time, rung and silent: dev2 sleeps through them.
        let other = location.clone();
        let writer = std::thread::spawn(move || {
            let mgr = Store::open(&other).unwrap().as_agent("mgr").unwrap();
            let until = Instant::now() + super::LOOK_WATCHED * 3;
            while Instant::now() < until {
                mgr.send("dev1", "busy").unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        silent("dev1");
        assert!(
            !dev2.wait(super::LOOK_WATCHED * 4, None).unwrap(),
            "others' commits woke the waiter"
        );
        writer.join().unwrap();
        assert!(dev1.wait(Duration::ZERO, None).unwrap());
        while dev1.wait(Duration::from_millis(50), None).unwrap() {}

        // A change for dev2 that rings nothing: the sweep wakes dev2, and only dev2.
        silent("dev2");
        assert!(
            dev2.wait(Duration::from_secs(10), None).unwrap(),
            "the lost ring was not swept"
        );
        assert!(
            !dev1.wait(super::LOOK_WATCHED * 2, None).unwrap(),
            "the sweep woke a waiter the change is not for"
        );
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
