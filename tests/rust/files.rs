//! The database file as other tools and users leave it: read-only folders, legacy rows with
//! NULLs and odd types, backups taken while others write, and errors that name the cause.
mod common;

use std::path::{Path, PathBuf};

use agor_core::{ErrorKind, NewTask, Store, TaskFilter};
use common::child::{run_as_nobody, running_as_root};

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A team database with one message and one task, closed, its folder and files made read-only.
/// `keep_side_files`: agor leaves `-wal`/`-shm` behind on close; a checkpointed file has none.
fn read_only_team(keep_side_files: bool) -> common::Closed {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "read me from a read-only folder").unwrap();
    mgr.create_task(&NewTask::new("frozen task")).unwrap();
    let t = t.closed();
    if !keep_side_files {
        // The last connection to close checkpoints and removes the side files.
        let raw = t.raw();
        raw.pragma_update(None, "wal_checkpoint", "TRUNCATE")
            .unwrap();
        drop(raw);
        for ext in ["-wal", "-shm"] {
            let mut side = t.path().into_os_string();
            side.push(ext);
            let _ = std::fs::remove_file(side);
        }
    }
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        chmod(&entry.unwrap().path(), 0o444);
    }
    chmod(t.dir.path(), 0o555);
    t
}

fn reads_normally(path: &Path) {
    for read_only in [false, true] {
        let store = Store::builder()
            .path(path)
            .read_only(read_only)
            .open()
            .unwrap_or_else(|e| panic!("open (read_only={read_only}): {e}"));
        let dev1 = store.as_agent("dev1").unwrap();
        let peeked = dev1.peek().unwrap();
        assert_eq!(peeked.len(), 1);
        assert_eq!(peeked[0].content, "read me from a read-only folder");
        assert_eq!(dev1.inbox(true, None).unwrap().len(), 1);
        assert_eq!(dev1.unread_count().unwrap(), 1);
        assert_eq!(dev1.history("mgr", 10).unwrap().len(), 1);
        let tasks = dev1.list_tasks(&TaskFilter::default()).unwrap();
        assert!(tasks.iter().any(|t| t.title == "frozen task"), "{tasks:?}");
        assert_eq!(store.list_agents(None).unwrap().len(), 7);
        let err = dev1.send("mgr", "no").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    }
}

const RO_ENV: &str = "AGOR_TEST_READ_ONLY_DB";

#[test]
#[ignore = "run by the read_only_folder tests, as another user"]
fn read_only_folder_child() {
    reads_normally(&PathBuf::from(std::env::var_os(RO_ENV).unwrap()));
}

fn check_read_only_folder(keep_side_files: bool) {
    let t = read_only_team(keep_side_files);
    if running_as_root() {
        run_as_nobody("read_only_folder_child", &[(RO_ENV, &t.path())]);
    } else {
        reads_normally(&t.path());
    }
    chmod(t.dir.path(), 0o755);
}

#[test]
fn read_only_folder_with_side_files_reads_normally() {
    check_read_only_folder(true);
}

#[test]
fn read_only_folder_without_side_files_reads_normally() {
    check_read_only_folder(false);
}

/// The one read-only case agor cannot read: committed data waits in `-wal`, but the `-shm`
/// index SQLite needs to read it is gone and cannot be created. The error says exactly that.
#[test]
#[ignore = "run by read_only_folder_with_wal_but_no_shm_names_the_cause, as another user"]
fn wal_without_shm_child() {
    expect_missing_shm_error(&PathBuf::from(std::env::var_os(RO_ENV).unwrap()));
}

fn expect_missing_shm_error(path: &Path) {
    let err = Store::open(path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ReadOnly, "{err}");
    assert!(
        err.to_string().contains("-shm file it needs is missing"),
        "{err}"
    );
}

#[test]
fn read_only_folder_with_wal_but_no_shm_names_the_cause() {
    let t = common::team().closed();
    std::fs::remove_file(side_file(&t.path(), "-shm")).unwrap();
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        chmod(&entry.unwrap().path(), 0o444);
    }
    chmod(t.dir.path(), 0o555);
    if running_as_root() {
        run_as_nobody("wal_without_shm_child", &[(RO_ENV, &t.path())]);
    } else {
        expect_missing_shm_error(&t.path());
    }
    chmod(t.dir.path(), 0o755);
}

