//! Shared fixture for the Rust integration tests: a throw-away database with a small team.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use agor_core::{ManualClock, NewAgent, Store};
use tempfile::TempDir;

pub mod child;

/// Set to a PostgreSQL URL, the domain suites run on that server instead of SQLite files:
/// each store gets a schema of its own. `scripts/test.sh` starts a throw-away server for it.
pub const PG_ENV: &str = "AGOR_TEST_PG";

/// The PostgreSQL server the suites run on, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|u| !u.is_empty())
}

/// The rule for a test that lacks what it needs (skip, or fail in a strict run:
/// `AGOR_TEST_STRICT=1` or `CI=true`), and the PostgreSQL server of the tests of what only that
/// engine has (`test_env::postgres_server`). The file is agor-core's, shared with its unit
/// tests, so the two cannot drift apart.
#[path = "../../../agor-core/src/test_env.rs"]
pub mod test_env;

/// True (and says so) when the suite runs on PostgreSQL: for tests of the SQLite file itself.
pub fn skip_on_postgres(why: &str) -> bool {
    let skip = postgres_url().is_some();
    if skip {
        eprintln!("skipped on PostgreSQL: {why}");
    }
    skip
}

/// Where a new store lives: `dir/btmsg.db`, or a fresh schema of the test server.
pub fn new_location(dir: &TempDir) -> String {
    match postgres_url() {
        Some(url) => new_schema(&url),
        None => dir.path().join("btmsg.db").to_string_lossy().into_owned(),
    }
}

/// A fresh schema on the server at `url`; returns the URL that opens it.
pub fn new_schema(url: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("test server");
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-csearch_path%3D{schema}")
}

/// The schema version a new store of the suite's engine has.
pub fn latest_version() -> i64 {
    if postgres_url().is_some() {
        agor_core::LATEST_PG_VERSION
    } else {
        agor_core::LATEST_VERSION
    }
}

