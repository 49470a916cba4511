//! The SQLite engine: one file shared by many processes. Opening (judging the file before
//! writing anything, migrating, WAL), the transaction discipline (`BEGIN IMMEDIATE` writes,
//! snapshot reads), and the [`Tx`] that runs the core's statements on a connection.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef as SqlValue};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::storage::options::{Durability, EngineOptions};
use crate::storage::wake::Hub;
use crate::storage::{
    ChangeSignal, Dialect, Engine, Listener, Param, Row, RowSource, Tx, TxCommon, ValueRef,
};

mod backup;
mod bells;
mod errors;
mod file_access;
#[cfg(test)]
mod query_plans;
pub(crate) mod schema;
mod signal;

use bells::BellFolder;
pub(crate) use errors::{sqlite_code, storage_error, SqlResult};
use file_access::open_error;
use schema::FileState;

/// Prepared statements kept per connection (see `open_connection`).
pub(crate) const STATEMENT_CACHE_CAPACITY: usize = 256;

/// A store's SQLite database: one connection, used by one call at a time.
#[derive(Debug)]
pub(crate) struct SqliteEngine {
    conn: Mutex<OwnedConnection>,
    /// `std::process::id()` at open, compared on every call to notice a fork.
    opened_by: u32,
    path: PathBuf,
    busy_timeout: Duration,
    clock: Arc<dyn Clock>,
    /// Where commits ring the waiters they concern.
    bells: BellFolder,
    /// The store's shared waiter, made by the first wait.
    hub: Mutex<Option<Arc<Hub>>>,
}

impl SqliteEngine {
    /// Opens the file (creating it if missing), judges it before writing anything, and
    /// upgrades an agor or legacy file to the current schema.
    pub(crate) fn open(path: &Path, cfg: &EngineOptions) -> Result<SqliteEngine> {
        if !cfg.create && !path.exists() {
            return Err(Error::not_found(
                crate::ObjectKind::Database,
                path.display().to_string(),
            ));
        }
        if !cfg.read_only && cfg.create {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                    path: parent.to_owned(),
                    source,
                })?;
            }
        }
        let conn = open_connection(path, cfg)?;
        Ok(SqliteEngine {
            conn: Mutex::new(OwnedConnection::new(conn)),
            opened_by: std::process::id(),
            path: path.to_owned(),
            busy_timeout: cfg.busy_timeout,
            clock: cfg.clock.clone(),
            bells: BellFolder::beside(path),
            hub: Mutex::default(),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, OwnedConnection>> {
        // A child process must not use the parent's SQLite connection at all (SQLite forbids
        // carrying one across fork), so it gets a clear error and opens the file again. Checked
        // before locking: the child's copy of the mutex may have been locked by another thread
        // of the parent, and nothing would ever release it.
        let opened_by = self.opened_by;
        if opened_by != std::process::id() {
            return Err(Error::OtherProcess {
                path: self.path.clone(),
                opened_by,
            });
        }
        // A panic inside an operation leaves the connection usable: the transaction guard
        // rolled back while unwinding, so the poison flag carries no information.
        Ok(self.conn.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn classify(&self, e: Error) -> Error {
        if sqlite_code(&e) == Some(ErrorCode::ReadOnly) {
            return self.read_only_error("the file or its folder is not writable");
        }
        e
    }

    fn read_only_error(&self, reason: &str) -> Error {
        Error::ReadOnly {
            path: self.path.clone(),
            reason: format!("{reason}; writes are refused"),
        }
    }
}

impl Engine for SqliteEngine {
    /// One `BEGIN IMMEDIATE` transaction. Lock waits happen at `BEGIN` (where nothing is
    /// written yet), so a busy error never hides a committed write. A `COMMIT` that meets a
    /// busy lock is retried, not abandoned.
    fn write(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let conn = self.lock()?;
        if conn.is_readonly(rusqlite::DatabaseName::Main).sql()? {
            return Err(self.read_only_error("the file was opened read-only"));
        }
        let guard =
            TxGuard::begin_immediate(&conn, self.busy_timeout).map_err(|e| self.classify(e))?;
        let tx = SqliteTx::new(&conn, &*self.clock);
        f(&tx).map_err(|e| self.classify(e))?;
        let rung = tx.common.bells.take();
        drop(tx);
        guard.commit()?;
        // After the connection lock is released: ringing opens files, which must never
        // hold up the store's other calls.
        drop(conn);
        self.bells.ring(&rung);
        Ok(())
    }

    fn write_if_free(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<bool> {
        let conn = self.lock()?;
        if conn.is_readonly(rusqlite::DatabaseName::Main).sql()? {
            return Ok(false);
        }
        conn.busy_timeout(Duration::ZERO).sql()?;
        let begun = run_cached(&conn, "BEGIN IMMEDIATE");
        conn.busy_timeout(self.busy_timeout).sql()?;
        match begun {
            Ok(()) => {}
            Err(e) if is_busy(&e) || e.sqlite_error_code() == Some(ErrorCode::ReadOnly) => {
                return Ok(false)
            }
            Err(e) => return Err(storage_error(e)),
        }
        let guard = TxGuard::new(&conn, Instant::now());
        let tx = SqliteTx::new(&conn, &*self.clock);
        match f(&tx).map_err(|e| self.classify(e)) {
            Ok(()) => {}
            Err(e) if e.kind() == crate::ErrorKind::ReadOnly => return Ok(false),
            Err(e) => return Err(e),
        }
        let rung = tx.common.bells.take();
        drop(tx);
        match guard.commit() {
            Ok(()) => {
                drop(conn);
                self.bells.ring(&rung);
                Ok(true)
            }
            Err(e) if e.kind() == crate::ErrorKind::Busy => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A deferred transaction: a consistent snapshot that never blocks writers in WAL.
    fn read(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let conn = self.lock()?;
        run_cached(&conn, "BEGIN DEFERRED").sql()?;
        let guard = TxGuard::new(&conn, Instant::now());
        f(&SqliteTx::new(&conn, &*self.clock))?;
        guard.finish_read()
    }

    /// The statement's implicit transaction: saves the explicit BEGIN/COMMIT pair on the
    /// hottest paths (`unread_count`).
    fn read_one(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let conn = self.lock()?;
        f(&SqliteTx::new(&conn, &*self.clock))
    }

    fn schema_version(&self) -> Result<i64> {
        let conn = self.lock()?;
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .sql()
    }

    fn backup(&self, target: &Path) -> Result<()> {
        let conn = self.lock()?;
        backup::vacuum_into(&conn, target)
    }

    fn change_signal(&self, who: &Listener) -> Result<Box<dyn ChangeSignal>> {
        if self.opened_by != std::process::id() {
            return Err(Error::OtherProcess {
                path: self.path.clone(),
                opened_by: self.opened_by,
            });
        }
        let hub = {
            let mut hub = self.hub.lock().unwrap_or_else(|e| e.into_inner());
            match &*hub {
                Some(h) => h.clone(),
                None => {
                    let (path, timeout) = (&self.path, self.busy_timeout);
                    let made = Hub::new(|rings| {
                        Ok(Box::new(signal::SqliteSource::new(path, timeout, rings)?))
                    })?;
                    hub.insert(made).clone()
                }
            }
        };
        hub.signal(who)
    }
}

/// The core's statements on one SQLite connection, inside a transaction the engine opened,
/// and the bells its changes rang (rung after the commit).
struct SqliteTx<'c> {
    conn: &'c Connection,
    common: TxCommon,
}

impl<'c> SqliteTx<'c> {
    fn new(conn: &'c Connection, clock: &dyn Clock) -> Self {
        SqliteTx {
            conn,
            common: TxCommon::new(Dialect::Sqlite, clock),
        }
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Param::Null => SqlValue::Null,
            Param::Int(n) => SqlValue::Integer(*n),
            Param::Text(s) => SqlValue::Text(s.as_bytes()),
        }))
    }
}

impl RowSource for rusqlite::Row<'_> {
    fn value(&self, i: usize) -> Result<ValueRef<'_>> {
        Ok(match self.get_ref(i).sql()? {
            SqlValue::Null => ValueRef::Null,
            SqlValue::Integer(n) => ValueRef::Int(n),
            SqlValue::Real(x) => ValueRef::Real(x),
            SqlValue::Text(t) => ValueRef::Text(t),
            SqlValue::Blob(b) => ValueRef::Blob(b),
        })
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(sql).sql()?;
        stmt.execute(rusqlite::params_from_iter(params)).sql()
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(sql).sql()?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params)).sql()?;
        while let Some(r) = rows.next().sql()? {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn common(&self) -> &TxCommon {
        &self.common
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
        run_cached(self.conn, "COMMIT").sql()?;
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
            Err(e) => return Err(storage_error(e)),
        }
    }
}

