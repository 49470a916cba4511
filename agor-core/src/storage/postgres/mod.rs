//! The PostgreSQL engine: one database (one schema of it) shared by agents on many machines.
//!
//! It keeps the storage locking contract (see `storage`) the way SQLite does: every write
//! transaction first takes one transaction-scoped advisory lock per agor schema, so writes are
//! serialized, and check-then-insert steps stay race-free under READ COMMITTED without a
//! retry loop. Serializing writers costs little here (each write is a handful of indexed
//! statements) and it means no write ever fails with a serialization or deadlock error: all
//! writers wait on one lock, in order, and readers take no locks at all. Reads run in
//! `REPEATABLE READ READ ONLY` transactions: one snapshot, never waiting for a writer.
//!
//! # Row-lock writes (claim, renew, release, complete)
//! One lock per schema would make eight claiming processes no faster than one, so the claim
//! path ([`Engine::write_rows`], see `storage`) takes that same advisory lock *shared*: row-lock
//! writes run side by side, while every ordinary write (exclusive) still runs alone, with no
//! row-lock write in flight, exactly as before. Among themselves row-lock writes lock the task
//! row they act on (`FOR NO KEY UPDATE`; claim-next `… SKIP LOCKED`), so a task is claimed,
//! renewed, released or completed by one of them at a time, and the conditional `UPDATE`s
//! re-check their row under READ COMMITTED.
//!
//! The catch is the ordered logs: the change feed (read by `id > cursor`), the audit log and
//! task comments (search catches up on them by `rowid`). With concurrent writers a row with a
//! smaller id could commit after a reader saw a larger one, and the reader would skip it for
//! good. So a row-lock write does not append to them as it goes: its appends wait in the
//! transaction and are sent, with its `NOTIFY` and `COMMIT`, as one batch that takes a
//! second, exclusive advisory lock (the *tail lock*) just before the appends. Appends
//! therefore happen only under the exclusive schema lock or the tail lock, never both at once
//! by two transactions, and each holds its lock until its commit is visible: ids still become
//! visible in order, and the tail costs one round trip. Readers need no change: no id still
//! in flight is ever smaller than one they can see, so `id > cursor` skips nothing.
//! Deadlock-free by construction: the tail lock is taken last, by a transaction that then
//! touches no row another row-lock write may hold; an ordinary write never waits for a row,
//! since no row-lock write is in flight while it runs. Tested by `tests/rust/row_locks.rs`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, Statement};

use crate::clock::Clock;
use crate::error::{Error, Result, StorageError};
use crate::storage::options::EngineOptions;
use crate::storage::wake::Hub;
use crate::storage::{
    Bell, ChangeSignal, Dialect, Engine, Listener, Param, Row, RowSource, Tx, TxCommon, ValueRef,
};

mod locks;
mod schema;
mod signal;
mod url;

use locks::{LOCK_CLASS, TAIL_CLASS};
pub(crate) use url::storage_error;

pub use schema::LATEST_VERSION;
pub(crate) use url::redact;

/// The tables whose rows readers take in id order (`id > cursor`): a row-lock write appends
/// to them only in its commit batch, under the tail lock.
const ORDERED_LOGS: [&str; 5] = [
    "agor_changes",
    "audit_log",
    "task_comments",
    "messages",
    "channel_messages",
];

/// Whether `sql` appends to one of [`ORDERED_LOGS`].
fn appends_to_ordered_log(sql: &str) -> bool {
    let Some(rest) = sql.trim_start().strip_prefix("INSERT INTO ") else {
        return false;
    };
    let table = rest.split(|c: char| c.is_whitespace() || c == '(').next();
    table.is_some_and(|t| ORDERED_LOGS.contains(&t))
}