/// The first column of the first row of `sql` on the database at `location` (a file or a
/// URL), read behind the API's back.
fn scalar<T>(location: &str, sql: &str) -> T
where
    T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>,
{
    if location.starts_with("postgresql://") {
        let mut client = postgres::Client::connect(location, postgres::NoTls).unwrap();
        client.query_one(sql, &[]).unwrap().get(0)
    } else {
        rusqlite::Connection::open(location)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

/// One number from the database at `location`, read behind the API's back.
pub fn count(location: &str, sql: &str) -> i64 {
    scalar(location, sql)
}

/// One text value from the database at `location`, read behind the API's back.
pub fn text(location: &str, sql: &str) -> String {
    scalar(location, sql)
}

/// Runs `sql` (SQL both engines read) on the database at `location`, behind the API's back:
/// for states the API does not make (an old heartbeat, a row an older agor wrote).
pub fn exec(location: &str, sql: &str) {
    if location.starts_with("postgresql://") {
        let mut client = postgres::Client::connect(location, postgres::NoTls).unwrap();
        client.batch_execute(sql).unwrap();
    } else {
        rusqlite::Connection::open(location)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
    }
}

/// Another connection holding the database's write lock (as another process would) until
/// dropped: SQLite's `BEGIN IMMEDIATE`, or agor's advisory lock on PostgreSQL.
pub enum WriteLock {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

pub fn hold_write_lock(location: &str) -> WriteLock {
    if location.starts_with("postgresql://") {
        WriteLock::Postgres(hold_advisory_lock(location, SCHEMA_LOCK, false))
    } else {
        let conn = rusqlite::Connection::open(location).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        WriteLock::Sqlite(conn)
    }
}

/// The first key of agor's schema lock on PostgreSQL ("agor" in ASCII; the second is the
/// schema's hash): every ordinary write takes it, row-lock writes take it shared.
pub const SCHEMA_LOCK: i32 = 0x6167_6f72;
/// The first key of the tail lock ("agot"), under which row-lock writes append their log rows.
pub const TAIL_LOCK: i32 = 0x6167_6f74;

/// Another session holding one of agor's advisory locks on the schema of `url` (`class`, one
/// of the keys above), shared or exclusive, until dropped.
pub fn hold_advisory_lock(url: &str, class: i32, shared: bool) -> postgres::Client {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let f = if shared {
        "pg_advisory_xact_lock_shared"
    } else {
        "pg_advisory_xact_lock"
    };
    client
        .batch_execute(&format!(
            "BEGIN; SELECT {f}({class}, hashtext(current_schema()))"
        ))
        .unwrap();
    client
}

/// Now in Unix seconds, for heartbeats written behind the API's back.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub struct Team {
    pub dir: TempDir,
    pub store: Store,
    pub location: String,
}

impl Team {
    /// The database: a file path, or the PostgreSQL URL of the team's schema.
    pub fn path(&self) -> std::path::PathBuf {
        self.location.clone().into()
    }

    /// Drops the store's connection (as if its process exited) and keeps the folder.
    pub fn closed(self) -> Closed {
        drop(self.store);
        Closed {
            dir: self.dir,
            location: self.location,
        }
    }

    /// A raw connection to the SQLite file, for tests of the file itself.
    pub fn raw(&self) -> rusqlite::Connection {
        assert!(postgres_url().is_none(), "raw() is for SQLite files");
        rusqlite::Connection::open(self.path()).unwrap()
    }

    /// See [`count`].
    pub fn count(&self, sql: &str) -> i64 {
        count(&self.location, sql)
    }

    /// See [`text`].
    pub fn text(&self, sql: &str) -> String {
        text(&self.location, sql)
    }

    /// See [`exec`].
    pub fn exec(&self, sql: &str) {
        exec(&self.location, sql)
    }

    /// Makes `agent`'s last heartbeat `secs_ago` seconds old.
    pub fn age_heartbeat(&self, agent: &str, secs_ago: i64) {
        self.exec(&format!(
            "INSERT INTO heartbeats (agent_id, timestamp) VALUES ('{agent}', {})
             ON CONFLICT(agent_id) DO UPDATE SET timestamp = excluded.timestamp",
            unix_now() - secs_ago
        ));
    }
}

/// An empty store in a fresh temporary folder (or schema).
pub fn empty() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let location = new_location(&dir);
    let store = Store::open(&location).unwrap();
    Team {
        dir,
        store,
        location,
    }
}

/// An empty store whose time stands still until the test moves the returned clock.
pub fn empty_timed() -> (Team, ManualClock) {
    let dir = tempfile::tempdir().unwrap();
    let location = new_location(&dir);
    let clock = ManualClock::new();
    let store = Store::builder()
        .path(&location)
        .clock(Arc::new(clock.clone()))
        .open()
        .unwrap();
    (
        Team {
            dir,
            store,
            location,
        },
        clock,
    )
}

/// [`team`] on a store whose time the test moves.
pub fn team_timed() -> (Team, ManualClock) {
    let (t, clock) = empty_timed();
    populate(&t.store);
    (t, clock)
}

/// admin (tier 0), mgr (manager), arch (architect), rev (reviewer), dev1, dev2 (project)
/// in group "core", and ext (project) in group "other". mgr <-> dev1, mgr <-> dev2, dev1 <-> dev2.
pub fn team() -> Team {
    let t = empty();
    populate(&t.store);
    t
}

pub fn populate(s: &Store) {
    for (id, role, group) in [
        ("admin", "admin", "core"),
        ("mgr", "manager", "core"),
        ("arch", "architect", "core"),
        ("rev", "reviewer", "core"),
        ("dev1", "project", "core"),
        ("dev2", "project", "core"),
        ("ext", "project", "other"),
    ] {
        s.register_agent(&NewAgent::new(id, &id.to_uppercase(), role, group))
            .unwrap();
    }
    s.allow("mgr", "dev1", true).unwrap();
    s.allow("mgr", "dev2", true).unwrap();
    s.allow("dev1", "dev2", true).unwrap();
}

/// A team folder whose store has been closed.
pub struct Closed {
    pub dir: TempDir,
    pub location: String,
}

impl Closed {
    pub fn path(&self) -> std::path::PathBuf {
        self.location.clone().into()
    }

    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path()).unwrap()
    }
}
