//! The storage boundary. The domain modules run their statements through a [`Tx`] (one open
//! transaction of some engine) and read rows through [`Row`]; nothing outside this module and
//! the engines names an engine crate.
//!
//! The statements themselves are written once, in the SQL both engines share: `?N` numbered
//! parameters (an engine rewrites them if it spells them otherwise), `ON CONFLICT … DO
//! NOTHING`, `RETURNING`, `string_agg`, `CAST(?N AS TEXT) IS NULL` where a parameter has no
//! other type, times passed as parameters (never `datetime('now')`), and a column called
//! `rowid` for insertion order (SQLite's implicit one; an identity column elsewhere).
//!
//! # Locking contract (what every engine guarantees, and the domain relies on)
//! * A write transaction ([`Engine::write`]) excludes every other write transaction on the same
//!   database, across processes, from its first statement to its commit. Check-then-insert steps
//!   (a channel name that must be new, a dependency that must not close a cycle, the next sort
//!   order) are therefore race-free inside one write. Unique constraints back the ones that have
//!   a natural key.
//! * A read transaction sees one consistent snapshot and never waits for a writer.
//! * A write that fails leaves nothing behind (the transaction rolls back).
//!
//! # Row-lock writes (the claim path; PostgreSQL only)
//! [`Engine::write_rows`] is a second kind of write, for the operations that touch one claimed
//! task (claim, renew, release, complete): it excludes every [`Engine::write`] as above, but
//! not the other row-lock writes. Those run side by side and keep out of each other's way by
//! locking the task row they act on (claim-next skips rows another claim holds), so their
//! bodies may rely only on what that row lock gives:
//! * they read and change only the task they locked (its attempts included), their own
//!   agent's work state and heartbeat (single-statement upserts), and append to the ordered
//!   logs (change feed, audit log, task comments);
//! * whatever needs the whole database (reaping lapsed leases, a claim with file paths, a
//!   quarantine, a move to review that posts in a channel) calls [`Tx::escalate`]: the engine
//!   rolls back and runs the same body again as an ordinary [`Engine::write`];
//! * appends to the ordered logs, read by `id > cursor`, still commit in id order: the engine
//!   appends them at commit under one short lock (see `postgres`), so a reader that saw an id
//!   has seen every smaller one.
//!
//! SQLite has one writer at a time anyway: there a row-lock write is an ordinary write.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::clock::{Clock, Now};
use crate::error::Result;
use crate::model::changes::ChangeKind;

// PostgreSQL is a default feature: a build that only uses files (the demo) leaves the
// driver out; such a build refuses a URL with a clear error (see `Store::open`).
pub(crate) mod lenient;
pub(crate) mod options;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod sql;
pub(crate) mod sqlite;
pub(crate) mod wake;

/// Whether a `--db`/`AGOR_DB`/path value names a PostgreSQL database rather than a file.
pub(crate) fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}

/// One parameter of a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Text(std::borrow::Cow<'a, str>),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(s: &'a str) -> Self {
        Param::Text(std::borrow::Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(s: &'a String) -> Self {
        Param::Text(std::borrow::Cow::Borrowed(s))
    }
}

impl From<String> for Param<'_> {
    fn from(s: String) -> Self {
        Param::Text(std::borrow::Cow::Owned(s))
    }
}

impl<'a> From<&'a &str> for Param<'a> {
    fn from(s: &'a &str) -> Self {
        Param::Text(std::borrow::Cow::Borrowed(s))
    }
}

macro_rules! int_params {
    ($($t:ty),*) => {$(
        impl From<$t> for Param<'_> {
            fn from(n: $t) -> Self {
                // Every count and time the core passes fits; saturate rather than wrap.
                Param::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
        impl From<&$t> for Param<'_> {
            fn from(n: &$t) -> Self {
                Param::from(*n)
            }
        }
    )*};
}
int_params!(i64, i32, u32, u64, usize);

impl From<bool> for Param<'_> {
    fn from(b: bool) -> Self {
        Param::Int(i64::from(b))
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(v: &'a Option<String>) -> Self {
        v.as_deref().into()
    }
}