/// A store's PostgreSQL database: one connection, used by one call at a time, in the order
/// the calls came (see [`Turn`]).
pub(crate) struct PgEngine {
    conn: parking_lot::Mutex<Connection>,
    /// `std::process::id()` at connect; a forked child must not share the socket.
    opened_by: u32,
    /// The URL as given (a waiter opens a connection of its own with it).
    url: String,
    /// The URL without its password, for messages.
    shown: String,
    read_only: bool,
    busy_timeout: Duration,
    clock: Arc<dyn Clock>,
    /// The store's shared waiter, made by the first wait.
    hub: Mutex<Option<std::sync::Arc<Hub>>>,
}

/// The engine's connection, held by one call: on release it goes to the call that has waited
/// longest, not to whichever thread wakes first. So on a shared server (`agor mcp --http`,
/// `agor serve`) one client's burst of calls queues behind the others' instead of starving
/// them. Under the flood of waits of tests/python/test_mcp_hostile.py, the longest wait for the
/// connection was 0.35–0.78 s with the plain lock (past the test's 1 s for a whole call, now
/// and then) and 0.14 s with this one.
struct Turn<'a>(Option<parking_lot::MutexGuard<'a, Connection>>);

impl std::ops::Deref for Turn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.0
            .as_deref()
            .expect("a turn holds the connection until dropped")
    }
}

impl std::ops::DerefMut for Turn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.0
            .as_deref_mut()
            .expect("a turn holds the connection until dropped")
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Some(guard) = self.0.take() {
            parking_lot::MutexGuard::unlock_fair(guard);
        }
    }
}

impl std::fmt::Debug for PgEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgEngine")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// The client, its prepared statements (keyed by the core's SQL text) and the lock key.
struct Connection {
    client: Option<Client>,
    statements: HashMap<String, Statement>,
    /// The appends of row-lock writes, prepared with SQL `PREPARE` (by SQL text: its name),
    /// so a commit batch runs them with `EXECUTE` instead of parsing and planning each.
    appends: HashMap<String, String>,
    lock_key: i32,
    opened_by: u32,
    /// The last call lost the connection (an I/O error, not an error of the database).
    lost: bool,
}

/// Whether `e` says the connection is gone rather than that the database refused something.
fn lost_connection(e: &Error) -> bool {
    match e {
        Error::Storage(s) => s
            .engine_error::<postgres::Error>()
            .is_some_and(|pe| pe.as_db_error().is_none() && pe.code().is_none()),
        _ => false,
    }
}

impl Connection {
    /// Notes a lost connection in `result`, so the next call connects again.
    fn note<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(e) = &result {
            self.lost |= lost_connection(e);
        }
        result
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // In a forked child the socket belongs to the parent's session: closing it politely
        // would end the parent's session too. Leak it instead (the OS closes our copy).
        if self.opened_by != std::process::id() {
            std::mem::forget(self.client.take());
        }
    }
}

fn sql_state(e: &Error) -> Option<&SqlState> {
    match e {
        Error::Storage(s) => s.engine_error::<postgres::Error>()?.code(),
        _ => None,
    }
}

impl PgEngine {
    /// Connects, judges the database (agor's, empty, another application's or newer), and
    /// creates or upgrades agor's schema under the write lock.
    pub(crate) fn open(url: &str, cfg: &EngineOptions) -> Result<PgEngine> {
        let shown = redact(url);
        let mut client = url::connect(url, &shown, cfg.busy_timeout)?;
        let lock_key = schema::current(&mut client)?.1;
        let mut conn = Connection {
            client: Some(client),
            statements: HashMap::new(),
            appends: HashMap::new(),
            lock_key,
            opened_by: std::process::id(),
            lost: false,
        };
        schema::prepare(conn.client(), &shown, lock_key, cfg.read_only, cfg.create)?;
        Ok(PgEngine {
            conn: parking_lot::Mutex::new(conn),
            opened_by: std::process::id(),
            url: url.to_owned(),
            shown,
            read_only: cfg.read_only,
            busy_timeout: cfg.busy_timeout,
            clock: cfg.clock.clone(),
            hub: Mutex::default(),
        })
    }

