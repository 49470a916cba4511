//! The store: which database, its settings, and the one write/read helper pair.
//! What an operation changes is written in one transaction (`Store::write`) and what it reads
//! comes from one snapshot (`Store::read`); the engine behind them (see `storage`) decides how
//! a transaction is opened. Beside it, an agent's call may record a sign of life in a
//! best-effort write of its own, and the waits read again each time they wake.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::storage::options::{Durability, EngineOptions};
use crate::storage::{self, Engine, Tx};

/// Environment variable that overrides the default database path.
pub const DB_ENV: &str = "AGOR_DB";

/// Configures and opens a [`Store`].
#[derive(Debug, Clone)]
pub struct StoreBuilder {
    path: Option<PathBuf>,
    engine: EngineOptions,
    stale_after: Duration,
    clock: Arc<dyn Clock>,
}

impl Default for StoreBuilder {
    fn default() -> Self {
        StoreBuilder {
            path: None,
            engine: EngineOptions::default(),
            stale_after: Duration::from_secs(300),
            clock: Arc::new(SystemClock),
        }
    }
}

impl StoreBuilder {
    /// Explicit database path; without it `$AGOR_DB`, then `~/.local/share/agor/btmsg.db`.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// How long a write waits for another process's write lock before giving up with
    /// [`Error::Busy`] (nothing written). Default 10 s.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.engine.busy_timeout = timeout;
        self
    }

    /// How hard each commit pushes data to disk (default [`Durability::Normal`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.engine.durability = durability;
        self
    }

    /// Open for reading only: every write fails with [`Error::ReadOnly`].
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.engine.read_only = read_only;
        self
    }

    /// Whether a missing database is created (default `true`). With `false`, a missing file
    /// (or a PostgreSQL schema without agor's tables) is [`Error::NotFound`] of kind
    /// [`crate::ObjectKind::Database`] naming the path, and nothing is created on disk: reads
    /// through a mistyped path must not leave a folder, a file and its `-wal`/`-shm` behind.
    pub fn create(mut self, create: bool) -> Self {
        self.engine.create = create;
        self
    }

    /// An agent whose last heartbeat is older than this is stale (default 300 s).
    pub fn stale_after(mut self, threshold: Duration) -> Self {
        self.stale_after = threshold;
        self
    }

    /// Where the store reads the time for leases, staleness and heartbeats (default: the
    /// system clock). Tests pass a [`crate::ManualClock`] to move time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.engine.clock = clock.clone();
        self.clock = clock;
        self
    }

    /// A PostgreSQL database instead of a file: `postgresql://user:password@host:port/db`
    /// (or `postgres://`; `?host=/socket/dir` for a Unix socket, `?options=-csearch_path=team`
    /// for a schema of its own). The same as passing the URL as the path.
    pub fn url(self, url: impl Into<String>) -> Self {
        self.path(url.into())
    }

    /// Opens the database: a file (created if missing, unless [`StoreBuilder::create`] is off) or a PostgreSQL URL. Judges it before
    /// writing anything, and creates or upgrades agor's schema (a legacy file is upgraded in
    /// place, additively).
    pub fn open(self) -> Result<Store> {
        let path = match self.path.clone() {
            // SQLite would read "" as a private temporary database: nothing would be shared.
            Some(p) if p.as_os_str().is_empty() => {
                return Err(Error::invalid("path", "the database path is empty"))
            }
            Some(p) if p.as_os_str().as_encoded_bytes().contains(&0) => {
                return Err(Error::invalid(
                    "path",
                    "the database path contains a NUL byte",
                ))
            }
            Some(p) => p,
            None => default_path()?,
        };
        let url = path.to_str().filter(|p| storage::is_postgres_url(p));
        let (engine, path): (Box<dyn Engine>, PathBuf) =
            match url {
                #[cfg(feature = "postgres")]
                Some(url) => (
                    Box::new(storage::postgres::PgEngine::open(url, &self.engine)?),
                    storage::postgres::redact(url).into(),
                ),
                #[cfg(not(feature = "postgres"))]
                Some(_) => return Err(Error::invalid(
                    "path",
                    "this build of agor has no PostgreSQL support (agor-core's `postgres` feature)",
                )),
                None => (
                    Box::new(storage::sqlite::SqliteEngine::open(&path, &self.engine)?),
                    path,
                ),
            };
        Ok(Store {
            inner: Arc::new(Inner {
                engine,
                path,
                stale_after: self.stale_after,
                clock: self.clock,
                signs: Default::default(),
            }),
        })
    }
}

/// The path used when none is given: `$AGOR_DB` (a path or a PostgreSQL URL), else `~/.local/share/agor/btmsg.db`.
pub fn default_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "path",
                "no database path given and neither AGOR_DB nor HOME is set",
            )
        })?;
    Ok(PathBuf::from(home).join(".local/share/agor/btmsg.db"))
}

