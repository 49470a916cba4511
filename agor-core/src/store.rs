//! Opening the shared database file, connection pragmas, and the one write-transaction helper.
//! Every public operation runs through `Store::write` or `Store::read` exactly once.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::schema::{self, FileState};

mod file_access;
use file_access::open_error;

/// Prepared statements kept per connection (see `open_connection`).
pub(crate) const STATEMENT_CACHE_CAPACITY: usize = 256;

/// Environment variable that overrides the default database path.
pub const DB_ENV: &str = "AGOR_DB";

/// How hard each commit pushes data to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL`: in WAL mode a crash of the process never loses a commit;
    /// a power cut may lose the last few. The usual choice for a coordination file.
    #[default]
    Normal,
    /// `synchronous=FULL`: every commit is fsynced before it returns.
    Full,
}

/// Configures and opens a [`Store`].
#[derive(Debug, Clone)]
pub struct StoreBuilder {
    path: Option<PathBuf>,
    busy_timeout: Duration,
    durability: Durability,
    read_only: bool,
    stale_after: Duration,
    clock: Arc<dyn Clock>,
}

impl Default for StoreBuilder {
    fn default() -> Self {
        StoreBuilder {
            path: None,
            busy_timeout: Duration::from_secs(10),
            durability: Durability::Normal,
            read_only: false,
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
        self.busy_timeout = timeout;
        self
    }

    /// How hard each commit pushes data to disk (default [`Durability::Normal`]).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Open for reading only: every write fails with [`Error::ReadOnly`].
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
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
        self.clock = clock;
        self
    }

    /// Opens the file (creating it if missing), judges it before writing anything, and
    /// upgrades an agor or legacy file to the current schema.
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
        if !self.read_only {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                    path: parent.to_owned(),
                    source,
                })?;
            }
        }
        let conn = open_connection(&path, &self)?;
        Ok(Store {
            inner: Arc::new(Inner {
                conn: Mutex::new(OwnedConnection::new(conn)),
                opened_by: std::process::id(),
                path,
                busy_timeout: self.busy_timeout,
                stale_after: self.stale_after,
                clock: self.clock,
            }),
        })
    }
}

/// The path used when none is given: `$AGOR_DB`, else `~/.local/share/agor/btmsg.db`.
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