/// The parameters of one statement: `args![a, b]` is `&[Param::from(a), Param::from(b)]`.
macro_rules! args {
    () => { &[] as &[$crate::storage::Param<'_>] };
    ($($e:expr),+ $(,)?) => { &[$($crate::storage::Param::from($e)),+] as &[$crate::storage::Param<'_>] };
}
pub(crate) use args;

/// One value of a result row, borrowed from the engine's buffers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ValueRef<'r> {
    Null,
    Int(i64),
    Real(f64),
    /// Text as stored. SQLite does not check UTF-8, so readers decode leniently.
    Text(&'r [u8]),
    Blob(&'r [u8]),
}

/// What an engine's row offers; [`Row`] wraps it.
pub(crate) trait RowSource {
    fn value(&self, i: usize) -> Result<ValueRef<'_>>;
}

/// One row of a result, read by column index.
pub(crate) struct Row<'r>(pub(crate) &'r dyn RowSource);

impl Row<'_> {
    /// The raw value of column `i`.
    pub fn value(&self, i: usize) -> Result<ValueRef<'_>> {
        self.0.value(i)
    }

    /// Column `i` converted to `T` strictly (a key column, a count): another type is an error.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        T::from_value(self.value(i)?).ok_or_else(|| {
            crate::error::StorageError::new(format!(
                "column {i} holds a value that is not {}",
                T::EXPECTED
            ))
            .into()
        })
    }
}

/// Strict conversion of one column for [`Row::get`].
pub(crate) trait FromValue: Sized {
    const EXPECTED: &'static str;
    fn from_value(v: ValueRef<'_>) -> Option<Self>;
}

impl FromValue for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_value(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Int(n) => Some(n),
            _ => None,
        }
    }
}

impl FromValue for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_value(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Real(x) => Some(x),
            ValueRef::Int(n) => Some(n as f64),
            _ => None,
        }
    }
}

impl FromValue for bool {
    const EXPECTED: &'static str = "an integer flag";
    fn from_value(v: ValueRef<'_>) -> Option<Self> {
        i64::from_value(v).map(|n| n != 0)
    }
}