/// What a store's process knows of its agents' signs of life.
#[derive(Debug, Default)]
pub(crate) struct Signs {
    /// When each agent's liveness was last written (store clock, seconds).
    pub(crate) written: Mutex<HashMap<String, i64>>,
    /// Agents with an open presence, and how many.
    pub(crate) present: Mutex<HashMap<String, usize>>,
    /// Whether the thread that keeps present agents alive runs.
    pub(crate) keeper: Mutex<bool>,
}

/// A handle on one database: a SQLite file or a PostgreSQL database. Cheap to clone; clones
/// share one connection.
///
/// All methods take `&self`. What an operation changes is written in one transaction, so a
/// `Store` can be shared between threads, and many processes can open the same database at once.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) engine: Box<dyn Engine>,
    path: PathBuf,
    pub(crate) stale_after: Duration,
    clock: Arc<dyn Clock>,
    /// Signs of life this process records for its agents (see `liveness`).
    pub(crate) signs: Signs,
}

impl Store {
    /// A builder with the default settings.
    pub fn builder() -> StoreBuilder {
        StoreBuilder::default()
    }

    /// Opens `path` with default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::builder().path(path.as_ref()).open()
    }

    /// Opens a PostgreSQL database by URL (see [`StoreBuilder::url`]).
    pub fn open_url(url: &str) -> Result<Store> {
        Store::builder().url(url).open()
    }

    /// Opens `$AGOR_DB` (a path or a PostgreSQL URL) or the default path.
    pub fn open_default() -> Result<Store> {
        Store::builder().open()
    }

    /// The database file; for PostgreSQL, the URL without its password.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Staleness threshold for heartbeats.
    pub fn stale_after(&self) -> Duration {
        self.inner.stale_after
    }

    /// The staleness rule now: the threshold in whole seconds, saturating (`Duration::MAX`
    /// means never stale), and the clock's time.
    pub(crate) fn staleness(&self) -> crate::model::liveness::Staleness {
        crate::model::liveness::Staleness {
            after_secs: i64::try_from(self.inner.stale_after.as_secs()).unwrap_or(i64::MAX),
            now_secs: crate::clock::secs(self.now_ms()),
        }
    }

    /// Now, in milliseconds since the Unix epoch, from the store's clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        self.inner.engine.schema_version()
    }

    /// Runs `f` in one write transaction: commit on `Ok`, roll back on `Err`. Write
    /// transactions exclude each other across processes (see `storage` for the contract).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&dyn Tx) -> Result<T>) -> Result<T> {
        storage::run_once(f, |body| self.inner.engine.write(body)).map_err(|e| self.located(e))
    }

    /// Runs `f` in a row-lock write (see `storage`): on PostgreSQL it runs beside other
    /// row-lock writes; it runs again as an ordinary write when it calls [`Tx::escalate`], so
    /// it must not keep anything from one run to the next.
    pub(crate) fn write_rows<T>(&self, f: impl Fn(&dyn Tx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.inner
            .engine
            .write_rows(&mut |tx| {
                out = Some(f(tx)?);
                Ok(())
            })
            .map_err(|e| self.located(e))?;
        out.ok_or_else(|| {
            crate::error::StorageError::new("an engine skipped a transaction body").into()
        })
    }

    /// An agent that is not found is named with the database searched: the usual cause is a
    /// mistyped `--db` or `$AGOR_DB`, and the path says so at once.
    fn located(&self, e: Error) -> Error {
        match e {
            Error::NotFound {
                kind: crate::ObjectKind::Agent,
                id,
                database: None,
            } => Error::NotFound {
                kind: crate::ObjectKind::Agent,
                id,
                database: Some(self.inner.path.display().to_string()),
            },
            e => e,
        }
    }

    /// Runs `f` in a write transaction only if the write lock is free right now; `Ok(None)`
    /// when another process holds it or the database cannot be written. For housekeeping done
    /// on the way to a read (reopening lapsed leases), which must never make a read wait or fail.
    pub(crate) fn write_if_free<T>(
        &self,
        f: impl FnOnce(&dyn Tx) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        let ran = self.inner.engine.write_if_free(&mut |tx| {
            if let Some(f) = f.take() {
                out = Some(f(tx)?);
            }
            Ok(())
        })?;
        Ok(if ran { out } else { None })
    }

    /// Runs `f` in one read transaction (a consistent snapshot; never blocks writers).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&dyn Tx) -> Result<T>) -> Result<T> {
        storage::run_once(f, |body| self.inner.engine.read(body)).map_err(|e| self.located(e))
    }

    /// Runs `f`, a single query, in the cheapest transaction the engine offers.
    pub(crate) fn read_one<T>(&self, f: impl FnOnce(&dyn Tx) -> Result<T>) -> Result<T> {
        storage::run_once(f, |body| self.inner.engine.read_one(body)).map_err(|e| self.located(e))
    }
}