const CAUSE_DB_ENV: &str = "AGOR_TEST_CAUSE_DB";
const CAUSE_FILE_ENV: &str = "AGOR_TEST_CAUSE_FILE";

/// Opens the database as the parent arranged it and checks that the error names the file
/// that is really at fault and the OS's reason, not SQLite's "unable to open database file".
#[test]
#[ignore = "run by the unreadable_* tests, as another user"]
fn open_error_child() {
    expect_open_error_naming(
        &PathBuf::from(std::env::var_os(CAUSE_DB_ENV).unwrap()),
        &PathBuf::from(std::env::var_os(CAUSE_FILE_ENV).unwrap()),
    );
}

fn expect_open_error_naming(db: &Path, culprit: &Path) {
    for read_only in [false, true] {
        let err = Store::builder()
            .path(db)
            .read_only(read_only)
            .open()
            .unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(&err, agor_core::Error::Io { path, .. } if *path == culprit),
            "expected an i/o error on {culprit:?}, got: {text}"
        );
        assert!(text.contains("Permission denied"), "{text}");
        assert!(!text.contains("unable to open database file"), "{text}");
    }
}

/// Makes `culprit` (the database, a side file or the folder) inaccessible to `nobody` with
/// `mode`, then opens the database as `nobody`. Without root the test cannot change user and
/// checks the same as the current user, which permission bits restrict.
fn check_open_error_names(culprit: impl Fn(&Path) -> PathBuf, mode: u32) {
    let t = common::team().closed();
    chmod(t.dir.path(), 0o777);
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        chmod(&entry.unwrap().path(), 0o666);
    }
    let bad = culprit(&t.path());
    assert!(
        bad.exists(),
        "{bad:?} missing: agor keeps -wal/-shm after close"
    );
    chmod(&bad, mode);
    let env = [(CAUSE_DB_ENV, t.path()), (CAUSE_FILE_ENV, bad)];
    let env: Vec<(&str, &Path)> = env.iter().map(|(k, v)| (*k, v.as_path())).collect();
    if running_as_root() {
        run_as_nobody("open_error_child", &env);
    } else {
        expect_open_error_naming(env[0].1, env[1].1);
    }
    chmod(t.dir.path(), 0o755);
}

#[test]
fn unreadable_shm_is_named_as_the_cause() {
    check_open_error_names(|db| side_file(db, "-shm"), 0o000);
}

#[test]
fn unreadable_database_file_is_named_as_the_cause() {
    check_open_error_names(Path::to_path_buf, 0o000);
}

#[test]
fn unreadable_folder_is_named_as_the_cause() {
    check_open_error_names(|db| db.parent().unwrap().to_path_buf(), 0o000);
}

fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// An early legacy schema: only the key columns are constrained, so the scripts (and SQLite's
/// loose typing) could leave NULLs and odd types anywhere else.
const LOOSE_LEGACY_SCHEMA: &str = "
CREATE TABLE agents (id TEXT PRIMARY KEY, name TEXT, role TEXT, group_id TEXT, tier INTEGER, created_at TEXT);
CREATE TABLE contacts (agent_id TEXT NOT NULL, contact_id TEXT NOT NULL, PRIMARY KEY (agent_id, contact_id));
CREATE TABLE messages (id TEXT PRIMARY KEY, from_agent TEXT, to_agent TEXT, content TEXT, read INTEGER,
    reply_to TEXT, group_id TEXT, created_at TEXT);
CREATE TABLE channels (id TEXT PRIMARY KEY, name TEXT, group_id TEXT, created_by TEXT, created_at TEXT);
CREATE TABLE channel_members (channel_id TEXT NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (channel_id, agent_id));
CREATE TABLE channel_messages (id TEXT PRIMARY KEY, channel_id TEXT, from_agent TEXT, content TEXT, created_at TEXT);
CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT, description TEXT, status TEXT, priority TEXT, assigned_to TEXT,
    created_by TEXT, group_id TEXT, parent_task_id TEXT, sort_order INTEGER, created_at TEXT, updated_at TEXT);