fn open_connection(path: &Path, cfg: &EngineOptions) -> Result<Connection> {
    let flags = if cfg.read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX
        // Without it, a file removed since the check above is an open error, not a new file.
        | if cfg.create && !cfg.read_only {
            OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::empty()
        };
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| open_error(path, !cfg.read_only, e))?;
    conn.busy_timeout(cfg.busy_timeout).sql()?;
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
    )
    .sql()?;

    // Look before writing anything: a foreign or newer file must be left byte-for-byte as it was.
    // (Opening is lazy: nothing touched the file or its folder before this first read.)
    let (conn, state) = inspect_without_trace(path, conn, cfg)?;
    check_state(path, &state)?;
    let read_only = cfg.read_only || conn.is_readonly(rusqlite::DatabaseName::Main).sql()?;

    conn.pragma_update(None, "foreign_keys", true).sql()?;
    let sync = match cfg.durability {
        Durability::Normal => "NORMAL",
        Durability::Full => "FULL",
    };
    conn.pragma_update(None, "synchronous", sync).sql()?;

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
    cfg: &EngineOptions,
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
            quiet.busy_timeout(cfg.busy_timeout).sql()?;
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
    let state = schema::inspect(conn).sql()?;
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
        let mut forked =
            SqliteEngine::open(&dir.path().join("fork.db"), &EngineOptions::default()).unwrap();
        let other = std::process::id().wrapping_add(1);
        forked.opened_by = other;
        // Also exercises the drop path: the connection is leaked, not closed.
        forked.conn.get_mut().unwrap().opened_by = other;
        let _held = forked.conn.lock().unwrap();
        let e = forked.schema_version().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Storage);
        assert!(
            matches!(e, Error::OtherProcess { opened_by, .. } if opened_by == other),
            "{e:?}"
        );
        assert!(e.to_string().contains("open it again after fork"), "{e}");
    }
}