    fn lock(&self) -> Result<Turn<'_>> {
        if self.opened_by != std::process::id() {
            return Err(Error::OtherProcess {
                path: self.shown.clone().into(),
                opened_by: self.opened_by,
            });
        }
        let mut conn = Turn(Some(self.conn.lock()));
        // A connection the server dropped (a restart, an idle timeout) failed the call that
        // found out; the next call gets a fresh one rather than failing forever. Only between
        // transactions: nothing is retried, so nothing runs twice.
        if conn.lost || conn.client().is_closed() {
            let client = url::connect(&self.url, &self.shown, self.busy_timeout)?;
            conn.client = Some(client);
            conn.statements.clear();
            conn.appends.clear();
            conn.lost = false;
        }
        Ok(conn)
    }

    fn read_only_error(&self) -> Error {
        Error::ReadOnly {
            path: self.shown.clone().into(),
            reason: "the store was opened read-only; writes are refused".into(),
        }
    }

    /// Runs `f` between `begin` and COMMIT, after taking `lock` if given; rolls back on any
    /// error. `Ok(false)` when `lock` answered false (the lock was not free): nothing ran.
    /// An ordinary write's transaction: the schema lock taken exclusively, so it runs alone.
    fn exclusive(
        &self,
        conn: &mut Connection,
        f: &mut dyn FnMut(&dyn Tx) -> Result<()>,
    ) -> Result<()> {
        self.transaction(
            conn,
            "BEGIN ISOLATION LEVEL READ COMMITTED",
            Some("SELECT true FROM (SELECT pg_advisory_xact_lock($1, $2)) AS waited"),
            f,
        )
        .map(drop)
    }

    fn transaction(
        &self,
        conn: &mut Connection,
        begin: &str,
        lock: Option<&str>,
        f: &mut dyn FnMut(&dyn Tx) -> Result<()>,
    ) -> Result<bool> {
        conn.client().batch_execute(begin).map_err(storage_error)?;
        match Self::body(conn, lock, &*self.clock, f) {
            Ok(true) => {
                conn.client()
                    .batch_execute("COMMIT")
                    .map_err(|e| self.classify(storage_error(e)))?;
                Ok(true)
            }
            other => {
                // The error (or the lock not taken) is what the caller needs; a failing
                // rollback on a broken connection adds nothing.
                let _ = conn.client().batch_execute("ROLLBACK");
                other.map_err(|e| self.classify(e))
            }
        }
    }

    fn body(
        conn: &mut Connection,
        lock: Option<&str>,
        clock: &dyn Clock,
        f: &mut dyn FnMut(&dyn Tx) -> Result<()>,
    ) -> Result<bool> {
        if let Some(lock) = lock {
            let key = conn.lock_key;
            let got: bool = conn
                .client()
                .query_one(lock, &[&LOCK_CLASS, &key])
                .map_err(storage_error)?
                .try_get(0)
                .map_err(storage_error)?;
            if !got {
                return Ok(false);
            }
        }
        let tx = PgTx::new(conn, clock);
        f(&tx)?;
        tx.notify()?;
        Ok(true)
    }

    /// A row-lock write: the schema lock shared, the body, then the deferred appends under
    /// the tail lock and COMMIT in one batch. `Err(Escalated)` when the body asked for the
    /// exclusive lock (rolled back; the caller runs it again as an ordinary write).
    fn row_transaction(
        &self,
        conn: &mut Connection,
        f: &mut dyn FnMut(&dyn Tx) -> Result<()>,
    ) -> std::result::Result<Result<()>, Escalated> {
        let key = conn.lock_key;
        let begin = format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED; \
             SELECT pg_advisory_xact_lock_shared({LOCK_CLASS}, {key})"
        );
        if let Err(e) = conn.client().batch_execute(&begin) {
            let _ = conn.client().batch_execute("ROLLBACK");
            return Ok(Err(self.classify(storage_error(e))));
        }
        let tx = PgTx::rows(conn, &*self.clock);
        let tail = f(&tx).and_then(|()| tx.commit_batch(key));
        let escalated = tx.common.escalated.get();
        drop(tx);
        let tail = match tail {
            Ok(batch) => batch,
            Err(e) => {
                let _ = conn.client().batch_execute("ROLLBACK");
                return if escalated {
                    Err(Escalated)
                } else {
                    Ok(Err(self.classify(e)))
                };
            }
        };
        if let Err(e) = conn.client().batch_execute(&tail) {
            // A failed statement skips the rest of the batch, COMMIT included.
            let _ = conn.client().batch_execute("ROLLBACK");
            return Ok(Err(self.classify(storage_error(e))));
        }
        Ok(Ok(()))
    }

    fn classify(&self, e: Error) -> Error {
        match sql_state(&e) {
            Some(s) if *s == SqlState::LOCK_NOT_AVAILABLE => Error::Busy {
                waited_ms: self.busy_timeout.as_millis() as u64,
            },
            Some(s) if *s == SqlState::READ_ONLY_SQL_TRANSACTION => self.read_only_error(),
            _ => e,
        }
    }
}