CREATE TABLE task_comments (id TEXT PRIMARY KEY, task_id TEXT, agent_id TEXT, content TEXT, created_at TEXT);
INSERT INTO agents VALUES ('boss', 'Boss', 'manager', 'g1', 1, NULL), ('w1', 'Worker', 'project', 'g1', 2, NULL),
    ('root', 'Root', 'admin', 'g1', 0, NULL);
INSERT INTO contacts VALUES ('boss', 'w1'), ('w1', 'boss');
";

/// Rows as a legacy script writes them after agor upgraded the file: NULL in every non-key
/// column it can, text where numbers belong, REAL and integer timestamps.
const ODD_ROWS: &str = "
INSERT INTO agents (id, name, role, group_id, tier, created_at) VALUES ('odd', NULL, NULL, 'g1', '1', 1700000000.5);
UPDATE agents SET status = 7, tier = 'two' WHERE id = 'w1';
INSERT INTO messages (id, from_agent, to_agent, content, read, created_at)
    VALUES ('m-no-time', 'boss', 'w1', 'no timestamp', 0, NULL);
INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
    VALUES ('m-null-body', NULL, 'w1', NULL, '0', 'g1', 1700000000.25);
INSERT INTO messages (id, from_agent, to_agent, content, read, group_id, created_at)
    VALUES ('m-text-read', 'boss', 'w1', 'read as text', 'yes', 'g1', 1700000001);
INSERT INTO channels (id, name, group_id, created_by, created_at) VALUES ('c-old', 'old', 'g1', NULL, NULL);
INSERT INTO channel_members (channel_id, agent_id, joined_at) VALUES ('c-old', 'boss', NULL);
INSERT INTO channel_messages (id, channel_id, from_agent, content, created_at)
    VALUES ('p1', 'c-old', NULL, NULL, 1700000000.5), ('p2', 'c-old', 'boss', 'hi', NULL);
INSERT INTO tasks (id, title, description, status, priority, created_by, group_id, sort_order, version, created_at, updated_at)
    VALUES ('t-odd', NULL, NULL, NULL, NULL, NULL, 'g1', 'first', 'v1', 1700000000.5, NULL);
INSERT INTO task_comments (id, task_id, agent_id, content, created_at) VALUES ('k1', 't-odd', NULL, NULL, 1700000000);
INSERT INTO dead_letter_queue (from_agent, to_agent, content, error, created_at)
    VALUES ('boss', 'w1', 'undelivered', NULL, 1700000000.5);
INSERT INTO audit_log (agent_id, event_type, detail, created_at) VALUES (NULL, 'legacy_event', NULL, 1700000000.5);
";

#[test]
fn legacy_rows_with_nulls_and_odd_types_read_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(LOOSE_LEGACY_SCHEMA)
        .unwrap();
    let store = Store::open(&path).unwrap();
    // The legacy script keeps writing through its own connection after the upgrade.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(ODD_ROWS)
        .unwrap();

    let w1 = store.as_agent("w1").unwrap();
    let boss = store.as_agent("boss").unwrap();
    let root = store.as_agent("root").unwrap();

    let peeked = w1.peek().unwrap();
    let ids: Vec<&str> = peeked.iter().map(|m| m.id.as_str()).collect();
    assert!(
        ids.contains(&"m-no-time") && ids.contains(&"m-null-body"),
        "{ids:?}"
    );
    let no_time = peeked.iter().find(|m| m.id == "m-no-time").unwrap();
    assert_eq!(no_time.created_at, "");
    let null_body = peeked.iter().find(|m| m.id == "m-null-body").unwrap();
    assert_eq!(
        (null_body.from_agent.as_str(), null_body.content.as_str()),
        ("", "")
    );
    assert_eq!(null_body.created_at, "2023-11-14 22:13:20");
    let all = w1.inbox(true, None).unwrap();
    assert!(
        all.iter().any(|m| m.id == "m-text-read" && m.read),
        "{all:?}"
    );
    assert_eq!(w1.read("m-no-time").unwrap().content, "no timestamp");
    assert!(w1.history("boss", 20).unwrap().len() >= 2);
    assert!(w1.notify().unwrap().is_some());
    assert!(root
        .feed(None, 50)
        .unwrap()
        .iter()
        .any(|m| m.id == "m-null-body"));

    let posts = boss.channel_history("old", 10).unwrap();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(boss
        .list_channels()
        .unwrap()
        .iter()
        .any(|c| c.id == "c-old"));

    let task = boss.get_task("t-odd").unwrap();
    assert_eq!(task.task.title, "");
    assert_eq!(task.task.version, 1);
    assert!(
        task.comments.iter().any(|c| c.id == "k1"),
        "{:?}",
        task.comments
    );
    // (`all`: the open-tasks filter is SQL over `status`, which a NULL status does not match.)
    assert!(boss
        .list_tasks(&TaskFilter {
            all: true,
            ..TaskFilter::default()
        })
        .unwrap()
        .iter()
        .any(|t| t.id == "t-odd"));

    let letters = boss.dead_letters().unwrap();
    assert!(letters
        .iter()
        .any(|d| d.content == "undelivered" && d.error.is_none()));
    let audit = store.audit_log(None, 100).unwrap();
    let legacy = audit
        .iter()
        .find(|e| e.event_type == "legacy_event")
        .unwrap();
    assert_eq!(legacy.created_at, "2023-11-14 22:13:20");

    let agents = store.list_agents(None).unwrap();
    let odd = agents.iter().find(|a| a.id == "odd").unwrap();
    assert_eq!((odd.name.as_str(), odd.tier), ("", 1));
    assert_eq!(store.get_agent("w1").unwrap().status, "7");
    assert!(boss.list_agents().unwrap().len() >= 4);
    assert!(store.contact_graph().unwrap().len() >= 2);
}