/// A handle on one database file. Cheap to clone; clones share one connection.
///
/// All methods take `&self`. Each public operation is one transaction, so a `Store` can be
/// shared between threads, and many processes can open the same file at once.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    conn: Mutex<OwnedConnection>,
    /// `std::process::id()` at open, compared on every call to notice a fork.
    opened_by: u32,
    path: PathBuf,
    busy_timeout: Duration,
    pub(crate) stale_after: Duration,
    clock: Arc<dyn Clock>,
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

    /// Opens `$AGOR_DB` or the default path.
    pub fn open_default() -> Result<Store> {
        Store::builder().open()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Staleness threshold for heartbeats.
    pub fn stale_after(&self) -> Duration {
        self.inner.stale_after
    }

    /// The staleness rule now: the threshold in whole seconds, saturating (`Duration::MAX`
    /// means never stale), and the clock's time.
    pub(crate) fn staleness(&self) -> crate::liveness::Staleness {
        crate::liveness::Staleness {
            after_secs: i64::try_from(self.inner.stale_after.as_secs()).unwrap_or(i64::MAX),
            now_secs: crate::clock::secs(self.now_ms()),
        }
    }

    /// Now, in milliseconds since the Unix epoch, from the store's clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
    }

    fn lock(&self) -> Result<MutexGuard<'_, OwnedConnection>> {
        // A child process must not use the parent's SQLite connection at all (SQLite forbids
        // carrying one across fork), so it gets a clear error and opens the file again. Checked
        // before locking: the child's copy of the mutex may have been locked by another thread
        // of the parent, and nothing would ever release it.
        let opened_by = self.inner.opened_by;
        if opened_by != std::process::id() {
            return Err(Error::OtherProcess {
                path: self.inner.path.clone(),
                opened_by,
            });
        }
        // A panic inside an operation leaves the connection usable: the transaction guard
        // rolled back while unwinding, so the poison flag carries no information.
        Ok(self.inner.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: commit on `Ok`, roll back on `Err`.
    ///
    /// Lock waits happen at `BEGIN` (where nothing is written yet), so a busy error never
    /// hides a committed write. A `COMMIT` that meets a busy lock is retried, not abandoned.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.lock()?;
        if conn.is_readonly(rusqlite::DatabaseName::Main)? {
            return Err(self.read_only_error("the file was opened read-only"));
        }
        let guard = TxGuard::begin_immediate(&conn, self.inner.busy_timeout)
            .map_err(|e| self.classify(e))?;
        let value = f(&conn).map_err(|e| self.classify(e))?;
        guard.commit()?;
        Ok(value)
    }

    /// Runs `f` in a write transaction only if the write lock is free right now; `Ok(None)`
    /// when another process holds it or the file cannot be written. For housekeeping done on
    /// the way to a read (reopening lapsed leases), which must never make a read wait or fail.
    pub(crate) fn write_if_free<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<Option<T>> {
        let conn = self.lock()?;
        if conn.is_readonly(rusqlite::DatabaseName::Main)? {
            return Ok(None);
        }
        conn.busy_timeout(Duration::ZERO)?;
        let begun = run_cached(&conn, "BEGIN IMMEDIATE");
        conn.busy_timeout(self.inner.busy_timeout)?;
        match begun {
            Ok(()) => {}
            Err(e) if is_busy(&e) || e.sqlite_error_code() == Some(ErrorCode::ReadOnly) => {
                return Ok(None)
            }
            Err(e) => return Err(e.into()),
        }
        let guard = TxGuard::new(&conn, Instant::now());
        let value = match f(&conn).map_err(|e| self.classify(e)) {
            Ok(v) => v,
            Err(e) if e.kind() == crate::ErrorKind::ReadOnly => return Ok(None),
            Err(e) => return Err(e),
        };
        match guard.commit() {
            Ok(()) => Ok(Some(value)),
            Err(e) if e.kind() == crate::ErrorKind::Busy => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs `f` in one read transaction (a consistent snapshot; never blocks writers in WAL).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.lock()?;
        run_cached(&conn, "BEGIN DEFERRED")?;
        let guard = TxGuard::new(&conn, Instant::now());
        let value = f(&conn)?;
        guard.finish_read()?;
        Ok(value)
    }

    /// Runs `f` as a single statement's implicit transaction, for reads that are one query.
    /// Saves the explicit BEGIN/COMMIT pair on the hottest paths (`unread_count`).
    pub(crate) fn read_one<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.lock()?;
        f(&conn)
    }

    fn classify(&self, e: Error) -> Error {
        match e {
            Error::Storage(ref s) if s.0.sqlite_error_code() == Some(ErrorCode::ReadOnly) => {
                self.read_only_error("the file or its folder is not writable")
            }
            other => other,
        }
    }

    fn read_only_error(&self, reason: &str) -> Error {
        Error::ReadOnly {
            path: self.inner.path.clone(),
            reason: format!("{reason}; writes are refused"),
        }
    }
}

/// The SQLite connection and the process that opened it. Dropped in another process (a child
/// after fork, when its copy of the store goes away) the connection is leaked, not closed:
/// closing it there would run SQLite's close path on state that belongs to the parent — its
/// file descriptors, its in-memory lock table and POSIX locks, its WAL index — and could
/// release the parent's locks or unlink files the parent still uses.
#[derive(Debug)]
pub(crate) struct OwnedConnection {
    conn: Option<Connection>,
    opened_by: u32,
}

impl OwnedConnection {
    fn new(conn: Connection) -> Self {
        OwnedConnection {
            conn: Some(conn),
            opened_by: std::process::id(),
        }
    }
}

impl Deref for OwnedConnection {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Only `drop` empties the option, so every borrow sees the connection.
        self.conn
            .as_ref()
            .expect("the connection is present until drop")
    }
}

impl Drop for OwnedConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.opened_by != std::process::id() {
                std::mem::forget(conn);
            }
        }
    }
}