impl Connection {
    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("the client is present until drop")
    }

    /// The name of an append's SQL-level prepared statement, prepared on first use. A
    /// `PREPARE` is not undone by a rollback, so the name stays valid for the session.
    fn append_statement(&mut self, sql: &str) -> Result<String> {
        if let Some(name) = self.appends.get(sql) {
            return Ok(name.clone());
        }
        let name = format!("agor_append_{}", self.appends.len());
        self.client()
            .batch_execute(&format!("PREPARE {name} AS {}", numbered_parameters(sql)))
            .map_err(storage_error)?;
        self.appends.insert(sql.to_owned(), name.clone());
        Ok(name)
    }

    /// The prepared statement for one of the core's SQL texts, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let stmt = self
            .client()
            .prepare(&numbered_parameters(sql))
            .map_err(storage_error)?;
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

impl Engine for PgEngine {
    fn write(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        if self.read_only {
            return Err(self.read_only_error());
        }
        let mut conn = self.lock()?;
        let r = self.exclusive(&mut conn, f);
        conn.note(r)
    }

    fn write_rows(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        if self.read_only {
            return Err(self.read_only_error());
        }
        let mut conn = self.lock()?;
        let r = self.row_transaction(&mut conn, f);
        let r = match r {
            Err(Escalated) => self.exclusive(&mut conn, f),
            Ok(r) => r,
        };
        conn.note(r)
    }

    fn write_if_free(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<bool> {
        if self.read_only {
            return Ok(false);
        }
        let mut conn = self.lock()?;
        let r = self.transaction(
            &mut conn,
            "BEGIN ISOLATION LEVEL READ COMMITTED",
            Some("SELECT pg_try_advisory_xact_lock($1, $2)"),
            f,
        );
        conn.note(r)
    }

    fn read(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let mut conn = self.lock()?;
        let r = self.transaction(
            &mut conn,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            None,
            f,
        );
        conn.note(r).map(drop)
    }

    fn read_one(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        // One statement outside BEGIN is its own transaction: one round trip, not three.
        let mut conn = self.lock()?;
        let r = f(&PgTx::new(&mut conn, &*self.clock));
        conn.note(r)
    }

    fn schema_version(&self) -> Result<i64> {
        let mut conn = self.lock()?;
        schema::version(conn.client())?.ok_or_else(|| {
            StorageError::new(format!("{}: agor's schema is gone", self.shown)).into()
        })
    }

    fn change_signal(&self, who: &Listener) -> Result<Box<dyn ChangeSignal>> {
        let hub = {
            let mut hub = self.hub.lock().unwrap_or_else(|e| e.into_inner());
            match &*hub {
                Some(h) => h.clone(),
                None => {
                    let lock_key = self.lock()?.lock_key;
                    let made = Hub::new(|rings| {
                        Ok(Box::new(signal::PgSource::start(
                            &self.url,
                            &self.shown,
                            lock_key,
                            rings,
                        )?))
                    })?;
                    hub.insert(made).clone()
                }
            }
        };
        hub.signal(who)
    }

    fn backup(&self, _target: &Path) -> Result<()> {
        Err(Error::invalid(
            "backup",
            format!(
                "{} is a PostgreSQL database: back it up with pg_dump (a file copy is for SQLite stores)",
                self.shown
            ),
        ))
    }
}

/// A row-lock write that asked for the database's write lock (see [`Tx::escalate`]).
struct Escalated;

/// The core's statements on the engine's connection, inside a transaction it opened, and the
/// bells its changes rang.
struct PgTx<'c> {
    conn: RefCell<&'c mut Connection>,
    common: TxCommon,
    /// A row-lock write's appends to the ordered logs, as `EXECUTE`s of their prepared
    /// statements with the values written in: sent in its commit batch (see the module's
    /// comment).
    deferred: RefCell<Vec<String>>,
}