fn message_and_audit_counts(path: &Path) -> (i64, i64) {
    let c = rusqlite::Connection::open(path).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    c.query_row(
        "SELECT (SELECT count(*) FROM messages),
                (SELECT count(*) FROM audit_log WHERE event_type = 'message_sent')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn backup_is_one_file_that_opens_as_an_agor_database() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    mgr.send("dev1", "keep me").unwrap();
    mgr.create_task(&NewTask::new("backed up")).unwrap();
    let target = t.dir.path().join("copies/backup.db");
    std::fs::create_dir(target.parent().unwrap()).unwrap();
    let written = t.store.backup(&target).unwrap();
    assert_eq!(written, target);
    // One file: everything committed is in it, nothing waits in a -wal of its own.
    let names: Vec<_> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["backup.db"]);
    let header = std::fs::read(&target).unwrap();
    assert_eq!(
        header[18..20],
        [1, 1],
        "the copy is a rollback-journal file"
    );
    let copy = Store::open(&target).unwrap();
    assert_eq!(copy.schema_version().unwrap(), agor_core::LATEST_VERSION);
    let dev1 = copy.as_agent("dev1").unwrap();
    assert_eq!(dev1.peek().unwrap()[0].content, "keep me");
    assert!(dev1
        .list_tasks(&TaskFilter::default())
        .unwrap()
        .iter()
        .any(|t| t.title == "backed up"));
}

#[test]
fn backup_never_overwrites_a_file() {
    let t = common::team();
    let target = t.dir.path().join("precious.db");
    std::fs::write(&target, b"not yours").unwrap();
    let err = t.store.backup(&target).unwrap_err();
    assert!(err.to_string().contains("never overwrites"), "{err}");
    assert!(err.to_string().contains("precious.db"), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"not yours");
    // A folder that does not exist is named as the cause.
    let err = t
        .store
        .backup(t.dir.path().join("missing/dir/b.db"))
        .unwrap_err();
    assert!(err.to_string().contains("missing/dir"), "{err}");
}

#[test]
fn backup_while_another_connection_writes_is_consistent() {
    let t = common::team();
    let writer = Store::open(t.path()).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handle = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mgr = writer.as_agent("mgr").unwrap();
            let mut sent = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || sent < 50 {
                mgr.send("dev1", &format!("message {sent}")).unwrap();
                sent += 1;
            }
            sent
        })
    };
    let mut seen = Vec::new();
    for i in 0..5 {
        let target = t.dir.path().join(format!("snap-{i}.db"));
        t.store.backup(&target).unwrap();
        // Each send writes its message and its audit row in one transaction: a torn copy
        // would hold one without the other.
        let (messages, audited) = message_and_audit_counts(&target);
        assert_eq!(messages, audited, "snapshot {i} is torn");
        seen.push(messages);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = handle.join().unwrap();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(*seen.last().unwrap() <= sent, "{seen:?} of {sent}");
}
