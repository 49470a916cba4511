//! Opening files: new, legacy, foreign, corrupt, newer, read-only; pragmas and migrations.
mod common;

use std::time::Duration;

use agor_core::{Error, ErrorKind, NewAgent, Store, APPLICATION_ID, LATEST_VERSION};
use rusqlite::Connection;

/// The schema the legacy btmsg/bttask scripts created: no `version`, no `sender_group_id`,
/// no heartbeats / dead_letter_queue / audit_log / seen_messages tables.
const LEGACY_SCHEMA: &str = "
CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, group_id TEXT NOT NULL,
    tier INTEGER NOT NULL DEFAULT 2, model TEXT, cwd TEXT, system_prompt TEXT, status TEXT DEFAULT 'stopped',
    last_active_at TEXT, created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE contacts (agent_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (agent_id, contact_id));
CREATE TABLE messages (id TEXT PRIMARY KEY, from_agent TEXT NOT NULL, to_agent TEXT NOT NULL, content TEXT NOT NULL,
    read INTEGER DEFAULT 0, reply_to TEXT, group_id TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT NOT NULL, group_id TEXT NOT NULL, created_by TEXT NOT NULL,
    created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE channel_members (channel_id TEXT NOT NULL, agent_id TEXT NOT NULL, joined_at TEXT DEFAULT (datetime('now')),
    PRIMARY KEY (channel_id, agent_id));
CREATE TABLE channel_messages (id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, from_agent TEXT NOT NULL,
    content TEXT NOT NULL, created_at TEXT DEFAULT (datetime('now')));
CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT DEFAULT '', status TEXT DEFAULT 'todo',
    priority TEXT DEFAULT 'medium', assigned_to TEXT, created_by TEXT NOT NULL, group_id TEXT NOT NULL,
    parent_task_id TEXT, sort_order INTEGER DEFAULT 0, created_at TEXT DEFAULT (datetime('now')),
    updated_at TEXT DEFAULT (datetime('now')));
CREATE TABLE task_comments (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, agent_id TEXT NOT NULL, content TEXT NOT NULL,
    created_at TEXT DEFAULT (datetime('now')));
INSERT INTO agents (id, name, role, group_id, tier) VALUES ('boss', 'Boss', 'manager', 'g1', 1), ('w1', 'Worker', 'project', 'g1', 2);
INSERT INTO contacts VALUES ('boss', 'w1'), ('w1', 'boss');
INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
    VALUES ('0f3e7c1a-0000-4000-8000-000000000001', 'boss', 'w1', 'legacy hello', 0, 'g1', '2025-01-01 10:00:00');
INSERT INTO tasks (id, title, status, priority, assigned_to, created_by, group_id)
    VALUES ('t-legacy-1', 'old task', 'progress', 'critical', 'w1', 'boss', 'g1');
";

fn legacy_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("legacy.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch(LEGACY_SCHEMA)
        .unwrap();
    path
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .unwrap();
    stmt.query_map([table], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn new_file_gets_full_schema_and_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/btmsg.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    let raw = Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let app: i64 = raw
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    for table in [
        "agents",
        "contacts",
        "messages",
        "channels",
        "channel_members",
        "channel_messages",
        "tasks",
        "task_comments",
        "heartbeats",
        "dead_letter_queue",
        "audit_log",
        "seen_messages",
    ] {
        assert!(!columns(&raw, table).is_empty(), "missing table {table}");
    }
    assert!(columns(&raw, "tasks").contains(&"version".to_string()));
    // Reopening is a no-op.
    drop(store);
    assert_eq!(
        Store::open(&path).unwrap().schema_version().unwrap(),
        LATEST_VERSION
    );
}

#[test]
fn default_path_comes_from_agor_db() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("from-env.db");
    // Only this test touches AGOR_DB in this binary.
    std::env::set_var(agor_core::DB_ENV, &path);
    assert_eq!(agor_core::default_path().unwrap(), path);
    let store = Store::open_default().unwrap();
    assert_eq!(store.path(), path);
    assert!(path.exists());
    std::env::remove_var(agor_core::DB_ENV);
    let home_default = agor_core::default_path().unwrap();
    assert!(
        home_default.ends_with(".local/share/agor/btmsg.db"),
        "{home_default:?}"
    );
}