/// Notifies, at the transaction's commit, each bell's channel that a waiter listens on (see
/// migration 3): no `NOTIFY` at all when nobody waits for these changes, because each one
/// wakes every listening session of the database on the server.
///
/// The payload is the transaction's id and all its bells (`<txid> <bell>,<bell>`), so that a
/// listener rings every bell of the commit at its first notification and skips the others:
/// one commit, one wake-up, however its notifications reach the listener (see
/// `signal::bells_heard`). A list too long for a payload is left out (an empty payload: the
/// listener rings each channel's bell as it comes).
const NOTIFY_LISTENED: &str = "SELECT count(pg_notify(c.channel, p.payload)) FROM
     (SELECT DISTINCT agor_channel(bell) AS channel FROM unnest(CAST(?1 AS TEXT[])) AS b(bell)) AS c,
     (SELECT CASE WHEN octet_length(bells) <= 7000 THEN txid_current()::text || ' ' || bells
             ELSE '' END AS payload
      FROM array_to_string(CAST(?1 AS TEXT[]), ',') AS bells) AS p
     WHERE EXISTS (SELECT 1 FROM agor_listeners AS l WHERE l.channel = c.channel)";

impl<'c> PgTx<'c> {
    fn new(conn: &'c mut Connection, clock: &dyn Clock) -> Self {
        PgTx {
            conn: RefCell::new(conn),
            common: TxCommon::new(Dialect::Postgres, clock),
            deferred: RefCell::default(),
        }
    }

    /// The transaction of a row-lock write.
    fn rows(conn: &'c mut Connection, clock: &dyn Clock) -> Self {
        PgTx {
            conn: RefCell::new(conn),
            common: TxCommon::rows(Dialect::Postgres, clock),
            deferred: RefCell::default(),
        }
    }

    /// The end of a row-lock write, as one batch of statements: the `NOTIFY` of the bells,
    /// the tail lock, the deferred appends in the order they were made, COMMIT. Just COMMIT
    /// when nothing was appended or rung.
    fn commit_batch(&self, key: i32) -> Result<String> {
        let deferred = self.deferred.borrow();
        let names: Vec<String> = self.common.bells.borrow().iter().map(Bell::name).collect();
        if deferred.is_empty() && names.is_empty() {
            return Ok("COMMIT".to_owned());
        }
        // The literals below are written for standard strings (a backslash is a backslash).
        let mut batch = vec!["SET LOCAL standard_conforming_strings TO on".to_owned()];
        if !names.is_empty() {
            // Before the tail lock, to keep the tail short: the shared schema lock is what
            // orders it against a waiter recording itself (see `PgTx::notify`), and the
            // server delivers it at COMMIT anyway. Bell names are a letter and hex digits:
            // an array literal needs no quoting.
            let array = Param::Text(format!("{{{}}}", names.join(",")).into());
            batch.push(inline_parameters(NOTIFY_LISTENED, &[array])?);
        }
        batch.push(format!("SELECT pg_advisory_xact_lock({TAIL_CLASS}, {key})"));
        batch.extend(deferred.iter().cloned());
        batch.push("COMMIT".to_owned());
        Ok(batch.join(";\n"))
    }