impl FromValue for String {
    const EXPECTED: &'static str = "UTF-8 text";
    fn from_value(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_owned),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_value(v: ValueRef<'_>) -> Option<Self> {
        match v {
            ValueRef::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// The SQL an engine speaks, where the two differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// One open transaction of an engine.
pub(crate) trait Tx {
    /// Runs one statement; returns how many rows it changed.
    fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<usize>;

    /// Runs one query, handing each row to `each` in order.
    fn query_each(
        &self,
        sql: &str,
        params: &[Param<'_>],
        each: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()>;

    /// What every engine's transaction keeps beside its connection.
    fn common(&self) -> &TxCommon;

    /// Which engine runs the statements: the few that cannot be written once (full-text
    /// search) pick their form by it.
    fn dialect(&self) -> Dialect {
        self.common().dialect
    }

    /// When this transaction began, by the store's clock: the time every row it writes carries.
    fn now(&self) -> Now {
        self.common().now
    }

    /// Whether this is a row-lock write ([`Engine::write_rows`]) that holds rows, not the
    /// database: a body then locks the task it acts on, and escalates what needs more.
    fn row_locks(&self) -> bool {
        self.common().row_locks
    }

    /// Gives up a row-lock write: the engine rolls it back and runs the body again as an
    /// ordinary write, under the database's write lock. Returns the error to pass up with `?`
    /// (it never reaches a caller). In an ordinary write it is an internal error.
    fn escalate(&self) -> crate::error::Error {
        self.common().escalated.set(true);
        crate::error::StorageError::new("a row-lock write needed the database's write lock").into()
    }

    /// Asks the engine to wake, once this transaction commits, the waiters `bell` names
    /// (nothing happens if it rolls back). Called by the change feed for each change.
    fn ring(&self, bell: Bell) {
        self.common().bells.borrow_mut().insert(bell);
    }
}

/// What a transaction of either engine keeps beside its connection: its dialect, when it
/// began, and the bells its changes rang, which the engine rings once it commits.
#[derive(Debug)]
pub(crate) struct TxCommon {
    dialect: Dialect,
    now: Now,
    pub(crate) bells: RefCell<BTreeSet<Bell>>,
    /// A row-lock write ([`Engine::write_rows`]).
    row_locks: bool,
    /// The body called [`Tx::escalate`].
    pub(crate) escalated: std::cell::Cell<bool>,
}

impl TxCommon {
    pub(crate) fn new(dialect: Dialect, clock: &dyn Clock) -> Self {
        TxCommon {
            dialect,
            now: Now::of(clock),
            bells: RefCell::default(),
            row_locks: false,
            escalated: std::cell::Cell::new(false),
        }
    }

    /// The common part of a row-lock write's transaction (only PostgreSQL has them).
    #[cfg(feature = "postgres")]
    pub(crate) fn rows(dialect: Dialect, clock: &dyn Clock) -> Self {
        TxCommon {
            row_locks: true,
            ..TxCommon::new(dialect, clock)
        }
    }
}

impl dyn Tx + '_ {
    /// Every row of a query, mapped.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.query_each(sql, params, &mut |r| {
            out.push(f(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, mapped; `None` when there is none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.query_each(sql, params, &mut |r| {
            if let Some(f) = f.take() {
                out = Some(f(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query that always returns one (an aggregate, a `RETURNING`).
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.query_opt(sql, params, f)?.ok_or_else(|| {
            crate::error::StorageError::new(format!("the query returned no row: {sql}")).into()
        })
    }
}

/// One database: how the store opens transactions on it. Each call runs `f` once.
pub(crate) trait Engine: Send + Sync + std::fmt::Debug {
    /// Runs `f` in a write transaction (see the locking contract above): commit on `Ok`, roll
    /// back on `Err`.
    fn write(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()>;

    /// Runs `f` in a row-lock write (see the contract above); `f` may run twice when it
    /// escalates. Engines with one writer at a time run an ordinary write.
    fn write_rows(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        self.write(f)
    }

    /// Runs `f` in a write transaction only if no other writer holds the database right now;
    /// `false` when one does or the database cannot be written (nothing ran). For housekeeping
    /// on the way to a read, which must never make the read wait or fail.
    fn write_if_free(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<bool>;

    /// Runs `f` in a read transaction: one consistent snapshot.
    fn read(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()>;

    /// Runs `f`, a single query, without an explicit transaction where the engine can.
    fn read_one(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        self.read(f)
    }

    /// The schema version of the database.
    fn schema_version(&self) -> Result<i64>;

    /// Writes a consistent copy of the database to a new file.
    fn backup(&self, target: &std::path::Path) -> Result<()>;

    /// A new wake-up for one waiter, registered with the store's shared waiter ([`wake`]): a
    /// wait never holds the connection the store's other calls use, and all the waits of a
    /// store share one watcher and one connection. `who` says which changes concern the
    /// waiter, so a commit wakes only those it may concern.
    fn change_signal(&self, who: &Listener) -> Result<Box<dyn ChangeSignal>>;
}

/// Whose changes a waiter waits for: those addressed to `agent`, those of `group` (its
/// board, team and channels), or every change (`everything`, tier 0).
#[derive(Debug, Clone)]
pub(crate) struct Listener {
    pub agent: String,
    pub group: String,
    pub everything: bool,
    /// Woken by every ring of any bell the store hears, not only by its own: the
    /// [`ChangeBell`](crate::ChangeBell) of a front end that then polls many waiters, each
    /// for its own bells. A commit rings its bells one by one; answering each ring (not only
    /// the first) means a poll always follows the ring of the bell a waiter listens to.
    pub any_ring: bool,
}

impl Listener {
    /// The bells that wake this waiter: its agent's and its group's, or tier 0's one bell
    /// rung by every change.
    pub fn bells(&self) -> Vec<Bell> {
        if self.everything {
            vec![Bell::Everything]
        } else {
            vec![
                Bell::Agent(self.agent.clone()),
                Bell::Group(self.group.clone()),
            ]
        }
    }
}

/// Whom a committed change wakes: the waiters of one agent, of one group, or of tier 0 (who
/// waits for everything). The change feed picks a change's bells ([`crate::changes`]); each
/// engine rings them in its own way (SQLite: a file per bell beside the database; PostgreSQL:
/// a `NOTIFY` channel per bell), so a commit wakes only the waiters it may concern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Bell {
    Everything,
    Agent(String),
    Group(String),
}

impl Bell {
    /// Whose waiters a change wakes: tier 0 always, the agent it is addressed to, and its
    /// group's unless it is a direct message (a DM concerns its two parties only; the sender
    /// is not woken by its own change). The feed's writer rings these after its commit, and
    /// the shared waiter's sweep ([`wake`]) rings them again from the feed's rows when a ring
    /// may have been lost.
    pub fn of_change(
        kind: ChangeKind,
        group: Option<&str>,
        agent: Option<&str>,
    ) -> impl Iterator<Item = Bell> {
        let group = group.filter(|_| kind != ChangeKind::Message);
        std::iter::once(Bell::Everything)
            .chain(agent.map(|a| Bell::Agent(a.to_owned())))
            .chain(group.map(|g| Bell::Group(g.to_owned())))
    }

    /// A short stable name: a letter for the kind and a hash of the id (ids may hold any
    /// character; a collision only wakes someone for nothing). Both engines name their
    /// files or channels with it.
    pub fn name(&self) -> String {
        match self {
            Bell::Everything => "all".to_owned(),
            Bell::Agent(id) => format!("a{:016x}", fnv1a(id)),
            Bell::Group(id) => format!("g{:016x}", fnv1a(id)),
        }
    }
}

/// 64-bit FNV-1a: stable across builds and platforms, unlike `std`'s hasher, since processes
/// of different builds must agree on a bell's name.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Blocks until another transaction may have committed: how a waiter learns, without
/// polling the tables, that it should look again. Wake-ups may be spurious (the caller looks
/// and finds nothing for it); a commit is never missed between two calls.
pub(crate) trait ChangeSignal: Send {
    /// Returns `true` as soon as a commit may have happened since the previous call (or since
    /// the signal was made), `false` when `timeout` passed without one or `cancel` was
    /// cancelled.
    fn wait(
        &mut self,
        timeout: std::time::Duration,
        cancel: Option<&crate::CancelToken>,
    ) -> Result<bool>;
}

/// Calls a once-only closure through the engines' `FnMut` interface.
pub(crate) fn run_once<T>(
    f: impl FnOnce(&dyn Tx) -> Result<T>,
    call: impl FnOnce(&mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()>,
) -> Result<T> {
    let mut f = Some(f);
    let mut out = None;
    call(&mut |tx| {
        let f = f.take().ok_or_else(|| {
            crate::error::StorageError::new("an engine ran a transaction body twice")
        })?;
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| {
        crate::error::StorageError::new("an engine skipped a transaction body").into()
    })
}

/// The contract of [`ChangeSignal`] on the database at `location`, for each engine's tests: a
/// commit through another connection (as another process has) wakes the waiter, silence times
/// out, a wake-up is consumed, and a write that fails wakes nobody.
#[cfg(test)]
pub(crate) fn check_change_signal(location: &str) {
    use std::time::{Duration, Instant};

    use crate::{NewAgent, Store};

    let store = Store::open(location).unwrap();
    let me = Listener {
        agent: "mgr".into(),
        group: "g".into(),
        everything: false,
        any_ring: false,
    };
    let mut signal = store.inner.engine.change_signal(&me).unwrap();
    let quiet = Duration::from_millis(50);
    assert!(!signal.wait(quiet, None).unwrap(), "nothing committed yet");
    let other = location.to_owned();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        Store::open(&other)
            .unwrap()
            .register_agent(&NewAgent::new("mgr", "M", "manager", "g"))
            .unwrap();
    });
    let started = Instant::now();
    assert!(
        signal.wait(Duration::from_secs(10), None).unwrap(),
        "the commit went unseen"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    writer.join().unwrap();
    assert!(
        !signal.wait(quiet, None).unwrap(),
        "one commit, one wake-up"
    );
    assert!(store.allow("mgr", "ghost", false).is_err());
    assert!(
        !signal.wait(quiet, None).unwrap(),
        "a rolled-back write woke the waiter"
    );
}