#[test]
fn legacy_file_is_upgraded_additively_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = legacy_file(&dir);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);

    let raw = Connection::open(&path).unwrap();
    // Legacy columns kept, missing ones added.
    let task_cols = columns(&raw, "tasks");
    for c in [
        "id",
        "title",
        "status",
        "priority",
        "assigned_to",
        "created_by",
        "group_id",
        "version",
    ] {
        assert!(
            task_cols.contains(&c.to_string()),
            "tasks.{c} missing: {task_cols:?}"
        );
    }
    assert!(columns(&raw, "messages").contains(&"sender_group_id".to_string()));
    for t in [
        "heartbeats",
        "dead_letter_queue",
        "audit_log",
        "seen_messages",
    ] {
        assert!(!columns(&raw, t).is_empty(), "table {t} not created");
    }
    // Legacy rows untouched: the `progress` status and `critical` priority keep their text.
    let (status, priority, version): (String, String, i64) = raw
        .query_row(
            "SELECT status, priority, version FROM tasks WHERE id = 't-legacy-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), priority.as_str(), version),
        ("progress", "critical", 1)
    );

    // The legacy message is readable through agor, and new mail works both ways.
    let w1 = store.as_agent("w1").unwrap();
    let inbox = w1.inbox(false, None).unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].content, "legacy hello");
    w1.send("boss", "new reply").unwrap();

    // What agor wrote is readable with the legacy columns and the legacy timestamp format.
    let (content, created): (String, String) = raw
        .query_row(
            "SELECT content, created_at FROM messages WHERE from_agent = 'w1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(content, "new reply");
    assert!(
        chrono::NaiveDateTime::parse_from_str(&created, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{created}"
    );
}

#[test]
fn foreign_sqlite_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO recipes VALUES (1, 'soup');")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema, "{err}");
    assert!(err.to_string().contains("not an agor database"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "file was modified");
}

#[test]
fn non_sqlite_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let text = b"these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Schema, "{err}");
    assert!(err.to_string().contains("not an SQLite database"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), text);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "side files were created: {names:?}");
}