    /// Rings the bells of the transaction's changes; it must still hold the write lock (a
    /// row-lock write: the shared one), so a waiter registering meanwhile (under the
    /// exclusive lock) either is seen here or looks after this commit.
    fn notify(&self) -> Result<()> {
        let names: Vec<String> = self.common.bells.borrow().iter().map(Bell::name).collect();
        if names.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn.borrow_mut();
        let stmt = conn.statement(NOTIFY_LISTENED)?;
        conn.client()
            .query_one(&stmt, &[&names])
            .map_err(storage_error)?;
        Ok(())
    }

    fn run<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        f: impl FnOnce(&mut Client, &Statement, &[&(dyn ToSql + Sync)]) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.conn.borrow_mut();
        let stmt = conn.statement(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        f(conn.client(), &stmt, &refs)
    }
}

impl Tx for PgTx<'_> {
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<usize> {
        if self.row_locks() && appends_to_ordered_log(sql) {
            let name = self.conn.borrow_mut().append_statement(sql)?;
            let values = params.iter().map(literal).collect::<Result<Vec<_>>>()?;
            self.deferred
                .borrow_mut()
                .push(format!("EXECUTE {name}({})", values.join(", ")));
            return Ok(1);
        }
        self.run(sql, params, |client, stmt, refs| {
            let n = client.execute(stmt, refs).map_err(storage_error)?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn query_each(
        &self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        if self.row_locks() && appends_to_ordered_log(sql) {
            // An append whose result the body reads cannot wait for the commit batch.
            return Err(self.escalate());
        }
        let rows = self.run(sql, params, |client, stmt, refs| {
            client.query(stmt, refs).map_err(storage_error)
        })?;
        for r in &rows {
            each(&Row(r))?;
        }
        Ok(())
    }

    fn common(&self) -> &TxCommon {
        &self.common
    }
}

impl ToSql for Param<'_> {
    /// Writes the parameter as the type PostgreSQL inferred for its place: the core's SQL is
    /// shared with SQLite, whose parameters carry no type.
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(n) => match *ty {
                Type::INT8 => n.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                Type::FLOAT8 => (*n as f64).to_sql(ty, out),
                _ => n.to_string().as_str().to_sql(ty, out),
            },
            Param::Text(s) => match *ty {
                Type::INT8 | Type::INT4 | Type::INT2 => {
                    Err(format!("text {s:?} given for an integer parameter").into())
                }
                _ => s.as_ref().to_sql(ty, out),
            },
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::FLOAT8
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }

    to_sql_checked!();
}

impl RowSource for postgres::Row {
    fn value(&self, i: usize) -> Result<ValueRef<'_>> {
        let ty = self
            .columns()
            .get(i)
            .ok_or_else(|| StorageError::new(format!("no column {i}")))?
            .type_()
            .clone();
        let v = match ty {
            Type::INT8 => self
                .try_get::<_, Option<i64>>(i)
                .map(|v| v.map(ValueRef::Int)),
            Type::INT4 => self
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|n| ValueRef::Int(n.into()))),
            Type::INT2 => self
                .try_get::<_, Option<i16>>(i)
                .map(|v| v.map(|n| ValueRef::Int(n.into()))),
            Type::BOOL => self
                .try_get::<_, Option<bool>>(i)
                .map(|v| v.map(|b| ValueRef::Int(b.into()))),
            Type::FLOAT8 => self
                .try_get::<_, Option<f64>>(i)
                .map(|v| v.map(ValueRef::Real)),
            Type::FLOAT4 => self
                .try_get::<_, Option<f32>>(i)
                .map(|v| v.map(|x| ValueRef::Real(x.into()))),
            Type::BYTEA => self
                .try_get::<_, Option<&[u8]>>(i)
                .map(|v| v.map(ValueRef::Blob)),
            _ => self
                .try_get::<_, Option<&str>>(i)
                .map(|v| v.map(|s| ValueRef::Text(s.as_bytes()))),
        };
        Ok(v.map_err(storage_error)?.unwrap_or(ValueRef::Null))
    }
}