/// Rolls back on drop unless committed, so an error or a panic never leaves a transaction open.
struct TxGuard<'c> {
    conn: &'c Connection,
    deadline: Instant,
    done: bool,
}

impl<'c> TxGuard<'c> {
    fn new(conn: &'c Connection, deadline: Instant) -> Self {
        TxGuard {
            conn,
            deadline,
            done: false,
        }
    }

    /// Takes the write lock. Lock waits happen here, before anything is written.
    fn begin_immediate(conn: &'c Connection, timeout: Duration) -> Result<Self> {
        let deadline = Instant::now() + timeout;
        retry_while_busy(deadline, || run_cached(conn, "BEGIN IMMEDIATE"))?;
        Ok(TxGuard::new(conn, deadline))
    }

    fn commit(mut self) -> Result<()> {
        // SQLite keeps the transaction open after a busy COMMIT, so retrying is safe, and a
        // busy error returned from here means the commit did not happen.
        retry_while_busy(self.deadline, || run_cached(self.conn, "COMMIT"))?;
        self.done = true;
        Ok(())
    }

    fn finish_read(mut self) -> Result<()> {
        // Only a successful COMMIT closes the transaction; otherwise the drop rolls it back.
        run_cached(self.conn, "COMMIT")?;
        self.done = true;
        Ok(())
    }
}

impl Drop for TxGuard<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Runs a transaction-control statement from the statement cache: these run on every
/// operation, and `execute_batch` would parse them each time.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked)
    )
}

/// Retries `op` while SQLite reports a busy lock, until `deadline`. The connection's busy
/// handler does most of the waiting; this covers the states where SQLite skips it
/// (e.g. WAL recovery or a journal-mode change racing another process).
fn retry_while_busy<T>(
    deadline: Instant,
    mut op: impl FnMut() -> rusqlite::Result<T>,
) -> Result<T> {
    let started = Instant::now();
    let mut attempt: u64 = 0;
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                attempt += 1;
                let jitter = u64::from(std::process::id()).wrapping_add(attempt) % 7;
                std::thread::sleep(Duration::from_millis((2 * attempt).min(50) + jitter));
            }
            Err(e) if is_busy(&e) => {
                return Err(Error::Busy {
                    waited_ms: started.elapsed().as_millis() as u64,
                })
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn open_connection(path: &Path, cfg: &StoreBuilder) -> Result<Connection> {
    let flags = if cfg.read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| open_error(path, !cfg.read_only, e))?;
    conn.busy_timeout(cfg.busy_timeout)?;
    // Larger than the number of distinct statements the core prepares (about 70 call sites,
    // about 130 texts once the variants built from filters and id scopes are counted), so a
    // long-lived handle never re-parses one. The cache evicts least-recently-used first, so
    // with 64 a workload cycling through more statements than that missed on every call.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    // Short-lived processes (a CLI call per prompt) would otherwise checkpoint and fsync the
    // whole WAL each time the last connection closes. Commits still checkpoint automatically
    // once the WAL passes 1000 pages, so it stays bounded; the -wal file simply persists.
    // Set before the first read: closing a refused file must not checkpoint its -wal into it.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;

    // Look before writing anything: a foreign or newer file must be left byte-for-byte as it was.
    // (Opening is lazy: nothing touched the file or its folder before this first read.)
    let (conn, state) = inspect_without_trace(path, conn, cfg)?;
    check_state(path, &state)?;
    let read_only = cfg.read_only || conn.is_readonly(rusqlite::DatabaseName::Main)?;

    conn.pragma_update(None, "foreign_keys", true)?;
    let sync = match cfg.durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync)?;

    if state
        != (FileState::Agor {
            version: schema::LATEST_VERSION,
        })
    {
        if read_only {
            return Err(Error::ReadOnly {
                path: path.to_owned(),
                reason: "the file needs a schema upgrade, which cannot be written".into(),
            });
        }
        // The upgrade runs in whatever journal mode the file has (a rollback journal for a new
        // or legacy file), so a migration that fails rolls back to the very same bytes.
        upgrade(&conn, path, cfg.busy_timeout)?;
    }
    // Only a file now known to be ours is switched to WAL (which rewrites header bytes 18-19).
    if !read_only {
        set_wal(&conn, cfg.busy_timeout)?;
    }
    Ok(conn)
}