#[test]
fn newer_schema_is_refused_and_untouched() {
    let t = common::empty();
    let t = t.closed();
    t.raw()
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    t.raw()
        .pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .ok();
    let before = std::fs::read(t.path()).unwrap();
    match Store::open(t.path()).unwrap_err() {
        Error::SchemaTooNew {
            found, supported, ..
        } => {
            assert_eq!((found, supported), (LATEST_VERSION + 1, LATEST_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other}"),
    }
    assert_eq!(std::fs::read(t.path()).unwrap(), before);
}

#[test]
fn legacy_tables_with_unknown_user_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = legacy_file(&dir);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    assert_eq!(Store::open(&path).unwrap_err().kind(), ErrorKind::Schema);
}

#[test]
fn read_only_store_reads_and_refuses_writes() {
    let t = common::team();
    t.store
        .as_agent("mgr")
        .unwrap()
        .send("dev1", "before")
        .unwrap();
    let ro = Store::builder()
        .path(t.path())
        .read_only(true)
        .open()
        .unwrap();
    let dev1 = ro.as_agent("dev1").unwrap();
    assert_eq!(dev1.unread_count().unwrap(), 1);
    assert_eq!(ro.list_agents(None).unwrap().len(), 7);
    let err = dev1.send("mgr", "nope").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    let err = ro
        .register_agent(&NewAgent::new("x", "X", "project", "core"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly);
    // Nothing was lost or written.
    assert_eq!(dev1.unread_count().unwrap(), 1);
}

#[test]
fn read_only_open_of_a_file_needing_upgrade_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = legacy_file(&dir);
    let err = Store::builder()
        .path(&path)
        .read_only(true)
        .open()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
}

const WRITE_PROTECTED_ENV: &str = "AGOR_TEST_WRITE_PROTECTED_DB";

/// A write-protected database in a write-protected folder opens, reads, and refuses writes
/// as read-only. Root ignores permission bits, so as root the check runs as `nobody`.
#[test]
fn write_protected_file_opens_for_reading() {
    use std::os::unix::fs::PermissionsExt;
    let t = common::team();
    let t = t.closed();
    std::fs::set_permissions(t.dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o444)).unwrap();
    if common::child::running_as_root() {
        common::child::run_as_nobody(
            "write_protected_file_child",
            &[(WRITE_PROTECTED_ENV, &t.path())],
        );
    } else {
        opens_for_reading_only(&t.path());
    }
    std::fs::set_permissions(t.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
#[ignore = "run by write_protected_file_opens_for_reading, as another user"]
fn write_protected_file_child() {
    opens_for_reading_only(std::path::Path::new(
        &std::env::var_os(WRITE_PROTECTED_ENV).unwrap(),
    ));
}

fn opens_for_reading_only(path: &std::path::Path) {
    let store = Store::open(path).unwrap();
    assert_eq!(store.get_agent("dev1").unwrap().id, "dev1");
    let err = store
        .as_agent("dev1")
        .unwrap()
        .send("mgr", "x")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
}

#[test]
fn busy_writer_gets_busy_error_and_nothing_is_written() {
    let t = common::team();
    let blocker = t.raw();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let impatient = Store::builder()
        .path(t.path())
        .busy_timeout(Duration::from_millis(200))
        .open()
        .unwrap();
    let err = impatient
        .as_agent("mgr")
        .unwrap()
        .send("dev1", "blocked")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
    blocker.execute_batch("ROLLBACK").unwrap();
    assert_eq!(t.store.as_agent("dev1").unwrap().unread_count().unwrap(), 0);
    // The lock is gone: the same handle now writes.
    impatient
        .as_agent("mgr")
        .unwrap()
        .send("dev1", "now")
        .unwrap();
}

#[test]
fn every_mutation_writes_an_audit_row() {
    let t = common::team();
    let before = t.store.audit_log(None, 1000).unwrap().len();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "a").unwrap();
    mgr.create_channel("ops").unwrap();
    mgr.post("ops", "hello").unwrap();
    // A plain heartbeat is not audited (SPEC §6: it would grow the log without bound); the
    // heartbeats table holds liveness. See tests/rust/liveness.rs.
    mgr.heartbeat().unwrap();
    let after = t.store.audit_log(None, 1000).unwrap();
    assert_eq!(after.len(), before + 3);
    let events: Vec<_> = after
        .iter()
        .take(3)
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(events, ["channel_post", "channel_created", "message_sent"]);
    assert!(after
        .iter()
        .take(3)
        .all(|e| e.agent_id.as_deref() == Some("mgr")));
    assert!(
        t.store.audit_log(Some("dev2"), 100).unwrap().is_empty(),
        "dev2 did nothing; its registration was the operator's act"
    );
    let registrations = t.store.audit_log(Some("operator"), 100).unwrap();
    assert!(registrations
        .iter()
        .any(|e| e.event_type == "agent_registered"
            && e.detail.as_deref().unwrap().starts_with("dev2 ")));
}

#[test]
fn empty_or_nul_path_is_refused() {
    let err = Store::open("").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let err = Store::open("bad\0name.db").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

#[test]
fn odd_rows_from_other_tools_do_not_break_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = legacy_file(&dir);
    let raw = Connection::open(&path).unwrap();
    raw.execute_batch(
        "INSERT INTO tasks (id, title, status, priority, created_by, group_id)
             VALUES ('t-odd', 'odd', 'pending', 'urgent', 'boss', 'g1');",
    )
    .unwrap();
    let store = Store::open(&path).unwrap();
    // A heartbeat written as REAL seconds (Python's time.time()) by another tool.
    raw.execute(
        "INSERT INTO heartbeats (agent_id, timestamp) VALUES ('w1', strftime('%s','now') + 0.5)",
        [],
    )
    .unwrap();
    let boss = store.as_agent("boss").unwrap();
    let tasks = boss.list_tasks(&agor_core::TaskFilter::default()).unwrap();
    let odd = tasks.iter().find(|t| t.id == "t-odd").unwrap();
    assert_eq!(
        (odd.status, odd.priority),
        (agor_core::TaskStatus::Backlog, agor_core::Priority::Medium)
    );
    let legacy = tasks.iter().find(|t| t.id == "t-legacy-1").unwrap();
    assert_eq!(
        (legacy.status, legacy.priority),
        (
            agor_core::TaskStatus::InProgress,
            agor_core::Priority::Critical
        )
    );
    boss.send("w1", "still deliverable").unwrap();
    assert!(store.get_agent("w1").unwrap().last_heartbeat.is_some());
}

/// Builds a file with `sql` (through a connection that is closed again), opens it with agor,
/// expects the refusal, and proves the folder holds exactly the same bytes as before: the same
/// file contents (header bytes 18-19, the journal mode, included), and no `-wal`, `-shm` or
/// `-journal` left behind.
fn assert_refused_untouched(sql: &str, expected_reason: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    Connection::open(&path).unwrap().execute_batch(sql).unwrap();
    let snapshot = || -> Vec<(std::ffi::OsString, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name(), std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot();
    assert_eq!(before.len(), 1, "setup left side files");
    for read_only in [false, true] {
        let err = Store::builder()
            .path(&path)
            .read_only(read_only)
            .open()
            .unwrap_err();
        assert!(
            matches!(err, Error::NotAgorDatabase { .. }),
            "expected NotAgorDatabase, got {err}"
        );
        assert!(err.to_string().contains(expected_reason), "{err}");
        let after = snapshot();
        assert_eq!(
            after.iter().map(|f| &f.0).collect::<Vec<_>>(),
            before.iter().map(|f| &f.0).collect::<Vec<_>>(),
            "side files appeared (read_only={read_only})"
        );
        assert_eq!(
            after[0].1[18..20],
            before[0].1[18..20],
            "journal mode changed"
        );
        assert!(after == before, "the file's bytes changed");
    }
}

#[test]
fn another_apps_tasks_table_is_refused_untouched() {
    assert_refused_untouched(
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, name TEXT, done INTEGER);
         INSERT INTO tasks (name, done) VALUES ('buy milk', 0);",
        "'tasks' lacks the btmsg column(s) title, status",
    );
    // Even with title and status, a rowid `id` is not the legacy uuid key.
    assert_refused_untouched(
        "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT, status TEXT);
         INSERT INTO tasks (title, status) VALUES ('buy milk', 'todo');",
        "INTEGER PRIMARY KEY id",
    );
}

#[test]
fn another_apps_contacts_table_is_refused_untouched() {
    assert_refused_untouched(
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
         INSERT INTO contacts (name, email) VALUES ('Ann', 'ann@example.com');",
        "'contacts' lacks the btmsg column(s) agent_id, contact_id",
    );
}

#[test]
fn a_view_with_a_legacy_name_is_refused_untouched() {
    assert_refused_untouched(
        "CREATE TABLE mail (id TEXT PRIMARY KEY, sender TEXT, body TEXT);
         CREATE VIEW messages AS SELECT id, sender AS from_agent, body AS content FROM mail;",
        "view named 'messages'",
    );
    // Next to genuine legacy tables too, and as the only object in the file.
    assert_refused_untouched(
        &format!(
            "{LEGACY_SCHEMA} CREATE VIEW heartbeats AS SELECT id AS agent_id, 0 AS timestamp FROM agents;"
        ),
        "view named 'heartbeats'",
    );
    assert_refused_untouched(
        "CREATE VIEW tasks AS SELECT 1 AS id, 'x' AS title, 'todo' AS status;",
        "view named 'tasks'",
    );
    // An index or trigger bearing a legacy name, or a full-text index in the table's place.
    assert_refused_untouched(
        &format!("{LEGACY_SCHEMA} CREATE INDEX heartbeats ON agents (name);"),
        "index named 'heartbeats'",
    );
    assert_refused_untouched(
        &format!(
            "{LEGACY_SCHEMA} CREATE TRIGGER audit_log AFTER INSERT ON agents BEGIN SELECT 1; END;"
        ),
        "trigger named 'audit_log'",
    );
    assert_refused_untouched(
        "CREATE VIRTUAL TABLE messages USING fts5(id, from_agent, to_agent, content);",
        "virtual table named 'messages'",
    );
}

#[test]
fn legacy_tables_with_another_key_are_refused_untouched() {
    assert_refused_untouched(
        &format!(
            "{LEGACY_SCHEMA} CREATE TABLE audit_log (id TEXT PRIMARY KEY, event_type TEXT, detail TEXT);"
        ),
        "'audit_log' lacks the INTEGER PRIMARY KEY id",
    );
}

#[test]
fn a_legacy_file_with_a_partial_table_is_refused_untouched() {
    let partial = LEGACY_SCHEMA
        .replace(
            "CREATE TABLE contacts (agent_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (agent_id, contact_id));",
            "CREATE TABLE contacts (agent_id TEXT NOT NULL);",
        )
        .replace("INSERT INTO contacts VALUES ('boss', 'w1'), ('w1', 'boss');", "");
    assert_refused_untouched(&partial, "'contacts' lacks the btmsg column(s) contact_id");
}

#[test]
fn a_refused_wal_file_keeps_its_bytes_and_gets_no_side_files() {
    // The other application already uses WAL; reading it must not leave -wal/-shm behind.
    assert_refused_untouched(
        "PRAGMA journal_mode = WAL;
         CREATE TABLE tasks (id INTEGER PRIMARY KEY, name TEXT);
         INSERT INTO tasks (name) VALUES ('x');",
        "'tasks' lacks",
    );
}

#[test]
fn a_refused_file_with_its_own_wal_is_not_checkpointed() {
    // Another application left committed rows in its -wal (it exited without a checkpoint).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("theirs.db");
    let theirs = Connection::open(&path).unwrap();
    theirs
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        .unwrap();
    theirs
        .set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .unwrap();
    theirs
        .execute_batch(
            "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT);
             INSERT INTO contacts (email) VALUES ('ann@example.com');",
        )
        .unwrap();
    drop(theirs);
    let side = |suffix: &str| {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        std::path::PathBuf::from(p)
    };
    let (db_before, wal_before) = (
        std::fs::read(&path).unwrap(),
        std::fs::read(side("-wal")).unwrap(),
    );
    assert!(!wal_before.is_empty());
    for read_only in [false, true] {
        let err = Store::builder()
            .path(&path)
            .read_only(read_only)
            .open()
            .unwrap_err();
        assert!(matches!(err, Error::NotAgorDatabase { .. }), "{err}");
        // The -shm index may record that we read; the data files must not change.
        assert!(
            std::fs::read(&path).unwrap() == db_before,
            "main file changed"
        );
        assert!(
            std::fs::read(side("-wal")).unwrap() == wal_before,
            "-wal changed or was checkpointed away"
        );
    }
}

/// Issue 21 item 4.1: with creation off, a missing file is NotFound naming the path and
/// nothing is created (no folder, file, -wal or -shm); an existing file opens as usual.
#[test]
fn open_without_create_refuses_a_missing_file_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/x.db");
    let e = Store::builder()
        .path(&missing)
        .create(false)
        .open()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert_eq!(
        e.to_string(),
        format!("database not found: {}", missing.display())
    );
    assert!(!dir.path().join("no").exists(), "the folder was created");
    let flat = dir.path().join("x.db");
    Store::builder()
        .path(&flat)
        .create(false)
        .open()
        .unwrap_err();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    // Created by default; then opening without create works on it.
    let store = Store::open(&flat).unwrap();
    store
        .register_agent(&NewAgent::new("mgr-1", "M", "manager", "core"))
        .unwrap();
    drop(store);
    let again = Store::builder().path(&flat).create(false).open().unwrap();
    // An agent that is not found names the database searched.
    let e = again
        .as_agent("mgr-9")
        .unwrap()
        .inbox(false, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(
        e.to_string(),
        format!("agent not found: mgr-9 (in {})", flat.display())
    );
}