/// The core writes SQLite's `?N` parameters; PostgreSQL spells them `$N`. Quoted text and
/// identifiers are copied as they are. A bare `?` takes the number after the largest so far,
/// as in SQLite.
fn numbered_parameters(sql: &str) -> String {
    rewrite_parameters(sql, |n| Ok(format!("${n}"))).expect("numbering cannot fail")
}

/// `sql` with each `?N` replaced by the literal of `params[N-1]`, for a statement sent in a
/// batch (which takes no parameters). Every value is a quoted literal of unknown type, which
/// PostgreSQL casts to the type of its place as it does a parameter; text is written for
/// `standard_conforming_strings` (quotes doubled, backslashes as they are).
fn inline_parameters(sql: &str, params: &[Param<'_>]) -> Result<String> {
    rewrite_parameters(sql, |n| {
        let p = usize::try_from(n)
            .ok()
            .and_then(|n| params.get(n.checked_sub(1)?))
            .ok_or_else(|| StorageError::new(format!("no parameter ?{n} for: {sql}")))?;
        literal(p)
    })
}

/// A parameter as an SQL literal (see [`inline_parameters`]).
fn literal(p: &Param<'_>) -> Result<String> {
    Ok(match p {
        Param::Null => "NULL".to_owned(),
        Param::Int(i) => format!("'{i}'"),
        Param::Text(t) if t.contains('\0') => {
            return Err(StorageError::new("text holds a NUL character").into())
        }
        Param::Text(t) => format!("'{}'", t.replace('\'', "''")),
    })
}

/// `sql` with each parameter (`?N`, or a bare `?`: the number after the largest so far)
/// replaced by `to(N)`; quoted text and identifiers are copied as they are.
fn rewrite_parameters(sql: &str, mut to: impl FnMut(u32) -> Result<String>) -> Result<String> {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut largest = 0u32;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = digits.parse().unwrap_or(largest + 1);
                largest = largest.max(n);
                out.push_str(&to(n)?);
            }
            (None, c) => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::numbered_parameters as n;

    #[test]
    fn parameters_are_renumbered_outside_quotes() {
        assert_eq!(n("a = ?1 AND b = ?12"), "a = $1 AND b = $12");
        assert_eq!(n("x = '?1' AND \"?2\" = ?2"), "x = '?1' AND \"?2\" = $2");
        assert_eq!(n("? , ?, ?5, ?"), "$1 , $2, $5, $6");
        assert_eq!(n("'it''s' || ?1"), "'it''s' || $1");
    }

    #[test]
    fn inlined_parameters_are_quoted_literals() {
        use super::{appends_to_ordered_log, inline_parameters};
        use crate::storage::Param;
        let params = [Param::Int(7), Param::Text("it's \\ ?1".into()), Param::Null];
        assert_eq!(
            inline_parameters("VALUES (?1, ?2, ?3, '?1')", &params).unwrap(),
            "VALUES ('7', 'it''s \\ ?1', NULL, '?1')"
        );
        assert!(inline_parameters("VALUES (?4)", &params).is_err());
        assert!(inline_parameters("VALUES (?1)", &[Param::Text("a\0b".into())]).is_err());
        assert!(appends_to_ordered_log(
            "INSERT INTO agor_changes (kind) VALUES (?1)"
        ));
        assert!(appends_to_ordered_log(
            "\n  INSERT INTO audit_log(agent_id) VALUES (?1)"
        ));
        assert!(!appends_to_ordered_log(
            "INSERT INTO agor_changes_x (kind) VALUES (?1)"
        ));
        assert!(!appends_to_ordered_log("UPDATE agor_changes SET kind = ?1"));
    }
}