/// Judges the file read-only and, where an ordinary read would create `-wal`/`-shm` (a WAL
/// file without them), through an immutable probe that creates nothing, so a refused file
/// keeps its folder as it was. The probe also serves a WAL file in a read-only folder, where
/// SQLite cannot create the `-shm` index an ordinary read needs: there no writer can create a
/// `-wal` either, so the main file is the whole database and stays so.
fn inspect_without_trace(
    path: &Path,
    conn: Connection,
    cfg: &StoreBuilder,
) -> Result<(Connection, FileState)> {
    let create = !cfg.read_only;
    let mut probe = None;
    if file_access::wal_without_side_files(path) {
        let quiet = file_access::open_immutable(path).map_err(|e| open_error(path, create, e))?;
        if let Ok(state) = schema::inspect(&quiet) {
            // Refuse only if still nobody else has the file open: a writer that appeared
            // meanwhile could have changed what the lock-free probe read.
            if let Err(refused) = check_state(path, &state) {
                if file_access::wal_without_side_files(path) {
                    return Err(refused);
                }
            }
        }
        probe = Some(quiet);
    }
    match schema::inspect(&conn) {
        Ok(state) => Ok((conn, state)),
        Err(e)
            if file_access::is_access_failure(&e) && file_access::wal_without_side_files(path) =>
        {
            let Some(quiet) = probe else {
                return Err(open_error(path, create, e));
            };
            quiet.busy_timeout(cfg.busy_timeout)?;
            let state = schema::inspect(&quiet).map_err(|e| open_error(path, create, e))?;
            Ok((quiet, state))
        }
        Err(e) => Err(open_error(path, create, e)),
    }
}

fn check_state(path: &Path, state: &FileState) -> Result<()> {
    match state {
        FileState::Foreign { reason } => Err(Error::NotAgorDatabase {
            path: path.to_owned(),
            reason: reason.clone(),
        }),
        FileState::Agor { version } if *version > schema::LATEST_VERSION => {
            Err(Error::SchemaTooNew {
                path: path.to_owned(),
                found: *version,
                supported: schema::LATEST_VERSION,
            })
        }
        _ => Ok(()),
    }
}

/// Migrates under the write lock, re-inspecting first: when several processes open a file at
/// once, the first migrates and the others find the work done.
fn upgrade(conn: &Connection, path: &Path, timeout: Duration) -> Result<()> {
    let guard = TxGuard::begin_immediate(conn, timeout)?;
    let state = schema::inspect(conn)?;
    check_state(path, &state)?;
    let from = match state {
        FileState::Agor { version } => version,
        // Foreign was refused by check_state; Empty and Legacy start from the baseline.
        _ => 0,
    };
    schema::migrate(conn, from)?;
    guard.commit()
}

fn set_wal(conn: &Connection, timeout: Duration) -> Result<()> {
    retry_while_busy(Instant::now() + timeout, || {
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a child sees after fork(): a store opened by another pid, whose connection lock a
    /// thread of the parent may have held at that moment (it is never released in the child).
    #[test]
    fn a_store_from_another_process_refuses_without_waiting_for_its_lock() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("fork.db")).unwrap();
        let mut inner = Arc::try_unwrap(store.inner).unwrap();
        let other = std::process::id().wrapping_add(1);
        inner.opened_by = other;
        // Also exercises the drop path: the connection is leaked, not closed.
        inner.conn.get_mut().unwrap().opened_by = other;
        let forked = Store {
            inner: Arc::new(inner),
        };
        let _held = forked.inner.conn.lock().unwrap();
        let e = forked.schema_version().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Storage);
        assert!(
            matches!(e, Error::OtherProcess { opened_by, .. } if opened_by == other),
            "{e:?}"
        );
        assert!(e.to_string().contains("open it again after fork"), "{e}");
    }
}
